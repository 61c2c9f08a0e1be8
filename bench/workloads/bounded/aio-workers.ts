// aio, until Semaphore and map land: `concurrency` worker tasks pulling from a shared index, gathered.
import { createTask, gather, run, type Task } from "aio";
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
      const results = new Array<number>(n);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < n) {
          const i = next++;
          results[i] = await op(i);
        }
      };
      const workers: Task<void>[] = [];
      for (let w = 0; w < Number(concurrency); w++) workers.push(createTask(worker));
      await gather(workers);
      const t1 = clock();
      let checksum = 0;
      for (const r of results) checksum += r;
      return { checksum, metrics: { nsPerTask: nsPer(t0, t1, n) } };
    },
    { handleSignals: false },
  );
}
