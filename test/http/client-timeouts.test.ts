// ClientSession timeouts, on aiohttp's model: `total` covers the whole
// operation (the wait for a connection slot and the body included), `pool`
// the wait for a slot, `connect` the TCP/TLS connect, `read` the gaps between
// bytes. Expiry aborts the request: the server sees the socket close.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { createTask, now, run, sleep } from "aio-ts";
import { ClientSession, HttpError, HttpTimeoutError } from "aio-ts/http";
import { rejection } from "../helpers.ts";
import { startServer, type TestServer, virtual } from "./client-helpers.ts";

const real = { handleSignals: false } as const;

let srv: TestServer;
before(async () => {
  srv = await startServer((req, res) => {
    if (req.url === "/hang") return;
    if (req.url === "/partial") {
      res.writeHead(200);
      res.write("first part;");
      return;
    }
    res.end("ok");
  });
});
after(() => srv.close());

test("total includes the time spent waiting for a connection slot", async () => {
  await run(async () => {
    await using session = new ClientSession({ limit: 1, timeout: { total: 1000 } });
    // The only slot is held by a response nobody reads (its own total is longer).
    const holder = await session.get(srv.url("/partial"), { timeout: { total: 60_000 } });
    const error = await rejection(session.get(srv.url("/")));
    assert.ok(error instanceof HttpTimeoutError, String(error));
    assert.equal(error.kind, "total");
    assert.equal(error.ms, 1000);
    assert.equal(error.code, "ERR_AIO_HTTP_TIMEOUT");
    assert.ok(error instanceof HttpError);
    assert.match(error.message, /^total timeout of 1000 ms expired \(GET http:\/\/127\.0\.0\.1:\d+\/\)$/);
    assert.equal(now(), 1000);
    assert.equal(session.statistics().queued, 0);
    holder.release();
  }, virtual());
});

test("pool bounds the wait for a slot alone", async () => {
  await run(async () => {
    await using session = new ClientSession({ limit: 1, timeout: { total: 10_000, pool: 500 } });
    const holder = await session.get(srv.url("/partial"));
    const error = await rejection(session.get(srv.url("/")));
    assert.ok(error instanceof HttpTimeoutError, String(error));
    assert.equal(error.kind, "pool");
    assert.equal(error.ms, 500);
    assert.match(error.message, /^pool timeout: no free connection within 500 ms \(GET http:\/\/127\.0\.0\.1:\d+\/\)$/);
    assert.equal(now(), 500);
    holder.release();
    // With the slot free, the same request goes through.
    assert.equal(await (await session.get(srv.url("/"))).text(), "ok");
  }, virtual());
});

test("total covers the body: a stalled body fails its read and the socket is closed", async () => {
  await run(async () => {
    await using session = new ClientSession({ timeout: { total: 2000 } });
    const response = await session.get(srv.url("/partial"));
    assert.equal(response.status, 200);
    const error = await rejection(response.text());
    assert.ok(error instanceof HttpTimeoutError, String(error));
    assert.equal(error.kind, "total");
    assert.equal(now(), 2000);
    await srv.idle();
  }, virtual());
});

test("an unread body also ends with the total timeout: its slot comes back", async () => {
  await run(async () => {
    await using session = new ClientSession({ limit: 1, timeout: { total: 2000 } });
    const response = await session.get(srv.url("/partial"));
    const waiting = createTask(() => session.get(srv.url("/"), { timeout: { total: 10_000 } }));
    const next = await waiting;
    assert.equal(now(), 2000);
    assert.equal(await next.text(), "ok");
    await assert.rejects(response.text(), HttpTimeoutError);
  }, virtual());
});

test("a body received in full but never read also gives its slot back at the total timeout", async () => {
  await run(async () => {
    await using session = new ClientSession({ limit: 1, timeout: { total: 2000 } });
    const unread = await session.get(srv.url("/"));
    const next = await session.get(srv.url("/"), { timeout: { total: 10_000 } });
    assert.equal(now(), 2000);
    assert.equal(await next.text(), "ok");
    await assert.rejects(unread.text(), { kind: "total" });
    assert.equal(session.statistics().inFlight, 0);
  }, virtual());
});

test("total includes the backoff between retries: it ends the wait, with the attempts and last status", async () => {
  const busy = await startServer((_req, res) => {
    res.writeHead(503);
    res.end("busy");
  });
  try {
    await run(async () => {
      await using session = new ClientSession({
        timeout: { total: 1000 },
        retry: { backoff: { base: 10_000, jitter: false } },
      });
      const error = await rejection(session.get(busy.url()));
      assert.ok(error instanceof HttpTimeoutError, String(error));
      assert.equal(error.kind, "total");
      assert.equal(now(), 1000, "the 10 s backoff was cut short");
      assert.equal(error.attempts, 1);
      assert.equal(error.status, 503);
      assert.equal(session.statistics().inFlight, 0);
    }, virtual());
    assert.equal(busy.requests, 1);
  } finally {
    await busy.close();
  }
});

test("read bounds the wait for headers (undici's headersTimeout)", async () => {
  await run(async () => {
    await using session = new ClientSession({ timeout: { read: 100 }, retry: false });
    const error = await rejection(session.get(srv.url("/hang")));
    assert.ok(error instanceof HttpTimeoutError, String(error));
    assert.equal(error.kind, "read");
    assert.equal(error.ms, 100);
    assert.match(error.message, /^read timeout: no data from the server for 100 ms/);
    await srv.idle();
  }, real);
});

test("read bounds the gaps in the body (undici's bodyTimeout), per request too", async () => {
  await run(async () => {
    await using session = new ClientSession();
    const response = await session.get(srv.url("/partial"), { timeout: { read: 100 } });
    const error = await rejection(response.text());
    assert.ok(error instanceof HttpTimeoutError, String(error));
    assert.equal(error.kind, "read");
    await srv.idle();
  }, real);
});

test("connect bounds the TCP and TLS connect", async () => {
  // Accepts TCP, never answers the TLS handshake (but reads, so it sees the close).
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.resume();
  });
  silent.listen(0, "127.0.0.1");
  await once(silent, "listening");
  const { port } = silent.address() as { port: number };
  try {
    await run(async () => {
      await using session = new ClientSession({ timeout: { connect: 150 }, retry: false });
      const error = await rejection(session.get(`https://127.0.0.1:${port}/`));
      assert.ok(error instanceof HttpTimeoutError, String(error));
      assert.equal(error.kind, "connect");
      assert.equal(error.ms, 150);
      assert.match(error.message, /^connect timeout: no connection within 150 ms/);
    }, real);
    while (sockets.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    silent.close();
  }
});

test("a request's timeout overrides the session's", async () => {
  await run(async () => {
    await using session = new ClientSession({ timeout: { total: 100 } });
    const task = createTask(() => session.get(srv.url("/hang"), { timeout: { total: 5000 } }));
    await sleep(1000);
    assert.equal(task.done(), false);
    const error = await rejection(task);
    assert.ok(error instanceof HttpTimeoutError);
    assert.equal(now(), 5000);
    await assert.rejects(session.get(srv.url("/hang")), { kind: "total", ms: 100 });
  }, virtual());
});

test("total expiring while waiting for the headers closes the socket, counted by the server", async () => {
  const before = srv.requests;
  await run(async () => {
    await using session = new ClientSession({ timeout: { total: 1500 }, retry: false });
    const error = await rejection(session.get(srv.url("/hang")));
    assert.ok(error instanceof HttpTimeoutError, String(error));
    assert.equal(error.kind, "total");
    assert.equal(now(), 1500);
    assert.equal(srv.requests, before + 1);
    await srv.idle(); // with the session still open: the socket was destroyed, not kept
    assert.equal(session.statistics().inFlight, 0);
  }, virtual());
});

test("total expiring while connecting (a TLS handshake that hangs) destroys the connect", {
  timeout: 10_000,
}, async () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.resume();
  });
  silent.listen(0, "127.0.0.1");
  await once(silent, "listening");
  const { port } = silent.address() as { port: number };
  try {
    await run(async () => {
      // The connect timeout (30 s by default) is not what ends it.
      await using session = new ClientSession({ timeout: { total: 1000 }, retry: false });
      const error = await rejection(session.get(`https://127.0.0.1:${port}/`));
      assert.ok(error instanceof HttpTimeoutError, String(error));
      assert.equal(error.kind, "total");
      assert.equal(now(), 1000);
      while (sockets.size > 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }, virtual());
  } finally {
    silent.close();
  }
});
