// Effection 4: spawn a task per item, then join each (yield* task).
import { run, spawn, type Task, until } from "effection";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

export default async function ({ n }: Params) {
  return run(function* () {
    const t0 = clock();
    const tasks = new Array<Task<number>>(n);
    for (let i = 0; i < n; i++) {
      tasks[i] = yield* spawn(function* () {
        yield* until(ready);
        return mix(i);
      });
    }
    let checksum = 0;
    for (const task of tasks) checksum += yield* task;
    const t1 = clock();
    return { checksum, metrics: { nsPerTask: nsPer(t0, t1, n) } };
  });
}
