/**
 * `StreamWriter`: asyncio's writer, over a socket, a child's stdin, or any
 * Node `Writable`.
 *
 * Contract for other aio modules (stable; subprocesses build on it):
 * - `writerFor(writable, { reader, extra, canWriteEof, startTls })` returns a
 *   `StreamWriter` writing to `writable`. `reader` (optional) is the
 *   reader of the same connection: `drain()` raises its error, as asyncio's.
 *   `extra(name)` answers `getExtraInfo(name)` (default: nothing known).
 *   `canWriteEof` defaults to true. `startTls` is the connection layer's
 *   upgrade (absent: `startTls()` throws).
 * - The writer listens to `writable`'s 'error' (so an error never goes
 *   unhandled; `drain()` and `waitClosed()` raise it) and 'close'.
 * - `close()` ends `writable` once what was written is flushed, then
 *   destroys it (`destroySoon()` for a socket); `waitClosed()` waits for its
 *   'close' event.
 */
import type { Writable } from "node:stream";
import { AioError, argumentError, InvalidStateError, isCancelledError, LabelledFuture, loopOf } from "../core/index.ts";
import type { StreamReader } from "./reader.ts";

const DRAINED: Promise<void> = Promise.resolve();

/** @internal How a writer is made: see the contract at the top of this file. */
export interface WriterOptions {
  /** The reader of the same connection: `drain()` raises its error. */
  reader?: StreamReader | undefined;
  /** Answers `getExtraInfo(name)`; `undefined` for what is unknown. */
  extra?: ((name: string) => unknown) | undefined;
  /** Whether `writeEof()` is possible (a TLS connection cannot half-close). Default true. */
  canWriteEof?: boolean | undefined;
  /** Upgrades the connection to TLS; `startTls()` throws without it. */
  startTls?: ((writer: StreamWriter, options: unknown) => Promise<void>) | undefined;
}

/**
 * Writes bytes to a connection or a pipe: asyncio's `StreamWriter`.
 *
 * `write()` never waits: it hands the bytes to Node's buffer. `await
 * drain()` after writing is what keeps that buffer bounded: it waits while
 * the buffer is above its high-water mark, so a writer whose peer does not
 * read blocks there instead of filling memory. `close()` sends what was
 * written, then closes; `await using` closes and waits for the end.
 *
 * @example
 * ```ts
 * import { openConnection, run } from "aio-ts";
 * await run(async () => {
 *   const [reader, writer] = await openConnection("127.0.0.1", 8888);
 *   await using _ = writer; // closed (and waited for) at the end of the block
 *   writer.write("hello\n");
 *   await writer.drain(); // waits while the peer is slow to read
 *   console.log((await reader.readline()).toString());
 * });
 * ```
 */
export class StreamWriter {
  /** @internal The stream written to; replaced by `startTls()`. */
  _writable: Writable;
  /** @internal */
  _options: WriterOptions;
  private closing = false;
  private eofWritten = false;
  private error: unknown = undefined;
  /** @internal Where the bytes go (`127.0.0.1:5000`, `stdin of pid 123`), for `captureCallGraph`. */
  _where: string | undefined = undefined;

  /** @internal Use `openConnection()`/`startServer()`; writers are made by aio. */
  constructor(writable: Writable, options: WriterOptions = {}) {
    this._writable = writable;
    this._options = options;
    this._watch(writable);
  }

  /** @internal Follows `writable`'s errors (keeping the first). */
  _watch(writable: Writable): void {
    writable.on("error", (error: Error) => {
      this.error ??= error;
    });
  }

  /** The reader given at construction, if any. */
  private get reader(): StreamReader | undefined {
    return this._options.reader;
  }

  /**
   * Queues `data` to be sent (a string is UTF-8 encoded). Does not wait:
   * call `drain()` to let the buffer empty. Data written to a connection the
   * peer has dropped is discarded, as asyncio does; `drain()` reports it.
   *
   * @throws TypeError if `data` is not a string or a `Uint8Array`.
   * @throws InvalidStateError after `close()` or `writeEof()`.
   */
  write(data: Uint8Array | string): void {
    if (typeof data !== "string" && !(data instanceof Uint8Array)) {
      throw argumentError("data", "a string or a Uint8Array", data);
    }
    this.checkWritable();
    if (data.length === 0) return;
    const w = this._writable;
    if (w.destroyed) return; // the connection is lost: drain() says so
    w.write(data);
  }

  /**
   * Queues each item of `list`, as `write()` does.
   *
   * @throws TypeError if an item is not a string or a `Uint8Array`.
   * @throws InvalidStateError after `close()` or `writeEof()`.
   */
  writelines(list: Iterable<Uint8Array | string>): void {
    const items = [...list];
    for (const [i, data] of items.entries()) {
      if (typeof data !== "string" && !(data instanceof Uint8Array)) {
        throw argumentError(`list[${i}]`, "a string or a Uint8Array", data);
      }
    }
    this.checkWritable();
    const w = this._writable;
    if (w.destroyed) return;
    if (items.length > 1) w.cork();
    for (const data of items) if (data.length > 0) w.write(data);
    if (items.length > 1) w.uncork();
  }

  private checkWritable(): void {
    if (this.closing) throw new InvalidStateError("write() after close()", { code: "ERR_AIO_STREAM_CLOSED" });
    if (this.eofWritten) {
      throw new InvalidStateError("write() after writeEof()", { code: "ERR_AIO_STREAM_CLOSED" });
    }
  }

  /**
   * Waits until the write buffer is below its high-water mark; returns at
   * once if it is (no wait, no cancellation point then, as asyncio).
   *
   * **Cancel safety:** a cancelled `drain()` changes nothing; what was
   * written stays queued.
   *
   * @throws the connection's error (the reader's, or the one writing met).
   * @throws AioError `ERR_AIO_CONNECTION_LOST` if the stream is closed (by `close()` or by the peer) without an error.
   */
  drain(): Promise<void> {
    // The usual case, a buffer below its mark on a healthy stream, returns a settled promise: no async frame.
    const w = this._writable;
    if (!this.aboveMark(w) && !w.destroyed && !this.closing && this.error === undefined) {
      if (this._options.reader?.exception() === undefined) return DRAINED;
    }
    return this.drainSlow();
  }

  private async drainSlow(): Promise<void> {
    const readerError = this.reader?.exception();
    if (readerError !== undefined) throw readerError;
    const w = this._writable;
    // A lost connection fails every drain: a loop of write() and drain() to a peer that hung up must end (CPython's
    // test_drain_raises). Node reports the error on a later tick, so wait for the stream to finish closing first.
    // After close() as well (asyncio's drain raises once a closing transport is lost).
    if (w.destroyed || this.closing) await this.untilEvent(w.closed ? undefined : "close");
    else if (this.aboveMark(w)) await this.untilEvent(this.eofWritten ? "finish" : "drain");
    this.checkLost();
  }

  /**
   * Whether the buffer is above its high-water mark. Node's `writableNeedDrain` says so until `end()`; after it
   * (writeEof), Node emits no 'drain', only 'finish' once everything is flushed, so the length is compared itself.
   */
  private aboveMark(w: Writable): boolean {
    if (this.eofWritten) return !w.writableFinished && w.writableLength > w.writableHighWaterMark;
    return w.writableNeedDrain;
  }

  /** Waits for `event` (or the stream's 'close' or 'error'); `undefined`: returns at once. */
  private async untilEvent(event: "drain" | "finish" | "close" | undefined): Promise<void> {
    if (event === undefined) return;
    const w = this._writable;
    const where = this._where === undefined ? "" : ` on ${this._where}`;
    const waiter = new LabelledFuture<void>(loopOf(), {
      kind: "stream",
      label: `${event === "drain" ? "drain()" : `StreamWriter: waiting for "${event}"`}${where}`,
    });
    const wake = (): void => {
      if (!waiter.done()) waiter.setResult(undefined);
    };
    w.on(event, wake);
    if (event !== "close") w.on("close", wake);
    if (event !== "finish") w.on("finish", wake);
    w.on("error", wake);
    try {
      await waiter;
    } finally {
      w.off(event, wake);
      w.off("close", wake);
      w.off("finish", wake);
      w.off("error", wake);
    }
  }

  private checkLost(): void {
    if (this.error !== undefined) throw this.error;
    const w = this._writable;
    // A stream ended by writeEof() whose every byte was flushed ended well, even if it is gone by now.
    const delivered = this.eofWritten && w.writableFinished;
    if (this.closing || (w.destroyed && !delivered)) {
      throw new AioError("Connection lost", { code: "ERR_AIO_CONNECTION_LOST" });
    }
  }

  /**
   * Closes the stream once what was written is sent (asyncio's
   * `close()`); does not wait: `await waitClosed()` for that. Harmless if
   * already closed.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    const w = this._writable;
    if (w.destroyed) return;
    const soon = (w as Writable & { destroySoon?: () => void }).destroySoon;
    if (typeof soon === "function") soon.call(w);
    else {
      w.end();
      if (w.writableFinished) w.destroy();
      else w.once("finish", () => w.destroy());
    }
  }

  /** Whether the stream is closed or closing (by `close()`, or because the connection is gone). */
  isClosing(): boolean {
    return this.closing || this._writable.destroyed;
  }

  /**
   * Waits until the stream is closed.
   *
   * **Cancel safety:** a cancelled `waitClosed()` changes nothing.
   *
   * @throws the error the connection ended with, if any.
   */
  async waitClosed(): Promise<void> {
    const w = this._writable;
    if (!w.closed) {
      const where = this._where === undefined ? "" : ` on ${this._where}`;
      const waiter = new LabelledFuture<void>(loopOf(), { kind: "stream", label: `waitClosed()${where}` });
      const wake = (): void => {
        if (!waiter.done()) waiter.setResult(undefined);
      };
      w.on("close", wake);
      try {
        await waiter;
      } finally {
        w.off("close", wake);
      }
    }
    if (this.error !== undefined) throw this.error;
  }

  /** Whether `writeEof()` is supported: true for TCP, Unix sockets and pipes; false for TLS (as asyncio). */
  canWriteEof(): boolean {
    return this._options.canWriteEof ?? true;
  }

  /**
   * Closes the sending side once what was written is sent (a TCP FIN); the
   * peer reads EOF, and this side can still read its answer.
   *
   * @throws InvalidStateError if the stream cannot half-close (TLS) or is closed.
   */
  writeEof(): void {
    if (!this.canWriteEof()) {
      throw new InvalidStateError("writeEof() is not supported on this stream (TLS cannot half-close)", {
        code: "ERR_AIO_NOT_SUPPORTED",
      });
    }
    if (this.closing) throw new InvalidStateError("writeEof() after close()", { code: "ERR_AIO_STREAM_CLOSED" });
    if (this.eofWritten) return;
    this.eofWritten = true;
    if (!this._writable.destroyed) this._writable.end();
  }

  /**
   * Information about the connection: `"peername"` and `"sockname"` (Node's
   * `{ address, family, port }`; for a Unix socket, the path or `""` as
   * asyncio gives them: a client's peer and a server's own end are the
   * path), `"socket"`
   * (the `net.Socket`), and for TLS `"sslcontext"` (the `TLSSocket`),
   * `"peercert"` and `"cipher"`. `defaultValue` (default `undefined`) for
   * what is unknown.
   */
  getExtraInfo(name: string, defaultValue?: unknown): unknown {
    if (typeof name !== "string") throw argumentError("name", "a string", name);
    return this._options.extra?.(name) ?? defaultValue;
  }

  /**
   * Upgrades the open connection to TLS, client side (asyncio's
   * `start_tls`): drains what was written, then runs the handshake; the
   * reader and this writer then carry the encrypted connection.
   *
   * **Cancel safety:** a cancelled `startTls()` leaves the connection
   * unusable; close it.
   *
   * @throws InvalidStateError if the stream is not a TCP connection, or is closed.
   * @throws the handshake's error (with the host and port in its message).
   */
  async startTls(options: import("node:tls").ConnectionOptions = {}): Promise<void> {
    if (options === null || typeof options !== "object") throw argumentError("options", "an object", options);
    const upgrade = this._options.startTls;
    if (upgrade === undefined) {
      throw new InvalidStateError("startTls() needs a TCP connection", { code: "ERR_AIO_NOT_SUPPORTED" });
    }
    if (this.closing) throw new InvalidStateError("startTls() after close()", { code: "ERR_AIO_STREAM_CLOSED" });
    await this.drain();
    await upgrade(this, options);
  }

  /** Closes the stream and waits until it is closed; the error a broken connection ended with is not thrown. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    try {
      await this.waitClosed();
    } catch (error) {
      if (isCancelledError(error)) throw error;
    }
  }

  /** A snapshot of the writer's state. */
  statistics(): {
    /** Bytes written and not yet handed to the operating system. */
    buffered: number;
    /** Whether `drain()` would wait (the buffer is above its high-water mark). */
    needsDrain: boolean;
    /** Whether `close()` was called or the stream is gone. */
    closing: boolean;
    /** Whether `writeEof()` was called. */
    eofWritten: boolean;
  } {
    const w = this._writable;
    return {
      buffered: w.writableLength,
      needsDrain: w.writableNeedDrain,
      closing: this.isClosing(),
      eofWritten: this.eofWritten,
    };
  }

  /** As asyncio's repr. */
  toString(): string {
    const state = this._writable.destroyed ? "closed" : this.closing ? "closing" : "open";
    return `<StreamWriter ${state}>`;
  }
}

/** @internal A writer to `writable`; see the contract at the top of this file. */
export function writerFor(writable: Writable, options: WriterOptions = {}): StreamWriter {
  return new StreamWriter(writable, options);
}
