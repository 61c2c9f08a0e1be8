// got with p-limit(concurrency), joined with Promise.all, on a keep-alive node:http Agent of `concurrency`
// sockets (got's own default options otherwise); each body read whole with `.buffer()`.
import { Agent } from "node:http";
import got from "got";
import pLimit from "p-limit";
import type { Params } from "../../lib/types.ts";
import { bodySum, clock, httpMetrics } from "../../lib/work.ts";

export default async function ({ n, size, concurrency, url }: Params) {
  const target = `${url}/bytes/${size}`;
  const t0 = clock();
  const agent = new Agent({ keepAlive: true, maxSockets: Number(concurrency) });
  const limit = pLimit(Number(concurrency));
  const get = async (): Promise<number> => bodySum(await got(target, { agent: { http: agent } }).buffer());
  const sums = await Promise.all(Array.from({ length: n }, () => limit(get)));
  const t1 = clock();
  agent.destroy();
  let checksum = 0;
  for (const s of sums) checksum += s;
  return { checksum, metrics: httpMetrics(t0, t1, n, Number(size)) };
}
