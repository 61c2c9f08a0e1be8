// Floor: one async function call per task, joined with Promise.all.
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

async function work(i: number): Promise<number> {
  await ready;
  return mix(i);
}

export default async function ({ n }: Params) {
  const t0 = clock();
  const promises = new Array<Promise<number>>(n);
  for (let i = 0; i < n; i++) promises[i] = work(i);
  const results = await Promise.all(promises);
  const t1 = clock();
  let checksum = 0;
  for (const r of results) checksum += r;
  return { checksum, metrics: { nsPerTask: nsPer(t0, t1, n) } };
}
