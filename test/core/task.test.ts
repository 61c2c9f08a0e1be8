import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  allTasks,
  CancelledError,
  createTask,
  currentTask,
  InvalidStateError,
  isCancelledError,
  now,
  sleep,
  type Task,
} from "aio-ts";
import { rejection, runVirtual, SWALLOWED_CANCEL } from "../helpers.ts";

describe("createTask", () => {
  test("starts the task when its creator next yields, not before", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      const t = createTask(async () => {
        log.push("child runs");
      });
      log.push("created");
      await sleep(0);
      log.push("creator resumed");
      await t;
    });
    assert.deepEqual(log, ["created", "child runs", "creator resumed"]);
  });

  test("runs tasks in the order they were created", async () => {
    const log: number[] = [];
    await runVirtual(async () => {
      const tasks = [1, 2, 3].map((i) => createTask(async () => void log.push(i)));
      for (const t of tasks) await t;
    });
    assert.deepEqual(log, [1, 2, 3]);
  });

  test("throws a clear error outside a running task", () => {
    assert.throws(
      () => createTask(async () => {}),
      (e: unknown) => e instanceof InvalidStateError && /createTask\(\) needs a running task/.test(e.message),
    );
  });

  test("rejects a non-function with a message naming the argument", async () => {
    await runVirtual(async () => {
      assert.throws(() => createTask(42 as never), /Expected `fn` to be a function, got `42` \(number\)/);
    });
  });

  test("names tasks Task-<n> by default and keeps a given name", async () => {
    await runVirtual(async () => {
      const a = createTask(async () => {});
      const b = createTask(async () => {}, { name: "fetcher" });
      assert.match(a.name, /^Task-\d+$/);
      assert.equal(b.name, "fetcher");
      assert.equal(currentTask()?.name, "main");
      await a;
      await b;
    });
  });

  test("allTasks lists the live tasks of the loop, and currentTask the running one", async () => {
    await runVirtual(async () => {
      const t: Task<void> = createTask(async () => {
        assert.equal(currentTask(), t);
        await sleep(10);
      });
      const live = allTasks();
      assert.ok(live.has(t));
      assert.ok(live.has(currentTask() as Task<unknown>));
      await t;
      assert.ok(!allTasks().has(t));
    });
  });

  test("keeps the creator's AsyncLocalStorage values in the task", async () => {
    const { AsyncLocalStorage } = await import("node:async_hooks");
    const requestId = new AsyncLocalStorage<string>();
    const seen = await runVirtual(() =>
      requestId.run("req-7", async () => {
        const t = createTask(async () => {
          await sleep(5);
          return requestId.getStore();
        });
        return t;
      }),
    );
    assert.equal(seen, "req-7");
  });
});

describe("Task.cancel", () => {
  test("throws CancelledError at the await, runs finally blocks that may await, and ends cancelled", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      const t = createTask(async () => {
        try {
          await sleep(60_000);
          log.push("not reached");
        } finally {
          log.push(`finally at ${now()}`);
          await sleep(50);
          log.push(`cleanup done at ${now()}`);
        }
      });
      await sleep(100);
      assert.equal(t.cancel("stop"), true);
      const e = await rejection(t);
      assert.ok(e instanceof CancelledError);
      assert.equal((e as Error).message, "stop");
      assert.ok(t.cancelled());
      assert.equal(t.cancel(), false, "cancelling a done task returns false");
    });
    assert.deepEqual(log, ["finally at 100", "cleanup done at 150"]);
  });

  test("a task cancelled before it starts never runs its body", async () => {
    let ran = false;
    await runVirtual(async () => {
      const t = createTask(async () => {
        ran = true;
      });
      t.cancel();
      assert.ok(isCancelledError(await rejection(t)));
    });
    assert.equal(ran, false);
  });

  test("a task cancelling itself gets CancelledError at its next await", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      const t = createTask(async () => {
        currentTask()?.cancel("self");
        log.push("still running");
        try {
          await sleep(1);
        } catch (e) {
          log.push((e as Error).message);
          throw e;
        }
      });
      await rejection(t);
    });
    assert.deepEqual(log, ["still running", "self"]);
  });

  test("a cancel that arrives after the sleep ended but before the task resumed is still delivered there", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      let b: Task<void> | undefined;
      const a = createTask(async () => {
        await sleep(10);
        b?.cancel();
      });
      b = createTask(async () => {
        try {
          await sleep(10);
          log.push("b resumed normally");
        } catch (e) {
          log.push(isCancelledError(e) ? "b cancelled at its sleep" : "other");
          throw e;
        }
      });
      await a;
      await rejection(b);
    });
    assert.deepEqual(log, ["b cancelled at its sleep"]);
  });

  test("cancelling a task that awaits another task cancels the awaited one too", async () => {
    await runVirtual(async () => {
      const inner = createTask(() => sleep(60_000));
      const outer = createTask(async () => {
        await inner;
      });
      await sleep(1);
      outer.cancel();
      await rejection(outer);
      assert.ok(inner.cancelled());
    });
  });

  test("counts requests with cancelling() and withdraws them with uncancel()", async () => {
    await runVirtual(async () => {
      const t = createTask(async () => {
        try {
          await sleep(1000);
        } catch (e) {
          const me = currentTask() as Task<unknown>;
          assert.equal(me.cancelling(), 2);
          assert.equal(me.uncancel(), 1);
          assert.equal(me.uncancel(), 0);
          throw e;
        }
      });
      await sleep(1);
      t.cancel();
      t.cancel();
      await rejection(t);
    });
  });

  test("uncancel() below zero throws a clear error", async () => {
    await runVirtual(async () => {
      assert.throws(
        () => (currentTask() as Task<unknown>).uncancel(),
        /uncancel\(\) called on .* more times than cancel\(\)/,
      );
    });
  });

  test("a task that swallows its cancellation and returns keeps its result", async () => {
    await runVirtual(
      async () => {
        const t = createTask(async () => {
          try {
            await sleep(1000);
          } catch {
            return "swallowed";
          }
          return "normal";
        });
        await sleep(1);
        t.cancel();
        assert.equal(await t, "swallowed");
        assert.equal(t.cancelled(), false);
      },
      { expectReports: [SWALLOWED_CANCEL] },
    );
  });
});

describe("Task.signal", () => {
  test("aborts as soon as a cancel is requested, with the CancelledError as reason", async () => {
    await runVirtual(async () => {
      const t = createTask(() => sleep(1000));
      const signal = t.signal;
      assert.equal(signal.aborted, false);
      t.cancel("why");
      assert.equal(signal.aborted, true);
      assert.ok(signal.reason instanceof CancelledError);
      assert.equal((signal.reason as Error).message, "why");
      await rejection(t);
    });
  });

  test("is handed out fresh once uncancel() brings the count back to 0", async () => {
    await runVirtual(async () => {
      const me = currentTask() as Task<unknown>;
      const first = me.signal;
      me.cancel();
      assert.ok(first.aborted);
      me.uncancel();
      assert.equal(me.signal.aborted, false);
      assert.notEqual(me.signal, first);
    });
  });

  test("created after the task was cancelled starts aborted", async () => {
    await runVirtual(async () => {
      const t = createTask(() => sleep(1000));
      t.cancel();
      assert.equal(t.signal.aborted, true);
      await rejection(t);
    });
  });
});

describe("Task results", () => {
  test("result() and exception() follow asyncio's states", async () => {
    await runVirtual(async () => {
      const ok = createTask(async () => 5);
      const bad = createTask(async () => {
        throw new RangeError("bad");
      });
      assert.throws(() => ok.result(), InvalidStateError);
      assert.throws(() => ok.exception(), InvalidStateError);
      await sleep(0);
      assert.equal(ok.result(), 5);
      assert.equal(ok.exception(), undefined);
      assert.ok(bad.exception() instanceof RangeError);
      assert.throws(() => bad.result(), RangeError);
    });
  });

  test("setResult and setException are refused on a task", async () => {
    await runVirtual(async () => {
      const t = createTask(async () => 1);
      assert.throws(() => t.setResult(2), /Task does not support setResult/);
      assert.throws(() => t.setException(new Error()), /Task does not support setException/);
      await t;
    });
  });

  test("a task awaiting itself gets an error instead of a deadlock", async () => {
    await runVirtual(async () => {
      const t: Task<unknown> = createTask(async () => {
        await t;
      });
      assert.match(String(await rejection(t)), /cannot await itself/);
    });
  });
});
