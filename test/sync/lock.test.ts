import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createTask, InvalidStateError, isCancelledError, Lock, now, sleep, type Task } from "aio-ts";
import { bestTimes, rejection, runVirtual } from "../helpers.ts";

describe("Lock", () => {
  test("an uncontended acquire takes the lock at once", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      assert.equal(await lock.acquire(), true);
      assert.ok(lock.locked());
      lock.release();
      assert.ok(!lock.locked());
    });
  });

  test("waiters get the lock in FIFO order", async () => {
    const order: number[] = [];
    await runVirtual(async () => {
      const lock = new Lock();
      await lock.acquire();
      const tasks = [1, 2, 3].map((i) =>
        createTask(async () => {
          await lock.acquire();
          order.push(i);
          await sleep(10);
          lock.release();
        }),
      );
      await sleep(1);
      lock.release();
      for (const t of tasks) await t;
    });
    assert.deepEqual(order, [1, 2, 3]);
  });

  test("no barging: after a release, a newcomer queues behind the woken waiter", async () => {
    // The newcomer asks in the very turn of the release, before the woken waiter has run: the only moment barging can
    // happen. (A newcomer started as a new task would run after the waiter anyway, and prove nothing.)
    const order: string[] = [];
    await runVirtual(async () => {
      const lock = new Lock();
      await lock.acquire();
      const waiter = createTask(async () => {
        await lock.acquire();
        order.push("waiter");
        await sleep(5); // holds the lock across a wait: a barger would run meanwhile
        order.push("waiter releases");
        lock.release();
      });
      await sleep(1);
      lock.release(); // wakes `waiter`, which has not run yet
      assert.equal(lock.locked(), false, "as in asyncio, the lock reads unlocked until the waiter runs");
      await lock.acquire(); // the newcomer: this task, at once
      order.push("newcomer");
      lock.release();
      await waiter;
    });
    assert.deepEqual(order, ["waiter", "waiter releases", "newcomer"]);
  });

  test("a waiter woken and then cancelled before it ran passes the lock on", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      await lock.acquire();
      const first = createTask(() => lock.acquire());
      const second = createTask(async () => {
        await lock.acquire();
        return "second got it";
      });
      await sleep(1);
      lock.release(); // wakes `first`
      first.cancel(); // ...which is cancelled before it runs
      assert.ok(isCancelledError(await rejection(first)));
      assert.equal(await second, "second got it");
      assert.ok(lock.locked());
    });
  });

  test("a cancelled waiter leaves the queue and the others proceed", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      await lock.acquire();
      const a = createTask(() => lock.acquire());
      const b = createTask(() => lock.acquire());
      await sleep(1);
      a.cancel();
      await rejection(a);
      assert.deepEqual(lock.statistics(), { locked: true, waiters: 1 });
      lock.release();
      await b;
      assert.ok(lock.locked());
    });
  });

  test("await using releases the lock on scope exit, also on throw and cancel", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      await assert.rejects(async () => {
        await using _held = await lock.hold();
        assert.ok(lock.locked());
        throw new Error("inside");
      });
      assert.ok(!lock.locked());
      const t: Task<void> = createTask(async () => {
        await using _held = await lock.hold();
        await sleep(1000);
      });
      await sleep(1);
      assert.ok(lock.locked());
      t.cancel();
      await rejection(t);
      assert.ok(!lock.locked());
    });
  });

  test("an aborted signal abandons the wait with the signal's reason", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      await lock.acquire();
      const controller = new AbortController();
      const p = lock.acquire({ signal: controller.signal });
      await sleep(1);
      controller.abort(new Error("gave up"));
      assert.equal(((await rejection(p)) as Error).message, "gave up");
      lock.release();
      assert.ok(!lock.locked(), "the aborted waiter did not take the lock");
      assert.throws(() => lock.acquire({ signal: "x" as never }), /Expected `signal` to be an AbortSignal/);
    });
  });

  test("toString and statistics count a woken waiter that has not run yet", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      await lock.acquire();
      const [first, second] = [createTask(() => lock.acquire()), createTask(() => lock.acquire())];
      await sleep(0);
      assert.equal(String(lock), "<Lock [locked, waiters:2]>");
      lock.release(); // promises the lock to `first`, which has not run yet
      assert.equal(String(lock), "<Lock [unlocked, waiters:2]>");
      assert.deepEqual(lock.statistics(), { locked: false, waiters: 2 });
      await first;
      assert.equal(String(lock), "<Lock [locked, waiters:1]>");
      lock.release();
      await second;
      lock.release();
      assert.equal(String(lock), "<Lock [unlocked]>");
    });
  });

  test("an uncontended hold() resumes its caller as soon as an uncontended acquire() would", async () => {
    await runVirtual(async () => {
      const order: string[] = [];
      const held = new Lock();
      const acquired = new Lock();
      // Started in this order, each with one await: an extra hop in hold() would let acquire() overtake it.
      await Promise.all([
        (async () => {
          await using _ = await held.hold();
          order.push("hold");
        })(),
        (async () => {
          await acquired.acquire();
          order.push("acquire");
          acquired.release();
        })(),
      ]);
      assert.deepEqual(order, ["hold", "acquire"]);
    });
  });

  test("a contended hold() resolves only once the holder releases", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      const log: string[] = [];
      await lock.acquire();
      const waiter = createTask(async () => {
        await using _ = await lock.hold();
        log.push(`held at ${now()}`);
      });
      await sleep(10);
      log.push(`released at ${now()}`);
      lock.release();
      await waiter;
      assert.deepEqual(log, ["released at 10", "held at 10"]);
      assert.ok(!lock.locked());
    });
  });

  test("a Held releases once: `released` says so, later releases do nothing, and `using` releases it", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      const held = await lock.hold();
      assert.equal(held.released, false);
      held.release();
      assert.equal(held.released, true);
      await lock.acquire(); // another holder
      held.release(); // neither throws nor frees the other holder's lock
      assert.ok(lock.locked());
      lock.release();
      {
        using _ = await lock.hold();
        assert.ok(lock.locked());
      }
      assert.ok(!lock.locked(), "a plain `using` released it");
    });
  });

  test("releasing an unheld lock throws a clear error", () => {
    assert.throws(
      () => new Lock().release(),
      (e: unknown) => e instanceof InvalidStateError && /not acquired/.test(e.message),
    );
  });

  test("20,000 contending tasks cost linear time (no quadratic handoff)", async () => {
    const cost = async (n: number) => {
      const start = performance.now();
      await runVirtual(async () => {
        const lock = new Lock();
        const tasks = [];
        for (let i = 0; i < n; i++) {
          tasks.push(
            createTask(async () => {
              await using _ = await lock.hold();
              await sleep(0);
            }),
          );
        }
        for (const t of tasks) await t;
        assert.equal(now(), 0);
      });
      return performance.now() - start;
    };
    const { small, large } = await bestTimes(cost, 5000, 20_000);
    // Linear would be 4x; quadratic 16x. A generous relative guard on the least disturbed samples, no absolute time.
    assert.ok(large < small * 10, `5k: ${small.toFixed(0)} ms, 20k: ${large.toFixed(0)} ms`);
  });
});
