import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { threadId } from "node:worker_threads";
import { AioError, gather, run } from "aio-ts";
import { WorkerError, WorkerPool } from "aio-ts/workers";
import { rejection } from "../helpers.ts";
import { MAX_RUNNING, RUNNING, STARTED } from "./fixtures/jobs.ts";
import { JOBS, jobsPool, openGate, sharedState, until } from "./helpers.ts";

const options = { timeout: 30_000 };

describe("WorkerPool.run", options, () => {
  test("returns what the function returns, computed on another thread", async () => {
    await run(async () => {
      await using pool = jobsPool({ maxThreads: 2 });
      assert.equal(await pool.run("add", 2, 3), 5);
      assert.equal(await pool.run("sum", { a: 20, b: 22 }), 42);
      assert.equal(await pool.run("double", 21), 42); // an async function
      const thread = await pool.run("whichThread");
      assert.notEqual(thread, threadId);
      assert.equal(pool.statistics().completed, 4);
    });
  });

  test("runs jobs side by side, as gather's children", async () => {
    await run(async () => {
      await using pool = jobsPool({ maxThreads: 4 });
      const results = await gather(...[1, 2, 3, 4, 5, 6].map((n) => pool.run("double", n)));
      assert.deepEqual(results, [2, 4, 6, 8, 10, 12]);
    });
  });

  test("works outside run()", async () => {
    await using pool = jobsPool({ maxThreads: 1 });
    assert.equal(await pool.run("add", 1, 1), 2);
  });

  test("takes a module given as a path or as a file URL string", async () => {
    for (const filename of [JOBS.pathname, JOBS.href]) {
      await using pool = new WorkerPool<import("./helpers.ts").Jobs>({ filename, maxThreads: 1 });
      assert.equal(await pool.run("add", 1, 2), 3);
      assert.equal(pool.filename, JOBS.href);
    }
  });

  test("throws the function's error with its message, stack, name, own properties and cause", async () => {
    await run(async () => {
      await using pool = jobsPool({ maxThreads: 1 });
      const error = (await rejection(pool.run("fail", "unexpected token"))) as Error & { code: string; line: number };
      assert.ok(error instanceof Error);
      assert.equal(error.name, "ParseError");
      assert.equal(error.message, "unexpected token");
      assert.equal(error.code, "E_PARSE");
      assert.equal(error.line, 7);
      assert.ok(error.cause instanceof RangeError);
      assert.equal(error.cause.message, "inner cause");
      assert.match(error.stack ?? "", /^ParseError: unexpected token\n\s+at .*fail .*jobs\.ts/);

      const typeError = await rejection(pool.run("failType"));
      assert.ok(typeError instanceof TypeError);
      assert.equal(typeError.message, "not a number");

      assert.equal(await rejection(pool.run("throwString")), "plain string");
      assert.equal(pool.statistics().completed, 3); // a function's error is an outcome
      assert.equal(await pool.run("add", 1, 2), 3); // and the thread goes on
    });
  });

  test("an unknown function name is a TypeError from the worker", async () => {
    await using pool = new WorkerPool({ filename: JOBS, maxThreads: 1 }); // untyped: any name compiles
    const missing = await rejection(pool.run("nope"));
    assert.ok(missing instanceof TypeError);
    assert.match(
      missing.message,
      /^Expected `name` to be the name of a function exported by file:.*jobs\.ts, got `"nope"` \(string\), which it does not export$/,
    );
    const constant = await rejection(pool.run("notAFunction"));
    assert.match((constant as Error).message, /got `"notAFunction"` \(string\), which is `42` \(number\)$/);
    await assert.rejects(pool.run(42 as unknown as string), {
      name: "TypeError",
      message: "Expected `name` to be the name of a function exported by the worker module, got `42` (number)",
    });
  });

  test("an argument that cannot be cloned is a TypeError naming it", async () => {
    await using pool = jobsPool({ maxThreads: 1 });
    const error = await rejection(pool.run("add", 1, (() => 2) as unknown as number));
    assert.ok(error instanceof TypeError);
    assert.match(
      error.message,
      /^Expected `args\[1\]` to be a value that structured clone can copy, got `\[Function\]`/,
    );
    assert.equal(await pool.run("add", 1, 2), 3);
  });

  test("a thread that dies under its job is a WorkerError, and the pool goes on", async () => {
    await run(async () => {
      await using pool = jobsPool({ maxThreads: 1 });
      const exited = await rejection(pool.run("exit", 3));
      assert.ok(exited instanceof WorkerError);
      assert.ok(exited instanceof AioError);
      assert.equal(exited.code, "ERR_AIO_WORKER_CRASHED");
      assert.equal(exited.function, "exit");
      assert.match(exited.message, /^The worker thread running `exit` failed: .*code: 3/);
      const unsendable = await rejection(pool.run("returnFunction"));
      assert.ok(unsendable instanceof WorkerError);
      assert.match(unsendable.message, /could not be cloned/);
      assert.equal(await pool.run("add", 2, 2), 4);
    });
  });
});

describe("WorkerPool options", () => {
  test("bad options fail at once, with a message naming them", () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /^Expected `options` to be an object with a `filename`, got `undefined` \(undefined\)$/],
      [
        { filename: "./jobs.ts" },
        /^Expected `filename` to be an absolute path or a file URL, got `".\/jobs.ts"` \(string\)$/,
      ],
      [
        { filename: new URL("https://example.com/jobs.js") },
        /^Expected `filename` to be an absolute path or a file URL/,
      ],
      [{ filename: "/no/such/module.ts" }, /^Expected `filename` to be the path of an existing module, got/],
      [{ filename: JOBS, maxThreads: 0 }, /^Expected `maxThreads` to be a positive integer, got `0` \(number\)$/],
      [
        { filename: JOBS, minThreads: 1.5 },
        /^Expected `minThreads` to be a non-negative integer, got `1.5` \(number\)$/,
      ],
      [
        { filename: JOBS, minThreads: 3, maxThreads: 2 },
        /^Expected `minThreads` to be at most `maxThreads` \(2\), got `3`/,
      ],
      [
        { filename: JOBS, idleTimeout: -1 },
        /^Expected `idleTimeout` to be a non-negative number of milliseconds, got `-1`/,
      ],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => new WorkerPool(value as { filename: string }), { name: "TypeError", message });
    }
  });

  test("threads start on demand, at most maxThreads of them", async () => {
    await using pool = jobsPool({ maxThreads: 2 });
    assert.deepEqual(pool.statistics(), {
      threads: 0,
      idleThreads: 0,
      running: 0,
      queued: 0,
      completed: 0,
      cancelled: 0,
      maxThreads: 2,
      state: "open",
    });
    assert.equal(pool.maxThreads, 2);
    assert.equal(pool.minThreads, 0);
    assert.match(String(pool), /^<WorkerPool jobs\.ts open, 0 running, 0 queued>$/);
  });
});

describe("WorkerPool concurrency", options, () => {
  test("never runs more than maxThreads jobs at once; the rest wait in order", async () => {
    await run(async () => {
      await using pool = jobsPool({ maxThreads: 3 });
      const state = sharedState();
      const all = gather(...Array.from({ length: 7 }, () => pool.run("hold", state)));
      try {
        await until(state, STARTED, 3);
        const stats = pool.statistics();
        assert.equal(stats.running, 3);
        assert.equal(stats.queued, 4);
        assert.equal(Atomics.load(state, RUNNING), 3);
      } finally {
        openGate(state);
      }
      const threads = await all;
      assert.equal(Atomics.load(state, STARTED), 7);
      assert.equal(Atomics.load(state, MAX_RUNNING), 3);
      assert.ok(new Set(threads).size <= 3);
      assert.equal(pool.statistics().completed, 7);
    });
  });
});
