// aio: tasks blocked in sleep (1 h). run() cancels them when main returns.
import { createTask, run, sleep, type Task } from "aio-ts";
import type { Params } from "../../lib/types.ts";
import { heapAfterGc } from "../../lib/work.ts";

export default function ({ n, sleepMs }: Params) {
  let started = 0;
  async function blocked(): Promise<void> {
    started++;
    await sleep(Number(sleepMs));
  }
  return run(
    async () => {
      const before = heapAfterGc();
      const tasks = new Array<Task<void>>(n);
      for (let i = 0; i < n; i++) tasks[i] = createTask(blocked);
      await sleep(0); // every task has started and sleeps
      const after = heapAfterGc();
      return { checksum: started, metrics: { bytesPerTask: (after - before) / tasks.length } };
    },
    { handleSignals: false },
  );
}
