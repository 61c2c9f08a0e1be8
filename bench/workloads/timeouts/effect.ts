// Effect 4: Effect.timeout on each operation; Effect.forEach, unbounded or sequential.
import { Effect } from "effect";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

async function op(i: number): Promise<number> {
  await ready;
  return mix(i);
}

export default function ({ n, timeoutMs, mode }: Params) {
  const ms = Number(timeoutMs);
  const ids = Array.from({ length: n }, (_, i) => i);
  const guarded = (i: number) =>
    Effect.timeout(
      Effect.promise(() => op(i)),
      ms,
    );
  return Effect.runPromise(
    Effect.gen(function* () {
      const t0 = clock();
      const results = yield* Effect.forEach(ids, guarded, {
        concurrency: mode === "sequential" ? 1 : "unbounded",
      });
      const t1 = clock();
      let checksum = 0;
      for (const r of results) checksum += r;
      return { checksum, metrics: { nsPerOp: nsPer(t0, t1, n) } };
    }),
  );
}
