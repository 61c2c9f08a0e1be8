// aio: cancel() every task, then gather them with returnExceptions to wait for every finally.
import { createTask, gather, run, sleep, type Task } from "aio-ts";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer } from "../../lib/work.ts";

export default function ({ n, sleepMs }: Params) {
  let checksum = 0;
  async function blocked(i: number): Promise<void> {
    try {
      await sleep(Number(sleepMs));
    } finally {
      checksum += mix(i);
    }
  }
  return run(
    async () => {
      const t0 = clock();
      const tasks = new Array<Task<void>>(n);
      for (let i = 0; i < n; i++) tasks[i] = createTask(() => blocked(i));
      await sleep(0); // every task has started and sleeps
      const t1 = clock();
      for (const task of tasks) task.cancel();
      await gather(tasks, { returnExceptions: true });
      const t2 = clock();
      return { checksum, metrics: { cancelNsPerTask: nsPer(t1, t2, n), setupNsPerTask: nsPer(t0, t1, n) } };
    },
    { handleSignals: false },
  );
}
