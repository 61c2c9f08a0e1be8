// Floor: undici's own `request()` (aio/http is built on undici) on an Agent of `concurrency` connections,
// `concurrency` workers pulling from one counter, each body read whole with `body.bytes()`.
import { Agent, request } from "undici";
import type { Params } from "../../lib/types.ts";
import { bodySum, clock, httpMetrics } from "../../lib/work.ts";

export default async function ({ n, size, concurrency, url }: Params) {
  const target = `${url}/bytes/${size}`;
  const t0 = clock();
  const agent = new Agent({ connections: Number(concurrency) });
  let next = 0;
  let checksum = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      const { statusCode, body } = await request(target, { dispatcher: agent });
      if (statusCode !== 200) throw new Error(`GET ${target}: status ${statusCode}`);
      // Read first, then add: `checksum += bodySum(await ...)` would read `checksum` before the await.
      const bytes = await body.bytes();
      checksum += bodySum(bytes);
    }
  };
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
  const t1 = clock();
  await agent.close();
  return { checksum, metrics: httpMetrics(t0, t1, n, Number(size)) };
}
