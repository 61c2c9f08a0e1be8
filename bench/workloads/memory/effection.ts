// Effection 4: spawned tasks blocked in sleep (1 h); halted when the run ends.
import { run, sleep, spawn, type Task } from "effection";
import type { Params } from "../../lib/types.ts";
import { heapAfterGc } from "../../lib/work.ts";

export default async function ({ n, sleepMs }: Params) {
  let started = 0;
  return run(function* () {
    const before = heapAfterGc();
    const tasks = new Array<Task<void>>(n);
    for (let i = 0; i < n; i++) {
      tasks[i] = yield* spawn(function* () {
        started++;
        yield* sleep(Number(sleepMs));
      });
    }
    yield* sleep(0); // every task has started and sleeps
    const after = heapAfterGc();
    return { checksum: started, metrics: { bytesPerTask: (after - before) / tasks.length } };
  });
}
