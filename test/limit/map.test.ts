import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  allTasks,
  CancelledError,
  CapacityLimiter,
  createTask,
  currentTask,
  ExceptionGroup,
  isCancelledError,
  type LoopReport,
  map,
  mapUnordered,
  now,
  run,
  sleep,
} from "aio-ts";
import { bestTimes, rejection, runVirtual } from "../helpers.ts";

class Boom extends Error {}

/** Counts calls in flight and remembers the most seen at once. */
function inFlight() {
  const state = { now: 0, max: 0 };
  return {
    state,
    async around<R>(body: () => Promise<R>): Promise<R> {
      state.now++;
      state.max = Math.max(state.max, state.now);
      try {
        return await body();
      } finally {
        state.now--;
      }
    },
  };
}

/** An endless generator that counts its pulls and whether it was closed. */
function counting() {
  const state = { pulls: 0, closed: false };
  function* gen(): Generator<number> {
    try {
      for (let i = 0; ; i++) {
        state.pulls++;
        yield i;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, gen };
}

describe("map", () => {
  test("resolves with the results in input order, whatever order the calls finish in", async () => {
    await runVirtual(async () => {
      const delays = [50, 10, 40, 20, 30, 0, 60];
      const results = await map(delays, (ms, i) => sleep(ms, `${i}:${ms}`), { concurrency: 3 });
      assert.deepEqual(
        results,
        delays.map((ms, i) => `${i}:${ms}`),
      );
    });
  });

  test("never runs more than `concurrency` calls at once, and keeps that many busy", async () => {
    await runVirtual(async () => {
      const counter = inFlight();
      const items = Array.from({ length: 50 }, (_, i) => (i * 7) % 13);
      const start = now();
      await map(items, (ms) => counter.around(() => sleep(ms + 1)), { concurrency: 4 });
      assert.equal(counter.state.max, 4);
      // 50 items of 1-13 ms on 4 lanes: the pool stays full, so far less than the serial sum.
      const serial = items.reduce((a, ms) => a + ms + 1, 0);
      assert.ok(now() - start < serial / 3, `${now() - start} ms vs ${serial} serial`);
    });
  });

  test("the default concurrency is Infinity: every item starts at once", async () => {
    await runVirtual(async () => {
      const counter = inFlight();
      await map(Array.from({ length: 100 }), () => counter.around(() => sleep(10)));
      assert.equal(counter.state.max, 100);
      assert.equal(now(), 10);
    });
  });

  test("passes each item's index, and accepts any iterable (Set, string, generator)", async () => {
    await runVirtual(async () => {
      assert.deepEqual(await map(new Set(["a", "b"]), async (x, i) => `${i}${x}`, { concurrency: 1 }), ["0a", "1b"]);
      assert.deepEqual(await map("xyz", async (c) => c.toUpperCase(), { concurrency: 2 }), ["X", "Y", "Z"]);
      function* gen() {
        yield 1;
        yield 2;
      }
      assert.deepEqual(await map(gen(), async (n) => n * 10, { concurrency: 5 }), [10, 20]);
      assert.deepEqual(await map([], async () => 1, { concurrency: 5 }), []);
      assert.deepEqual(await map([1, 2], (n) => n + 1), [2, 3], "a plain (non-async) fn is fine too");
    });
  });

  test("accepts an async iterable, consumed in order with one next() at a time", async () => {
    await runVirtual(async () => {
      let pending = 0;
      let overlapped = false;
      let i = 0;
      const source: AsyncIterable<number> = {
        [Symbol.asyncIterator]: () => ({
          async next() {
            if (pending++ > 0) overlapped = true;
            await sleep(1);
            pending--;
            return i < 20 ? { done: false, value: i++ } : { done: true, value: undefined };
          },
        }),
      };
      const results = await map(
        source,
        async (n) => {
          await sleep(20 - n);
          return n * 2;
        },
        { concurrency: 5 },
      );
      assert.deepEqual(
        results,
        Array.from({ length: 20 }, (_, k) => k * 2),
      );
      assert.equal(overlapped, false, "next() was never called while another was pending");
    });
  });

  test("is lazy: an item is pulled only when a call can start", async () => {
    await runVirtual(async () => {
      const { state, gen } = counting();
      const task = createTask(() => map(gen(), (n) => sleep(100, n), { concurrency: 3 }));
      await sleep(50);
      assert.equal(state.pulls, 3, "three calls running, three items pulled");
      await sleep(100);
      assert.equal(state.pulls, 6);
      task.cancel();
      assert.ok(isCancelledError(await rejection(task)));
      assert.equal(state.closed, true, "the generator was closed (its finally ran)");
    });
  });

  test("the first failure stops pulling an endless input, cancels the running calls and throws that error", async () => {
    await runVirtual(async () => {
      const { state, gen } = counting();
      const finallies: number[] = [];
      const boom = new Boom("item 5");
      const error = await rejection(
        map(
          gen(),
          async (n) => {
            try {
              await sleep(n === 5 ? 5 : 1000);
              if (n === 5) throw boom;
              return n;
            } finally {
              await sleep(1); // cleanup that itself waits
              finallies.push(n);
            }
          },
          { concurrency: 8 },
        ),
      );
      assert.equal(error, boom, "the error itself, not an ExceptionGroup");
      assert.ok(!(error instanceof ExceptionGroup));
      assert.equal(state.pulls, 8, "nothing pulled after the failure");
      assert.equal(state.closed, true, "the input was closed");
      assert.deepEqual(
        finallies.sort((a, b) => a - b),
        [0, 1, 2, 3, 4, 5, 6, 7],
        "every running call's finally ran before map threw",
      );
      assert.equal(now(), 7, "the others were cancelled at 6 (after the failing call's own cleanup), not waited for");
      assert.equal(allTasks().size, 1, "no worker left behind");
    });
  });

  test("errors raised while the others are cancelled are dropped; the first one is thrown", async () => {
    await runVirtual(async () => {
      const error = await rejection(
        map(
          [1, 2, 3],
          async (n) => {
            try {
              await sleep(n * 10);
            } catch (e) {
              // Cancelled because item 1 failed: the cleanup fails too.
              throw isCancelledError(e) ? new Boom(`cleanup ${n}`) : e;
            }
            throw new Boom(`first ${n}`);
          },
          { concurrency: 3 },
        ),
      );
      assert.equal((error as Error).message, "first 1");
    });
  });

  test("returnExceptions keeps going and puts the errors in the results", async () => {
    await runVirtual(async () => {
      const results = await map(
        [1, 2, 3, 4, 5],
        async (n) => {
          await sleep(n);
          if (n % 2 === 0) throw new Boom(`even ${n}`);
          return n;
        },
        { concurrency: 2, returnExceptions: true },
      );
      assert.deepEqual(
        results.map((r) => (r instanceof Error ? r.message : r)),
        [1, "even 2", 3, "even 4", 5],
      );
    });
  });

  test("an error of the input itself ends the run even with returnExceptions", async () => {
    await runVirtual(async () => {
      const finallies: number[] = [];
      function* gen() {
        yield 1;
        yield 2;
        throw new Boom("bad input");
      }
      const error = await rejection(
        map(
          gen(),
          async (n) => {
            try {
              await sleep(100);
            } finally {
              finallies.push(n);
            }
          },
          { concurrency: 5, returnExceptions: true },
        ),
      );
      assert.equal((error as Error).message, "bad input");
      assert.deepEqual(finallies, [1, 2], "the running calls were cancelled and cleaned up");
      assert.equal(now(), 0);
    });
  });

  test("cancelling the caller cancels every running call, waits for their cleanup, and closes the input", async () => {
    await runVirtual(async () => {
      const finallies: number[] = [];
      let closed = false;
      async function* source() {
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          await sleep(1);
          closed = true;
        }
      }
      const caller = createTask(() =>
        map(
          source(),
          async (n) => {
            try {
              await sleep(1000);
            } finally {
              await sleep(5);
              finallies.push(n);
            }
          },
          { concurrency: 4 },
        ),
      );
      await sleep(10);
      caller.cancel("enough");
      const error = await rejection(caller);
      assert.ok(isCancelledError(error));
      assert.equal((error as Error).message, "enough");
      assert.deepEqual(finallies.sort(), [0, 1, 2, 3]);
      assert.equal(closed, true, "the async generator's finally ran (return() was awaited)");
      assert.equal(now(), 16);
      assert.equal(allTasks().size, 1);
    });
  });

  test("a second cancel during the cleanup does not cut the cleanup short", async () => {
    await runVirtual(async () => {
      let cleaned = false;
      const caller = createTask(() =>
        map(
          [1],
          async () => {
            try {
              await sleep(1000);
            } finally {
              await sleep(10);
              cleaned = true;
            }
          },
          { concurrency: 1 },
        ),
      );
      await sleep(1);
      caller.cancel();
      await sleep(5);
      caller.cancel();
      assert.ok(isCancelledError(await rejection(caller)));
      assert.equal(cleaned, true);
    });
  });

  test("an async input that never answers does not hold up a cancel", async () => {
    await runVirtual(async () => {
      let returned = false;
      const source: AsyncIterable<number> = {
        [Symbol.asyncIterator]: () => ({
          next: () => new Promise<IteratorResult<number>>(() => {}),
          return: async () => {
            returned = true;
            return { done: true, value: undefined };
          },
        }),
      };
      const caller = createTask(() => map(source, async (n) => n, { concurrency: 2 }));
      await sleep(10);
      caller.cancel();
      assert.ok(isCancelledError(await rejection(caller)));
      assert.equal(returned, true, "return() was called (not awaited behind the stuck next())");
    });
  });

  test("a signal abort stops the run like a cancel and throws the signal's reason", async () => {
    await runVirtual(async () => {
      const controller = new AbortController();
      const finallies: number[] = [];
      const { state, gen } = counting();
      const p = map(
        gen(),
        async (n) => {
          try {
            await sleep(1000);
          } finally {
            finallies.push(n);
          }
        },
        { concurrency: 3, signal: controller.signal },
      );
      await sleep(10);
      controller.abort(new Boom("stop"));
      const error = await rejection(p);
      assert.equal((error as Error).message, "stop");
      assert.deepEqual(finallies.sort(), [0, 1, 2]);
      assert.equal(state.closed, true);

      let called = false;
      const early = await rejection(
        map(
          [1],
          async () => {
            called = true;
          },
          { signal: AbortSignal.abort(new Boom("already")) },
        ),
      );
      assert.equal((early as Error).message, "already");
      assert.equal(called, false, "an already-aborted signal starts nothing");
    });
  });

  test("a shared limiter bounds two maps together; concurrency and limiter both apply", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(3);
      const counter = inFlight();
      const a = inFlight();
      const work = (c: ReturnType<typeof inFlight>) => (n: number) =>
        counter.around(() => c.around(() => sleep((n % 5) + 1, n)));
      const items = Array.from({ length: 30 }, (_, i) => i);
      const [ra, rb] = await Promise.all([
        map(items, work(a), { limiter, concurrency: 2 }),
        map(items, work(inFlight()), { limiter }),
      ]);
      assert.deepEqual(ra, items);
      assert.deepEqual(rb, items);
      assert.equal(counter.state.max, 3, "never more than the limiter's 3 at once, across both maps");
      assert.equal(a.state.max, 2, "the first map also kept to its own concurrency");
      assert.equal(limiter.borrowedTokens, 0, "every token came back");
    });
  });

  test("a shared limiter is fair: one map does not starve the other", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(2);
      const order: string[] = [];
      const items = Array.from({ length: 10 }, (_, i) => i);
      await Promise.all([
        map(items, (n) => sleep(1).then(() => order.push(`a${n}`)), { limiter }),
        map(items, (n) => sleep(1).then(() => order.push(`b${n}`)), { limiter }),
      ]);
      const firstHalf = order.slice(0, 10);
      assert.ok(firstHalf.some((x) => x.startsWith("a")) && firstHalf.some((x) => x.startsWith("b")), order.join(" "));
    });
  });

  test("lowering a shared limiter's totalTokens mid-run takes effect", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(4);
      const counter = inFlight();
      const maxes: number[] = [];
      const p = map(Array.from({ length: 40 }), () => counter.around(() => sleep(10)), { limiter });
      await sleep(15);
      maxes.push(counter.state.max);
      limiter.totalTokens = 1;
      await sleep(15); // the calls then running finish
      counter.state.max = 0;
      await sleep(30);
      maxes.push(counter.state.max);
      limiter.totalTokens = 4;
      await p;
      assert.deepEqual(maxes, [4, 1]);
    });
  });

  test("a worker gives its token back after a call while the sack is over-full, even with nobody waiting", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(2);
      const starts: string[] = [];
      const p = map(
        [0, 1, 2, 3],
        async (n) => {
          starts.push(`${n} at ${now()}`);
          await sleep(10);
        },
        { limiter, concurrency: 2 },
      );
      await sleep(5);
      limiter.totalTokens = 1; // both workers hold a token: one too many
      await p;
      assert.deepEqual(starts, ["0 at 0", "1 at 0", "2 at 10", "3 at 20"]);
      assert.equal(limiter.borrowedTokens, 0);
    });
  });

  test("a worker with nobody waiting keeps its token between calls, in its place among the borrowers", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(2);
      const places: string[] = [];
      await map(
        [10, 20, 5],
        async (ms, index) => {
          if (index === 2) {
            // The worker of item 0 took its token first, and takes item 2 without giving it back.
            const me = currentTask();
            places.push(...limiter.statistics().borrowers.map((b) => (b === me ? "me" : "other")));
          }
          await sleep(ms);
        },
        { limiter, concurrency: 2 },
      );
      assert.deepEqual(places, ["me", "other"]);
      assert.equal(limiter.borrowedTokens, 0);
    });
  });

  test("a call that ends in CancelledError of its own counts as a failure; with returnExceptions, as a value", async () => {
    await runVirtual(async () => {
      const selfCancel = async (n: number) => {
        if (n === 1) {
          currentTask()?.cancel("my own");
          await sleep(1);
        }
        await sleep(1);
        return n;
      };
      const error = await rejection(map([0, 1, 2], selfCancel, { concurrency: 1 }));
      assert.ok(error instanceof CancelledError && error.message === "my own");
      const results = await map([0, 1, 2, 3], selfCancel, { concurrency: 1, returnExceptions: true });
      assert.equal(results[0], 0);
      assert.ok(isCancelledError(results[1]));
      assert.deepEqual(results.slice(2), [2, 3], "the next calls on the same worker ran uncancelled");
    });
  });

  test("each call can use its worker's signal, aborted when the call is cancelled", async () => {
    await runVirtual(async () => {
      const aborted: boolean[] = [];
      await rejection(
        map(
          [0, 1],
          async (n) => {
            const signal = currentTask()?.signal as AbortSignal;
            try {
              await sleep(n === 0 ? 1 : 100);
              if (n === 0) throw new Boom("x");
            } finally {
              aborted[n] = signal.aborted;
            }
          },
          { concurrency: 2 },
        ),
      );
      assert.deepEqual(aborted, [false, true]);
    });
  });

  test("works outside run(), on the default loop", async () => {
    assert.deepEqual(await map([1, 2, 3], async (n) => n * 2, { concurrency: 2 }), [2, 4, 6]);
  });

  test("100k items in one run take linear time (no per-item growth)", async () => {
    const cost = async (n: number) => {
      const items = Array.from({ length: n }, (_, i) => i);
      const start = performance.now();
      await run(async () => map(items, async (i) => i, { concurrency: 100 }), { handleSignals: false });
      return performance.now() - start;
    };
    const { small, large } = await bestTimes(cost, 25_000, 100_000);
    // Linear would be 4x. A generous relative guard on the least disturbed samples, no absolute time.
    assert.ok(large < small * 10, `25k: ${small.toFixed(0)} ms, 100k: ${large.toFixed(0)} ms`);
  });

  test("bad arguments throw at once, naming the argument", () => {
    const fn = async () => 1;
    assert.throws(() => map([1], fn, { concurrency: 0 }), {
      name: "TypeError",
      message: "Expected `concurrency` to be a positive integer or Infinity, got `0` (number)",
    });
    for (const concurrency of [-1, 1.5, Number.NaN, "2", null]) {
      assert.throws(() => map([1], fn, { concurrency: concurrency as number }), /Expected `concurrency`/);
      assert.throws(() => mapUnordered([1], fn, { concurrency: concurrency as number }), /Expected `concurrency`/);
    }
    for (const items of [null, undefined, 42, {}]) {
      assert.throws(() => map(items as never, fn), /Expected `items` to be an iterable or an async iterable/);
      assert.throws(() => mapUnordered(items as never, fn), /Expected `items`/);
    }
    assert.throws(() => map([1], "nope" as never), /Expected `fn` to be a function, got `"nope"` \(string\)/);
    assert.throws(() => mapUnordered([1], undefined as never), /Expected `fn` to be a function/);
    assert.throws(() => map([1], fn, { limiter: {} as never }), /Expected `limiter` to be a CapacityLimiter/);
    assert.throws(() => map([1], fn, { signal: "x" as never }), /Expected `signal` to be an AbortSignal/);
    assert.throws(() => map([1], fn, 5 as never), /Expected `options` to be an options object/);
  });
});

describe("mapUnordered", () => {
  test("yields results as the calls complete", async () => {
    await runVirtual(async () => {
      const out: number[] = [];
      for await (const ms of mapUnordered([30, 10, 20, 5], (ms) => sleep(ms, ms), { concurrency: 4 })) out.push(ms);
      assert.deepEqual(out, [5, 10, 20, 30]);
    });
  });

  test("nothing starts before the first next(); each for await is its own run", async () => {
    await runVirtual(async () => {
      let calls = 0;
      const results = mapUnordered([1, 2, 3], async (n) => {
        calls++;
        return n;
      });
      await sleep(10);
      assert.equal(calls, 0);
      const first: number[] = [];
      for await (const n of results) first.push(n);
      const second: number[] = [];
      for await (const n of results) second.push(n);
      assert.deepEqual(first.sort(), [1, 2, 3]);
      assert.deepEqual(second.sort(), [1, 2, 3]);
      assert.equal(calls, 6);
    });
  });

  test("a slow consumer holds the calls back: at most `concurrency` items in flight or unconsumed", async () => {
    await runVirtual(async () => {
      const { state, gen } = counting();
      let consumed = 0;
      let worst = 0;
      for await (const _ of mapUnordered(gen(), (n) => sleep(1, n), { concurrency: 3 })) {
        consumed++;
        worst = Math.max(worst, state.pulls - consumed);
        await sleep(10);
        if (consumed === 20) break;
      }
      assert.ok(worst <= 3, `pulled ${worst} ahead of the consumer`);
      assert.equal(state.closed, true, "break closed the input");
    });
  });

  test("leaving the loop early cancels the running calls, waits for their cleanup, and closes the input", async () => {
    await runVirtual(async () => {
      const finallies: number[] = [];
      let closed = false;
      async function* source() {
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          closed = true;
        }
      }
      for await (const n of mapUnordered(
        source(),
        async (n) => {
          try {
            await sleep(n === 0 ? 1 : 1000);
            return n;
          } finally {
            if (n !== 0) {
              await sleep(2);
              finallies.push(n);
            }
          }
        },
        { concurrency: 4 },
      )) {
        assert.equal(n, 0);
        break;
      }
      assert.deepEqual(finallies.sort(), [1, 2, 3], "item 0's slot was still untaken: no fifth call started");
      assert.equal(closed, true);
      assert.equal(now(), 3);
      assert.equal(allTasks().size, 1);
    });
  });

  test("on a failure, yields what completed before it, then throws it once the others are cleaned up", async () => {
    await runVirtual(async () => {
      const out: unknown[] = [];
      const finallies: number[] = [];
      const error = await rejection(
        (async () => {
          for await (const n of mapUnordered(
            [1, 2, 3, 50, 60],
            async (n) => {
              try {
                await sleep(n);
                if (n === 3) throw new Boom("three");
                return n;
              } finally {
                finallies.push(n);
              }
            },
            { concurrency: 5 },
          )) {
            out.push(n);
          }
        })(),
      );
      assert.equal((error as Error).message, "three");
      assert.deepEqual(out, [1, 2]);
      assert.deepEqual(
        finallies.sort((a, b) => a - b),
        [1, 2, 3, 50, 60],
      );
      assert.equal(now(), 3);
    });
  });

  test("returnExceptions yields the errors as values", async () => {
    await runVirtual(async () => {
      const out: unknown[] = [];
      for await (const r of mapUnordered(
        [1, 2, 3],
        async (n) => {
          await sleep(n);
          if (n === 2) throw new Boom("two");
          return n;
        },
        { concurrency: 2, returnExceptions: true },
      )) {
        out.push(r instanceof Error ? r.message : r);
      }
      assert.deepEqual(out, [1, "two", 3]);
    });
  });

  test("cancelling the consumer while it waits cancels the calls and closes the input", async () => {
    await runVirtual(async () => {
      const { state, gen } = counting();
      const finallies: number[] = [];
      const consumer = createTask(async () => {
        for await (const _ of mapUnordered(
          gen(),
          async (n) => {
            try {
              await sleep(1000);
            } finally {
              finallies.push(n);
            }
          },
          { concurrency: 2 },
        )) {
          // never reached
        }
      });
      await sleep(10);
      consumer.cancel();
      assert.ok(isCancelledError(await rejection(consumer)));
      assert.deepEqual(finallies.sort(), [0, 1]);
      assert.equal(state.closed, true);
      assert.equal(allTasks().size, 1);
    });
  });

  test("shares a limiter with map", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(2);
      const counter = inFlight();
      const work = (n: number) => counter.around(() => sleep(3, n));
      const items = Array.from({ length: 10 }, (_, i) => i);
      const collected: number[] = [];
      await Promise.all([
        map(items, work, { limiter }),
        (async () => {
          for await (const n of mapUnordered(items, work, { limiter })) collected.push(n);
        })(),
      ]);
      assert.equal(counter.state.max, 2);
      assert.deepEqual(
        collected.sort((a, b) => a - b),
        items,
      );
    });
  });
});

describe("map in debug mode", () => {
  test("failures, cancels and returnExceptions leave no loop report (no swallowed cancel, no lost error)", async () => {
    const reports: LoopReport[] = [];
    await runVirtual(
      async () => {
        const slow = async (n: number) => {
          await sleep(n === 2 ? 1 : 100);
          if (n === 2) throw new Boom("two");
          return n;
        };
        await rejection(map([0, 1, 2, 3], slow, { concurrency: 4 }));
        await map([0, 1, 2, 3], slow, { concurrency: 2, returnExceptions: true });
        const caller = createTask(() => map([0, 1, 3], slow, { concurrency: 2 }));
        await sleep(5);
        caller.cancel();
        await rejection(caller);
        for await (const _ of mapUnordered([0, 1, 3], slow, { concurrency: 2 })) break;
        await rejection(
          (async () => {
            for await (const _ of mapUnordered([0, 1, 2, 3], slow, { concurrency: 2 })) {
              // consume
            }
          })(),
        );
      },
      { debug: true, reports },
    );
    assert.deepEqual(
      reports.map((r) => r.message),
      [],
    );
  });
});
