// aio: a taskGroup whose body starts every task; the group waits for all of them.
import { run, type Task, taskGroup } from "aio-ts";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

async function work(i: number): Promise<number> {
  await ready;
  return mix(i);
}

export default function ({ n }: Params) {
  return run(
    async () => {
      const t0 = clock();
      const tasks = new Array<Task<number>>(n);
      await taskGroup(async (tg) => {
        for (let i = 0; i < n; i++) tasks[i] = tg.createTask(() => work(i));
      });
      const t1 = clock();
      let checksum = 0;
      for (const t of tasks) checksum += t.result();
      return { checksum, metrics: { nsPerTask: nsPer(t0, t1, n) } };
    },
    { handleSignals: false },
  );
}
