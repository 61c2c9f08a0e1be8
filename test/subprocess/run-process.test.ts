// aio's own cases for runProcess: its options, and a child ended when the call is cancelled or times out.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createTask, now, ProcessError, runProcess, sleep, TimeoutError, timeout } from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";
import { childClock, childPids, IGNORES_SIGTERM, pidGone } from "./helpers.ts";

/** Waits (virtual ms, each a REAL_IDLE of real quiet) until this process has a child running `args`; its pid. */
async function childRunning(args: string): Promise<number> {
  for (;;) {
    const [pid] = childPids(args);
    if (pid !== undefined) return pid;
    await sleep(1);
  }
}

describe("runProcess", () => {
  test("returns the status, and the output only when captured", async () => {
    await runVirtual(async () => {
      const quiet = await runProcess("sh", ["-c", "exit 0"]);
      assert.deepEqual(quiet, { returncode: 0, stdout: null, stderr: null });
      const loud = await runProcess("sh", ["-c", "echo out; echo err >&2"], { capture: true });
      assert.equal(String(loud.stdout), "out\n");
      assert.equal(String(loud.stderr), "err\n");
      const merged = await runProcess("sh", ["-c", "echo out; echo err >&2"], { capture: true, stderr: "stdout" });
      assert.equal(String(merged.stdout), "out\nerr\n");
      assert.equal(merged.stderr, null);
    });
  });

  test("the child's stdin is empty unless input or stdin says otherwise", async () => {
    await runVirtual(async () => {
      assert.equal((await runProcess("wc", ["-c"], { capture: true })).stdout?.toString().trim(), "0");
      const fed = await runProcess("wc", ["-c"], { capture: true, input: new Uint8Array([1, 2, 3]) });
      assert.equal(fed.stdout?.toString().trim(), "3");
    });
  });

  test("check: a non-zero exit throws ProcessError with the status, the output and the command", async () => {
    await runVirtual(async () => {
      const e = await rejection(runProcess("sh", ["-c", "echo oops >&2; exit 4"], { capture: true }));
      assert.ok(e instanceof ProcessError);
      assert.equal(e.code, "ERR_AIO_PROCESS");
      assert.equal(e.returncode, 4);
      assert.equal(String(e.stderr), "oops\n");
      assert.equal(String(e.stdout), "");
      assert.deepEqual(e.command, ["sh", "-c", "echo oops >&2; exit 4"]);
      assert.equal(e.message, 'Command "sh -c echo oops >&2; exit 4" exited with status 4');
      const killed = await rejection(runProcess("sh", ["-c", "kill -KILL $$"]));
      assert.ok(killed instanceof ProcessError);
      assert.equal(killed.returncode, -9);
      assert.match(killed.message, /was killed by SIGKILL \(signal 9\)$/);
      assert.equal(killed.stdout, null);
      const unchecked = await runProcess("sh", ["-c", "exit 4"], { check: false });
      assert.equal(unchecked.returncode, 4);
    });
  });

  test("options that cannot work together throw at once", () => {
    const bad: [() => unknown, RegExp][] = [
      [() => runProcess("cat", [], { input: "x", stdin: "inherit" }), /both `input` and `stdin`/],
      [() => runProcess("cat", [], { stdin: "pipe" }), /`stdin: "pipe"`.*`input`/],
      [() => runProcess("cat", [], { stdout: "pipe" }), /`stdout: "pipe"`.*`capture: true`/],
      [() => runProcess("cat", [], { stderr: "pipe" }), /`stderr: "pipe"`/],
      [() => runProcess("cat", [], { capture: true, stdout: "ignore" }), /both `capture` and `stdout`/],
      [() => runProcess("cat", [], { capture: true, stderr: "inherit" }), /both `capture` and `stderr`/],
      [() => runProcess("cat", [], { input: 5 as never }), /`input` to be a string or a Uint8Array/],
      [() => runProcess("cat", [], { capture: "yes" as never }), /`capture` to be a boolean/],
      [() => runProcess("cat", [], { check: 0 as never }), /`check` to be a boolean/],
      [() => runProcess(["cat"] as never), /`program` to be a non-empty string/],
    ];
    for (const [call, message] of bad) {
      assert.throws(call, (e: unknown) => {
        assert.ok(e instanceof TypeError);
        assert.match(e.message, message);
        assert.equal((e as { code?: string }).code, "ERR_AIO_INVALID_ARGUMENT");
        return true;
      });
    }
    assert.throws(() => runProcess("cat", [], { killGrace: -5 }), RangeError);
  });

  test("cancelled, it ends the child (SIGTERM) before the CancelledError comes out", async () => {
    await runVirtual(
      async () => {
        const call = createTask(() => runProcess("sleep", ["3601"]));
        const pid = await childRunning("sleep 3601");
        const cancelledAt = now();
        call.cancel();
        await assert.rejects(call, { name: "CancelledError" });
        assert.ok(pidGone(pid));
        assert.equal(now(), cancelledAt, "a child that exits on SIGTERM is not given the grace");
      },
      { clock: childClock() },
    );
  });

  test("timed out inside timeout(), it ends the child and the caller gets TimeoutError", async () => {
    await runVirtual(
      async () => {
        const pids: number[] = [];
        const watcher = createTask(async () => pids.push(await childRunning("sleep 3602")));
        const e = await rejection(timeout(1000, () => runProcess("sleep", ["3602"], { capture: true })));
        assert.ok(e instanceof TimeoutError);
        await watcher;
        assert.ok(pidGone(pids[0] ?? 0));
        assert.equal(now(), 1000);
      },
      { clock: childClock() },
    );
  });

  test("a child that ignores SIGTERM is killed after killGrace, and the timeout waits for that", async () => {
    await runVirtual(
      async () => {
        // The timeout must not pass before the shell has set its trap: `sleep 3603` shows once it has.
        const watcher = createTask(() => childRunning("sleep 3603"));
        const e = await rejection(
          timeout(1000, () => runProcess("sh", ["-c", IGNORES_SIGTERM(3603)], { capture: true, killGrace: 3000 })),
        );
        assert.ok(e instanceof TimeoutError);
        assert.ok(pidGone(await watcher));
        assert.equal(now(), 4000, "1 s of timeout, then 3 s of grace before SIGKILL");
        assert.deepEqual(childPids("sleep 3603"), []);
      },
      { clock: childClock() },
    );
  });
});
