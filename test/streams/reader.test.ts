// StreamReader on its own (fed by hand) and fed by a real Node Readable (a child's stdout through readerFrom).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { PassThrough } from "node:stream";
import { describe, test } from "node:test";
import {
  CancelledError,
  createTask,
  IncompleteReadError,
  InvalidStateError,
  LimitOverrunError,
  run,
  StreamReader,
  sleep,
  timeout,
} from "aio-ts";
import { readerFrom } from "../../src/streams/reader.ts";
import { rejection, runVirtual } from "../helpers.ts";
import { virtual } from "../http/client-helpers.ts";

const text = (b: Uint8Array): string => Buffer.from(b).toString();

describe("StreamReader reads", () => {
  test("read(n) returns what is buffered up to n, and empty at EOF", async () => {
    await runVirtual(async () => {
      const r = new StreamReader();
      r.feedData("abcdef");
      assert.equal(text(await r.read(4)), "abcd");
      assert.equal(text(await r.read(4)), "ef");
      r.feedEof();
      assert.equal((await r.read(4)).length, 0);
      assert.equal(r.atEof(), true);
    });
  });

  test("read() (all) waits for EOF and returns every byte", async () => {
    await runVirtual(async () => {
      const r = new StreamReader({ limit: 4 });
      const t = createTask(() => r.read());
      for (const part of ["ab", "cdef", "ghijklmnop"]) {
        await sleep(1);
        r.feedData(part);
      }
      r.feedEof();
      assert.equal(text(await t), "abcdefghijklmnop");
    });
  });

  test("readline() returns a line with its newline, and the rest at EOF", async () => {
    await runVirtual(async () => {
      const r = new StreamReader();
      r.feedData("one\ntw");
      assert.equal(text(await r.readline()), "one\n");
      const t = createTask(() => r.readline());
      await sleep(1);
      r.feedData("o\nthree");
      assert.equal(text(await t), "two\n");
      r.feedEof();
      assert.equal(text(await r.readline()), "three");
      assert.equal((await r.readline()).length, 0);
    });
  });

  test("readuntil() takes a string or bytes separator spanning chunks", async () => {
    await runVirtual(async () => {
      const r = new StreamReader();
      r.feedData("head\r");
      r.feedData("\nbody||x");
      assert.equal(text(await r.readuntil("\r\n")), "head\r\n");
      assert.equal(text(await r.readuntil(new Uint8Array([0x7c, 0x7c]))), "body||");
      r.feedEof();
      const e = await rejection(r.readuntil("\n"));
      assert.ok(e instanceof IncompleteReadError);
      assert.equal(text(e.partial), "x");
      assert.equal(e.expected, null);
      assert.equal(e.code, "ERR_AIO_INCOMPLETE_READ");
    });
  });

  test("readexactly() at EOF throws IncompleteReadError with the partial bytes", async () => {
    await runVirtual(async () => {
      const r = new StreamReader();
      r.feedData("abc");
      r.feedEof();
      const e = await rejection(r.readexactly(5));
      assert.ok(e instanceof IncompleteReadError);
      assert.equal(text(e.partial), "abc");
      assert.equal(e.expected, 5);
      assert.equal(r.atEof(), true);
    });
  });

  test("async iteration yields lines until EOF", async () => {
    await runVirtual(async () => {
      const r = new StreamReader();
      r.feedData("a\nb\nc");
      r.feedEof();
      const lines: string[] = [];
      for await (const line of r) lines.push(text(line));
      assert.deepEqual(lines, ["a\n", "b\n", "c"]);
    });
  });
});

describe("StreamReader limits", () => {
  test("readuntil() past the limit throws LimitOverrunError and consumes nothing", async () => {
    await runVirtual(async () => {
      const r = new StreamReader({ limit: 4 });
      r.feedData("abcdefgh\nrest");
      const e = await rejection(r.readuntil("\n"));
      assert.ok(e instanceof LimitOverrunError);
      assert.equal(e.consumed, 8);
      assert.equal(e.code, "ERR_AIO_LIMIT_OVERRUN");
      assert.equal(r.statistics().buffered, 13);
      assert.equal(text(await r.readexactly(9)), "abcdefgh\n");
    });
  });

  test("readline() past the limit rejects with a RangeError, consuming the line when its newline is buffered", async () => {
    await runVirtual(async () => {
      const r = new StreamReader({ limit: 4 });
      r.feedData("abcdefgh\nok\n");
      const e = await rejection(r.readline());
      assert.ok(e instanceof RangeError);
      assert.equal((e as RangeError & { code: string }).code, "ERR_AIO_LINE_TOO_LONG");
      assert.ok(e.cause instanceof LimitOverrunError);
      assert.equal(text(await r.readline()), "ok\n");
    });
  });

  test("readline() past the limit without a newline clears the buffer", async () => {
    await runVirtual(async () => {
      const r = new StreamReader({ limit: 4 });
      r.feedData("abcdefgh");
      assert.ok((await rejection(r.readline())) instanceof RangeError);
      assert.equal(r.statistics().buffered, 0);
      r.feedData("ok\n");
      assert.equal(text(await r.readline()), "ok\n");
    });
  });

  test("bad arguments throw synchronously", () => {
    assert.throws(() => new StreamReader({ limit: 0 }), { name: "TypeError", message: /`limit`.*`0`/ });
    assert.throws(() => new StreamReader({ limit: -1 }), TypeError);
    const r = new StreamReader();
    assert.throws(() => r.readexactly(-1), { name: "TypeError", message: /`n`.*`-1`/ });
    assert.throws(() => r.read(1.5), TypeError);
    assert.throws(() => r.readuntil(""), { name: "TypeError", message: /`separator`/ });
    assert.throws(() => r.readuntil(42 as unknown as string), TypeError);
    assert.throws(() => r.feedData(42 as unknown as string), { name: "TypeError", message: /`data`/ });
    r.feedEof();
    assert.throws(() => r.feedData("late"), InvalidStateError);
  });
});

describe("StreamReader waits", () => {
  test("a cancelled read loses no data", async () => {
    await runVirtual(async () => {
      const r = new StreamReader();
      r.feedData("abc");
      // readexactly waits for more; cancelled, the three bytes stay.
      const t = createTask(() => r.readexactly(5));
      await sleep(1);
      t.cancel();
      await assert.rejects(t, CancelledError);
      assert.equal(r.statistics().buffered, 3);
      assert.equal(r.statistics().waiting, false);
      // A read woken by data but cancelled before it resumes leaves the data too.
      const u = createTask(() => r.readline());
      await sleep(1);
      r.feedData("def\n");
      u.cancel();
      await assert.rejects(u, CancelledError);
      assert.equal(text(await r.readline()), "abcdef\n");
    });
  });

  test("read() and readexactly() woken but cancelled before they resume leave the data; readexactly waits on", async () => {
    await runVirtual(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.read(10));
      await sleep(1);
      r.feedData("abc");
      t.cancel(); // after the wakeup, before the task resumes
      await assert.rejects(t, CancelledError);
      assert.equal(r.statistics().buffered, 3);
      const u = createTask(() => r.readexactly(6));
      await sleep(1);
      r.feedData("de"); // woken with 5 of 6 bytes: waits again
      await sleep(1);
      assert.equal(u.done(), false);
      assert.equal(r.statistics().waiting, true);
      r.feedData("fgh");
      u.cancel();
      await assert.rejects(u, CancelledError);
      assert.equal(r.statistics().buffered, 8);
      const v = createTask(() => r.readexactly(9));
      await sleep(1);
      r.feedData("ij");
      assert.equal(text(await v), "abcdefghi");
      assert.equal(text(await r.read(10)), "j");
    });
  });

  test("feedData() in a task's step wakes the waiting read but leaves the bytes until that task resumes", async () => {
    // A socket's data resumes its reader from Node's I/O callback at once (Loop._enqueueFromIo); feeding by hand
    // is code a task runs, whose step must end first, as asyncio's feed_data only wakes the waiter.
    await runVirtual(async () => {
      const r = new StreamReader();
      const log: string[] = [];
      const reader = createTask(async () => {
        log.push(`read ${text(await r.read(10))}`);
      });
      await sleep(1);
      r.feedData("abc");
      log.push(`fed, ${r.statistics().buffered} buffered`);
      await sleep(0);
      log.push("after yield");
      await reader;
      assert.deepEqual(log, ["fed, 3 buffered", "read abc", "after yield"]);
    });
  });

  test("a readexactly() waiting with part of its bytes throws the error set meanwhile", async () => {
    await runVirtual(async () => {
      const r = new StreamReader();
      r.feedData("ab");
      const t = createTask(() => r.readexactly(5));
      await sleep(1);
      r.setException(new Error("boom"));
      await assert.rejects(t, { message: "boom" });
      assert.equal(r.statistics().waiting, false);
    });
  });

  test("a read under a timeout gives up and the next read gets the bytes", async () => {
    await runVirtual(async () => {
      const r = new StreamReader();
      r.feedData("partial");
      await assert.rejects(
        timeout(100, () => r.readuntil("\n")),
        (e: unknown) => e instanceof Error && e.name === "TimeoutError",
      );
      r.feedData(" line\n");
      assert.equal(text(await r.readline()), "partial line\n");
    });
  });

  test("two reads waiting at once: the second throws InvalidStateError", async () => {
    await runVirtual(async () => {
      const r = new StreamReader();
      const first = createTask(() => r.read(10));
      await sleep(1);
      const e = await rejection(r.readline());
      assert.ok(e instanceof InvalidStateError);
      assert.equal(e.code, "ERR_AIO_CONCURRENT_READ");
      r.feedData("x");
      assert.equal(text(await first), "x");
    });
  });

  test("setException() fails the waiting read and every later one", async () => {
    await runVirtual(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.read(1));
      await sleep(1);
      const boom = new Error("boom");
      r.setException(boom);
      assert.equal(await rejection(t), boom);
      assert.equal(await rejection(r.readline()), boom);
      assert.equal(r.exception(), boom);
    });
  });
});

describe("readerFrom (a Node Readable)", () => {
  test("pauses the source above 2 × limit and resumes when reads drain it", async () => {
    await runVirtual(async () => {
      const source = new PassThrough();
      const r = readerFrom(source, { limit: 10 });
      source.write(Buffer.alloc(15, 1));
      await sleep(1);
      assert.equal(source.isPaused(), false);
      source.write(Buffer.alloc(10, 2));
      await sleep(1);
      assert.equal(r.statistics().paused, true);
      assert.equal(source.isPaused(), true);
      await r.readexactly(14); // 11 left: still above the limit
      assert.equal(source.isPaused(), true);
      await r.readexactly(1); // 10 left: resumed
      assert.equal(source.isPaused(), false);
      source.end();
      assert.equal((await r.read()).length, 10);
      assert.equal(r.atEof(), true);
    });
  });

  test("reads a child's stdout to the end, line by line", async () => {
    const lines = await run(async () => {
      const child = spawn(process.execPath, ["-e", "for (let i = 0; i < 3; i++) console.log('line', i)"]);
      const r = readerFrom(child.stdout, { limit: 16 });
      const got: string[] = [];
      for await (const line of r) got.push(text(line));
      return got;
    }, virtual());
    assert.deepEqual(lines, ["line 0\n", "line 1\n", "line 2\n"]);
  });

  test("a stream error fails the reads", async () => {
    await runVirtual(async () => {
      const source = new PassThrough();
      const r = readerFrom(source);
      const t = createTask(() => r.read(5));
      await sleep(1);
      source.destroy(new Error("pipe broke"));
      const e = await rejection(t);
      assert.ok(e instanceof Error && e.message === "pipe broke");
    });
  });
});
