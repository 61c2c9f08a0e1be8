// ClientSession cancellation: cancelling the task (directly, or through
// waitFor/timeout) stops the request at once, wherever it is, and the server
// sees the socket close. Nothing keeps running; no slot stays held.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, test } from "node:test";
import {
  CancelledError,
  createTask,
  currentTask,
  ExceptionGroup,
  isCancelledError,
  now,
  run,
  sleep,
  TimeoutError,
  taskGroup,
  timeout,
  waitFor,
} from "aio-ts";
import { ClientSession, HttpError } from "aio-ts/http";
import { rejection } from "../helpers.ts";
import { startServer, type TestServer, virtual } from "./client-helpers.ts";

const opts = { handleSignals: false } as const;

let srv: TestServer;
before(async () => {
  srv = await startServer((req, res) => {
    if (req.url === "/hang") return; // headers never come
    if (req.url === "/partial") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first part;"); // and the rest never comes
      return;
    }
    res.end("ok");
  });
});
after(() => srv.close());

/**
 * A TCP server that accepts connections and never answers, so that an
 * `https:` request to it stays in its TLS handshake: the connect stage. It
 * counts the sockets open server-side.
 */
async function silentServer(): Promise<{
  server: Server;
  port: number;
  sockets: Set<Socket>;
  closed(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.resume();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  const closed = async (): Promise<void> => {
    while (sockets.size > 0) await new Promise((resolve) => setTimeout(resolve, 2));
  };
  return { server, port, sockets, closed };
}

test("cancelling the task while it waits for headers aborts the request and closes the socket", async () => {
  const before = srv.requests;
  await run(async () => {
    await using session = new ClientSession();
    const task = createTask(() => session.get(srv.url("/hang")));
    await srv.received(before + 1);
    assert.equal(srv.open, 1);
    task.cancel("enough");
    const error = await rejection(task);
    assert.ok(isCancelledError(error), String(error));
    assert.equal((error as Error).message, "enough");
    assert.ok(!(error instanceof HttpError));
    await srv.idle(); // the server saw the socket close
    assert.equal(session.statistics().inFlight, 0);
  }, opts);
});

test("cancelling while the body is read (text()) closes the socket", async () => {
  const before = srv.requests;
  await run(async () => {
    await using session = new ClientSession();
    const task = createTask(async () => {
      const response = await session.get(srv.url("/partial"));
      return response.text();
    });
    await srv.received(before + 1);
    await sleep(0);
    task.cancel();
    assert.ok(isCancelledError(await rejection(task)));
    await srv.idle();
    assert.equal(session.statistics().inFlight, 0);
  }, opts);
});

test("cancelling while iterating the body closes the socket", async () => {
  const before = srv.requests;
  await run(async () => {
    await using session = new ClientSession();
    const chunks: string[] = [];
    const task = createTask(async () => {
      const response = await session.get(srv.url("/partial"));
      for await (const chunk of response.body) chunks.push(new TextDecoder().decode(chunk));
    });
    await srv.received(before + 1);
    while (chunks.length === 0) await sleep(1);
    assert.deepEqual(chunks, ["first part;"]);
    task.cancel();
    assert.ok(isCancelledError(await rejection(task)));
    await srv.idle();
  }, opts);
});

test("waitFor(session.get(url), ms) gives up at the deadline and really stops the request", async () => {
  const before = srv.requests;
  await run(async () => {
    await using session = new ClientSession();
    const error = await rejection(waitFor(session.get(srv.url("/hang")), 1000));
    assert.ok(error instanceof TimeoutError, String(error));
    assert.ok(isCancelledError((error as Error).cause));
    assert.equal(srv.requests, before + 1);
    await srv.idle();
    assert.equal(session.statistics().inFlight, 0);
  }, virtual());
});

test("waitFor(() => session.get(url), ms) does the same through a child task", async () => {
  await run(async () => {
    await using session = new ClientSession();
    await assert.rejects(
      waitFor(() => session.get(srv.url("/hang")), 1000),
      TimeoutError,
    );
    await srv.idle();
  }, virtual());
});

test("timeout() around reading a stalled body stops it", async () => {
  await run(async () => {
    await using session = new ClientSession();
    const response = await session.get(srv.url("/partial"));
    await assert.rejects(
      timeout(500, () => response.text()),
      TimeoutError,
    );
    await srv.idle();
    // The body was destroyed: it cannot be read any more.
    await assert.rejects(response.text(), (e: unknown) => e instanceof Error);
  }, virtual());
});

test("a cancel while waiting for a connection slot takes no slot", async () => {
  await run(async () => {
    await using session = new ClientSession({ limit: 1 });
    const holder = await session.get(srv.url("/partial"));
    const waiting = createTask(() => session.get(srv.url("/")));
    await sleep(0);
    assert.equal(session.statistics().queued, 1);
    waiting.cancel();
    assert.ok(isCancelledError(await rejection(waiting)));
    assert.equal(session.statistics().queued, 0);
    holder.release();
    const next = await session.get(srv.url("/"));
    assert.equal(await next.text(), "ok");
    assert.equal(session.statistics().inFlight, 0);
  }, opts);
});

test("the request's own signal aborts it, at any stage, with the signal's reason", async () => {
  await run(async () => {
    await using session = new ClientSession();
    const controller = new AbortController();
    const before = srv.requests;
    const pending = session.get(srv.url("/hang"), { signal: controller.signal });
    await srv.received(before + 1); // sent
    const reason = new Error("user gave up");
    controller.abort(reason);
    assert.equal(await rejection(pending), reason);
    await srv.idle();
    // Already aborted: fails before sending.
    await assert.rejects(session.get(srv.url("/"), { signal: AbortSignal.abort("no") }), (e: unknown) => e === "no");
  }, opts);
});

test("close() fails the requests in flight and closes every connection", async () => {
  await run(async () => {
    const session = new ClientSession();
    const before = srv.requests;
    const hanging = createTask(() => session.get(srv.url("/hang")));
    const unread = await session.get(srv.url("/partial"));
    await srv.received(before + 2);
    await session.close();
    const error = await rejection(hanging);
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.code, "ERR_AIO_HTTP_SESSION_CLOSED");
    await assert.rejects(unread.text(), { code: "ERR_AIO_HTTP_SESSION_CLOSED" });
    await srv.idle();
  }, opts);
});

test("cancellation works when the session is used outside run()", async () => {
  const session = new ClientSession();
  const controller = new AbortController();
  const before = srv.requests;
  const pending = session.get(srv.url("/hang"), { signal: controller.signal });
  await srv.received(before + 1);
  controller.abort(new CancelledError("stop"));
  assert.ok(isCancelledError(await rejection(pending)));
  await srv.idle();
  await session.close();
});

test("a task cancelled before it sends anything sends nothing", async () => {
  const before = srv.requests;
  await run(async () => {
    await using session = new ClientSession();
    const task = createTask(async () => {
      currentTask()?.cancel();
      return session.get(srv.url("/"));
    });
    assert.ok(isCancelledError(await rejection(task)));
    await sleep(10);
    assert.equal(srv.requests, before);
  }, opts);
});

// The connect timeout is left at its default (30 s): each of these tests
// finishes long before it only if the cancel itself destroys the connect.
test("cancelling while connecting (a TLS handshake that hangs) destroys the connecting socket", {
  timeout: 60_000,
}, async () => {
  const silent = await silentServer();
  try {
    await run(async () => {
      await using session = new ClientSession({ retry: false });
      const task = createTask(() => session.get(`https://127.0.0.1:${silent.port}/`));
      while (silent.sockets.size === 0) await sleep(1);
      task.cancel("stop connecting");
      const error = await rejection(task);
      assert.ok(isCancelledError(error), String(error));
      assert.equal((error as Error).message, "stop connecting");
      await silent.closed(); // the server saw the socket close: the connect did not linger
      assert.equal(session.statistics().inFlight, 0);
      assert.deepEqual(session.statistics().connectionsPerHost, {});
    }, opts);
  } finally {
    silent.server.close();
  }
});

test("waitFor around a request stuck connecting stops the connect at the deadline", { timeout: 60_000 }, async () => {
  const silent = await silentServer();
  try {
    await run(async () => {
      await using session = new ClientSession({ retry: false });
      await assert.rejects(waitFor(session.get(`https://127.0.0.1:${silent.port}/`), 1000), TimeoutError);
      await silent.closed();
    }, virtual());
  } finally {
    silent.server.close();
  }
});

test("close() while a request is connecting fails it and destroys the connecting socket", {
  timeout: 60_000,
}, async () => {
  const silent = await silentServer();
  try {
    await run(async () => {
      const session = new ClientSession({ retry: false });
      const task = createTask(() => session.get(`https://127.0.0.1:${silent.port}/`));
      while (silent.sockets.size === 0) await sleep(1);
      await session.close();
      assert.equal(((await rejection(task)) as HttpError).code, "ERR_AIO_HTTP_SESSION_CLOSED");
      await silent.closed();
    }, opts);
  } finally {
    silent.server.close();
  }
});

test("a TaskGroup whose child fails cancels a sibling's request mid-body, and the socket closes", async () => {
  const before = srv.requests;
  await run(async () => {
    await using session = new ClientSession();
    const error = await rejection(
      taskGroup(async (tg) => {
        tg.createTask(async () => (await session.get(srv.url("/partial"))).text());
        tg.createTask(async () => {
          await srv.received(before + 1);
          await sleep(10); // the sibling now waits in text()
          throw new Error("sibling failed");
        });
      }),
    );
    assert.ok(error instanceof ExceptionGroup, String(error));
    assert.deepEqual(
      error.errors.map((e) => (e as Error).message),
      ["sibling failed"],
    );
    await srv.idle();
    assert.equal(session.statistics().inFlight, 0);
  }, opts);
});

test("cancelling the web stream of a body closes the connection", async () => {
  await run(async () => {
    await using session = new ClientSession();
    const response = await session.get(srv.url("/partial"));
    const reader = response.stream().getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), "first part;");
    await reader.cancel();
    await srv.idle();
    assert.equal(session.statistics().inFlight, 0);
  }, opts);
});

test("cancelling during a retry's backoff stops at once: no slot held, nothing sent again", async () => {
  const busy = await startServer((_req, res) => {
    res.writeHead(503);
    res.end("busy");
  });
  try {
    await run(async () => {
      // No total timeout: under virtual time, nothing may fire while a real reply is on its way.
      await using session = new ClientSession({
        retry: { backoff: { base: 10_000, jitter: false } },
        timeout: { total: null },
      });
      const task = createTask(() => session.get(busy.url()));
      await busy.received(1);
      await sleep(100); // now in the 10 s backoff
      const cancelledAt = now();
      task.cancel();
      assert.ok(isCancelledError(await rejection(task)));
      assert.equal(now(), cancelledAt, "the backoff was not waited out");
      const stats = session.statistics();
      assert.deepEqual([stats.inFlight, stats.queued, stats.retries], [0, 0, 0]);
      await sleep(20_000); // past the backoff: no second attempt comes
      assert.equal(busy.requests, 1);
    }, virtual());
  } finally {
    await busy.close();
  }
});

test("cancelling a request held back by its host's Retry-After stops at once, and it is never sent", async () => {
  const limited = await startServer((_req, res, n) => {
    if (n === 1) res.writeHead(429, { "retry-after": "30" });
    res.end(`request ${n}`);
  });
  try {
    await run(async () => {
      await using session = new ClientSession({ retry: false, timeout: { total: null } });
      (await session.get(limited.url())).release(); // the host asks for 30 s of quiet
      const task = createTask(() => session.get(limited.url()));
      await sleep(100);
      task.cancel();
      assert.ok(isCancelledError(await rejection(task)));
      assert.equal(now(), 100);
      await sleep(60_000);
      assert.equal(limited.requests, 1);
    }, virtual());
  } finally {
    await limited.close();
  }
});
