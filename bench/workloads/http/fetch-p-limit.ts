// Node's global fetch (its bundled undici, default global dispatcher) with p-limit(concurrency), joined with
// Promise.all; each body read whole with arrayBuffer().
import pLimit from "p-limit";
import type { Params } from "../../lib/types.ts";
import { bodySum, clock, httpMetrics } from "../../lib/work.ts";

export default async function ({ n, size, concurrency, url }: Params) {
  const target = `${url}/bytes/${size}`;
  const t0 = clock();
  const limit = pLimit(Number(concurrency));
  const get = async (): Promise<number> => {
    const response = await fetch(target);
    if (response.status !== 200) throw new Error(`GET ${target}: status ${response.status}`);
    return bodySum(new Uint8Array(await response.arrayBuffer()));
  };
  const sums = await Promise.all(Array.from({ length: n }, () => limit(get)));
  const t1 = clock();
  let checksum = 0;
  for (const s of sums) checksum += s;
  return { checksum, metrics: httpMetrics(t0, t1, n, Number(size)) };
}
