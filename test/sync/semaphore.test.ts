import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  BoundedSemaphore,
  createTask,
  gather,
  InvalidStateError,
  isCancelledError,
  Semaphore,
  sleep,
  type Task,
  waitFor,
} from "aio-ts";
import fc from "fast-check";
import { rejection, runVirtual } from "../helpers.ts";
import { fcParams } from "../properties/fc-config.ts";

describe("Semaphore", () => {
  test("admits at most `value` holders at once, FIFO", async () => {
    const order: number[] = [];
    let inside = 0;
    let most = 0;
    await runVirtual(async () => {
      const sem = new Semaphore(2);
      const tasks = [1, 2, 3, 4, 5].map((i) =>
        createTask(async () => {
          await using _ = await sem.hold();
          order.push(i);
          inside++;
          most = Math.max(most, inside);
          await sleep(10);
          inside--;
        }),
      );
      for (const t of tasks) await t;
    });
    assert.deepEqual(order, [1, 2, 3, 4, 5]);
    assert.equal(most, 2);
  });

  test("no barging: a newcomer queues behind waiters even when a permit frees up", async () => {
    const order: string[] = [];
    await runVirtual(async () => {
      const sem = new Semaphore(1);
      await sem.acquire();
      const waiter = createTask(async () => {
        await sem.acquire();
        order.push("waiter");
        sem.release();
      });
      await sleep(1);
      sem.release();
      assert.equal(sem.locked(), true, "the freed permit is already the waiter's");
      const newcomer = createTask(async () => {
        await sem.acquire();
        order.push("newcomer");
        sem.release();
      });
      await waiter;
      await newcomer;
    });
    assert.deepEqual(order, ["waiter", "newcomer"]);
  });

  test("a waiter woken and then cancelled gives its permit to the next waiter", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(0);
      const first = createTask(() => sem.acquire());
      const second = createTask(() => sem.acquire());
      await sleep(1);
      sem.release(); // permit handed to `first`
      first.cancel();
      assert.ok(isCancelledError(await rejection(first)));
      assert.equal(await second, true);
      assert.deepEqual(sem.statistics(), { value: 0, waiters: 0 });
    });
  });

  test("toString counts a waiter handed a permit that has not run yet", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(0);
      const waiter = createTask(() => sem.acquire());
      await sleep(0);
      assert.equal(String(sem), "<Semaphore [locked, waiters:1]>");
      sem.release(); // hands the permit to `waiter`, which has not run yet
      assert.equal(String(sem), "<Semaphore [locked, waiters:1]>");
      await waiter;
      assert.equal(String(sem), "<Semaphore [locked]>");
      sem.release();
      assert.equal(String(sem), "<Semaphore [unlocked, value:1]>");
    });
  });

  test("an uncontended hold() resumes its caller as soon as an uncontended acquire() would", async () => {
    await runVirtual(async () => {
      const order: string[] = [];
      const held = new Semaphore(1);
      const acquired = new Semaphore(1);
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

  test("rejects a bad initial value", () => {
    assert.throws(() => new Semaphore(-1), /Expected `value` to be a non-negative integer, got `-1` \(number\)/);
    assert.throws(() => new Semaphore(1.5), /Expected `value`/);
  });

  test("random acquire, release and cancel never exceed the permits nor strand a waiter while permits are free", async () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("acquire" as const),
        hold: fc.integer({ min: 0, max: 5 }),
        // Cancel another task right after releasing, in the same step: the
        // window where a waiter was handed the permit but has not run yet.
        thenCancel: fc.option(fc.nat(30), { nil: undefined }),
      }),
      fc.record({ kind: fc.constant("cancel" as const), which: fc.nat(30) }),
      fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 3 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.array(op, { maxLength: 40 }), async (permits, ops) => {
        await runVirtual(async () => {
          const sem = new Semaphore(permits);
          let held = 0;
          const tasks: Task<void>[] = [];
          for (const o of ops) {
            if (o.kind === "acquire") {
              tasks.push(
                createTask(async () => {
                  await sem.acquire();
                  held++;
                  assert.ok(held <= permits, `${held} holders of ${permits} permits`);
                  try {
                    await sleep(o.hold);
                  } finally {
                    held--;
                    sem.release();
                    if (o.thenCancel !== undefined) tasks[o.thenCancel % tasks.length]?.cancel();
                  }
                }),
              );
            } else if (o.kind === "cancel") tasks[o.which % Math.max(1, tasks.length)]?.cancel();
            else await sleep(o.ms);
          }
          // A stranded waiter would wait forever: bound the wait in virtual time.
          await waitFor(gather(tasks, { returnExceptions: true }), 100_000);
          assert.equal(held, 0);
          assert.deepEqual(sem.statistics(), { value: permits, waiters: 0 }, "every permit came back, nobody stuck");
        });
      }),
      fcParams(300),
    );
  });
});

describe("BoundedSemaphore", () => {
  test("refuses to be released more often than acquired", async () => {
    await runVirtual(async () => {
      const sem = new BoundedSemaphore(2);
      await sem.acquire();
      sem.release();
      assert.throws(
        () => sem.release(),
        (e: unknown) => e instanceof InvalidStateError && /released too many times/.test(e.message),
      );
    });
  });
});
