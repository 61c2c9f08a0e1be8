// aio: a task per item (createTask, joined with gather), each holding a shared Semaphore(concurrency) with
// `await using _ = await sem.hold()` around the operation.
import { createTask, gather, run, Semaphore, type Task } from "aio-ts";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

async function op(i: number): Promise<number> {
  await ready;
  return mix(i);
}

export default function ({ n, concurrency }: Params) {
  return run(
    async () => {
      const t0 = clock();
      const sem = new Semaphore(Number(concurrency));
      const guarded = async (i: number): Promise<number> => {
        await using _ = await sem.hold();
        return await op(i);
      };
      const tasks = new Array<Task<number>>(n);
      for (let i = 0; i < n; i++) tasks[i] = createTask(() => guarded(i));
      const results = await gather(tasks);
      const t1 = clock();
      let checksum = 0;
      for (const r of results) checksum += r;
      return { checksum, metrics: { nsPerTask: nsPer(t0, t1, n) } };
    },
    { handleSignals: false },
  );
}
