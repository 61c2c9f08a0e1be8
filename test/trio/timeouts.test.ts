// Trio's move_on_after / move_on_at, as aio's moveOnAfter / moveOnAt. The cases named test_* are translated from
// Trio's src/trio/_tests/test_timeouts.py (seconds there, ms here, on a VirtualClock instead of measured time); the
// others pin what the scope shares with `timeout` (test/combinators, test/cpython/timeouts.test.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CancelledError,
  createTask,
  currentTask,
  moveOnAfter,
  moveOnAt,
  now,
  sleep,
  type Timeout,
  TimeoutError,
  timeout,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

const invalid = (kind: typeof TypeError | typeof RangeError, message: string) => (e: unknown) =>
  e instanceof kind && (e as Error & { code?: string }).code === "ERR_AIO_INVALID_ARGUMENT" && e.message === message;

describe("Trio test_timeouts.py", () => {
  test("test_sleep: a move_on_at(now) scope cancels the body's first await", async () => {
    await runVirtual(async () => {
      let scope: Timeout | undefined;
      const result = await moveOnAt(now(), async (s) => {
        scope = s;
        await assert.rejects(sleep(0), CancelledError);
        return "caught";
      });
      assert.equal(result, "caught", "a body that catches the cancellation returns its value");
      assert.equal(scope?.expired(), true);
      assert.equal(currentTask()?.cancelling(), 0, "the scope took its cancel back");
    });
  });

  test("test_move_on_after: gives up after the delay and returns undefined", async () => {
    await runVirtual(async () => {
      const t0 = now();
      let finallyAt: number | undefined;
      const result = await moveOnAfter(1000, async () => {
        try {
          await sleep(100_000);
          return "slept";
        } finally {
          finallyAt = now();
        }
      });
      assert.equal(result, undefined);
      assert.equal(finallyAt, t0 + 1000);
      assert.equal(now(), t0 + 1000);
    });
  });

  test("test_timeouts_raise_value_error: a negative delay is refused; NaN anywhere too", async () => {
    await runVirtual(async () => {
      const body = async () => {};
      assert.throws(
        () => moveOnAfter(-1, body),
        invalid(RangeError, "Expected `ms` to be a non-negative number of milliseconds or null, got `-1` (number)"),
      );
      assert.throws(
        () => moveOnAfter(Number.NaN, body),
        invalid(TypeError, "Expected `ms` to be a number of milliseconds or null, got `NaN` (number)"),
      );
      assert.throws(
        () => moveOnAt(Number.NaN, body),
        invalid(TypeError, "Expected `deadline` to be a loop time in ms or null, got `NaN` (number)"),
      );
      // Deadlines may be in the past (negative), delays may be zero.
      assert.equal(await moveOnAt(-1, async () => "no await, no cancel"), "no await, no cancel");
      assert.equal(await moveOnAfter(0, () => sleep(1, "x")), undefined);
    });
  });

  test("test_timeout_deadline_on_entry: the delay counts from the call", async () => {
    await runVirtual(async () => {
      await sleep(3000);
      const start = now();
      await moveOnAfter(5000, async (scope) => {
        assert.equal(scope.when(), start + 5000);
      });
    });
  });
});

describe("moveOnAfter and moveOnAt", () => {
  test("a body that finishes in time returns its value; null is no deadline", async () => {
    await runVirtual(async () => {
      assert.equal(await moveOnAfter(1000, () => sleep(999, "in time")), "in time");
      assert.equal(await moveOnAt(now() + 1000, () => sleep(999, "in time")), "in time");
      const t0 = now();
      assert.equal(await moveOnAt(t0 + 10, () => sleep(999, "too late")), undefined);
      assert.equal(now(), t0 + 10);
      assert.equal(await moveOnAfter(null, () => sleep(1e9, "whenever")), "whenever");
      let scope: Timeout | undefined;
      assert.equal(
        await moveOnAt(null, async (s) => {
          scope = s;
          return 1;
        }),
        1,
      );
      assert.equal(scope?.when(), null);
      assert.equal(scope?.expired(), false);
    });
  });

  test("expired() tells a deadline that cut the body short from a body that returned undefined", async () => {
    await runVirtual(async () => {
      const scopes: Timeout[] = [];
      const a = await moveOnAfter(10, async (s) => {
        scopes.push(s);
      });
      const b = await moveOnAfter(10, async (s) => {
        scopes.push(s);
        await sleep(20);
      });
      assert.deepEqual([a, b], [undefined, undefined]);
      assert.deepEqual(
        scopes.map((s) => s.expired()),
        [false, true],
      );
    });
  });

  test("reschedule() moves the deadline, as timeout's scope", async () => {
    await runVirtual(async () => {
      const t0 = now();
      const result = await moveOnAfter(100, async (scope) => {
        await sleep(50);
        scope.reschedule(now() + 100); // an idle timeout: 100 ms more
        await sleep(120);
        return "not reached";
      });
      assert.equal(result, undefined);
      assert.equal(now(), t0 + 150);
    });
  });

  test("a cancel from outside still comes out as CancelledError", async () => {
    await runVirtual(async () => {
      const task = createTask(() => moveOnAfter(1000, () => sleep(5000)));
      await sleep(10);
      task.cancel("from outside");
      const e = await rejection(task);
      assert.ok(e instanceof CancelledError);
      assert.equal(e.message, "from outside");
    });
  });

  test("a cancel from outside that arrives as the deadline passes is not swallowed", async () => {
    await runVirtual(async () => {
      const task = createTask(() => moveOnAfter(10, () => sleep(5000)));
      await sleep(10); // the scope's expiry and this cancel land in the same loop turn
      task.cancel("both");
      assert.ok((await rejection(task)) instanceof CancelledError);
    });
  });

  test("the body's own errors come out unchanged, a TimeoutError of an inner timeout() included", async () => {
    await runVirtual(async () => {
      const boom = new Error("boom");
      assert.equal(
        await rejection(
          moveOnAfter(1000, async () => {
            throw boom;
          }),
        ),
        boom,
      );
      const inner = await rejection(moveOnAfter(1000, () => timeout(10, () => sleep(100))));
      assert.ok(inner instanceof TimeoutError);
    });
  });

  test("nested scopes: each moves on from its own deadline only", async () => {
    await runVirtual(async () => {
      const t0 = now();
      const log: unknown[] = [];
      // The inner deadline passes first: only the inner scope moves on.
      const outer = await moveOnAfter(100, async () => {
        log.push(await moveOnAfter(10, () => sleep(50, "inner")));
        log.push(now() - t0);
        return "outer done";
      });
      log.push(outer);
      // The outer deadline passes first: the inner scope lets it through, the outer one moves on.
      const t1 = now();
      const again = await moveOnAfter(10, async () => {
        const inner = await moveOnAfter(100, () => sleep(50, "inner"));
        log.push(`not reached: ${inner}`);
      });
      log.push(again, now() - t1);
      assert.deepEqual(log, [undefined, 10, "outer done", undefined, 10]);
    });
  });

  test("rejects a body that is not a function", async () => {
    await runVirtual(async () => {
      assert.throws(
        () => moveOnAfter(1, "x" as unknown as () => Promise<void>),
        invalid(TypeError, 'Expected `body` to be a function, got `"x"` (string)'),
      );
      assert.throws(() => moveOnAt(1, undefined as unknown as () => Promise<void>), TypeError);
      assert.throws(
        () => moveOnAt("1" as unknown as number, async () => {}),
        invalid(TypeError, 'Expected `deadline` to be a loop time in ms or null, got `"1"` (string)'),
      );
      assert.throws(
        () => moveOnAfter("1" as unknown as number, async () => {}),
        invalid(TypeError, 'Expected `ms` to be a number of milliseconds or null, got `"1"` (string)'),
      );
    });
  });
});
