// Every fast-check property in the suite is repeatable: it takes its seed and
// run count from fcParams (fc-config.ts), not from fast-check's random default.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { DEFAULT_SEED, fcParams } from "./fc-config.ts";

const TEST_DIR = fileURLToPath(new URL("..", import.meta.url));

test("every fc.assert and fc.check in the tests is given fcParams(...)", () => {
  const files = (readdirSync(TEST_DIR, { recursive: true }) as string[]).filter((f) => f.endsWith(".test.ts"));
  const unseeded: string[] = [];
  let properties = 0;
  for (const file of files) {
    const text = readFileSync(join(TEST_DIR, file), "utf8");
    const calls = text.split(/\bfc\.(?:assert|check)\(/).length - 1;
    const seeded = text.split(/\bfcParams\(/).length - 1;
    properties += calls;
    if (seeded < calls) unseeded.push(`${file}: ${calls} properties, ${seeded} fcParams`);
  }
  assert.deepEqual(unseeded, []);
  assert.ok(properties >= 7, `found only ${properties} properties: did the files move?`);
});

test("fcParams gives the fixed seed and the property's own run count unless FC_SEED or FC_RUNS say otherwise", () => {
  const saved = { seed: process.env.FC_SEED, runs: process.env.FC_RUNS };
  try {
    delete process.env.FC_SEED;
    delete process.env.FC_RUNS;
    assert.deepEqual(fcParams(300), { seed: DEFAULT_SEED, numRuns: 300 });
    process.env.FC_SEED = "42";
    process.env.FC_RUNS = "7";
    assert.deepEqual(fcParams(300, { endOnFailure: true }), { seed: 42, numRuns: 7, endOnFailure: true });
    process.env.FC_SEED = "random";
    assert.equal(Number.isInteger(fcParams(1).seed), true);
    process.env.FC_SEED = "soon";
    assert.throws(() => fcParams(1), /Expected FC_SEED to be an integer or "random", got "soon"/);
    process.env.FC_SEED = "";
    process.env.FC_RUNS = "0";
    assert.throws(() => fcParams(1), /Expected FC_RUNS to be a positive integer, got "0"/);
  } finally {
    for (const [key, value] of [
      ["FC_SEED", saved.seed],
      ["FC_RUNS", saved.runs],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});
