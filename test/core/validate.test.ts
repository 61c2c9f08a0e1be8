// The one message shape of bad arguments (src/core/validate.ts), which every public function uses.
import assert from "node:assert/strict";
import { test } from "node:test";
import { argumentError, checkDelay, checkFunction, checkOptionalDelay, rangeError } from "../../src/core/index.ts";

test("argumentError is a TypeError and rangeError a RangeError, both with ERR_AIO_INVALID_ARGUMENT", () => {
  const t = argumentError("limit", "a positive integer", 0);
  assert.ok(t instanceof TypeError);
  assert.equal(t.message, "Expected `limit` to be a positive integer, got `0` (number)");
  assert.equal((t as TypeError & { code: string }).code, "ERR_AIO_INVALID_ARGUMENT");
  const r = rangeError("ms", "a non-negative number", -1);
  assert.ok(r instanceof RangeError);
  assert.equal(r.message, "Expected `ms` to be a non-negative number, got `-1` (number)");
  assert.equal((r as RangeError & { code: string }).code, "ERR_AIO_INVALID_ARGUMENT");
});

test("the value is shown with its type", () => {
  const shown = (v: unknown) => argumentError("x", "y", v).message.replace("Expected `x` to be y, got ", "");
  assert.equal(shown("s"), '`"s"` (string)');
  assert.equal(shown(null), "`null` (null)");
  assert.equal(shown(undefined), "`undefined` (undefined)");
  assert.equal(shown(10n), "`10n` (bigint)");
  assert.equal(shown(Symbol("k")), "`Symbol(k)` (symbol)");
  assert.equal(shown({}), "`[object Object]` (object)");
  assert.equal(
    shown(function named() {}),
    "`[Function named]` (function)",
  );
  assert.equal(
    shown(() => {}),
    "`[Function]` (function)",
  );
});

test("checkDelay takes any number but NaN; checkOptionalDelay also null and undefined; checkFunction a function", () => {
  assert.equal(checkDelay("ms", -5), -5);
  assert.equal(checkDelay("ms", Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
  assert.throws(() => checkDelay("ms", Number.NaN), /^TypeError: Expected `ms` to be a number of milliseconds/);
  assert.throws(() => checkDelay("ms", "1"), TypeError);
  assert.equal(checkOptionalDelay("ms", null), null);
  assert.equal(checkOptionalDelay("ms", undefined), null);
  assert.equal(checkOptionalDelay("ms", 3), 3);
  checkFunction("fn", () => {});
  assert.throws(() => checkFunction("fn", 1), /^TypeError: Expected `fn` to be a function, got `1` \(number\)$/);
});
