import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  asCompleted,
  CancelledError,
  createTask,
  FIRST_EXCEPTION,
  Future,
  gather,
  moveOnAfter,
  now,
  shield,
  sleep,
  Timeout,
  TimeoutError,
  timeout,
  timeoutAt,
  wait,
  waitFor,
} from "aio-ts";
import { VirtualClock } from "aio-ts/testing";
import { rejection, runVirtual } from "../helpers.ts";

function badArgument(message: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof TypeError);
    assert.equal(error.message, message);
    assert.equal((error as TypeError & { code: string }).code, "ERR_AIO_INVALID_ARGUMENT");
    return true;
  };
}

describe("combinators: argument checks", () => {
  test("asCompleted rejects a timeout that is not a number, or NaN", () => {
    assert.throws(
      () => asCompleted([Promise.resolve(1)], { timeout: "5" as never }),
      badArgument('Expected `timeout` to be a number of milliseconds or null, got `"5"` (string)'),
    );
    assert.throws(
      () => asCompleted([Promise.resolve(1)], { timeout: Number.NaN }),
      badArgument("Expected `timeout` to be a number of milliseconds or null, got `NaN` (number)"),
    );
  });

  test("an iterable of awaitables must be an iterable object", () => {
    assert.throws(
      () => asCompleted(null as never),
      badArgument("Expected `aws` to be an iterable of awaitables, got `null` (null)"),
    );
    assert.throws(
      () => asCompleted("ab" as never),
      badArgument('Expected `aws` to be an iterable of awaitables, got `"ab"` (string)'),
    );
    assert.throws(
      () => wait({} as never),
      badArgument("Expected `aws` to be an iterable of awaitables, got `[object Object]` (object)"),
    );
  });

  test("an iterable of awaitables may not itself be an awaitable", () => {
    // biome-ignore lint/suspicious/noThenProperty: a thenable that is also iterable, on purpose.
    const both = { then() {}, *[Symbol.iterator]() {} };
    assert.throws(
      () => wait(both as never),
      badArgument("Expected `aws` to be an iterable of awaitables, not a single one, got `[object Object]` (object)"),
    );
  });

  test("gather with an array takes at most an options object after it", () => {
    const p = Promise.resolve(1);
    assert.throws(
      () => (gather as (...args: unknown[]) => unknown)([p], {}, 3),
      badArgument("Expected `options` to be an options object, got `3` (number)"),
    );
    assert.throws(
      () => gather([p], null as never),
      badArgument("Expected `options` to be an options object, got `null` (null)"),
    );
    assert.throws(
      () => gather([p], 5 as never),
      badArgument("Expected `options` to be an options object, got `5` (number)"),
    );
  });

  test("wait rejects a bad timeout or returnWhen", () => {
    const p = Promise.resolve(1);
    assert.throws(
      () => wait([p], { timeout: "1" as never }),
      badArgument('Expected `timeout` to be a number of milliseconds or null, got `"1"` (string)'),
    );
    assert.throws(
      () => wait([p], { timeout: Number.NaN }),
      badArgument("Expected `timeout` to be a number of milliseconds or null, got `NaN` (number)"),
    );
    assert.throws(
      () => wait([p], { returnWhen: "SOON" as never }),
      badArgument(
        'Expected `returnWhen` to be "FIRST_COMPLETED", "FIRST_EXCEPTION" or "ALL_COMPLETED", got `"SOON"` (string)',
      ),
    );
  });

  test("waitFor, timeoutAt and reschedule name the bad argument in full", () => {
    assert.throws(
      () => waitFor(Promise.resolve(), "1" as never),
      badArgument('Expected `ms` to be a number of milliseconds or null, got `"1"` (string)'),
    );
    assert.throws(
      () => timeoutAt("1" as never, async () => {}),
      badArgument('Expected `deadline` to be a loop time in ms or null, got `"1"` (string)'),
    );
    assert.throws(
      () => timeoutAt(5, "x" as never),
      badArgument('Expected `body` to be a function, got `"x"` (string)'),
    );
    assert.throws(
      () => new Timeout(null).reschedule("1" as never),
      badArgument('Expected `deadline` to be a loop time in ms or null, got `"1"` (string)'),
    );
  });

  test("reschedule before the scope is entered is an InvalidStateError", () => {
    assert.throws(
      () => new Timeout(null).reschedule(5),
      (error: unknown) =>
        error instanceof Error &&
        error.name === "InvalidStateError" &&
        error.message === "Timeout has not been entered",
    );
  });
});

describe("combinators: timeout messages", () => {
  test("timeout, timeoutAt, waitFor and asCompleted say what timed out", async () => {
    const messages = await runVirtual(async () => {
      const out: string[] = [];
      const grab = async (p: Promise<unknown>) => {
        const error = await rejection(p);
        assert.ok(error instanceof TimeoutError);
        out.push(error.message);
      };
      await grab(timeout(10, () => sleep(100)));
      await grab(timeoutAt(25, () => sleep(100)));
      await grab(waitFor(() => sleep(100), 10));
      await grab(waitFor(sleep(100), 10));
      await grab(waitFor(sleep(100), 0));
      const it = asCompleted([sleep(100)], { timeout: 5 });
      await grab(it.next());
      return out;
    });
    assert.deepEqual(messages, [
      "timeout() timed out after 10 ms",
      "timeoutAt(25) expired",
      "waitFor() timed out after 10 ms",
      "waitFor() timed out after 10 ms",
      "waitFor() timed out after 0 ms",
      "asCompleted() timed out",
    ]);
  });

  test("a scope that moved on reports expired()", async () => {
    const expired = await runVirtual(async () => {
      let scope: Timeout | undefined;
      await moveOnAfter(10, (s) => {
        scope = s;
        return sleep(100);
      });
      return (scope as Timeout).expired();
    });
    assert.equal(expired, true);
  });
});

describe("combinators: timeout scope states", () => {
  test("a scope not yet entered shows as created", () => {
    assert.equal(String(new Timeout(1000)), "<Timeout [created]>");
  });

  test("an expiry queued by a past deadline is dropped when the deadline moves later before it runs", async () => {
    const outcome = await runVirtual(() =>
      timeout(10, async (scope) => {
        scope.reschedule(now()); // already past: the expiry is queued
        scope.reschedule(now() + 1000); // moved later before that expiry ran
        await sleep(500);
        return { at: now(), expired: scope.expired() };
      }),
    );
    assert.deepEqual(outcome, { at: 500, expired: false });
  });
});

describe("combinators: asCompleted steps", () => {
  test("return() ends the iteration with a done result", async () => {
    const r = await runVirtual(async () => {
      const it = asCompleted([sleep(10, 1)]);
      return it.return?.();
    });
    assert.deepEqual(r, { value: undefined, done: true });
  });

  test("a cancelled next() gives its step back", async () => {
    const values = await runVirtual(async () => {
      const it = asCompleted([sleep(10, "a"), sleep(20, "b")]);
      const first = createTask(() => it.next());
      await sleep(5);
      first.cancel();
      await rejection(first);
      const out: unknown[] = [];
      for (;;) {
        const step = await it.next();
        if (step.done) break;
        out.push(await step.value);
      }
      return out;
    });
    assert.deepEqual(values, ["a", "b"]);
  });
});

describe("combinators: shield", () => {
  test("an error of the shielded work after the outer was cancelled is not reported as never retrieved", async () => {
    await runVirtual(async () => {
      const inner = new Future<number>();
      const outer = shield(inner);
      outer.cancel();
      inner.setException(new Error("late"));
      await sleep(10);
    });
  });

  test("a cancel of the shielded work after the outer was cancelled is quietly ignored", async () => {
    await runVirtual(async () => {
      const inner = new Future<number>();
      const outer = shield(inner);
      outer.cancel();
      inner.cancel();
      await sleep(10);
    });
  });
});

describe("combinators: no timer is left behind", () => {
  test("waitFor on a child unschedules its deadline when the child succeeds or fails", async () => {
    const clock = new VirtualClock();
    const left = await runVirtual(
      async () => {
        const counts: number[] = [];
        await waitFor(() => sleep(10, 1), 100);
        counts.push(clock.pendingTimers);
        await rejection(
          waitFor(async () => {
            await sleep(10);
            throw new Error("boom");
          }, 100),
        );
        counts.push(clock.pendingTimers);
        return counts;
      },
      { clock },
    );
    assert.deepEqual(left, [0, 0]);
  });

  test("a wait cancelled from outside drops its timeout timer", async () => {
    const clock = new VirtualClock();
    const [error, left] = await runVirtual(
      async () => {
        const t = createTask(() => wait([new Future<number>()], { timeout: 100 }));
        await sleep(10);
        t.cancel();
        const e = await rejection(t);
        return [e, clock.pendingTimers] as const;
      },
      { clock },
    );
    assert.ok(error instanceof CancelledError);
    assert.equal(left, 0);
  });

  test("asCompleted schedules no timer for nothing, and drops its timer when all arrived or on return()", async () => {
    const clock = new VirtualClock();
    const left = await runVirtual(
      async () => {
        const counts: number[] = [];
        asCompleted([], { timeout: 100 });
        counts.push(clock.pendingTimers);
        const all = asCompleted([sleep(10, 1)], { timeout: 100 });
        for await (const f of all) await f;
        counts.push(clock.pendingTimers);
        const early = asCompleted([new Future<number>()], { timeout: 100 });
        await early.return?.();
        counts.push(clock.pendingTimers);
        return counts;
      },
      { clock },
    );
    assert.deepEqual(left, [0, 0, 0]);
  });
});

describe("combinators: waitFor and outside cancels", () => {
  test("a cancel from outside while the expired child cleans up stays a CancelledError", async () => {
    const error = await runVirtual(async () => {
      const t = createTask(() =>
        waitFor(async () => {
          try {
            await sleep(100);
          } finally {
            await sleep(5);
          }
        }, 10),
      );
      await sleep(12);
      t.cancel();
      return rejection(t);
    });
    assert.ok(error instanceof CancelledError);
  });
});

describe("combinators: waitFor on a promise", () => {
  test("an expired promise is cancelled inline and waited for, its finally blocks done", async () => {
    const [error, log] = await runVirtual(async () => {
      const log: string[] = [];
      const work = (async () => {
        try {
          await sleep(100);
        } finally {
          await sleep(5);
          log.push(`cleaned at ${now()}`);
        }
      })();
      const e = await rejection(waitFor(work, 10));
      log.push(`timed out at ${now()}`);
      return [e, log] as const;
    });
    assert.ok(error instanceof TimeoutError);
    assert.deepEqual(log, ["cleaned at 15", "timed out at 15"]);
  });

  test("an expired promise waiting on several aio awaits at once has them all cancelled", async () => {
    const [error, log] = await runVirtual(async () => {
      const log: string[] = [];
      const work = (async () => {
        try {
          await Promise.all([sleep(100), sleep(50)]);
        } finally {
          log.push(`cleaned at ${now()}`);
        }
      })();
      const e = await rejection(waitFor(work, 10));
      log.push(`timed out at ${now()}`);
      return [e, log] as const;
    });
    assert.ok(error instanceof TimeoutError);
    assert.deepEqual(log, ["cleaned at 10", "timed out at 10"]);
  });

  test("an expired promise whose aio awaits began after waitFor's is still waited for", async () => {
    const log = await runVirtual(async () => {
      const log: string[] = [];
      const work = (async () => {
        for (let i = 0; i < 10; i++) await Promise.resolve();
        try {
          await Promise.all([sleep(100), sleep(50)]);
        } finally {
          await sleep(5);
          log.push(`cleaned at ${now()}`);
        }
      })();
      const e = await rejection(waitFor(work, 10));
      log.push(`${(e as Error).name} at ${now()}`);
      return log;
    });
    assert.deepEqual(log, ["cleaned at 15", "TimeoutError at 15"]);
  });

  test("a cancel that arrives as the promise's aio await finishes is not lost", async () => {
    const outcome = await runVirtual(async () => {
      const gate = new Future<string>();
      const caller = createTask(() => waitFor((async () => await gate)(), null));
      await sleep(10);
      gate.setResult("done");
      caller.cancel();
      return rejection(caller);
    });
    assert.ok(outcome instanceof CancelledError);
  });

  test("a promise given no time at all is abandoned at once", async () => {
    const [error, at] = await runVirtual(async () => {
      const work = (async () => {
        await sleep(100);
        return 1;
      })();
      const e = await rejection(waitFor(work, 0));
      const t = now();
      await work;
      return [e, t] as const;
    });
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.message, "waitFor() timed out after 0 ms");
    assert.equal(at, 0);
  });

  test("a caller cancelled while waiting for its child to end, as that child ends, reports nothing", async () => {
    const error = await runVirtual(async () => {
      const child = createTask(async () => {
        try {
          await sleep(100);
        } finally {
          await sleep(1);
        }
      });
      const caller = createTask(() => waitFor(child, 0));
      await sleep(0.5);
      await sleep(0.5);
      caller.cancel();
      return rejection(caller);
    });
    assert.ok(error instanceof CancelledError);
  });

  test("with no time at all, an error other than the cancel comes through as it is", async () => {
    const error = await runVirtual(async () => {
      const t = createTask(async () => {
        try {
          await sleep(100);
        } catch {
          throw new Error("cleanup failed");
        }
      });
      await sleep(0);
      return rejection(waitFor(t, 0));
    });
    assert.ok(error instanceof Error && !(error instanceof TimeoutError));
    assert.equal(error.message, "cleanup failed");
  });
});

describe("combinators: gather and wait outcomes", () => {
  test("cancelling a gather that already failed cancels nothing", async () => {
    const [cancelled, slowCancelled] = await runVirtual(async () => {
      const slow = createTask(() => sleep(100));
      const g = gather(async () => {
        await sleep(10);
        throw new Error("boom");
      }, slow);
      await rejection(g);
      const r = g.cancel();
      await sleep(0);
      const s = slow.cancelled();
      slow.cancel();
      await rejection(slow);
      return [r, s];
    });
    assert.equal(cancelled, false);
    assert.equal(slowCancelled, false);
  });

  test("gather with returnExceptions gives values, errors and cancellations in order", async () => {
    const results = await runVirtual(async () => {
      const boom = new Error("boom");
      const cancelled = createTask(() => sleep(100));
      cancelled.cancel();
      return gather(
        [
          () => sleep(10, 1),
          async () => {
            throw boom;
          },
          cancelled,
        ],
        { returnExceptions: true },
      );
    });
    assert.equal(results[0], 1);
    assert.ok(results[1] instanceof Error && results[1].message === "boom");
    assert.ok(results[2] instanceof CancelledError);
  });

  test("wait FIRST_EXCEPTION keeps waiting past a success", async () => {
    const [done, at] = await runVirtual(async () => {
      const r = await wait([sleep(10, 1), sleep(30, 2)], { returnWhen: FIRST_EXCEPTION });
      return [r.done.size, now()] as const;
    });
    assert.equal(done, 2);
    assert.equal(at, 30);
  });
});
