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

  test("wait and notify without the lock say which, with the code ERR_AIO_LOCK_NOT_HELD", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      const waited = await rejection(cond.wait());
      assert.ok(waited instanceof InvalidStateError);
      assert.equal(waited.message, "cannot wait on un-acquired lock");
      assert.equal(waited.code, "ERR_AIO_LOCK_NOT_HELD");
      const notified = (() => {
        try {
          cond.notify();
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(notified instanceof InvalidStateError);
      assert.equal(notified.message, "cannot notify on un-acquired lock");
      assert.equal(notified.code, "ERR_AIO_LOCK_NOT_HELD");
    });
  });

  test("rejects a lock that is no Lock, a predicate that is no function, a bad signal and a bad n", async () => {
    assert.throws(() => new Condition({} as never), {
      name: "TypeError",
      message: "Expected `lock` to be a Lock, got `[object Object]`",
    });
    await runVirtual(async () => {
      const cond = new Condition();
      await cond.acquire();
      await assert.rejects(cond.waitFor("ready" as never), {
        name: "TypeError",
        message: "Expected `predicate` to be a function, got `ready`",
      });
      const refused = cond.wait({ signal: "x" as never });
      assert.ok(cond.locked(), "a refused wait leaves the lock held");
      await assert.rejects(refused, {
        name: "TypeError",
        message: "Expected `signal` to be an AbortSignal, got `x` (string)",
      });
      for (const [n, shown] of [
        [-1, "`-1` (number)"],
        [Number.NaN, "`NaN` (number)"],
        ["2", "`2` (string)"],
      ] as const) {
        assert.throws(() => cond.notify(n as never), {
          name: "TypeError",
          message: `Expected \`n\` to be a non-negative number, got ${shown}`,
        });
      }
      cond.release();
    });
  });

  test("toString shows the waiters only while there are some", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      assert.equal(String(cond), "<Condition [unlocked]>");
      const waiter = createTask(async () => {
        await using _ = await cond.hold();
        await cond.wait();
      });
      await sleep(1);
      assert.equal(String(cond), "<Condition [unlocked, waiters:1]>");
      await cond.acquire();
      assert.equal(String(cond), "<Condition [locked, waiters:1]>");
      cond.notify();
      assert.equal(String(cond), "<Condition [locked]>");
      cond.release();
      await waiter;
      assert.equal(String(cond), "<Condition [unlocked]>");
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

  test("statistics and toString follow the states; nWaiting counts only the tasks of a filling barrier", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(2);
      const first = createTask(() => barrier.wait());
      await sleep(0);
      assert.deepEqual(barrier.statistics(), { parties: 2, nWaiting: 1, broken: false, state: "filling" });
      assert.equal(String(barrier), "<Barrier [filling, waiters:1/2]>");
      const second = createTask(() => barrier.wait());
      await sleep(0);
      // `second` went through as the last party; `first`, released, is still inside: the barrier drains.
      assert.deepEqual(barrier.statistics(), { parties: 2, nWaiting: 0, broken: false, state: "draining" });
      assert.equal(String(barrier), "<Barrier [draining, waiters:0/2]>");
      assert.deepEqual([await first, await second], [0, 1]);
      assert.deepEqual(barrier.statistics(), { parties: 2, nWaiting: 0, broken: false, state: "filling" });

      const broken = createTask(() => barrier.wait());
      await sleep(0);
      await barrier.reset();
      // `broken` is still inside, to be told: the barrier resets.
      assert.deepEqual(barrier.statistics(), { parties: 2, nWaiting: 0, broken: false, state: "resetting" });
      assert.equal(String(barrier), "<Barrier [resetting, waiters:0/2]>");
      const error = await rejection(broken);
      assert.ok(error instanceof BrokenBarrierError);
      assert.equal(error.message, "Abort or reset of barrier");
      assert.equal(error.code, "ERR_AIO_BROKEN_BARRIER");
      assert.deepEqual(barrier.statistics(), { parties: 2, nWaiting: 0, broken: false, state: "filling" });
    });
  });

  test("a wait on a broken barrier and a wait broken by abort say which, with the code ERR_AIO_BROKEN_BARRIER", async () => {
    await runVirtual(async () => {
      for (const parties of [1, 2]) {
        const barrier = new Barrier(parties);
        const early = parties > 1 ? createTask(() => barrier.wait()) : undefined;
        await sleep(0);
        await barrier.abort();
        assert.deepEqual(barrier.statistics(), { parties, nWaiting: 0, broken: true, state: "broken" });
        if (early !== undefined) {
          const aborted = await rejection(early);
          assert.ok(aborted instanceof BrokenBarrierError);
          assert.equal(aborted.message, "Abort or reset of barrier");
        }
        // Even a single party, which would pass at once, is refused.
        const late = await rejection(barrier.wait());
        assert.ok(late instanceof BrokenBarrierError);
        assert.equal(late.message, "Barrier aborted");
        assert.equal(late.code, "ERR_AIO_BROKEN_BARRIER");
        assert.equal(barrier.broken, true);
      }
    });
  });

  test("an uncontended abort() or reset() takes effect at once, before its promise is awaited", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(2);
      const aborting = barrier.abort();
      assert.equal(barrier.broken, true);
      await aborting;
      const resetting = barrier.reset();
      assert.equal(barrier.broken, false);
      await resetting;
    });
  });

  test("BrokenBarrierError has a default message and a code, and keeps instanceof across two copies of aio", () => {
    const error = new BrokenBarrierError();
    assert.equal(error.message, "Barrier aborted");
    assert.equal(error.code, "ERR_AIO_BROKEN_BARRIER");
    assert.equal(error.name, "BrokenBarrierError");
    const foreign = Object.create({
      [Symbol.for("aio.BrokenBarrierError")]: true,
      [Symbol.for("aio.AioError")]: true,
    });
    assert.ok(foreign instanceof BrokenBarrierError);
    assert.ok(!(new InvalidStateError("x") instanceof BrokenBarrierError));
  });

  test("rejects a bad number of parties", () => {
    assert.throws(() => new Barrier(0), /Expected `parties` to be a positive integer, got `0` \(number\)/);
  });
});
