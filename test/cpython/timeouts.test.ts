// Behaviour cases translated from CPython's Lib/test/test_asyncio/test_timeouts.py.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CancelledError,
  createTask,
  currentTask,
  ExceptionGroup,
  Future,
  InvalidStateError,
  now,
  sleep,
  type Task,
  type Timeout,
  TimeoutError,
  taskGroup,
  timeout,
  timeoutAt,
} from "aio-ts";
import { rejection, runVirtual, SWALLOWED_CANCEL } from "../helpers.ts";

class ZeroDivision extends Error {}
class KeyErr extends Error {}

function expectTimeout(e: unknown): TimeoutError {
  assert.ok(e instanceof TimeoutError, `expected TimeoutError, got ${String(e)}`);
  return e;
}

// test_timeouts.py: test_timeout_basic, test_waiter_cancelled, test_timeout_exception_cause
test("timeout() cancels a slow body, which sees CancelledError; the caller gets TimeoutError caused by it", async () => {
  await runVirtual(async () => {
    let cm: Timeout | undefined;
    let cancelled = false;
    const e = expectTimeout(
      await rejection(
        timeout(10, async (scope) => {
          cm = scope;
          try {
            await sleep(10_000);
          } catch (err) {
            cancelled = err instanceof CancelledError;
            throw err;
          }
        }),
      ),
    );
    assert.equal(cancelled, true);
    assert.equal(cm?.expired(), true);
    assert.ok(e.cause instanceof CancelledError);
    assert.equal(now(), 10);
  });
});

// test_timeouts.py: test_timeout_at_basic
test("timeoutAt() expires at its deadline and reports it from when()", async () => {
  await runVirtual(async () => {
    let cm: Timeout | undefined;
    const deadline = now() + 10;
    expectTimeout(
      await rejection(
        timeoutAt(deadline, async (scope) => {
          cm = scope;
          await sleep(10_000);
        }),
      ),
    );
    assert.equal(cm?.expired(), true);
    assert.equal(cm?.when(), deadline);
    assert.equal(now(), deadline);
  });
});

// test_timeouts.py: test_nested_timeouts
test("nested timeouts with one deadline: only the outermost raises TimeoutError", async () => {
  await runVirtual(async () => {
    let cm1: Timeout | undefined;
    let cm2: Timeout | undefined;
    let cancelled = false;
    const deadline = now() + 10;
    expectTimeout(
      await rejection(
        timeoutAt(deadline, async (s1) => {
          cm1 = s1;
          try {
            await timeoutAt(deadline, async (s2) => {
              cm2 = s2;
              await sleep(10_000);
            });
          } catch (e) {
            if (e instanceof CancelledError) cancelled = true;
            throw e;
          }
        }),
      ),
    );
    assert.equal(cancelled, true);
    assert.equal(cm1?.expired(), true);
    assert.equal(cm2?.expired(), true);
  });
});

// test_timeouts.py: test_timeout_not_called, test_timeout_disabled, test_timeout_at_disabled
test("a timeout not reached, or none at all, leaves the body alone and is not expired", async () => {
  await runVirtual(async () => {
    let cm: Timeout | undefined;
    assert.equal(
      await timeout(10_000, async (scope) => {
        cm = scope;
        await sleep(10);
        return "ok";
      }),
      "ok",
    );
    assert.equal(cm?.expired(), false);
    assert.ok((cm?.when() as number) > now());
    for (const make of [timeout, timeoutAt]) {
      let off: Timeout | undefined;
      await make(null, async (scope) => {
        off = scope;
        await sleep(10);
      });
      assert.equal(off?.expired(), false);
      assert.equal(off?.when(), null);
    }
  });
});

// test_timeouts.py: test_timeout_zero, test_timeout_zero_sleep_zero, test_timeout_in_the_past_sleep_zero
test("a timeout of 0 or in the past expires at the body's first await, even sleep(0)", async () => {
  await runVirtual(async () => {
    for (const [ms, sleepMs] of [
      [0, 10_000],
      [0, 0],
      [-11, 0],
    ] as const) {
      const t0 = now();
      let cm: Timeout | undefined;
      expectTimeout(
        await rejection(
          timeout(ms, async (scope) => {
            cm = scope;
            await sleep(sleepMs);
          }),
        ),
      );
      assert.equal(cm?.expired(), true);
      assert.equal(cm?.when(), t0 + ms);
      assert.equal(now(), t0);
    }
  });
});

// test_timeouts.py: test_foreign_exception_passed
test("an error thrown by the body passes through an unexpired timeout", async () => {
  await runVirtual(async () => {
    let cm: Timeout | undefined;
    const e = await rejection(
      timeout(10, async (scope) => {
        cm = scope;
        throw new KeyErr();
      }),
    );
    assert.ok(e instanceof KeyErr);
    assert.equal(cm?.expired(), false);
  });
});

// test_timeouts.py: test_foreign_exception_on_timeout
test("an error thrown by the body while it is being timed out replaces the TimeoutError", async () => {
  await runVirtual(async () => {
    const crash = async () => {
      try {
        await sleep(1000);
      } catch {
        // replaced by the error below, as a `raise` in `finally` does
      }
      throw new ZeroDivision();
    };
    const e = await rejection(timeout(10, () => crash()));
    assert.ok(e instanceof ZeroDivision);
  });
});

// test_timeouts.py: test_foreign_cancel_doesnt_timeout_if_not_expired
test("a cancel from elsewhere inside an unexpired timeout stays a CancelledError", async () => {
  await runVirtual(async () => {
    let cm: Timeout | undefined;
    const t = createTask(() =>
      timeout(10_000, async (scope) => {
        cm = scope;
        currentTask()?.cancel();
        await sleep(10_000);
      }),
    );
    assert.ok((await rejection(t)) instanceof CancelledError);
    assert.equal(cm?.expired(), false);
    assert.equal(t.cancelled(), true);
  });
});

// test_timeouts.py: test_outer_task_is_not_cancelled
test("a task whose timeout expired ends normally, neither cancelled nor with a cancel pending", async () => {
  await runVirtual(async () => {
    const task = createTask(async () => {
      expectTimeout(await rejection(timeout(1, () => sleep(10_000))));
    });
    await task;
    assert.equal(task.done(), true);
    assert.equal(task.cancelled(), false);
    assert.equal(task.cancelling(), 0);
  });
});

// test_timeouts.py: test_nested_timeouts_concurrent
test("an outer timeout expiring inside a later inner one: the inner lets CancelledError through", async () => {
  await runVirtual(async () => {
    let innerError: unknown;
    expectTimeout(
      await rejection(
        timeout(2, async () => {
          try {
            await timeout(100, () => sleep(1000));
          } catch (e) {
            innerError = e;
            throw e;
          }
        }),
      ),
    );
    assert.ok(innerError instanceof CancelledError);
    assert.equal(now(), 2);
  });
});

// test_timeouts.py: test_nested_timeouts_loop_busy
test("after an inner timeout was handled, the outer timeout still interrupts later work", async () => {
  await runVirtual(async () => {
    expectTimeout(
      await rejection(
        timeout(100, async () => {
          expectTimeout(await rejection(timeout(10, () => sleep(1000))));
          await sleep(10_000);
        }),
      ),
    );
    assert.equal(now(), 100);
  });
});

// test_timeouts.py: test_reschedule
test("reschedule() moves the deadline, and null removes it", async () => {
  await runVirtual(async () => {
    const fut = new Future<Timeout>();
    const deadline1 = now() + 10_000;
    const deadline2 = deadline1 + 20_000;
    const task: Task<void> = createTask(() =>
      timeoutAt(deadline1, async (cm) => {
        fut.setResult(cm);
        await sleep(50_000);
      }),
    );
    const cm = await fut;
    assert.equal(cm.when(), deadline1);
    cm.reschedule(deadline2);
    assert.equal(cm.when(), deadline2);
    cm.reschedule(null);
    assert.equal(cm.when(), null);
    await sleep(40_000);
    assert.equal(task.done(), false);
    task.cancel();
    assert.ok((await rejection(task)) instanceof CancelledError);
    assert.equal(cm.expired(), false);
  });
});

// test_timeouts.py: test_nested_timeout_in_finally
test("a timeout inside the cleanup of an expired timeout expires on its own", async () => {
  await runVirtual(async () => {
    let inner: unknown;
    const outer = await rejection(
      timeout(10, async () => {
        try {
          await sleep(1000);
        } finally {
          inner = await rejection(timeout(10, () => sleep(10_000)));
        }
      }),
    );
    const e1 = expectTimeout(outer);
    assert.ok(e1.cause instanceof CancelledError);
    const e2 = expectTimeout(inner);
    assert.ok(e2.cause instanceof CancelledError);
    assert.equal(now(), 20);
  });
});

// test_timeouts.py: test_timeout_after_cancellation, test_cancel_in_timeout_after_cancellation
test("in cleanup after a swallowed cancel, a timeout still expires and a new cancel stays a cancel", async () => {
  await runVirtual(
    async () => {
      for (const cancelInside of [false, true]) {
        const t = createTask(async () => {
          try {
            currentTask()?.cancel();
            await sleep(1000);
          } catch (e) {
            if (!(e instanceof CancelledError)) throw e;
          }
          if (!cancelInside) return rejection(timeout(0, () => sleep(1000)));
          return rejection(
            timeout(1000, async () => {
              currentTask()?.cancel();
              await sleep(2000);
            }),
          );
        });
        const e = await t;
        if (cancelInside) assert.ok(e instanceof CancelledError, `expected CancelledError, got ${String(e)}`);
        else expectTimeout(e);
      }
    },
    { expectReports: [SWALLOWED_CANCEL] },
  );
});

// test_timeouts.py: test_timeout_finished
test("reschedule() is refused once the scope has finished", async () => {
  await runVirtual(async () => {
    let done: Timeout | undefined;
    await timeout(10, async (scope) => {
      done = scope;
    });
    assert.throws(
      () => done?.reschedule(now() + 20),
      (e) => e instanceof InvalidStateError && /finished/.test(e.message),
    );
  });
});

// test_timeouts.py: test_timeout_expired
test("reschedule() is refused once the scope has expired, saying so", async () => {
  await runVirtual(async () => {
    let expired: Timeout | undefined;
    expectTimeout(
      await rejection(
        timeout(10, async (scope) => {
          expired = scope;
          await sleep(1000);
        }),
      ),
    );
    assert.throws(
      () => expired?.reschedule(now() + 20),
      (e) => e instanceof InvalidStateError && /expired/.test(e.message),
    );
  });
});

// test_timeouts.py: test_timeout_expiring
test("reschedule() is refused while expiring; a body that swallows the expiry returns normally", async () => {
  await runVirtual(async () => {
    const value = await timeout(10, async (scope) => {
      await assert.rejects(sleep(1000), (e: unknown) => e instanceof CancelledError);
      assert.throws(
        () => scope.reschedule(now() + 20),
        (e) => e instanceof InvalidStateError && /expiring/.test(e.message),
      );
      return "swallowed";
    });
    assert.equal(value, "swallowed");
    assert.equal(currentTask()?.cancelling(), 0);
  });
});

// test_timeouts.py: test_timeout_taskgroup
test("a timeout around a task group whose child fails in cleanup gives the group's ExceptionGroup", async () => {
  await runVirtual(async () => {
    const child = async () => {
      try {
        await sleep(2000);
      } catch {
        // replaced by the error below, as a `raise` in `finally` does
      }
      throw new ZeroDivision();
    };
    const e = await rejection(
      timeout(10, () =>
        taskGroup(async (tg) => {
          tg.createTask(child);
          try {
            throw new RangeError("value");
          } finally {
            await sleep(1000);
          }
        }),
      ),
    );
    assert.ok(e instanceof ExceptionGroup, `expected ExceptionGroup, got ${String(e)}`);
    assert.equal(e.errors.length, 1);
    assert.ok(e.errors[0] instanceof ZeroDivision);
    assert.equal(currentTask()?.cancelling(), 0);
  });
});

// test_timeouts.py: test_repr_active, test_repr_expired, test_repr_finished, test_repr_disabled
test("toString shows the state, and the deadline while active", async () => {
  await runVirtual(async () => {
    await timeout(10_000, async (cm) => {
      assert.match(String(cm), /^<Timeout \[active\] when=\d+(\.\d*)?>$/);
    });
    let expired: Timeout | undefined;
    expectTimeout(
      await rejection(
        timeout(10, async (cm) => {
          expired = cm;
          await sleep(10_000);
        }),
      ),
    );
    assert.equal(String(expired), "<Timeout [expired]>");
    let finished: Timeout | undefined;
    await timeout(10_000, async (cm) => {
      finished = cm;
      await sleep(0);
    });
    assert.equal(String(finished), "<Timeout [finished]>");
    await timeout(null, async (cm) => {
      assert.equal(String(cm), "<Timeout [active] when=null>");
    });
  });
});

// test_timeouts.py: test_timeout_exception_context
test("an expiry during the cleanup of an error: TimeoutError caused by the CancelledError", async () => {
  await runVirtual(async () => {
    const e = expectTimeout(
      await rejection(
        timeout(10, async () => {
          try {
            throw new ZeroDivision();
          } finally {
            await sleep(1000);
          }
        }),
      ),
    );
    assert.ok(e.cause instanceof CancelledError);
  });
});

/** `try: raise KeyError finally: 1/0`, as in test_foreign_exception_on_timeout_2. */
function raiseKeyErrThenZeroDivision(): never {
  try {
    throw new KeyErr();
  } finally {
    // biome-ignore lint/correctness/noUnsafeFinally: the case under test raises in finally.
    throw new ZeroDivision();
  }
}

// test_timeouts.py: test_foreign_exception_on_timeout_2
test("an error raised in the cleanup after an expiry replaces the TimeoutError", async () => {
  await runVirtual(async () => {
    const e = await rejection(
      timeout(10, async () => {
        try {
          try {
            throw new RangeError("value");
          } finally {
            await sleep(1000);
          }
        } finally {
          raiseKeyErrThenZeroDivision();
        }
      }),
    );
    assert.ok(e instanceof ZeroDivision, String(e));
    assert.equal(currentTask()!.cancelling(), 0);
  });
});

// ── More cases from test_timeouts.py and timeouts.py's documented behaviour ──

// test_timeouts.py: test_timeout_basic (the deadline and the body's sleep fall at the same time)
test("a body sleeping exactly as long as the timeout is cancelled: the deadline comes first", async () => {
  await runVirtual(async () => {
    let scope: Timeout | undefined;
    const e = await rejection(
      timeout(100, async (cm) => {
        scope = cm;
        await sleep(100);
      }),
    );
    expectTimeout(e);
    assert.equal(scope?.expired(), true);
    assert.equal(now(), 100);
  });
});

// test_timeouts.py: test_timeout_zero (a body that never awaits)
test("a timeout of 0 around a body that never awaits returns its value, unexpired", async () => {
  await runVirtual(async () => {
    let scope: Timeout | undefined;
    const result = await timeout(0, async (cm) => {
      scope = cm;
      return 5;
    });
    assert.equal(result, 5);
    assert.equal(scope?.expired(), false);
    assert.equal(currentTask()?.cancelling(), 0);
    await sleep(10);
    assert.equal(now(), 10);
  });
});

// test_timeouts.py: test_reschedule (rescheduling into the past)
test("reschedule() to a time already past expires the scope at the body's next await", async () => {
  await runVirtual(async () => {
    const log: string[] = [];
    const e = await rejection(
      timeout(10_000, async (cm) => {
        await sleep(100);
        cm.reschedule(now() - 1);
        log.push("rescheduled");
        await sleep(1000);
        log.push("not reached");
      }),
    );
    expectTimeout(e);
    assert.deepEqual(log, ["rescheduled"]);
    assert.equal(now(), 100);
  });
});

// test_timeouts.py: test_reschedule (rescheduling later lets the body finish)
test("reschedule() to a later deadline lets a body finish that would have timed out", async () => {
  await runVirtual(async () => {
    const result = await timeout(100, async (cm) => {
      await sleep(50);
      cm.reschedule(now() + 500);
      await sleep(200);
      return "finished";
    });
    assert.equal(result, "finished");
    assert.equal(now(), 250);
  });
});

// test_timeouts.py: test_reschedule (rescheduling earlier)
test("reschedule() to an earlier deadline expires the body then", async () => {
  await runVirtual(async () => {
    let scope: Timeout | undefined;
    const e = await rejection(
      timeout(10_000, async (cm) => {
        scope = cm;
        cm.reschedule(now() + 30);
        await sleep(1000);
      }),
    );
    expectTimeout(e);
    assert.equal(now(), 30);
    assert.equal(scope?.when(), 30);
    assert.equal(scope?.expired(), true);
  });
});

// timeouts.py: __aexit__ (a cancel from outside during the cleanup of an expiry wins)
test("a cancel from outside during the cleanup after an expiry comes out as CancelledError, not TimeoutError", async () => {
  await runVirtual(async () => {
    const task = createTask(() =>
      timeout(100, async () => {
        try {
          await sleep(1000);
        } finally {
          await sleep(50);
        }
      }),
    );
    await sleep(120);
    task.cancel("outside");
    const e = await rejection(task);
    assert.ok(e instanceof CancelledError, `expected CancelledError, got ${String(e)}`);
    assert.equal(task.cancelled(), true);
    assert.equal(now(), 120);
  });
});

// timeouts.py: __aexit__ (a cancel from outside and the expiry at the same moment)
test("a cancel from outside requested just before the expiry stays a CancelledError", async () => {
  await runVirtual(async () => {
    const task = createTask(() => timeout(100, () => sleep(1000)));
    createTask(async () => {
      await sleep(100);
      task.cancel();
    });
    const e = await rejection(task);
    assert.ok(e instanceof CancelledError, `expected CancelledError, got ${String(e)}`);
    assert.equal(task.cancelled(), true);
  });
});

// test_timeouts.py: test_nested_timeouts (inner shorter than outer)
test("nested timeouts: the inner, shorter one expires, and the outer goes on to finish", async () => {
  await runVirtual(async () => {
    let inner: Timeout | undefined;
    let outer: Timeout | undefined;
    const result = await timeout(1000, async (cm1) => {
      outer = cm1;
      const e = await rejection(
        timeout(10, async (cm2) => {
          inner = cm2;
          await sleep(500);
        }),
      );
      expectTimeout(e);
      await sleep(100);
      return "outer done";
    });
    assert.equal(result, "outer done");
    assert.equal(inner?.expired(), true);
    assert.equal(outer?.expired(), false);
    assert.equal(now(), 110);
    assert.equal(currentTask()?.cancelling(), 0);
  });
});

// test_timeouts.py: test_nested_timeouts (outer shorter than inner)
test("nested timeouts: the outer, shorter one expires through the inner, which lets the cancel through", async () => {
  await runVirtual(async () => {
    let inner: Timeout | undefined;
    let innerSaw: unknown;
    const e = await rejection(
      timeout(10, async () => {
        innerSaw = await rejection(
          timeout(1000, async (cm2) => {
            inner = cm2;
            await sleep(500);
          }),
        );
        throw innerSaw;
      }),
    );
    expectTimeout(e);
    assert.ok(innerSaw instanceof CancelledError);
    assert.equal(inner?.expired(), false);
    assert.equal(now(), 10);
  });
});

// test_timeouts.py: test_timeout_disabled, test_repr_disabled
test("timeout(null) never expires; when() is null and the scope can be given a deadline later", async () => {
  await runVirtual(async () => {
    const e = await rejection(
      timeout(null, async (cm) => {
        assert.equal(cm.when(), null);
        await sleep(10_000);
        cm.reschedule(now() + 5);
        await sleep(10_000);
      }),
    );
    expectTimeout(e);
    assert.equal(now(), 10_005);
  });
});

// test_timeouts.py: test_outer_task_is_not_cancelled (twice in a row in one task)
test("two expired timeouts one after the other in one task each throw TimeoutError and leave no cancel", async () => {
  await runVirtual(async () => {
    for (let i = 0; i < 2; i++) {
      expectTimeout(await rejection(timeout(10, () => sleep(100))));
      assert.equal(currentTask()?.cancelling(), 0);
    }
    await sleep(5);
    assert.equal(now(), 25);
  });
});
