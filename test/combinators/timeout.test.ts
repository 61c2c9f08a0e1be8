import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CancelledError,
  createTask,
  currentTask,
  Future,
  gather,
  getRunningLoop,
  isCancelledError,
  now,
  sleep,
  type Task,
  TimeoutError,
  timeout,
  timeoutAt,
  waitFor,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

describe("timeout", () => {
  test("cancels the body on expiry; the body sees CancelledError and the caller TimeoutError", async () => {
    const log: string[] = [];
    const e = await runVirtual(async () => {
      const err = await rejection(
        timeout(3000, async () => {
          try {
            await sleep(10_000);
          } catch (inner) {
            log.push(`body saw ${(inner as Error).name} at ${now()}`);
            throw inner;
          }
        }),
      );
      log.push(`caller resumed at ${now()}`);
      return err;
    });
    assert.ok(e instanceof TimeoutError);
    assert.ok((e as TimeoutError).cause instanceof CancelledError);
    assert.equal((e as TimeoutError).code, "ERR_AIO_TIMEOUT");
    assert.deepEqual(log, ["body saw CancelledError at 3000", "caller resumed at 3000"]);
  });

  test("returns the body's result when it finishes in time and leaves no cancel behind", async () => {
    await runVirtual(async () => {
      assert.equal(await timeout(100, () => sleep(50, "ok")), "ok");
      assert.equal((currentTask() as Task<unknown>).cancelling(), 0);
      await sleep(1000); // the expired deadline must not fire later
    });
  });

  test("a cancel from outside stays a CancelledError", async () => {
    await runVirtual(async () => {
      const t = createTask(() => timeout(1000, () => sleep(5000)));
      await sleep(10);
      t.cancel();
      const e = await rejection(t);
      assert.ok(isCancelledError(e));
      assert.ok(!(e instanceof TimeoutError));
    });
  });

  test("in nested scopes only the one that expired turns the cancellation into TimeoutError", async () => {
    await runVirtual(async () => {
      const outer = await rejection(
        timeout(100, async () => {
          try {
            await timeout(1000, () => sleep(5000));
          } catch (e) {
            assert.ok(isCancelledError(e), "the inner scope did not expire: CancelledError passes through it");
            throw e;
          }
        }),
      );
      assert.ok(outer instanceof TimeoutError);
      assert.equal(now(), 100);

      const inner = await timeout(1000, async () => {
        try {
          await timeout(100, () => sleep(5000));
        } catch (e) {
          return e;
        }
      });
      assert.ok(inner instanceof TimeoutError);
      assert.equal(now(), 200);
    });
  });

  test("null means no deadline, and the scope can be rescheduled from the body", async () => {
    await runVirtual(async () => {
      assert.equal(await timeout(null, () => sleep(100_000, "done")), "done");
      const start = now();
      const e = await rejection(
        timeout(null, async (scope) => {
          assert.equal(scope.when(), null);
          scope.reschedule(now() + 50);
          await sleep(1000);
        }),
      );
      assert.ok(e instanceof TimeoutError);
      assert.equal(now() - start, 50);
    });
  });

  test("a deadline in the past expires at the body's first await", async () => {
    await runVirtual(async () => {
      let reached = false;
      const e = await rejection(
        timeoutAt(now() - 10, async () => {
          reached = true;
          await sleep(1);
        }),
      );
      assert.ok(reached);
      assert.ok(e instanceof TimeoutError);
    });
  });

  test("bad arguments throw at once, naming the argument", () => {
    assert.throws(
      () => timeout("3s" as never, async () => {}),
      /Expected `ms` to be a number of milliseconds or null, got `"3s"` \(string\)/,
    );
    assert.throws(() => timeout(NaN, async () => {}), /Expected `ms`/);
    assert.throws(() => timeout(10, "x" as never), /Expected `body` to be a function/);
    assert.throws(() => timeoutAt({} as never, async () => {}), /Expected `deadline`/);
  });

  test("works outside run(), in plain async code", async () => {
    const e = await rejection(timeout(5, () => sleep(10_000)));
    assert.ok(e instanceof TimeoutError);
  });
});

describe("waitFor", () => {
  test("gives up on a function after the timeout, cancelling it", async () => {
    const log: string[] = [];
    const e = await runVirtual(() =>
      rejection(
        waitFor(async () => {
          try {
            await sleep(10_000);
          } finally {
            log.push(`cleanup at ${now()}`);
          }
        }, 3000),
      ),
    );
    assert.ok(e instanceof TimeoutError);
    assert.ok((e as Error).cause instanceof CancelledError);
    assert.deepEqual(log, ["cleanup at 3000"]);
  });

  test("on a function, resumes the caller as the function returns, before callbacks queued meanwhile (asyncio 3.12's inline wait_for)", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const value = await waitFor(async () => {
        loop.callSoon(() => log.push("callback"));
        return 7;
      }, 1000);
      log.push(`caller got ${value}`);
      await sleep(0);
    });
    assert.deepEqual(log, ["caller got 7", "callback"]);
  });

  test("on a future that user code settles, a cancel of the caller right after setResult() still wins", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      const fut = new Future<number>();
      const caller = createTask(async () => {
        try {
          log.push(`got ${await waitFor(fut, 1000)}`);
        } catch (e) {
          log.push(isCancelledError(e) ? "cancelled" : String(e));
          throw e;
        }
      });
      await sleep(0);
      // setResult() runs no callback: the caller resumes from a queued one, which finds the cancel.
      fut.setResult(1);
      caller.cancel();
      await rejection(caller);
    });
    assert.deepEqual(log, ["cancelled"]);
  });

  test("cancels a task it was given and returns results in time", async () => {
    await runVirtual(async () => {
      const t = createTask(() => sleep(5000));
      await rejection(waitFor(t, 100));
      assert.ok(t.cancelled());
      assert.equal(await waitFor(() => sleep(10, "v"), 100), "v");
      assert.equal(await waitFor(Promise.resolve(4), null), 4);
    });
  });

  test("stops an inline call whose sleeps belong to the caller", async () => {
    async function slowApi() {
      await sleep(10_000);
      return "data";
    }
    await runVirtual(async () => {
      const e = await rejection(waitFor(slowApi(), 3000));
      assert.ok(e instanceof TimeoutError);
      assert.equal(now(), 3000);
    });
  });

  test("on an inline call, throws TimeoutError only after the call's cleanup, awaits included, has run", async () => {
    const log: string[] = [];
    async function slowApi(): Promise<string> {
      try {
        await sleep(10_000);
        return "data";
      } finally {
        await sleep(500); // cleanup that takes time, as closing a connection may
        log.push(`cleaned up at ${now()}`);
      }
    }
    await runVirtual(async () => {
      const e = await rejection(waitFor(slowApi(), 3000));
      log.push(`${(e as Error).name} at ${now()}`);
      assert.ok(isCancelledError((e as Error).cause));
    });
    assert.deepEqual(log, ["cleaned up at 3500", "TimeoutError at 3500"]);
  });

  test("on a foreign promise that nothing can interrupt, gives up at the deadline and abandons it", async () => {
    await runVirtual(async () => {
      const never = new Promise<string>(() => {});
      const e = await rejection(waitFor(never, 3000));
      assert.ok(e instanceof TimeoutError);
      assert.equal(now(), 3000);
    });
  });

  test("a cancel from outside reaches an inline call's awaits and waits for its cleanup", async () => {
    const log: string[] = [];
    async function slowApi(): Promise<void> {
      try {
        await sleep(10_000);
      } finally {
        await sleep(200);
        log.push(`cleaned up at ${now()}`);
      }
    }
    await runVirtual(async () => {
      const caller = createTask(() => waitFor(slowApi(), null));
      await sleep(1000);
      caller.cancel("stop");
      const e = await rejection(caller);
      log.push(`${(e as Error).name} "${(e as Error).message}" at ${now()}`);
    });
    assert.deepEqual(log, ["cleaned up at 1200", 'CancelledError "stop" at 1200']);
  });

  test("a timeout of 0 or less gives the work no time (asyncio treats -1 as 0)", async () => {
    await runVirtual(async () => {
      let ran = false;
      const e = await rejection(
        waitFor(async () => {
          ran = true;
        }, -1),
      );
      assert.ok(e instanceof TimeoutError);
      assert.equal(ran, false);
      const done = createTask(async () => 3);
      await sleep(0);
      assert.equal(await waitFor(done, 0), 3, "a finished task's result is returned");
    });
  });

  test("waitFors running side by side in one task are independent", async () => {
    await runVirtual(async () => {
      const [slow, fast] = await gather([waitFor(() => sleep(1000), 10), waitFor(() => sleep(50, "fast"), 10_000)], {
        returnExceptions: true,
      });
      assert.ok(slow instanceof TimeoutError);
      assert.equal(fast, "fast");
      assert.equal(now(), 50);
      assert.equal((currentTask() as Task<unknown>).cancelling(), 0);
    });
  });

  test("waitFor with a limit on a future already done gives its outcome; a pending cancel waits for a real wait", async () => {
    await runVirtual(async () => {
      const ok = new Future<number>();
      ok.setResult(7);
      const failed = new Future<number>();
      failed.setException(new RangeError("own"));
      const me = currentTask() as Task<unknown>;
      me.cancel(); // nothing to deliver it to yet
      // As asyncio's `await fut` on a done future: no suspension, so no point where the cancel is delivered.
      assert.equal(await waitFor(ok, 100), 7);
      assert.ok((await rejection(waitFor(failed, 100))) instanceof RangeError);
      assert.ok(isCancelledError(await rejection(sleep(1))), "the next real wait takes the cancel");
      me.uncancel();
      assert.equal(now(), 0);
    });
  });

  test("a cancel from outside during a waitFor stays a CancelledError", async () => {
    await runVirtual(async () => {
      const t = createTask(() => waitFor(() => sleep(1000), 100));
      await sleep(10);
      t.cancel();
      const e = await rejection(t);
      assert.ok(isCancelledError(e) && !(e instanceof TimeoutError));
    });
  });

  test("the awaited work's own error passes through unchanged", async () => {
    await runVirtual(async () => {
      const e = await rejection(
        waitFor(async () => {
          throw new RangeError("own");
        }, 100),
      );
      assert.ok(e instanceof RangeError);
    });
  });

  test("a non-awaitable or a bad timeout throws at once", () => {
    assert.throws(() => waitFor(3 as never, 10), /Expected `aw` to be an awaitable/);
    assert.throws(() => waitFor(Promise.resolve(), "1" as never), /Expected `ms`/);
  });
});
