// Behaviour cases translated from CPython's Lib/test/test_asyncio/test_runners.py (RunTests).
// asyncio.Runner, loop factories, debug flags of the loop object and KeyboardInterrupt
// have no counterpart in aio and are not ported.
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { test } from "node:test";
import {
  allTasks,
  CancelledError,
  createTask,
  currentTask,
  Event,
  Future,
  InvalidStateError,
  type LoopReport,
  now,
  run,
  sleep,
  type Task,
} from "aio-ts";
import { VirtualClock } from "aio-ts/testing";
import { PENDING_AT_EXIT, rejection, runVirtual } from "../helpers.ts";

class ZeroDivision extends Error {
  override name = "ZeroDivision";
}

// test_runners.py: test_asyncio_run_return
test("run returns what main returns, after main awaited", async () => {
  assert.equal(
    await runVirtual(async () => {
      await sleep(0);
      return 42;
    }),
    42,
  );
});

// test_runners.py: test_asyncio_run_raises
test("run throws the very error main throws", async () => {
  const spam = new RangeError("spam");
  const e = await rejection(
    runVirtual(async () => {
      await sleep(0);
      throw spam;
    }),
  );
  assert.equal(e, spam);
});

// test_runners.py: test_asyncio_run_only_coro
test("run refuses something that is not a function, before running anything", async () => {
  for (const o of [1, null, "main", Promise.resolve(1)]) {
    await assert.rejects(run(o as never), TypeError);
  }
});

// test_runners.py: test_asyncio_run_from_running_loop
test("run inside a running task throws InvalidStateError and never calls its main", async () => {
  let called = false;
  await runVirtual(async () => {
    await assert.rejects(
      run(async () => {
        called = true;
      }),
      (e) => e instanceof InvalidStateError && /cannot be called from a running/.test(e.message),
    );
  });
  assert.equal(called, false);
});

// test_runners.py: test_asyncio_run_cancels_hanging_tasks
test("run cancels a task main left sleeping, and returns main's value", async () => {
  let loTask: Task<void> | undefined;
  const result = await runVirtual(
    async () => {
      loTask = createTask(() => sleep(100));
      return 123;
    },
    { expectReports: [PENDING_AT_EXIT] },
  );
  assert.equal(result, 123);
  assert.equal(loTask?.done(), true);
  assert.equal(loTask?.cancelled(), true);
});

// test_runners.py: test_asyncio_run_cancels_hanging_tasks (a task waiting on something that never happens)
test("run cancels a task left waiting on a future nobody will set, and the future with it", async () => {
  let loTask: Task<void> | undefined;
  const never = new Future<void>();
  const result = await runVirtual(
    async () => {
      loTask = createTask(async () => {
        await never;
      });
      await sleep(0);
      return "ok";
    },
    { expectReports: [PENDING_AT_EXIT] },
  );
  assert.equal(result, "ok");
  assert.equal(loTask?.cancelled(), true);
  assert.equal(never.cancelled(), true);
});

// test_runners.py: test_asyncio_run_reports_hanging_tasks_errors
test("an error a leftover task raises while being cancelled is reported, naming the task, and run still returns", async () => {
  const reports: LoopReport[] = [];
  let loTask: Task<void> | undefined;
  const result = await runVirtual(
    async () => {
      loTask = createTask(async () => {
        try {
          await sleep(100);
        } catch (e) {
          if (e instanceof CancelledError) throw new ZeroDivision("1 / 0");
          throw e;
        }
      });
      return 123;
    },
    { reports },
  );
  assert.equal(result, 123);
  assert.equal(loTask?.done(), true);
  assert.equal(reports.length, 1);
  assert.match(reports[0]?.message ?? "", /run.*shutdown/);
  assert.equal(reports[0]?.task, loTask);
  assert.ok(reports[0]?.error instanceof ZeroDivision);
});

// test_runners.py: test_asyncio_run_closes_gens_after_hanging_tasks_errors
test("when main fails, leftover tasks are cancelled, their async generators closed, and main's error comes out", async () => {
  class FancyExit extends Error {}
  const reports: LoopReport[] = [];
  let lazyboy: Task<void> | undefined;
  let generatorClosed = false;
  async function* fidget() {
    try {
      for (;;) {
        yield 1;
        await sleep(1000);
      }
    } finally {
      generatorClosed = true;
    }
  }
  const e = await rejection(
    runVirtual(
      async () => {
        lazyboy = createTask(async () => {
          try {
            for await (const _ of fidget()) {
              // spin
            }
          } catch (error) {
            if (error instanceof CancelledError) throw new ZeroDivision("1 / 0");
            throw error;
          }
        });
        await sleep(0);
        throw new FancyExit();
      },
      { reports },
    ),
  );
  assert.ok(e instanceof FancyExit);
  assert.equal(lazyboy?.done(), true);
  assert.equal(generatorClosed, true);
  assert.ok(reports.some((r) => r.error instanceof ZeroDivision));
});

// test_runners.py: test_interrupt_cancelled_task (without the interrupt: main cancelled by another task)
test("main cancelled by one of its tasks makes run throw CancelledError", async () => {
  const e = await rejection(
    runVirtual(async () => {
      const main = currentTask() as Task<unknown>;
      createTask(async () => {
        await sleep(0);
        main.cancel("from a subtask");
      });
      await sleep(10_000);
    }),
  );
  assert.ok(e instanceof CancelledError);
  assert.equal(e.message, "from a subtask");
});

// test_runners.py: test_interrupt_wait (without the interrupt): cancelling main cancels the future it awaits
test("cancelling main while it waits on a future cancels the future; main may turn it into its own error", async () => {
  const fut = new Future<void>();
  const e = await rejection(
    runVirtual(async () => {
      const main = currentTask() as Task<unknown>;
      createTask(async () => {
        await sleep(100);
        main.cancel();
      });
      try {
        await fut;
      } catch (error) {
        assert.ok(error instanceof CancelledError);
        throw new CancelledError("again");
      }
    }),
  );
  assert.ok(e instanceof CancelledError);
  assert.equal(fut.cancelled(), true);
});

// test_runners.py: test_asyncio_run_without_uncancel (main blocked on an Event when cancelled)
test("main cancelled while waiting on an Event ends run with CancelledError", async () => {
  const e = await rejection(
    runVirtual(async () => {
      const main = currentTask() as Task<unknown>;
      createTask(async () => {
        main.cancel();
      });
      await new Event().wait();
    }),
  );
  assert.ok(e instanceof CancelledError);
});

// test_runners.py: RunnerTests.test_run_keeps_context (each run starts from the caller's context; nothing leaks out)
test("values main sets in its context do not leak out of run", async () => {
  const cvar = new AsyncLocalStorage<number>();
  const f = (val: number) => async () => {
    const old = cvar.getStore() ?? -1;
    await sleep(0);
    cvar.enterWith(val);
    return old;
  };
  assert.equal(await runVirtual(f(1)), -1);
  assert.equal(await runVirtual(f(2)), -1);
  assert.equal(cvar.getStore(), undefined);
});

// test_runners.py: test_asyncio_run_return, twice: each run has a loop (and a clock) of its own
test("runs one after the other each have their own tasks and clock", async () => {
  const first = await run(
    async () => {
      createTask(() => sleep(60_000));
      await sleep(500);
      return [now(), allTasks().size];
    },
    { clock: new VirtualClock(), handleSignals: false },
  );
  const second = await run(
    async () => {
      await sleep(0);
      return [now(), allTasks().size];
    },
    { clock: new VirtualClock(), handleSignals: false },
  );
  assert.deepEqual(first, [500, 2]);
  assert.deepEqual(second, [0, 1]);
});

// test_runners.py: test_asyncio_run_cancels_hanging_tasks (the cleanup of a leftover task may await)
test("a leftover task's cleanup may await and finishes before run returns", async () => {
  const log: string[] = [];
  const result = await runVirtual(
    async () => {
      createTask(async () => {
        try {
          await sleep(100);
        } finally {
          await sleep(50);
          log.push(`cleaned up at ${now()}`);
        }
      });
      await sleep(10);
      return "main";
    },
    { expectReports: [PENDING_AT_EXIT] },
  );
  log.push(`run returned ${result}`);
  assert.deepEqual(log, ["cleaned up at 60", "run returned main"]);
});

// test_runners.py: test_asyncio_run_reports_hanging_tasks_errors (a leftover that swallows the cancel and returns)
test("a leftover task that swallows its cancel and returns lets run return main's value", async () => {
  const reports: LoopReport[] = [];
  let loTask: Task<string> | undefined;
  const result = await runVirtual(
    async () => {
      loTask = createTask(async () => {
        try {
          await sleep(100);
        } catch {
          return "swallowed";
        }
        return "slept";
      });
      await sleep(0);
      return 7;
    },
    { reports },
  );
  assert.equal(result, 7);
  assert.equal(loTask?.result(), "swallowed");
  assert.deepEqual(
    reports.filter((r) => r.error !== undefined),
    [],
  );
});
