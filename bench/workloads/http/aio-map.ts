// aio: a ClientSession({ limit }) and map(requests, get-then-bytes, { concurrency }), under run().
import { map, run } from "aio-ts";
import { ClientSession } from "aio-ts/http";
import type { Params } from "../../lib/types.ts";
import { bodySum, clock, httpMetrics } from "../../lib/work.ts";

export default function ({ n, size, concurrency, url }: Params) {
  const target = `${url}/bytes/${size}`;
  const requests = Array.from({ length: n }, () => target);
  return run(
    async () => {
      const t0 = clock();
      await using session = new ClientSession({ limit: Number(concurrency) });
      const sums = await map(
        requests,
        async (u) => {
          const response = await session.get(u);
          if (response.status !== 200) throw new Error(`GET ${u}: status ${response.status}`);
          return bodySum(await response.bytes());
        },
        { concurrency: Number(concurrency) },
      );
      const t1 = clock();
      let checksum = 0;
      for (const s of sums) checksum += s;
      return { checksum, metrics: httpMetrics(t0, t1, n, Number(size)) };
    },
    { handleSignals: false },
  );
}
