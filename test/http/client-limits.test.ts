// ClientSession limits and connection bookkeeping: `limit` and
// `limitPerHost` are never exceeded (counted by the servers), unread bodies
// hold their slot until released, and nothing leaks.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createTask, Event, gather, type LoopReport, run, sleep } from "aio-ts";
import { ClientSession } from "aio-ts/http";
import { startServer, type TestServer } from "./client-helpers.ts";

const opts = { handleSignals: false } as const;

/** Answers after `ms` real milliseconds, so that requests overlap. */
function slow(ms: number) {
  return (_req: unknown, res: { end(body: string): void }) => {
    setTimeout(() => res.end("done"), ms);
  };
}

test("limit caps the connections across hosts, limitPerHost each host", async () => {
  const a = await startServer(slow(5));
  const b = await startServer(slow(5));
  try {
    await run(async () => {
      await using session = new ClientSession({ limit: 5, limitPerHost: 3 });
      let maxInFlight = 0;
      const bodies = await gather(
        Array.from({ length: 120 }, (_, i) => async () => {
          const server = i % 2 === 0 ? a : b;
          const response = await session.get(server.url(`/${i}`));
          maxInFlight = Math.max(maxInFlight, session.statistics().inFlight);
          return response.text();
        }),
      );
      assert.equal(bodies.length, 120);
      assert.ok(maxInFlight <= 5, `inFlight reached ${maxInFlight}`);
      const stats = session.statistics();
      assert.equal(stats.inFlight, 0);
      assert.equal(stats.queued, 0);
      assert.equal(stats.requests, 120);
    }, opts);
    assert.ok(a.maxOpen <= 3, `host a saw ${a.maxOpen} connections`);
    assert.ok(b.maxOpen <= 3, `host b saw ${b.maxOpen} connections`);
    assert.ok(a.maxActive + b.maxActive <= 6);
    assert.ok(a.maxActive <= 3 && b.maxActive <= 3);
    // After close, every connection is gone, server side.
    await a.idle();
    await b.idle();
  } finally {
    await a.close();
    await b.close();
  }
});

test("limit defaults to 100: the 101st request waits for a slot", async () => {
  // Answers nothing until told: every request sent holds its slot meanwhile.
  const answers: (() => void)[] = [];
  const srv = await startServer((_req, res) => {
    answers.push(() => res.end("done"));
  });
  try {
    await run(async () => {
      await using session = new ClientSession();
      const tasks = Array.from({ length: 150 }, (_, i) =>
        createTask(async () => (await session.get(srv.url(`/${i}`))).text()),
      );
      await srv.received(100);
      await sleep(20); // were more slots free, more requests would go out now
      const stats = session.statistics();
      assert.deepEqual([stats.inFlight, stats.queued, srv.requests], [100, 50, 100]);
      while (srv.requests < 150 || answers.length > 0) {
        for (const answer of answers.splice(0)) answer();
        await sleep(1);
      }
      assert.equal((await gather(...tasks)).length, 150);
    }, opts);
    assert.ok(srv.maxOpen <= 100, `the server saw ${srv.maxOpen} connections at once`);
  } finally {
    await srv.close();
  }
});

test("limit holds across hosts: the servers together never see more requests at once", async () => {
  // One count shared by three servers: requests being answered right now, anywhere.
  let active = 0;
  let peak = 0;
  const handler = (_req: unknown, res: { end(body: string): void }) => {
    peak = Math.max(peak, ++active);
    setTimeout(() => {
      active--;
      res.end("done");
    }, 3);
  };
  const servers = [await startServer(handler), await startServer(handler), await startServer(handler)];
  try {
    await run(async () => {
      await using session = new ClientSession({ limit: 4 });
      const bodies = await gather(
        Array.from(
          { length: 90 },
          (_, i) => async () => (await session.get((servers[i % 3] as TestServer).url(`/${i}`))).text(),
        ),
      );
      assert.equal(bodies.length, 90);
    }, opts);
    assert.ok(peak <= 4, `the servers answered ${peak} requests at once`);
    // Each origin's pool is sized by the limit: never more sockets to one host than that.
    for (const server of servers) assert.ok(server.maxOpen <= 4, `a host saw ${server.maxOpen} connections`);
    for (const server of servers) await server.idle();
  } finally {
    for (const server of servers) await server.close();
  }
});

test("a request waiting for a busy host does not hold a global slot", async () => {
  const a = await startServer(slow(30));
  const b = await startServer((_req, res) => res.end("b"));
  try {
    await run(async () => {
      await using session = new ClientSession({ limit: 2, limitPerHost: 1 });
      const slowOnes = [0, 1, 2].map((i) => createTask(async () => (await session.get(a.url(`/${i}`))).text()));
      await sleep(0);
      // Host a is at its cap, with two waiting: host b still gets a slot at once.
      assert.equal(await (await session.get(b.url())).text(), "b");
      assert.ok(a.requests < 3, "host b went first");
      await gather(...slowOnes);
    }, opts);
    assert.equal(a.maxOpen, 1);
  } finally {
    await a.close();
    await b.close();
  }
});

test("10,000 requests gathered under limit 100 complete, and leave nothing open", async () => {
  const srv = await startServer((req, res) => res.end(req.url));
  try {
    await run(async () => {
      const session = new ClientSession({ limit: 100 });
      const results = await gather(
        Array.from({ length: 10_000 }, (_, i) => async () => (await session.get(srv.url(`/${i}`))).text()),
      );
      assert.equal(results.length, 10_000);
      assert.equal(results[9_999], "/9999");
      const stats = session.statistics();
      assert.equal(stats.inFlight, 0);
      assert.equal(stats.queued, 0);
      assert.ok(srv.maxOpen <= 100, `server saw ${srv.maxOpen} connections at once`);
      const open = stats.connectionsPerHost[srv.origin] ?? 0;
      assert.ok(open > 0 && open <= 100, `the pool holds ${open} connections`);
      await session.close();
      assert.deepEqual(session.statistics().connectionsPerHost, {});
    }, opts);
    await srv.idle();
    assert.equal(srv.open, 0);
    assert.equal(srv.requests, 10_000);
  } finally {
    await srv.close();
  }
});

test("an unread body holds its slot until released; release() frees it", async () => {
  const srv = await startServer((_req, res) => res.end("x".repeat(1000)));
  try {
    await run(async () => {
      await using session = new ClientSession({ limit: 1 });
      const first = await session.get(srv.url("/1"));
      assert.equal(session.statistics().inFlight, 1);
      const second = createTask(() => session.get(srv.url("/2")));
      await sleep(0);
      assert.equal(session.statistics().queued, 1);
      first.release();
      const response = await second;
      assert.equal(await response.text(), "x".repeat(1000));
      await assert.rejects(first.text(), { code: "ERR_AIO_HTTP_BODY_RELEASED" });
      assert.equal(session.statistics().inFlight, 0);
    }, opts);
  } finally {
    await srv.close();
  }
});

test("await using releases a response at the end of its block", async () => {
  const srv = await startServer((_req, res) => res.end("body"));
  try {
    await run(async () => {
      await using session = new ClientSession({ limit: 1 });
      {
        await using response = await session.get(srv.url());
        assert.equal(response.status, 200);
      }
      // The slot came back (the body was discarded): the next request gets it.
      assert.equal(await (await session.get(srv.url())).text(), "body");
    }, opts);
  } finally {
    await srv.close();
  }
});

test("an unread body is released when the task that made the request ends", async () => {
  const srv = await startServer((_req, res) => res.end("z".repeat(200_000)));
  try {
    await run(async () => {
      await using session = new ClientSession({ limit: 1 });
      const task = createTask(async () => {
        const response = await session.get(srv.url("/unread"));
        assert.equal(response.status, 200);
        // ...and forgets it.
      });
      await task;
      // Without auto-release this would wait forever for the only slot.
      const next = await session.get(srv.url("/next"));
      assert.equal((await next.text()).length, 200_000);
      assert.equal(session.statistics().inFlight, 0);
    }, opts);
  } finally {
    await srv.close();
  }
});

test("a task that fails with an unread body is still reported as never retrieved", async () => {
  const srv = await startServer((_req, res) => res.end("body"));
  const reports: LoopReport[] = [];
  try {
    await run(
      async () => {
        await using session = new ClientSession({ limit: 1 });
        const got = new Event();
        createTask(async () => {
          await session.get(srv.url());
          got.set();
          throw new Error("lost");
        });
        await got.wait();
        // The body is released (the slot comes back), and the error stays unretrieved.
        assert.equal(await (await session.get(srv.url())).text(), "body");
      },
      { handleSignals: false, exceptionHandler: (report) => reports.push(report) },
    );
  } finally {
    await srv.close();
  }
  assert.equal(reports.length, 1);
  assert.match(reports[0]?.message ?? "", /never retrieved/);
  assert.equal((reports[0]?.error as Error | undefined)?.message, "lost");
});

test("a response the task returns is handed on, not released", async () => {
  const srv = await startServer((req, res) => res.end(req.url));
  try {
    await run(async () => {
      await using session = new ClientSession();
      const [a, b] = await gather(
        () => session.get(srv.url("/a")),
        () => session.get(srv.url("/b")),
      );
      assert.equal(await a.text(), "/a");
      assert.equal(await b.text(), "/b");
      const listed = await createTask(async () => [await session.get(srv.url("/c"))]);
      assert.equal(await listed[0]?.text(), "/c");
    }, opts);
  } finally {
    await srv.close();
  }
});

test("an unread response that is garbage-collected gives its slot back", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const srv = await startServer((_req, res) => res.end("y".repeat(100)));
  try {
    const session = new ClientSession({ limit: 1 });
    // Outside run(): no task owns the response, only the finalizer can release it.
    await (async () => {
      const response = await session.get(srv.url());
      assert.equal(response.status, 200);
    })();
    assert.equal(session.statistics().inFlight, 1);
    for (let i = 0; i < 50 && session.statistics().inFlight > 0; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(session.statistics().inFlight, 0);
    assert.equal(await (await session.get(srv.url())).text(), "y".repeat(100));
    await session.close();
  } finally {
    await srv.close();
  }
});
