// Bad input to aio-ts/bullmq: malformed URLs and options fail synchronously with aio's argument errors naming what
// is wrong; an unreachable Redis and refused credentials fail at once with RedisConnectionError naming the URL.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, test } from "node:test";
import { InvalidStateError } from "aio-ts";
import { enqueue, parseRedisUrl, RedisConnectionError, runWorker } from "aio-ts/bullmq";
import { rejection } from "../helpers.ts";
import { startRedis } from "../redis.ts";
import { runReal } from "./helpers.ts";

const handler = async (): Promise<void> => {};

/** A loopback port with nothing listening on it (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("parseRedisUrl", () => {
  test("reads host, port, database, user and password, with Redis's defaults", () => {
    assert.deepEqual(parseRedisUrl("redis://127.0.0.1"), { host: "127.0.0.1", port: 6379, db: 0 });
    assert.deepEqual(parseRedisUrl("redis://:s%40cret@10.0.0.5:6380/2"), {
      host: "10.0.0.5",
      port: 6380,
      db: 2,
      password: "s@cret",
    });
    assert.deepEqual(parseRedisUrl("rediss://worker:pw@redis.internal/"), {
      host: "redis.internal",
      port: 6379,
      db: 0,
      username: "worker",
      password: "pw",
      tls: {},
    });
    assert.deepEqual(parseRedisUrl("redis://[::1]:7000/1"), { host: "::1", port: 7000, db: 1 });
  });

  for (const [url, why] of [
    ["127.0.0.1:6379", "not a URL"],
    ["http://127.0.0.1:6379", "the scheme must be redis or rediss"],
    ["redis://127.0.0.1:6379/queue", "the database must be a whole number"],
    ["redis://127.0.0.1:6379/0?timeout=1", "no query or fragment"],
    ["redis://:hunter2@127.0.0.1:99999", "not a URL"],
  ] as const) {
    test(`throws a TypeError naming ${JSON.stringify(url)} (${why})`, () => {
      const error = (() => {
        try {
          parseRedisUrl(url);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(error instanceof TypeError);
      assert.equal((error as TypeError & { code: string }).code, "ERR_AIO_INVALID_ARGUMENT");
      assert.match(error.message, /^Expected `url` to be a Redis URL/);
      assert.ok(error.message.includes(why), error.message);
      assert.ok(error.message.includes(url.replace("hunter2", "***")), error.message);
      assert.ok(!error.message.includes("hunter2"), "the password is masked");
    });
  }
});

describe("runWorker's and enqueue's bad input", { timeout: 60_000 }, () => {
  test("bad arguments throw synchronously, naming the argument", async () => {
    await runReal(async () => {
      const connection = "redis://127.0.0.1:6379";
      const cases: [() => unknown, ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor, RegExp][] = [
        [
          () => runWorker("q", handler, { connection, concurrency: 0 }),
          RangeError,
          /`concurrency` to be a positive integer, got `0`/,
        ],
        [() => runWorker("q", handler, { connection, concurrency: 1.5 }), RangeError, /`concurrency`/],
        [
          () => runWorker("q", handler, { connection, grace: -1 }),
          RangeError,
          /`grace` to be a non-negative number of seconds, got `-1`/,
        ],
        [() => runWorker("q", handler, { connection, grace: Number.NaN }), TypeError, /`grace`/],
        [() => runWorker("q", handler, { connection, lockDuration: 0 }), RangeError, /`lockDuration`/],
        [() => runWorker("q", handler, { connection, limiter: { max: 0, duration: 1 } }), RangeError, /`limiter.max`/],
        [
          () => runWorker("q", handler, { connection: "redis//oops" }),
          TypeError,
          /`url` to be a Redis URL.*redis\/\/oops/,
        ],
        [() => runWorker("", handler, { connection }), TypeError, /`queue`/],
        [() => runWorker("q", "handler" as never, { connection }), TypeError, /`handler`/],
        [() => runWorker("q", handler, { connection: 6379 as never }), TypeError, /`connection`/],
        [() => enqueue("q", [{ name: "a", data: 1 }], { connection, attempts: 0 }), RangeError, /`attempts`/],
        [() => enqueue("q", [{ name: "a", data: 1 }], { connection, backoff: -1 }), RangeError, /`backoff`/],
        [() => enqueue("q", [{ data: 1 }] as never, { connection }), TypeError, /`jobs\[0\]`/],
      ];
      for (const [call, type, message] of cases) {
        assert.throws(call, (error: unknown) => error instanceof type && message.test((error as Error).message));
      }
    });
  });

  test("runWorker outside run() throws InvalidStateError at once", () => {
    assert.throws(() => runWorker("q", handler, { connection: "redis://127.0.0.1:6379" }), InvalidStateError);
  });

  test("an unreachable Redis fails at once with an error naming the URL, not an endless retry", async () => {
    const url = `redis://127.0.0.1:${await closedPort()}/3`;
    for (const call of [
      () => runWorker("q", handler, { connection: url }),
      () => enqueue("q", [{ name: "a", data: 1 }], { connection: url }),
    ]) {
      const error = await runReal(() => rejection(call()));
      assert.ok(error instanceof RedisConnectionError, String(error));
      assert.equal(error.code, "ERR_AIO_REDIS_UNREACHABLE");
      assert.equal(error.url, url);
      assert.match(error.message, new RegExp(`^Could not connect to Redis at ${url} .*ECONNREFUSED`));
    }
  });

  test("a wrong or missing password fails with an error naming the URL, its password masked", async () => {
    await using redis = await startRedis({ password: "right" });
    const wrong = redis.url.replace(":right@", ":wrong@");
    const none = redis.url.replace(":right@", "");
    const errors = await runReal(async () => [
      await rejection(runWorker("q", handler, { connection: wrong })),
      await rejection(runWorker("q", handler, { connection: none })),
    ]);
    for (const error of errors) {
      assert.ok(error instanceof RedisConnectionError, String(error));
      assert.equal(error.code, "ERR_AIO_REDIS_AUTH");
      assert.match(error.message, /refused the credentials: (WRONGPASS|NOAUTH)/);
      assert.ok(!error.message.includes("wrong"), "the password is masked");
    }
    assert.equal((errors[0] as RedisConnectionError).url, `redis://:***@127.0.0.1:${redis.port}`);
  });
});
