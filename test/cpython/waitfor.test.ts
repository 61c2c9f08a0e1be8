// Behaviour cases translated from CPython's Lib/test/test_asyncio/test_waitfor.py.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError, createTask, Future, now, shield, sleep, type Task, TimeoutError, wait, waitFor } from "aio-ts";
import { rejection, runVirtual, SWALLOWED_CANCEL } from "../helpers.ts";

/** A small timeout: above zero, so it takes the timer path. */
const EPSILON = 1;

function expectTimeout(e: unknown): TimeoutError {
  assert.ok(e instanceof TimeoutError, `expected TimeoutError, got ${String(e)}`);
  return e;
}

function expectCancelled(e: unknown): void {
  assert.ok(e instanceof CancelledError, `expected CancelledError, got ${String(e)}`);
}

/** Work that runs for 200 ms of loop time whatever cancels it receives. */
class SlowTask {
  static readonly DURATION = 200;
  exited = false;

  async run(): Promise<void> {
    const exitAt = now() + SlowTask.DURATION;
    for (;;) {
      const toSleep = exitAt - now();
      if (toSleep <= 0) break;
      try {
        await sleep(toSleep);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
    }
    this.exited = true;
  }
}

// test_waitfor.py: test_asyncio_wait_for_cancelled
// aio differs deliberately (DESIGN.md, docs/differences-from-asyncio.md): a function
// given to waitFor runs as a child task, which starts at the caller's next
// yield; asyncio 3.12+ runs the coroutine inline. So the work must have started.
test("cancelling a waitFor whose work ignores cancels lets the work run to its end", async () => {
  await runVirtual(
    async () => {
      const t = new SlowTask();
      const waitForTask = createTask(() => waitFor(() => t.run(), SlowTask.DURATION * 2));
      await sleep(0);
      await sleep(0);
      waitForTask.cancel();
      await wait([waitForTask]);
      assert.equal(t.exited, true);
    },
    { expectReports: [SWALLOWED_CANCEL] },
  );
});

test("cancelling a waitFor before its child task started means the work never runs", async () => {
  await runVirtual(async () => {
    const t = new SlowTask();
    const waitForTask = createTask(() => waitFor(() => t.run(), SlowTask.DURATION * 2));
    await sleep(0);
    waitForTask.cancel();
    await wait([waitForTask]);
    assert.equal(t.exited, false);
    assert.equal(waitForTask.cancelled(), true);
  });
});

// test_waitfor.py: test_asyncio_wait_for_timeout
test("a waitFor whose work ignores the expiry waits for the work to end", async () => {
  await runVirtual(
    async () => {
      const t = new SlowTask();
      try {
        await waitFor(() => t.run(), SlowTask.DURATION / 2);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
      }
      assert.equal(t.exited, true);
      assert.equal(now(), SlowTask.DURATION);
    },
    { expectReports: [SWALLOWED_CANCEL] },
  );
});

// test_waitfor.py: test_wait_for_timeout_less_then_0_or_0_future_done
test("waitFor with timeout 0 returns the result of an already finished future", async () => {
  await runVirtual(async () => {
    const fut = new Future<string>();
    fut.setResult("done");
    assert.equal(await waitFor(fut, 0), "done");
    assert.equal(fut.done(), true);
  });
});

// test_waitfor.py: test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started
test("waitFor with timeout 0 never starts the work it is given", async () => {
  await runVirtual(async () => {
    let started = false;
    expectTimeout(
      await rejection(
        waitFor(async () => {
          started = true;
        }, 0),
      ),
    );
    assert.equal(started, false);
  });
});

// test_waitfor.py: test_wait_for_timeout_less_then_0_or_0
test("waitFor with timeout 0 or negative cancels a running task and waits for its cleanup", async () => {
  await runVirtual(async () => {
    for (const ms of [0, -1]) {
      let running: boolean | undefined;
      const started = new Future<void>();
      const fut = createTask(async () => {
        running = true;
        started.setResult();
        try {
          await sleep(10_000);
        } finally {
          running = false;
        }
        return "done";
      });
      await started;
      const t0 = now();
      expectTimeout(await rejection(waitFor(fut, ms)));
      assert.equal(fut.done(), true);
      assert.equal(fut.cancelled(), true);
      assert.equal(running, false);
      assert.equal(now(), t0);
    }
  });
});

// test_waitfor.py: test_wait_for
test("waitFor on expiry cancels the task, waits for its cleanup, then throws TimeoutError", async () => {
  await runVirtual(async () => {
    let running: boolean | undefined;
    const fut = createTask(async () => {
      running = true;
      try {
        await sleep(10_000);
      } finally {
        running = false;
      }
      return "done";
    });
    expectTimeout(await rejection(waitFor(fut, 100)));
    assert.equal(fut.done(), true);
    assert.equal(fut.cancelled(), true);
    assert.equal(running, false);
    assert.equal(now(), 100);
  });
});

// test_waitfor.py: test_wait_for_blocking, test_wait_for_race_condition
test("waitFor returns the result when the work finishes in time, or with no limit", async () => {
  await runVirtual(async () => {
    assert.equal(await waitFor(async () => "done", null), "done");
    const fut = new Future<string>();
    createTask(async () => {
      fut.setResult("ok");
    });
    assert.equal(await waitFor(fut, 200), "ok");
    assert.equal(now(), 0);
  });
});

// test_waitfor.py: test_wait_for_cancellation_race_condition, test_wait_for_cancel_suppressed
test("work that swallows the expiry's cancel and returns gives its value, not TimeoutError", async () => {
  await runVirtual(
    async () => {
      const result = await waitFor(async () => {
        try {
          await sleep(10_000);
        } catch (e) {
          if (e instanceof CancelledError) return 42;
          throw e;
        }
        return 0;
      }, 100);
      assert.equal(result, 42);
      assert.equal(now(), 100);
    },
    { expectReports: [SWALLOWED_CANCEL] },
  );
});

// test_waitfor.py: test_wait_for_waits_for_task_cancellation, test_wait_for_waits_for_task_cancellation_w_timeout_0
test("waitFor waits until a timed-out task finished its slow cleanup; the error's cause is the cancel", async () => {
  await runVirtual(async () => {
    for (const ms of [EPSILON, 0]) {
      let taskDone = false;
      const inner = createTask(async () => {
        try {
          await sleep(10_000);
        } catch (e) {
          await sleep(EPSILON);
          throw e;
        } finally {
          taskDone = true;
        }
      });
      await sleep(EPSILON);
      const e = expectTimeout(await rejection(waitFor(inner, ms)));
      assert.equal(taskDone, true);
      assert.ok(e.cause instanceof CancelledError);
    }
  });
});

// test_waitfor.py: test_wait_for_reraises_exception_during_cancellation
test("an error thrown by the work while it is cancelled on expiry comes out instead of TimeoutError", async () => {
  await runVirtual(async () => {
    class FooError extends Error {}
    const inner = createTask(async () => {
      try {
        await sleep(200);
      } catch {
        // replaced by the error below, as a `raise` in `finally` does
      }
      throw new FooError();
    });
    const e = await rejection(waitFor(inner, EPSILON));
    assert.ok(e instanceof FooError, `expected FooError, got ${String(e)}`);
  });
});

// test_waitfor.py: test_cancel_blocking_wait_for, test_cancel_wait_for
test("cancelling a waitFor cancels the task it waits on, with or without a timeout", async () => {
  await runVirtual(async () => {
    for (const ms of [null, 60_000]) {
      const task = createTask(async () => {
        await new Future<void>();
      });
      const w = createTask(() => waitFor(task, ms));
      await sleep(0);
      w.cancel();
      expectCancelled(await rejection(w));
      assert.equal(task.cancelled(), true);
    }
  });
});

// test_waitfor.py: test_wait_for_issue86296
test("a cancel arriving as the awaited task completes still cancels the waitFor's caller", async () => {
  await runVirtual(async () => {
    const innerTask = createTask(async () => "done");
    let reachedEnd = false;
    const task: Task<void> = createTask(async () => {
      await waitFor(innerTask, 100_000);
      await sleep(1000);
      reachedEnd = true;
    });
    assert.equal(task.done(), false);
    await sleep(0);
    task.cancel();
    expectCancelled(await rejection(task));
    assert.equal(innerTask.done(), true);
    assert.equal(await innerTask, "done");
    assert.equal(reachedEnd, false);
  });
});

// test_waitfor.py: WaitForShieldTests.test_zero_timeout
test("waitFor with timeout 0 on a shield cancels the shield, not the task behind it", async () => {
  await runVirtual(async () => {
    const task = createTask(async () => {
      await sleep(10);
      return "done";
    });
    const shielded = shield(task);
    expectTimeout(await rejection(waitFor(shielded, 0)));
    assert.equal(task.done(), false);
    assert.equal(task.cancelled(), false);
    assert.equal(shielded.cancelled(), true);
    await sleep(100);
    assert.equal(task.done(), true);
  });
});

// test_waitfor.py: WaitForShieldTests.test_none_timeout, test_shielded_timeout
test("waitFor on a shield times out without cancelling the task, which completes later", async () => {
  await runVirtual(async () => {
    const task = createTask(async () => {
      await sleep(100);
      return "done";
    });
    expectTimeout(await rejection(waitFor(shield(task), 10)));
    assert.equal(task.done(), false);
    assert.equal(task.cancelled(), false);
    assert.equal(await task, "done");
    const task2 = createTask(async () => {
      await sleep(100);
      return "done";
    });
    assert.equal(await waitFor(shield(task2), null), "done");
    assert.equal(task2.done(), true);
  });
});

// test_waitfor.py: test_wait_for_self_cancellation
test("a waitFor task cancelled before it starts ends cancelled, and leaves the task it would wait on alone", async () => {
  await runVirtual(async () => {
    const innerTask = createTask(async () => {
      try {
        await sleep(300);
      } catch {
        try {
          await sleep(300);
        } catch {
          await sleep(300);
        }
      }
      return 42;
    });
    const task = createTask(() => waitFor(innerTask, 100));
    task.cancel();
    assert.ok((await rejection(task)) instanceof CancelledError);
    assert.equal(await innerTask, 42);
  });
});

// ── More cases from wait_for's documented behaviour (3.12+: a timeout around the await) ──

// test_waitfor.py: test_wait_for_race_condition (the future is set by another task in time)
test("waitFor on a future set by another task in time returns its value and cancels nothing", async () => {
  await runVirtual(async () => {
    const fut = new Future<string>();
    createTask(async () => {
      await sleep(50);
      fut.setResult("ok");
    });
    assert.equal(await waitFor(fut, 100), "ok");
    assert.equal(now(), 50);
    await sleep(100);
    assert.equal(now(), 150);
  });
});

// tasks.py: wait_for (the awaited task cancelled by someone else: CancelledError comes through, not TimeoutError)
test("waitFor on a task cancelled by someone else throws CancelledError, not TimeoutError", async () => {
  await runVirtual(async () => {
    const inner = createTask(() => sleep(1000));
    createTask(async () => {
      await sleep(10);
      inner.cancel("elsewhere");
    });
    const e = await rejection(waitFor(inner, 500));
    expectCancelled(e);
    assert.equal((e as Error).message, "elsewhere");
    assert.equal(now(), 10);
  });
});

// test_timeouts.py: test_nested_timeouts, with wait_for (the inner, shorter one fires)
test("nested waitFors: the inner, shorter one times out and the outer returns what follows", async () => {
  await runVirtual(async () => {
    const result = await waitFor(async () => {
      expectTimeout(await rejection(waitFor(() => sleep(1000), 10)));
      await sleep(20);
      return "outer finished";
    }, 100);
    assert.equal(result, "outer finished");
    assert.equal(now(), 30);
  });
});

// test_timeouts.py: test_nested_timeouts, with wait_for (the outer, shorter one fires)
test("nested waitFors: the outer, shorter one times out; the inner sees a plain cancel", async () => {
  await runVirtual(async () => {
    let innerSaw: unknown;
    const e = await rejection(
      waitFor(async () => {
        innerSaw = await rejection(waitFor(() => sleep(1000), 500));
        throw innerSaw;
      }, 10),
    );
    expectTimeout(e);
    expectCancelled(innerSaw);
    assert.equal(now(), 10);
  });
});

// test_waitfor.py: test_wait_for (a result of undefined passes through)
test("waitFor of work that returns nothing resolves to undefined in time", async () => {
  await runVirtual(async () => {
    assert.equal(
      await waitFor(async () => {
        await sleep(10);
      }, 100),
      undefined,
    );
  });
});

// test_waitfor.py: test_wait_for_timeout_less_then_0_or_0_future_done (a failed future, timeout 0)
test("waitFor with timeout 0 on a future that already failed throws its error, not TimeoutError", async () => {
  await runVirtual(async () => {
    const fut = new Future<string>();
    const boom = new RangeError("boom");
    fut.setException(boom);
    assert.equal(await rejection(waitFor(fut, 0)), boom);
  });
});

// test_waitfor.py: test_wait_for (the caller's cancel count is untouched after a timeout)
test("after a waitFor timed out, the caller is not cancelled and can await again", async () => {
  await runVirtual(async () => {
    expectTimeout(await rejection(waitFor(() => sleep(1000), 10)));
    const me = createTask(async () => 1);
    assert.equal(await me, 1);
    await sleep(5);
    assert.equal(now(), 15);
  });
});

// test_waitfor.py: WaitForShieldTests.test_shielded_timeout, awaited again afterwards
test("a shielded task that outlived a waitFor can be waited for again with a longer limit", async () => {
  await runVirtual(async () => {
    const task: Task<string> = createTask(() => sleep(100, "done"));
    expectTimeout(await rejection(waitFor(shield(task), 10)));
    assert.equal(await waitFor(shield(task), 1000), "done");
    assert.equal(now(), 100);
    assert.deepEqual((await wait([task])).done, new Set([task]));
  });
});
