import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Barrier,
  BrokenBarrierError,
  Condition,
  createTask,
  Event,
  gather,
  InvalidStateError,
  isCancelledError,
  now,
  sleep,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

describe("Event", () => {
  test("set() wakes every waiter; waits after it return at once until clear()", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      const woke: number[] = [];
      const tasks = [1, 2].map((i) =>
        createTask(async () => {
          await ev.wait();
          woke.push(i);
        }),
      );
      await sleep(10);
      assert.deepEqual(woke, []);
      ev.set();
      await Promise.all(tasks);
      assert.deepEqual(woke, [1, 2]);
      assert.equal(await ev.wait(), true);
      ev.clear();
      assert.equal(ev.isSet(), false);
      const late = createTask(() => ev.wait());
      await sleep(5);
      assert.equal(late.done(), false);
      late.cancel();
      await rejection(late);
      assert.deepEqual(ev.statistics(), { set: false, waiters: 0 });
    });
  });
});

describe("Condition", () => {
  test("notify wakes one waiter at a time, each returning with the lock held", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      const items: number[] = [];
      const got: number[] = [];
      const consumers = [1, 2].map(() =>
        createTask(async () => {
          await using _ = await cond.hold();
          await cond.waitFor(() => items.length > 0);
          assert.ok(cond.locked());
          got.push(items.shift() as number);
        }),
      );
      await sleep(1);
      for (const x of [10, 20]) {
        await using _ = await cond.hold();
        items.push(x);
        cond.notify();
      }
      await gather(...consumers);
      assert.deepEqual(got, [10, 20]);
    });
  });

  test("a cancelled wait re-acquires the lock before throwing", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      let heldInFinally = false;
      const t = createTask(async () => {
        await cond.acquire();
        try {
          await cond.wait();
        } finally {
          heldInFinally = cond.locked();
          cond.release();
        }
      });
      await sleep(1);
      await cond.acquire(); // hold the lock while cancelling: the waiter must wait for it
      t.cancel();
      await sleep(5);
      assert.equal(t.done(), false, "still re-acquiring");
      cond.release();
      assert.ok(isCancelledError(await rejection(t)));
      assert.ok(heldInFinally);
    });
  });

  test("a notification received by a waiter that is then cancelled goes to another waiter", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      const waiter = () =>
        createTask(async () => {
          await using _ = await cond.hold();
          await cond.wait();
          return "notified";
        });
      const a = waiter();
      const b = waiter();
      await sleep(1);
      await cond.acquire();
      cond.notify(1); // to `a`
      a.cancel();
      cond.release();
      await rejection(a);
      assert.equal(await b, "notified");
    });
  });

  test("wait and notify without the lock throw", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      await assert.rejects(cond.wait(), InvalidStateError);
      assert.throws(() => cond.notify(), InvalidStateError);
    });
  });
});

describe("Barrier", () => {
  test("releases all parties at once, with distinct arrival indices, and is reusable", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(3);
      for (let round = 0; round < 2; round++) {
        const results = await gather(
          ...[5, 10, 20].map((ms) => async () => {
            await sleep(ms);
            const index = await barrier.wait();
            return [index, now()] as const;
          }),
        );
        assert.deepEqual(results.map(([i]) => i).sort(), [0, 1, 2]);
        assert.ok(results.every(([, t]) => t === results[0]?.[1]));
      }
      assert.equal(barrier.parties, 3);
      assert.equal(barrier.nWaiting, 0);
    });
  });

  test("abort breaks the barrier for current and future waiters; reset mends it", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(2);
      const early = createTask(() => barrier.wait());
      await sleep(1);
      assert.equal(barrier.nWaiting, 1);
      await barrier.abort();
      assert.ok((await rejection(early)) instanceof BrokenBarrierError);
      assert.ok(barrier.broken);
      await assert.rejects(barrier.wait(), BrokenBarrierError);
      await barrier.reset();
      assert.equal(barrier.broken, false);
      const [a, b] = await gather(
        () => barrier.wait(),
        () => barrier.wait(),
      );
      assert.deepEqual([a, b].sort(), [0, 1]);
    });
  });

  test("reset while tasks wait breaks their wait", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(3);
      const waiting = [createTask(() => barrier.wait()), createTask(() => barrier.wait())];
      await sleep(1);
      await barrier.reset();
      for (const t of waiting) assert.ok((await rejection(t)) instanceof BrokenBarrierError);
    });
  });

  test("an aborted signal abandons the wait, and the barrier counts one task fewer", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(2);
      const controller = new AbortController();
      const p = barrier.wait({ signal: controller.signal });
      await sleep(1);
      assert.equal(barrier.nWaiting, 1);
      controller.abort(new Error("left"));
      assert.equal(((await rejection(p)) as Error).message, "left");
      assert.equal(barrier.nWaiting, 0);
    });
  });

  test("rejects a bad number of parties", () => {
    assert.throws(() => new Barrier(0), /Expected `parties` to be a positive integer, got `0` \(number\)/);
  });
});
