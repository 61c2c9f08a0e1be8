// tg.start(fn), Trio's nursery.start. The cases named test_* are translated from Trio's
// src/trio/_core/_tests/test_run.py (seconds there, ms here, on a VirtualClock); the others are aio's own.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CancelledError,
  createTask,
  currentTask,
  ExceptionGroup,
  InvalidStateError,
  moveOnAfter,
  now,
  sleep,
  type TaskGroup,
  TaskGroup as TaskGroupClass,
  taskGroup,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

class KeyError extends Error {}

describe("Trio test_run.py: test_nursery_start", () => {
  test("a start() argument that is not a function is refused at once", async () => {
    await runVirtual(async () => {
      await taskGroup(async (tg) => {
        assert.throws(
          () => tg.start("no args" as unknown as () => Promise<void>),
          (e: unknown) =>
            e instanceof TypeError && e.message === 'Expected `fn` to be a function, got `"no args"` (string)',
        );
      });
    });
  });

  test("start() waits for started(), returns its value, and the group then waits for the child", async () => {
    await runVirtual(async () => {
      const sleepThenStart = async (ms: number, started: (v: number) => void) => {
        await sleep(ms);
        started(ms);
        await sleep(ms);
      };
      for (const ms of [1000, 2000]) {
        const t0 = now();
        await taskGroup(async (tg) => {
          assert.equal(tg.size, 0);
          assert.equal(await tg.start<number>((started) => sleepThenStart(ms, started)), ms);
          assert.equal(now() - t0, ms);
          assert.equal(tg.size, 1);
        });
        assert.equal(now() - t0, 2 * ms);
      }
    });
  });

  test("calling started() twice is an error", async () => {
    await runVirtual(async () => {
      let second: unknown;
      await taskGroup(async (tg) => {
        await tg.start(async (started) => {
          started();
          try {
            started();
          } catch (e) {
            second = e;
          }
        });
      });
      assert.ok(second instanceof InvalidStateError);
      assert.equal(second.message, "started() was already called");
    });
  });

  test("a child that crashes before started(): the error comes out of start(), and the group goes on", async () => {
    await runVirtual(async () => {
      const oops = new KeyError("oops");
      let sibling = false;
      await taskGroup(async (tg) => {
        tg.createTask(async () => {
          await sleep(10);
          sibling = true;
        });
        const e = await rejection(
          tg.start(async () => {
            throw oops;
          }),
        );
        assert.equal(e, oops);
      });
      assert.equal(sibling, true, "the group was not cancelled");
    });
  });

  test("a child that returns before started(): start() throws", async () => {
    await runVirtual(async () => {
      await taskGroup(async (tg) => {
        const e = await rejection(tg.start(async () => {}, { name: "nothing" }));
        assert.ok(e instanceof InvalidStateError);
        assert.equal(e.code, "ERR_AIO_NOT_STARTED");
        assert.match(e.message, /^<Task "nothing" .*> returned without calling started\(\)$/);
      });
    });
  });

  test("start() cancelled: the child is cancelled, started() does nothing, and start() throws CancelledError", async () => {
    await runVirtual(async () => {
      const log: string[] = [];
      await taskGroup(async (tg) => {
        const result = await moveOnAfter(10, () =>
          tg.start<string>(async (started) => {
            try {
              await sleep(100);
            } finally {
              started("hi"); // too late: a no-op
              log.push("child finally");
            }
          }),
        );
        assert.equal(result, undefined);
        assert.deepEqual(log, ["child finally"], "the child ended before start() threw");
        assert.equal(tg.size, 0, "the child never joined the group");
      });
    });
  });

  test("start() cancelled, and the child crashes after started(): that error comes out of start()", async () => {
    await runVirtual(async () => {
      const whoops = new KeyError("whoopsiedaisy");
      await taskGroup(async (tg) => {
        const e = await rejection(
          moveOnAfter(10, () =>
            tg.start(async (started) => {
              try {
                await sleep(100);
              } catch {
                started();
                throw whoops;
              }
            }),
          ),
        );
        assert.equal(e, whoops);
      });
    });
  });

  test("start() on a finished group throws at once", async () => {
    await runVirtual(async () => {
      let closed: TaskGroup | undefined;
      await taskGroup(async (tg) => {
        closed = tg;
      });
      const t0 = now();
      assert.throws(
        () => closed?.start(async (started) => started()),
        (e: unknown) => e instanceof InvalidStateError && /^<TaskGroup.*> is finished$/.test(e.message),
      );
      assert.equal(now(), t0);
    });
  });
});

describe("Trio test_run.py: test_nursery_start_keeps_nursery_open", () => {
  test("a pending start() keeps the group open until the child calls started(), then while it runs", async () => {
    await runVirtual(async () => {
      const sleepABit = async (started: () => void) => {
        await sleep(2000);
        started();
        await sleep(3000);
      };
      const t0 = now();
      await taskGroup(async (tg1) => {
        await taskGroup(async (tg2) => {
          tg1.createTask(() => tg2.start(sleepABit));
          await sleep(1000);
          tg1.createTask(() => tg2.start(sleepABit));
          // tg2 has no child yet: only the two pending start() calls keep it open.
        });
        assert.equal(now() - t0, 6000);
      });
    });
  });

  test("...and a child that crashes without ever joining releases it", async () => {
    await runVirtual(async () => {
      const t0 = now();
      await taskGroup(async (tg1) => {
        await taskGroup(async (tg2) => {
          tg1.createTask(async () => {
            const e = await rejection(
              tg2.start(async () => {
                await sleep(7000);
                throw new KeyError();
              }),
            );
            assert.ok(e instanceof KeyError);
          });
          await sleep(0);
        });
        assert.equal(now() - t0, 7000);
      });
    });
  });
});

describe("Trio test_run.py: test_nursery_start_with_cancelled_nursery", () => {
  // A target group is handed out through start(); a child started into it is cancelled if the group is shutting
  // down when the child calls started().
  async function sleepingChildren(fn: () => void, started: () => void): Promise<void> {
    await taskGroup(async (inner) => {
      inner.createTask(() => sleep(Number.POSITIVE_INFINITY));
      inner.createTask(() => sleep(Number.POSITIVE_INFINITY));
      await sleep(1);
      fn();
      started();
    });
  }

  for (const when of ["before", "after"] as const) {
    test(`the target group cancelled just ${when} started(): everything ends`, async () => {
      await runVirtual(async () => {
        await taskGroup(async (tg) => {
          const target = await tg.start<TaskGroup>((started) =>
            taskGroup(async (t) => {
              started(t);
              await sleep(Number.POSITIVE_INFINITY);
            }),
          );
          await target.start((started) =>
            sleepingChildren(when === "before" ? () => target.cancel() : () => {}, started),
          );
          if (when === "after") target.cancel();
        });
      });
    });
  }
});

describe("tg.start", () => {
  test("after started(), the child's error is the group's: siblings and the body are cancelled", async () => {
    await runVirtual(async () => {
      const boom = new Error("boom");
      let siblingCancelled = false;
      const e = await rejection(
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            try {
              await sleep(1000);
            } catch (error) {
              siblingCancelled = error instanceof CancelledError;
              throw error;
            }
          });
          await tg.start(async (started) => {
            started();
            await sleep(10);
            throw boom;
          });
          await sleep(1000);
        }),
      );
      assert.ok(e instanceof ExceptionGroup);
      assert.deepEqual(e.errors, [boom]);
      assert.equal(siblingCancelled, true);
    });
  });

  test("the child runs as its own named task, outside the caller", async () => {
    await runVirtual(async () => {
      await taskGroup(async (tg) => {
        const caller = currentTask();
        const [name, differs] = await tg.start<[string | undefined, boolean]>(
          async (started) => {
            started([currentTask()?.name, currentTask() !== caller]);
          },
          { name: "server" },
        );
        assert.equal(name, "server");
        assert.equal(differs, true);
      });
    });
  });

  test("started() after the child ended is an error", async () => {
    await runVirtual(async () => {
      let late: (() => void) | undefined;
      await taskGroup(async (tg) => {
        await rejection(
          tg.start(async (started) => {
            late = started;
          }),
        );
      });
      assert.throws(
        () => late?.(),
        (e: unknown) => e instanceof InvalidStateError && /^started\(\) called after <Task .*> ended$/.test(e.message),
      );
    });
  });

  test("a child cancelled by itself before started(): start() throws CancelledError and the group goes on", async () => {
    await runVirtual(async () => {
      await taskGroup(async (tg) => {
        const e = await rejection(
          tg.start(async () => {
            currentTask()?.cancel("self");
            await sleep(1);
          }),
        );
        assert.ok(e instanceof CancelledError);
        assert.equal(currentTask()?.cancelling(), 0, "the caller was not cancelled");
      });
    });
  });

  test("cancelling the caller again while the child cleans up: start() still waits for the child to end", async () => {
    await runVirtual(async () => {
      let ended = false;
      await taskGroup(async (tg) => {
        const caller = createTask(() =>
          tg.start(async () => {
            try {
              await sleep(1000);
            } finally {
              await sleep(50).catch(() => {});
              await sleep(50);
              ended = true;
            }
          }),
        );
        await sleep(10);
        caller.cancel();
        await sleep(10);
        caller.cancel();
        const e = await rejection(caller);
        assert.ok(e instanceof CancelledError);
        assert.equal(ended, true);
      });
    });
  });

  test("refused by a group not entered, or shutting down", async () => {
    await runVirtual(async () => {
      assert.throws(
        () => new TaskGroupClass().start(async (started) => started()),
        (e: unknown) => e instanceof InvalidStateError && e.message === "<TaskGroup> has not been entered",
      );
      await rejection(
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            throw new Error("fails");
          });
          await sleep(1).catch(() => {});
          assert.throws(
            () => tg.start(async (started) => started()),
            (e: unknown) => e instanceof InvalidStateError && /^<TaskGroup.*> is shutting down$/.test(e.message),
          );
        }),
      );
    });
  });
});
