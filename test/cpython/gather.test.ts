// Behaviour cases translated from CPython's Lib/test/test_asyncio/test_tasks.py:
// gather, shield, wait, asCompleted and sleep cases not already in tasks.test.ts,
// and the contextvars cases (test_context_*), on AsyncLocalStorage.
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { test } from "node:test";
import {
  asCompleted,
  CancelledError,
  createTask,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  gather,
  now,
  shield,
  sleep,
  type Task,
  TimeoutError,
  wait,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

class ZeroDivision extends Error {
  override name = "ZeroDivision";
}

// ── gather ──

// test_tasks.py: FutureGatherTests.test_one_exception
test("gather fails with the very first error; later outcomes of the other futures change nothing", async () => {
  await runVirtual(async () => {
    const [a, b, c, d, e] = Array.from({ length: 5 }, () => new Future<number>());
    const fut = gather(
      a as Future<number>,
      b as Future<number>,
      c as Future<number>,
      d as Future<number>,
      e as Future<number>,
    );
    let calls = 0;
    fut.addDoneCallback(() => calls++);
    const exc = new ZeroDivision();
    a?.setResult(1);
    b?.setException(exc);
    await sleep(0);
    await sleep(0);
    assert.equal(fut.done(), true);
    assert.equal(calls, 1);
    assert.equal(fut.exception(), exc);
    c?.setResult(3);
    d?.cancel();
    e?.setException(new Error("later"));
    await sleep(0);
    assert.equal(fut.exception(), exc);
    assert.equal(fut.cancelled(), false);
    assert.equal(calls, 1);
  });
});

// test_tasks.py: GatherTestsBase.test_return_exceptions
test("gather with returnExceptions stays pending until the last child, then lists values and errors in order", async () => {
  await runVirtual(async () => {
    const [a, b, c, d] = Array.from({ length: 4 }, () => new Future<number>()) as [
      Future<number>,
      Future<number>,
      Future<number>,
      Future<number>,
    ];
    const fut = gather([a, b, c, d], { returnExceptions: true });
    const exc = new ZeroDivision();
    const exc2 = new RangeError();
    b.setResult(1);
    c.setException(exc);
    a.setResult(3);
    await sleep(0);
    await sleep(0);
    assert.equal(fut.done(), false);
    d.setException(exc2);
    const res = await fut;
    assert.deepEqual(res, [3, 1, exc, exc2]);
    assert.equal(res[2], exc);
    assert.equal(res[3], exc2);
  });
});

// test_tasks.py: test_cancel_gather_2
test("cancelling a task that loops over returnExceptions gathers propagates the CancelledError with its message", async () => {
  for (const message of [undefined, "my message", 5]) {
    const error = await rejection(
      runVirtual(async () => {
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
        await qwe;
      }),
    );
    assert.ok(error instanceof CancelledError);
    assert.equal(error.message, message === undefined ? "" : String(message));
  }
});

// test_tasks.py: test_cancel_gather_1
test("a gather whose child finished is not cancelled by a callback that runs as the child finishes", async () => {
  await runVirtual(async () => {
    const fut = new Future<number>();
    const gatherFuture = gather(async () => await fut);
    let cancelResult: boolean | undefined;
    // The gather's own callback on its child runs before this one.
    await sleep(0);
    fut.addDoneCallback(() => {
      cancelResult = gatherFuture.cancel();
    });
    fut.setResult(42);
    assert.deepEqual(await gatherFuture, [42]);
    assert.equal(cancelResult, false);
    assert.equal(gatherFuture.cancelled(), false);
  });
});

// test_tasks.py: GatherTestsBase.test_success (a child finishing with a result of undefined)
test("gather of functions starts each as a task and passes undefined results through", async () => {
  await runVirtual(async () => {
    const order: string[] = [];
    const res = await gather(
      async () => {
        order.push("a");
      },
      async () => {
        await sleep(10);
        order.push("b");
        return "b";
      },
      () => sleep(5, "c"),
    );
    assert.deepEqual(res, [undefined, "b", "c"]);
    assert.deepEqual(order, ["a", "b"]);
    assert.equal(now(), 10);
  });
});

// test_tasks.py: test_gather_shield (the gather's own cancel returns true and reports CancelledError)
test("cancel() on a pending gather returns true, cancels the children with the message, and fails the gather", async () => {
  await runVirtual(async () => {
    const a = createTask(() => sleep(1000, 1));
    const b = createTask(() => sleep(2000, 2));
    const g = gather(a, b);
    await sleep(0);
    assert.equal(g.cancel("stop"), true);
    const e = await rejection(g);
    assert.ok(e instanceof CancelledError);
    assert.equal(e.message, "stop");
    assert.equal(a.cancelled(), true);
    assert.equal(b.cancelled(), true);
    assert.equal(now(), 0);
  });
});

// test_tasks.py: test_one_cancellation (a cancelled task child, not a future)
test("gather fails with CancelledError when a child task is cancelled, and the gather itself is not cancelled", async () => {
  await runVirtual(async () => {
    const a = createTask(() => sleep(10, "a"));
    const b = createTask(() => sleep(1000, "b"));
    const g = gather(a, b);
    await sleep(20);
    b.cancel("only b");
    const e = await rejection(g);
    assert.ok(e instanceof CancelledError);
    assert.equal(g.cancelled(), false);
    assert.equal(g.done(), true);
  });
});

// ── shield ──

// test_tasks.py: test_shield_coroutine_use_running_loop
test("shield of a function starts it as a task and resolves to its result", async () => {
  await runVirtual(async () => {
    const outer = shield(async () => 42);
    assert.equal(await outer, 42);
  });
});

// test_tasks.py: test_shield_effect
test("the task awaiting a shield is cancelled at once; the shielded function finishes later", async () => {
  await runVirtual(async () => {
    let proof = 0;
    const waiter = new Future<void>();
    const f = createTask(async () => {
      await shield(async () => {
        await waiter;
        proof += 1;
      });
      proof += 100;
    });
    await sleep(0);
    f.cancel();
    await rejection(f);
    assert.equal(f.cancelled(), true);
    assert.equal(proof, 0);
    waiter.setResult(undefined);
    await sleep(0);
    await sleep(0);
    assert.equal(proof, 1);
  });
});

// ── wait ──

// test_tasks.py: test_wait (the second run takes no time)
test("wait on tasks that are already done returns at once with all of them done", async () => {
  await runVirtual(async () => {
    const a = createTask(() => sleep(100));
    const b = createTask(() => sleep(150));
    const first = await wait([b, a]);
    assert.deepEqual(first.done, new Set([a, b]));
    assert.equal(now(), 150);
    const second = await wait([b, a]);
    assert.deepEqual(second.done, new Set([a, b]));
    assert.deepEqual(second.pending, new Set());
    assert.equal(now(), 150);
  });
});

// test_tasks.py: test_wait_first_exception (no task fails: it waits for all)
test("wait FIRST_EXCEPTION with no failure waits for every task", async () => {
  await runVirtual(async () => {
    const a = createTask(() => sleep(100));
    const b = createTask(() => sleep(50));
    const { done, pending } = await wait([a, b], { returnWhen: FIRST_EXCEPTION });
    assert.deepEqual(done, new Set([a, b]));
    assert.equal(pending.size, 0);
    assert.equal(now(), 100);
  });
});

// test_tasks.py: test_wait_first_exception (a cancelled task is not an exception)
test("wait FIRST_EXCEPTION does not count a cancelled task as a failure", async () => {
  await runVirtual(async () => {
    const a = createTask(() => sleep(100));
    const b = createTask(() => sleep(1000));
    await sleep(0);
    b.cancel();
    const { done, pending } = await wait([a, b], { returnWhen: FIRST_EXCEPTION });
    assert.deepEqual(done, new Set([a, b]));
    assert.equal(pending.size, 0);
    assert.equal(now(), 100);
  });
});

// test_tasks.py: test_wait_first_completed (FIRST_COMPLETED over a task that was already done)
test("wait FIRST_COMPLETED returns at once when a task is already done", async () => {
  await runVirtual(async () => {
    const a = createTask(() => sleep(10));
    const b = createTask(() => sleep(1000));
    await a;
    const { done, pending } = await wait([a, b], { returnWhen: FIRST_COMPLETED });
    assert.deepEqual(done, new Set([a]));
    assert.deepEqual(pending, new Set([b]));
    assert.equal(now(), 10);
    b.cancel();
  });
});

// test_tasks.py: test_wait_invalid_args
test("wait refuses a single future and an empty list", async () => {
  await runVirtual(async () => {
    const fut = new Future<void>();
    assert.throws(() => wait(fut as never), TypeError);
    assert.throws(() => wait([]), TypeError);
    assert.throws(() => wait([fut], { returnWhen: "SOMETIMES" as never }), TypeError);
  });
});

// test_tasks.py: test_wait_with_timeout (a timeout of 0)
test("wait with timeout 0 returns what is done without waiting", async () => {
  await runVirtual(async () => {
    const a = createTask(() => sleep(100));
    const done1 = new Future<void>();
    done1.setResult(undefined);
    const { done, pending } = await wait([a, done1], { timeout: 0 });
    assert.deepEqual(done, new Set([done1]));
    assert.deepEqual(pending, new Set([a]));
    assert.equal(now(), 0);
    assert.equal(a.cancelled(), false);
    await a;
  });
});

// ── asCompleted ──

// test_tasks.py: test_as_completed
test("asCompleted yields tasks finishing at the same time in either order, and the slow one last", async () => {
  await runVirtual(async () => {
    const sleeper = (ms: number, x: string) => () => sleep(ms, x);
    const values: string[] = [];
    for await (const f of asCompleted([sleeper(10, "b"), sleeper(150, "c"), sleeper(10, "a")])) {
      values.push(await (f as unknown as Task<string>));
    }
    assert.equal(now(), 150);
    assert.deepEqual(new Set(values.slice(0, 2)), new Set(["a", "b"]));
    assert.equal(values[2], "c");
  });
});

// test_tasks.py: test_as_completed_invalid_args
test("asCompleted refuses a single future instead of an iterable", async () => {
  await runVirtual(async () => {
    const fut = new Future<void>();
    assert.throws(() => asCompleted(fut as never), TypeError);
    assert.throws(() => asCompleted((async () => {}) as never), TypeError);
  });
});

// test_tasks.py: test_as_completed (an empty iterable)
test("asCompleted over nothing ends at once", async () => {
  await runVirtual(async () => {
    let n = 0;
    for await (const _ of asCompleted([])) n++;
    assert.equal(n, 0);
    assert.equal(now(), 0);
  });
});

// test_tasks.py: test_as_completed (a failing awaitable: its error comes out of the await, not the iteration)
test("asCompleted yields a failed task like any other; awaiting it throws its error", async () => {
  await runVirtual(async () => {
    const seen: unknown[] = [];
    for await (const f of asCompleted([
      async () => {
        await sleep(10);
        throw new ZeroDivision("boom");
      },
      () => sleep(20, "ok"),
    ])) {
      try {
        seen.push(await f);
      } catch (e) {
        seen.push(e);
      }
    }
    assert.ok(seen[0] instanceof ZeroDivision);
    assert.equal(seen[1], "ok");
  });
});

// ── sleep ──

// test_tasks.py: test_sleep
test("two half sleeps take the whole time, and the second resolves with its value", async () => {
  await runVirtual(async () => {
    const t = createTask(async () => {
      await sleep(50);
      return await sleep(50, "yeah");
    });
    assert.equal(await t, "yeah");
    assert.equal(now(), 100);
  });
});

// test_tasks.py: test_task_cancel_sleeping_task
test("a task cancelled while sleeping 5000 s ends at the cancel time, and its awaiter sees the cancel", async () => {
  await runVirtual(async () => {
    const result = await createTask(async () => {
      const sleeper = createTask(() => sleep(5_000_000));
      createTask(async () => {
        await sleep(100);
        sleeper.cancel();
      });
      try {
        await sleeper;
      } catch (e) {
        if (e instanceof CancelledError) return "cancelled";
        throw e;
      }
      return "slept in";
    });
    assert.equal(result, "cancelled");
    assert.equal(now(), 100);
  });
});

// test_tasks.py: test_sleep_when_delay_is_nan
test("sleep refuses NaN", async () => {
  await runVirtual(async () => {
    assert.throws(() => sleep(Number.NaN), TypeError);
  });
});

// test_tasks.py: test_sleep (a negative delay is a sleep(0))
test("a negative sleep lets the loop turn once and takes no time", async () => {
  await runVirtual(async () => {
    const order: string[] = [];
    const t = createTask(async () => {
      order.push("other");
    });
    await sleep(-5);
    order.push("after sleep");
    await t;
    assert.deepEqual(order, ["other", "after sleep"]);
    assert.equal(now(), 0);
  });
});

// ── context ──

// test_tasks.py: test_context_1
test("a task sees its creator's context as it was at creation; its own changes stay in it", async () => {
  const cvar = new AsyncLocalStorage<string>();
  await runVirtual(async () => {
    assert.equal(cvar.getStore(), undefined);
    const subtask = createTask(async () => {
      await sleep(10);
      assert.equal(cvar.getStore(), undefined);
      cvar.enterWith("something else");
    });
    cvar.enterWith("yes");
    assert.equal(cvar.getStore(), "yes");
    await subtask;
    assert.equal(cvar.getStore(), "yes");
  });
});

// test_tasks.py: test_context_2
test("a done callback's context changes do not leak into the task that awaits the future", async () => {
  const cvar = new AsyncLocalStorage<string>();
  await runVirtual(async () => {
    for (let j = 0; j < 2; j++) {
      const fut = new Future<void>();
      fut.addDoneCallback(() => cvar.enterWith("something else"));
      cvar.enterWith(`yes${j}`);
      createTask(async () => fut.setResult(undefined));
      await fut;
      assert.equal(cvar.getStore(), `yes${j}`);
      for (let i = 0; i < 3; i++) {
        cvar.enterWith(`yes${i}-${j}`);
        await sleep(1);
        assert.equal(cvar.getStore(), `yes${i}-${j}`);
      }
    }
  });
  assert.equal(cvar.getStore(), undefined);
});

// test_tasks.py: test_context_3
test("many tasks each keep their own value across sleeps", async () => {
  const cvar = new AsyncLocalStorage<number>();
  await runVirtual(async () => {
    const sub = (num: number) => async () => {
      for (let i = 0; i < 10; i++) {
        cvar.enterWith(num + i);
        await sleep(((num * 7 + i * 13) % 50) + 1);
        assert.equal(cvar.getStore(), num + i);
      }
    };
    await gather(Array.from({ length: 100 }, (_, i) => createTask(sub(i % 11))));
  });
  assert.equal(cvar.getStore(), undefined);
});

// ── asCompleted, iterated plainly (asyncio 3.13's `for f in as_completed(aws)`) ──

// test_tasks.py: test_as_completed (plain iteration: each step resolves to a result)
test("asCompleted iterated plainly hands out one awaitable per task, resolving to results in finishing order", async () => {
  await runVirtual(async () => {
    const values: string[] = [];
    for (const f of asCompleted([() => sleep(10, "b"), () => sleep(150, "c"), () => sleep(10, "a")])) {
      values.push(await f);
    }
    assert.equal(now(), 150);
    assert.deepEqual(new Set(values.slice(0, 2)), new Set(["a", "b"]));
    assert.equal(values[2], "c");
  });
});

// test_tasks.py: test_as_completed_with_timeout (plain iteration)
test("asCompleted iterated plainly with a timeout: the steps after the deadline throw TimeoutError", async () => {
  await runVirtual(async () => {
    const a = createTask(() => sleep(100, "a"));
    const b = createTask(() => sleep(150, "b"));
    const values: [number, unknown][] = [];
    for (const f of asCompleted([a, b], { timeout: 120 })) {
      try {
        values.push([1, await f]);
      } catch (e) {
        values.push([2, e]);
      }
    }
    assert.equal(values.length, 2);
    assert.deepEqual(values[0], [1, "a"]);
    assert.equal(values[1]?.[0], 2);
    assert.ok(values[1]?.[1] instanceof TimeoutError);
    assert.equal(now(), 120);
    await b;
  });
});

// test_tasks.py: test_as_completed_with_unused_timeout (plain iteration)
test("asCompleted iterated plainly with a timeout that never falls gives every result", async () => {
  await runVirtual(async () => {
    for (const f of asCompleted([() => sleep(10, "a")], { timeout: 1000 })) assert.equal(await f, "a");
    assert.equal(now(), 10);
  });
});

// test_tasks.py: test_as_completed_reverse_wait
test("the step of asCompleted awaited first gets the first result, whatever its position", async () => {
  await runVirtual(async () => {
    const futs = [...asCompleted([() => sleep(50, "a"), () => sleep(100, "b")])];
    assert.equal(futs.length, 2);
    const x = await (futs[1] as PromiseLike<string>);
    assert.equal(x, "a");
    assert.equal(now(), 50);
    const y = await (futs[0] as PromiseLike<string>);
    assert.equal(y, "b");
    assert.equal(now(), 100);
  });
});

// test_tasks.py: test_as_completed_concurrent
test("steps of asCompleted awaited concurrently each get one of the results", async () => {
  await runVirtual(async () => {
    const futs = [...asCompleted([() => sleep(50, "a"), () => sleep(50, "b")])];
    assert.equal(futs.length, 2);
    const { done } = await wait(futs.map((f) => () => Promise.resolve(f)));
    assert.deepEqual(new Set([...done].map((f) => f.result())), new Set(["a", "b"]));
    assert.equal(now(), 50);
  });
});

// test_tasks.py: test_as_completed_duplicate_coroutines (plain iteration)
test("asCompleted iterated plainly counts an awaitable passed twice once", async () => {
  await runVirtual(async () => {
    const c = createTask(async () => "ham");
    const result: string[] = [];
    for (const f of asCompleted([c, c, () => Promise.resolve("spam")])) result.push(await f);
    assert.deepEqual(new Set(result), new Set(["ham", "spam"]));
    assert.equal(result.length, 2);
  });
});

// test_tasks.py: test_as_completed_coroutine_use_running_loop (a failing awaitable: the step throws)
test("a step of plain iteration throws the error of the awaitable that failed", async () => {
  await runVirtual(async () => {
    const [first] = [
      ...asCompleted([
        async () => {
          throw new ZeroDivision("boom");
        },
      ]),
    ];
    const e = await rejection(first as PromiseLike<unknown>);
    assert.ok(e instanceof ZeroDivision);
  });
});

// asyncio 3.13 as_completed (async iteration keeps throwing TimeoutError for each step left)
test("after a timeout, each further step of the async iteration throws TimeoutError, then it ends", async () => {
  await runVirtual(async () => {
    const it = asCompleted([() => sleep(100, 1), () => sleep(200, 2), () => sleep(300, 3)], { timeout: 150 });
    const first = await it.next();
    assert.equal(first.done, false);
    assert.equal(await (first.value as unknown as Task<number>), 1);
    assert.ok((await rejection(it.next())) instanceof TimeoutError);
    assert.ok((await rejection(it.next())) instanceof TimeoutError);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
    assert.equal(now(), 150);
    await it.return?.();
  });
});
