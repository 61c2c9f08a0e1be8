// Effect 4: a fiber per contender (Effect.forEach, unbounded concurrency), each wrapped in `withPermits(1)` of a
// shared `Semaphore.make(1)` (Effect 3's `Effect.makeSemaphore`).
import { Effect, Semaphore } from "effect";
import type { Params } from "../../lib/types.ts";
import { mix, ready, twoSizes } from "../../lib/work.ts";

const round = (size: number): Effect.Effect<number> =>
  Effect.gen(function* () {
    const semaphore = yield* Semaphore.make(1);
    let total = 0;
    const task = (i: number) =>
      Effect.gen(function* () {
        const seen = total;
        yield* Effect.promise(() => ready);
        total = seen + mix(i); // a lost update if two fibers were ever inside at once
      }).pipe(semaphore.withPermits(1));
    const ids = Array.from({ length: size }, (_, i) => i);
    yield* Effect.forEach(ids, task, { concurrency: "unbounded", discard: true });
    return total;
  });

export default ({ n }: Params) => twoSizes(n, (size) => Effect.runPromise(round(size)));
