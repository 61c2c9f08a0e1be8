// The loop's public face (getRunningLoop, callSoon/callLater/callAt, Handle, TimerHandle, createFuture, createTask):
// aio's own cases; the ports of CPython's are in test/cpython/events.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  createTask,
  currentTask,
  Future,
  getRunningLoop,
  type InvalidStateError,
  type LoopReport,
  now,
  sleep,
  Task,
} from "aio-ts";
import { VirtualClock } from "aio-ts/testing";
import { runVirtual } from "../helpers.ts";

function noop(): void {}

const invalid = (message: string) => (e: unknown) =>
  e instanceof TypeError &&
  (e as TypeError & { code?: string }).code === "ERR_AIO_INVALID_ARGUMENT" &&
  e.message === message;

describe("getRunningLoop", () => {
  test("throws outside run(), also in a callback of the default loop that code outside run() uses", async () => {
    const outside = new Future<void>(); // on the default loop
    const seen: unknown[] = [];
    outside.addDoneCallback(() => {
      try {
        getRunningLoop();
        seen.push("no error");
      } catch (e) {
        seen.push((e as InvalidStateError).code);
      }
    });
    outside.setResult();
    await outside;
    await sleep(0);
    assert.deepEqual(seen, ["ERR_AIO_NO_RUNNING_LOOP"]);
  });

  test("is the same loop in every task of a run() and in its callbacks; time() is now()", async () => {
    await runVirtual(
      async () => {
        const loop = getRunningLoop();
        assert.equal(await createTask(async () => getRunningLoop()), loop);
        assert.equal(loop.time(), now());
        assert.equal(loop.time(), 42);
        await sleep(8);
        assert.equal(loop.time(), 50);
        assert.equal(loop.isClosed(), false);
      },
      { clock: new VirtualClock({ start: 42 }) },
    );
  });
});

describe("loop.callSoon, callLater, callAt", () => {
  test("callbacks run in schedule order: callSoon FIFO; timers by due time, then by schedule order", async () => {
    const order: string[] = [];
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const t = loop.time();
      const push = (s: string) => order.push(s);
      loop.callAt(t + 10, push, "at 10 first");
      loop.callLater(5, push, "at 5");
      loop.callLater(10, push, "at 10 second");
      loop.callAt(t + 10, push, "at 10 third");
      loop.callSoon(push, "soon 1");
      loop.callSoon(push, "soon 2");
      await sleep(20);
    });
    assert.deepEqual(order, ["soon 1", "soon 2", "at 5", "at 10 first", "at 10 second", "at 10 third"]);
  });

  test("callbacks run outside any task and may start tasks on the loop", async () => {
    const seen: unknown[] = [];
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const child = loop.createFuture<Task<string>>();
      loop.callLater(5, () => {
        seen.push(currentTask());
        child.setResult(createTask(async () => "started from a callback"));
      });
      seen.push(await await child);
    });
    assert.deepEqual(seen, [undefined, "started from a callback"]);
  });

  test("a callback that throws is reported, and the callbacks after it still run", async () => {
    const reports: LoopReport[] = [];
    const order: string[] = [];
    await runVirtual(
      async () => {
        const loop = getRunningLoop();
        loop.callSoon(() => order.push("before"));
        loop.callLater(
          3,
          (n: number, s: string) => {
            throw new Error(`bad ${n} ${s}`);
          },
          7,
          "x",
        );
        loop.callLater(3, () => order.push("after"));
        await sleep(5);
      },
      { reports },
    );
    assert.deepEqual(order, ["before", "after"]);
    assert.equal(reports.length, 1);
    assert.equal(reports[0]?.message, "Exception in callback <anonymous>(7, 'x')");
    assert.equal((reports[0]?.error as Error | undefined)?.message, "bad 7 x");
  });

  test("a cancelled callSoon handle never runs; cancel() after the callback ran is harmless and counts", async () => {
    const ran: string[] = [];
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const skipped = loop.callSoon(() => ran.push("skipped"));
      const kept = loop.callSoon(() => ran.push("kept"));
      skipped.cancel();
      await sleep(0);
      assert.deepEqual(ran, ["kept"]);
      assert.equal(kept.cancelled(), false, "a callback that ran is not cancelled");
      kept.cancel();
      assert.equal(kept.cancelled(), true, "as asyncio: cancel() after the run still marks it");
    });
  });

  test("cancelling a TimerHandle removes its timer at once; a timer that fired and waits in the queue is skipped", async () => {
    const ran: string[] = [];
    const clock = new VirtualClock();
    await runVirtual(
      async () => {
        const loop = getRunningLoop();
        const pending = clock.pendingTimers;
        const h = loop.callLater(60_000, () => ran.push("late"));
        assert.equal(clock.pendingTimers, pending + 1);
        h.cancel();
        assert.equal(clock.pendingTimers, pending);
        // Both fire in one pass; the first cancels the second, already queued.
        let second: { cancel(): void } | undefined;
        loop.callLater(10, () => second?.cancel());
        second = loop.callLater(10, () => ran.push("second"));
        await sleep(20);
        assert.equal(clock.now(), 20, "the cancelled 60 s timer did not hold the clock");
      },
      { clock },
    );
    assert.deepEqual(ran, []);
  });

  test("Infinity is never due: run() ends and drops it", async () => {
    let ran = false;
    await runVirtual(async () => {
      const h = getRunningLoop().callLater(Number.POSITIVE_INFINITY, () => {
        ran = true;
      });
      assert.equal(h.when(), Number.POSITIVE_INFINITY);
      await sleep(1000);
    });
    assert.equal(ran, false);
  });

  test("rejects a delay or time that is not a number, and a callback that is not a function", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      assert.throws(
        () => loop.callLater(Number.NaN, noop),
        invalid("Expected `ms` to be a number of milliseconds, got `NaN` (number)"),
      );
      assert.throws(
        () => loop.callLater("5" as unknown as number, noop),
        invalid('Expected `ms` to be a number of milliseconds, got `"5"` (string)'),
      );
      assert.throws(
        () => loop.callAt(Number.NaN, noop),
        invalid("Expected `when` to be a loop time in ms, got `NaN` (number)"),
      );
      assert.throws(
        () => loop.callAt("5" as unknown as number, noop),
        invalid('Expected `when` to be a loop time in ms, got `"5"` (string)'),
      );
      for (const call of [
        () => loop.callSoon(undefined as unknown as () => void),
        () => loop.callLater(1, null as unknown as () => void),
        () => loop.callAt(1, {} as unknown as () => void),
      ]) {
        assert.throws(
          call,
          (e: unknown) => e instanceof TypeError && /^Expected `callback` to be a function, got /.test(e.message),
        );
      }
    });
  });
});

describe("loop.createFuture and loop.createTask", () => {
  test("createFuture makes a pending future of the loop; createTask a task with the options given", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const f = loop.createFuture<number>();
      assert.equal(f.done(), false);
      loop.callLater(10, () => f.setResult(7));
      assert.equal(await f, 7);
      const t = loop.createTask(async () => "done", { name: "named" });
      assert.ok(t instanceof Task);
      assert.equal(t.name, "named");
      assert.equal(await t, "done");
      const numbered = loop.createTask(async () => {}, { name: 12 as unknown as string });
      assert.equal(numbered.name, "12");
      assert.match(loop.createTask(async () => {}).name, /^Task-\d+$/);
      assert.throws(
        () => loop.createTask("x" as unknown as () => Promise<void>),
        invalid('Expected `fn` to be a function, got `"x"` (string)'),
      );
      assert.throws(() => loop.createTask(async () => {}, { name: {} as string }), TypeError);
    });
  });
});
