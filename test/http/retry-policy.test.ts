// RetryPolicy, the one retry policy of aio-ts/http: its answers (statuses,
// methods, transient failures, backoff, Retry-After), and a ClientSession
// that retries by a policy it is given.
import assert from "node:assert/strict";
import { test } from "node:test";
import { now, run, TimeoutError } from "aio-ts";
import {
  ClientSession,
  HttpConnectError,
  type HttpConnectErrorKind,
  HttpError,
  HttpRedirectError,
  HttpResponseTooLargeError,
  HttpStatusError,
  HttpTimeoutError,
  HttpTooManyRedirectsError,
  isTransientError,
  RetryPolicy,
} from "aio-ts/http";
import { VirtualClock } from "aio-ts/testing";
import { rejection } from "../helpers.ts";
import { startServer } from "./client-helpers.ts";

const details = { url: "http://h/x", method: "GET", attempts: 1 };
const virtual = () => ({ handleSignals: false, clock: new VirtualClock({ realIdle: 50 }) }) as const;

test("the default policy: 3 attempts of idempotent methods on 429, 502, 503 and 504", () => {
  const policy = RetryPolicy.default;
  assert.equal(policy.attempts, 3);
  assert.deepEqual([...policy.statuses].sort(), [429, 502, 503, 504]);
  for (const status of [429, 502, 503, 504]) assert.ok(policy.isRetryableStatus(status), String(status));
  for (const status of [200, 404, 408, 500]) assert.ok(!policy.isRetryableStatus(status), String(status));
  for (const method of ["GET", "head", "PUT", "DELETE", "OPTIONS", "TRACE"])
    assert.ok(policy.isRetryableMethod(method));
  assert.ok(!policy.isRetryableMethod("POST") && !policy.isRetryableMethod("patch"));
  assert.equal(policy.transient, isTransientError);
  assert.ok(Object.isFrozen(policy));
});

test("isTransientError: timeouts, lost connections and cut-off responses; not DNS, TLS, statuses, sizes, redirects", () => {
  const connect = (kind: HttpConnectErrorKind) => new HttpConnectError(`${kind}`, kind, details);
  for (const error of [
    new TimeoutError(),
    new HttpTimeoutError("read", 100, details),
    new HttpTimeoutError("connect", 100, details),
    connect("refused"),
    connect("reset"),
    connect("closed"),
    connect("other"),
    new HttpError("bad chunk", details, "ERR_AIO_HTTP_PROTOCOL"),
    new HttpError("request failed: ?", details),
  ]) {
    assert.equal(isTransientError(error), true, String(error));
  }
  for (const error of [
    connect("dns"),
    connect("tls"),
    new HttpStatusError({ ...details, status: 500, statusText: "", headers: {} }),
    new HttpResponseTooLargeError(10, details),
    new HttpTooManyRedirectsError(3, details),
    new HttpRedirectError("http://h/x", details),
    new HttpError("closed", details, "ERR_AIO_HTTP_SESSION_CLOSED"),
    new Error("not an HTTP failure"),
    "a string",
  ]) {
    assert.equal(isTransientError(error), false, String(error));
  }
});

test("with() lays options over a policy; false keeps one attempt and the Retry-After bookkeeping", () => {
  const policy = new RetryPolicy({ attempts: 5, statuses: [408, 500], backoff: { base: 100, jitter: false } });
  const variant = policy.with({ methods: ["post"] });
  assert.equal(variant.attempts, 5);
  assert.deepEqual([...variant.statuses], [408, 500]);
  assert.ok(variant.isRetryableMethod("POST") && !variant.isRetryableMethod("GET"));
  assert.equal(variant.base, 100);
  const off = policy.with(false);
  assert.equal(off.attempts, 1);
  assert.equal(off.respectRetryAfter, true);
  assert.equal(policy.with(undefined), policy);
  assert.equal(policy.with(RetryPolicy.default), RetryPolicy.default);
  assert.throws(() => new RetryPolicy({ attempts: 0 }), /Expected `retry.attempts` to be a positive integer/);
  assert.throws(() => new RetryPolicy({ transient: 1 as never }), /Expected `retry.transient` to be a function/);
});

test("backoffDelay: an exponential ceiling up to max, drawn at random below it with jitter", () => {
  const exact = new RetryPolicy({ backoff: { base: 100, max: 1000, jitter: false } });
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => exact.backoffDelay(n)),
    [100, 200, 400, 800, 1000],
  );
  const random = Math.random;
  Math.random = () => 0.5;
  try {
    assert.equal(new RetryPolicy({ backoff: { base: 100 } }).backoffDelay(3), 200);
  } finally {
    Math.random = random;
  }
});

test("retryAfter: seconds or a date from the response's Date, on 429, 503 or a retried status", () => {
  const policy = new RetryPolicy({ statuses: [500] });
  const response = (status: number, headers: Record<string, string>) => ({ status, headers });
  assert.equal(policy.retryAfter(response(429, { "retry-after": "3" })), 3000);
  assert.equal(
    policy.retryAfter(
      response(503, { "retry-after": "Wed, 21 Oct 2015 07:28:10 GMT", date: "Wed, 21 Oct 2015 07:28:00 GMT" }),
    ),
    10_000,
  );
  assert.equal(policy.retryAfter(response(500, { "retry-after": "2" })), 2000);
  assert.equal(policy.retryAfter(response(404, { "retry-after": "2" })), undefined);
  assert.equal(policy.retryAfter(response(503, { "retry-after": "soon" })), undefined);
  assert.equal(policy.retryAfter(response(503, {})), undefined);
  assert.equal(policy.with({ respectRetryAfter: false }).retryAfter(response(503, { "retry-after": "2" })), undefined);
});

test("a session retries by the policy it is given: its statuses, its transient failures", async () => {
  // The first request to each path fails with a 500.
  const seen = new Map<string, number>();
  const srv = await startServer((req, res) => {
    const n = (seen.get(req.url ?? "") ?? 0) + 1;
    seen.set(req.url ?? "", n);
    res.statusCode = n === 1 ? 500 : 200;
    res.end(`attempt ${n}`);
  });
  try {
    const policy = new RetryPolicy({ statuses: [500], backoff: { base: 100, jitter: false } });
    await run(async () => {
      await using session = new ClientSession({ retry: policy, timeout: { total: null } });
      assert.equal(await (await session.get(srv.url("/a"))).text(), "attempt 2");
      assert.equal(now(), 100);
      // The default policy returns a 500 as it is.
      await using plain = new ClientSession({ timeout: { total: null } });
      assert.equal((await plain.get(srv.url("/b"))).status, 500);
      // A request's own policy replaces the session's: a refused connection, not transient here, is tried once.
      const never = new RetryPolicy({ transient: () => false });
      const error = await rejection(session.get("http://127.0.0.1:9/", { retry: never }));
      assert.ok(error instanceof HttpConnectError, String(error));
      assert.equal(error.attempts, 1);
    }, virtual());
  } finally {
    await srv.close();
  }
});
