import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CapacityLimiter,
  createTask,
  currentTask,
  isCancelledError,
  map,
  mapUnordered,
  now,
  sleep,
  type Task,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

class Boom extends Error {}

const DONE = { done: true, value: undefined };

/** The iterator of one run, as `for await` gets it (mapUnordered's has `return()` and is its own iterable). */
function iterate<R>(results: AsyncIterable<R>): AsyncIterableIterator<R> & Required<Pick<AsyncIterator<R>, "return">> {
  return results[Symbol.asyncIterator]() as AsyncIterableIterator<R> & Required<Pick<AsyncIterator<R>, "return">>;
}

/** A call that takes `n` ms; the call of 1000, cancelled, cleans up for 5 ms more, then is recorded. */
function slowCleanupOf(finallies: number[]) {
  return async (n: number) => {
    try {
      await sleep(n);
      return n;
    } finally {
      if (n === 1000) {
        await sleep(5);
        finallies.push(n);
      }
    }
  };
}

describe("mapUnordered's iterator", () => {
  test("a next() called before the previous one settled throws; the previous one still gets its result", async () => {
    await runVirtual(async () => {
      const it = iterate(mapUnordered([1, 2], (n) => sleep(n, n)));
      const first = it.next();
      await assert.rejects(it.next(), {
        name: "InvalidStateError",
        code: "ERR_AIO_CONCURRENT_NEXT",
        message: "mapUnordered: next() called before the previous next() settled",
      });
      assert.deepEqual(await first, { done: false, value: 1 });
      assert.deepEqual(await it.next(), { done: false, value: 2 });
      assert.deepEqual(await it.next(), DONE);
    });
  });

  test("the iterator is its own async iterable, so for await takes it as it is", async () => {
    await runVirtual(async () => {
      const it = iterate(mapUnordered([1, 2, 3], async (n) => n * 10));
      assert.equal(it[Symbol.asyncIterator](), it);
      assert.deepEqual(await it.next(), { done: false, value: 10 });
      const rest: number[] = [];
      for await (const n of it) rest.push(n);
      assert.deepEqual(rest, [20, 30]);
    });
  });

  test("once next() has thrown a call's error, the iterator is done: it throws once", async () => {
    await runVirtual(async () => {
      let calls = 0;
      const it = iterate(
        mapUnordered([1, 2], async (n) => {
          calls++;
          await sleep(n);
          if (n === 1) throw new Boom("one");
          return n;
        }),
      );
      assert.equal(((await rejection(it.next())) as Error).message, "one");
      assert.deepEqual(await it.next(), DONE);
      assert.deepEqual(await it.next(), DONE);
      assert.deepEqual(await it.return(), DONE);
      assert.equal(calls, 2);
    });
  });

  test("return() ends the iteration: results computed and not yet taken are dropped", async () => {
    await runVirtual(async () => {
      const it = iterate(mapUnordered([1, 2, 3], async (n) => sleep(1, n), { concurrency: 3 }));
      assert.deepEqual(await it.next(), { done: false, value: 1 });
      assert.deepEqual(await it.return(), DONE);
      assert.deepEqual(await it.next(), DONE, "2 and 3 were done, but the iteration was over");
    });
  });

  test("return() before the first next() starts nothing, and the iterator stays done", async () => {
    await runVirtual(async () => {
      let calls = 0;
      const it = iterate(
        mapUnordered([1, 2], async (n) => {
          calls++;
          return n;
        }),
      );
      assert.deepEqual(await it.return(), DONE);
      assert.deepEqual(await it.next(), DONE);
      await sleep(1);
      assert.equal(calls, 0);
    });
  });

  test("a second return() during the first one's cleanup returns at once; the first waits for the cleanup", async () => {
    await runVirtual(async () => {
      const finallies: number[] = [];
      const it = iterate(mapUnordered([1, 1000], slowCleanupOf(finallies)));
      assert.deepEqual(await it.next(), { done: false, value: 1 });
      const first = it.return();
      assert.deepEqual(await it.return(), DONE);
      assert.equal(now(), 1, "the second return() did not wait");
      assert.deepEqual(await first, DONE);
      assert.equal(now(), 6);
      assert.deepEqual(finallies, [1000]);
    });
  });

  test("return() while a next() is pending returns at once; that next() says done once the calls are cleaned up", async () => {
    await runVirtual(async () => {
      const finallies: number[] = [];
      const it = iterate(mapUnordered([1000], slowCleanupOf(finallies)));
      const pending = it.next();
      await sleep(1);
      assert.deepEqual(await it.return(), DONE);
      assert.equal(now(), 1);
      assert.deepEqual(await pending, DONE);
      assert.equal(now(), 6);
      assert.deepEqual(finallies, [1000]);
    });
  });

  test("a cancel of the consumer while break waits for the cleanup comes out of the loop, after the cleanup", async () => {
    await runVirtual(async () => {
      const finallies: number[] = [];
      const events: string[] = [];
      const consumer = createTask(async () => {
        for await (const n of mapUnordered([1, 1000], slowCleanupOf(finallies))) {
          events.push(`got ${n}`);
          break;
        }
        events.push("after the loop");
      });
      await sleep(3); // the consumer is in return(), waiting for the call of 1000 to clean up (until 6)
      consumer.cancel();
      assert.ok(isCancelledError(await rejection(consumer)));
      assert.deepEqual(events, ["got 1"]);
      assert.deepEqual(finallies, [1000]);
      assert.equal(now(), 6);
    });
  });

  test("a consumer cancelled after a call failed ends the iteration for good: next() is then done", async () => {
    await runVirtual(async () => {
      const finallies: number[] = [];
      const it = iterate(
        mapUnordered([1, 1000], async (n) => {
          if (n === 1) {
            await sleep(1);
            throw new Boom("one");
          }
          return slowCleanupOf(finallies)(n);
        }),
      );
      const consumer = createTask(() => it.next());
      await sleep(3); // 1 failed at 1; the call of 1000 cleans up until 6
      consumer.cancel();
      assert.ok(isCancelledError(await rejection(consumer)));
      assert.equal(now(), 6);
      assert.deepEqual(await it.next(), DONE, "the cancel ended it: the failure is not thrown afterwards");
    });
  });
});

describe("mapUnordered and a limiter", () => {
  test("a worker keeps its token for the next item while only its own run's workers wait for one", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      const ranOn: Task<unknown>[] = [];
      const out: number[] = [];
      for await (const n of mapUnordered(
        [0, 1, 2, 3],
        async (n) => {
          ranOn.push(currentTask() as Task<unknown>);
          await sleep(1);
          return n;
        },
        { limiter },
      )) {
        out.push(n);
      }
      assert.deepEqual(out, [0, 1, 2, 3]);
      assert.equal(new Set(ranOn).size, 1, "no hand-over of the token between two workers of the run");
      assert.equal(limiter.borrowedTokens, 0);
    });
  });
});

describe("the options of map and mapUnordered", () => {
  test("a sync input's item goes to its call at once, with no other task running in between", async () => {
    await runVirtual(async () => {
      const log: string[] = [];
      function* items(): Generator<number> {
        for (let i = 0; i < 3; i++) {
          log.push(`pull ${i}`);
          yield i;
        }
      }
      const ticker = createTask(async () => {
        for (let t = 0; t < 10; t++) {
          log.push("other task");
          await sleep(0);
        }
      });
      for await (const _ of mapUnordered(items(), async (n) => log.push(`call ${n}`), { concurrency: 1 })) {
        // consumed
      }
      await map(items(), async (n) => log.push(`call ${n}`), { concurrency: 1 });
      await ticker;
      const pulls = log.flatMap((entry, at) => (entry.startsWith("pull") ? [[entry, log[at + 1]]] : []));
      assert.equal(pulls.length, 6);
      for (const [pull, next] of pulls) assert.equal(next, pull?.replace("pull", "call"), log.join(", "));
    });
  });

  test("null options are refused at once, naming the argument", () => {
    const fn = async () => 1;
    const expected = { name: "TypeError", message: "Expected `options` to be an options object, got `null` (null)" };
    assert.throws(() => map([1], fn, null as never), expected);
    assert.throws(() => mapUnordered([1], fn, null as never), expected);
  });
});
