// aio's own cases for Process: spawning, returncode, signals, and the rule that no child outlives its owner.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  createSubprocessExec,
  createSubprocessShell,
  createTask,
  now,
  type Process,
  run,
  runProcess,
  sleep,
} from "aio-ts";
import { loopOf } from "../../src/core/index.ts";
import { rejection, runVirtual } from "../helpers.ts";
import { childClock, childCommands, IGNORES_SIGTERM, pidGone, SIGNALS } from "./helpers.ts";

describe("starting a child", () => {
  test("gives its pid, a returncode of null while it runs, then its exit status", async () => {
    await runVirtual(async () => {
      const proc = await createSubprocessExec("sh", ["-c", "exit 3"], { stdin: "ignore" });
      assert.ok(Number.isInteger(proc.pid) && proc.pid > 0);
      assert.deepEqual(proc.command, ["sh", "-c", "exit 3"]);
      assert.equal(await proc.wait(), 3);
      assert.equal(proc.returncode, 3);
      assert.equal(await proc.wait(), 3, "a second wait returns the same status at once");
      assert.ok(pidGone(proc.pid));
      assert.equal(String(proc), `<Process ${proc.pid} exited 3>`);
    });
  });

  test("a program that does not exist rejects with Node's ENOENT error naming it", async () => {
    await runVirtual(async () => {
      const e = (await rejection(createSubprocessExec("no-such-program-aio"))) as NodeJS.ErrnoException;
      assert.equal(e.code, "ENOENT");
      assert.equal(e.path, "no-such-program-aio");
      assert.match(e.message, /no-such-program-aio/);
      // The same when stderr goes to stdout's pipe, where aio looks the program up itself.
      const e2 = (await rejection(
        createSubprocessExec("no-such-program-aio", [], { stdout: "pipe", stderr: "stdout" }),
      )) as NodeJS.ErrnoException;
      assert.equal(e2.code, "ENOENT");
      assert.match(e2.message, /no-such-program-aio/);
    });
  });

  test("bad arguments throw at once, before anything starts", () => {
    const bad: [() => unknown, ErrorConstructor, RegExp][] = [
      [() => createSubprocessExec(42 as never), TypeError, /`program` to be a non-empty string/],
      [() => createSubprocessExec(""), TypeError, /`program`/],
      [() => createSubprocessExec("ls", "-l" as never), TypeError, /`args` to be an array of strings/],
      [() => createSubprocessExec("ls", ["-l", 1 as never]), TypeError, /`args\[1\]` to be a string, got `1`/],
      [() => createSubprocessExec("ls", [], null as never), TypeError, /`options` to be an object/],
      [() => createSubprocessExec("ls", [], { stdout: "pipes" as never }), TypeError, /`stdout` to be "pipe"/],
      [() => createSubprocessExec("ls", [], { stdin: "stdout" as never }), TypeError, /`stdin`/],
      [() => createSubprocessExec("ls", [], { killGrace: -1 }), RangeError, /`killGrace`.*got `-1`/],
      [() => createSubprocessExec("ls", [], { killGrace: Number.NaN }), RangeError, /`killGrace`.*`NaN`/],
      [() => createSubprocessExec("ls", [], { killGrace: "5" as never }), TypeError, /`killGrace`/],
      [() => createSubprocessExec("ls", [], { cwd: 1 as never }), TypeError, /`cwd` to be a string/],
      [() => createSubprocessExec("ls", [], { limit: 0 }), TypeError, /`limit` to be a positive integer/],
      [() => createSubprocessExec("ls", [], { env: { A: 1 as never } }), TypeError, /`env.A` to be a string/],
      [() => createSubprocessShell(undefined as never), TypeError, /`command` to be a non-empty string/],
      [() => createSubprocessShell("true", { stderr: "err" as never }), TypeError, /`stderr`.*"stdout"/],
    ];
    for (const [call, type, message] of bad) {
      assert.throws(call, (e: unknown) => {
        assert.ok(e instanceof type, `${String(e)} is not a ${type.name}`);
        assert.match((e as Error).message, message);
        assert.equal((e as { code?: string }).code, "ERR_AIO_INVALID_ARGUMENT");
        return true;
      });
    }
  });

  test("cwd and env reach the child", async () => {
    await runVirtual(async () => {
      const proc = await createSubprocessShell('test "$(pwd)" = / && test "$AIO_X" = yes && test -z "$HOME"', {
        cwd: "/",
        env: { AIO_X: "yes", PATH: process.env.PATH },
      });
      assert.equal(await proc.wait(), 0);
    });
  });

  test("a start cancelled before the child is up kills the child it started", async () => {
    await runVirtual(async () => {
      const starting = createTask(() => createSubprocessExec("sleep", ["987654"]));
      await sleep(0); // the task has called spawn and waits for the child to be up
      starting.cancel();
      await assert.rejects(starting, { name: "CancelledError" });
      assert.deepEqual(
        childCommands().filter((c) => c.includes("987654")),
        [],
      );
    });
  });
});

describe("signals and returncode", () => {
  test("a child killed by signal N has returncode -N", async () => {
    await runVirtual(async () => {
      const cases: [(p: Awaited<ReturnType<typeof createSubprocessExec>>) => void, number][] = [
        [(p) => p.kill(), SIGNALS.SIGKILL],
        [(p) => p.terminate(), SIGNALS.SIGTERM],
        [(p) => p.sendSignal("SIGUSR1"), SIGNALS.SIGUSR1],
        [(p) => p.sendSignal(SIGNALS.SIGHUP), SIGNALS.SIGHUP],
      ];
      for (const [send, signal] of cases) {
        const proc = await createSubprocessExec("sleep", ["3600"]);
        assert.equal(proc.returncode, null);
        assert.equal(String(proc), `<Process ${proc.pid} running>`);
        send(proc);
        assert.equal(await proc.wait(), -signal);
        assert.equal(proc.returncode, -signal);
        assert.ok(pidGone(proc.pid));
      }
    });
  });

  test("signalling a child that has exited throws ESRCH (asyncio's ProcessLookupError)", async () => {
    await runVirtual(async () => {
      const proc = await createSubprocessExec("true");
      await proc.wait();
      for (const send of [() => proc.kill(), () => proc.terminate(), () => proc.sendSignal("SIGHUP")]) {
        assert.throws(send, { code: "ESRCH" });
      }
    });
  });

  test("an unknown signal is a TypeError", async () => {
    await runVirtual(async () => {
      await using proc = await createSubprocessExec("sleep", ["3600"]);
      assert.throws(() => proc.sendSignal("SIGNOPE" as never), { name: "TypeError", code: "ERR_AIO_INVALID_ARGUMENT" });
      assert.throws(() => proc.sendSignal(4096), TypeError);
      assert.equal(proc.returncode, null);
    });
  });
});

describe("no child outlives its owner", () => {
  test("cancelling wait() leaves the child running (asyncio's rule)", async () => {
    await runVirtual(async () => {
      const proc = await createSubprocessExec("sleep", ["3600"]);
      const waiter = createTask(() => proc.wait());
      await sleep(0);
      assert.deepEqual(proc.statistics(), { pid: proc.pid, returncode: null, waiters: 1 });
      waiter.cancel();
      await assert.rejects(waiter, { name: "CancelledError" });
      assert.deepEqual(proc.statistics(), { pid: proc.pid, returncode: null, waiters: 0 }, "the wait left no waiter");
      assert.equal(proc.returncode, null);
      assert.equal(pidGone(proc.pid), false);
      proc.kill();
      assert.equal(await proc.wait(), -SIGNALS.SIGKILL);
    });
  });

  test("await using ends a child that exits on SIGTERM, without waiting the grace", async () => {
    let pid = 0;
    let proc: Awaited<ReturnType<typeof createSubprocessExec>> | undefined;
    await runVirtual(
      async () => {
        {
          await using p = await createSubprocessExec("sleep", ["3600"]);
          proc = p;
          pid = p.pid;
        }
        assert.equal(proc?.returncode, -SIGNALS.SIGTERM);
        assert.ok(pidGone(pid));
        assert.equal(now(), 0, "no grace period was waited");
      },
      { clock: childClock() },
    );
  });

  test("run() ending ends a child its tasks left running", async () => {
    let proc: Awaited<ReturnType<typeof createSubprocessExec>> | undefined;
    await runVirtual(
      async () => {
        proc = await createSubprocessExec("sleep", ["3600"], { killGrace: 1000 });
      },
      { clock: childClock() },
    );
    assert.equal(proc?.returncode, -SIGNALS.SIGTERM);
    assert.ok(pidGone(proc?.pid ?? 0));
  });

  test("a child registers with run() while it runs, and leaves once it has exited", async () => {
    await runVirtual(async () => {
      const closers = loopOf().closers;
      const proc = await createSubprocessExec("sleep", ["3600"]);
      assert.equal(closers.size, 1);
      const quick = await createSubprocessExec("true");
      await quick.wait();
      assert.equal(closers.size, 1, "the one that exited left");
      proc.kill();
      await proc.wait();
      assert.equal(closers.size, 0);
    });
  });

  test("a child that exited by itself is not signalled when run() ends", async () => {
    await run(
      async () => {
        const proc = await createSubprocessExec("true");
        await proc.wait();
        // Nothing left for run() to end: had it kept the closer, it would call end() on an exited child, which
        // is harmless; what matters is that it returns at once and reports nothing.
      },
      { handleSignals: false, exceptionHandler: (r) => assert.fail(r.message) },
    );
  });
});

describe("ending a child: SIGTERM, then SIGKILL after killGrace", () => {
  test("await using a child that ignores SIGTERM: SIGKILL once killGrace has passed, and the pid is gone", async () => {
    await runVirtual(
      async () => {
        let proc: Process | undefined;
        {
          await using p = await createSubprocessShell(IGNORES_SIGTERM(3600), { stdout: "pipe", killGrace: 2000 });
          proc = p;
          assert.equal(String(await p.stdout?.readline()), "ready\n");
        }
        assert.equal(proc.returncode, -SIGNALS.SIGKILL);
        assert.ok(pidGone(proc.pid));
        assert.equal(now(), 2000, "SIGKILL came after the grace, not before");
      },
      { clock: childClock() },
    );
  });

  test("the default grace is 5 s", async () => {
    await runVirtual(
      async () => {
        await using p = await createSubprocessShell(IGNORES_SIGTERM(3600), { stdout: "pipe" });
        assert.equal(p.killGrace, 5000);
        await p.stdout?.readline();
        await p[Symbol.asyncDispose]();
        assert.equal(now(), 5000);
        assert.equal(p.returncode, -SIGNALS.SIGKILL);
      },
      { clock: childClock() },
    );
  });

  test("killGrace 0 sends SIGKILL at once", async () => {
    await runVirtual(
      async () => {
        const p = await createSubprocessShell(IGNORES_SIGTERM(3600), { stdout: "pipe", killGrace: 0 });
        await p.stdout?.readline();
        await p[Symbol.asyncDispose]();
        assert.equal(p.returncode, -SIGNALS.SIGKILL);
        assert.equal(now(), 0);
      },
      { clock: childClock() },
    );
  });

  test("a cancel during the grace sends SIGKILL at once, and the child is gone before the CancelledError", async () => {
    await runVirtual(
      async () => {
        let proc: Process | undefined;
        const owner = createTask(async () => {
          await using p = await createSubprocessShell(IGNORES_SIGTERM(3600), { stdout: "pipe" });
          proc = p;
          await p.stdout?.readline();
        });
        await sleep(100); // the owner is in its grace period by now: it ends at 5000
        assert.equal(proc?.returncode, null);
        owner.cancel();
        await assert.rejects(owner, { name: "CancelledError" });
        assert.equal(proc?.returncode, -SIGNALS.SIGKILL);
        assert.ok(pidGone(proc?.pid ?? 0));
        assert.equal(now(), 100);
      },
      { clock: childClock() },
    );
  });

  test("run() ending gives a child that ignores SIGTERM its grace, then kills it", async () => {
    let proc: Process | undefined;
    let ended = 0;
    await runVirtual(
      async () => {
        proc = await createSubprocessShell(IGNORES_SIGTERM(3600), { stdout: "pipe", killGrace: 1500 });
        await proc.stdout?.readline();
        createTask(async () => {
          try {
            await sleep(Number.POSITIVE_INFINITY);
          } finally {
            ended = now();
          }
        });
        await sleep(0);
      },
      { clock: childClock(), debug: false },
    );
    assert.equal(ended, 0, "tasks are cancelled first, then resources closed");
    assert.equal(proc?.returncode, -SIGNALS.SIGKILL);
    assert.ok(pidGone(proc?.pid ?? 0));
  });
});

describe("communicate()", () => {
  test("100 MB each way through cat does not deadlock", async () => {
    await runVirtual(async () => {
      const size = 100 * 1024 * 1024;
      const input = Buffer.alloc(size);
      for (let i = 0; i < size; i += 4096) input[i] = i % 251;
      const proc = await createSubprocessExec("cat", [], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
      const [out, err] = await proc.communicate(input);
      assert.equal(out?.length, size);
      assert.ok(out?.equals(input), "the bytes came back as they went");
      assert.equal(err?.length, 0);
      assert.equal(proc.returncode, 0);
    });
  });

  test("gives null for a stream that is not a pipe, and a string input is UTF-8", async () => {
    await runVirtual(async () => {
      const proc = await createSubprocessExec("cat", [], { stdin: "pipe", stdout: "pipe", stderr: "ignore" });
      const [out, err] = await proc.communicate("héllo");
      assert.equal(out?.toString("utf8"), "héllo");
      assert.equal(err, null);
      const none = await createSubprocessExec("true", [], { stdout: "ignore" });
      assert.deepEqual(await none.communicate(), [null, null]);
      assert.throws(() => proc.communicate(42 as never), { name: "TypeError", code: "ERR_AIO_INVALID_ARGUMENT" });
    });
  });

  test("stderr: 'stdout' sends both to the one pipe, in the order written", async () => {
    await runVirtual(async () => {
      const exec = await createSubprocessExec("sh", ["-c", "echo 1; echo 2 >&2; echo 3"], {
        stdout: "pipe",
        stderr: "stdout",
      });
      assert.equal(exec.stderr, null);
      assert.equal(String((await exec.communicate())[0]), "1\n2\n3\n");
      const shell = await createSubprocessShell("echo 1; echo 2 >&2; echo 3", { stdout: "pipe", stderr: "stdout" });
      assert.equal(String((await shell.communicate())[0]), "1\n2\n3\n");
    });
  });

  test("cancelling it leaves the child running, and what was read stays in the reader", async () => {
    await runVirtual(
      async () => {
        const proc = await createSubprocessShell("echo one; exec sleep 3600", { stdout: "pipe" });
        const talk = createTask(() => proc.communicate());
        await sleep(10); // virtual ms: the child's line has arrived by now (see childClock)
        talk.cancel();
        await assert.rejects(talk, { name: "CancelledError" });
        assert.equal(proc.returncode, null);
        assert.equal(pidGone(proc.pid), false);
        proc.kill();
        assert.equal(await proc.wait(), -SIGNALS.SIGKILL);
        assert.equal(String(await proc.stdout?.read()), "one\n");
      },
      { clock: childClock() },
    );
  });

  test("a child that exits without reading its stdin is no error (EPIPE is ignored)", async () => {
    await runVirtual(async () => {
      const proc = await createSubprocessExec("true", [], { stdin: "pipe", stdout: "pipe" });
      await proc.wait();
      const [out] = await proc.communicate(Buffer.alloc(4 * 1024 * 1024));
      assert.equal(out?.length, 0);
      assert.equal(proc.returncode, 0);
    });
  });
});

describe("outside run()", () => {
  test("children run on the default loop, and await using still ends them", async () => {
    const result = await runProcess("sh", ["-c", "echo hi"], { capture: true });
    assert.equal(String(result.stdout), "hi\n");
    let pid = 0;
    {
      await using proc = await createSubprocessExec("sleep", ["3600"]);
      pid = proc.pid;
      assert.equal(proc.returncode, null);
    }
    assert.ok(pidGone(pid));
  });
});
