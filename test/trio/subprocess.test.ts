// Behaviour cases translated from Trio's src/trio/_tests/test_subprocess.py (run_process and Process). Trio's
// children are `python -c` programs; these are `node -e` programs (the same role: portable code in the child).
// Not ported: deliver_cancel (aio ends a child one way: SIGTERM, then SIGKILL after killGrace), nursery.start of
// run_process, the deprecated `async with process`'s closing of pipes, the encoding/shell option errors, SIGCHLD
// set to SIG_IGN, pidfd and waitid internals.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import {
  createSubprocessExec,
  createTask,
  now,
  type Process,
  ProcessError,
  type ProcessOptions,
  runProcess,
  type StreamReader,
  sleep,
  taskGroup,
  timeout,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";
import { childClock, childPids, IGNORES_SIGTERM, SIGNALS } from "../subprocess/helpers.ts";

/** Trio's `python(code)`: a Node child running `code`. */
const node = (code: string): [string, string[]] => [process.execPath, ["-e", code]];

const EXIT_TRUE = node("process.exit(0)");
const EXIT_FALSE = node("process.exit(1)");
const CAT = node("process.stdin.pipe(process.stdout)");
const COPY_STDIN_TO_STDOUT_AND_BACKWARD_TO_STDERR = node(
  "const parts = []; process.stdin.on('data', (c) => parts.push(c)).on('end', () => {" +
    " const data = Buffer.concat(parts); process.stdout.write(data); process.stderr.write(Buffer.from(data).reverse()); })",
);

const start = ([program, args]: [string, string[]], options?: ProcessOptions): Promise<Process> =>
  createSubprocessExec(program, args, options);

// test_subprocess.py: test_basic
test("a child's exit status: 0 and 1", async () => {
  await runVirtual(async () => {
    const ok = await start(EXIT_TRUE);
    await ok.wait();
    assert.equal(ok.returncode, 0);
    assert.equal(String(ok), `<Process ${ok.pid} exited 0>`);
    const bad = await start(EXIT_FALSE);
    await bad.wait();
    assert.equal(bad.returncode, 1);
    assert.equal((await runProcess(...EXIT_FALSE, { check: false })).returncode, 1);
  });
});

// test_subprocess.py: test_auto_update_returncode
test("returncode follows the child without a wait()", async () => {
  await runVirtual(
    async () => {
      const proc = await createSubprocessExec("sleep", ["9999"]);
      assert.equal(proc.returncode, null);
      assert.match(String(proc), /running/);
      proc.kill();
      while (proc.returncode === null) await sleep(1); // no wait(): the exit alone sets it
      assert.equal(proc.returncode, -SIGNALS.SIGKILL);
      assert.match(String(proc), /killed/);
    },
    { clock: childClock() },
  );
});

// test_subprocess.py: test_multi_wait
test("several waits at once tolerate being cancelled, then all see the exit", async () => {
  await runVirtual(async () => {
    const proc = await createSubprocessExec("sleep", ["10"]);
    const cancelled = [0, 1, 2].map(() => createTask(() => proc.wait()));
    await sleep(0);
    for (const t of cancelled) t.cancel();
    for (const t of cancelled) await assert.rejects(t, { name: "CancelledError" });
    const statuses = await taskGroup(async (tg) => {
      const waits = [0, 1, 2].map(() => tg.createTask(() => proc.wait()));
      await sleep(0);
      proc.kill();
      return waits;
    });
    assert.deepEqual(
      statuses.map((t) => t.result()),
      [-SIGNALS.SIGKILL, -SIGNALS.SIGKILL, -SIGNALS.SIGKILL],
    );
  });
});

// test_subprocess.py: test_pipes
test("stdin fed while stdout and stderr are read, all at once", async () => {
  await runVirtual(
    async () => {
      const msg = Buffer.from("the quick brown fox jumps over the lazy dog");
      await using proc = await start(COPY_STDIN_TO_STDOUT_AND_BACKWARD_TO_STDERR, {
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
      });
      const check = async (stream: StreamReader | null, expected: Buffer): Promise<void> => {
        const seen: Buffer[] = [];
        for (;;) {
          const chunk = (await stream?.read(1024)) ?? Buffer.alloc(0);
          if (chunk.length === 0) break;
          seen.push(chunk);
        }
        assert.deepEqual(Buffer.concat(seen), expected);
      };
      // No timeout() here: on virtual time it would expire whenever the child is slower than REAL_IDLE to answer
      // (Deno's start-up on a loaded machine is); node:test's own timeout guards a hang.
      await taskGroup(async (tg) => {
        tg.createTask(async () => {
          proc.stdin?.write(msg);
          await proc.stdin?.drain();
          proc.stdin?.close();
        });
        tg.createTask(() => check(proc.stdout, msg));
        tg.createTask(() => check(proc.stderr, Buffer.from(msg).reverse()));
      });
      assert.equal(await proc.wait(), 0);
    },
    { clock: childClock() },
  );
});

// test_subprocess.py: test_interactive
test("back and forth: each line asked for is answered on stdout and stderr", async () => {
  await runVirtual(
    async () => {
      await using proc = await start(
        node(
          "let idx = 0; let buf = ''; process.stdin.setEncoding('utf8').on('data', (c) => { buf += c; let i;" +
            " while ((i = buf.indexOf('\\n')) >= 0) { const n = Number(buf.slice(0, i)); buf = buf.slice(i + 1);" +
            " process.stdout.write(String(idx * 2).repeat(n) + '\\n');" +
            " process.stderr.write(String(idx * 2 + 1).repeat(n * 2) + '\\n'); idx++; } })",
        ),
        { stdin: "pipe", stdout: "pipe", stderr: "pipe" },
      );
      const drainOne = async (stream: StreamReader | null, count: number, digit: number): Promise<void> => {
        while (count > 0) {
          const result = (await stream?.read(count)) ?? Buffer.alloc(0);
          assert.ok(result.length > 0, "EOF too early");
          assert.equal(String(result), String(digit).repeat(result.length));
          count -= result.length;
        }
        assert.equal(String(await stream?.readexactly(1)), "\n");
      };
      const expect = (idx: number, request: number): Promise<void> =>
        taskGroup(async (tg) => {
          tg.createTask(() => drainOne(proc.stdout, request, idx * 2));
          tg.createTask(() => drainOne(proc.stderr, request * 2, idx * 2 + 1));
        });
      const stdin = proc.stdin;
      assert.ok(stdin !== null);
      stdin.write("12");
      await sleep(100);
      stdin.write("345\n");
      await expect(0, 12345);
      stdin.write("100\n200\n");
      await expect(1, 100);
      await expect(2, 200);
      stdin.write("0\n");
      await expect(3, 0);
      stdin.write("999999");
      // Half a request: nothing comes until its end of line (the wait is cancelled after 100 ms).
      const partial = await rejection(timeout(100, () => expect(4, 0)));
      assert.equal((partial as Error).name, "TimeoutError");
      stdin.write("\n");
      await expect(4, 999999);
      stdin.close();
      assert.equal((await proc.stdout?.read(1))?.length, 0);
      assert.equal((await proc.stderr?.read(1))?.length, 0);
      assert.equal(await proc.wait(), 0);
    },
    { clock: childClock() },
  );
});

// test_subprocess.py: test_run
test("runProcess feeds input and captures stdout and stderr", async () => {
  await runVirtual(async () => {
    const data = Buffer.alloc(2 ** 18);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 256;
    const copied = await runProcess(...CAT, { input: data, capture: true });
    assert.equal(copied.returncode, 0);
    assert.deepEqual(copied.stdout, data);
    assert.equal(copied.stderr?.length, 0);
    const empty = await runProcess(...CAT, { capture: true });
    assert.equal(empty.stdout?.length, 0, "no input: the child's stdin is empty");
    const both = await runProcess(...COPY_STDIN_TO_STDOUT_AND_BACKWARD_TO_STDERR, { input: data, capture: true });
    assert.deepEqual(both.stdout, data);
    assert.deepEqual(both.stderr, Buffer.from(data).reverse());
    // Trio refuses text input; aio takes a string as UTF-8, as StreamWriter.write does.
    assert.equal(
      String((await runProcess(...CAT, { input: "oh no, it's text", capture: true })).stdout),
      "oh no, it's text",
    );
    // Invalid combinations.
    assert.throws(() => runProcess(...CAT, { stdin: "pipe" }), /`stdin: "pipe"`/);
    assert.throws(() => runProcess(...CAT, { stdout: "pipe" }), /`stdout: "pipe"`/);
    assert.throws(() => runProcess(...CAT, { stderr: "pipe" }), /`stderr: "pipe"`/);
    assert.throws(() => runProcess(...CAT, { capture: true, stdout: "ignore" }), /both `capture` and `stdout`/);
    assert.throws(() => runProcess(...CAT, { capture: true, stderr: "inherit" }), /both `capture` and `stderr`/);
  });
});

// test_subprocess.py: test_run_check
test("check: a failing child throws ProcessError with what was captured", async () => {
  await runVirtual(async () => {
    const cmd = node("process.stderr.write('test\\n'); process.exitCode = 1");
    const e = await rejection(runProcess(...cmd, { capture: true }));
    assert.ok(e instanceof ProcessError);
    assert.deepEqual(e.command, [cmd[0], ...cmd[1]]);
    assert.equal(e.returncode, 1);
    assert.equal(String(e.stderr), "test\n");
    assert.equal(String(e.stdout), "");
    const result = await runProcess(...cmd, { capture: true, check: false });
    assert.equal(String(result.stdout), "");
    assert.equal(String(result.stderr), "test\n");
    assert.equal(result.returncode, 1);
  });
});

// test_subprocess.py: test_run_with_broken_pipe
test("input to a child that closes its stdin is no error", async () => {
  await runVirtual(async () => {
    const result = await runProcess(...node("require('node:fs').closeSync(0)"), { input: Buffer.alloc(131072, 120) });
    assert.equal(result.returncode, 0);
    assert.equal(result.stdout, null);
    assert.equal(result.stderr, null);
  });
});

// test_subprocess.py: test_stderr_stdout
test('stderr: "stdout" merges both into the one pipe', async () => {
  await runVirtual(async () => {
    await using proc = await start(COPY_STDIN_TO_STDOUT_AND_BACKWARD_TO_STDERR, {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "stdout",
    });
    assert.ok(proc.stdout !== null);
    assert.equal(proc.stderr, null);
    proc.stdin?.write("1234");
    proc.stdin?.writeEof();
    const output: Buffer[] = [];
    for (;;) {
      const chunk = await proc.stdout.read(16);
      if (chunk.length === 0) break;
      output.push(chunk);
    }
    assert.equal(String(Buffer.concat(output)), "12344321");
    assert.equal(await proc.wait(), 0);

    // The same with runProcess.
    const result = await runProcess(...COPY_STDIN_TO_STDOUT_AND_BACKWARD_TO_STDERR, {
      input: "1234",
      capture: true,
      stderr: "stdout",
    });
    assert.equal(result.returncode, 0);
    assert.equal(String(result.stdout), "12344321");
    assert.equal(result.stderr, null);

    // stderr to stdout while stdout is not a pipe.
    const plain = await start(CAT, { stdin: "pipe", stdout: "ignore", stderr: "stdout" });
    assert.equal(plain.stdout, null);
    assert.equal(plain.stderr, null);
    plain.stdin?.close();
    assert.equal(await plain.wait(), 0);
  });
});

// test_subprocess.py: test_signals
test("kill, terminate and an arbitrary signal each end the child with -N", async () => {
  await runVirtual(async () => {
    const cases: [(p: Process) => void, number][] = [
      [(p) => p.kill(), SIGNALS.SIGKILL],
      [(p) => p.terminate(), SIGNALS.SIGTERM],
      [(p) => p.sendSignal("SIGUSR1"), SIGNALS.SIGUSR1],
    ];
    for (const [send, signal] of cases) {
      await using proc = await createSubprocessExec("sleep", ["3600"]);
      send(proc);
      await proc.wait();
      assert.equal(proc.returncode, -signal);
    }
  });
});

// test_subprocess.py: test_kill_when_context_cancelled
test("a cancelled scope around `await using` ends the child", async () => {
  await runVirtual(
    async () => {
      let proc: Process | undefined;
      const scope = createTask(async () => {
        await using p = await createSubprocessExec("sleep", ["10"]);
        proc = p;
        await sleep(Number.POSITIVE_INFINITY);
      });
      while (proc === undefined) await sleep(1);
      scope.cancel();
      await assert.rejects(scope, { name: "CancelledError" });
      assert.equal(proc?.returncode, -SIGNALS.SIGTERM, "aio sends SIGTERM first (Trio's deprecated form killed)");
      assert.equal(String(proc), `<Process ${proc?.pid} killed by SIGTERM>`);
    },
    { clock: childClock() },
  );
});

// test_subprocess.py: test_warn_on_cancel_SIGKILL_escalation
test("a cancelled runProcess whose child ignores SIGTERM kills it after the 5 s grace", async () => {
  await runVirtual(
    async () => {
      const call = createTask(() => runProcess("sh", ["-c", IGNORES_SIGTERM(9999)], { capture: true }));
      while (childPids("sleep 9999").length === 0) await sleep(1);
      const cancelledAt = now();
      call.cancel();
      await assert.rejects(call, { name: "CancelledError" });
      assert.equal(now() - cancelledAt, 5000);
      assert.deepEqual(childPids("sleep 9999"), []);
    },
    { clock: childClock() },
  );
});

// test_subprocess.py: test_for_leaking_fds
test("runProcess leaves no file descriptor open, whether the child succeeds, fails or cannot start", async () => {
  await runVirtual(async () => {
    const fds = (): string[] => readdirSync("/proc/self/fd").sort();
    await runProcess(...EXIT_TRUE); // the first child makes libuv's lasting handles (signal pipe)
    const starting = fds();
    await runProcess(...EXIT_TRUE);
    assert.deepEqual(fds(), starting);
    await assert.rejects(runProcess(...EXIT_FALSE), ProcessError);
    assert.deepEqual(fds(), starting);
    await assert.rejects(runProcess("/dev/null"), { code: "EACCES" });
    assert.deepEqual(fds(), starting);
    await runProcess(...CAT, { input: "x", capture: true }); // three pipes, each closed by the time it returns
    assert.deepEqual(fds(), starting);
  });
});
