// Type-level tests of WorkerPool.run: checked by `tsc` (npm run typecheck), and run as a plain test.
import assert from "node:assert/strict";
import { test } from "node:test";
import { WorkerPool } from "aio-ts/workers";
import type * as jobs from "../workers/fixtures/jobs.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_ok: T): void {}

const filename = new URL("../workers/fixtures/jobs.ts", import.meta.url);

test("a pool typed by its module checks names, arguments and results", async () => {
  await using pool = new WorkerPool<typeof jobs>({ filename, maxThreads: 1 });
  const sum = await pool.run("add", 1, 2);
  expectType<Equal<typeof sum, number>>(true);
  const doubled = pool.run("double", 4); // an async function: the result is awaited once
  expectType<Equal<typeof doubled, Promise<number>>>(true);
  const typeErrors = () => {
    // @ts-expect-error: not a function of the module
    void pool.run("notAFunction");
    // @ts-expect-error: no such export
    void pool.run("nope");
    // @ts-expect-error: wrong argument type
    void pool.run("add", 1, "2");
    // @ts-expect-error: missing argument
    void pool.run("add", 1);
  };
  assert.equal(typeof typeErrors, "function");
  assert.equal(sum, 3);
  assert.equal(await doubled, 8);
});

test("an untyped pool takes any name and arguments and returns unknown", async () => {
  await using pool = new WorkerPool({ filename, maxThreads: 1 });
  const sum = await pool.run("add", 1, 2);
  expectType<Equal<typeof sum, unknown>>(true);
  assert.equal(sum, 3);
});
