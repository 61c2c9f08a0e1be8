// Floor: a hand-written pool of `concurrency` async workers pulling from a shared index.
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

async function op(i: number): Promise<number> {
  await ready;
  return mix(i);
}

export default async function ({ n, concurrency }: Params) {
  const t0 = clock();
  const results = new Array<number>(n);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < n) {
      const i = next++;
      results[i] = await op(i);
    }
  }
  const workers: Promise<void>[] = [];
  for (let w = 0; w < Number(concurrency); w++) workers.push(worker());
  await Promise.all(workers);
  const t1 = clock();
  let checksum = 0;
  for (const r of results) checksum += r;
  return { checksum, metrics: { nsPerTask: nsPer(t0, t1, n) } };
}
