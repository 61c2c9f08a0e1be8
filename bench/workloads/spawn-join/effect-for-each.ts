// Effect 4: the high-level form, Effect.forEach with unbounded concurrency.
import { Effect } from "effect";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

const work = (i: number) =>
  Effect.as(
    Effect.promise(() => ready),
    mix(i),
  );

export default function ({ n }: Params) {
  const ids = Array.from({ length: n }, (_, i) => i);
  return Effect.runPromise(
    Effect.gen(function* () {
      const t0 = clock();
      const results = yield* Effect.forEach(ids, work, { concurrency: "unbounded" });
      const t1 = clock();
      let checksum = 0;
      for (const r of results) checksum += r;
      return { checksum, metrics: { nsPerTask: nsPer(t0, t1, n) } };
    }),
  );
}
