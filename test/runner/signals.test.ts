// run()'s handling of SIGINT and SIGTERM, and loop.addSignalHandler, with real signals sent to real child processes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { currentTask, getRunningLoop, InvalidStateError, type LoopReport, run } from "aio-ts";
import { rejection } from "../helpers.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string[];
  err: string;
}

/**
 * Runs a fixture; each step's signal goes out once its trigger line appears on the child's stdout (after the
 * previous step's). A child still running after 60 s is killed (the test then fails on its exit code), so a wrong
 * "exits at once" cannot hang the suite.
 */
async function drive(args: string[], steps: [trigger: string, signal: NodeJS.Signals][]): Promise<Exit> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let next = 0;
  let seen = 0;
  child.stderr.on("data", (d) => {
    err += d;
  });
  child.stdout.on("data", (d) => {
    out += d;
    const lines = out.split("\n");
    // Count complete lines only; send each step's signal once its trigger line arrived.
    while (next < steps.length) {
      const [trigger, signal] = steps[next] as [string, NodeJS.Signals];
      const at = lines.slice(seen, -1).indexOf(trigger);
      if (at < 0) break;
      seen += at + 1;
      next++;
      child.kill(signal);
    }
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    return await new Promise<Exit>((resolve) => {
      child.on("close", (code, signal) => resolve({ code, signal, out: out.trim().split("\n"), err }));
    });
  } finally {
    clearTimeout(killer);
  }
}

describe("run() and signals", () => {
  test("SIGTERM cancels main, every finally runs, and the process exits 143", async () => {
    const r = await drive([fixture("sigint.ts")], [["ready", "SIGTERM"]]);
    assert.equal(r.code, 143, r.err);
    assert.deepEqual(r.out, ["ready", "child cleanup done", "main finally ran"]);
    assert.equal(r.err, "");
  });

  test("a second SIGTERM during cleanup exits at once with 143", async () => {
    const r = await drive(
      [fixture("signals.ts"), "stubborn"],
      [
        ["ready", "SIGTERM"],
        ["cleaning", "SIGTERM"],
      ],
    );
    assert.equal(r.code, 143, r.err);
    assert.deepEqual(r.out, ["ready", "cleaning"]);
  });

  test("a SIGINT during a SIGTERM's cleanup exits at once with 130", async () => {
    const r = await drive(
      [fixture("signals.ts"), "stubborn"],
      [
        ["ready", "SIGTERM"],
        ["cleaning", "SIGINT"],
      ],
    );
    assert.equal(r.code, 130, r.err);
    assert.deepEqual(r.out, ["ready", "cleaning"]);
  });

  test("addSignalHandler replaces run()'s default; removing it brings the default back", async () => {
    const r = await drive(
      [fixture("signals.ts"), "handler"],
      [
        ["ready", "SIGTERM"],
        ["ready again", "SIGTERM"],
      ],
    );
    assert.equal(r.code, 143, r.err);
    assert.deepEqual(r.out, [
      "ready",
      "handler: tag, in a task: false",
      "got first",
      "removed: true",
      "ready again",
      "main finally ran",
    ]);
  });

  test("handlers still set when run() ends are removed: no listener is left and the process exits", async () => {
    const r = await drive([fixture("signals.ts"), "left-behind"], []);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out, ["listening: 2 1", "after run: 0"]);
  });

  test("handleSignals: false leaves SIGTERM to Node, which ends the process without cleanup", async () => {
    const r = await drive([fixture("signals.ts"), "unhandled"], [["ready", "SIGTERM"]]);
    assert.equal(r.code, null);
    assert.equal(r.signal, "SIGTERM");
    assert.deepEqual(r.out, ["ready"]);
  });
});

describe("loop.addSignalHandler", () => {
  test("calls the callback from the loop, outside any task, with its arguments, at each delivery", async () => {
    const calls: unknown[] = [];
    const listeners = process.listenerCount("SIGWINCH"); // the test runner listens to some signals itself (its diagnostic report)
    await run(async () => {
      const loop = getRunningLoop();
      const twice = loop.createFuture<void>();
      loop.addSignalHandler(
        "SIGWINCH",
        (a: number, b: string) => {
          calls.push([a, b, currentTask(), getRunningLoop() === loop]);
          if (calls.length === 2) twice.setResult();
        },
        1,
        "two",
      );
      process.kill(process.pid, "SIGWINCH");
      process.kill(process.pid, "SIGWINCH");
      await twice;
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
      assert.equal(process.listenerCount("SIGTERM"), 1, "only run()'s own listener");
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
});
