// loop.addSignalHandler / removeSignalHandler, with real signals sent to this process. SIGWINCH, whose default is to
// do nothing, so that a signal arriving after a handler was removed is harmless (the test runner listens to SIGUSR2
// for its diagnostic reports). run()'s own handling of SIGINT and SIGTERM, in child processes:
// test/runner/signals.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { currentTask, getRunningLoop, InvalidStateError, type LoopReport, run, sleep } from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

describe("loop.addSignalHandler", () => {
  test("calls the callback from the loop, outside any task, with its arguments, at each delivery", async () => {
    const calls: unknown[] = [];
    const listeners = process.listenerCount("SIGWINCH"); // the test runner listens to some signals itself (its diagnostic report)
    await run(async () => {
      const loop = getRunningLoop();
      let delivered = loop.createFuture<void>();
      loop.addSignalHandler(
        "SIGWINCH",
        (a: number, b: string) => {
          calls.push([a, b, currentTask(), getRunningLoop() === loop]);
          delivered.setResult();
        },
        1,
        "two",
      );
      // One signal at a time: two sent back to back may be merged into one delivery (Deno merges them).
      for (let i = 0; i < 2; i++) {
        process.kill(process.pid, "SIGWINCH");
        await delivered;
        delivered = loop.createFuture<void>();
      }
      assert.equal(loop.removeSignalHandler("SIGWINCH"), true);
    });
    assert.deepEqual(calls, [
      [1, "two", undefined, true],
      [1, "two", undefined, true],
    ]);
    assert.equal(process.listenerCount("SIGWINCH"), listeners);
  });

  test("a second handler for the same signal replaces the first", async () => {
    const calls: string[] = [];
    const listeners = process.listenerCount("SIGWINCH");
    await run(async () => {
      const loop = getRunningLoop();
      const done = loop.createFuture<void>();
      loop.addSignalHandler("SIGWINCH", () => calls.push("first"));
      loop.addSignalHandler("SIGWINCH", () => {
        calls.push("second");
        done.setResult();
      });
      assert.equal(process.listenerCount("SIGWINCH"), listeners + 1);
      process.kill(process.pid, "SIGWINCH");
      await done;
    });
    assert.deepEqual(calls, ["second"]);
    assert.equal(process.listenerCount("SIGWINCH"), listeners, "run() removed the handler");
  });

  test("an error thrown by a signal callback is reported as asyncio does, and the loop goes on", async () => {
    const reports: LoopReport[] = [];
    const boom = new Error("boom");
    const result = await run(
      async () => {
        const loop = getRunningLoop();
        const after = loop.createFuture<string>();
        loop.addSignalHandler("SIGWINCH", function onWinch() {
          loop.callSoon(() => after.setResult("still running"));
          throw boom;
        });
        process.kill(process.pid, "SIGWINCH");
        return await after;
      },
      { exceptionHandler: (r) => reports.push(r) },
    );
    assert.equal(result, "still running");
    assert.equal(reports.length, 1);
    assert.equal(reports[0]?.message, "Exception in callback onWinch()");
    assert.equal(reports[0]?.error, boom);
  });

  test("rejects what is not a signal name, a callback that is not a function, and uncatchable signals", async () => {
    const before = process.listenerCount("SIGTERM"); // a test runner may listen too
    await run(async () => {
      const loop = getRunningLoop();
      for (const bad of ["SIGNOPE", "sigterm", "", 15, undefined]) {
        assert.throws(
          () => loop.addSignalHandler(bad as NodeJS.Signals, () => {}),
          (e: unknown) =>
            e instanceof TypeError &&
            (e as TypeError & { code: string }).code === "ERR_AIO_INVALID_ARGUMENT" &&
            e.message.startsWith('Expected `signal` to be a signal name such as "SIGTERM", got'),
        );
        assert.throws(() => loop.removeSignalHandler(bad as NodeJS.Signals), TypeError);
      }
      assert.throws(
        () => loop.addSignalHandler("SIGTERM", "nope" as unknown as () => void),
        /Expected `callback` to be a function, got `"nope"` \(string\)/,
      );
      for (const signal of ["SIGKILL", "SIGSTOP"] as const) {
        assert.throws(
          () => loop.addSignalHandler(signal, () => {}),
          (e: unknown) =>
            e instanceof InvalidStateError &&
            e.code === "ERR_AIO_SIGNAL_UNCATCHABLE" &&
            e.message === `sig ${signal} cannot be caught`,
        );
      }
      assert.equal(process.listenerCount("SIGTERM"), before + 1, "only run()'s own listener");
      assert.equal(loop.removeSignalHandler("SIGTERM"), false, "no handler was set");
    });
  });

  test("a closed loop takes no signal handler", async () => {
    const listeners = process.listenerCount("SIGWINCH");
    const loop = await run(async () => getRunningLoop());
    assert.equal(loop.isClosed(), true);
    const e = await rejection(Promise.resolve().then(() => loop.addSignalHandler("SIGWINCH", () => {})));
    assert.ok(e instanceof InvalidStateError);
    assert.equal(e.code, "ERR_AIO_LOOP_CLOSED");
    assert.equal(e.message, "Event loop is closed");
    assert.equal(process.listenerCount("SIGWINCH"), listeners);
  });

  test("removing a handler cancels a delivery already queued", async () => {
    const calls: string[] = [];
    await run(async () => {
      const loop = getRunningLoop();
      const delivered = loop.createFuture<void>();
      loop.addSignalHandler("SIGWINCH", () => calls.push("handler"));
      // Runs right after the loop's listener, which has queued the handler's callback: remove it before it runs.
      const remover = (): void => {
        calls.push(`removed: ${loop.removeSignalHandler("SIGWINCH")}`);
        delivered.setResult();
      };
      process.on("SIGWINCH", remover);
      try {
        process.kill(process.pid, "SIGWINCH");
        await delivered;
        await sleep(0);
        await sleep(0);
      } finally {
        process.removeListener("SIGWINCH", remover);
      }
    });
    assert.deepEqual(calls, ["removed: true"]);
  });

  test("while a handler is set, one timer keeps the process alive; none once the last is removed", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const before = timers();
      loop.addSignalHandler("SIGWINCH", () => {});
      assert.equal(timers(), before + 1);
      loop.addSignalHandler("SIGHUP", () => {});
      loop.addSignalHandler("SIGWINCH", () => {}); // replaced: still one
      assert.equal(timers(), before + 1);
      assert.equal(loop.removeSignalHandler("SIGWINCH"), true);
      assert.equal(timers(), before + 1, "SIGHUP's handler is still set");
      assert.equal(loop.removeSignalHandler("SIGHUP"), true);
      assert.equal(timers(), before);
    });
  });

  // A listener besides run()'s (the mutation runner's hook exits on SIGTERM) would end this process on the signal.
  const foreign = process.listenerCount("SIGTERM") > 0 && "another SIGTERM listener would end this process";
  test("a SIGTERM handler replaces run()'s default: main is not cancelled", { skip: foreign }, async () => {
    // run() cancels main on SIGTERM unless the program set a handler; with one set, this process survives the signal.
    const result = await run(async () => {
      const loop = getRunningLoop();
      const got = loop.createFuture<void>();
      loop.addSignalHandler("SIGTERM", () => got.setResult());
      process.kill(process.pid, "SIGTERM");
      await got;
      await sleep(0);
      return currentTask()?.cancelling();
    });
    assert.equal(result, 0);
    assert.equal(process.listenerCount("SIGTERM"), 0, "run() removed its listener and the handler's");
  });

  test("run() asks the loop whether the program set a handler for a signal", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      assert.equal(loop._hasSignalHandler("SIGTERM"), false, "no handler was ever set");
      loop.addSignalHandler("SIGTERM", () => {});
      assert.equal(loop._hasSignalHandler("SIGTERM"), true);
      assert.equal(loop._hasSignalHandler("SIGINT"), false);
      loop.removeSignalHandler("SIGTERM");
      assert.equal(loop._hasSignalHandler("SIGTERM"), false);
    });
  });
});
