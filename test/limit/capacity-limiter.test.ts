import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  AioError,
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
  test("outside any task, each method says which it is and which OnBehalfOf form to use", async () => {
    const limiter = new CapacityLimiter(1);
    for (const [method, call] of [
      ["acquire", () => limiter.acquire()],
      ["acquireNowait", () => limiter.acquireNowait()],
      ["release", () => limiter.release()],
    ] as const) {
      assert.throws(call, {
        name: "InvalidStateError",
        code: "ERR_AIO_NO_RUNNING_LOOP",
        message:
          `CapacityLimiter.${method}() borrows on behalf of the current task, and no task is running: ` +
          `call it inside run(), or use ${method}OnBehalfOf(borrower)`,
      });
    }
    // hold() has no on-behalf-of form of its own: its advice names acquireOnBehalfOf().
    await assert.rejects(limiter.hold(), {
      name: "InvalidStateError",
      code: "ERR_AIO_NO_RUNNING_LOOP",
      message:
        "CapacityLimiter.hold() borrows on behalf of the current task, and no task is running: " +
        "call it inside run(), or use acquireOnBehalfOf(borrower)",
    });
    assert.equal(limiter.borrowedTokens, 0);
  });

  test("the errors name the borrower: a string quoted, anything else as String() shows it", () => {
    const limiter = new CapacityLimiter(2);
    const job = { toString: () => "<job 7>" };
    for (const [borrower, shown] of [
      ["job-1", '"job-1"'],
      [job, "<job 7>"],
      [null, "null"],
      [42, "42"],
      [Symbol("s"), "Symbol(s)"],
    ] as const) {
      assert.throws(() => limiter.releaseOnBehalfOf(borrower), {
        name: "InvalidStateError",
        code: "ERR_AIO_NOT_BORROWING",
        message: `${shown} holds no token of <CapacityLimiter 0/2 borrowed>: release() without a matching acquire()`,
      });
    }
    limiter.acquireOnBehalfOfNowait(null);
    assert.throws(() => limiter.acquireOnBehalfOfNowait(null), {
      name: "InvalidStateError",
      code: "ERR_AIO_ALREADY_BORROWING",
      message: "null already holds a token of <CapacityLimiter 1/2 borrowed>: each borrower holds at most one",
    });
    limiter.releaseOnBehalfOf(null);
    assert.equal(limiter.borrowedTokens, 0);
  });

  test("the nowait forms check the borrower and say why they would block", () => {
    const limiter = new CapacityLimiter(1);
    assert.throws(() => limiter.acquireOnBehalfOfNowait(undefined), {
      name: "TypeError",
      message: "Expected `borrower` to be a task or any other value, got `undefined` (undefined)",
    });
    assert.equal(limiter.borrowedTokens, 0, "undefined borrowed nothing");
    limiter.acquireOnBehalfOfNowait("a");
    assert.throws(() => limiter.acquireOnBehalfOfNowait("b"), {
      name: "WouldBlock",
      code: "ERR_AIO_WOULD_BLOCK",
      message:
        "No token free in <CapacityLimiter 1/1 borrowed>: acquireNowait() would block (use acquire() to wait for one)",
    });
  });

  test("WouldBlock has a default message, and instanceof holds across two copies of aio", () => {
    const error = new WouldBlock();
    assert.equal(error.message, "The operation would block");
    assert.equal(error.code, "ERR_AIO_WOULD_BLOCK");
    assert.equal(error.name, "WouldBlock");
    const foreign = Object.create({ [Symbol.for("aio.WouldBlock")]: true, [Symbol.for("aio.AioError")]: true });
    assert.ok(foreign instanceof WouldBlock);
    assert.ok(foreign instanceof AioError);
    assert.ok(!(new AioError("x") instanceof WouldBlock));
  });

  test("toString leaves out the waiters when none wait", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(2);
      assert.equal(String(limiter), "<CapacityLimiter 0/2 borrowed>");
      await limiter.acquire();
      assert.equal(String(limiter), "<CapacityLimiter 1/2 borrowed>");
    });
  });

  test("a borrower failed for holding a token already is told so by name, with the sack's state", async () => {
    await runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      await limiter.acquireOnBehalfOf("holder");
      const x1 = createTask(() => limiter.acquireOnBehalfOf("x"));
      const x2 = createTask(() => limiter.acquireOnBehalfOf("x"));
      const y = createTask(() => limiter.acquireOnBehalfOf("y"));
      await sleep(1);
      limiter.totalTokens = 3;
      await x1;
      await assert.rejects(x2, {
        name: "InvalidStateError",
        code: "ERR_AIO_ALREADY_BORROWING",
        message:
          '"x" already holds a token of <CapacityLimiter 2/3 borrowed, 1 waiting>: each borrower holds at most one',
      });
      await y;
    });
  });

  test("a waiter that left, cancelled or served and released, does not keep its borrower alive", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const limiter = new CapacityLimiter(1);
    const refs: WeakRef<object>[] = [];
    await runVirtual(async () => {
      await limiter.acquireOnBehalfOf("holder");
      const cancelled = {};
      refs.push(new WeakRef(cancelled));
      const controller = new AbortController();
      const p = limiter.acquireOnBehalfOf(cancelled, { signal: controller.signal });
      await sleep(1);
      controller.abort(new Error("gave up"));
      await rejection(p);
      const served = {};
      refs.push(new WeakRef(served));
      const q = limiter.acquireOnBehalfOf(served);
      await sleep(1);
      limiter.releaseOnBehalfOf("holder");
      await q;
      limiter.releaseOnBehalfOf(served);
    });
    // A WeakRef's target stays alive until the job that made it ends: collect from a later one.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    assert.deepEqual(
      refs.map((r) => r.deref()),
      [undefined, undefined],
    );
    assert.equal(limiter.borrowedTokens, 0);
  });
});
