import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  asCompleted,
  createTask,
  Future,
  gather,
  moveOnAfter,
  shield,
  sleep,
  Timeout,
  TimeoutError,
  timeout,
  timeoutAt,
  wait,
  waitFor,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

function badArgument(message: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof TypeError);
    assert.equal(error.message, message);
    assert.equal((error as TypeError & { code: string }).code, "ERR_AIO_INVALID_ARGUMENT");
    return true;
  };
}

describe("combinators: argument checks", () => {
  test("asCompleted rejects a timeout that is not a number, or NaN", () => {
    assert.throws(
      () => asCompleted([Promise.resolve(1)], { timeout: "5" as never }),
      badArgument('Expected `timeout` to be a number of milliseconds or null, got `"5"` (string)'),
    );
    assert.throws(
      () => asCompleted([Promise.resolve(1)], { timeout: Number.NaN }),
      badArgument("Expected `timeout` to be a number of milliseconds or null, got `NaN` (number)"),
    );
  });

  test("an iterable of awaitables must be an iterable object", () => {
    assert.throws(
      () => asCompleted(null as never),
      badArgument("Expected `aws` to be an iterable of awaitables, got `null` (null)"),
    );
    assert.throws(
      () => asCompleted("ab" as never),
      badArgument('Expected `aws` to be an iterable of awaitables, got `"ab"` (string)'),
    );
    assert.throws(
      () => wait({} as never),
      badArgument("Expected `aws` to be an iterable of awaitables, got `[object Object]` (object)"),
    );
  });

  test("an iterable of awaitables may not itself be an awaitable", () => {
    const both = { then() {}, *[Symbol.iterator]() {} };
    assert.throws(
      () => wait(both as never),
      badArgument("Expected `aws` to be an iterable of awaitables, not a single one, got `[object Object]` (object)"),
    );
  });

  test("gather with an array takes at most an options object after it", () => {
    const p = Promise.resolve(1);
    assert.throws(
      () => (gather as (...args: unknown[]) => unknown)([p], {}, 3),
      badArgument("Expected `options` to be an options object, got `3` (number)"),
    );
    assert.throws(
      () => gather([p], null as never),
      badArgument("Expected `options` to be an options object, got `null` (null)"),
    );
    assert.throws(
      () => gather([p], 5 as never),
      badArgument("Expected `options` to be an options object, got `5` (number)"),
    );
  });

  test("wait rejects a bad timeout or returnWhen", () => {
    const p = Promise.resolve(1);
    assert.throws(
      () => wait([p], { timeout: "1" as never }),
      badArgument('Expected `timeout` to be a number of milliseconds or null, got `"1"` (string)'),
    );
    assert.throws(
      () => wait([p], { timeout: Number.NaN }),
      badArgument("Expected `timeout` to be a number of milliseconds or null, got `NaN` (number)"),
    );
    assert.throws(
      () => wait([p], { returnWhen: "SOON" as never }),
      badArgument(
        'Expected `returnWhen` to be "FIRST_COMPLETED", "FIRST_EXCEPTION" or "ALL_COMPLETED", got `"SOON"` (string)',
      ),
    );
  });

  test("waitFor, timeoutAt and reschedule name the bad argument in full", () => {
    assert.throws(
      () => waitFor(Promise.resolve(), "1" as never),
      badArgument('Expected `ms` to be a number of milliseconds or null, got `"1"` (string)'),
    );
    assert.throws(
      () => timeoutAt("1" as never, async () => {}),
      badArgument('Expected `deadline` to be a loop time in ms or null, got `"1"` (string)'),
    );
    assert.throws(
      () => timeoutAt(5, "x" as never),
      badArgument('Expected `body` to be a function, got `"x"` (string)'),
    );
    assert.throws(
      () => new Timeout(null).reschedule("1" as never),
      badArgument('Expected `deadline` to be a loop time in ms or null, got `"1"` (string)'),
    );
  });

  test("reschedule before the scope is entered is an InvalidStateError", () => {
    assert.throws(
      () => new Timeout(null).reschedule(5),
      (error: unknown) =>
        error instanceof Error &&
        error.name === "InvalidStateError" &&
        error.message === "Timeout has not been entered",
    );
  });
});

describe("combinators: timeout messages", () => {
  test("timeout, timeoutAt, waitFor and asCompleted say what timed out", async () => {
    const messages = await runVirtual(async () => {
      const out: string[] = [];
      const grab = async (p: Promise<unknown>) => {
        const error = await rejection(p);
        assert.ok(error instanceof TimeoutError);
        out.push(error.message);
      };
      await grab(timeout(10, () => sleep(100)));
      await grab(timeoutAt(25, () => sleep(100)));
      await grab(waitFor(() => sleep(100), 10));
      await grab(waitFor(sleep(100), 10));
      await grab(waitFor(sleep(100), 0));
      const it = asCompleted([sleep(100)], { timeout: 5 });
      await grab(it.next());
      return out;
    });
    assert.deepEqual(messages, [
      "timeout() timed out after 10 ms",
      "timeoutAt(25) expired",
      "waitFor() timed out after 10 ms",
      "waitFor() timed out after 10 ms",
      "waitFor() timed out after 0 ms",
      "asCompleted() timed out",
    ]);
  });

  test("a scope that moved on reports expired()", async () => {
    const expired = await runVirtual(async () => {
      let scope: Timeout | undefined;
      await moveOnAfter(10, (s) => {
        scope = s;
        return sleep(100);
      });
      return (scope as Timeout).expired();
    });
    assert.equal(expired, true);
  });
});

describe("combinators: asCompleted steps", () => {
  test("return() ends the iteration with a done result", async () => {
    const r = await runVirtual(async () => {
      const it = asCompleted([sleep(10, 1)]);
      return it.return?.();
    });
    assert.deepEqual(r, { value: undefined, done: true });
  });

  test("a cancelled next() gives its step back", async () => {
    const values = await runVirtual(async () => {
      const it = asCompleted([sleep(10, "a"), sleep(20, "b")]);
      const first = createTask(() => it.next());
      await sleep(5);
      first.cancel();
      await rejection(first);
      const out: unknown[] = [];
      for (;;) {
        const step = await it.next();
        if (step.done) break;
        out.push(await step.value);
      }
      return out;
    });
    assert.deepEqual(values, ["a", "b"]);
  });
});

describe("combinators: shield", () => {
  test("an error of the shielded work after the outer was cancelled is not reported as never retrieved", async () => {
    await runVirtual(async () => {
      const inner = new Future<number>();
      const outer = shield(inner);
      outer.cancel();
      inner.setException(new Error("late"));
      await sleep(10);
    });
  });
});
