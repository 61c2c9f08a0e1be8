// aio: a task per item (createTask, joined with gather), each `acquire()`; try { the operation } finally
// { `release()` } on a shared Semaphore(concurrency): asyncio's `async with sem:` spelled out.
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
        await sem.acquire();
        try {
          return await op(i);
        } finally {
          sem.release();
        }
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
