// Effect 4: Queue.bounded(maxsize), one producer (the main fiber) offering, `consumers` forked fibers taking
// until `Queue.end` (Effect's end of input, a `Cause.Done` failure caught with `Pull.catchDone`), joined.
import { type Cause, Effect, Fiber, Pull, Queue } from "effect";
import type { Params } from "../../lib/types.ts";
import { clock, nsPer } from "../../lib/work.ts";

const consume = (queue: Queue.Dequeue<number, Cause.Done>) =>
  Effect.suspend(() => {
    let sum = 0;
    return Effect.gen(function* () {
      for (;;) sum += yield* Queue.take(queue);
    }).pipe(Pull.catchDone(() => Effect.succeed(sum)));
  });

export default function ({ n, maxsize, consumers }: Params) {
  return Effect.runPromise(
    Effect.gen(function* () {
      const t0 = clock();
      const queue = yield* Queue.bounded<number, Cause.Done>(Number(maxsize));
      const fibers: Fiber.Fiber<number>[] = [];
      for (let c = 0; c < Number(consumers); c++) fibers.push(yield* Effect.forkChild(consume(queue)));
      for (let i = 0; i < n; i++) yield* Queue.offer(queue, i);
      yield* Queue.end(queue);
      const sums = yield* Fiber.joinAll(fibers);
      const t1 = clock();
      let checksum = 0;
      for (const s of sums) checksum += s;
      return { checksum, metrics: { nsPerItem: nsPer(t0, t1, n) } };
    }),
  );
}
