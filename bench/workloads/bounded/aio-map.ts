// aio: map(items, fn, { concurrency }), results in input order.
import { map, run } from "aio-ts";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

async function op(i: number): Promise<number> {
  await ready;
  return mix(i);
}

export default function ({ n, concurrency }: Params) {
  const ids = Array.from({ length: n }, (_, i) => i);
  return run(
    async () => {
      const t0 = clock();
      const results = await map(ids, op, { concurrency: Number(concurrency) });
      const t1 = clock();
      let checksum = 0;
      for (const r of results) checksum += r;
      return { checksum, metrics: { nsPerTask: nsPer(t0, t1, n) } };
    },
    { handleSignals: false },
  );
}
