// Effect 4: fork a child fiber per task, then join them all.
import { Effect, Fiber } from "effect";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

const work = (i: number) =>
  Effect.as(
    Effect.promise(() => ready),
    mix(i),
  );

export default function ({ n }: Params) {
  return Effect.runPromise(
    Effect.gen(function* () {
      const t0 = clock();
      const fibers = new Array<Fiber.Fiber<number>>(n);
      for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(work(i));
      const results = yield* Fiber.joinAll(fibers);
      const t1 = clock();
      let checksum = 0;
      for (const r of results) checksum += r;
      return { checksum, metrics: { nsPerTask: nsPer(t0, t1, n) } };
    }),
  );
}
