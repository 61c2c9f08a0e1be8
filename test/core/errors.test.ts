import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AioError, CancelledError, ExceptionGroup, TimeoutError } from "aio-ts";
import { asCancelledError } from "../../src/core/errors.ts";

describe("AioError", () => {
  test("has the code ERR_AIO when none is given", () => {
    const error = new AioError("boom");
    assert.equal(error.code, "ERR_AIO");
    assert.equal(error.message, "boom");
    assert.equal(error.name, "AioError");
  });
});

describe("TimeoutError", () => {
  test("has a default message and the code ERR_AIO_TIMEOUT", () => {
    const error = new TimeoutError();
    assert.equal(error.message, "The operation timed out");
    assert.equal(error.code, "ERR_AIO_TIMEOUT");
  });
});

describe("asCancelledError", () => {
  test("finds the CancelledError behind an AbortError, and nothing behind other errors", () => {
    const cancel = new CancelledError("stop");
    const abort = Object.assign(new Error("aborted", { cause: cancel }), { name: "AbortError" });
    assert.equal(asCancelledError(cancel), cancel);
    assert.equal(asCancelledError(abort), cancel);
    const otherAbort = Object.assign(new Error("aborted", { cause: new Error("x") }), { name: "AbortError" });
    assert.equal(asCancelledError(otherAbort), undefined);
    assert.equal(asCancelledError(new Error("x", { cause: cancel })), undefined);
    assert.equal(asCancelledError(null), undefined);
  });
});

describe("ExceptionGroup", () => {
  test("says how many sub-exceptions it holds, in the singular for one", () => {
    const one = new ExceptionGroup("failed", [new Error("a")]);
    assert.equal(one.message, "failed (1 sub-exception)");
    assert.equal(new ExceptionGroup("failed", [1, 2]).message, "failed (2 sub-exceptions)");
    assert.equal(one.name, "ExceptionGroup");
    assert.equal(one.code, "ERR_AIO_EXCEPTION_GROUP");
    assert.match(String(one), /^ExceptionGroup: failed \(1 sub-exception\)$/);
  });

  test("exposes its members as exceptions", () => {
    const a = new Error("a");
    const group = new ExceptionGroup("g", [a, 2]);
    assert.deepEqual(group.exceptions, [a, 2]);
    assert.equal(group.exceptions, group.errors);
  });

  test("split() keeps nesting and the base message, and returns the whole group when it matches", () => {
    const a = new TypeError("a");
    const b = new RangeError("b");
    const c = new TypeError("c");
    const d = new RangeError("d");
    const inner = new ExceptionGroup("inner (x)", [c, d]);
    const group = new ExceptionGroup("outer", [a, b, inner]);
    const [yes, no] = group.split((e) => e instanceof TypeError);
    assert.ok(yes instanceof ExceptionGroup && no instanceof ExceptionGroup);
    assert.equal(yes.message, "outer (2 sub-exceptions)");
    assert.equal(no.message, "outer (2 sub-exceptions)");
    assert.equal(yes.errors[0], a);
    assert.equal(yes.errors.length, 2);
    assert.equal(no.errors[0], b);
    assert.equal(no.errors.length, 2);
    const [yesInner, noInner] = [yes.errors[1], no.errors[1]];
    assert.ok(yesInner instanceof ExceptionGroup && noInner instanceof ExceptionGroup);
    assert.deepEqual([yesInner.message, yesInner.errors], ["inner (x) (1 sub-exception)", [c]]);
    assert.deepEqual([noInner.message, noInner.errors], ["inner (x) (1 sub-exception)", [d]]);

    assert.deepEqual(
      group.split((e) => e === group),
      [group, undefined],
    );
    const [all, none] = group.split((e) => e instanceof Error);
    assert.equal(none, undefined);
    assert.equal(all?.errors.length, 3);
    const [justA, rest] = group.split((e) => e === a);
    assert.deepEqual(justA?.errors, [a]);
    assert.deepEqual(rest?.errors, [b, inner]);
  });

  test("split() strips only a trailing count of any size from the message", () => {
    const many = new ExceptionGroup(
      "g (3 sub-exceptions) mid",
      Array.from({ length: 12 }, (_, i) => i),
    );
    const [even, odd] = many.split((e) => (e as number) % 2 === 0);
    assert.equal(even?.message, "g (3 sub-exceptions) mid (6 sub-exceptions)");
    assert.equal(odd?.message, "g (3 sub-exceptions) mid (6 sub-exceptions)");
    const one = new ExceptionGroup("h", [1, 2]);
    assert.equal(one.split((e) => e === 1)[0]?.message, "h (1 sub-exception)");
    const single = new ExceptionGroup("s", [1]);
    assert.equal(single.split((e) => e === 2)[1]?.message, "s (1 sub-exception)");
  });

  test("subgroup() returns the matching members, or undefined when none match", () => {
    const a = new TypeError("a");
    const group = new ExceptionGroup("g", [a, new RangeError("b")]);
    assert.deepEqual(group.subgroup((e) => e instanceof TypeError)?.errors, [a]);
    assert.equal(
      group.subgroup((e) => e instanceof SyntaxError),
      undefined,
    );
  });
});
