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
  type TaskGroup,
  taskGroup,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

describe("taskGroup", () => {
  test("waits for every child and returns the body's result", async () => {
    const [r, at, log] = await runVirtual(async () => {
      const log: string[] = [];
      const r = await taskGroup(async (tg) => {
        tg.createTask(async () => {
          await sleep(100);
          log.push("a");
        });
        tg.createTask(async () => {
          await sleep(200);
          log.push("b");
        });
        return "body";
      });
      return [r, now(), log] as const;
    });
    assert.equal(r, "body");
    assert.equal(at, 200);
    assert.deepEqual(log, ["a", "b"]);
  });

  test("the first failing child cancels its siblings and the body, then an ExceptionGroup of the real errors is thrown", async () => {
    const log: string[] = [];
    const e = await runVirtual(() =>
      rejection(
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            await sleep(10);
            throw new Error("boom");
          });
          tg.createTask(async () => {
            try {
              await sleep(10_000);
            } finally {
              log.push(`sibling cleaned up at ${now()}`);
            }
          });
          try {
            await sleep(10_000);
          } catch (err) {
            log.push(`body cancelled: ${isCancelledError(err)}`);
            throw err;
          }
        }),
      ),
    );
    assert.ok(e instanceof ExceptionGroup);
    assert.equal((e as ExceptionGroup).errors.length, 1);
    assert.equal(((e as ExceptionGroup).errors[0] as Error).message, "boom");
    assert.deepEqual(log.sort(), ["body cancelled: true", "sibling cleaned up at 10"]);
  });

  test("after an error the calling task is not left cancelled", async () => {
    await runVirtual(async () => {
      await rejection(
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            throw new Error("x");
          });
          await sleep(1000);
        }),
      );
      assert.equal((currentTask() as Task<unknown>).cancelling(), 0);
      await sleep(10); // the caller goes on normally
    });
  });

  test("collects every child error, and an error of the body joins them", async () => {
    const e = (await runVirtual(() =>
      rejection(
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            throw new Error("one");
          });
          tg.createTask(async () => {
            throw new Error("two");
          });
          try {
            await sleep(1000);
          } catch {
            throw new Error("body"); // the body, cancelled by the failures, fails in its own way
          }
        }),
      ),
    )) as ExceptionGroup;
    assert.ok(e instanceof ExceptionGroup);
    assert.deepEqual(e.errors.map((x) => (x as Error).message).sort(), ["body", "one", "two"]);
  });

  test("a cancel from outside cancels the children, waits for them, and comes out as CancelledError", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      const t = createTask(() =>
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            try {
              await sleep(10_000);
            } finally {
              await sleep(5);
              log.push(`child done at ${now()}`);
            }
          });
          await sleep(10_000);
        }),
      );
      await sleep(10);
      t.cancel();
      assert.ok(isCancelledError(await rejection(t)));
      log.push(`caller saw it at ${now()}`);
    });
    assert.deepEqual(log, ["child done at 15", "caller saw it at 15"]);
  });

  test("no child outlives the group, even when the body returns at once", async () => {
    await runVirtual(async () => {
      let child: Task<void> | undefined;
      await taskGroup(async (tg) => {
        child = tg.createTask(() => sleep(500));
      });
      assert.ok(child?.done());
      assert.equal(now(), 500);
    });
  });

  test("createTask on a finished group throws", async () => {
    await runVirtual(async () => {
      let saved: TaskGroup | undefined;
      await taskGroup(async (tg) => {
        saved = tg;
      });
      assert.throws(
        () => saved?.createTask(async () => {}),
        (e: unknown) => e instanceof InvalidStateError && /is finished/.test((e as Error).message),
      );
    });
  });

  test("tg.cancel() stops the children and the body without an error", async () => {
    await runVirtual(async () => {
      const r = await taskGroup(async (tg) => {
        tg.createTask(() => sleep(10_000));
        await sleep(10);
        tg.cancel();
        await sleep(10_000);
        return "unreached";
      });
      assert.equal(r, undefined);
      assert.equal(now(), 10);
    });
  });

  test("nested groups: an inner failure surfaces as a nested ExceptionGroup", async () => {
    const e = (await runVirtual(() =>
      rejection(
        taskGroup(async (outer) => {
          outer.createTask(() =>
            taskGroup(async (inner) => {
              inner.createTask(async () => {
                throw new TypeError("deep");
              });
            }),
          );
        }),
      ),
    )) as ExceptionGroup;
    assert.ok(e instanceof ExceptionGroup);
    const inner = e.errors[0] as ExceptionGroup;
    assert.ok(inner instanceof ExceptionGroup);
    assert.ok(inner.errors[0] instanceof TypeError);
    const [match, rest] = e.split((x) => x instanceof TypeError);
    assert.ok(match instanceof ExceptionGroup);
    assert.equal(rest, undefined);
  });

  test("works outside run(), in plain async code", async () => {
    const r = await taskGroup(async (tg) => {
      const t = tg.createTask(() => sleep(1, 5));
      return t;
    });
    assert.equal(await r, 5);
  });

  test("a non-function body throws at once", () => {
    assert.throws(() => taskGroup(null as never), /Expected `body` to be a function/);
  });
});
