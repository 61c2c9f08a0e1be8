// Effect 4: Effect.forEach with unbounded concurrency over Effect.sleep.
// (An Effect is lazy, so the deadline can only be read before the sleep runs: hi = lo.)
import { Effect } from "effect";
import type { Params } from "../../lib/types.ts";
import { clock, delays, mix, timerMetrics } from "../../lib/work.ts";

export default function ({ n, seed }: Params) {
  const ds = delays(n, seed);
  const lo = new Float64Array(n);
  const woke = new Float64Array(n);
  const order = new Int32Array(n);
  let k = 0;
  let checksum = 0;
  const one = (i: number) =>
    Effect.gen(function* () {
      const d = ds[i] as number;
      lo[i] = clock() + d;
      yield* Effect.sleep(d);
      woke[i] = clock();
      order[k++] = i;
      checksum += d + mix(i);
    });
  const ids = Array.from({ length: n }, (_, i) => i);
  return Effect.runPromise(
    Effect.gen(function* () {
      const t0 = clock();
      yield* Effect.forEach(ids, one, { concurrency: "unbounded", discard: true });
      const t1 = clock();
      return { checksum, metrics: timerMetrics(lo, lo, woke, order, t1 - t0) };
    }),
  );
}
