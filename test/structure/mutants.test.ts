// Behaviours of TaskGroup that mutation testing showed were not pinned by the other tests.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  createTask,
  currentTask,
  ExceptionGroup,
  InvalidStateError,
  isCancelledError,
  now,
  sleep,
  type Task,
  TaskGroup,
  taskGroup,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

describe("TaskGroup (details)", () => {
  test("createTask with a non-function names the `fn` argument", async () => {
    await runVirtual(() =>
      taskGroup(async (tg) => {
        assert.throws(
          () => tg.createTask(42 as unknown as () => Promise<void>),
          (e: unknown) =>
            e instanceof TypeError &&
            e.message === "Expected `fn` to be a function, got `42` (number)" &&
            (e as TypeError & { code: string }).code === "ERR_AIO_INVALID_ARGUMENT",
        );
      }),
    );
  });

  test("the repr shows the children, the errors, and whether the group is entered or cancelling", async () => {
    const seen: string[] = [];
    const fresh = new TaskGroup();
    seen.push(String(fresh));
    const e = await runVirtual(() =>
      rejection(
        taskGroup(async (tg) => {
          seen.push(String(tg));
          tg.createTask(async () => {
            await sleep(10);
            throw new Error("boom");
          });
          tg.createTask(async () => {
            try {
              await sleep(10_000);
            } finally {
              await sleep(5);
            }
          });
          seen.push(String(tg));
          try {
            await sleep(10_000);
          } finally {
            seen.push(String(tg));
          }
        }),
      ),
    );
    assert.ok(e instanceof ExceptionGroup);
    assert.deepEqual(seen, [
      "<TaskGroup>",
      "<TaskGroup entered>",
      "<TaskGroup tasks=2 entered>",
      "<TaskGroup tasks=1 errors=1 cancelling>",
    ]);
  });

  test("the ExceptionGroup of the children's errors says where it comes from", async () => {
    const e = await runVirtual(() =>
      rejection(
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            throw new Error("boom");
          });
        }),
      ),
    );
    assert.ok(e instanceof ExceptionGroup);
    assert.equal(e.message, "unhandled errors in a TaskGroup (1 sub-exception)");
  });

  test("tg.cancel() shuts the group at once: the repr says cancelling and createTask is refused", async () => {
    await runVirtual(() =>
      taskGroup(async (tg) => {
        tg.createTask(() => sleep(10_000));
        tg.cancel();
        assert.equal(String(tg), "<TaskGroup tasks=1 cancelling>");
        assert.throws(
          () => tg.createTask(() => sleep(0)),
          (e: unknown) =>
            e instanceof InvalidStateError && e.message === "<TaskGroup tasks=1 cancelling> is shutting down",
        );
      }),
    );
  });

  test("tg.cancel() on a finished group does nothing: its caller is not cancelled", async () => {
    const [at, level, repr] = await runVirtual(async () => {
      let saved: TaskGroup | undefined;
      await taskGroup(async (tg) => {
        saved = tg;
      });
      saved?.cancel();
      await sleep(10);
      return [now(), currentTask()?.cancelling(), String(saved)] as const;
    });
    assert.equal(at, 10);
    assert.equal(level, 0);
    assert.equal(repr, "<TaskGroup entered>");
  });

  test("a second tg.cancel() does not cancel again the children that are cleaning up", async () => {
    const log = await runVirtual(async () => {
      const log: string[] = [];
      let saved: TaskGroup | undefined;
      const outer = createTask(() =>
        taskGroup(async (tg) => {
          saved = tg;
          tg.createTask(async () => {
            try {
              await sleep(10_000);
            } finally {
              await sleep(20);
              log.push(`cleaned up at ${now()}`);
            }
          });
        }),
      );
      await sleep(10);
      saved?.cancel();
      await sleep(5);
      saved?.cancel();
      await outer;
      log.push(`group done at ${now()}, outer cancelled: ${outer.cancelled()}`);
      return log;
    });
    assert.deepEqual(log, ["cleaned up at 30", "group done at 30, outer cancelled: false"]);
  });

  test("a child failing while a cancel from outside shuts the group does not cancel again the children cleaning up", async () => {
    const log: string[] = [];
    const e = await runVirtual(async () => {
      const outer = createTask(() =>
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            try {
              await sleep(10_000);
            } finally {
              await sleep(5);
              // biome-ignore lint/correctness/noUnsafeFinally: the child fails during its cleanup
              throw new Error("cleanup failed");
            }
          });
          tg.createTask(async () => {
            try {
              await sleep(10_000);
            } finally {
              await sleep(20);
              log.push(`cleaned up at ${now()}`);
            }
          });
        }),
      );
      await sleep(10);
      outer.cancel();
      return rejection(outer);
    });
    assert.ok(e instanceof ExceptionGroup);
    assert.deepEqual(
      e.errors.map((x) => (x as Error).message),
      ["cleanup failed"],
    );
    assert.deepEqual(log, ["cleaned up at 30"]);
  });

  test("a cancel from outside that arrives with tg.cancel() while the group waits for its children comes out as CancelledError", async () => {
    const [e, outerCancelled] = await runVirtual(async () => {
      let saved: TaskGroup | undefined;
      const outer = createTask(() =>
        taskGroup(async (tg) => {
          saved = tg;
          tg.createTask(() => sleep(10_000));
        }),
      );
      await sleep(10);
      saved?.cancel();
      outer.cancel();
      const e = await rejection(outer);
      return [e, outer.cancelled()] as const;
    });
    assert.ok(isCancelledError(e));
    assert.equal(outerCancelled, true);
  });

  test("a cancel from outside that arrives with tg.cancel() while the body waits comes out as CancelledError", async () => {
    const [e, outerCancelled] = await runVirtual(async () => {
      let saved: TaskGroup | undefined;
      const outer = createTask(() =>
        taskGroup(async (tg) => {
          saved = tg;
          await sleep(10_000);
        }),
      );
      await sleep(10);
      saved?.cancel();
      outer.cancel();
      const e = await rejection(outer);
      return [e, outer.cancelled()] as const;
    });
    assert.ok(isCancelledError(e));
    assert.equal(outerCancelled, true);
  });

  test("a cancel from outside survives the group failing: the caller's next await is cancelled", async () => {
    const log: string[] = [];
    const outerCancelled = await runVirtual(async () => {
      const outer = createTask(async () => {
        try {
          await taskGroup(async (tg) => {
            tg.createTask(async () => {
              await sleep(10);
              throw new Error("boom");
            });
            tg.createTask(async () => {
              try {
                await sleep(10_000);
              } finally {
                await sleep(20);
              }
            });
          });
        } catch (e) {
          log.push(`group threw ${(e as Error).constructor.name} at ${now()}`);
        }
        try {
          await sleep(1);
          log.push("slept");
        } catch (e) {
          log.push(`sleep cancelled: ${isCancelledError(e)}, cancelling ${currentTask()?.cancelling()}`);
          throw e;
        }
      });
      await sleep(15);
      outer.cancel();
      await rejection(outer);
      return outer.cancelled();
    });
    assert.deepEqual(log, ["group threw ExceptionGroup at 30", "sleep cancelled: true, cancelling 1"]);
    assert.equal(outerCancelled, true);
  });
});

// A TaskGroup built with `new` is entered only through the internal `_enter` (taskGroup() does it): these pin
// what that low-level path does.
describe("TaskGroup entered by hand (internal _enter)", () => {
  test("a cancel() before the group is entered takes effect when it is entered", async () => {
    const [cancelled, repr] = await runVirtual(async () => {
      const tg = new TaskGroup();
      tg.cancel();
      const reprBefore = String(tg);
      const t = createTask(async () => {
        tg._enter(currentTask() as Task<unknown>);
        await sleep(10);
      });
      await rejection(t);
      return [t.cancelled(), `${reprBefore} -> ${String(tg)}`] as const;
    });
    assert.equal(cancelled, true);
    assert.equal(repr, "<TaskGroup> -> <TaskGroup cancelling>");
  });

  test("a group cannot be entered twice", async () => {
    await runVirtual(async () => {
      const tg = new TaskGroup();
      const task = currentTask() as Task<unknown>;
      tg._enter(task);
      assert.throws(
        () => tg._enter(task),
        (e: unknown) => e instanceof InvalidStateError && e.message === "<TaskGroup entered> has already been entered",
      );
    });
  });

  test("a child that fails after the group's task ended is reported, and nothing is cancelled", async () => {
    const reports: { message: string; error: unknown }[] = [];
    const boom = new Error("boom");
    await runVirtual(
      async () => {
        const tg = new TaskGroup();
        const parent = createTask(async () => {
          tg._enter(currentTask() as Task<unknown>);
          tg.createTask(
            async () => {
              await sleep(10);
              throw boom;
            },
            { name: "child" },
          );
        });
        await parent;
        await sleep(20);
        assert.equal(String(tg), "<TaskGroup errors=1 entered>");
      },
      { reports },
    );
    assert.deepEqual(
      reports.map((r) => [r.message, r.error]),
      [
        [
          '<Task "child" finished exception=Error("boom")> failed but the parent task of its group is already done',
          boom,
        ],
      ],
    );
  });
});
