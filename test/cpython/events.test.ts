// Behaviour cases translated from CPython's Lib/test/test_asyncio/test_events.py and test_base_events.py (the
// loop's call_soon / call_later / call_at, Handle, TimerHandle, get_running_loop), and the signal-handler cases of
// test_unix_events.py. asyncio counts loop time in seconds; aio in ms, so 0.1 s is 100 here.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  currentTask,
  type Future,
  getRunningLoop,
  Handle,
  InvalidStateError,
  type LoopReport,
  now,
  run,
  sleep,
  TimerHandle,
} from "aio-ts";
import { VirtualClock } from "aio-ts/testing";
import { runVirtual } from "../helpers.ts";

function noop(..._args: unknown[]): void {}

const closedError = (e: unknown): boolean =>
  e instanceof InvalidStateError && e.code === "ERR_AIO_LOOP_CLOSED" && e.message === "Event loop is closed";

describe("test_base_events.BaseEventLoopTests", () => {
  test("test_call_soon: returns a Handle and runs the callback soon, outside any task", async () => {
    const seen: unknown[] = [];
    await runVirtual(async () => {
      const h = getRunningLoop().callSoon(() => seen.push(currentTask()));
      assert.ok(h instanceof Handle);
      assert.ok(!(h instanceof TimerHandle));
      assert.deepEqual(seen, [], "not called synchronously");
      await sleep(0);
    });
    assert.deepEqual(seen, [undefined]);
  });

  test("test_call_soon_non_callable: TypeError", async () => {
    await runVirtual(async () => {
      assert.throws(
        () => getRunningLoop().callSoon(1 as unknown as () => void),
        /^TypeError: Expected `callback` to be a function, got `1` \(number\)$/,
      );
    });
  });

  test("test_call_later: returns a TimerHandle that waits for its delay; a missing delay is a TypeError", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      let called = false;
      const h = loop.callLater(10_000, () => {
        called = true;
      });
      assert.ok(h instanceof TimerHandle);
      await sleep(9_999);
      assert.equal(called, false);
      await sleep(1);
      assert.equal(called, true);
      assert.throws(() => loop.callLater(null as unknown as number, noop), TypeError);
      assert.throws(() => loop.callLater(undefined as unknown as number, noop), TypeError);
    });
  });

  test("test_call_later_negative_delays: already due, earliest deadline first", async () => {
    const calls: string[] = [];
    await runVirtual(async () => {
      const loop = getRunningLoop();
      loop.callLater(-1, (arg: string) => calls.push(arg), "a");
      loop.callLater(-2, (arg: string) => calls.push(arg), "b");
      await sleep(1);
    });
    assert.deepEqual(calls, ["b", "a"]);
  });

  test("test_time_and_call_at: the callback runs at the loop time given; a missing time is a TypeError", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const done = loop.createFuture<number>();
      const when = loop.time() + 100;
      loop.callAt(when, () => done.setResult(loop.time()));
      assert.equal(await done, when);
      assert.throws(() => loop.callAt(null as unknown as number, noop), TypeError);
    });
  });

  test("test__run_once_schedule_handle: a timer callback's callSoon runs after it", async () => {
    const order: string[] = [];
    await runVirtual(async () => {
      const loop = getRunningLoop();
      loop.callLater(-1, () => {
        order.push("timer");
        loop.callSoon(() => order.push("soon"));
      });
      await sleep(10);
    });
    assert.deepEqual(order, ["timer", "soon"]);
  });

  test("test_default_exc_handler_callback: an error in a callSoon or callLater callback is reported", async () => {
    const reports: LoopReport[] = [];
    await runVirtual(
      async () => {
        const loop = getRunningLoop();
        function zeroError(fut: Future<boolean>): void {
          fut.setResult(true);
          throw new RangeError("division by zero");
        }
        const soon = loop.createFuture<boolean>();
        const h1 = loop.callSoon(zeroError, soon);
        assert.equal(await soon, true);
        const later = loop.createFuture<boolean>();
        const h2 = loop.callLater(10, zeroError, later);
        assert.equal(await later, true);
        await sleep(0); // the report follows the callback
        assert.equal(reports.length, 2);
        assert.equal(reports[0]?.handle, h1);
        assert.equal(reports[1]?.handle, h2);
      },
      { reports },
    );
    for (const r of reports) {
      assert.match(r.message, /^Exception in callback zeroError\(<Future finished result=true>\)$/);
      assert.ok(r.error instanceof RangeError);
    }
  });

  test("test_set_exc_handler_custom: the handler gets the message, the error and the handle", async () => {
    const reports: LoopReport[] = [];
    const error = new Error("zero");
    let handle: Handle | undefined;
    await run(
      async () => {
        handle = getRunningLoop().callSoon(function zeroError() {
          throw error;
        });
        await sleep(0);
      },
      { clock: new VirtualClock(), handleSignals: false, exceptionHandler: (r) => reports.push(r) },
    );
    assert.equal(reports.length, 1);
    assert.deepEqual(reports[0], { message: "Exception in callback zeroError()", error, handle });
  });
});

describe("test_events.EventLoopTestsMixin", () => {
  test("test_call_later: the callback gets its argument after the delay", async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const done = loop.createFuture<void>();
      loop.callLater(
        100,
        (arg: string) => {
          results.push(arg, loop.time() - t0);
          done.setResult();
        },
        "hello world",
      );
      await done;
    });
    assert.deepEqual(results, ["hello world", 100]);
  });

  test("test_call_soon: the callback gets its arguments", async () => {
    const results: unknown[] = [];
    await runVirtual(async () => {
      getRunningLoop().callSoon((a: string, b: string) => results.push([a, b]), "hello", "world");
      await sleep(0);
    });
    assert.deepEqual(results, [["hello", "world"]]);
  });

  test("test_close: a closed loop refuses callbacks, tasks and signal handlers", async () => {
    const loop = await runVirtual(async () => getRunningLoop());
    assert.equal(loop.isClosed(), true);
    assert.throws(() => loop.callSoon(noop), closedError);
    assert.throws(() => loop.callLater(1000, noop), closedError);
    assert.throws(() => loop.callAt(loop.time(), noop), closedError);
    assert.throws(() => loop.createTask(async () => {}), closedError);
    assert.throws(() => loop.createFuture(), closedError);
    assert.throws(() => loop.addSignalHandler("SIGTERM", noop), closedError);
  });

  test("test_signal_handling_args: the handler gets the arguments given to addSignalHandler", async () => {
    const caught: unknown[][] = [];
    await run(
      async () => {
        const loop = getRunningLoop();
        const done = loop.createFuture<void>();
        loop.addSignalHandler(
          "SIGWINCH",
          (...args: unknown[]) => {
            caught.push(args);
            done.setResult();
          },
          0,
          "ham",
          null,
        );
        process.kill(process.pid, "SIGWINCH");
        await done;
      },
      { handleSignals: false },
    );
    assert.deepEqual(caught, [[0, "ham", null]]);
  });
});

describe("test_events.GetEventLoopTestsMixin", () => {
  test("test_get_event_loop_returns_running_loop: getRunningLoop() outside a loop throws; inside, it is the loop", async () => {
    assert.throws(
      () => getRunningLoop(),
      (e: unknown) =>
        e instanceof InvalidStateError &&
        e.code === "ERR_AIO_NO_RUNNING_LOOP" &&
        /^no running event loop/.test(e.message),
    );
    const clock = new VirtualClock({ start: 5000 });
    const [inTask, inCallback] = await runVirtual(
      async () => {
        const loop = getRunningLoop();
        const fromCallback = loop.createFuture<unknown>();
        loop.callSoon(() => fromCallback.setResult(getRunningLoop()));
        assert.equal(loop.time(), 5000);
        return [loop, await fromCallback];
      },
      { clock },
    );
    assert.equal(inCallback, inTask);
    assert.throws(() => getRunningLoop(), InvalidStateError);
  });
});

describe("test_events.HandleTests", () => {
  test("test_handle: not cancelled until cancel()", async () => {
    await runVirtual(async () => {
      const h = getRunningLoop().callSoon(noop);
      assert.equal(h.cancelled(), false);
      h.cancel();
      assert.equal(h.cancelled(), true);
      h.cancel();
      assert.equal(h.cancelled(), true);
    });
  });

  test("test_callback_with_exception: reported with the handle", async () => {
    const reports: LoopReport[] = [];
    let h: Handle | undefined;
    await runVirtual(
      async () => {
        h = getRunningLoop().callSoon(function callback() {
          throw new TypeError("bad value");
        });
        await sleep(0);
      },
      { reports },
    );
    assert.equal(reports.length, 1);
    assert.match(reports[0]?.message ?? "", /^Exception in callback /);
    assert.equal(reports[0]?.handle, h);
    assert.ok(reports[0]?.error instanceof TypeError);
  });

  test("test_handle_repr: the callback and its arguments; only 'cancelled' once cancelled", async () => {
    await runVirtual(async () => {
      const h = getRunningLoop().callSoon(noop, 1, 2);
      assert.equal(String(h), "<Handle noop(1, 2)>");
      h.cancel();
      assert.equal(String(h), "<Handle cancelled>");
      const anonymous = getRunningLoop().callSoon(((..._a: unknown[]) => {}) as () => void);
      Object.defineProperty(anonymous._fn, "name", { value: "" });
      assert.equal(String(anonymous), "<Handle <anonymous>()>");
      const strings = getRunningLoop().callSoon(noop, "a", { b: [1] }, null, undefined);
      assert.equal(String(strings), "<Handle noop('a', { b: [ 1 ] }, null, undefined)>");
      // One level of nesting, and on one line however long.
      const deep = getRunningLoop().callSoon(noop, { a: { b: { c: 1 } } }, "x".repeat(100));
      assert.equal(String(deep), `<Handle noop({ a: { b: [Object] } }, '${"x".repeat(100)}')>`);
    });
  });
});

describe("test_events.TimerHandleTests", () => {
  test("test_when: when() is the due loop time", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const when = loop.time() + 123;
      assert.equal(loop.callAt(when, noop).when(), when);
      assert.equal(loop.callLater(456, noop).when(), now() + 456);
      for (const h of [loop.callAt(when, noop), loop.callLater(1, noop)]) h.cancel();
    });
  });

  test("test_timer: cancel() cancels it, and it never runs", async () => {
    let called = false;
    await runVirtual(async () => {
      const h = getRunningLoop().callLater(10, () => {
        called = true;
      });
      assert.equal(h.cancelled(), false);
      h.cancel();
      assert.equal(h.cancelled(), true);
      await sleep(100);
    });
    assert.equal(called, false);
  });

  test("test_timer_repr: when=, the callback; 'cancelled' before when= once cancelled", async () => {
    await runVirtual(
      async () => {
        const h = getRunningLoop().callAt(123, noop);
        assert.equal(String(h), "<TimerHandle when=123 noop()>");
        h.cancel();
        assert.equal(String(h), "<TimerHandle cancelled when=123>");
      },
      { clock: new VirtualClock({ start: 0 }) },
    );
  });
});

describe("test_unix_events.SelectorEventLoopSignalTests", () => {
  test("test_check_signal: a bad signal is a TypeError", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      assert.throws(() => loop.addSignalHandler("1" as NodeJS.Signals, noop), TypeError);
      assert.throws(() => loop.addSignalHandler(65 as unknown as NodeJS.Signals, noop), TypeError);
    });
  });

  test("test_add_signal_handler_coroutine_error: an async function cannot be a callback", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      async function simpleCoroutine(): Promise<void> {}
      const message =
        /^TypeError: Expected `callback` to be a plain function \(async functions cannot be used with addSignalHandler\(\)\), got `\[Function simpleCoroutine\]` \(function\)$/;
      assert.throws(() => loop.addSignalHandler("SIGWINCH", simpleCoroutine), message);
      assert.throws(() => loop.callSoon(simpleCoroutine), /cannot be used with callSoon\(\)/);
      assert.throws(() => loop.callLater(1, simpleCoroutine), /cannot be used with callLater\(\)/);
      assert.throws(() => loop.callAt(1, simpleCoroutine), /cannot be used with callAt\(\)/);
    });
  });

  test("test_remove_signal_handler: true once, then false", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const before = process.listenerCount("SIGWINCH");
      loop.addSignalHandler("SIGWINCH", noop);
      assert.equal(process.listenerCount("SIGWINCH"), before + 1);
      assert.equal(loop.removeSignalHandler("SIGWINCH"), true);
      assert.equal(process.listenerCount("SIGWINCH"), before);
      assert.equal(loop.removeSignalHandler("SIGWINCH"), false);
    });
  });

  test("test_close: closing the loop (run() ending) removes every signal handler", async () => {
    const before = process.listenerCount("SIGHUP") + process.listenerCount("SIGWINCH");
    await run(async () => {
      getRunningLoop().addSignalHandler("SIGHUP", noop);
      getRunningLoop().addSignalHandler("SIGWINCH", noop);
    });
    assert.equal(process.listenerCount("SIGHUP") + process.listenerCount("SIGWINCH"), before);
  });
});
