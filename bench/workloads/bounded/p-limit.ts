// p-limit: every call goes through limit(), joined with Promise.all.
import pLimit from "p-limit";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

async function op(i: number): Promise<number> {
  await ready;
  return mix(i);
}

export default async function ({ n, concurrency }: Params) {
  const ids = Array.from({ length: n }, (_, i) => i);
  const t0 = clock();
  const limit = pLimit(Number(concurrency));
  const results = await Promise.all(ids.map((i) => limit(() => op(i))));
  const t1 = clock();
  let checksum = 0;
  for (const r of results) checksum += r;
  return { checksum, metrics: { nsPerTask: nsPer(t0, t1, n) } };
}
