import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CapacityLimiter,
  createTask,
  currentTask,
  InvalidStateError,
  isCancelledError,
  sleep,
  type Task,
  WouldBlock,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

function code(e: unknown): string | undefined {
  return (e as { code?: string }).code;
}

describe("CapacityLimiter", () => {
  test("an uncontended acquire borrows a token at once, release gives it back", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(2);
      assert.equal(limiter.totalTokens, 2);
      assert.equal(limiter.availableTokens, 2);
      await limiter.acquire();
      assert.equal(limiter.borrowedTokens, 1);
      assert.equal(limiter.availableTokens, 1);
      assert.deepEqual(limiter.statistics(), {
        borrowedTokens: 1,
        totalTokens: 2,
        borrowers: [currentTask()],
        tasksWaiting: 0,
      });
      limiter.release();
      assert.equal(limiter.borrowedTokens, 0);
    });
  });

  test("acquiring twice from the same task throws InvalidStateError", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(5);
      await limiter.acquire();
      assert.throws(
        () => limiter.acquire(),
        (e: unknown) => e instanceof InvalidStateError && code(e) === "ERR_AIO_ALREADY_BORROWING",
      );
      assert.throws(() => limiter.acquireNowait(), InvalidStateError);
      assert.equal(limiter.borrowedTokens, 1, "the failed acquires took nothing");
    });
  });

  test("releasing without holding a token throws InvalidStateError", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      assert.throws(
        () => limiter.release(),
        (e: unknown) =>
          e instanceof InvalidStateError && code(e) === "ERR_AIO_NOT_BORROWING" && /holds no token/.test(e.message),
      );
      const other = createTask(() => limiter.acquire());
      await other;
      assert.throws(() => limiter.release(), InvalidStateError, "another task's token is not ours to give back");
      limiter.releaseOnBehalfOf(other);
      assert.equal(limiter.borrowedTokens, 0);
    });
  });

  test("acquireOnBehalfOf borrows for any value, released from any task", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(2);
      const job = { id: 1 };
      await limiter.acquireOnBehalfOf(job);
      await limiter.acquireOnBehalfOf("job-2");
      assert.deepEqual(limiter.statistics().borrowers, [job, "job-2"]);
      assert.throws(() => limiter.acquireOnBehalfOf(job), InvalidStateError);
      await createTask(async () => limiter.releaseOnBehalfOf(job));
      assert.throws(() => limiter.releaseOnBehalfOf(job), InvalidStateError);
      assert.throws(() => limiter.acquireOnBehalfOf(undefined), /Expected `borrower` to be a task or any other value/);
      assert.equal(limiter.borrowedTokens, 1);
    });
  });

  test("acquireOnBehalfOf works outside any task; acquire() there says why it cannot", async () => {
    const limiter = new CapacityLimiter(1);
    await limiter.acquireOnBehalfOf("outside");
    assert.equal(limiter.borrowedTokens, 1);
    limiter.releaseOnBehalfOf("outside");
    assert.throws(
      () => limiter.acquire(),
      (e: unknown) => e instanceof InvalidStateError && /acquireOnBehalfOf/.test(e.message),
    );
  });

  test("acquireNowait throws WouldBlock when no token is free, and takes nothing", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      limiter.acquireNowait();
      const error = await rejection(createTask(async () => limiter.acquireNowait()));
      assert.ok(error instanceof WouldBlock);
      assert.equal(code(error), "ERR_AIO_WOULD_BLOCK");
      assert.throws(() => limiter.acquireOnBehalfOfNowait("x"), WouldBlock);
      assert.equal(limiter.borrowedTokens, 1);
    });
  });

  test("waiters get tokens in FIFO order", async () => {
    const order: number[] = [];
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      await limiter.acquire();
      const tasks = [1, 2, 3, 4].map((i) =>
        createTask(async () => {
          await limiter.acquire();
          order.push(i);
          await sleep(10);
          limiter.release();
        }),
      );
      await sleep(1);
      assert.equal(limiter.statistics().tasksWaiting, 4);
      limiter.release();
      for (const t of tasks) await t;
    });
    assert.deepEqual(order, [1, 2, 3, 4]);
  });

  test("no barging: a released token goes to the first waiter, not to a newcomer", async () => {
    const order: string[] = [];
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      await limiter.acquire();
      const waiter = createTask(async () => {
        await limiter.acquire();
        order.push("waiter");
        limiter.release();
      });
      await sleep(1);
      limiter.release(); // hands the token to `waiter`, which has not run yet
      assert.equal(limiter.borrowedTokens, 1, "the token is the waiter's from the moment it is woken");
      assert.deepEqual(limiter.statistics().borrowers, [waiter]);
      assert.throws(() => limiter.acquireNowait(), WouldBlock);
      const newcomer = createTask(async () => {
        await limiter.acquire();
        order.push("newcomer");
        limiter.release();
      });
      await waiter;
      await newcomer;
    });
    assert.deepEqual(order, ["waiter", "newcomer"]);
  });

  test("a waiter woken and then cancelled before it ran passes its token on", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      await limiter.acquire();
      const first = createTask(() => limiter.acquire());
      const second = createTask(async () => {
        await limiter.acquire();
        return "second got it";
      });
      await sleep(1);
      limiter.release(); // wakes `first`
      first.cancel(); // ...which is cancelled before it runs
      assert.ok(isCancelledError(await rejection(first)));
      assert.equal(await second, "second got it");
      assert.deepEqual(limiter.statistics().borrowers, [second]);
      assert.equal(limiter.borrowedTokens, 1, "no token lost, none doubled");
    });
  });

  test("a cancelled waiter leaves the queue; the others proceed", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      await limiter.acquire();
      const a = createTask(() => limiter.acquire());
      const b = createTask(() => limiter.acquire());
      await sleep(1);
      a.cancel();
      await rejection(a);
      assert.equal(limiter.statistics().tasksWaiting, 1);
      limiter.release();
      await b;
      assert.deepEqual(limiter.statistics().borrowers, [b]);
    });
  });

  test("an aborted signal abandons the wait with the signal's reason", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      await limiter.acquire();
      const controller = new AbortController();
      const p = limiter.acquireOnBehalfOf("job", { signal: controller.signal });
      await sleep(1);
      controller.abort(new Error("gave up"));
      assert.equal(((await rejection(p)) as Error).message, "gave up");
      assert.equal(limiter.statistics().tasksWaiting, 0);
      limiter.release();
      assert.equal(limiter.borrowedTokens, 0, "the aborted waiter took nothing");
      const already = AbortSignal.abort(new Error("too late"));
      await limiter.acquire();
      assert.equal(
        ((await rejection(limiter.acquireOnBehalfOf("x", { signal: already }))) as Error).message,
        "too late",
      );
      assert.throws(() => limiter.acquire({ signal: "x" as never }), /Expected `signal` to be an AbortSignal/);
    });
  });

  test("raising totalTokens wakes as many waiters as there are new tokens", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      await limiter.acquire();
      const got: number[] = [];
      const tasks = [1, 2, 3].map((i) =>
        createTask(async () => {
          await limiter.acquire();
          got.push(i);
        }),
      );
      await sleep(1);
      limiter.totalTokens = 3;
      await sleep(1);
      assert.deepEqual(got, [1, 2]);
      assert.equal(limiter.statistics().tasksWaiting, 1);
      limiter.totalTokens = Number.POSITIVE_INFINITY;
      for (const t of tasks) await t;
      assert.deepEqual(got, [1, 2, 3]);
      assert.equal(limiter.availableTokens, Number.POSITIVE_INFINITY);
    });
  });

  test("lowering totalTokens below borrowedTokens keeps the holders; new acquires wait", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(3);
      const holders = ["a", "b", "c"];
      for (const h of holders) await limiter.acquireOnBehalfOf(h);
      limiter.totalTokens = 1;
      assert.equal(limiter.borrowedTokens, 3);
      assert.equal(limiter.availableTokens, 0);
      let got = false;
      const t = createTask(async () => {
        await limiter.acquireOnBehalfOf("d");
        got = true;
      });
      await sleep(1);
      limiter.releaseOnBehalfOf("a");
      limiter.releaseOnBehalfOf("b");
      await sleep(1);
      assert.equal(got, false, "1 borrowed of 1: still full");
      limiter.releaseOnBehalfOf("c");
      await t;
      assert.equal(got, true);
      assert.deepEqual(limiter.statistics().borrowers, ["d"]);
    });
  });

  test("a borrower that got a token another way while waiting fails that wait; the token goes on", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      await limiter.acquireOnBehalfOf("holder");
      const x1 = createTask(() => limiter.acquireOnBehalfOf("x"));
      const x2 = createTask(() => limiter.acquireOnBehalfOf("x"));
      const y = createTask(() => limiter.acquireOnBehalfOf("y"));
      await sleep(1);
      limiter.totalTokens = 3;
      await x1;
      const error = await rejection(x2);
      assert.ok(error instanceof InvalidStateError && code(error) === "ERR_AIO_ALREADY_BORROWING");
      await y;
      assert.deepEqual(limiter.statistics().borrowers, ["holder", "x", "y"]);
    });
  });

  test("hold() gives the token back on scope exit, also on throw and cancel", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      {
        await using held = await limiter.hold();
        assert.equal(limiter.borrowedTokens, 1);
        assert.equal(held.released, false);
      }
      assert.equal(limiter.borrowedTokens, 0);
      await assert.rejects(async () => {
        await using _held = await limiter.hold();
        throw new Error("inside");
      });
      assert.equal(limiter.borrowedTokens, 0);
      const t: Task<void> = createTask(async () => {
        await using _held = await limiter.hold();
        await sleep(1000);
      });
      await sleep(1);
      assert.equal(limiter.borrowedTokens, 1);
      t.cancel();
      await rejection(t);
      assert.equal(limiter.borrowedTokens, 0);
    });
  });

  test("bad totalTokens fail at once with a clear message", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.NEGATIVE_INFINITY, "3", null, undefined]) {
      assert.throws(
        () => new CapacityLimiter(bad as number),
        (e: unknown) =>
          e instanceof TypeError &&
          /^Expected `totalTokens` to be a positive integer or Infinity, got `/.test(e.message),
        String(bad),
      );
    }
    assert.throws(() => new CapacityLimiter(0), {
      message: "Expected `totalTokens` to be a positive integer or Infinity, got `0` (number)",
    });
    const limiter = new CapacityLimiter(Number.POSITIVE_INFINITY);
    assert.throws(() => {
      limiter.totalTokens = 0;
    }, TypeError);
    assert.equal(limiter.totalTokens, Number.POSITIVE_INFINITY, "a rejected value changes nothing");
  });

  test("toString shows the count and the waiters", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      await limiter.acquire();
      const t = createTask(() => limiter.acquire());
      await sleep(1);
      assert.equal(String(limiter), "<CapacityLimiter 1/1 borrowed, 1 waiting>");
      t.cancel();
      await rejection(t);
    });
  });
});
