// StreamWriter over plain Node Writables (writerFor): what a child's stdin gets. Socket cases are in connection.test.ts.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { PassThrough } from "node:stream";
import { describe, test } from "node:test";
import { CancelledError, createTask, InvalidStateError, run, sleep, timeout } from "aio-ts";
import { readerFrom } from "../../src/streams/reader.ts";
import { writerFor } from "../../src/streams/writer.ts";
import { rejection, runVirtual } from "../helpers.ts";
import { virtual } from "../http/client-helpers.ts";

describe("writerFor (a Node Writable)", () => {
  test("drain() waits while the buffer is above its high-water mark, and a cancelled drain keeps the data", async () => {
    await runVirtual(async () => {
      const sink = new PassThrough({ highWaterMark: 16 });
      const w = writerFor(sink);
      w.write("0123456789abcdef0123456789abcdef"); // 32 bytes > 16: needs a drain
      const first = createTask(() => w.drain());
      await sleep(1);
      assert.equal(first.done(), false);
      first.cancel();
      await assert.rejects(first, CancelledError);
      assert.deepEqual(w.statistics(), { buffered: 32, needsDrain: true, closing: false, eofWritten: false });
      const second = createTask(() => w.drain());
      await sleep(1);
      assert.equal(second.done(), false);
      assert.equal(String(sink.read()), "0123456789abcdef0123456789abcdef");
      await second;
    });
  });

  test("drain() after writeEof() waits for the flush, not for a 'drain' that never comes", async () => {
    await runVirtual(async () => {
      const sink = new PassThrough({ highWaterMark: 4 });
      const w = writerFor(sink);
      w.write("0123456789");
      w.writeEof();
      const t = createTask(() => w.drain());
      await sleep(1);
      assert.equal(t.done(), false);
      sink.resume(); // consume: the writable side finishes
      await timeout(60_000, () => t);
    });
  });

  test("drain() returns at once when the buffer is low", async () => {
    await runVirtual(async () => {
      const w = writerFor(new PassThrough());
      w.write(new Uint8Array([1, 2, 3]));
      await w.drain();
    });
  });

  test("write() after close() or writeEof() throws; bad data throws TypeError", async () => {
    await runVirtual(async () => {
      const w = writerFor(new PassThrough());
      assert.throws(() => w.write(42 as unknown as string), { name: "TypeError", message: /`data`/ });
      assert.throws(() => w.writelines(["a", 1 as unknown as string]), { name: "TypeError", message: /`list\[1\]`/ });
      w.writeEof();
      assert.throws(
        () => w.write("x"),
        (e: unknown) => e instanceof InvalidStateError && /writeEof/.test(e.message),
      );
      w.close();
      assert.equal(w.isClosing(), true);
      assert.throws(
        () => w.write("x"),
        (e: unknown) => e instanceof InvalidStateError && e.code === "ERR_AIO_STREAM_CLOSED",
      );
    });
  });

  test("a child's stdin: written data arrives, close() sends EOF, waitClosed() waits for the pipe to close", async () => {
    const out = await run(async () => {
      const child = spawn(process.execPath, ["-e", "process.stdin.pipe(process.stdout)"]);
      const w = writerFor(child.stdin);
      const r = readerFrom(child.stdout);
      w.writelines(["hello ", Buffer.from("world"), "\n"]);
      await w.drain();
      w.close();
      await w.waitClosed();
      return String(await r.read());
    }, virtual());
    assert.equal(out, "hello world\n");
  });

  test("drain() raises the error of a broken pipe", async () => {
    await runVirtual(async () => {
      const sink = new PassThrough({ highWaterMark: 4 });
      const w = writerFor(sink);
      w.write("0123456789");
      const t = createTask(() => w.drain());
      await sleep(1);
      sink.destroy(new Error("EPIPE-like"));
      const e = await rejection(t);
      assert.ok(e instanceof Error && e.message === "EPIPE-like");
      // waitClosed() reports it too, await using does not.
      assert.equal(((await rejection(w.waitClosed())) as Error).message, "EPIPE-like");
      await w[Symbol.asyncDispose]();
    });
  });

  test("getExtraInfo() answers from the extra function, with a default", async () => {
    const w = writerFor(new PassThrough(), { extra: (name) => (name === "pipe" ? "yes" : undefined) });
    assert.equal(w.getExtraInfo("pipe"), "yes");
    assert.equal(w.getExtraInfo("peername"), undefined);
    assert.equal(w.getExtraInfo("peername", "none"), "none");
    assert.equal(w.canWriteEof(), true);
    await assert.rejects(w.startTls({}), InvalidStateError);
  });
});
