// Behaviour cases translated from CPython 3.13's Lib/test/test_asyncio/test_streams.py.
// `stream._buffer` is read through the public API: `statistics().buffered` for its size and `rest()` (a read of
// what is buffered) for its bytes. `loop.call_soon(cb)` becomes `callSoon`. Skipped: the loop-argument and
// StreamReaderProtocol constructor tests (no such parameter or class in aio), pickling (no pickle), ResourceWarning on
// a garbage-collected writer (JS has no deterministic finalizer), `sock=` arguments (aio takes host and port), and
// server-side `start_tls` (aio's startTls() is client side; the server end is a Node TLSSocket here).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, type Socket } from "node:net";
import { PassThrough } from "node:stream";
import { describe, test } from "node:test";
import { TLSSocket, createServer as tlsCreateServer } from "node:tls";
import {
  CancelledError,
  createTask,
  Future,
  gather,
  IncompleteReadError,
  InvalidStateError,
  LimitOverrunError,
  openConnection,
  openUnixConnection,
  StreamReader,
  type StreamWriter,
  sleep,
  startServer,
  startUnixServer,
  wait,
} from "aio-ts";
import { readerFrom } from "../../src/streams/reader.ts";
import { writerFor } from "../../src/streams/writer.ts";
import { rejection, runVirtual } from "../helpers.ts";
import { CERT, KEY, socketPath, sockets, text } from "../streams/helpers.ts";

const DATA = "line1\nline2\nline3\n";

/** asyncio's `loop.call_soon(fn)`: runs `fn` from the loop, outside any task. */
function callSoon(fn: () => void): void {
  const f = new Future<void>();
  f.addDoneCallback(() => fn());
  f.setResult();
}

/** What `stream._buffer` holds, consumed: a read of exactly what is buffered (no wait). */
async function rest(stream: StreamReader): Promise<string> {
  const n = stream.statistics().buffered;
  return n === 0 ? "" : text(await stream.read(n));
}

/** CPython's run_test_server: answers any request with a tiny HTTP/1.0 response, then closes. */
async function withTestServer(
  where: { path: string } | { tls: true } | Record<string, never>,
  body: (address: { port: number; path: string }) => Promise<void>,
): Promise<void> {
  const respond = (socket: Socket): void => {
    socket.once("data", () => socket.end("HTTP/1.0 200 OK\r\nContent-type: text/plain\r\n\r\nTest message"));
    socket.on("error", () => undefined);
  };
  const server = "tls" in where ? tlsCreateServer({ key: KEY, cert: CERT }, respond) : createServer(respond);
  if ("path" in where) server.listen(where.path);
  else server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const a = server.address();
  try {
    await body({ port: typeof a === "object" && a !== null ? a.port : 0, path: "path" in where ? where.path : "" });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

async function basetestOpenConnection(reader: StreamReader, writer: StreamWriter): Promise<void> {
  writer.write("GET / HTTP/1.0\r\n\r\n");
  assert.equal(text(await reader.readline()), "HTTP/1.0 200 OK\r\n");
  assert.ok(text(await reader.read()).endsWith("\r\n\r\nTest message"));
  writer.close();
}

describe("test_streams.StreamTests: connections", () => {
  test("test_open_connection", async () => {
    await withTestServer({}, ({ port }) =>
      runVirtual(async () => basetestOpenConnection(...(await openConnection("127.0.0.1", port))), sockets()),
    );
  });

  test("test_open_unix_connection", async () => {
    await withTestServer({ path: socketPath() }, ({ path }) =>
      runVirtual(async () => basetestOpenConnection(...(await openUnixConnection(path))), sockets()),
    );
  });

  test("test_open_connection_no_loop_ssl", async () => {
    await withTestServer({ tls: true }, ({ port }) =>
      runVirtual(async () => {
        const [reader, writer] = await openConnection("127.0.0.1", port, { tls: { ca: CERT } });
        writer.write("GET / HTTP/1.0\r\n\r\n");
        assert.ok(text(await reader.read()).endsWith("\r\n\r\nTest message"));
        writer.close();
      }, sockets()),
    );
  });

  for (const unix of [false, true]) {
    test(unix ? "test_open_unix_connection_error" : "test_open_connection_error", async () => {
      await withTestServer(unix ? { path: socketPath() } : {}, ({ port, path }) =>
        runVirtual(async () => {
          const [reader, writer] = unix ? await openUnixConnection(path) : await openConnection("127.0.0.1", port);
          // connection_lost(ZeroDivisionError()): the connection ends with an error.
          const error = new RangeError("division by zero");
          (writer.getExtraInfo("socket") as Socket).destroy(error);
          assert.equal(await rejection(reader.read()), error);
          writer.close();
        }, sockets()),
      );
    });
  }

  test("test_start_server", async () => {
    await runVirtual(async () => {
      const handleClient = async (reader: StreamReader, writer: StreamWriter): Promise<void> => {
        const data = await reader.readline();
        writer.write(data);
        await writer.drain();
        writer.close();
        await writer.waitClosed();
      };
      const server = await startServer(handleClient, "127.0.0.1", 0);
      const [reader, writer] = await openConnection("127.0.0.1", (server.address() as { port: number }).port);
      writer.write("hello world!\n");
      const msgback = await reader.readline();
      writer.close();
      await writer.waitClosed();
      server.close();
      await server.waitClosed();
      assert.equal(text(msgback), "hello world!\n");
    }, sockets());
  });

  test("test_start_unix_server", async () => {
    const path = socketPath();
    await runVirtual(async () => {
      const server = await startUnixServer(async (reader, writer) => {
        writer.write(await reader.readline());
        await writer.drain();
        writer.close();
        await writer.waitClosed();
      }, path);
      const [reader, writer] = await openUnixConnection(path);
      writer.write("hello world!\n");
      const msgback = await reader.readline();
      writer.close();
      await writer.waitClosed();
      server.close();
      await server.waitClosed();
      assert.equal(text(msgback), "hello world!\n");
    }, sockets());
  });

  test("test_start_tls (client side)", async () => {
    // The server answers one plain line, then switches the same socket to TLS and echoes one more line.
    const server = createServer((socket) => {
      socket.once("data", (line) => {
        socket.write(line);
        const secure = new TLSSocket(socket, { isServer: true, key: KEY, cert: CERT });
        secure.once("data", (data) => secure.end(data));
        secure.on("error", () => undefined);
      });
    }).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      await runVirtual(async () => {
        const [reader, writer] = await openConnection("127.0.0.1", (server.address() as { port: number }).port);
        writer.write("hello world 1!\n");
        await writer.drain();
        const msgback1 = await reader.readline();
        assert.equal(writer.getExtraInfo("sslcontext"), undefined);
        await writer.startTls({ ca: CERT, servername: "localhost" });
        assert.notEqual(writer.getExtraInfo("sslcontext"), undefined);
        writer.write("hello world 2!\n");
        await writer.drain();
        const msgback2 = await reader.readline();
        writer.close();
        await writer.waitClosed();
        assert.equal(text(msgback1), "hello world 1!\n");
        assert.equal(text(msgback2), "hello world 2!\n");
      }, sockets());
    } finally {
      server.close();
    }
  });

  test("test_read_all_from_pipe_reader", async () => {
    await runVirtual(async () => {
      // A limit of 1: twice it is less than what the child writes, so the pipe is paused and resumed.
      const child = spawn(process.execPath, ["-e", "process.stdout.write('data')"]);
      const reader = readerFrom(child.stdout, { limit: 1 });
      assert.equal(text(await reader.read(-1)), "data");
    }, sockets());
  });

  test("test_multiple_drain", async () => {
    await runVirtual(async () => {
      // A writer whose buffer is above its mark: every drain waits, and all ten wake when it empties.
      const sink = new PassThrough({ highWaterMark: 1 });
      const writer = writerFor(sink);
      writer.write("xx");
      let drained = 0;
      const drainer = async (): Promise<void> => {
        await writer.drain();
        drained += 1;
      };
      const all = gather(...Array.from({ length: 10 }, () => () => drainer()));
      await sleep(100);
      assert.equal(drained, 0);
      sink.read();
      await all;
      assert.equal(drained, 10);
    });
  });

  test("test_drain_raises", async () => {
    // A server that accepts and closes at once: write+drain in a loop must fail, not spin forever.
    const server = createServer((socket) => socket.destroy()).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      await runVirtual(async () => {
        const [, writer] = await openConnection("127.0.0.1", (server.address() as { port: number }).port);
        const e = (await rejection(
          (async () => {
            for (;;) {
              writer.write("foo\n");
              await writer.drain();
            }
          })(),
        )) as NodeJS.ErrnoException;
        assert.ok(["ECONNRESET", "EPIPE", "ERR_AIO_CONNECTION_LOST"].includes(e.code ?? ""), String(e));
      }, sockets());
    } finally {
      server.close();
    }
  });

  test("test_wait_closed_on_close", async () => {
    await withTestServer({}, ({ port }) =>
      runVirtual(async () => {
        const [rd, wr] = await openConnection("127.0.0.1", port);
        wr.write("GET / HTTP/1.0\r\n\r\n");
        assert.equal(text(await rd.readline()), "HTTP/1.0 200 OK\r\n");
        assert.ok(text(await rd.read()).endsWith("\r\n\r\nTest message"));
        assert.equal(wr.isClosing(), false);
        wr.close();
        assert.equal(wr.isClosing(), true);
        await wr.waitClosed();
      }, sockets()),
    );
  });

  test("test_wait_closed_on_close_with_unread_data", async () => {
    await withTestServer({}, ({ port }) =>
      runVirtual(async () => {
        const [rd, wr] = await openConnection("127.0.0.1", port);
        wr.write("GET / HTTP/1.0\r\n\r\n");
        assert.equal(text(await rd.readline()), "HTTP/1.0 200 OK\r\n");
        wr.close();
        await wr.waitClosed();
      }, sockets()),
    );
  });

  test("test_async_writer_api", async () => {
    await withTestServer({}, ({ port }) =>
      runVirtual(async () => {
        const [rd, wr] = await openConnection("127.0.0.1", port);
        wr.write("GET / HTTP/1.0\r\n\r\n");
        assert.equal(text(await rd.readline()), "HTTP/1.0 200 OK\r\n");
        assert.ok(text(await rd.read()).endsWith("\r\n\r\nTest message"));
        wr.close();
        await wr.waitClosed();
      }, sockets()),
    );
  });

  test("test_async_writer_api_exception_after_close (aio: write() throws at once)", async () => {
    await withTestServer({}, ({ port }) =>
      runVirtual(async () => {
        const [rd, wr] = await openConnection("127.0.0.1", port);
        wr.write("GET / HTTP/1.0\r\n\r\n");
        assert.equal(text(await rd.readline()), "HTTP/1.0 200 OK\r\n");
        assert.ok(text(await rd.read()).endsWith("\r\n\r\nTest message"));
        wr.close();
        // asyncio drops the data and drain() raises ConnectionResetError; aio refuses the write itself.
        assert.throws(() => wr.write("data"), InvalidStateError);
        await rejection(wr.drain()); // and drain() fails too: the connection is gone
      }, sockets()),
    );
  });

  test("test_eof_feed_when_closing_writer", async () => {
    await withTestServer({}, ({ port }) =>
      runVirtual(async () => {
        const [rd, wr] = await openConnection("127.0.0.1", port);
        wr.close();
        await wr.waitClosed();
        assert.equal(rd.atEof(), true);
        assert.equal((await rd.read()).length, 0);
      }, sockets()),
    );
  });
});

describe("test_streams.StreamTests: StreamReader", () => {
  test("test_feed_empty_data", () => {
    const stream = new StreamReader();
    stream.feedData("");
    assert.equal(stream.statistics().buffered, 0);
  });

  test("test_feed_nonempty_data", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(DATA);
      assert.equal(await rest(stream), DATA);
    });
  });

  test("test_read_zero", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(DATA);
      assert.equal((await stream.read(0)).length, 0);
      assert.equal(await rest(stream), DATA);
    });
  });

  test("test_read", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      const readTask = createTask(() => stream.read(30));
      callSoon(() => stream.feedData(DATA));
      assert.equal(text(await readTask), DATA);
      assert.equal(stream.statistics().buffered, 0);
    });
  });

  test("test_read_line_breaks", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData("line1");
      stream.feedData("line2");
      assert.equal(text(await stream.read(5)), "line1");
      assert.equal(await rest(stream), "line2");
    });
  });

  test("test_read_eof", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      const readTask = createTask(() => stream.read(1024));
      callSoon(() => stream.feedEof());
      assert.equal((await readTask).length, 0);
      assert.equal(stream.statistics().buffered, 0);
    });
  });

  test("test_read_until_eof", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      const readTask = createTask(() => stream.read(-1));
      callSoon(() => {
        stream.feedData("chunk1\n");
        stream.feedData("chunk2");
        stream.feedEof();
      });
      assert.equal(text(await readTask), "chunk1\nchunk2");
      assert.equal(stream.statistics().buffered, 0);
    });
  });

  test("test_read_exception", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData("line\n");
      assert.equal(text(await stream.read(2)), "li");
      const error = new RangeError();
      stream.setException(error);
      assert.equal(await rejection(stream.read(2)), error);
    });
  });

  test("test_invalid_limit", () => {
    assert.throws(() => new StreamReader({ limit: 0 }), /limit/);
    assert.throws(() => new StreamReader({ limit: -1 }), /limit/);
  });

  test("test_read_limit", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader({ limit: 3 });
      stream.feedData("chunk");
      assert.equal(text(await stream.read(5)), "chunk");
      assert.equal(stream.statistics().buffered, 0);
    });
  });

  test("test_readline", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData("chunk1 ");
      const readTask = createTask(() => stream.readline());
      callSoon(() => {
        stream.feedData("chunk2 ");
        stream.feedData("chunk3 ");
        stream.feedData("\n chunk4");
      });
      assert.equal(text(await readTask), "chunk1 chunk2 chunk3 \n");
      assert.equal(await rest(stream), " chunk4");
    });
  });

  test("test_readline_limit_with_existing_data", async () => {
    await runVirtual(async () => {
      let stream = new StreamReader({ limit: 3 });
      stream.feedData("li");
      stream.feedData("ne1\nline2\n");
      assert.ok((await rejection(stream.readline())) instanceof RangeError);
      // The buffer keeps the data after the line.
      assert.equal(await rest(stream), "line2\n");

      stream = new StreamReader({ limit: 3 });
      stream.feedData("li");
      stream.feedData("ne1");
      stream.feedData("li");
      assert.ok((await rejection(stream.readline())) instanceof RangeError);
      // No newline and more than the limit buffered: readline consumed everything.
      assert.equal(stream.statistics().buffered, 0);
    });
  });

  test("test_at_eof", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      assert.equal(stream.atEof(), false);
      stream.feedData("some data\n");
      assert.equal(stream.atEof(), false);
      await stream.readline();
      assert.equal(stream.atEof(), false);
      stream.feedData("some data\n");
      stream.feedEof();
      await stream.readline();
      assert.equal(stream.atEof(), true);
    });
  });

  test("test_readline_limit", async () => {
    await runVirtual(async () => {
      let stream = new StreamReader({ limit: 7 });
      callSoon(() => {
        stream.feedData("chunk1");
        stream.feedData("chunk2");
        stream.feedData("chunk3\n");
        stream.feedEof();
      });
      assert.ok((await rejection(stream.readline())) instanceof RangeError);
      // The buffer held one line: after the error it is empty.
      assert.equal(stream.statistics().buffered, 0);

      const second = new StreamReader({ limit: 7 });
      stream = second;
      callSoon(() => {
        second.feedData("chunk1");
        second.feedData("chunk2\n");
        second.feedData("chunk3\n");
        second.feedEof();
      });
      assert.ok((await rejection(second.readline())) instanceof RangeError);
      assert.equal(await rest(second), "chunk3\n");

      // The limit is strict.
      stream = new StreamReader({ limit: 7 });
      stream.feedData("1234567\n");
      assert.equal(text(await stream.readline()), "1234567\n");
      assert.equal(stream.statistics().buffered, 0);
      stream.feedData("12345678\n");
      assert.ok((await rejection(stream.readline())) instanceof RangeError);
      assert.equal(stream.statistics().buffered, 0);
      stream.feedData("12345678");
      assert.ok((await rejection(stream.readline())) instanceof RangeError);
      assert.equal(stream.statistics().buffered, 0);
    });
  });

  test("test_readline_nolimit_nowait", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(DATA.slice(0, 6));
      stream.feedData(DATA.slice(6));
      assert.equal(text(await stream.readline()), "line1\n");
      assert.equal(await rest(stream), "line2\nline3\n");
    });
  });

  test("test_readline_eof", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData("some data");
      stream.feedEof();
      assert.equal(text(await stream.readline()), "some data");
    });
  });

  test("test_readline_empty_eof", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedEof();
      assert.equal((await stream.readline()).length, 0);
    });
  });

  test("test_readline_read_byte_count", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(DATA);
      await stream.readline();
      assert.equal(text(await stream.read(7)), "line2\nl");
      assert.equal(await rest(stream), "ine3\n");
    });
  });

  test("test_readline_exception", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData("line\n");
      assert.equal(text(await stream.readline()), "line\n");
      const error = new RangeError();
      stream.setException(error);
      assert.equal(await rejection(stream.readline()), error);
      assert.equal(stream.statistics().buffered, 0);
    });
  });

  test("test_readuntil_separator", () => {
    const stream = new StreamReader();
    assert.throws(() => stream.readuntil(new Uint8Array(0)), /separator/);
  });

  test("test_readuntil_multi_chunks", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData("lineAAA");
      assert.equal(text(await stream.readuntil("AAA")), "lineAAA");
      assert.equal(stream.statistics().buffered, 0);
      stream.feedData("lineAAA");
      assert.equal(text(await stream.readuntil(Buffer.from("AAA"))), "lineAAA");
      assert.equal(stream.statistics().buffered, 0);
      stream.feedData("lineAAAxxx");
      assert.equal(text(await stream.readuntil("AAA")), "lineAAA");
      assert.equal(await rest(stream), "xxx");
    });
  });

  test("test_readuntil_multi_chunks_1", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      const cases: [string[], string][] = [
        [["QWEaa", "XYaa", "a"], "QWEaaXYaaa"],
        [["QWEaa", "XYa", "aa"], "QWEaaXYaaa"],
        [["aaa"], "aaa"],
        [["Xaaa"], "Xaaa"],
        [["XXX", "a", "a", "a"], "XXXaaa"],
      ];
      for (const [chunks, line] of cases) {
        for (const chunk of chunks) stream.feedData(chunk);
        assert.equal(text(await stream.readuntil("aaa")), line);
        assert.equal(stream.statistics().buffered, 0);
      }
    });
  });

  test("test_readuntil_eof", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData("some dataAA");
      stream.feedEof();
      const e = await rejection(stream.readuntil("AAA"));
      assert.ok(e instanceof IncompleteReadError);
      assert.match(e.message, /undefined expected bytes/);
      assert.equal(text(e.partial), "some dataAA");
      assert.equal(e.expected, null);
      assert.equal(stream.statistics().buffered, 0);
    });
  });

  test("test_readuntil_limit_found_sep", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader({ limit: 3 });
      stream.feedData("some dataAA");
      let e = await rejection(stream.readuntil("AAA"));
      assert.ok(e instanceof LimitOverrunError);
      assert.match(e.message, /not found/);
      assert.equal(stream.statistics().buffered, "some dataAA".length);
      stream.feedData("A");
      e = await rejection(stream.readuntil("AAA"));
      assert.ok(e instanceof LimitOverrunError);
      assert.match(e.message, /is found/);
      assert.equal(await rest(stream), "some dataAAA");
    });
  });

  test("test_readexactly_zero_or_less", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(DATA);
      assert.equal((await stream.readexactly(0)).length, 0);
      assert.equal(stream.statistics().buffered, DATA.length);
      assert.throws(() => stream.readexactly(-1), /`n`/);
      assert.equal(await rest(stream), DATA);
    });
  });

  test("test_readexactly", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      const n = 2 * DATA.length;
      const readTask = createTask(() => stream.readexactly(n));
      callSoon(() => {
        stream.feedData(DATA);
        stream.feedData(DATA);
        stream.feedData(DATA);
      });
      assert.equal(text(await readTask), DATA + DATA);
      assert.equal(await rest(stream), DATA);
    });
  });

  test("test_readexactly_limit", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader({ limit: 3 });
      stream.feedData("chunk");
      assert.equal(text(await stream.readexactly(5)), "chunk");
      assert.equal(stream.statistics().buffered, 0);
    });
  });

  test("test_readexactly_eof", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      const n = 2 * DATA.length;
      const readTask = createTask(() => stream.readexactly(n));
      callSoon(() => {
        stream.feedData(DATA);
        stream.feedEof();
      });
      const e = await rejection(readTask);
      assert.ok(e instanceof IncompleteReadError);
      assert.equal(text(e.partial), DATA);
      assert.equal(e.expected, n);
      assert.equal(e.message, "18 bytes read on a total of 36 expected bytes");
      assert.equal(stream.statistics().buffered, 0);
    });
  });

  test("test_readexactly_exception", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData("line\n");
      assert.equal(text(await stream.readexactly(2)), "li");
      const error = new RangeError();
      stream.setException(error);
      assert.equal(await rejection(stream.readexactly(2)), error);
    });
  });

  test("test_exception", () => {
    const stream = new StreamReader();
    assert.equal(stream.exception(), undefined);
    const error = new RangeError();
    stream.setException(error);
    assert.equal(stream.exception(), error);
  });

  test("test_exception_waiter", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      const t1 = createTask(() => stream.readline());
      const t2 = createTask(async () => stream.setException(new RangeError()));
      await wait<unknown>([t1, t2]);
      assert.throws(() => t1.result(), RangeError);
    });
  });

  test("test_exception_cancel", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      const t = createTask(() => stream.readline());
      await sleep(0);
      t.cancel();
      await sleep(0);
      // Fails if setException() is not careful with the cancelled waiter.
      stream.setException(new InvalidStateError("message"));
      await sleep(0);
      assert.equal(stream.statistics().waiting, false);
      assert.ok(t.cancelled());
      await assert.rejects(t, CancelledError);
    });
  });

  test("test___repr__ and variants", async () => {
    assert.equal(String(new StreamReader()), "<StreamReader>");
    assert.equal(String(new StreamReader({ limit: 123 })), "<StreamReader limit=123>");
    const eof = new StreamReader();
    eof.feedEof();
    assert.equal(String(eof), "<StreamReader eof>");
    const data = new StreamReader();
    data.feedData("data");
    assert.equal(String(data), "<StreamReader 4 bytes>");
    const failed = new StreamReader();
    failed.setException(new RangeError());
    assert.equal(String(failed), "<StreamReader exception=RangeError()>");
    await runVirtual(async () => {
      const waiting = new StreamReader();
      const t = createTask(() => waiting.read(1));
      await sleep(0);
      assert.equal(String(waiting), "<StreamReader waiter>");
      waiting.feedData("x");
      await t;
      assert.equal(String(waiting), "<StreamReader>");
    });
  });
});
