// Behaviour cases translated from CPython's Lib/test/test_asyncio/test_subprocess.py (SubprocessMixin, and the
// transport's exited-process rules). CPython's children are `python -c` programs; these use sh, cat and sleep.
// Not ported: start_new_session, text mode and path-like arguments (aio takes strings, and bytes through the
// streams), mocked Popen failures, and the child watchers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createSubprocessExec, createSubprocessShell, createTask, type Process, sleep } from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";
import { childClock, childCommands, pidGone, SIGNALS } from "../subprocess/helpers.ts";

/** PROGRAM_BLOCKED: a child that runs until it is killed. */
const blocked = (): Promise<Process> => createSubprocessExec("sleep", ["3600"]);
/** PROGRAM_CAT: copies its stdin to its stdout. */
const cat = (): Promise<Process> => createSubprocessExec("cat", [], { stdin: "pipe", stdout: "pipe" });
/** `print(len(sys.stdin.read()))` */
const LEN = "wc -c | tr -d ' '";

// test_subprocess.py: test_stdin_stdout
test("write and drain to stdin, close it, read stdout to the end, then wait", async () => {
  await runVirtual(async () => {
    const proc = await cat();
    proc.stdin?.write("some data");
    await proc.stdin?.drain();
    proc.stdin?.close();
    const data = await proc.stdout?.read();
    assert.equal(await proc.wait(), 0);
    assert.equal(String(data), "some data");
  });
});

// test_subprocess.py: test_communicate
test("communicate feeds stdin and returns stdout", async () => {
  await runVirtual(async () => {
    const proc = await cat();
    const [stdout, stderr] = await proc.communicate(Buffer.from("some data"));
    assert.equal(proc.returncode, 0);
    assert.equal(String(stdout), "some data");
    assert.equal(stderr, null);
  });
});

// test_subprocess.py: test_shell
test("a shell command's exit status", async () => {
  await runVirtual(async () => {
    const proc = await createSubprocessShell("exit 7");
    assert.equal(await proc.wait(), 7);
  });
});

// test_subprocess.py: test_kill
test("kill() ends the child with -SIGKILL", async () => {
  await runVirtual(async () => {
    const proc = await blocked();
    proc.kill();
    assert.equal(await proc.wait(), -SIGNALS.SIGKILL);
  });
});

// test_subprocess.py: test_terminate
test("terminate() ends the child with -SIGTERM", async () => {
  await runVirtual(async () => {
    const proc = await blocked();
    proc.terminate();
    assert.equal(await proc.wait(), -SIGNALS.SIGTERM);
  });
});

// test_subprocess.py: test_send_signal
test("sendSignal(SIGHUP) once the child says it sleeps: returncode -SIGHUP", async () => {
  await runVirtual(async () => {
    const proc = await createSubprocessShell("echo sleeping; exec sleep 3600", { stdout: "pipe" });
    assert.equal(String(await proc.stdout?.readline()), "sleeping\n");
    proc.sendSignal("SIGHUP");
    assert.equal(await proc.wait(), -SIGNALS.SIGHUP);
  });
});

/** prepare_broken_pipe_test: a child that exits at once, with a pipe on stdin, and more than a pipe holds. */
async function brokenPipe(): Promise<[Process, Buffer]> {
  const proc = await createSubprocessExec("true", [], { stdin: "pipe" });
  return [proc, Buffer.alloc(4 * 1024 * 1024, 120)];
}

// test_subprocess.py: test_stdin_broken_pipe
test("drain() after writing to the stdin of a child that has exited throws", async () => {
  await runVirtual(async () => {
    const [proc, large] = await brokenPipe();
    await proc.wait(); // (CPython sleeps 0.5 s: the child has exited by then)
    proc.stdin?.write(large);
    const e = (await rejection(proc.stdin?.drain() ?? Promise.resolve())) as NodeJS.ErrnoException;
    // BrokenPipeError or ConnectionResetError in asyncio; Node closes a child's stdin at its exit, so aio's writer
    // reports the connection lost, or the EPIPE of a write that got there first.
    assert.ok(["EPIPE", "ECONNRESET", "ERR_AIO_CONNECTION_LOST"].includes(e.code ?? ""), `got ${String(e)}`);
  });
});

// test_subprocess.py: test_communicate_ignore_broken_pipe
test("communicate() ignores the broken pipe of a child that does not read", async () => {
  await runVirtual(async () => {
    const [proc, large] = await brokenPipe();
    assert.deepEqual(await proc.communicate(large), [null, null]);
    assert.equal(await proc.wait(), 0);
  });
});

// test_subprocess.py: test_pause_reading
// CPython mocks the pipe transport to see pause_reading()/resume_reading() called; aio's reader pauses the same
// way (above 2 x limit buffered), which shows in its statistics while nobody reads.
test("output past the limit pauses the pipe until it is read, and nothing is lost", async () => {
  await runVirtual(
    async () => {
      const limit = 10;
      const size = limit * 2 + 1;
      const proc = await createSubprocessShell(`printf '%${size}s' | tr ' ' x; exec sleep 3600`, {
        stdin: "pipe",
        stdout: "pipe",
        limit,
      });
      while (proc.stdout?.statistics().buffered !== size) await sleep(1);
      assert.equal(proc.stdout?.statistics().paused, true, "the reader paused the pipe");
      assert.equal(String(await proc.stdout?.read(size)), "x".repeat(size));
      assert.equal(proc.stdout?.statistics().paused, false, "and resumed it once read");
      proc.kill();
      await proc.wait();
    },
    { clock: childClock() },
  );
});

// test_subprocess.py: test_stdin_not_inheritable
test("communicate() closes stdin, so a child reading it to the end finishes", async () => {
  await runVirtual(async () => {
    const proc = await createSubprocessShell(LEN, { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    const [stdout] = await proc.communicate("abc");
    assert.equal(String(stdout).trim(), "3");
    assert.equal(await proc.wait(), 0);
  });
});

// test_subprocess.py: test_empty_input
test("communicate() with empty input gives the child an empty stdin", async () => {
  await runVirtual(async () => {
    const proc = await createSubprocessShell(LEN, { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    const [stdout] = await proc.communicate(new Uint8Array(0));
    assert.equal(String(stdout).trim(), "0");
    assert.equal(await proc.wait(), 0);
  });
});

// test_subprocess.py: test_devnull_input
test('stdin "ignore" reads as empty', async () => {
  await runVirtual(async () => {
    const proc = await createSubprocessShell(LEN, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    assert.equal(proc.stdin, null);
    const [stdout] = await proc.communicate();
    assert.equal(String(stdout).trim(), "0");
    assert.equal(await proc.wait(), 0);
  });
});

// test_subprocess.py: test_devnull_output
test('stdout "ignore": communicate() gives null for it', async () => {
  await runVirtual(async () => {
    const proc = await createSubprocessShell(LEN, { stdin: "pipe", stdout: "ignore", stderr: "pipe" });
    const [stdout] = await proc.communicate("abc");
    assert.equal(stdout, null);
    assert.equal(await proc.wait(), 0);
  });
});

// test_subprocess.py: test_devnull_error
test('stderr "ignore": communicate() gives null for it', async () => {
  await runVirtual(async () => {
    const proc = await createSubprocessShell(LEN, { stdin: "pipe", stdout: "pipe", stderr: "ignore" });
    const [, stderr] = await proc.communicate("abc");
    assert.equal(stderr, null);
    assert.equal(await proc.wait(), 0);
  });
});

// test_subprocess.py: test_cancel_process_wait
test("a cancelled wait() leaves the child; kill() and a new wait() then end it", async () => {
  await runVirtual(async () => {
    const proc = await blocked();
    const waiting = createTask(() => proc.wait());
    await sleep(0);
    waiting.cancel();
    await assert.rejects(waiting, { name: "CancelledError" });
    waiting.cancel(); // cancelling it again is harmless
    proc.kill();
    assert.equal(await proc.wait(), -SIGNALS.SIGKILL);
  });
});

// test_subprocess.py: test_cancel_make_subprocess_transport_exec
test("a createSubprocessExec cancelled while starting throws CancelledError and leaves no child", async () => {
  await runVirtual(async () => {
    const starting = createTask(() => createSubprocessExec("sleep", ["3611"]));
    await sleep(0);
    starting.cancel();
    await assert.rejects(starting, { name: "CancelledError" });
    assert.deepEqual(
      childCommands().filter((c) => c.endsWith("sleep 3611")),
      [],
    );
  });
});

// test_subprocess.py: test_close_kill_running
test("disposing of a running child ends it", async () => {
  await runVirtual(
    async () => {
      const proc = await blocked();
      assert.equal(proc.returncode, null);
      await proc[Symbol.asyncDispose]();
      assert.equal(proc.returncode, -SIGNALS.SIGTERM);
      assert.ok(pidGone(proc.pid));
    },
    { clock: childClock() },
  );
});

// test_subprocess.py: test_close_dont_kill_finished
test("disposing of a child that has exited signals nothing", async () => {
  await runVirtual(async () => {
    const proc = await createSubprocessExec("sh", ["-c", "exit 5"]);
    await proc.wait();
    await proc[Symbol.asyncDispose]();
    assert.equal(proc.returncode, 5, "still its own status, not a signal's");
  });
});

// test_subprocess.py: test_read_stdout_after_process_exit
test("output a child wrote before exiting is read in full, in slow chunks", async () => {
  await runVirtual(
    async () => {
      const proc = await createSubprocessShell("head -c 262144 /dev/zero; exit 1", { stdout: "pipe" });
      let total = 0;
      for (;;) {
        const data = await proc.stdout?.read(65536);
        if (data === undefined || data.length === 0) break;
        total += data.length;
        await sleep(300);
      }
      assert.equal(total, 262144);
      assert.equal(await proc.wait(), 1);
    },
    { clock: childClock() },
  );
});

// test_subprocess.py: SubprocessTransportTests.test_proc_exited
test("after the exit, sendSignal, terminate and kill throw ESRCH (ProcessLookupError)", async () => {
  await runVirtual(async () => {
    const proc = await createSubprocessShell("exit 6");
    assert.equal(await proc.wait(), 6);
    assert.throws(() => proc.sendSignal("SIGTERM"), { code: "ESRCH" });
    assert.throws(() => proc.terminate(), { code: "ESRCH" });
    assert.throws(() => proc.kill(), { code: "ESRCH" });
  });
});

// test_subprocess.py: SubprocessTransportTests.test_subprocess_repr
test("toString shows the pid and whether the child runs or how it ended", async () => {
  await runVirtual(async () => {
    const proc = await blocked();
    assert.equal(String(proc), `<Process ${proc.pid} running>`);
    proc.kill();
    await proc.wait();
    assert.equal(String(proc), `<Process ${proc.pid} killed by SIGKILL>`);
    const done = await createSubprocessShell("exit 6");
    await done.wait();
    assert.equal(String(done), `<Process ${done.pid} exited 6>`);
  });
});
