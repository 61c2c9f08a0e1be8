// openConnection / openUnixConnection and StreamWriter over real loopback sockets (TCP, Unix, TLS).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstatSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { describe, test } from "node:test";
import { TLSSocket } from "node:tls";
import { fileURLToPath } from "node:url";
import {
  CancelledError,
  createTask,
  Event,
  gather,
  InvalidStateError,
  LimitOverrunError,
  openConnection,
  openUnixConnection,
  type StreamReader,
  type StreamWriter,
  sleep,
  startServer,
  startUnixServer,
  timeout,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";
import { CERT, KEY, socketPath, sockets, text } from "./helpers.ts";

/** An echo handler: every line back, until EOF. */
async function echo(reader: StreamReader, writer: StreamWriter): Promise<void> {
  for await (const line of reader) {
    writer.write(line);
    await writer.drain();
  }
  writer.close();
  await writer.waitClosed();
}

/** A port nothing listens on: one the kernel gave a server that is closed again. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("importing aio-ts loads no node:tls (nor node:crypto): TLS is loaded at its first use", () => {
  const fixture = fileURLToPath(new URL("../fixtures/builtins-loaded.ts", import.meta.url));
  const loaded = (...args: string[]) =>
    JSON.parse(execFileSync(process.execPath, [fixture, ...args], { encoding: "utf8" }));
  // node:crypto may come with the runtime's own start-up (Node 22 with the suite's --import hook loads it): aio
  // must add nothing to what a program importing only node:net has.
  const bare = loaded("bare");
  assert.deepEqual(loaded(), { listed: true, tls: false, crypto: bare.crypto });
  assert.equal(bare.tls, false);
});

describe("openConnection", () => {
  test("talks to a server: lines go and come back, extra info names both ends", async () => {
    await runVirtual(async () => {
      await using server = await startServer(echo, "127.0.0.1", 0);
      const { port } = server.address() as { port: number };
      const [reader, writer] = await openConnection("127.0.0.1", port);
      await using _ = writer;
      writer.write("hello\n");
      writer.writelines([Buffer.from("wor"), "ld\n"]);
      await writer.drain();
      assert.equal(text(await reader.readline()), "hello\n");
      assert.equal(text(await reader.readline()), "world\n");
      assert.deepEqual(writer.getExtraInfo("peername"), { address: "127.0.0.1", family: "IPv4", port });
      assert.equal((writer.getExtraInfo("sockname") as { address: string }).address, "127.0.0.1");
      assert.ok(writer.getExtraInfo("socket") instanceof Object);
      assert.equal(writer.getExtraInfo("sslcontext"), undefined);
      assert.equal(writer.getExtraInfo("nonsense", 7), 7);
      assert.equal(writer.canWriteEof(), true);
    }, sockets());
  });

  test("the limit option reaches the readers of both ends", async () => {
    await runVirtual(async () => {
      let serverSaw: unknown;
      await using server = await startServer(
        async (r, w) => {
          serverSaw = await r.readuntil("!").catch((e: unknown) => e);
          w.write("a line longer than eight bytes\n");
          w.close();
        },
        "127.0.0.1",
        0,
        { limit: 8 },
      );
      const [reader, writer] = await openConnection("127.0.0.1", (server.address() as { port: number }).port, {
        limit: 8,
      });
      await using _ = writer;
      writer.write("more than eight bytes before the mark!");
      const e = await rejection(reader.readline());
      assert.ok(e instanceof RangeError, String(e));
      assert.ok(serverSaw instanceof LimitOverrunError, String(serverSaw));
    }, sockets());
  });

  test("bad arguments throw synchronously, naming the argument", () => {
    assert.throws(() => openConnection("", 80), { name: "TypeError", message: /`host`/ });
    assert.throws(() => openConnection("127.0.0.1", 0), { name: "TypeError", message: /`port`/ });
    assert.throws(() => openConnection("127.0.0.1", 70000), { name: "TypeError", message: /`port`/ });
    assert.throws(() => openConnection("127.0.0.1", 1.5), TypeError);
    assert.throws(() => openConnection("127.0.0.1", 80, { limit: 0 }), { message: /`limit`/ });
    assert.throws(() => openConnection("127.0.0.1", 80, { tls: 5 as unknown as boolean }), { message: /`tls`/ });
    assert.throws(() => openUnixConnection(""), { name: "TypeError", message: /`path`/ });
    assert.throws(() => startServer("x" as never, "127.0.0.1", 0), { message: /`onClient`/ });
    assert.throws(() => startServer(echo, "127.0.0.1", -1), { message: /`port`/ });
    assert.throws(() => startServer(echo, "127.0.0.1", 0, { backlog: 0 }), { message: /`backlog`/ });
    assert.throws(() => startUnixServer(echo, ""), { message: /`path`/ });
  });

  test("a refused connection keeps Node's code and names host and port", async () => {
    const port = await freePort();
    await runVirtual(async () => {
      const e = (await rejection(openConnection("127.0.0.1", port))) as NodeJS.ErrnoException;
      assert.equal(e.code, "ECONNREFUSED");
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    }, sockets());
  });

  test("a cancelled connect destroys the socket", async () => {
    // A TLS connect to a server that accepts TCP and never answers the handshake waits forever.
    const accepted: Socket[] = [];
    const silent = createServer((s) => accepted.push(s.resume())).listen(0, "127.0.0.1");
    await new Promise((resolve) => silent.once("listening", resolve));
    const { port } = silent.address() as { port: number };
    try {
      await runVirtual(async () => {
        const e = await rejection(timeout(1000, () => openConnection("127.0.0.1", port, { tls: true })));
        assert.equal((e as Error).name, "TimeoutError");
      }, sockets());
      const peer = accepted[0] as Socket;
      if (!peer.closed) await new Promise((resolve) => peer.once("close", resolve));
      assert.equal(peer.closed, true);
    } finally {
      silent.close();
    }
  });

  test("a read cancelled by a timeout loses no bytes from the socket", async () => {
    await runVirtual(async () => {
      const go = new Event();
      await using server = await startServer(
        async (_r, w) => {
          w.write("abc");
          await go.wait();
          w.write("def\n");
          w.close();
        },
        "127.0.0.1",
        0,
      );
      const [reader, writer] = await openConnection("127.0.0.1", (server.address() as { port: number }).port);
      await using _ = writer;
      await assert.rejects(
        timeout(500, () => reader.readline()),
        { name: "TimeoutError" },
      );
      go.set();
      assert.equal(text(await reader.readline()), "abcdef\n");
    }, sockets());
  });

  test("reads woken by the socket's data, cancelled in a race with it, lose no byte on either end", async () => {
    // A read woken by a plain socket's data resumes its task from the I/O callback itself; a cancel that comes
    // before or after it must still leave every byte for the next read, on the client (onread) and the server
    // ('data') alike.
    await runVirtual(async () => {
      const serverGot: number[] = [];
      await using server = await startServer(
        async (r, w) => {
          for (let i = 0; ; i++) {
            const t = createTask(() => r.read(1));
            if (i % 3 === 0) await sleep(0);
            if (i % 2 === 0) t.cancel();
            let data: Buffer;
            try {
              data = await t;
            } catch (error) {
              if (!(error instanceof CancelledError)) throw error;
              data = await r.read(1);
            }
            if (data.length === 0) break;
            serverGot.push(data[0] as number);
            w.write(data);
            await w.drain();
          }
          w.close();
        },
        "127.0.0.1",
        0,
      );
      const [reader, writer] = await openConnection("127.0.0.1", (server.address() as { port: number }).port);
      const clientGot: number[] = [];
      for (let i = 0; i < 300; i++) {
        writer.write(Buffer.from([i & 255]));
        const t = createTask(() => reader.readexactly(1));
        if (i % 5 < 2) await sleep(0);
        if (i % 2 === 1) t.cancel();
        let data: Buffer;
        try {
          data = await t;
        } catch (error) {
          if (!(error instanceof CancelledError)) throw error;
          data = await reader.readexactly(1);
        }
        clientGot.push(data[0] as number);
      }
      writer.writeEof();
      assert.equal((await reader.read()).length, 0);
      const sent = Array.from({ length: 300 }, (_, i) => i & 255);
      assert.deepEqual(clientGot, sent);
      assert.deepEqual(serverGot, sent);
      writer.close();
    }, sockets());
  });

  test("writeEof() half-closes: the server reads to EOF and still answers", async () => {
    await runVirtual(async () => {
      await using server = await startServer(
        async (r, w) => {
          const all = await r.read();
          w.write(`got ${all.length} bytes`);
          w.close();
        },
        "127.0.0.1",
        0,
      );
      const [reader, writer] = await openConnection("127.0.0.1", (server.address() as { port: number }).port);
      writer.write("12345");
      writer.writeEof();
      assert.throws(() => writer.write("x"), InvalidStateError);
      assert.equal(text(await reader.read()), "got 5 bytes");
      assert.equal(reader.atEof(), true);
      writer.close();
      await writer.waitClosed();
    }, sockets());
  });

  test("write() after close() throws; close() sends what was written first", async () => {
    await runVirtual(async () => {
      let received = 0;
      const done = new Event();
      await using server = await startServer(
        async (r) => {
          received = (await r.read()).length;
          done.set();
        },
        "127.0.0.1",
        0,
      );
      const [, writer] = await openConnection("127.0.0.1", (server.address() as { port: number }).port);
      writer.write(Buffer.alloc(1 << 20, 7));
      writer.close();
      assert.equal(writer.isClosing(), true);
      assert.throws(
        () => writer.write("x"),
        (e: unknown) => e instanceof InvalidStateError && /close/.test(e.message),
      );
      await writer.waitClosed();
      await done.wait();
      assert.equal(received, 1 << 20);
    }, sockets());
  });
});

describe("backpressure", () => {
  test("a writer to a peer that never reads blocks in drain() with bounded buffers", async () => {
    await runVirtual(async () => {
      const release = new Event();
      let serverReader: StreamReader | undefined;
      let consumed = 0;
      await using server = await startServer(
        async (r, w) => {
          serverReader = r;
          await release.wait();
          for (let chunk = await r.read(1 << 20); chunk.length > 0; chunk = await r.read(1 << 20))
            consumed += chunk.length;
          w.close();
        },
        "127.0.0.1",
        0,
        { limit: 64 * 1024 },
      );
      const [, writer] = await openConnection("127.0.0.1", (server.address() as { port: number }).port);
      const chunk = Buffer.alloc(64 * 1024, 1);
      const total = 4000; // 250 MiB if nothing pushed back
      let written = 0;
      const pump = createTask(async () => {
        for (; written < total; written++) {
          writer.write(chunk);
          await writer.drain();
        }
        writer.close();
      });
      await sleep(2000); // virtual: passes once nothing moved for REAL_IDLE real ms, i.e. the pump is stuck
      assert.equal(pump.done(), false);
      assert.ok(written < total / 4, `wrote ${written} chunks`);
      const socket = writer.getExtraInfo("socket") as Socket;
      assert.ok(socket.writableLength <= 2 * chunk.length, `writableLength ${socket.writableLength}`);
      // The server's reader stopped taking data at twice its limit (plus the chunk that crossed it).
      assert.ok((serverReader?.statistics().buffered ?? 0) <= 3 * 64 * 1024 + 64 * 1024);
      assert.equal(serverReader?.statistics().paused, true);
      release.set();
      await pump;
      await writer.waitClosed();
      while (consumed < total * chunk.length) await sleep(10);
      assert.equal(consumed, total * chunk.length);
    }, sockets());
  });
});

describe("a client's reads (Node's onread, one buffer shared by every client socket)", () => {
  test("a client that does not read pauses the socket: its reader holds at most 2 x limit plus one read", async () => {
    await runVirtual(async () => {
      const chunk = Buffer.alloc(64 * 1024, 3);
      // 25 MiB: more than the kernel's socket buffers take (tcp_rmem and tcp_wmem at most 6 + 4 MiB by default).
      const total = 400;
      let written = 0;
      await using server = await startServer(
        async (_r, w) => {
          for (; written < total; written++) {
            w.write(chunk);
            await w.drain();
          }
          w.close();
        },
        "127.0.0.1",
        0,
      );
      const [reader, writer] = await openConnection("127.0.0.1", (server.address() as { port: number }).port, {
        limit: 16 * 1024,
      });
      await using _ = writer;
      await sleep(2000); // virtual: passes once nothing moved for REAL_IDLE real ms, i.e. the server is stuck
      assert.ok(written < 300, `the server wrote ${written} chunks`);
      assert.equal(reader.statistics().paused, true);
      // 2 x limit, plus the read that crossed it (at most 64 KiB).
      assert.ok(reader.statistics().buffered <= 2 * 16 * 1024 + 64 * 1024, `${reader.statistics().buffered} bytes`);
      let got = 0;
      let wrong = 0;
      for (let data = await reader.read(1 << 20); data.length > 0; data = await reader.read(1 << 20)) {
        got += data.length;
        wrong += data.filter((b) => b !== 3).length;
      }
      assert.equal(got, total * chunk.length);
      assert.equal(wrong, 0);
    }, sockets());
  });

  test("30 clients reading at once each get their own bytes, whole and in order", async () => {
    await runVirtual(async () => {
      const size = 100_000;
      // Client i's stream: byte k is (i * 7 + k) & 255, so bytes of another client (or a stale read) show.
      const body = (i: number): Buffer => Buffer.from(Array.from({ length: size }, (_, k) => (i * 7 + k) & 255));
      await using server = await startServer(
        async (r, w) => {
          const mine = body((await r.readexactly(1))[0] as number);
          for (let at = 0; at < size; at += 10_000) {
            w.write(mine.subarray(at, at + 10_000));
            await w.drain();
          }
          w.close();
        },
        "127.0.0.1",
        0,
      );
      const port = (server.address() as { port: number }).port;
      const results = await gather(
        ...Array.from({ length: 30 }, (_, i) => async () => {
          const [reader, writer] = await openConnection("127.0.0.1", port);
          await using _w = writer;
          writer.write(Buffer.from([i]));
          const parts: Buffer[] = [];
          for (let data = await reader.read(4096); data.length > 0; data = await reader.read(4096)) parts.push(data);
          return Buffer.concat(parts).equals(body(i));
        }),
      );
      assert.deepEqual(results, Array(30).fill(true));
    }, sockets());
  });
});

describe("Unix sockets", () => {
  test("a Unix server and client talk; address() and peername are paths", async () => {
    const path = socketPath();
    await runVirtual(async () => {
      let names: unknown[] = [];
      await using server = await startUnixServer(async (r, w) => {
        names = [w.getExtraInfo("sockname"), w.getExtraInfo("peername")];
        await echo(r, w);
      }, path);
      assert.equal(server.address(), path);
      const [reader, writer] = await openUnixConnection(path);
      await using _ = writer;
      writer.write("over unix\n");
      assert.equal(text(await reader.readline()), "over unix\n");
      assert.equal(writer.getExtraInfo("peername"), path);
      assert.equal(writer.getExtraInfo("sockname"), "");
      assert.deepEqual(names, [path, ""]); // the server's end, as asyncio names it
    }, sockets());
  });

  test("a stale socket file is replaced; a missing socket fails naming the path", async () => {
    const path = socketPath();
    // A server killed without cleaning up leaves its socket file behind.
    const script = `require("node:net").createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, "SIGKILL"))`;
    assert.throws(() => execFileSync(process.execPath, ["-e", script]), { signal: "SIGKILL" });
    assert.equal(lstatSync(path).isSocket(), true);
    await runVirtual(async () => {
      await using server = await startUnixServer(echo, path);
      assert.equal(server.isServing(), true);
      const e = (await rejection(openUnixConnection(`${path}.missing`))) as NodeJS.ErrnoException;
      assert.equal(e.code, "ENOENT");
      assert.match(e.message, /\.missing/);
    }, sockets());
  });
});

describe("TLS", () => {
  test("a TLS server and client: verified with the test CA, peer certificate in extra info", async () => {
    await runVirtual(async () => {
      await using server = await startServer(echo, "127.0.0.1", 0, { tls: { key: KEY, cert: CERT } });
      const { port } = server.address() as { port: number };
      const [reader, writer] = await openConnection("127.0.0.1", port, { tls: { ca: CERT } });
      await using _ = writer;
      writer.write("secret\n");
      assert.equal(text(await reader.readline()), "secret\n");
      assert.ok(writer.getExtraInfo("sslcontext") instanceof TLSSocket);
      assert.equal((writer.getExtraInfo("peercert") as { subject: { CN: string } }).subject.CN, "localhost");
      assert.equal(writer.canWriteEof(), false);
      assert.throws(() => writer.writeEof(), InvalidStateError);
    }, sockets());
  });

  test("a certificate that does not verify fails, naming host and port, keeping Node's code", async () => {
    await runVirtual(async () => {
      await using server = await startServer(echo, "127.0.0.1", 0, { tls: { key: KEY, cert: CERT } });
      const { port } = server.address() as { port: number };
      const e = (await rejection(openConnection("127.0.0.1", port, { tls: true }))) as NodeJS.ErrnoException;
      assert.equal(e.code, "DEPTH_ZERO_SELF_SIGNED_CERT");
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    }, sockets());
  });

  test("abortClients() also drops a TLS client stuck before its handshake", { timeout: 60_000 }, async () => {
    await runVirtual(async () => {
      const server = await startServer(echo, "127.0.0.1", 0, { tls: { key: KEY, cert: CERT } });
      const silent = connect({ host: "127.0.0.1", port: (server.address() as { port: number }).port });
      silent.on("error", () => undefined);
      await new Promise((resolve) => silent.once("connect", resolve));
      await sleep(10);
      assert.equal(server.statistics().clients, 0); // no handshake: no handler
      server.close();
      server.abortClients();
      // Otherwise it waits for Node's 120 s handshake timeout: virtual time gives up long before.
      await timeout(60_000, () => server.waitClosed());
      silent.destroy();
    }, sockets());
  });

  test("startTls() upgrades an open connection; bytes before the upgrade stay readable", async () => {
    // A STARTTLS-style server: plain text, then TLS on the same socket.
    const server = createServer((socket) => {
      socket.once("data", () => {
        socket.write("OK go ahead\n");
        const secure = new TLSSocket(socket, { isServer: true, key: KEY, cert: CERT });
        secure.on("data", (d) => secure.write(`tls:${d}`));
        secure.on("error", () => undefined);
      });
    }).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as { port: number };
    try {
      await runVirtual(async () => {
        const [reader, writer] = await openConnection("127.0.0.1", port);
        await using _ = writer;
        writer.write("STARTTLS\n");
        assert.equal(text(await reader.readline()), "OK go ahead\n");
        await writer.startTls({ ca: CERT, servername: "localhost" });
        assert.ok(writer.getExtraInfo("sslcontext") instanceof TLSSocket);
        writer.write("ping\n");
        assert.equal(text(await reader.readline()), "tls:ping\n");
        await assert.rejects(writer.startTls({ ca: CERT }), InvalidStateError);
      }, sockets());
    } finally {
      server.close();
    }
  });
});

describe("cancellation of waits", () => {
  test("a cancelled drain() and waitClosed() change nothing", async () => {
    await runVirtual(async () => {
      await using server = await startServer(echo, "127.0.0.1", 0);
      const [reader, writer] = await openConnection("127.0.0.1", (server.address() as { port: number }).port);
      const waiting = createTask(() => writer.waitClosed());
      await sleep(10);
      waiting.cancel();
      await assert.rejects(waiting, CancelledError);
      writer.write("still open\n");
      assert.equal(text(await reader.readline()), "still open\n");
      writer.close();
      await writer.waitClosed();
    }, sockets());
  });
});
