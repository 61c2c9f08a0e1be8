// Effect 4: child fibers blocked in Effect.sleep (1 h); interrupted when the program ends.
import { Effect, type Fiber } from "effect";
import type { Params } from "../../lib/types.ts";
import { heapAfterGc, settle } from "../../lib/work.ts";

export default function ({ n, sleepMs }: Params) {
  let started = 0;
  const blocked = Effect.suspend(() => {
    started++;
    return Effect.sleep(Number(sleepMs));
  });
  return Effect.runPromise(
    Effect.gen(function* () {
      const before = heapAfterGc();
      const fibers = new Array<Fiber.Fiber<void>>(n);
      for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(blocked);
      yield* Effect.promise(settle); // every fiber has started and sleeps
      const after = heapAfterGc();
      return { checksum: started, metrics: { bytesPerTask: (after - before) / fibers.length } };
    }),
  );
}
