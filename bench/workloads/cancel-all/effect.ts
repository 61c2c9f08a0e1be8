// Effect 4: fork a fiber per task (sleep + ensuring), then Fiber.interruptAll.
import { Effect, Fiber } from "effect";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, settle } from "../../lib/work.ts";

export default function ({ n, sleepMs }: Params) {
  let checksum = 0;
  const blocked = (i: number) =>
    Effect.sleep(Number(sleepMs)).pipe(
      Effect.ensuring(
        Effect.sync(() => {
          checksum += mix(i);
        }),
      ),
    );
  return Effect.runPromise(
    Effect.gen(function* () {
      const t0 = clock();
      const fibers = new Array<Fiber.Fiber<void>>(n);
      for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(blocked(i));
      yield* Effect.promise(settle); // every fiber has started and sleeps
      const t1 = clock();
      yield* Fiber.interruptAll(fibers);
      const t2 = clock();
      return { checksum, metrics: { cancelNsPerTask: nsPer(t1, t2, n), setupNsPerTask: nsPer(t0, t1, n) } };
    }),
  );
}
