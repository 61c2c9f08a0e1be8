// The engine under map and mapUnordered (src/limit/map-run.ts): how it drives
// hand-written iterators, the worker pool, limiter tokens, slots and stops.
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { describe, test } from "node:test";
import {
  allTasks,
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

/** A hand-written sync iterator over `items` that logs every call made to it. */
function loggingIterator<T>(
  items: readonly T[],
  returnResult: () => unknown = () => ({ done: true, value: undefined }),
) {
  const log: string[] = [];
  let i = 0;
  let done = false;
  const iterator = {
    next(): IteratorResult<T> {
      log.push(done ? "next after done" : "next");
      if (i < items.length) return { done: false, value: items[i++] as T };
      done = true;
      return { done: true, value: undefined };
    },
    return(): IteratorResult<T> {
      log.push(done ? "return after done" : "return");
      return returnResult() as IteratorResult<T>;
    },
    [Symbol.iterator]() {
      return this;
    },
  };
  return { log, iterator };
}

describe("map's engine: hand-written inputs", () => {
  test("a sync input is pulled inline: calls that do not wait run back to back, no loop round-trip per item", async () => {
    await runVirtual(async () => {
      const order: string[] = [];
      const other = createTask(async () => {
        for (let i = 0; i < 3; i++) {
          order.push(`other ${i}`);
          await sleep(0);
        }
      });
      await map(
        [0, 1, 2, 3],
        (n) => {
          order.push(`call ${n}`);
          return n;
        },
        { concurrency: 1 },
      );
      await other;
      assert.deepEqual(order, ["other 0", "call 0", "call 1", "call 2", "call 3", "other 1", "other 2"]);
    });
  });

  test("a return() that answers undefined or null (not a result object) is fine: the call's error comes out", async () => {
    await runVirtual(async () => {
      for (const answer of [undefined, null, 42]) {
        const { log, iterator } = loggingIterator([1, 2, 3], () => answer);
        const error = await rejection(
          map(
            iterator,
            async (n) => {
              if (n === 1) throw new Boom(`bad ${n}`);
            },
            { concurrency: 1 },
          ),
        );
        assert.ok(error instanceof Boom, String(error));
        assert.deepEqual(log, ["next", "return"]);
      }
    });
  });

  test("calls next() no more once the input said done, and return() only on an input it gave up on", async () => {
    await runVirtual(async () => {
      // Used up: no return(), and no next() after the done, whatever the pool and the limiter do.
      for (const options of [
        { concurrency: 1 },
        { concurrency: 3 },
        { concurrency: 2, limiter: new CapacityLimiter(1) },
      ]) {
        const { log, iterator } = loggingIterator([1, 2, 3, 4]);
        assert.deepEqual(await map(iterator, (n) => sleep(n, n * 10), options), [10, 20, 30, 40]);
        assert.deepEqual(log, ["next", "next", "next", "next", "next"], JSON.stringify(options));
      }
      const unordered = loggingIterator([1, 2, 3]);
      const out: number[] = [];
      for await (const n of mapUnordered(unordered.iterator, (n) => sleep(n, n), { concurrency: 2 })) out.push(n);
      assert.deepEqual(out, [1, 2, 3]);
      assert.deepEqual(unordered.log, ["next", "next", "next", "next"]);

      // Given up on (a call failed): closed once.
      const failed = loggingIterator([1, 2, 3, 4]);
      await rejection(
        map(
          failed.iterator,
          async (n) => {
            await sleep(n);
            if (n === 2) throw new Boom("two");
          },
          { concurrency: 2 },
        ),
      );
      assert.deepEqual(failed.log, ["next", "next", "next", "return"]);
    });
  });

  test("an input whose next() threw is not closed (as for...of), sync or async", async () => {
    await runVirtual(async () => {
      const log: string[] = [];
      const throwing = (async: boolean) => ({
        next() {
          log.push("next");
          if (async) return Promise.reject(new Boom("input broke"));
          throw new Boom("input broke");
        },
        return() {
          log.push("return");
          return { done: true, value: undefined };
        },
      });
      const sync = { [Symbol.iterator]: () => throwing(false) } as unknown as Iterable<number>;
      assert.equal(((await rejection(map(sync, async (n) => n, { concurrency: 2 }))) as Error).message, "input broke");
      assert.deepEqual(log.splice(0), ["next"]);
      const asyncInput = { [Symbol.asyncIterator]: () => throwing(true) } as unknown as AsyncIterable<number>;
      assert.equal(
        ((await rejection(map(asyncInput, async (n) => n, { concurrency: 2 }))) as Error).message,
        "input broke",
      );
      assert.deepEqual(log.splice(0), ["next"]);
    });
  });

  test("an async input whose next() throws at once (instead of rejecting) ends the run with that error", async () => {
    await runVirtual(async () => {
      let i = 0;
      const finallies: number[] = [];
      const source = {
        [Symbol.asyncIterator]: () => ({
          next(): Promise<IteratorResult<number>> {
            if (i === 2) throw new Boom("next threw");
            return Promise.resolve({ done: false, value: i++ });
          },
        }),
      } as AsyncIterable<number>;
      const error = await rejection(
        map(
          source,
          async (n) => {
            try {
              await sleep(100);
            } finally {
              finallies.push(n);
            }
          },
          { concurrency: 5 },
        ),
      );
      assert.equal((error as Error).message, "next threw");
      assert.deepEqual(finallies, [0, 1]);
      assert.equal(now(), 0);
    });
  });

  test("an async generator that throws ends the run with its error, after the running calls' cleanup", async () => {
    await runVirtual(async () => {
      async function* source() {
        yield 1;
        yield 2;
        await sleep(5);
        throw new Boom("async input broke");
      }
      const finallies: number[] = [];
      const error = await rejection(
        map(
          source(),
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
      assert.equal((error as Error).message, "async input broke");
      assert.deepEqual(finallies, [1, 2]);
      assert.equal(now(), 5);
    });
  });

  test("an async input whose next() answers plain results (not promises) is consumed like any other", async () => {
    await runVirtual(async () => {
      let i = 0;
      const source = {
        [Symbol.asyncIterator]: () => ({
          next: (): IteratorResult<number> => (i < 5 ? { done: false, value: i++ } : { done: true, value: undefined }),
        }),
      } as unknown as AsyncIterable<number>;
      assert.deepEqual(await map(source, (n) => sleep(5 - n, n * 2), { concurrency: 2 }), [0, 2, 4, 6, 8]);
    });
  });

  test("a thenable that is a function (not an object) is awaited as a promise", async () => {
    await runVirtual(async () => {
      let i = 0;
      const thenableFn = (result: IteratorResult<number>) =>
        Object.assign(() => {}, {
          // biome-ignore lint/suspicious/noThenProperty: a hand-written thenable is the point of the test
          then(resolve: (r: IteratorResult<number>) => void) {
            resolve(result);
          },
        });
      const source = {
        [Symbol.asyncIterator]: () => ({
          next: () => thenableFn(i < 3 ? { done: false, value: i++ } : { done: true, value: undefined }),
        }),
      } as unknown as AsyncIterable<number>;
      assert.deepEqual(await map(source, async (n) => n + 1, { concurrency: 2 }), [1, 2, 3]);
    });
  });

  test("errors of return() are dropped: the run's own error comes out", async () => {
    await runVirtual(async () => {
      const { log, iterator } = loggingIterator([1, 2], () => {
        throw new Boom("return broke");
      });
      const error = await rejection(
        map(
          iterator,
          async () => {
            throw new Boom("call broke");
          },
          { concurrency: 1 },
        ),
      );
      assert.equal((error as Error).message, "call broke");
      assert.deepEqual(log, ["next", "return"]);
    });
  });

  test("a cancel while next() is pending: a return() that answers at once is called and not awaited as a promise", async () => {
    await runVirtual(async () => {
      let returned = 0;
      const source = {
        [Symbol.asyncIterator]: () => ({
          next: () => new Promise<IteratorResult<number>>(() => {}),
          return: () => {
            returned++;
            return { done: true, value: undefined };
          },
        }),
      } as unknown as AsyncIterable<number>;
      const caller = createTask(() => map(source, async (n) => n, { concurrency: 2 }));
      await sleep(10);
      caller.cancel();
      assert.ok(isCancelledError(await rejection(caller)));
      assert.equal(returned, 1);
    });
  });

  test("a cancel while next() is pending does not wait for return() (queued behind that next())", async () => {
    await runVirtual(async () => {
      let returned = false;
      const source = {
        [Symbol.asyncIterator]: () => ({
          next: () => new Promise<IteratorResult<number>>(() => {}),
          return: async () => {
            returned = true;
            await sleep(1000);
            return { done: true, value: undefined };
          },
        }),
      } as AsyncIterable<number>;
      const caller = createTask(() => map(source, async (n) => n, { concurrency: 2 }));
      await sleep(10);
      caller.cancel();
      assert.ok(isCancelledError(await rejection(caller)));
      assert.equal(now(), 10, "map threw at once");
      assert.equal(returned, true);
    });
  });

  test("a cancel while next() is pending: a return() that rejects is dropped, not left unhandled", async () => {
    await runVirtual(async () => {
      const source = {
        [Symbol.asyncIterator]: () => ({
          next: () => new Promise<IteratorResult<number>>(() => {}),
          return: () => Promise.reject(new Boom("return rejected")),
        }),
      } as AsyncIterable<number>;
      let unhandled: unknown;
      const onUnhandled = (reason: unknown) => {
        unhandled = reason;
      };
      process.on("unhandledRejection", onUnhandled);
      try {
        const caller = createTask(() => map(source, async (n) => n, { concurrency: 2 }));
        await sleep(10);
        caller.cancel();
        assert.ok(isCancelledError(await rejection(caller)));
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.off("unhandledRejection", onUnhandled);
      }
      assert.equal(unhandled, undefined);
    });
  });

  test("once the run stopped, the answer of the pull it gave up on changes nothing: the input is still closed", async () => {
    await runVirtual(async () => {
      const log: string[] = [];
      let answer: (step: IteratorResult<number>) => void = () => {};
      const source = {
        [Symbol.asyncIterator]: () => ({
          next: () => {
            log.push("next");
            return new Promise<IteratorResult<number>>((resolve) => {
              answer = resolve;
            });
          },
          return: async () => {
            log.push("return");
            return { done: true, value: undefined };
          },
        }),
      } as AsyncIterable<number>;
      const controller = new AbortController();
      const caller = createTask(() => map(source, async (n) => n, { concurrency: 2, signal: controller.signal }));
      await sleep(1);
      controller.abort(new Boom("stop"));
      answer({ done: true, value: undefined }); // the pull answers after the stop, before the run is closed
      assert.equal(((await rejection(caller)) as Error).message, "stop");
      assert.deepEqual(log, ["next", "return"]);
    });
  });
});

/** The map workers alive now (tasks named "map worker"). */
function workers(): Task<unknown>[] {
  return [...allTasks()].filter((t) => t.name === "map worker");
}

describe("map's engine: signal, stop and failure", () => {
  test("the run leaves no listener on its signal once it is over, however it ended", async () => {
    await runVirtual(async () => {
      const controller = new AbortController();
      const signal = controller.signal;
      await map([1, 2], async (n) => n, { signal });
      await rejection(map([1, 2], async () => Promise.reject(new Boom("x")), { signal }));
      for await (const _ of mapUnordered([1, 2], async (n) => n, { signal })) break;
      assert.equal(getEventListeners(signal, "abort").length, 0);
    });
  });

  test("an abort once every call has finished changes nothing: mapUnordered still yields what it holds", async () => {
    await runVirtual(async () => {
      const controller = new AbortController();
      const out: number[] = [];
      for await (const n of mapUnordered([1, 2, 3], async (n) => n, { signal: controller.signal })) {
        out.push(n);
        if (n === 1) {
          await sleep(10); // every call is long done
          controller.abort(new Boom("late"));
        }
      }
      assert.deepEqual(out, [1, 2, 3]);
    });
  });

  test("an abort during the cleanup after a failure does not replace the first error", async () => {
    await runVirtual(async () => {
      const controller = new AbortController();
      const p = map(
        [1, 2],
        async (n) => {
          try {
            await sleep(n === 1 ? 1 : 100);
            if (n === 1) throw new Boom("first");
          } finally {
            if (n === 2) await sleep(10);
          }
        },
        { concurrency: 2, signal: controller.signal },
      );
      await sleep(5);
      controller.abort(new Boom("late abort"));
      assert.equal(((await rejection(p)) as Error).message, "first");
      assert.equal(now(), 11);
    });
  });

  test("a cancel of the caller that lands as the last worker ends still ends in CancelledError, quietly", async () => {
    await runVirtual(async () => {
      const caller = createTask(() => map([1], (n) => sleep(10, n), { concurrency: 1 }));
      await sleep(1);
      await sleep(9); // wakes at 10 right after the call, before the worker's done-callback
      caller.cancel("late");
      const error = await rejection(caller);
      assert.ok(isCancelledError(error));
      assert.equal((error as Error).message, "late");
    });
  });

  test("a call that fails is not cancelled after the fact: its signal stays unaborted, the others' abort", async () => {
    await runVirtual(async () => {
      const signals: AbortSignal[] = [];
      const error = await rejection(
        map(
          [0, 1],
          async (n) => {
            signals[n] = (currentTask() as Task<unknown>).signal; // say, handed to work that outlives the call
            await sleep(n === 0 ? 1 : 100);
            throw new Boom(`call ${n}`);
          },
          { concurrency: 2 },
        ),
      );
      assert.equal((error as Error).message, "call 0");
      assert.deepEqual(
        signals.map((s) => s.aborted),
        [false, true],
      );
    });
  });

  test("after a call ends in a cancel aimed at it, the worker's next call starts with no cancel pending", async () => {
    await runVirtual(async () => {
      const seen: number[] = [];
      const results = await map(
        [0, 1, 2],
        async (n) => {
          seen.push((currentTask() as Task<unknown>).cancelling());
          if (n === 0) {
            currentTask()?.cancel("aimed at call 0");
            await sleep(1);
          }
          return n;
        },
        { concurrency: 1, returnExceptions: true },
      );
      assert.ok(isCancelledError(results[0]));
      assert.deepEqual(results.slice(1), [1, 2]);
      assert.deepEqual(seen, [0, 0, 0]);
    });
  });

  test("a stray cancel of a worker waiting between calls ends the run with that CancelledError", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      const error = await rejection(
        map(
          [0, 1, 2, 3],
          async (n) => {
            await sleep(1);
            // The other worker waits for the token: no call of its own to fail.
            if (n === 1) for (const w of workers()) if (w !== currentTask()) w.cancel("stray");
            return n;
          },
          { concurrency: 2, limiter },
        ),
      );
      assert.ok(isCancelledError(error), String(error));
      assert.equal((error as Error).message, "stray");
      assert.equal(limiter.borrowedTokens, 0);
    });
  });

  test("mapUnordered with returnExceptions: an abort yields none of the CancelledErrors of the calls it stopped", async () => {
    await runVirtual(async () => {
      const controller = new AbortController();
      const out: unknown[] = [];
      const error = await rejection(
        (async () => {
          for await (const r of mapUnordered(
            [1, 2, 3],
            async (n) => {
              if (n === 1) return n;
              try {
                await sleep(100);
              } catch {
                return -n; // a call that turns its cancel into a value
              }
              return n;
            },
            { concurrency: 3, returnExceptions: true, signal: controller.signal },
          )) {
            out.push(r);
            if (r === 1) {
              await sleep(5);
              controller.abort(new Boom("stop"));
            }
          }
        })(),
      );
      assert.equal((error as Error).message, "stop");
      assert.deepEqual(out, [1]);
    });
  });

  test("a next() left pending by return() ends as done, not with the workers' cancel", async () => {
    await runVirtual(async () => {
      const source = {
        [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<number>>(() => {}) }),
      } as AsyncIterable<number>;
      const it = mapUnordered(source, async (n) => n, { concurrency: 2 })[Symbol.asyncIterator]();
      const pending = it.next();
      await sleep(1);
      assert.deepEqual(await it.return?.(), { done: true, value: undefined });
      assert.deepEqual(await pending, { done: true, value: undefined });
      assert.equal(workers().length, 0);
    });
  });
});

describe("map's engine: the pool, tokens and slots", () => {
  test("a consumer far behind gets every result once: 200k results taken from the buffer", async () => {
    await runVirtual(async () => {
      const n = 200_000;
      let taken = 0;
      let sum = 0;
      for await (const r of mapUnordered(
        Array.from({ length: n }, (_, i) => i),
        (i) => i,
      )) {
        if (taken++ === 0) await sleep(1); // meanwhile every call completes and waits in the buffer
        sum += r;
      }
      assert.equal(taken, n);
      assert.equal(sum, (n * (n - 1)) / 2);
    });
  });

  test("mapUnordered's buffer keeps no more than the untaken results: halved as the consumer takes, emptied when drained", async () => {
    await runVirtual(async () => {
      // White-box: memory is the point, and the buffer is where it goes.
      type Run = { results: unknown[]; buffered: number };
      const it = mapUnordered(
        Array.from({ length: 5000 }, (_, i) => i),
        (i) => i,
      )[Symbol.asyncIterator]() as unknown as AsyncIterator<number> & { run: Run };
      const first = await it.next();
      assert.equal(first.value, 0);
      await sleep(1); // every other call completes meanwhile
      const sizes: number[] = [];
      let sum = 0;
      for (let r = await it.next(); !r.done; r = await it.next()) {
        sum += r.value;
        const { results, buffered } = it.run;
        if (sizes.at(-1) !== results.length) sizes.push(results.length);
        assert.ok(buffered <= results.length);
      }
      assert.equal(sum, (5000 * 4999) / 2);
      // All 5000 in the buffer (item 0 taken from its front): compacted once at least 1024 were taken and at
      // least half of it is dead, emptied when drained.
      assert.deepEqual(sizes, [5000, 2500, 1250, 226, 0]);
      assert.equal(it.run.buffered, 0);

      // A consumer that keeps up: the buffer is emptied at every take.
      const kept = mapUnordered([1, 2, 3], (n) => sleep(n, n))[
        Symbol.asyncIterator
      ]() as unknown as AsyncIterator<number> & {
        run: Run;
      };
      const lengths: number[] = [];
      for (let r = await kept.next(); !r.done; r = await kept.next()) lengths.push(kept.run.results.length);
      assert.deepEqual(lengths, [0, 0, 0]);
    });
  });

  test("a worker keeps its limiter token for its next item while only its own siblings wait", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      const ran: unknown[] = [];
      await map(
        [0, 1, 2, 3, 4],
        async () => {
          ran.push(currentTask());
          await sleep(1);
        },
        { concurrency: 2, limiter },
      );
      assert.equal(ran.length, 5);
      assert.equal(new Set(ran).size, 1, "one worker ran every call; the other waited for the token throughout");
    });
  });

  test("a shared limiter's token goes back to an outsider waiting in line after each call", async () => {
    await runVirtual(async () => {
      for (const concurrency of [1, Number.POSITIVE_INFINITY]) {
        const limiter = new CapacityLimiter(1);
        let gotAt = -1;
        const outsider = createTask(async () => {
          await sleep(5);
          await limiter.acquire();
          gotAt = now();
          limiter.release();
        });
        const start = now();
        await map([0, 1, 2, 3, 4], () => sleep(10), { concurrency, limiter });
        await outsider;
        // One worker: the outsider is next at 10. Two: the idle worker was in line first, so it gets the
        // token at 10 and the outsider the one after, at 20; the busy worker does not keep it.
        assert.equal(gotAt - start, concurrency === 1 ? 10 : 20, `concurrency ${concurrency}`);
        assert.equal(now() - start, 50);
      }
    });
  });

  test("the pool grows only when every worker is busy: a limiter of 1 keeps it at two workers", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      let most = 0;
      await map(
        Array.from({ length: 20 }, (_, i) => i),
        async () => {
          most = Math.max(most, workers().length);
          await sleep(1);
        },
        { limiter },
      );
      assert.equal(most, 2);
    });
  });

  test("the pool grows when a burst of items comes after the first calls finished", async () => {
    await runVirtual(async () => {
      async function* source() {
        yield 0;
        await sleep(10);
        yield 1;
        yield 2;
        yield 3;
        yield 4;
      }
      let running = 0;
      let most = 0;
      await map(
        source(),
        async (n) => {
          running++;
          most = Math.max(most, running);
          if (n > 0) await sleep(100);
          running--;
        },
        { concurrency: 3 },
      );
      assert.equal(most, 3);
    });
  });

  test("an async input is asked for the next item as soon as it answered one, while a worker waits", async () => {
    await runVirtual(async () => {
      const asked: number[] = [];
      let i = 0;
      const source = {
        [Symbol.asyncIterator]: () => ({
          next: (): Promise<IteratorResult<number>> => {
            asked.push(now());
            const value = i++;
            return new Promise((resolve) => {
              const ready = now() + 10;
              // Answered by a timer of the main loop (not a sleep of the worker that asked).
              void createTask(async () => {
                await sleep(ready - now());
                resolve(value < 4 ? { done: false, value } : { done: true, value: undefined });
              });
            });
          },
        }),
      } as AsyncIterable<number>;
      await map(source, () => sleep(5), { concurrency: 2 });
      assert.deepEqual(asked, [0, 10, 20, 30, 40]);
      assert.equal(now(), 50);
    });
  });

  test("once the input is used up, workers waiting for a slot end at once, not when the consumer comes back", async () => {
    await runVirtual(async () => {
      const alive: number[] = [];
      // Items 1 and 2 finish while the consumer sleeps: their workers wait for a slot until it takes item 3,
      // whose worker then finds the end of the input.
      for await (const _ of mapUnordered([0, 1, 2, 3], (n) => sleep(n % 3 === 0 ? 1 : 5), { concurrency: 3 })) {
        await sleep(100);
        alive.push(workers().length);
      }
      assert.deepEqual(alive, [3, 0, 0, 0]);
    });
  });

  test("mapUnordered: no worker is spawned only to wait for a slot the consumer holds", async () => {
    await runVirtual(async () => {
      async function* source() {
        yield 0;
        await sleep(5);
        yield 1;
        await sleep(10);
        yield 2;
        yield 3;
      }
      const pools: number[] = [];
      for await (const _ of mapUnordered(
        source(),
        async (n) => {
          pools.push(workers().length);
          await sleep(n < 2 ? 1 : 100);
        },
        { concurrency: 3 },
      )) {
        await sleep(1000);
      }
      // Item 3 comes while both workers are busy and item 1 waits for the consumer: all three slots are taken.
      assert.deepEqual(pools, [2, 2, 2, 2]);
    });
  });

  test("a mapUnordered worker waiting for the consumer gives its limiter token back meanwhile", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      let gotAt = -1;
      const outsider = createTask(async () => {
        await sleep(10);
        await limiter.acquire();
        gotAt = now();
        limiter.release();
      });
      const holding: boolean[] = [];
      const call = async (n: number) => {
        holding.push(limiter.statistics().borrowers.includes(currentTask()));
        return sleep(1, n);
      };
      for await (const _ of mapUnordered([0, 1, 2], call, { concurrency: 1, limiter })) {
        await sleep(100); // a slow consumer: no call runs, the worker waits for its slot
      }
      await outsider;
      assert.equal(gotAt, 10);
      assert.deepEqual(holding, [true, true, true], "and it takes one again before its next call");
    });
  });
});
