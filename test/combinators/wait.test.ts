import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { asCompleted, createTask, type Future, isCancelledError, now, shield, sleep, TimeoutError, wait } from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

describe("shield", () => {
  test("cancelling the awaiter leaves the shielded task running to completion", async () => {
    await runVirtual(async () => {
      const inner = createTask(() => sleep(100, "saved"));
      const outer = createTask(() => shield(inner));
      await sleep(10);
      outer.cancel();
      assert.ok(isCancelledError(await rejection(outer)));
      assert.equal(inner.done(), false);
      assert.equal(await inner, "saved");
    });
  });

  test("passes results and errors through, and follows an inner cancellation", async () => {
    await runVirtual(async () => {
      assert.equal(await shield(() => sleep(5, 1)), 1);
      const bad = await rejection(
        shield(async () => {
          throw new Error("x");
        }),
      );
      assert.equal((bad as Error).message, "x");
      const inner = createTask(() => sleep(100));
      const s = shield(inner);
      inner.cancel();
      assert.ok(isCancelledError(await rejection(s)));
    });
  });
});

describe("wait", () => {
  test("ALL_COMPLETED returns the very tasks, all done", async () => {
    await runVirtual(async () => {
      const a = createTask(() => sleep(10, "a"));
      const b = createTask(() => sleep(20, "b"));
      const { done, pending } = await wait([a, b]);
      assert.deepEqual(
        [...done].sort((x, y) => (x === a ? -1 : y === a ? 1 : 0)),
        [a, b],
      );
      assert.equal(pending.size, 0);
      assert.equal(now(), 20);
    });
  });

  test("FIRST_COMPLETED returns as soon as one is done and cancels nothing", async () => {
    await runVirtual(async () => {
      const a = createTask(() => sleep(10));
      const b = createTask(() => sleep(20));
      const { done, pending } = await wait([a, b], { returnWhen: "FIRST_COMPLETED" });
      assert.deepEqual([...done], [a]);
      assert.deepEqual([...pending], [b]);
      assert.equal(b.cancelled(), false);
      await b;
    });
  });

  test("FIRST_EXCEPTION returns on the first error", async () => {
    await runVirtual(async () => {
      const bad = createTask(async () => {
        await sleep(5);
        throw new Error("x");
      });
      const slow = createTask(() => sleep(50));
      const { done, pending } = await wait([bad, slow], { returnWhen: "FIRST_EXCEPTION" });
      assert.ok(done.has(bad) && pending.has(slow));
      assert.equal(now(), 5);
      await rejection(bad);
      await slow;
    });
  });

  test("a timeout returns what is done so far, with no error", async () => {
    await runVirtual(async () => {
      const slow = createTask(() => sleep(1000));
      const { done, pending } = await wait([slow], { timeout: 100 });
      assert.equal(done.size, 0);
      assert.ok(pending.has(slow));
      assert.equal(now(), 100);
      slow.cancel();
    });
  });

  test("bad input throws at once", async () => {
    await runVirtual(async () => {
      assert.throws(() => wait([]), /non-empty/);
      assert.throws(() => wait([createTask(async () => {})], { returnWhen: "SOME" as never }), /returnWhen/);
      assert.throws(() => wait(Promise.resolve() as never), /iterable/);
      assert.throws(() => wait([1 as never]), /Expected `aws\[0\]` to be an awaitable/);
    });
  });
});

describe("asCompleted", () => {
  test("yields the very tasks in the order they finish", async () => {
    await runVirtual(async () => {
      const slow = createTask(() => sleep(30, "slow"));
      const fast = createTask(() => sleep(10, "fast"));
      const order: unknown[] = [];
      // TypeScript types a for-await variable as the awaited value; at run time it is the task itself.
      for await (const item of asCompleted([slow, fast])) {
        const t = item as unknown as Future<string>;
        order.push(t === fast ? "fast" : t === slow ? "slow" : "?");
        order.push(await t);
      }
      assert.deepEqual(order, ["fast", "fast", "slow", "slow"]);
    });
  });

  test("the timeout throws TimeoutError from the iteration and cancels nothing", async () => {
    await runVirtual(async () => {
      const slow = createTask(() => sleep(1000));
      const seen: Future<unknown>[] = [];
      const e = await rejection(
        (async () => {
          for await (const t of asCompleted([slow, () => sleep(10)], { timeout: 100 })) {
            seen.push(t as unknown as Future<unknown>);
          }
        })(),
      );
      assert.ok(e instanceof TimeoutError);
      assert.equal(seen.length, 1);
      assert.equal(slow.cancelled(), false);
      slow.cancel();
    });
  });

  test("leaving the loop early cancels the tasks it started from functions, not yours", async () => {
    await runVirtual(async () => {
      const mine = createTask(() => sleep(500));
      const started: Future<unknown>[] = [];
      for await (const t of asCompleted([() => sleep(10), () => sleep(1000), mine])) {
        started.push(t as unknown as Future<unknown>);
        break;
      }
      await sleep(1);
      assert.equal(mine.cancelled(), false);
      const leftovers = [...(await import("aio-ts")).allTasks()].filter((t) => t !== mine && t.name !== "main");
      assert.equal(leftovers.length, 0, "no task started by asCompleted outlives the loop");
      await mine;
    });
  });
});
