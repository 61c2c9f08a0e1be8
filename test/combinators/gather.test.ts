import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CancelledError, createTask, currentTask, gather, isCancelledError, now, sleep, type Task } from "aio-ts";
import { PENDING_AT_EXIT, rejection, runVirtual } from "../helpers.ts";

describe("gather", () => {
  test("runs its children concurrently and returns their results in order", async () => {
    const [result, at] = await runVirtual(async () => {
      const r = await gather(
        async () => {
          await sleep(3000);
          return "chai";
        },
        async () => {
          await sleep(2000);
          return "toast";
        },
        Promise.resolve(3),
      );
      return [r, now()] as const;
    });
    assert.deepEqual(result, ["chai", "toast", 3]);
    assert.equal(at, 3000, "3 s, not 5 s");
  });

  test("takes an array and resolves to an array", async () => {
    const r = await runVirtual(() => gather([1, 2, 3].map((i) => () => sleep(i, i * 10))));
    assert.deepEqual(r, [10, 20, 30]);
  });

  test("with no awaitables resolves to an empty array", async () => {
    assert.deepEqual(await runVirtual(() => gather()), []);
    assert.deepEqual(await runVirtual(() => gather([])), []);
  });

  test("propagates the first error at once while the other children keep running", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      let slow: Task<void> | undefined;
      const g = gather(
        async () => {
          await sleep(10);
          throw new Error("first");
        },
        async () => {
          slow = currentTask() as Task<void>;
          await sleep(100);
          log.push(`slow finished at ${now()}`);
        },
      );
      const e = await rejection(g);
      assert.equal((e as Error).message, "first");
      assert.equal(now(), 10);
      assert.equal(slow?.done(), false);
      await sleep(200);
    });
    assert.deepEqual(log, ["slow finished at 100"]);
  });

  test("returnExceptions collects errors and cancellations as values", async () => {
    const r = await runVirtual(async () => {
      const cancelled = createTask(() => sleep(1000));
      const g = gather(
        [
          async () => 1,
          async () => {
            throw new TypeError("bad");
          },
          cancelled,
        ],
        { returnExceptions: true },
      );
      await sleep(1);
      cancelled.cancel("nope");
      return g;
    });
    assert.equal(r[0], 1);
    assert.ok(r[1] instanceof TypeError);
    assert.ok(r[2] instanceof CancelledError);
    assert.equal((r[2] as Error).message, "nope");
  });

  test("cancelling the gather cancels every running child, and the gather ends in CancelledError", async () => {
    const cleaned: string[] = [];
    await runVirtual(async () => {
      const child = (name: string) => async () => {
        try {
          await sleep(10_000);
        } finally {
          cleaned.push(name);
        }
      };
      const g = gather(child("a"), child("b"));
      await sleep(1);
      assert.equal(g.cancel(), true);
      assert.ok(isCancelledError(await rejection(g)));
    });
    assert.deepEqual(cleaned.sort(), ["a", "b"]);
  });

  test("cancelling the task that awaits a gather cancels the children", async () => {
    await runVirtual(async () => {
      const children: Task<void>[] = [];
      const waiter = createTask(() =>
        gather(
          ...[1, 2].map(() => async () => {
            children.push(currentTask() as Task<void>);
            await sleep(10_000);
          }),
        ),
      );
      await sleep(1);
      waiter.cancel();
      await rejection(waiter);
      assert.equal(children.length, 2);
      assert.ok(children.every((c) => c.cancelled()));
    });
  });

  test("a child cancelled on its own makes the gather fail with CancelledError", async () => {
    await runVirtual(
      async () => {
        const t = createTask(() => sleep(1000));
        const g = gather(t, () => sleep(10));
        await sleep(1);
        t.cancel();
        assert.ok(isCancelledError(await rejection(g)));
      },
      { expectReports: [PENDING_AT_EXIT] },
    );
  });

  test("the same task passed twice gives its result twice", async () => {
    const r = await runVirtual(async () => {
      const t = createTask(async () => 7);
      return gather(t, t);
    });
    assert.deepEqual(r, [7, 7]);
  });

  test("a non-awaitable argument throws at once and starts nothing", async () => {
    await runVirtual(async () => {
      let started = false;
      assert.throws(
        () =>
          gather(async () => {
            started = true;
          }, 42 as never),
        /Expected `argument 2` to be an awaitable \(a promise, task, future or function\), got `42` \(number\)/,
      );
      assert.throws(() => gather([Promise.resolve(1), "x" as never]), /Expected `aws\[1\]` to be an awaitable/);
      await sleep(1);
      assert.equal(started, false);
    });
  });

  test("works outside run(), in plain async code", async () => {
    assert.deepEqual(await gather(() => sleep(1, "a"), Promise.resolve("b")), ["a", "b"]);
  });
});
