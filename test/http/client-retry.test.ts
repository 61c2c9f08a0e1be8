// ClientSession retries: statuses and connection failures of idempotent
// requests, exponential backoff, Retry-After (seconds and dates) shared by
// every request to the host; never after part of a body was handed out,
// never with a body that cannot be sent again. Attempts are counted by the
// server; waits run on a VirtualClock.
import assert from "node:assert/strict";
import { once } from "node:events";
import type { ServerResponse } from "node:http";
import { createServer, type Socket } from "node:net";
import { Readable } from "node:stream";
import { test } from "node:test";
import { createTask, now, run, sleep } from "aio-ts";
import { ClientSession, HttpConnectError, HttpStatusError, HttpTimeoutError } from "aio-ts/http";
import { rejection } from "../helpers.ts";
import { type Handler, startServer, type TestServer, virtual } from "./client-helpers.ts";

/** Backoff without jitter, so that the waits are exact: 100, 200, 400... */
const exact = { backoff: { base: 100, max: 10_000, jitter: false } } as const;
/** No total timeout: under virtual time, nothing may fire while a real reply is on its way. */
const noTotal = { total: null } as const;

async function withServer(handler: Handler, body: (srv: TestServer) => Promise<void>): Promise<void> {
  const srv = await startServer(handler);
  try {
    await body(srv);
  } finally {
    await srv.close();
  }
}

/** Answers `status` to the first `failures` requests, then 200. */
function failing(failures: number, status: number, headers: Record<string, string> = {}): Handler {
  return (_req, res: ServerResponse, n) => {
    if (n <= failures) {
      res.writeHead(status, headers);
      res.end(`attempt ${n} failed`);
    } else res.end(`attempt ${n} ok`);
  };
}

test("a 503 is retried with exponential backoff until it succeeds", async () => {
  await withServer(failing(2, 503), async (srv) => {
    await run(async () => {
      await using session = new ClientSession({ retry: exact, timeout: noTotal });
      const response = await session.get(srv.url());
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "attempt 3 ok");
      assert.equal(now(), 100 + 200); // two waits: base, then twice base
      const stats = session.statistics();
      assert.equal(stats.retries, 2);
      assert.equal(stats.requests, 1);
    }, virtual());
    assert.equal(srv.requests, 3);
  });
});

test("after the last attempt, the failing response is returned (or raised, with its attempts)", async () => {
  await withServer(failing(100, 502), async (srv) => {
    await run(async () => {
      await using session = new ClientSession({ retry: { ...exact, attempts: 4 }, timeout: noTotal });
      const response = await session.get(srv.url());
      assert.equal(response.status, 502);
      assert.equal(await response.text(), "attempt 4 failed");
      const error = await rejection(session.get(srv.url(), { raiseForStatus: true, retry: { attempts: 2 } }));
      assert.ok(error instanceof HttpStatusError, String(error));
      assert.equal(error.attempts, 2);
      assert.match(error.message, /^HTTP 502 Bad Gateway from GET http:\/\/127\.0\.0\.1:\d+\/, 2 attempts$/);
    }, virtual());
    assert.equal(srv.requests, 6);
  });
});

test("POST and PATCH are not retried by default; retry.methods opts them in", async () => {
  await withServer(failing(100, 503), async (srv) => {
    await run(async () => {
      await using session = new ClientSession({ retry: exact, timeout: noTotal });
      assert.equal((await session.post(srv.url(), { json: {} })).status, 503);
      assert.equal(srv.requests, 1);
      assert.equal((await session.patch(srv.url(), { body: "x" })).status, 503);
      assert.equal(srv.requests, 2);
      const retried = await session.post(srv.url(), { body: "x", retry: { methods: ["POST"] } });
      assert.equal(retried.status, 503);
      assert.equal(srv.requests, 5);
      // And retry: false turns it off for an idempotent method.
      assert.equal((await session.get(srv.url(), { retry: false })).status, 503);
      assert.equal(srv.requests, 6);
    }, virtual());
  });
});

test("a stream body is never retried: it cannot be sent again", async () => {
  await withServer(failing(100, 503), async (srv) => {
    await run(async () => {
      await using session = new ClientSession({ retry: exact, timeout: noTotal });
      const response = await session.put(srv.url(), { body: Readable.from(["once"]) });
      assert.equal(response.status, 503);
      response.release();
    }, virtual());
    assert.equal(srv.requests, 1);
  });
});

test("Retry-After in seconds sets the wait", async () => {
  await withServer(failing(1, 429, { "retry-after": "2" }), async (srv) => {
    await run(async () => {
      await using session = new ClientSession({ retry: exact, timeout: noTotal });
      const response = await session.get(srv.url());
      assert.equal(await response.text(), "attempt 2 ok");
      assert.equal(now(), 2000);
    }, virtual());
  });
});

test("Retry-After as an HTTP date is measured from the response's Date", async () => {
  const handler: Handler = (_req, res, n) => {
    if (n === 1) {
      const date = new Date(Date.UTC(2030, 0, 1, 12, 0, 0));
      res.writeHead(503, {
        date: date.toUTCString(),
        "retry-after": new Date(date.getTime() + 5000).toUTCString(),
      });
      res.end();
    } else res.end("ok");
  };
  await withServer(handler, async (srv) => {
    await run(async () => {
      await using session = new ClientSession({ retry: exact, timeout: noTotal });
      assert.equal(await (await session.get(srv.url())).text(), "ok");
      assert.equal(now(), 5000);
    }, virtual());
  });
});

test("a Retry-After holds back every request to that host, not the others", async () => {
  const handler: Handler = (req, res, n) => {
    if (n === 1) {
      res.writeHead(429, { "retry-after": "3" });
      res.end();
    } else res.end(req.url);
  };
  await withServer(handler, async (srv) => {
    await withServer(
      (_req, res) => res.end("other"),
      async (other) => {
        await run(async () => {
          await using session = new ClientSession({ retry: exact, timeout: noTotal });
          const first = createTask(() => session.get(srv.url("/first")));
          await srv.received(1);
          while (Object.keys(session.statistics().retryAfter).length === 0) await sleep(1);
          assert.ok(session.statistics().retryAfter[srv.origin] !== undefined);
          const closedAt = now();
          // Another request to the same host waits for the Retry-After...
          const second = createTask(async () => {
            const text = await (await session.get(srv.url("/second"))).text();
            return { text, at: now() };
          });
          // ...while a request to another host goes at once.
          assert.equal(await (await session.get(other.url())).text(), "other");
          assert.ok(now() < closedAt + 3000);
          assert.equal(srv.requests, 1);
          const done = await second;
          assert.equal(done.text, "/second");
          assert.ok(done.at >= closedAt + 3000 - 1, `second request went at ${done.at}`);
          assert.equal(await (await first).text(), "/first");
        }, virtual());
        assert.equal(srv.requests, 3);
      },
    );
  });
});

test("a Retry-After longer than maxRetryAfter is not waited for", async () => {
  await withServer(failing(1, 429, { "retry-after": "3600" }), async (srv) => {
    await run(async () => {
      await using session = new ClientSession({ retry: exact, timeout: noTotal });
      const response = await session.get(srv.url());
      assert.equal(response.status, 429);
      assert.equal(now(), 0);
      assert.deepEqual(session.statistics().retryAfter, {});
      response.release();
    }, virtual());
    assert.equal(srv.requests, 1);
  });
});

test("a connection reset before the headers is retried", async () => {
  const handler: Handler = (req, res, n) => {
    if (n === 1) req.socket.destroy();
    else res.end("second try");
  };
  await withServer(handler, async (srv) => {
    await run(async () => {
      await using session = new ClientSession({ retry: exact, timeout: noTotal });
      assert.equal(await (await session.get(srv.url())).text(), "second try");
    }, virtual());
    assert.equal(srv.requests, 2);
  });
});

test("a refused connection is retried, then reported with its attempts", async () => {
  await run(async () => {
    await using session = new ClientSession({ retry: exact, timeout: noTotal });
    const error = await rejection(session.get("http://127.0.0.1:9/"));
    assert.ok(error instanceof HttpConnectError, String(error));
    assert.equal(error.kind, "refused");
    assert.equal(error.attempts, 3);
    assert.equal(
      error.message,
      "connection refused to http://127.0.0.1:9: ECONNREFUSED (GET http://127.0.0.1:9/, 3 attempts)",
    );
    assert.equal(now(), 300);
  }, virtual());
});

test("nothing is retried once part of the body was handed out", async () => {
  const handler: Handler = (_req, res) => {
    res.writeHead(200, { "content-length": "100" });
    res.write("only part of it");
    setTimeout(() => res.socket?.destroy(), 20);
  };
  await withServer(handler, async (srv) => {
    await run(
      async () => {
        await using session = new ClientSession({ retry: exact, timeout: noTotal });
        const response = await session.get(srv.url());
        const error = await rejection(response.text());
        assert.ok(error instanceof HttpConnectError, String(error));
        assert.equal(error.kind, "closed");
        assert.match(error.message, /^connection closed by http:\/\/127\.0\.0\.1:\d+ before the response was complete/);
        assert.equal(error.status, 200);
      },
      { handleSignals: false },
    );
    assert.equal(srv.requests, 1);
  });
});

test("a read timeout before the headers is retried", async () => {
  const handler: Handler = (_req, res, n) => {
    if (n > 1) res.end("answered");
  };
  await withServer(handler, async (srv) => {
    await run(
      async () => {
        await using session = new ClientSession({ timeout: { read: 100 }, retry: { backoff: { base: 1 } } });
        assert.equal(await (await session.get(srv.url())).text(), "answered");
      },
      { handleSignals: false },
    );
    assert.equal(srv.requests, 2);
  });
});

test("full jitter: each wait is a random fraction of its exponential ceiling", async () => {
  const draws = [0.5, 0.25];
  const random = Math.random;
  Math.random = () => draws.shift() ?? 0;
  try {
    await withServer(failing(2, 503), async (srv) => {
      await run(async () => {
        await using session = new ClientSession({
          retry: { backoff: { base: 100, max: 10_000 } }, // jitter is the default
          timeout: noTotal,
        });
        assert.equal(await (await session.get(srv.url())).text(), "attempt 3 ok");
        assert.equal(now(), 0.5 * 100 + 0.25 * 200);
      }, virtual());
    });
  } finally {
    Math.random = random;
  }
});

test("the ceiling stops growing at backoff.max", async () => {
  await withServer(failing(4, 502), async (srv) => {
    await run(async () => {
      await using session = new ClientSession({
        retry: { attempts: 5, backoff: { base: 100, max: 250, jitter: false } },
        timeout: noTotal,
      });
      assert.equal((await session.get(srv.url())).status, 200);
      assert.equal(now(), 100 + 200 + 250 + 250);
    }, virtual());
  });
});

test("a Retry-After on a request that is not retried still holds back the next requests to that host", async () => {
  await withServer(failing(1, 429, { "retry-after": "2" }), async (srv) => {
    await run(async () => {
      await using session = new ClientSession({ retry: exact, timeout: noTotal });
      const post = await session.post(srv.url(), { body: "x" });
      assert.equal(post.status, 429);
      post.release();
      assert.equal(now(), 0, "a POST is not retried: the 429 is returned at once");
      assert.equal(await (await session.get(srv.url())).text(), "attempt 2 ok");
      assert.equal(now(), 2000);
    }, virtual());
  });
});

test("respectRetryAfter: false neither records a Retry-After nor waits for one", async () => {
  await withServer(failing(1, 429, { "retry-after": "3" }), async (srv) => {
    await run(async () => {
      await using session = new ClientSession({ retry: exact, timeout: noTotal });
      const ignoring = { retry: { respectRetryAfter: false } } as const;
      assert.equal(await (await session.get(srv.url(), ignoring)).text(), "attempt 2 ok");
      assert.equal(now(), 100, "the backoff, not the Retry-After");
      assert.deepEqual(session.statistics().retryAfter, {});
    }, virtual());
  });
  const handler: Handler = (_req, res, n) => {
    if (n === 1) {
      res.writeHead(429, { "retry-after": "3" });
      res.end();
    } else res.end(`attempt ${n}`);
  };
  await withServer(handler, async (srv) => {
    await run(async () => {
      await using session = new ClientSession({ retry: false, timeout: noTotal });
      (await session.get(srv.url())).release(); // closes the host for 3 s
      assert.ok(session.statistics().retryAfter[srv.origin] !== undefined);
      const ignoring = await session.get(srv.url(), { retry: { respectRetryAfter: false } });
      assert.equal(await ignoring.text(), "attempt 2");
      assert.equal(now(), 0);
      // retry: false still respects the host's Retry-After.
      assert.equal(await (await session.get(srv.url())).text(), "attempt 3");
      assert.equal(now(), 3000);
    }, virtual());
  });
});

test("a connect timeout is retried, then reported with its attempts", async () => {
  // Accepts TCP, never answers the TLS handshake.
  const sockets = new Set<Socket>();
  let accepted = 0;
  const silent = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.resume();
  });
  silent.listen(0, "127.0.0.1");
  await once(silent, "listening");
  const { port } = silent.address() as { port: number };
  try {
    await run(
      async () => {
        await using session = new ClientSession({
          timeout: { connect: 100 },
          retry: { attempts: 2, backoff: { base: 1 } },
        });
        const error = await rejection(session.get(`https://127.0.0.1:${port}/`));
        assert.ok(error instanceof HttpTimeoutError, String(error));
        assert.equal(error.kind, "connect");
        assert.equal(error.attempts, 2);
      },
      { handleSignals: false },
    );
    assert.equal(accepted, 2);
    while (sockets.size > 0) await new Promise((resolve) => setTimeout(resolve, 2));
  } finally {
    silent.close();
  }
});

test("a Retry-After that is neither seconds nor an HTTP date is ignored: the backoff applies", async () => {
  for (const value of ["1.5", "-1", "soon"]) {
    await withServer(failing(1, 503, { "retry-after": value }), async (srv) => {
      await run(async () => {
        await using session = new ClientSession({ retry: exact, timeout: noTotal });
        assert.equal(await (await session.get(srv.url())).text(), "attempt 2 ok");
        assert.equal(now(), 100, `Retry-After: ${value}`);
        assert.deepEqual(session.statistics().retryAfter, {});
      }, virtual());
    });
  }
});
