// Server: closing as asyncio 3.12+ (close / waitClosed / closeClients / abortClients), serveForever, handler errors,
// and run() ending every server and connection its tasks left open.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  CancelledError,
  createTask,
  Event,
  InvalidStateError,
  openConnection,
  type Server,
  type StreamReader,
  type StreamWriter,
  sleep,
  startServer,
  timeout,
} from "aio-ts";
import { loopOf } from "../../src/core/index.ts";
import { rejection, runVirtual } from "../helpers.ts";
import { sockets, text } from "./helpers.ts";

const portOf = (server: Server): number => (server.address() as { port: number }).port;

async function echo(reader: StreamReader, writer: StreamWriter): Promise<void> {
  for await (const line of reader) writer.write(line);
  writer.close();
}

describe("Server", () => {
  test("address() is Node's { address, family, port }; isServing() until close()", async () => {
    await runVirtual(async () => {
      const server = await startServer(echo, "127.0.0.1", 0);
      const address = server.address() as { address: string; family: string; port: number };
      assert.equal(address.address, "127.0.0.1");
      assert.equal(address.family, "IPv4");
      assert.ok(address.port > 0);
      assert.equal(server.isServing(), true);
      assert.match(String(server), /^<Server 127\.0\.0\.1:\d+>$/);
      server.close();
      assert.equal(server.isServing(), false);
      await server.waitClosed();
    }, sockets());
  });

  test("close() stops accepting and keeps open connections; waitClosed() waits for them", async () => {
    await runVirtual(async () => {
      const server = await startServer(echo, "127.0.0.1", 0);
      const port = portOf(server);
      const [reader, writer] = await openConnection("127.0.0.1", port);
      writer.write("before\n");
      assert.equal(text(await reader.readline()), "before\n");
      server.close();
      const closed = createTask(() => server.waitClosed());
      // The open connection still works.
      writer.write("after\n");
      assert.equal(text(await reader.readline()), "after\n");
      assert.equal(closed.done(), false);
      // New connections are refused.
      const e = (await rejection(openConnection("127.0.0.1", port))) as NodeJS.ErrnoException;
      assert.equal(e.code, "ECONNREFUSED");
      writer.close();
      await closed;
    }, sockets());
  });

  test("closeClients() closes gracefully: what was written arrives, then EOF", async () => {
    await runVirtual(async () => {
      const stop = new Event();
      const server = await startServer(
        async (_r, w) => {
          w.write(Buffer.alloc(256 * 1024, 9));
          await stop.wait();
        },
        "127.0.0.1",
        0,
      );
      const [reader, writer] = await openConnection("127.0.0.1", portOf(server));
      await reader.readexactly(1); // the handler runs
      server.close();
      server.closeClients();
      assert.equal((await reader.read()).length, 256 * 1024 - 1);
      assert.equal(reader.atEof(), true);
      stop.set(); // handlers go on after closeClients(); waitClosed() waits for them
      await server.waitClosed();
      writer.close();
    }, sockets());
  });

  test("abortClients() drops the connections and cancels their handlers", async () => {
    await runVirtual(async () => {
      const cancelled: boolean[] = [];
      const server = await startServer(
        async (_r, w) => {
          w.write("hi\n");
          try {
            await sleep(3_600_000);
          } catch (e) {
            cancelled.push(e instanceof CancelledError);
            throw e;
          }
        },
        "127.0.0.1",
        0,
      );
      const [reader, writer] = await openConnection("127.0.0.1", portOf(server));
      assert.equal(text(await reader.readline()), "hi\n");
      server.close();
      server.abortClients();
      await server.waitClosed();
      assert.deepEqual(cancelled, [true]);
      // The client sees the end (EOF or a reset), not a hang.
      await reader.read().catch((e: NodeJS.ErrnoException) => assert.equal(e.code, "ECONNRESET"));
      writer.close();
    }, sockets());
  });

  test("a handler that throws is reported and its connection closed; the server goes on", async () => {
    await runVirtual(
      async () => {
        let n = 0;
        await using server = await startServer(
          async (r, w) => {
            if (++n === 1) throw new Error("handler bug");
            await echo(r, w);
          },
          "127.0.0.1",
          0,
        );
        const [r1, w1] = await openConnection("127.0.0.1", portOf(server));
        assert.equal((await r1.read()).length, 0); // closed by the server
        w1.close();
        const [r2, w2] = await openConnection("127.0.0.1", portOf(server));
        w2.write("ok\n");
        assert.equal(text(await r2.readline()), "ok\n");
        w2.close();
      },
      { ...sockets(), expectReports: [/Unhandled exception in client_connected_cb/] },
    );
  });

  test("serveForever() serves until cancelled, then closes the server", async () => {
    await runVirtual(async () => {
      const server = await startServer(echo, "127.0.0.1", 0);
      const forever = createTask(() => server.serveForever());
      await sleep(1);
      await assert.rejects(server.serveForever(), (e: unknown) => e instanceof InvalidStateError);
      const [reader, writer] = await openConnection("127.0.0.1", portOf(server));
      writer.write("x\n");
      assert.equal(text(await reader.readline()), "x\n");
      writer.close();
      forever.cancel();
      await assert.rejects(forever, CancelledError);
      assert.equal(server.isServing(), false);
      await assert.rejects(server.serveForever(), (e: unknown) => e instanceof InvalidStateError);
    }, sockets());
  });

  test("a cancelled serveForever() cancels the handlers of idle clients instead of waiting for them", async () => {
    await runVirtual(async () => {
      let handlerCancelled = false;
      const server = await startServer(
        async (reader) => {
          try {
            await reader.read(); // an idle client: never sends, never closes
          } catch (e) {
            handlerCancelled = e instanceof CancelledError;
            throw e;
          }
        },
        "127.0.0.1",
        0,
      );
      const [reader, writer] = await openConnection("127.0.0.1", portOf(server));
      const forever = createTask(() => server.serveForever());
      await sleep(10);
      forever.cancel(); // as Ctrl-C cancelling main does
      await assert.rejects(
        timeout(60_000, () => forever),
        CancelledError,
      );
      assert.equal(handlerCancelled, true);
      await reader.read().catch(() => undefined); // the client sees the end
      writer.close();
    }, sockets());
  });

  test("close() ends a serveForever() in progress, which waits for open connections", async () => {
    await runVirtual(async () => {
      const server = await startServer(echo, "127.0.0.1", 0);
      const [reader, writer] = await openConnection("127.0.0.1", portOf(server));
      const forever = createTask(() => server.serveForever());
      await sleep(1);
      server.close();
      await sleep(10);
      assert.equal(forever.done(), false); // waiting for the open connection, which still works
      writer.write("still here\n");
      assert.equal(text(await reader.readline()), "still here\n");
      writer.close();
      await assert.rejects(forever, CancelledError);
      await server.waitClosed();
    }, sockets());
  });

  test("await using closes the server and waits for it", async () => {
    let kept: Server | undefined;
    await runVirtual(async () => {
      await using server = await startServer(echo, "127.0.0.1", 0);
      kept = server;
    }, sockets());
    assert.equal(kept?.isServing(), false);
    assert.equal(kept?.address(), null);
  });
});

describe("Loop.closers", () => {
  test("a server and connections that close by themselves leave no closer behind", async () => {
    await runVirtual(async () => {
      const closers = loopOf().closers;
      const server = await startServer(echo, "127.0.0.1", 0);
      const [reader, writer] = await openConnection("127.0.0.1", portOf(server));
      assert.equal(closers.size, 3); // the server, the client's socket, the accepted one
      writer.write("x\n");
      await reader.readline();
      writer.close();
      await writer.waitClosed();
      server.close();
      await server.waitClosed();
      assert.equal(closers.size, 0);
    }, sockets());
  });
});

describe("run() ending", () => {
  test("closes the servers and connections its tasks left open and cancels their handlers", async () => {
    const kinds = (): string[] => process.getActiveResourcesInfo().filter((k) => /TCP/.test(k));
    const settle = async (): Promise<void> => {
      // A closed handle leaves the list once its close callback ran, a turn or two after 'close'.
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    await settle();
    const before = kinds().length;
    let handlerCancelled = false;
    await runVirtual(
      async () => {
        const server = await startServer(
          async (_r, w) => {
            w.write("hello\n");
            try {
              await sleep(3_600_000);
            } catch (e) {
              handlerCancelled = e instanceof CancelledError;
              throw e;
            }
          },
          "127.0.0.1",
          0,
        );
        const [reader] = await openConnection("127.0.0.1", portOf(server));
        await reader.readline();
        assert.ok(kinds().length > before);
      },
      { ...sockets(), expectReports: [/was still pending when main returned/] },
    );
    assert.equal(handlerCancelled, true);
    await settle();
    assert.equal(kinds().length, before);
  });

  test("a program that leaves a server and a connection open still exits", () => {
    const fixture = fileURLToPath(new URL("../fixtures/streams-left-open.ts", import.meta.url));
    const child = spawnSync(process.execPath, [fixture], { encoding: "utf8", timeout: 60_000 });
    assert.equal(child.signal, null, "the child did not exit by itself");
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), "done 0");
  });
});
