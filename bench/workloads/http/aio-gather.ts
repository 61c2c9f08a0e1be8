// aio: a ClientSession({ limit }) and one task per request, gathered: the session's limit does the
// queueing (N - limit requests wait for a connection slot), under run().
import { gather, run } from "aio-ts";
import { ClientSession } from "aio-ts/http";
import type { Params } from "../../lib/types.ts";
import { bodySum, clock, httpMetrics } from "../../lib/work.ts";

export default function ({ n, size, concurrency, url }: Params) {
  const target = `${url}/bytes/${size}`;
  return run(
    async () => {
      const t0 = clock();
      await using session = new ClientSession({ limit: Number(concurrency) });
      const get = async (): Promise<number> => {
        const response = await session.get(target);
        if (response.status !== 200) throw new Error(`GET ${target}: status ${response.status}`);
        return bodySum(await response.bytes());
      };
      // A fresh function per request: gather starts each distinct awaitable once (asyncio's de-duplication),
      // so N copies of `get` itself would send one request.
      const sums = await gather(Array.from({ length: n }, () => () => get()));
      const t1 = clock();
      let checksum = 0;
      for (const s of sums) checksum += s;
      return { checksum, metrics: httpMetrics(t0, t1, n, Number(size)) };
    },
    { handleSignals: false },
  );
}
