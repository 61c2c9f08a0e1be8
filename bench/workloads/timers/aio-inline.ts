// aio: the raw column's shape (an async function per sleep, joined with Promise.all) with aio's sleep, under
// run(): the sleeps alone, without a task each.
import { run, sleep } from "aio";
import type { Params } from "../../lib/types.ts";
import { clock, delays, mix, timerMetrics } from "../../lib/work.ts";

export default function ({ n, seed }: Params) {
  const ds = delays(n, seed);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const woke = new Float64Array(n);
  const order = new Int32Array(n);
  let k = 0;
  let checksum = 0;
  async function one(i: number): Promise<void> {
    const d = ds[i] as number;
    lo[i] = clock() + d;
    const slept = sleep(d);
    hi[i] = clock() + d;
    await slept;
    woke[i] = clock();
    order[k++] = i;
    checksum += d + mix(i);
  }
  return run(
    async () => {
      const t0 = clock();
      const promises = new Array<Promise<void>>(n);
      for (let i = 0; i < n; i++) promises[i] = one(i);
      await Promise.all(promises);
      const t1 = clock();
      return { checksum, metrics: timerMetrics(lo, hi, woke, order, t1 - t0) };
    },
    { handleSignals: false },
  );
}
