// ClientSession against every fault `aio serve` injects: each one is
// survived (retried when it may be, else reported with a clear HttpError),
// and leaves no slot held and no socket open, counted by the server.
import assert from "node:assert/strict";
import { test } from "node:test";
import { now, run } from "aio-ts";
import { ClientSession, HttpConnectError, HttpStatusError, HttpTimeoutError } from "aio-ts/http";
import { FAULT_KINDS, type FaultKind, type ServerHandle, serve } from "aio-ts/testing";
import { rejection } from "../helpers.ts";
import { virtual } from "./client-helpers.ts";

const real = { handleSignals: false } as const;
/** Backoff without jitter, so that the waits are exact: 100, 200, 400... */
const exact = { backoff: { base: 100, max: 10_000, jitter: false } } as const;
const ORIGIN = /http:\/\/127\.0\.0\.1:\d+/.source;

/** Waits (polling on real time) until the server has no connection open; the test's timeout bounds it. */
async function noSocketOpen(server: ServerHandle): Promise<void> {
  while (server.statistics().openConnections > 0) await new Promise((resolve) => setTimeout(resolve, 2));
}

/** The bytes `/bytes/:n?seed=` sends, read without faults (by a session of its own, closed at once). */
async function intact(server: ServerHandle, n: number, seed: number): Promise<Uint8Array> {
  await using session = new ClientSession();
  return await (await session.get(`${server.url}/bytes/${n}?seed=${seed}`)).bytes();
}

test("every fault kind is covered below", () => {
  const covered: FaultKind[] = [
    "reset",
    "close",
    "stall",
    "reset-mid-body",
    "stall-mid-body",
    "wrong-length",
    "slow-drip",
  ];
  assert.deepEqual([...FAULT_KINDS].sort(), covered.sort());
});

test("fault=reset: an HttpConnectError of kind reset, retried, and survived", async () => {
  await using server = await serve();
  await run(async () => {
    await using session = new ClientSession({ retry: exact, timeout: { total: null } });
    const url = `${server.url}/get?fault=reset`;
    const error = await rejection(session.get(url, { retry: false }));
    assert.ok(error instanceof HttpConnectError, String(error));
    assert.equal(error.kind, "reset");
    assert.equal(error.attempts, 1);
    assert.equal(error.status, undefined);
    assert.match(
      error.message,
      new RegExp(`^connection reset by ${ORIGIN}: ECONNRESET \\(GET ${ORIGIN}/get\\?fault=reset\\)$`),
    );
    // The first request to this URL is reset, the retry is answered.
    const response = await session.get(`${server.url}/get?fault=reset&fail-times=1`);
    assert.equal(response.status, 200);
    await response.json();
    assert.equal(session.statistics().retries, 1);
    assert.equal(session.statistics().inFlight, 0);
  }, virtual());
  assert.equal(server.statistics().faults, 2);
});

test("fault=close: an HttpConnectError of kind closed, retried, and survived", async () => {
  await using server = await serve();
  await run(async () => {
    await using session = new ClientSession({ retry: exact, timeout: { total: null } });
    const error = await rejection(session.get(`${server.url}/get?fault=close`, { retry: false }));
    assert.ok(error instanceof HttpConnectError, String(error));
    assert.equal(error.kind, "closed");
    assert.match(error.message, new RegExp(`^connection closed by ${ORIGIN} before the response was complete \\(GET `));
    const response = await session.get(`${server.url}/get?fault=close&fail-times=1`);
    assert.equal(response.status, 200);
    await response.text();
  }, virtual());
});

test("fault=stall: the total timeout aborts the request and the server sees its socket close", async () => {
  await using server = await serve();
  await run(async () => {
    await using session = new ClientSession({ timeout: { total: 1000 }, retry: false });
    const error = await rejection(session.get(`${server.url}/get?fault=stall`));
    assert.ok(error instanceof HttpTimeoutError, String(error));
    assert.equal(error.kind, "total");
    assert.equal(now(), 1000);
    assert.match(error.message, new RegExp(`^total timeout of 1000 ms expired \\(GET ${ORIGIN}/get\\?fault=stall\\)$`));
    await noSocketOpen(server); // while the session is still open: the socket was destroyed, not pooled
    assert.equal(session.statistics().inFlight, 0);
  }, virtual());
});

test("fault=stall: a read timeout before the headers is retried, then reported", async () => {
  await using server = await serve();
  await run(async () => {
    await using session = new ClientSession({ timeout: { read: 100 }, retry: { attempts: 2, backoff: { base: 1 } } });
    const error = await rejection(session.get(`${server.url}/get?fault=stall`));
    assert.ok(error instanceof HttpTimeoutError, String(error));
    assert.equal(error.kind, "read");
    assert.equal(error.attempts, 2);
    assert.match(error.message, /^read timeout: no data from the server for 100 ms \(GET .*, 2 attempts\)$/);
    await noSocketOpen(server);
  }, real);
  assert.equal(server.statistics().requests, 2);
});

test("fault=reset-mid-body: the read fails as a reset, the bytes before it are right, nothing is retried", async () => {
  await using server = await serve();
  const expected = await intact(server, 200_000, 1);
  const before = server.statistics().requests;
  await run(async () => {
    await using session = new ClientSession({ retry: exact, timeout: { total: null } });
    const response = await session.get(`${server.url}/bytes/200000?seed=1&fault=reset-mid-body`);
    assert.equal(response.status, 200);
    assert.equal(response.headers["content-length"], "200000");
    const received: Uint8Array[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of response.body) received.push(chunk);
      })(),
    );
    assert.ok(error instanceof HttpConnectError, String(error));
    assert.equal(error.kind, "reset");
    assert.equal(error.status, 200);
    assert.equal(error.attempts, 1);
    const got = Buffer.concat(received);
    assert.ok(got.length > 0 && got.length < 200_000, `got ${got.length} bytes`);
    assert.deepEqual(new Uint8Array(got), expected.subarray(0, got.length));
    assert.equal(session.statistics().retries, 0);
    assert.equal(session.statistics().inFlight, 0);
    await noSocketOpen(server);
  }, virtual());
  assert.equal(server.statistics().requests, before + 1, "part of the body was handed out: never retried");
});

test("fault=stall-mid-body: the total timeout fails the read and closes the socket", async () => {
  await using server = await serve();
  await run(async () => {
    await using session = new ClientSession({ timeout: { total: 2000 } });
    const response = await session.get(`${server.url}/bytes/100000?fault=stall-mid-body`);
    assert.equal(response.status, 200);
    const error = await rejection(response.bytes());
    assert.ok(error instanceof HttpTimeoutError, String(error));
    assert.equal(error.kind, "total");
    assert.equal(error.status, 200);
    assert.equal(now(), 2000);
    await noSocketOpen(server);
    assert.equal(session.statistics().inFlight, 0);
  }, virtual());
});

test("fault=stall-mid-body: a read timeout between chunks fails the read", async () => {
  await using server = await serve();
  await run(async () => {
    await using session = new ClientSession({ timeout: { read: 100 } });
    const response = await session.get(`${server.url}/bytes/100000?fault=stall-mid-body`);
    const error = await rejection(response.text());
    assert.ok(error instanceof HttpTimeoutError, String(error));
    assert.equal(error.kind, "read");
    await noSocketOpen(server);
  }, real);
});

test("fault=wrong-length: a body shorter than its Content-Length fails as a premature close", async () => {
  await using server = await serve();
  await run(async () => {
    await using session = new ClientSession();
    const response = await session.get(`${server.url}/bytes/1000?fault=wrong-length`);
    assert.equal(response.headers["content-length"], "2024");
    const error = await rejection(response.bytes());
    assert.ok(error instanceof HttpConnectError, String(error));
    assert.equal(error.kind, "closed");
    assert.match(error.message, new RegExp(`^connection closed by ${ORIGIN} before the response was complete`));
    // A chunked body that loses its last chunk, likewise.
    const chunked = await session.get(`${server.url}/stream-bytes/1000?fault=wrong-length`);
    assert.ok((await rejection(chunked.text())) instanceof HttpConnectError);
    await noSocketOpen(server);
    assert.equal(session.statistics().inFlight, 0);
  }, real);
});

test("fault=slow-drip: the whole body arrives, within a read timeout longer than each gap", async () => {
  await using server = await serve();
  const expected = await intact(server, 20_000, 5);
  await run(async () => {
    await using session = new ClientSession({ timeout: { read: 5000 } });
    const response = await session.get(`${server.url}/bytes/20000?seed=5&fault=slow-drip&fault-interval=2`);
    assert.deepEqual(await response.bytes(), expected);
  }, real);
});

test("429 with Retry-After in seconds is waited for, then survived", async () => {
  await using server = await serve();
  await run(async () => {
    await using session = new ClientSession({ retry: exact, timeout: { total: null } });
    const response = await session.get(`${server.url}/get?status=429&retry-after=2&fail-times=1`);
    assert.equal(response.status, 200);
    await response.json();
    assert.equal(now(), 2000);
    assert.equal(session.statistics().retries, 1);
  }, virtual());
});

test("503 with Retry-After as an HTTP date is waited for (from the server's Date), then survived", async () => {
  await using server = await serve();
  // biome-ignore lint/complexity/useDateNow: Date.now() is banned outside the clock; this is a calendar date for the server.
  const at = new Date(new Date().getTime() + 10_000).toUTCString();
  await run(async () => {
    await using session = new ClientSession({ retry: exact, timeout: { total: null } });
    const response = await session.get(
      `${server.url}/get?status=503&retry-after=${encodeURIComponent(at)}&fail-times=1`,
    );
    assert.equal(response.status, 200);
    await response.text();
    // Both dates are whole seconds: the wait is 9 or 10 s of loop time, not the 100 ms backoff. The lower bound leaves
    // 7 s for a busy machine to get from the date above to the server's reply.
    assert.ok(now() >= 2000 && now() <= 10_000, `waited ${now()} ms`);
  }, virtual());
});

test("an error status after the last attempt raises HttpStatusError with its attempts", async () => {
  await using server = await serve();
  await run(async () => {
    await using session = new ClientSession({ retry: exact, timeout: { total: null }, raiseForStatus: true });
    const error = await rejection(session.get(`${server.url}/get?status=503`));
    assert.ok(error instanceof HttpStatusError, String(error));
    assert.equal(error.status, 503);
    assert.equal(error.method, "GET");
    assert.equal(error.url, `${server.url}/get?status=503`);
    assert.equal(error.attempts, 3);
    assert.match(
      error.message,
      new RegExp(`^HTTP 503 Service Unavailable from GET ${ORIGIN}/get\\?status=503, 3 attempts$`),
    );
    assert.equal(now(), 100 + 200);
    assert.equal(session.statistics().inFlight, 0);
  }, virtual());
  assert.equal(server.statistics().requests, 3);
});

test("a failure rate is survived by retries, and every injected failure is accounted for", async () => {
  await using server = await serve();
  await run(async () => {
    await using session = new ClientSession({
      retry: { attempts: 4, backoff: { base: 10, jitter: false } },
      timeout: { total: null },
      limit: 10,
    });
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const response = await session.get(`${server.url}/get?n=${i}&fail-rate=0.5&fail-seed=3`);
        await response.text();
        return response.status;
      }),
    );
    assert.ok(
      statuses.every((s) => s === 200 || s === 503),
      statuses.join(),
    );
    const finalFailures = statuses.filter((s) => s === 503).length;
    const { retries, inFlight, queued } = session.statistics();
    assert.ok(retries > 0);
    // Each injected 503 was either retried or is a request's last answer.
    assert.equal(server.statistics().faults, retries + finalFailures);
    assert.equal(server.statistics().requests, 40 + retries);
    assert.equal(inFlight, 0);
    assert.equal(queued, 0);
  }, virtual());
  await noSocketOpen(server);
});
