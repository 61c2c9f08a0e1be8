// Behaviour cases translated from CPython's Lib/test/test_asyncio/test_tasks.py.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  allTasks,
  asCompleted,
  Barrier,
  CancelledError,
  Condition,
  createTask,
  currentTask,
  Event,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  gather,
  InvalidStateError,
  Lock,
  type LoopReport,
  now,
  Queue,
  Semaphore,
  shield,
  sleep,
  Task,
  TimeoutError,
  taskGroup,
  timeout,
  wait,
  waitFor,
} from "aio-ts";
import { PENDING_AT_EXIT, rejection, runVirtual, SWALLOWED_CANCEL } from "../helpers.ts";

const isCancel =
  (message: string) =>
  (e: unknown): boolean =>
    e instanceof CancelledError && e.message === message;

async function expectCancelled(aw: PromiseLike<unknown>, message?: string): Promise<CancelledError> {
  const e = await rejection(aw);
  assert.ok(e instanceof CancelledError, `expected CancelledError, got ${String(e)}`);
  if (message !== undefined) assert.equal(e.message, message);
  return e;
}

// ── Tasks and cancellation ──

// test_tasks.py: test_task_basics
test("a task runs nested coroutines in turn and returns what they compute", async () => {
  const result = await runVirtual(async () => {
    const inner1 = async () => 42;
    const inner2 = async () => 1000;
    const t = createTask(async () => {
      const a = await inner1();
      const b = await inner2();
      return a + b;
    });
    return await t;
  });
  assert.equal(result, 1042);
});

// test_tasks.py: test_cancel_with_message_before_starting_task
test("cancelling a task before it starts never runs its body, and keeps the message", async () => {
  await runVirtual(async () => {
    let ran = false;
    const t = createTask(async () => {
      ran = true;
      await sleep(10_000);
    });
    t.cancel("my message");
    await wait([t]);
    assert.equal(ran, false);
    assert.equal(t.cancelled(), true);
    assert.throws(() => t.exception(), isCancel("my message"));
  });
});

// test_tasks.py: test_cancel
test("cancelling a sleeping task ends it cancelled at once; cancelling it again returns false", async () => {
  await runVirtual(async () => {
    const t = createTask(async () => {
      await sleep(10_000);
      return 12;
    });
    await sleep(0);
    assert.equal(t.cancel(), true);
    await expectCancelled(t);
    assert.equal(now(), 0);
    assert.equal(t.done(), true);
    assert.equal(t.cancelled(), true);
    assert.equal(t.cancel(), false);
  });
});

// test_tasks.py: test_cancel_inner_future, test_cancel_both_task_and_inner_future
test("cancelling the future a task awaits ends the task cancelled, with or without a task cancel", async () => {
  await runVirtual(async () => {
    for (const alsoTask of [false, true]) {
      const f = new Future<void>();
      const t = createTask(async () => {
        await f;
        return 12;
      });
      await sleep(0);
      f.cancel();
      if (alsoTask) t.cancel();
      await expectCancelled(t);
      assert.equal(f.cancelled(), true);
      assert.equal(t.cancelled(), true);
    }
  });
});

// test_tasks.py: test_cancel_task_ignoring
test("a task that ignores a cancel goes on to its next await unharmed", async () => {
  await runVirtual(
    async () => {
      const fut1 = new Future<void>();
      const fut2 = new Future<void>();
      const fut3 = new Future<number>();
      const t = createTask(async () => {
        await fut1;
        try {
          await fut2;
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
        }
        return await fut3;
      });
      await sleep(0);
      fut1.setResult();
      await sleep(0);
      t.cancel();
      assert.equal(fut2.cancelled(), true);
      await sleep(0);
      assert.equal(fut3.cancelled(), false);
      fut3.setResult(42);
      assert.equal(await t, 42);
      assert.equal(fut3.cancelled(), false);
      assert.equal(t.cancelled(), false);
    },
    { expectReports: [SWALLOWED_CANCEL] },
  );
});

// test_tasks.py: test_cancel_current_task
test("a task that cancels itself is interrupted at its next await", async () => {
  await runVirtual(async () => {
    let reached = false;
    const t = createTask(async () => {
      currentTask()?.cancel();
      await sleep(100_000);
      reached = true;
      return 12;
    });
    await expectCancelled(t);
    assert.equal(reached, false);
    assert.equal(now(), 0);
    assert.equal(t.cancelled(), true);
    assert.equal(t.cancel(), false);
  });
});

// test_tasks.py: test_cancel_at_end
test("a task that cancels itself and returns without awaiting still ends cancelled", async () => {
  await runVirtual(async () => {
    const t = createTask(async () => {
      currentTask()?.cancel();
      return 12;
    });
    await expectCancelled(t);
    assert.equal(t.cancelled(), true);
    assert.equal(t.cancel(), false);
  });
});

// test_tasks.py: test_cancel_awaited_task
test("a task that cancels itself and then awaits another task cancels that task and what it awaits", async () => {
  await runVirtual(async () => {
    const fut = new Future<void>();
    let nested: Task<void> | undefined;
    const t = createTask(async () => {
      nested = createTask(async () => {
        await fut;
      });
      await sleep(0);
      currentTask()?.cancel();
      await nested;
    });
    await expectCancelled(t);
    assert.equal(t.cancelled(), true);
    assert.equal(nested?.cancelled(), true);
    assert.equal(fut.cancelled(), true);
  });
});

// test_tasks.py: test_cancelling
test("cancelling() counts the cancel requests of a pending task", async () => {
  await runVirtual(async () => {
    const t = createTask(() => sleep(10_000));
    assert.equal(t.cancelling(), 0);
    assert.equal(t.cancel(), true);
    assert.equal(t.cancelling(), 1);
    assert.equal(t.cancel(), true);
    assert.equal(t.cancelling(), 2);
    await expectCancelled(t);
  });
});

// test_tasks.py: test_uncancel_basic
test("uncancel() withdraws a handled request; the task then waits again until cancelled again", async () => {
  await runVirtual(async () => {
    const t = createTask(async () => {
      try {
        await sleep(10_000);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        currentTask()?.uncancel();
        await sleep(10_000);
      }
    });
    await sleep(10);
    assert.equal(t.cancel(), true);
    assert.equal(t.cancelling(), 1);
    assert.equal(t.cancelled(), false);
    await sleep(10);
    assert.equal(t.cancelling(), 0);
    assert.equal(t.done(), false);
    assert.equal(t.cancel(), true);
    assert.equal(t.cancelling(), 1);
    await expectCancelled(t);
    assert.equal(t.cancelled(), true);
    t.uncancel();
    assert.equal(t.cancelled(), true);
    assert.equal(t.done(), true);
  });
});

// test_tasks.py: test_uncancel_structured_blocks
test("a hand-made timeout using cancel()/uncancel() lets the code after it run uncancelled", async () => {
  async function makeRequestWithTimeout(sleepMs: number, timeoutMs: number) {
    const task = currentTask() as Task<unknown>;
    let timedOut = false;
    let blockFinished = false;
    let outerReached = false;
    const timer = createTask(async () => {
      await sleep(timeoutMs);
      timedOut = true;
      task.cancel();
    });
    try {
      try {
        await sleep(sleepMs);
        blockFinished = true;
      } catch (e) {
        timer.cancel();
        if (timedOut && task.uncancel() === 0 && e instanceof CancelledError) throw new TimeoutError();
        throw e;
      }
      timer.cancel();
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      assert.ok(timedOut);
    }
    outerReached = true;
    await sleep(0);
    return { timedOut, blockFinished, outerReached };
  }

  await runVirtual(async () => {
    const t1 = createTask(() => makeRequestWithTimeout(10_000, 100));
    assert.deepEqual(await t1, { timedOut: true, blockFinished: false, outerReached: true });
    assert.equal(t1.cancelling(), 0);
    const t2 = createTask(() => makeRequestWithTimeout(0, 10_000));
    assert.deepEqual(await t2, { timedOut: false, blockFinished: true, outerReached: true });
    assert.equal(t2.cancelling(), 0);
  });
});

// test_tasks.py: test_uncancel_resets_must_cancel
test("uncancel() before a woken task resumes drops the pending cancellation", async () => {
  await runVirtual(async () => {
    const fut = new Future<void>();
    const t = createTask(async () => {
      await fut;
      return 42;
    });
    await sleep(0);
    fut.setResult();
    t.cancel();
    assert.equal(t.cancelling(), 1);
    t.uncancel();
    assert.equal(t.cancelling(), 0);
    assert.equal(await t, 42);
  });
});

// test_tasks.py: test_cancel_with_message_then_future_result, test_cancel_with_message_then_future_exception
test("result() and exception() of a task cancelled with a message throw CancelledError with it", async () => {
  await runVirtual(async () => {
    for (const [message, expected] of [
      [undefined, ""],
      ["my message", "my message"],
    ] as const) {
      const t = createTask(() => sleep(10_000));
      await sleep(0);
      t.cancel(message);
      await wait([t]);
      assert.throws(() => t.result(), isCancel(expected));
      assert.throws(() => t.exception(), isCancel(expected));
    }
  });
});

// test_tasks.py: test_cancellation_exception_context
test("awaiting a task that is cancelled with a message throws CancelledError carrying it", async () => {
  await runVirtual(async () => {
    const fut = new Future<void>();
    const outer = createTask(async () => {
      const inner = createTask(async () => {
        fut.setResult();
        await sleep(10_000);
      });
      await fut;
      createTask(async () => {
        inner.cancel("msg");
      });
      try {
        await inner;
      } catch (e) {
        throw new Error("cancelled", { cause: e });
      }
    });
    const e = await rejection(outer);
    assert.ok(e instanceof Error);
    assert.equal(e.message, "cancelled");
    assert.ok(isCancel("msg")(e.cause));
  });
});

// test_tasks.py: test_task_cancel_sleeping_task
test("a task whose awaited task is cancelled from elsewhere gets CancelledError and may go on", async () => {
  const result = await runVirtual(async () => {
    const sleeper = createTask(() => sleep(5_000_000));
    createTask(async () => {
      await sleep(100);
      sleeper.cancel();
    });
    try {
      await sleeper;
      return "slept in";
    } catch (e) {
      if (e instanceof CancelledError) return `cancelled at ${now()}`;
      throw e;
    }
  });
  assert.equal(result, "cancelled at 100");
});

// test_tasks.py: test_task_set_methods
test("setResult and setException are refused on a task", async () => {
  await runVirtual(async () => {
    const t = createTask(async () => "ko");
    assert.throws(() => t.setResult("ok"), InvalidStateError);
    assert.throws(() => t.setException(new Error("no")), InvalidStateError);
    assert.equal(await t, "ko");
  });
});

// test_tasks.py: test_task_awaits_on_itself
test("a task that awaits itself fails with an error, not a hang", async () => {
  await runVirtual(async () => {
    const t: Task<void> = createTask(async () => {
      await t;
    });
    const e = await rejection(t);
    assert.ok(e instanceof Error && !(e instanceof CancelledError));
    assert.match(e.message, /itself/);
  });
});

// test_tasks.py: test_current_task, test_current_task_with_interleaving_tasks
test("currentTask() is the task whose code runs, as tasks interleave, and undefined outside", async () => {
  assert.equal(currentTask(), undefined);
  await runVirtual(async () => {
    const fut1 = new Future<boolean>();
    const fut2 = new Future<boolean>();
    const seen: boolean[] = [];
    const task1: Task<void> = createTask(async () => {
      seen.push(currentTask() === task1);
      await fut1;
      seen.push(currentTask() === task1);
      fut2.setResult(true);
    });
    const task2: Task<void> = createTask(async () => {
      seen.push(currentTask() === task2);
      fut1.setResult(true);
      await fut2;
      seen.push(currentTask() === task2);
    });
    await wait([task1, task2]);
    assert.deepEqual(seen, [true, true, true, true]);
  });
  assert.equal(currentTask(), undefined);
});

// test_tasks.py: SleepTests.test_sleep_zero, test_sleep
test("sleep(0) lets already-queued callbacks run first; sleep(ms, value) resolves with value", async () => {
  await runVirtual(async () => {
    const result = { value: 0 };
    const f = new Future<void>();
    f.addDoneCallback(() => {
      result.value += 1;
    });
    f.setResult();
    assert.equal(result.value, 0);
    const num = await sleep(0, 10);
    assert.equal(result.value, 1);
    assert.equal(num, 10);
    await sleep(50);
    assert.equal(await sleep(50, "yeah"), "yeah");
    assert.equal(now(), 100);
  });
});

// test_tasks.py: test_yield_future_passes_cancel
test("cancelling a task reaches the future awaited by a coroutine it awaits", async () => {
  await runVirtual(
    async () => {
      let proof = 0;
      const waiter = new Future<void>();
      async function inner() {
        try {
          await waiter;
        } catch (e) {
          proof += 1;
          throw e;
        }
        assert.fail("got past the wait in inner()");
      }
      const f = createTask(async () => {
        try {
          await inner();
          proof += 10;
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          proof += 100;
        }
      });
      await sleep(0);
      f.cancel();
      await f;
      assert.equal(proof, 101);
      assert.equal(waiter.cancelled(), true);
    },
    { expectReports: [SWALLOWED_CANCEL] },
  );
});

// test_tasks.py: test_yield_wait_does_not_shield_cancel
test("cancelling a task waiting in wait() stops the wait but leaves the waited task running", async () => {
  await runVirtual(async () => {
    let proof = 0;
    const waiter = new Future<void>();
    let inner: Task<void> | undefined;
    const f = createTask(async () => {
      inner = createTask(async () => {
        await waiter;
        proof += 1;
      });
      await wait([inner]);
      proof += 100;
    });
    await sleep(0);
    f.cancel();
    await expectCancelled(f);
    waiter.setResult();
    await inner;
    assert.equal(proof, 1);
  });
});

// ── shield ──

// test_tasks.py: test_shield_result, test_shield_shortcut
test("shield passes the inner result through, and a done future through at once", async () => {
  await runVirtual(async () => {
    const inner = new Future<number>();
    const outer = shield(inner);
    inner.setResult(42);
    assert.equal(await outer, 42);
    const done = new Future<number>();
    done.setResult(7);
    assert.equal(await shield(done), 7);
  });
});

// test_tasks.py: test_shield_exception
test("shield passes the inner error through", async () => {
  await runVirtual(async () => {
    const inner = new Future<number>();
    const outer = shield(inner);
    await sleep(0);
    const error = new Error("expected");
    inner.setException(error);
    await sleep(0);
    assert.equal(outer.exception(), error);
  });
});

// test_tasks.py: test_shield_cancel_inner
test("cancelling the inner future cancels the shield", async () => {
  await runVirtual(async () => {
    const inner = new Future<number>();
    const outer = shield(inner);
    await sleep(0);
    inner.cancel();
    await sleep(0);
    assert.equal(outer.cancelled(), true);
  });
});

// test_tasks.py: test_shield_cancel_outer, test_shield_cancel_outer_result
test("cancelling the shield leaves the inner future alone, and its later result is not reported", async () => {
  const reports: LoopReport[] = [];
  await runVirtual(
    async () => {
      const inner = new Future<number>();
      const outer = shield(inner);
      await sleep(0);
      assert.equal(outer.cancel(), true);
      await sleep(0);
      assert.equal(outer.cancelled(), true);
      assert.equal(inner.cancelled(), false);
      assert.equal(inner.done(), false);
      inner.setResult(1);
      await sleep(0);
      assert.equal(outer.cancelled(), true);
      assert.equal(await inner, 1);
    },
    { reports },
  );
  assert.deepEqual(reports, []);
});

// test_tasks.py: test_shield_cancel_outer_exception, test_shield_duplicate_log_once
test("an error of work whose shields were all cancelled is reported once as never retrieved", async () => {
  const reports: LoopReport[] = [];
  const error = new Error("foo");
  await runVirtual(
    async () => {
      const inner = new Future<number>();
      const outer1 = shield(inner);
      await sleep(0);
      outer1.cancel();
      await sleep(0);
      const outer2 = shield(inner);
      await sleep(0);
      outer2.cancel();
      await sleep(0);
      inner.setException(error);
      await sleep(0);
    },
    { reports },
  );
  assert.equal(reports.length, 1);
  assert.match(reports[0]!.message, /never retrieved/);
  assert.equal(reports[0]!.error, error);
});

// test_tasks.py: test_shield_effect
test("cancelling a task awaiting a shield leaves the shielded work running to completion", async () => {
  await runVirtual(async () => {
    let proof = 0;
    const waiter = new Future<void>();
    const inner = async () => {
      await waiter;
      proof += 1;
    };
    const f = createTask(async () => {
      await shield(inner);
      proof += 100;
    });
    await sleep(0);
    f.cancel();
    await expectCancelled(f);
    waiter.setResult();
    await sleep(0);
    await sleep(0);
    assert.equal(proof, 1);
  });
});

// test_tasks.py: test_shield_gather
test("a shielded gather keeps gathering after the shield is cancelled", async () => {
  await runVirtual(async () => {
    const child1 = new Future<number>();
    const child2 = new Future<number>();
    const parent = gather(child1, child2);
    const outer = shield(parent);
    await sleep(0);
    outer.cancel();
    await sleep(0);
    assert.equal(outer.cancelled(), true);
    child1.setResult(1);
    child2.setResult(2);
    assert.deepEqual(await parent, [1, 2]);
  });
});

// test_tasks.py: test_gather_shield
test("cancelling a gather of shields cancels the shields, not the futures behind them", async () => {
  await runVirtual(async () => {
    const child1 = new Future<number>();
    const child2 = new Future<number>();
    const inner1 = shield(child1);
    const inner2 = shield(child2);
    const parent = gather(inner1, inner2);
    await sleep(0);
    parent.cancel();
    await sleep(0);
    assert.ok(parent.exception() instanceof CancelledError);
    assert.equal(inner1.cancelled(), true);
    assert.equal(inner2.cancelled(), true);
    assert.equal(child1.cancelled(), false);
    assert.equal(child2.cancelled(), false);
    child1.setResult(1);
    child2.setResult(2);
  });
});

// ── gather ──

// test_tasks.py: GatherTestsBase.test_success, test_result_exception_success
test("gather resolves once every child is done, with results in argument order, calling back once", async () => {
  await runVirtual(async () => {
    for (const returnExceptions of [false, true]) {
      const [a, b, c] = [new Future<number>(), new Future<number>(), new Future<number>()];
      const fut = gather([a, b, c], { returnExceptions });
      let calls = 0;
      fut.addDoneCallback(() => calls++);
      b.setResult(1);
      a.setResult(2);
      await sleep(0);
      await sleep(0);
      assert.equal(calls, 0);
      assert.equal(fut.done(), false);
      c.setResult(3);
      assert.deepEqual(await fut, [2, 1, 3]);
      await sleep(0);
      assert.equal(calls, 1);
    }
  });
});

// test_tasks.py: GatherTestsBase.test_one_exception
test("gather fails with the first child error while the other children go on", async () => {
  await runVirtual(async () => {
    const [a, b, c, d, e] = Array.from({ length: 5 }, () => new Future<number>()) as [
      Future<number>,
      Future<number>,
      Future<number>,
      Future<number>,
      Future<number>,
    ];
    const fut = gather(a, b, c, d, e);
    let calls = 0;
    fut.addDoneCallback(() => calls++);
    const error = new RangeError("zero division");
    a.setResult(1);
    b.setException(error);
    await sleep(0);
    await sleep(0);
    assert.equal(fut.done(), true);
    assert.equal(calls, 1);
    assert.equal(fut.exception(), error);
    assert.equal(c.done(), false);
    c.setResult(3);
    d.cancel();
    e.setException(new Error("later"));
    e.exception();
    await sleep(0);
    assert.equal(fut.exception(), error);
  });
});

// test_tasks.py: GatherTestsBase.test_return_exceptions
test("gather with returnExceptions collects errors as values and waits for every child", async () => {
  await runVirtual(async () => {
    const [a, b, c, d] = [new Future<number>(), new Future<number>(), new Future<number>(), new Future<number>()];
    const fut = gather([a, b, c, d], { returnExceptions: true });
    const exc = new RangeError("zero division");
    const exc2 = new Error("runtime");
    b.setResult(1);
    c.setException(exc);
    a.setResult(3);
    await sleep(0);
    await sleep(0);
    assert.equal(fut.done(), false);
    d.setException(exc2);
    assert.deepEqual(await fut, [3, 1, exc, exc2]);
  });
});

// test_tasks.py: FutureGatherTests.test_one_cancellation
test("gather fails with CancelledError when a child is cancelled, without being cancelled itself", async () => {
  await runVirtual(async () => {
    const [a, b, c] = [new Future<number>(), new Future<number>(), new Future<number>()];
    const fut = gather(a, b, c);
    a.setResult(1);
    b.cancel();
    await sleep(0);
    await sleep(0);
    assert.equal(fut.done(), true);
    assert.equal(fut.cancelled(), false);
    assert.ok(fut.exception() instanceof CancelledError);
    c.setResult(3);
  });
});

// test_tasks.py: FutureGatherTests.test_result_exception_one_cancellation
test("gather with returnExceptions reports cancelled children as CancelledError values", async () => {
  await runVirtual(async () => {
    const fs = Array.from({ length: 6 }, () => new Future<number>());
    const [a, b, c, d, e, f] = fs as [
      Future<number>,
      Future<number>,
      Future<number>,
      Future<number>,
      Future<number>,
      Future<number>,
    ];
    const fut = gather(fs, { returnExceptions: true });
    a.setResult(1);
    const zde = new RangeError("zero division");
    b.setException(zde);
    c.cancel();
    await sleep(0);
    assert.equal(fut.done(), false);
    d.setResult(3);
    e.cancel();
    const rte = new Error("runtime");
    f.setException(rte);
    const res = await fut;
    assert.ok(res[2] instanceof CancelledError);
    assert.ok(res[4] instanceof CancelledError);
    assert.deepEqual([res[0], res[1], res[3], res[5]], [1, zde, 3, rte]);
  });
});

// test_tasks.py: CoroutineGatherTests.test_duplicate_coroutines
test("gather runs an awaitable passed several times once and repeats its result", async () => {
  const result = await runVirtual(async () => {
    let runs = 0;
    const abc = async () => {
      runs++;
      return "abc";
    };
    const def = async () => "def";
    const res = await gather(abc, abc, def, abc);
    return { res, runs };
  });
  assert.deepEqual(result, { res: ["abc", "abc", "def", "abc"], runs: 1 });
});

// test_tasks.py: CoroutineGatherTests.test_cancellation_broadcast
test("cancelling a task awaiting gather cancels every child, and the gather is then done", async () => {
  await runVirtual(async () => {
    let proof = 0;
    const waiter = new Future<void>();
    const inner = async () => {
      await waiter;
      proof += 1;
    };
    const child1 = createTask(inner);
    const child2 = createTask(inner);
    let gatherer: Future<unknown> | undefined;
    const f = createTask(async () => {
      gatherer = gather(child1, child2);
      await gatherer;
      proof += 100;
    });
    await sleep(0);
    assert.equal(f.cancel(), true);
    await expectCancelled(f);
    assert.equal(gatherer?.cancel(), false);
    assert.equal(waiter.cancelled(), true);
    assert.equal(child1.cancelled(), true);
    assert.equal(child2.cancelled(), true);
    await sleep(0);
    assert.equal(proof, 0);
  });
});

// test_tasks.py: CoroutineGatherTests.test_exception_marking
test("gather marks the errors of children failing after the first as retrieved", async () => {
  const reports: LoopReport[] = [];
  await runVirtual(
    async () => {
      const a = new Future<void>();
      const b = new Future<void>();
      const inner = (f: Future<void>) => async () => {
        await f;
        throw new Error("should not be ignored");
      };
      const f = createTask(async () => {
        await gather(inner(a), inner(b));
      });
      await sleep(0);
      a.setResult();
      await sleep(0);
      b.setResult();
      await sleep(10);
      assert.ok(f.done());
      assert.match((f.exception() as Error).message, /should not be ignored/);
    },
    { reports },
  );
  assert.deepEqual(reports, []);
});

// test_tasks.py: test_cancel_gather_1
test("a gather whose children are all done refuses to be cancelled", async () => {
  await runVirtual(async () => {
    const fut = new Future<number>();
    const gathering = gather(async () => await fut);
    await sleep(0);
    let cancelResult: boolean | undefined;
    fut.addDoneCallback(() => {
      cancelResult = gathering.cancel();
    });
    fut.setResult(42);
    await wait([gathering]);
    assert.equal(cancelResult, false);
    assert.equal(gathering.cancelled(), false);
    assert.deepEqual(gathering.result(), [42]);
  });
});

// test_tasks.py: test_cancel_gather_2
test("cancelling a task awaiting a returnExceptions gather propagates CancelledError with the message", async () => {
  for (const [message, expected] of [
    [undefined, ""],
    ["my message", "my message"],
  ] as const) {
    await runVirtual(async () => {
      const qwe = createTask(async () => {
        let time = 0;
        for (;;) {
          time += 50;
          await gather([() => sleep(50)], { returnExceptions: true });
          if (time > 1000) return;
        }
      });
      await sleep(200);
      qwe.cancel(message);
      await expectCancelled(qwe, expected);
    });
  }
});

// ── wait and asCompleted ──

// test_tasks.py: test_wait
test("wait() returns every task in done once all finished, at the time of the slowest", async () => {
  await runVirtual(async () => {
    const a = createTask(() => sleep(100));
    const b = createTask(() => sleep(150));
    const { done, pending } = await wait([b, a]);
    assert.deepEqual(done, new Set([a, b]));
    assert.equal(pending.size, 0);
    assert.equal(now(), 150);
    const again = await wait([b, a]);
    assert.deepEqual(again.done, new Set([a, b]));
    assert.equal(now(), 150);
  });
});

// test_tasks.py: test_wait_first_completed, test_wait_really_done
test("wait(FIRST_COMPLETED) returns at the first finish, counting every task already done then", async () => {
  await runVirtual(async () => {
    const a = createTask(() => sleep(10_000));
    const b = createTask(() => sleep(100));
    const r = await wait([b, a], { returnWhen: FIRST_COMPLETED });
    assert.deepEqual(r.done, new Set([b]));
    assert.deepEqual(r.pending, new Set([a]));
    assert.equal(a.done(), false);
    assert.equal(now(), 100);
    a.cancel();

    const c = createTask(async () => {
      await sleep(0);
    });
    const d = createTask(async () => {
      await sleep(0);
      await sleep(0);
    });
    const r2 = await wait([d, c], { returnWhen: FIRST_COMPLETED });
    assert.deepEqual(r2.done, new Set([c, d]));
  });
});

// test_tasks.py: test_wait_first_exception, test_wait_first_exception_in_wait
test("wait(FIRST_EXCEPTION) returns at the first failure and leaves the rest pending", async () => {
  await runVirtual(async () => {
    const a = createTask(() => sleep(10_000));
    const b = createTask(async () => {
      await sleep(10);
      throw new RangeError("err");
    });
    const { done, pending } = await wait([b, a], { returnWhen: FIRST_EXCEPTION });
    assert.deepEqual(done, new Set([b]));
    assert.deepEqual(pending, new Set([a]));
    assert.equal(now(), 10);
    assert.ok(b.exception() instanceof RangeError);
    a.cancel();
  });
});

// test_tasks.py: test_wait_with_timeout, test_wait_duplicate_coroutines, test_wait_errors
test("wait() with a timeout returns what is done then; duplicates count once; an empty list is refused", async () => {
  await runVirtual(
    async () => {
      const a = createTask(() => sleep(100));
      const b = createTask(() => sleep(150));
      const r = await wait([b, a], { timeout: 110 });
      assert.deepEqual(r.done, new Set([a]));
      assert.deepEqual(r.pending, new Set([b]));
      assert.equal(now(), 110);
      assert.equal(b.cancelled(), false);

      const c = createTask(async () => "test");
      const r2 = await wait([c, c, createTask(async () => "spam")]);
      assert.equal(r2.pending.size, 0);
      assert.deepEqual(new Set([...r2.done].map((f) => f.result())), new Set(["test", "spam"]));

      // asyncio raises ValueError; aio throws TypeError, at once (docs/differences-from-asyncio.md).
      assert.throws(
        () => wait([]),
        (e: unknown) => e instanceof TypeError && /Expected `aws` to be a non-empty/.test(e.message),
      );
    },
    { expectReports: [PENDING_AT_EXIT] },
  );
});

// test_tasks.py: test_as_completed, test_as_completed_same_tasks_in_as_out
test("asCompleted yields in finishing order, handing back the very tasks passed in", async () => {
  await runVirtual(async () => {
    const sleeper = (ms: number, x: string) => () => sleep(ms, x);
    const c = createTask(sleeper(150, "c"));
    const values: string[] = [];
    const out = new Set<unknown>();
    for await (const f of asCompleted([sleeper(10, "b"), c, sleeper(10, "a")])) {
      out.add(f);
      values.push(await f);
    }
    assert.deepEqual(new Set(values.slice(0, 2)), new Set(["a", "b"]));
    assert.equal(values[2], "c");
    assert.ok(out.has(c));
    assert.equal(now(), 150);
  });
});

// test_tasks.py: test_as_completed_with_timeout
test("asCompleted's timeout throws TimeoutError from the iteration and cancels nothing", async () => {
  await runVirtual(async () => {
    const a = createTask(() => sleep(100, "a"));
    const b = createTask(() => sleep(150, "b"));
    const values: unknown[] = [];
    try {
      for await (const f of asCompleted([a, b], { timeout: 120 })) values.push(await f);
    } catch (e) {
      values.push(e);
    }
    assert.equal(values.length, 2);
    assert.equal(values[0], "a");
    assert.ok(values[1] instanceof TimeoutError);
    assert.equal(now(), 120);
    assert.equal(b.cancelled(), false);
    assert.equal(await b, "b");
  });
});

// ── More cases from test_tasks.py ──

// test_tasks.py: test_cancel_yield
test("a task cancelled between two sleep(0)s ends cancelled, and a second cancel returns false", async () => {
  await runVirtual(async () => {
    const t = createTask(async () => {
      await sleep(0);
      await sleep(0);
      return 12;
    });
    await sleep(0); // start the task
    t.cancel();
    await expectCancelled(t);
    assert.ok(t.done());
    assert.ok(t.cancelled());
    assert.equal(t.cancel(), false);
  });
});

// test_tasks.py: test_task_cancel_waiter_future
test("cancelling a task that awaits a future cancels the future", async () => {
  await runVirtual(async () => {
    const fut = new Future<void>();
    const task = createTask(async () => {
      await fut;
    });
    await sleep(0);
    task.cancel();
    await sleep(0);
    await expectCancelled(task);
    assert.ok(fut.cancelled());
  });
});

// test_tasks.py: test_tb_logger_not_called_after_cancel
test("cancel() on a task that already failed silences its never-retrieved report", async () => {
  const reports: LoopReport[] = [];
  await runVirtual(
    async () => {
      const task = createTask(async () => {
        throw new TypeError("boom");
      });
      await sleep(50);
      assert.equal(task.cancel(), false);
    },
    { reports },
  );
  assert.deepEqual(
    reports.map((r) => r.message),
    [],
  );
});

// test_tasks.py: test_exception_traceback
test("exception() returns the very error the task raised, with its stack", async () => {
  await runVirtual(async () => {
    const error = new RangeError("1 / 0");
    const task = createTask(async () => {
      throw error;
    });
    await sleep(0);
    assert.equal(task.exception(), error);
    assert.ok(typeof (task.exception() as Error).stack === "string");
  });
});

// test_tasks.py: test_bare_create_task, test_bare_create_named_task
test("createTask returns a Task, awaitable for its result, with the name given", async () => {
  await runVirtual(async () => {
    const task = createTask(async () => 1);
    assert.ok(task instanceof Task);
    assert.equal(await task, 1);
    const named = createTask(async () => {}, { name: "No-op" });
    assert.equal(named.name, "No-op");
    await named;
  });
});

// test_tasks.py: test_task_repr_autogenerated, test_task_set_name_pylong
test("autogenerated names count up; a name set later is converted to a string", async () => {
  await runVirtual(async () => {
    const t1 = createTask(async () => 123);
    const t2 = createTask(async () => 123);
    assert.notEqual(String(t1), String(t2));
    const n1 = Number(/^Task-(\d+)$/.exec(t1.name)?.[1]);
    const n2 = Number(/^Task-(\d+)$/.exec(t2.name)?.[1]);
    assert.ok(n1 < n2, `${t1.name} < ${t2.name}`);
    (t2 as { name: unknown }).name = 123456789;
    assert.equal(t2.name, "123456789");
    await t1;
    await t2;
  });
});

// test_tasks.py: test_wait_with_exception
test("wait ALL_COMPLETED returns failed tasks among the done ones", async () => {
  await runVirtual(async () => {
    const a = createTask(() => sleep(100));
    const b = createTask(async () => {
      await sleep(150);
      throw new RangeError("really");
    });
    for (let i = 0; i < 2; i++) {
      const { done, pending } = await wait([b, a]);
      assert.equal(done.size, 2);
      assert.equal(pending.size, 0);
      assert.equal([...done].filter((f) => f.exception() !== undefined).length, 1);
      assert.equal(now(), 150);
    }
  });
});

// test_tasks.py: test_wait_concurrent_complete
test("wait with a timeout that falls when one task completes returns it as done", async () => {
  await runVirtual(async () => {
    const a = createTask(() => sleep(100));
    const b = createTask(() => sleep(150));
    const { done, pending } = await wait([b, a], { timeout: 100 });
    assert.deepEqual(done, new Set([a]));
    assert.deepEqual(pending, new Set([b]));
    assert.equal(now(), 100);
    await b;
  });
});

// test_tasks.py: test_wait_with_iterator_of_tasks, test_wait_generator
test("wait takes any iterable of tasks, a generator too", async () => {
  await runVirtual(async () => {
    const a = createTask(() => sleep(100));
    const b = createTask(() => sleep(150));
    const r1 = await wait([b, a][Symbol.iterator]());
    assert.deepEqual(r1.done, new Set([a, b]));
    assert.equal(r1.pending.size, 0);
    assert.equal(now(), 150);
    function* tasks() {
      for (let i = 0; i < 10; i++) yield createTask(async () => i);
    }
    const r2 = await wait(tasks(), { returnWhen: "ALL_COMPLETED" });
    assert.equal(r2.done.size, 10);
    assert.equal(r2.pending.size, 0);
  });
});

// test_tasks.py: test_as_completed_with_unused_timeout
test("asCompleted with a timeout that never falls yields every task", async () => {
  await runVirtual(async () => {
    const seen: unknown[] = [];
    for await (const f of asCompleted([() => sleep(10, "a")], { timeout: 1000 })) {
      seen.push(await (f as unknown as Task<string>));
    }
    assert.deepEqual(seen, ["a"]);
    assert.equal(now(), 10);
  });
});

// test_tasks.py: test_as_completed_duplicate_coroutines (with a task passed twice)
test("asCompleted yields a task passed twice once", async () => {
  await runVirtual(async () => {
    const c = createTask(async () => "ham");
    const result: string[] = [];
    for await (const f of asCompleted([c, c, createTask(async () => "spam")])) {
      result.push(await (f as unknown as Task<string>));
    }
    assert.deepEqual(new Set(result), new Set(["ham", "spam"]));
    assert.equal(result.length, 2);
  });
});

// test_tasks.py: FutureGatherTests.test_constructor_empty_sequence_use_running_loop
test("gather() of nothing resolves to an empty array", async () => {
  await runVirtual(async () => {
    const fut = gather();
    assert.ok(fut instanceof Future);
    assert.deepEqual(await fut, []);
    assert.ok(fut.done());
  });
});

// test_tasks.py: CoroutineGatherTests.test_issue46672
test("gather with a non-awaitable throws TypeError and reports nothing", async () => {
  const reports: LoopReport[] = [];
  await runVirtual(
    async () => {
      assert.throws(() => gather(async () => "abc", {} as never), TypeError);
      await sleep(0);
    },
    { reports },
  );
  assert.deepEqual(reports, []);
});

// ── More task cases ──

// test_tasks.py: test_task_set_name_pylong
test("a task created with a numeric name gets it as a string", async () => {
  await runVirtual(async () => {
    const t = createTask(async () => {}, { name: 0xffffffffffffffffn as never });
    assert.equal(t.name, "18446744073709551615");
    const u = createTask(async () => {}, { name: 42 as never });
    assert.equal(u.name, "42");
    assert.throws(() => createTask(async () => {}, { name: {} as never }), TypeError);
    await t;
    await u;
  });
});

// test_tasks.py: test_current_task (allTasks counts the live tasks of the running loop)
test("allTasks holds the running tasks, the current one included, and drops them as they finish", async () => {
  await runVirtual(async () => {
    const main = currentTask();
    const a = createTask(() => sleep(10));
    const b = createTask(() => sleep(20));
    assert.deepEqual(allTasks(), new Set([main, a, b]));
    await a;
    assert.deepEqual(allTasks(), new Set([main, b]));
    await b;
    assert.deepEqual(allTasks(), new Set([main]));
  });
});

// test_tasks.py: test_cancel_yield (cancelled between two sleep(0)s, the code after never runs)
test("a task cancelled after its first step never runs the code after its next await", async () => {
  await runVirtual(async () => {
    const log: string[] = [];
    const t = createTask(async () => {
      log.push("start");
      await sleep(0);
      log.push("after first");
      await sleep(0);
      log.push("after second");
      return 12;
    });
    await sleep(0);
    t.cancel();
    await expectCancelled(t);
    assert.deepEqual(log, ["start"]);
  });
});

// test_tasks.py: test_cancel_task_catching (a task that catches the cancel and returns is not cancelled)
test("a task that catches the cancel of a future it awaits returns normally and counts one cancel request", async () => {
  await runVirtual(
    async () => {
      const fut1 = new Future<void>();
      const fut2 = new Future<void>();
      const t = createTask(async () => {
        await fut1;
        try {
          await fut2;
        } catch (e) {
          if (e instanceof CancelledError) return 42;
          throw e;
        }
        return 0;
      });
      await sleep(0);
      fut1.setResult(undefined);
      await sleep(0);
      t.cancel();
      assert.equal(fut2.cancelled(), true);
      assert.equal(t.cancelling(), 1);
      assert.equal(await t, 42);
      assert.equal(t.cancelled(), false);
    },
    { expectReports: [SWALLOWED_CANCEL] },
  );
});

// test_tasks.py: test_cancel_both_task_and_inner_future (the order reversed: task first, then the future)
test("cancelling the task and then its already-cancelled future ends the task cancelled once", async () => {
  await runVirtual(async () => {
    const f = new Future<number>();
    const t = createTask(async () => {
      await f;
      return 12;
    });
    await sleep(0);
    assert.equal(t.cancel(), true);
    assert.equal(f.cancel(), false);
    await expectCancelled(t);
    assert.equal(f.cancelled(), true);
    assert.equal(t.cancelled(), true);
  });
});

// test_tasks.py: test_cancelling (cancel() twice counts twice)
test("cancel() on a pending task returns true each time and counts each request", async () => {
  await runVirtual(async () => {
    const t = createTask(() => sleep(10_000));
    assert.equal(t.cancelling(), 0);
    assert.equal(t.cancel(), true);
    assert.equal(t.cancel(), true);
    assert.equal(t.cancelling(), 2);
    await expectCancelled(t);
    assert.equal(t.cancel(), false);
  });
});

// test_tasks.py: test_step_result_future (a task resumes with the very object the future resolves to)
test("a task awaiting a future gets the very object set on it", async () => {
  await runVirtual(async () => {
    const fut = new Future<object>();
    let result: object | undefined;
    const t = createTask(async () => {
      result = await fut;
    });
    await sleep(0);
    const res = { unique: true };
    fut.setResult(res);
    await t;
    assert.equal(result, res);
    assert.equal(t.result(), undefined);
  });
});

// test_tasks.py: test_exception_traceback (a task's error keeps its stack)
test("a failed task's error is available from exception() once done, without awaiting the task", async () => {
  const reports: LoopReport[] = [];
  await runVirtual(
    async () => {
      const t = createTask(async () => {
        throw new RangeError("1 / 0");
      });
      await sleep(0);
      const e = t.exception();
      assert.ok(e instanceof RangeError);
      assert.ok((e as Error).stack?.includes("RangeError"));
    },
    { reports },
  );
  assert.deepEqual(reports, []);
});

// ── Callbacks run in a running loop (asyncio: create_task from a done callback) ──

// test_tasks.py: test_context_2 / base_events call_soon: a callback runs outside any task, but the loop is running
test("a done callback can start a task on the running loop; it runs on the loop's clock", async () => {
  await runVirtual(async () => {
    const fut = new Future<void>();
    let started: Task<number> | undefined;
    let inCallback: unknown = "unset";
    fut.addDoneCallback(() => {
      inCallback = currentTask();
      started = createTask(async () => {
        await sleep(100);
        return now();
      });
    });
    fut.setResult(undefined);
    await sleep(0);
    assert.equal(inCallback, undefined);
    assert.ok(started !== undefined);
    assert.equal(allTasks().has(started as Task<unknown>), true);
    assert.equal(await started, 100);
  });
});

// runners.py: _cancel_all_tasks (a task started from a callback is cancelled at the end like any other)
test("a task started from a done callback and left running is cancelled when run ends", async () => {
  let started: Task<void> | undefined;
  await runVirtual(
    async () => {
      const fut = new Future<void>();
      fut.addDoneCallback(() => {
        started = createTask(() => sleep(60_000));
      });
      fut.setResult(undefined);
      await sleep(0);
    },
    { expectReports: [PENDING_AT_EXIT] },
  );
  assert.equal(started?.cancelled(), true);
});

// base_events.py: all_tasks() and futures made inside a callback belong to the running loop
test("in a done callback, allTasks lists the running loop's tasks and new futures belong to that loop", async () => {
  await runVirtual(async () => {
    const fut = new Future<void>();
    const sleeper = createTask(() => sleep(1000));
    let seen: Set<Task<unknown>> | undefined;
    let made: Future<string> | undefined;
    let seenLater: Set<Task<unknown>> | undefined;
    fut.addDoneCallback(() => {
      seen = allTasks();
      made = new Future<string>();
      made.addDoneCallback(() => {
        seenLater = allTasks();
      });
    });
    fut.setResult(undefined);
    await sleep(0);
    assert.ok(seen?.has(sleeper));
    assert.ok(seen?.has(currentTask() as Task<unknown>));
    const waiter = createTask(async () => await (made as Future<string>));
    await sleep(10);
    made?.setResult("from the callback's future");
    assert.equal(await waiter, "from the callback's future");
    await sleep(0);
    assert.ok(seenLater?.has(sleeper), "the future's own callbacks run on the same loop");
    sleeper.cancel();
  });
});

// timeouts.py: a timeout started from a callback of the loop runs on that loop's clock
test("a timeout started from a done callback runs on the running loop and its clock", async () => {
  await runVirtual(async () => {
    const fut = new Future<void>();
    let scoped: Promise<void> | undefined;
    fut.addDoneCallback(() => {
      scoped = timeout(100, () => sleep(1000));
    });
    fut.setResult(undefined);
    await sleep(0);
    const e = await rejection(scoped as Promise<void>);
    assert.ok(e instanceof TimeoutError);
    assert.equal(now(), 100);
  });
});

// ── Scheduling order (asyncio's FIFO ready queue) ──

// test_tasks.py: test_task_basics / base_events.call_soon (tasks and callbacks start in the order they were scheduled)
test("new tasks and done callbacks run in the order they were scheduled", async () => {
  await runVirtual(async () => {
    const log: string[] = [];
    const done = new Future<void>();
    done.setResult(undefined);
    createTask(async () => {
      log.push("A");
    });
    done.addDoneCallback(() => log.push("cb"));
    createTask(async () => {
      log.push("B");
    });
    await sleep(0);
    log.push("main");
    assert.deepEqual(log, ["A", "cb", "B", "main"]);
  });
});

// test_locks.py: EventTests.test_wait (woken waiters run before a task created after set())
test("waiters woken by set() run before a task created after it", async () => {
  await runVirtual(async () => {
    const log: string[] = [];
    const ev = new Event();
    createTask(async () => {
      await ev.wait();
      log.push("w1");
    });
    createTask(async () => {
      await ev.wait();
      log.push("w2");
    });
    await sleep(0);
    ev.set();
    createTask(async () => {
      log.push("late");
    });
    await sleep(0);
    log.push("main");
    assert.deepEqual(log, ["w1", "w2", "late", "main"]);
  });
});

// test_locks.py: LockTests.test_acquire (each release hands the lock to the longest waiter)
test("tasks that take a lock in a loop take turns in FIFO order", async () => {
  await runVirtual(async () => {
    const log: string[] = [];
    const lock = new Lock();
    const worker = (n: string) => async () => {
      for (let i = 0; i < 2; i++) {
        await lock.acquire();
        log.push(`${n}${i}`);
        await sleep(0);
        lock.release();
      }
    };
    const ts = ["a", "b", "c"].map((n) => createTask(worker(n)));
    for (const t of ts) await t;
    assert.deepEqual(log, ["a0", "b0", "c0", "a1", "b1", "c1"]);
  });
});

// ── Awaiting what is already done is not a point where a cancel is delivered ──

// futures.py: Future.__await__ (a done future does not suspend); test_tasks.py: test_cancel_current_task
test("a task that cancelled itself gets the result of a done future, and the cancel at its next real wait", async () => {
  await runVirtual(async () => {
    const log: string[] = [];
    const done = new Future<number>();
    done.setResult(5);
    const t = createTask(async () => {
      currentTask()?.cancel("self");
      const v = await done;
      log.push(`after done future ${v}`);
      await sleep(100);
      log.push("not reached");
    });
    await expectCancelled(t, "self");
    assert.deepEqual(log, ["after done future 5"]);
    assert.equal(now(), 0);
  });
});

// futures.py: Future.__await__ on a finished task; test_tasks.py: test_cancel_at_end
test("a task that cancelled itself and then awaits a finished task gets its result, and ends cancelled", async () => {
  await runVirtual(async () => {
    const log: string[] = [];
    const other = createTask(async () => 7);
    await other;
    const t = createTask(async () => {
      currentTask()?.cancel();
      const v = await other;
      log.push(`after finished task ${v}`);
      return v;
    });
    await expectCancelled(t);
    assert.equal(t.cancelled(), true);
    assert.deepEqual(log, ["after finished task 7"]);
  });
});

// futures.py: Future.__await__ (a failed, done future throws its own error, not the pending cancel)
test("a task with a pending cancel awaiting a failed, done future gets that future's error", async () => {
  await runVirtual(async () => {
    const failed = new Future<number>();
    const boom = new RangeError("boom");
    failed.setException(boom);
    let saw: unknown;
    const t = createTask(async () => {
      currentTask()?.cancel();
      try {
        await failed;
      } catch (e) {
        saw = e;
      }
      await sleep(10);
    });
    await expectCancelled(t);
    assert.equal(saw, boom);
  });
});

// test_tasks.py: test_cancel_awaited_task (a pending task awaited after a self-cancel is still cancelled)
test("a pending future awaited after a self-cancel is cancelled with the task, as before", async () => {
  await runVirtual(async () => {
    const pending = new Future<number>();
    const t = createTask(async () => {
      currentTask()?.cancel();
      await pending;
    });
    await expectCancelled(t);
    assert.equal(pending.cancelled(), true);
  });
});

// ── Which awaits deliver a pending cancel (asyncio: only those that suspend) ──

const doneFuture = (): Future<number> => {
  const f = new Future<number>();
  f.setResult(1);
  return f;
};

/** Runs `op` in a task that cancelled itself first; returns whether the cancel came out of `op`. */
async function cancelComesOutOf(op: () => Promise<unknown>): Promise<boolean> {
  let atOp = false;
  const t = createTask(async () => {
    currentTask()?.cancel();
    try {
      await op();
    } catch (e) {
      atOp = e instanceof CancelledError;
      throw e;
    }
    await sleep(10);
  });
  await expectCancelled(t);
  return atOp;
}

// locks.py, queues.py, futures.py, taskgroups.py, timeouts.py: the fast paths that return without suspending
for (const [name, op] of [
  ["Queue.join() with nothing unfinished", () => new Queue().join()],
  ["Queue.put() with room", () => new Queue(1).put(1)],
  ["Barrier.wait() by the last party", () => new Barrier(1).wait()],
  ["Semaphore.acquire() with a permit", () => new Semaphore(1).acquire()],
  ["Condition.waitFor() of a true predicate", () => new Condition().waitFor(() => true)],
  [
    "Barrier.reset() and abort() of a free barrier",
    async () => {
      await new Barrier(2).reset();
      await new Barrier(2).abort();
    },
  ],
  ["gather() of nothing", () => gather()],
  ["shield() of a done future", () => shield(doneFuture())],
  ["waitFor() of a done future", () => waitFor(doneFuture(), 100)],
  ["timeout() around a body that never waits", () => timeout(100, async () => 1)],
  ["taskGroup() with no children", () => taskGroup(async () => 1)],
] as [string, () => Promise<unknown>][]) {
  test(`a pending cancel is not delivered by ${name}, which does not suspend`, async () => {
    await runVirtual(async () => {
      assert.equal(await cancelComesOutOf(op), false);
    });
  });
}

// tasks.py (gather, wait, sleep(0)), queues.py (get on an empty queue): awaits that suspend
for (const [name, op] of [
  ["gather() of a done future", () => gather(doneFuture())],
  ["wait() on a done future", () => wait([doneFuture()])],
  ["sleep(0)", () => sleep(0)],
  ["waitFor() of a function", () => waitFor(async () => 1, 100)],
  ["shield() of a function", () => shield(async () => 1)],
  ["Queue.get() on an empty queue", () => new Queue<number>().get()],
] as [string, () => Promise<unknown>][]) {
  test(`a pending cancel is delivered by ${name}, which suspends`, async () => {
    await runVirtual(async () => {
      assert.equal(await cancelComesOutOf(op), true);
    });
  });
}

// ── A cancel passed on to an awaited task that ignores it ──

// tasks.py: Task.cancel ("Leave self._fut_waiter; it may be a Task that catches and ignores the cancellation")
test("a task awaiting a task that swallows the cancel gets its value, and is not cancelled itself", async () => {
  await runVirtual(
    async () => {
      const inner = createTask(async () => {
        try {
          await sleep(1000);
        } catch {
          return 42;
        }
        return 0;
      });
      const outer = createTask(async () => await inner);
      await sleep(0);
      assert.equal(outer.cancel(), true);
      assert.equal(await outer, 42);
      assert.equal(outer.cancelled(), false);
      assert.equal(outer.cancelling(), 1);
    },
    { expectReports: [SWALLOWED_CANCEL] },
  );
});

// tasks.py: Task.cancel (a second cancel reaches the awaited task again)
test("a second cancel reaches the awaited task again after it ignored the first", async () => {
  await runVirtual(async () => {
    let caught = 0;
    const inner = createTask(async () => {
      for (;;) {
        try {
          await sleep(1000);
          return "slept";
        } catch {
          caught++;
          if (caught === 2) throw new CancelledError("gave up");
        }
      }
    });
    const outer = createTask(async () => await inner);
    await sleep(0);
    outer.cancel();
    await sleep(0);
    assert.equal(outer.done(), false);
    outer.cancel();
    await expectCancelled(outer, "gave up");
    assert.equal(caught, 2);
  });
});

// tasks.py: _GatheringFuture.cancel (the gather fails with CancelledError even if its child swallowed the cancel)
test("a cancelled gather fails with CancelledError even when its child swallowed the cancel and returned", async () => {
  await runVirtual(
    async () => {
      const child = createTask(async () => {
        try {
          await sleep(1000);
        } catch {
          return 1;
        }
        return 2;
      });
      const g = gather(child);
      await sleep(0);
      assert.equal(g.cancel(), true);
      await expectCancelled(g);
      assert.equal(child.result(), 1);
      assert.equal(g.cancelled(), false);
    },
    { expectReports: [SWALLOWED_CANCEL] },
  );
});

// ── Two cancels before the task resumes deliver one CancelledError ──

for (const kind of ["sleep", "future", "task"] as const) {
  // tasks.py: Task.__step (clears _must_cancel as it throws the cancellation in); test_tasks.py: test_cancelling
  test(`two cancels of a task waiting on a ${kind} deliver one CancelledError; its cleanup may wait`, async () => {
    await runVirtual(async () => {
      const log: string[] = [];
      const t = createTask(async () => {
        try {
          if (kind === "sleep") await sleep(1000);
          else if (kind === "future") await new Future<void>();
          else await createTask(() => sleep(1000));
        } catch (e) {
          log.push(`caught ${(e as Error).message}`);
          await sleep(10);
          log.push("cleanup done");
          throw e;
        }
      });
      // Two turns: the task, then the task it may await, are started and waiting.
      await sleep(0);
      await sleep(0);
      t.cancel("A");
      t.cancel("B");
      assert.equal(t.cancelling(), 2);
      await expectCancelled(t, "A");
      assert.deepEqual(log, ["caught A", "cleanup done"]);
      assert.equal(now(), 10);
    });
  });
}

// timeouts.py: __aexit__ (the expiry and a cancel from outside at once: one CancelledError, which stays a cancel)
test("an expiry and an outside cancel before the task resumes give one CancelledError that stays a cancel", async () => {
  await runVirtual(async () => {
    const log: string[] = [];
    const t = createTask(() =>
      timeout(100, async () => {
        try {
          await sleep(1000);
        } finally {
          await sleep(5);
          log.push("cleanup done");
        }
      }),
    );
    createTask(async () => {
      await sleep(100);
      t.cancel("outside");
    });
    await expectCancelled(t);
    assert.deepEqual(log, ["cleanup done"]);
    assert.equal(now(), 105);
  });
});

// base_events.py: loop.time() in a callback is the running loop's time
test("now() in a done callback is the running loop's time, and a sleep started there runs on its clock", async () => {
  await runVirtual(async () => {
    await sleep(500);
    const fut = new Future<void>();
    let seen: number | undefined;
    let later: Promise<string> | undefined;
    fut.addDoneCallback(() => {
      seen = now();
      later = sleep(100, "later");
    });
    fut.setResult(undefined);
    await sleep(0);
    assert.equal(seen, 500);
    assert.equal(await later, "later");
    assert.equal(now(), 600);
  });
});
