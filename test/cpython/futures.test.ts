// Behaviour cases translated from CPython's Lib/test/test_asyncio/test_futures.py.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  allTasks,
  CancelledError,
  createTask,
  currentTask,
  ensureFuture,
  Future,
  InvalidStateError,
  isFuture,
  type LoopReport,
  sleep,
  Task,
  waitFor,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

const isCancel =
  (message: string) =>
  (e: unknown): boolean =>
    e instanceof CancelledError && e.message === message;

// test_futures.py: test_initial_state, test_cancel
test("a new future is pending; cancel() makes it done and cancelled, and only once", async () => {
  await runVirtual(async () => {
    const f = new Future<number>();
    assert.equal(f.done(), false);
    assert.equal(f.cancelled(), false);
    assert.equal(f.cancel(), true);
    assert.equal(f.cancelled(), true);
    assert.equal(f.done(), true);
    assert.equal(f.cancel(), false);
  });
});

// test_futures.py: test_cancel
test("a cancelled future throws CancelledError from result() and exception() and refuses a result", async () => {
  await runVirtual(async () => {
    const f = new Future<number>();
    f.cancel();
    assert.throws(() => f.result(), CancelledError);
    assert.throws(() => f.exception(), CancelledError);
    assert.throws(() => f.setResult(1), InvalidStateError);
    assert.throws(() => f.setException(new Error("late")), InvalidStateError);
  });
});

// test_futures.py: test_result
test("result() of a pending future throws InvalidStateError; once set, the result is final", async () => {
  await runVirtual(async () => {
    const f = new Future<number>();
    assert.throws(() => f.result(), InvalidStateError);
    f.setResult(42);
    assert.equal(f.cancelled(), false);
    assert.equal(f.done(), true);
    assert.equal(f.result(), 42);
    assert.equal(f.exception(), undefined);
    assert.throws(() => f.setResult(7), InvalidStateError);
    assert.throws(() => f.setException(new Error("late")), InvalidStateError);
    assert.equal(f.cancel(), false);
    assert.equal(f.result(), 42);
  });
});

// test_futures.py: test_exception
test("a failed future rethrows its error from result() and hands it back from exception()", async () => {
  await runVirtual(async () => {
    const f = new Future<number>();
    assert.throws(() => f.exception(), InvalidStateError);
    const error = new RangeError("boom");
    f.setException(error);
    assert.equal(f.cancelled(), false);
    assert.equal(f.done(), true);
    assert.throws(
      () => f.result(),
      (e) => e === error,
    );
    assert.equal(f.exception(), error);
    assert.throws(() => f.setResult(1), InvalidStateError);
    assert.throws(() => f.setException(new Error("again")), InvalidStateError);
    assert.equal(f.cancel(), false);
  });
});

// test_futures.py: test_future_cancel_message_getter
test("cancel(msg) gives the future's CancelledError that message, for awaiters and result() alike", async () => {
  await runVirtual(async () => {
    const f = new Future<void>();
    f.cancel("my message");
    await assert.rejects(async () => f, isCancel("my message"));
    assert.throws(() => f.result(), isCancel("my message"));
  });
});

// test_futures.py: test_callbacks_invoked_on_set_result
test("done callbacks run in registration order after setResult returns, never inside it", async () => {
  await runVirtual(async () => {
    const bag: number[] = [];
    const f = new Future<string>();
    f.addDoneCallback(() => bag.push(42));
    f.addDoneCallback(() => bag.push(17));
    f.setResult("foo");
    assert.deepEqual(bag, []);
    await sleep(0);
    assert.deepEqual(bag, [42, 17]);
    assert.equal(f.result(), "foo");
  });
});

// test_futures.py: test_callbacks_invoked_on_set_exception
test("done callbacks run after setException, and receive the future", async () => {
  await runVirtual(async () => {
    const seen: unknown[] = [];
    const f = new Future<string>();
    f.addDoneCallback((fut) => seen.push(fut));
    const error = new Error("boom");
    f.setException(error);
    assert.deepEqual(seen, []);
    await sleep(0);
    assert.equal(seen.length, 1);
    assert.equal(seen[0], f);
    assert.equal(f.exception(), error);
  });
});

// Lib/asyncio/futures.py: Future.add_done_callback (a finished future schedules the callback with call_soon)
test("a callback added to a finished future is scheduled, not called at once", async () => {
  await runVirtual(async () => {
    const bag: string[] = [];
    const f = new Future<string>();
    f.setResult("x");
    f.addDoneCallback(() => bag.push("late"));
    assert.deepEqual(bag, []);
    await sleep(0);
    assert.deepEqual(bag, ["late"]);
  });
});

// test_futures.py: test_remove_done_callback
test("removeDoneCallback removes every registration of a callback and returns how many", async () => {
  await runVirtual(async () => {
    const bag: number[] = [];
    const f = new Future<string>();
    const cb1 = () => bag.push(1);
    const cb2 = () => bag.push(2);
    const cb3 = () => bag.push(3);
    f.addDoneCallback(cb1);
    f.addDoneCallback(cb2);
    assert.equal(f.removeDoneCallback(cb2), 1);
    assert.equal(f.removeDoneCallback(cb3), 0);
    f.addDoneCallback(cb2);
    for (let i = 0; i < 5; i++) f.addDoneCallback(cb1);
    assert.equal(f.removeDoneCallback(cb1), 6);
    f.setResult("foo");
    await sleep(0);
    assert.deepEqual(bag, [2]);
  });
});

// test_futures.py: test_callbacks_remove_first_callback, test_callbacks_remove_first_and_second_callback,
// test_callbacks_remove_third_callback
test("removing the first, the first two or the last of three callbacks keeps the others in order", async () => {
  await runVirtual(async () => {
    const cases: [number[], number[]][] = [
      [
        [0, 0],
        [17, 100],
      ],
      [[0, 1, 0], [100]],
      [
        [2, 2],
        [42, 17],
      ],
    ];
    for (const [removals, expected] of cases) {
      const bag: number[] = [];
      const f = new Future<string>();
      const cbs = [() => bag.push(42), () => bag.push(17), () => bag.push(100)];
      for (const cb of cbs) f.addDoneCallback(cb);
      for (const i of removals) f.removeDoneCallback(cbs[i]!);
      f.setResult("foo");
      await sleep(0);
      assert.deepEqual(bag, expected);
    }
  });
});

// test_futures.py: test_schedule_callbacks_list_mutation
test("once a future is done its callbacks are all scheduled: removing one from another changes nothing", async () => {
  await runVirtual(async () => {
    const calls: string[] = [];
    const f = new Future<number>();
    const other = () => calls.push("other");
    f.addDoneCallback((fut) => {
      calls.push("mut");
      fut.removeDoneCallback(other);
    });
    f.addDoneCallback(other);
    f.addDoneCallback(other);
    f.setResult(1);
    await sleep(0);
    assert.deepEqual(calls, ["mut", "other", "other"]);
  });
});

// test_tasks.py: test_step_result_future
test("a task awaiting a future resumes with the value set on it", async () => {
  await runVirtual(async () => {
    const fut = new Future<object>();
    let result: unknown;
    const t = createTask(async () => {
      result = await fut;
    });
    await sleep(0);
    assert.equal(t.done(), false);
    const value = {};
    fut.setResult(value);
    await t;
    assert.equal(result, value);
    assert.equal(t.result(), undefined);
  });
});

// test_tasks.py: test_ensure_future_future, test_ensure_future_task, test_ensure_future_neither
test("ensureFuture hands back the very future or task it is given and rejects non-awaitables", async () => {
  await runVirtual(async () => {
    const f = new Future<string>();
    f.setResult("ko");
    assert.equal(ensureFuture(f), f);
    const t = createTask(async () => "ok");
    assert.equal(ensureFuture(t), t);
    assert.equal(await ensureFuture(t), "ok");
    assert.throws(() => ensureFuture("ok" as never), TypeError);
  });
});

// test_futures.py: test_isfuture
test("isFuture recognises futures and tasks, not their classes or other values", async () => {
  await runVirtual(async () => {
    const f = new Future<void>();
    assert.equal(isFuture(f), true);
    assert.equal(isFuture(Future), false);
    assert.equal(isFuture(1), false);
    assert.equal(isFuture(Promise.resolve(1)), false);
    const t = createTask(async () => 1);
    assert.equal(isFuture(t), true);
    assert.ok(t instanceof Task);
    f.cancel();
    await t;
  });
});

// test_futures.py: test_tb_logger_exception_unretrieved, check_future_exception_never_retrieved
test("an error set on a future that nobody retrieves is reported", async () => {
  const reports: LoopReport[] = [];
  const error = new Error("boom");
  await runVirtual(
    async () => {
      const f = new Future<void>();
      f.setException(error);
    },
    { reports },
  );
  assert.equal(reports.length, 1);
  assert.match(reports[0]!.message, /never retrieved/);
  assert.equal(reports[0]!.error, error);
});

// test_futures.py: test_tb_logger_exception_retrieved, test_tb_logger_exception_result_retrieved,
// test_tb_logger_result_unretrieved, test_tb_logger_abandoned
test("a retrieved error, an unread result and an abandoned pending future are never reported", async () => {
  const reports: LoopReport[] = [];
  await runVirtual(
    async () => {
      const a = new Future<void>();
      a.setException(new Error("seen by exception()"));
      a.exception();
      const b = new Future<void>();
      b.setException(new Error("seen by result()"));
      assert.throws(() => b.result());
      const c = new Future<number>();
      c.setResult(42);
      new Future<number>();
    },
    { reports },
  );
  assert.deepEqual(reports, []);
});

// ── More cases from test_futures.py ──

// test_futures.py: test_future_repr
test("toString follows asyncio's repr: pending, cancelled, finished with the result or the exception", async () => {
  await runVirtual(async () => {
    const pending = new Future<number>();
    assert.equal(String(pending), "<Future pending>");
    const cancelled = new Future<number>();
    cancelled.cancel();
    assert.equal(String(cancelled), "<Future cancelled>");
    const withResult = new Future<number>();
    withResult.setResult(4);
    assert.equal(String(withResult), "<Future finished result=4>");
    assert.equal(withResult.result(), 4);
    const exc = new RangeError();
    const withException = new Future<number>();
    withException.setException(exc);
    assert.equal(String(withException), "<Future finished exception=RangeError()>");
    assert.equal(withException.exception(), exc);
    const withText = new Future<string>();
    withText.setResult("abc");
    assert.equal(String(withText), "<Future finished result='abc'>");
  });
});

// test_futures.py: test_future_repr (the repr does not count as retrieving the error)
test("toString of a failed future does not count as retrieving its error", async () => {
  const reports: LoopReport[] = [];
  await runVirtual(
    async () => {
      const f = new Future<void>();
      f.setException(new RangeError("boom"));
      assert.equal(String(f), '<Future finished exception=RangeError("boom")>');
    },
    { reports },
  );
  assert.equal(reports.length, 1);
  assert.match(reports[0]?.message ?? "", /^Future exception was never retrieved/);
});

// test_tasks.py: test_task_repr, test_cancelling (a task's repr shows cancelling, then the outcome)
test("a task's toString says cancelling while a cancel is pending, and shows its result once finished", async () => {
  await runVirtual(async () => {
    const t = createTask(
      async () => {
        try {
          await sleep(10_000);
        } catch {
          currentTask()?.uncancel();
          await sleep(10);
        }
        return "abc";
      },
      { name: "TestTask" },
    );
    assert.equal(String(t), '<Task "TestTask" pending>');
    await sleep(0);
    t.cancel();
    assert.equal(String(t), '<Task "TestTask" cancelling>');
    await sleep(0);
    assert.equal(String(t), '<Task "TestTask" pending>');
    assert.equal(await t, "abc");
    assert.equal(String(t), "<Task \"TestTask\" finished result='abc'>");
    const c = createTask(() => sleep(10), { name: "c" });
    c.cancel();
    await rejection(c);
    assert.equal(String(c), '<Task "c" cancelled>');
  });
});

// test_futures.py: test_yield_from_twice
test("awaiting a finished future again gives the same result at once", async () => {
  await runVirtual(async () => {
    const f = new Future<number>();
    const log: unknown[] = ["A"];
    const t = createTask(async () => {
      const x = await f;
      log.push(["B", x]);
      const y = await f;
      log.push(["C", y]);
    });
    await sleep(0);
    assert.deepEqual(log, ["A"]);
    f.setResult(42);
    await t;
    assert.deepEqual(log, ["A", ["B", 42], ["C", 42]]);
  });
});

// test_futures.py: test_yield_from_twice (several tasks waiting on one future)
test("every task awaiting one future resumes with its result, in the order they started waiting", async () => {
  await runVirtual(async () => {
    const f = new Future<string>();
    const order: string[] = [];
    const tasks = ["a", "b", "c"].map((name) =>
      createTask(async () => {
        order.push(`${name}:${await f}`);
      }),
    );
    await sleep(0);
    f.setResult("go");
    for (const t of tasks) await t;
    assert.deepEqual(order, ["a:go", "b:go", "c:go"]);
  });
});

// test_futures.py: test_tb_logger_not_called_after_cancel
test("cancel() on a failed future returns false and silences its never-retrieved report", async () => {
  const reports: LoopReport[] = [];
  await runVirtual(
    async () => {
      const f = new Future<void>();
      f.setException(new Error("boom"));
      assert.equal(f.cancel(), false);
      assert.equal(f.cancelled(), false);
    },
    { reports },
  );
  assert.deepEqual(reports, []);
});

// test_futures.py: test_cancel, test_result, test_exception (cancel after an outcome)
test("cancel() of a future that has a result returns false and keeps the result", async () => {
  await runVirtual(async () => {
    const f = new Future<number>();
    f.setResult(1);
    assert.equal(f.cancel(), false);
    assert.equal(f.cancelled(), false);
    assert.equal(f.result(), 1);
    assert.equal(f.exception(), undefined);
  });
});

// test_futures.py: test_schedule_callbacks_list_mutation_1
test("a callback that removes later callbacks once the future is done does not stop them", async () => {
  await runVirtual(async () => {
    const bag: string[] = [];
    const f = new Future<number>();
    const later = () => bag.push("later");
    f.addDoneCallback((fut) => {
      bag.push("mut");
      fut.removeDoneCallback(later);
    });
    f.addDoneCallback(later);
    f.addDoneCallback(later);
    f.setResult(1);
    await sleep(0);
    assert.deepEqual(bag, ["mut", "later", "later"]);
  });
});

// test_futures.py: test_callbacks_invoked_on_set_result (a callback added from a callback)
test("a callback added to a done future from inside a callback runs after the ones already queued", async () => {
  await runVirtual(async () => {
    const bag: string[] = [];
    const f = new Future<number>();
    f.addDoneCallback((fut) => {
      bag.push("first");
      fut.addDoneCallback(() => bag.push("added late"));
    });
    f.addDoneCallback(() => bag.push("second"));
    f.setResult(1);
    await sleep(0);
    await sleep(0);
    assert.deepEqual(bag, ["first", "second", "added late"]);
  });
});

// test_futures.py: test_exception (the error thrown by result() is the very one set)
test("result() of a failed future throws the very error, every time", async () => {
  await runVirtual(async () => {
    const exc = new RangeError("x");
    const f = new Future<number>();
    f.setException(exc);
    for (let i = 0; i < 2; i++) {
      try {
        f.result();
        assert.fail("result() should throw");
      } catch (e) {
        assert.equal(e, exc);
      }
    }
    assert.equal(await rejection(f), exc);
  });
});

// test_futures.py: test_future_cancel_message_getter (a task awaiting a future cancelled with a message)
test("a task awaiting a future that is cancelled with a message ends cancelled with that message", async () => {
  await runVirtual(async () => {
    const f = new Future<void>();
    const t = createTask(async () => {
      await f;
    });
    await sleep(0);
    f.cancel("my message");
    const e = await rejection(t);
    assert.ok(e instanceof CancelledError);
    assert.equal(e.message, "my message");
    assert.equal(t.cancelled(), true);
  });
});

// test_futures.py: test_exception_class, test_result (a future's result may be a falsy value)
test("undefined, null, 0 and false are results like any other", async () => {
  await runVirtual(async () => {
    for (const value of [undefined, null, 0, false, ""]) {
      const f = new Future<unknown>();
      f.setResult(value);
      assert.equal(f.done(), true);
      assert.equal(f.result(), value);
      assert.equal(f.exception(), undefined);
      assert.equal(await f, value);
    }
  });
});

// test_futures.py: test_constructor_positional
test("a future takes no value in its constructor", () => {
  assert.throws(() => new Future(42 as never), TypeError);
  assert.throws(() => new Future("loop" as never), TypeError);
  assert.equal(new Future().done(), false);
});

// ── test_futures2.py ──

// test_futures2.py: FutureTests.test_future_traceback
test("awaiting a failed task again and again throws the same error each time", async () => {
  await runVirtual(async () => {
    const exc = new TypeError("42");
    const future = createTask(async () => {
      throw exc;
    });
    for (let i = 0; i < 5; i++) assert.equal(await rejection(future), exc);
  });
});

// test_futures2.py: test_handle_exc_handler_correct_context (a failing callback is reported, the loop goes on)
test("a done callback that throws is reported, and the callbacks after it still run", async () => {
  const reports: LoopReport[] = [];
  const bag: string[] = [];
  await runVirtual(
    async () => {
      const f = new Future<number>();
      f.addDoneCallback(() => {
        throw new RangeError("1 / 0");
      });
      f.addDoneCallback(() => bag.push("second"));
      f.setResult(1);
      await sleep(0);
      await sleep(0);
      bag.push("main goes on");
    },
    { reports },
  );
  assert.deepEqual(bag, ["second", "main goes on"]);
  assert.equal(reports.length, 1);
  assert.ok(reports[0]?.error instanceof RangeError);
});

// test_futures2.py: CallbackTests.test_recursive_repr_for_pending_tasks
test("toString of a task whose result holds the task itself does not recurse", async () => {
  await runVirtual(async () => {
    const waiter = await waitFor(
      createTask(async () => allTasks()),
      10_000,
    );
    const self = [...waiter].find((t) => t.done());
    assert.ok(self !== undefined);
    assert.match(String(self), /^<Task "Task-\d+" finished result=/);
  });
});
