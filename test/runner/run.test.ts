import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  CancelledError,
  createTask,
  currentTask,
  InvalidStateError,
  type LoopReport,
  now,
  run,
  sleep,
  type Task,
} from "aio-ts";
import { VirtualClock } from "aio-ts/testing";
import { loopOf } from "../../src/core/index.ts";
import { PENDING_AT_EXIT, rejection, runVirtual } from "../helpers.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

describe("run", () => {
  test("returns main's result and throws main's error", async () => {
    assert.equal(await runVirtual(async () => 42), 42);
    const e = await rejection(
      runVirtual(async () => {
        throw new RangeError("main failed");
      }),
    );
    assert.ok(e instanceof RangeError);
  });

  test("cancels and awaits every task still running when main ends, running their finally blocks first", async () => {
    const log: string[] = [];
    await runVirtual(
      async () => {
        createTask(async () => {
          try {
            await sleep(60_000);
          } finally {
            await sleep(5);
            log.push(`background cleaned up at ${now()}`);
          }
        });
        await sleep(10);
      },
      { expectReports: [PENDING_AT_EXIT] },
    );
    log.push("run returned");
    assert.deepEqual(log, ["background cleaned up at 15", "run returned"]);
  });

  test("reports a failed task whose error nobody retrieved, and not one that was awaited", async () => {
    const reports: LoopReport[] = [];
    await runVirtual(
      async () => {
        createTask(
          async () => {
            throw new Error("nobody looked");
          },
          { name: "lonely" },
        );
        const seen = createTask(async () => {
          throw new Error("handled");
        });
        await rejection(seen);
      },
      { reports },
    );
    assert.equal(reports.length, 1);
    assert.match(reports[0]?.message ?? "", /never retrieved/);
    assert.equal((reports[0]?.error as Error | undefined)?.message, "nobody looked");
    assert.equal(reports[0]?.task?.name, "lonely");
  });

  test("reports errors raised by tasks while they are cancelled at the end", async () => {
    const reports: LoopReport[] = [];
    await runVirtual(
      async () => {
        createTask(async () => {
          try {
            await sleep(1000);
          } finally {
            // biome-ignore lint/correctness/noUnsafeFinally: the point of the test
            throw new Error("cleanup failed");
          }
        });
        await sleep(1);
      },
      { reports },
    );
    assert.ok(reports.some((r) => /during run\(\) shutdown/.test(r.message)));
  });

  test("cannot be called from inside a running task", async () => {
    await runVirtual(async () => {
      await assert.rejects(() => run(async () => {}), InvalidStateError);
    });
  });

  test("a bad main throws at once", async () => {
    await assert.rejects(() => run(5 as never), /Expected `main` to be a function/);
  });

  test("{ clock: undefined } uses the real clock", async () => {
    const t = await run(async () => now(), { clock: undefined, handleSignals: false });
    assert.ok(t > 0);
  });

  test("drops every timer of its loop when it ends: sleeps that lost a race, callLater handles", async () => {
    const clock = new VirtualClock();
    let late = false;
    await run(
      async () => {
        loopOf().callLater(60_000, () => {
          late = true;
        });
        await Promise.race([sleep(60_000), sleep(2 ** 31 + 5), sleep(10)]);
      },
      { clock, handleSignals: false },
    );
    assert.equal(clock.pendingTimers, 0);
    clock.advance(2 ** 32);
    assert.equal(late, false, "a callLater callback ran after run() returned");
  });

  test("a VirtualClock gives the same trace every run", async () => {
    const trace = async () => {
      const log: string[] = [];
      await run(
        async () => {
          await Promise.all(
            [30, 10, 20, 10].map((ms, i) =>
              createTask(async () => {
                await sleep(ms);
                log.push(`${i}@${now()}`);
              }),
            ),
          );
        },
        { clock: new VirtualClock(), handleSignals: false },
      );
      return log.join(" ");
    };
    const first = await trace();
    assert.equal(first, "1@10 3@10 2@20 0@30");
    assert.equal(await trace(), first);
  });
});

describe("resources left open at run() end", () => {
  test("are closed after the last task ended, in a task that may wait on the loop's clock", async () => {
    const log: string[] = [];
    await runVirtual(
      async () => {
        const loop = loopOf();
        loop.closers.add(async () => {
          log.push(
            `close starts at ${now()} among ${loop
              .liveTasks()
              .map((t) => t.name)
              .join(", ")}`,
          );
          await sleep(500);
          log.push(`close ends at ${now()}`);
        });
        createTask(async () => {
          try {
            await sleep(10_000);
          } finally {
            log.push(`child cleanup at ${now()}`);
          }
        });
        await sleep(100);
      },
      { expectReports: [PENDING_AT_EXIT] },
    );
    assert.deepEqual(log, [
      "child cleanup at 100",
      "close starts at 100 among run() close, run() shutdown",
      "close ends at 600",
    ]);
  });

  test("a closer that throws is reported and the others still run; one added by a closer runs too", async () => {
    const log: string[] = [];
    await runVirtual(
      async () => {
        const loop = loopOf();
        loop.closers.add(async () => {
          throw new Error("close failed");
        });
        loop.closers.add(async () => {
          log.push("second");
          loop.closers.add(async () => {
            log.push("added while closing");
          });
        });
      },
      { expectReports: [/Unhandled exception closing a resource at run\(\) end/] },
    );
    assert.deepEqual(log, ["second", "added while closing"]);
  });
});

describe("debug mode", () => {
  test("reports tasks still pending when main returns", async () => {
    const reports: LoopReport[] = [];
    await runVirtual(
      async () => {
        createTask(() => sleep(1000), { name: "straggler" });
        await sleep(1);
      },
      { debug: true, reports },
    );
    assert.ok(reports.some((r) => /"straggler" .*still pending/.test(r.message)));
    assert.ok(reports.every((r) => r.task?.createdAt === undefined || r.task.createdAt.includes("run.test.ts")));
  });

  test("reports a cancelled task that swallowed CancelledError without uncancel()", async () => {
    const reports: LoopReport[] = [];
    await runVirtual(
      async () => {
        const t = createTask(
          async () => {
            try {
              await sleep(1000);
            } catch {
              // swallowed
            }
          },
          { name: "swallower" },
        );
        await sleep(1);
        t.cancel();
        await t;
        const polite = createTask(async () => {
          try {
            await sleep(1000);
          } catch {
            (currentTask() as Task<unknown>).uncancel();
          }
        });
        await sleep(1);
        polite.cancel();
        await polite;
      },
      { debug: true, reports },
    );
    const swallowed = reports.filter((r) => /swallowed its CancelledError/.test(r.message));
    assert.equal(swallowed.length, 1);
    assert.equal(swallowed[0]?.task?.name, "swallower");
  });

  test("reports a loop blocked for more than 100 ms, naming the task", () => {
    const r = spawnSync(process.execPath, [fixture("blocked.ts")], {
      encoding: "utf8",
      env: { ...process.env, AIO_DEBUG: "1" },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /event loop was blocked for \d+ ms by <Task "hog"/);
  });
});

describe("process behaviour", () => {
  test("an unretrieved task error is printed on stderr, and the program still ends normally", () => {
    const r = spawnSync(process.execPath, [fixture("unretrieved.ts")], { encoding: "utf8" });
    assert.equal(r.status, 0);
    assert.match(r.stdout, /run returned/);
    assert.match(r.stderr, /Task exception was never retrieved/);
    assert.match(r.stderr, /fire-and-forget/);
    assert.match(r.stderr, /lost in the background/);
  });

  test("the process exits once run() returns, though sleeps that lost a race and callLater handles were pending", async () => {
    // The child sleeps 60 s and 2^31+5 ms (24.8 days) in a race it leaves after
    // 10 ms. Time from its "run returned" line to its exit, so that start-up on
    // a loaded machine does not count; 20 s is far below the 60 s sleep.
    const child = spawn(process.execPath, [fixture("race-sleep.ts")], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let returnedAt: number | undefined;
    child.stderr.on("data", (d) => {
      err += d;
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    try {
      const exitedAt = await new Promise<number>((resolve) => {
        child.stdout.on("data", (d) => {
          out += d;
          if (returnedAt === undefined && out.includes("run returned")) returnedAt = performance.now();
        });
        child.on("exit", () => resolve(performance.now()));
      });
      assert.equal(out, "run returned\n", err);
      assert.equal(child.exitCode, 0, err);
      assert.ok(returnedAt !== undefined);
      assert.ok(exitedAt - returnedAt < 20_000, `exited ${Math.round(exitedAt - returnedAt)} ms after run() returned`);
    } finally {
      clearTimeout(killer);
      child.kill("SIGKILL");
    }
  });

  test("Ctrl-C cancels main, every finally runs, and the process exits 130", async () => {
    const child = spawn(process.execPath, [fixture("sigint.ts")], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let sent = false;
    child.stderr.on("data", (d) => {
      err += d;
    });
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on("data", (d) => {
        out += d;
        if (!sent && out.includes("ready")) {
          sent = true;
          child.kill("SIGINT");
        }
      });
      child.on("close", (c) => resolve(c));
    });
    assert.equal(code, 130, err);
    assert.deepEqual(out.trim().split("\n"), ["ready", "child cleanup done", "main finally ran"]);
    assert.equal(err, "", "no unhandled rejection on the way out");
  });
});

test("a CancelledError is not an AioError and carries the cancel message", async () => {
  const { AioError } = await import("aio-ts");
  const e = new CancelledError("m");
  assert.ok(!(e instanceof AioError));
  assert.equal(e.message, "m");
});
