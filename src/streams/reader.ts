/**
 * `StreamReader`: asyncio's buffered byte reader, fed by a socket, a child's
 * pipe, or any Node `Readable`.
 *
 * Contract for other aio modules (stable; subprocesses build on it):
 * - `readerFrom(readable, { limit })` returns a `StreamReader` fed by
 *   `readable` ('data' chunks, 'end' → EOF, 'error' → the reader's error,
 *   'close' without 'end' → EOF). Flow control is asyncio's: the source is
 *   paused (`readable.pause()`) once more than 2 × `limit` bytes are
 *   buffered, and resumed when reads bring the buffer down to `limit` (or a
 *   read has to wait for data). `limit` defaults to 64 KiB.
 * - `new StreamReader({ limit })` with `feedData`/`feedEof`/`setException`
 *   is the reader without a source, as asyncio's.
 * - `reader.setSource(source)` (internal) attaches any `{ pause(), resume() }`.
 *
 * Invariant behind "a cancelled read loses no data": a read waits only for
 * a signal that data arrived; it takes bytes out of the buffer only after
 * its last wait, synchronously, as the waiting task resumes, and hands them
 * to it. A cancel delivered at the wait leaves every byte in the buffer.
 *
 * The wait is a `ReadWait` (below), not a `Future`: one object that is the
 * task's waiter (so a cancel reaches it) and the loop's ready-queue entry,
 * and whose promise is the one the read returned. The kernel's `sleep()` is
 * built the same way. It costs one promise and itself per wait, where a
 * future awaited inside an async read cost the future, its reaction, the
 * reaction's promise, the async function's promise and the thenable hop.
 */
import type { Readable } from "node:stream";
import {
  argumentError,
  current,
  InvalidStateError,
  type Loop,
  loopOf,
  makeCancelledError,
  type Runnable,
  type Task,
  type Waiter,
  type WaitInfo,
} from "../core/index.ts";
import { IncompleteReadError, LimitOverrunError } from "./errors.ts";

/**
 * Whether a read woken by a socket's or a pipe's data may resume its task from the I/O callback itself
 * (`Loop._enqueueFromIo`). Node calls a stream's read callback from libuv, at the top of its event loop, or
 * from a `nextTick` of the stream's own, never in the middle of a task's step. Bun and Deno implement
 * `node:net` on their own event loops and promise jobs, where that is not known: there the wakeup is queued as
 * any other.
 */
const IO_WAKEUP =
  (globalThis as { Bun?: unknown }).Bun === undefined && (globalThis as { Deno?: unknown }).Deno === undefined;

/** asyncio's `_DEFAULT_LIMIT`: 64 KiB. */
export const DEFAULT_LIMIT = 64 * 1024;

const EMPTY: Buffer = Buffer.alloc(0);
const NEWLINE: Buffer = Buffer.from("\n");

/** Options of a `StreamReader`. */
export interface StreamReaderOptions {
  /**
   * The most bytes `readuntil()`/`readline()` look through for a separator, and the buffer size at which the
   * source is paused (twice this). Default 64 KiB.
   */
  limit?: number | undefined;
}

/** @internal What a reader pauses when its buffer is full: a readable's flow control. */
export interface ReadSource {
  pause(): void;
  resume(): void;
}

/** @internal Checks a `limit` option: a positive integer (default 64 KiB). */
export function checkLimit(value: unknown): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw argumentError("limit", "a positive integer", value);
  }
  return value;
}

/**
 * The buffered bytes: a list of the chunks as they arrived, so that a read
 * of a whole chunk (the usual case with sockets) hands it out without a copy.
 * A separator search joins the chunks into one first.
 */
class Chunks {
  /**
   * `list[head..tail)` are the chunks. The array only grows (slots are reused), because emptying it with
   * `length = 0`, what a read of the one chunk buffered would do, frees its backing store, and the next chunk's
   * push allocates another.
   */
  private list: (Buffer | undefined)[] = [];
  private head = 0;
  private tail = 0;
  /** Bytes already taken from `list[head]`. */
  private offset = 0;
  size = 0;

  push(chunk: Buffer): void {
    if (this.tail === this.list.length) this.list.push(chunk);
    else this.list[this.tail] = chunk;
    this.tail++;
    this.size += chunk.length;
  }

  /** Removes and returns the first `n` bytes (`n <= size`). */
  take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const first = this.list[this.head] as Buffer;
    const available = first.length - this.offset;
    if (n <= available) {
      const out = this.offset === 0 && n === first.length ? first : first.subarray(this.offset, this.offset + n);
      this.consume(first, n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const chunk = this.list[this.head] as Buffer;
      const k = Math.min(chunk.length - this.offset, n - at);
      chunk.copy(out, at, this.offset, this.offset + k);
      at += k;
      this.consume(chunk, k);
    }
    return out;
  }

  private consume(chunk: Buffer, k: number): void {
    this.offset += k;
    this.size -= k;
    if (this.offset < chunk.length) return;
    this.list[this.head++] = undefined;
    this.offset = 0;
    if (this.head === this.tail) {
      this.head = this.tail = 0;
    } else if (this.head > 32 && this.head * 2 > this.tail) {
      // Compact once the consumed prefix dominates: many small chunks read one by one.
      this.list.copyWithin(0, this.head, this.tail);
      this.list.fill(undefined, this.tail - this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
  }

  /** The buffered bytes as one buffer (joining the chunks, once, if there are several). */
  joined(): Buffer {
    if (this.size === 0) return EMPTY;
    if (this.tail - this.head > 1) {
      const parts: Buffer[] = [];
      for (let i = this.head; i < this.tail; i++) {
        const chunk = this.list[i] as Buffer;
        parts.push(i === this.head ? chunk.subarray(this.offset) : chunk);
      }
      this.list = [Buffer.concat(parts, this.size)];
      this.head = 0;
      this.tail = 1;
      this.offset = 0;
    }
    const only = this.list[this.head] as Buffer;
    return this.offset === 0 ? only : only.subarray(this.offset);
  }

  clear(): void {
    this.list = [];
    this.head = 0;
    this.tail = 0;
    this.offset = 0;
    this.size = 0;
  }
}

/**
 * Reads bytes from a connection or a pipe: asyncio's `StreamReader`.
 *
 * `openConnection()` and `startServer()` hand out readers fed by a socket;
 * a reader made with `new StreamReader()` is fed by hand with `feedData()`
 * and `feedEof()`. Data comes out as `Buffer`s (Node's `Uint8Array`s).
 * `for await (const line of reader)` yields lines as `readline()` does,
 * until the end of the stream.
 *
 * Only one read may wait at a time: a second one throws
 * `InvalidStateError` (asyncio's `RuntimeError`).
 *
 * **Cancel safety:** every read is cancel-safe: a read cancelled while it
 * waits returns nothing and consumes nothing; the bytes stay for the next
 * read.
 *
 * @example
 * ```ts
 * import { StreamReader, run } from "aio-ts";
 * await run(async () => {
 *   const reader = new StreamReader();
 *   reader.feedData(Buffer.from("hello\nworld\n"));
 *   reader.feedEof();
 *   for await (const line of reader) console.log(line.toString().trimEnd()); // hello, world
 * });
 * ```
 */
export class StreamReader {
  private readonly limit: number;
  private readonly buffer = new Chunks();
  private eof = false;
  private error: unknown = undefined;
  /** The read waiting for data, until it is woken (queued to resume) or cancelled. */
  private waiter: ReadWait | undefined = undefined;
  /** @internal Where the bytes come from (`127.0.0.1:5000`, `stdout of pid 123`), for `captureCallGraph`. */
  _where: string | undefined = undefined;
  private source: ReadSource | undefined = undefined;
  private paused = false;
  /** Set while `read()` (all) waits for EOF: the buffer is its accumulator, so the source is never paused. */
  private readingAll = false;

  /** @throws TypeError if `limit` is not a positive integer. */
  constructor(options: StreamReaderOptions = {}) {
    this.limit = checkLimit(options.limit);
  }

  // ── Feeding (asyncio's protocol side) ──

  /**
   * Appends bytes to the buffer and wakes a waiting read. Low-level: the
   * reader's source calls it.
   *
   * @throws TypeError if `data` is not a string or a `Uint8Array`.
   * @throws InvalidStateError after `feedEof()`.
   */
  feedData(data: Uint8Array | string): void {
    if (typeof data !== "string" && !(data instanceof Uint8Array)) {
      throw argumentError("data", "a string or a Uint8Array", data);
    }
    if (this.eof) throw new InvalidStateError("feedData() after feedEof()", { code: "ERR_AIO_STREAM_EOF" });
    this._feed(Buffer.from(data)); // a copy: the caller may reuse its array
  }

  /**
   * @internal Appends a chunk the reader may keep as it is (a socket's fresh buffer). `io`: called from Node's
   * own I/O callback (a socket's or a pipe's read), where a woken read may resume its task at once (see
   * `Loop._enqueueFromIo`); never from code that a task runs, as `feedData()` is.
   */
  _feed(chunk: Buffer, io = false): void {
    if (chunk.length === 0 || this.eof) return;
    this.buffer.push(chunk);
    this.wakeup(io && IO_WAKEUP);
    if (this.source !== undefined && !this.paused && !this.readingAll && this.buffer.size > 2 * this.limit) {
      this.paused = true;
      this.source.pause();
    }
  }

  /** Marks the end of the stream: reads return what is buffered, then empty. Low-level. */
  feedEof(): void {
    this.eof = true;
    this.wakeup();
  }

  /**
   * Makes every later read (and the one waiting) throw `error`, as a broken
   * connection does. Low-level.
   */
  setException(error: unknown): void {
    this.error = error;
    this.wakeup();
  }

  /** The error set by `setException()` (a connection's), or `undefined`. */
  exception(): unknown {
    return this.error;
  }

  /** @internal Attaches the source to pause when the buffer is full. */
  setSource(source: ReadSource | undefined): void {
    this.source = source;
    this.paused = false;
  }

  /** Whether the stream ended and every byte was read. */
  atEof(): boolean {
    return this.eof && this.buffer.size === 0;
  }

  // ── Reads ──

  /**
   * Reads up to `n` bytes: what is buffered, or, if nothing is, the next
   * bytes to arrive; empty at the end of the stream. With `n` negative (the
   * default), reads until the end of the stream.
   *
   * **Cancel safety:** a cancelled read consumes nothing. A cancelled
   * `read()` (all) leaves what it has accumulated in the reader.
   *
   * @throws TypeError if `n` is not an integer.
   * @throws the connection's error, if it broke.
   */
  read(n = -1): Promise<Buffer> {
    if (typeof n !== "number" || !Number.isSafeInteger(n)) throw argumentError("n", "an integer", n);
    return n < 0 ? this.readAll() : this.readSome(n);
  }

  /**
   * Not an async function: bytes already buffered come back as a settled promise; else the read's wait takes
   * them when the task resumes (one wakeup is always enough: it means data, EOF or an error).
   */
  private readSome(n: number): Promise<Buffer> {
    if (this.error !== undefined) return Promise.reject(this.error);
    if (n === 0) return Promise.resolve(EMPTY);
    if (this.buffer.size === 0 && !this.eof) return this.waitFor<Buffer>(SOME, "read", n);
    return Promise.resolve(this.takeSome(n));
  }

  /** What `read(n)` gives once it may: up to `n` buffered bytes (none at EOF), or the reader's error. */
  private takeSome(n: number): Buffer {
    if (this.error !== undefined) throw this.error;
    const data = this.buffer.take(Math.min(n, this.buffer.size));
    this.maybeResume();
    return data;
  }

  private async readAll(): Promise<Buffer> {
    if (this.error !== undefined) throw this.error;
    this.readingAll = true;
    try {
      while (!this.eof) {
        await this.waitFor<void>(DATA, "read", undefined);
        if (this.error !== undefined) throw this.error;
      }
    } finally {
      this.readingAll = false;
    }
    const data = this.buffer.take(this.buffer.size);
    this.maybeResume();
    return data;
  }

  /**
   * Reads one line, up to and including `"\n"`; at the end of the stream,
   * the bytes left (possibly none: an empty buffer means EOF).
   *
   * A line longer than `limit` rejects with a `RangeError` (asyncio's
   * `ValueError`, code `ERR_AIO_LINE_TOO_LONG`, `cause` the
   * `LimitOverrunError`), after consuming as asyncio does: the line and its
   * `"\n"` if the separator is in the buffer, else the whole buffer.
   *
   * **Cancel safety:** a cancelled `readline()` consumes nothing.
   *
   * @throws the connection's error, if it broke.
   */
  async readline(): Promise<Buffer> {
    try {
      return await this.readuntilBytes(NEWLINE);
    } catch (error) {
      if (error instanceof IncompleteReadError) return error.partial as Buffer;
      if (!(error instanceof LimitOverrunError)) throw error;
      if (this.buffer.joined()[error.consumed] === NEWLINE[0]) {
        this.buffer.take(error.consumed + NEWLINE.length);
      } else this.buffer.clear();
      this.maybeResume();
      const tooLong = new RangeError(error.message, { cause: error });
      (tooLong as RangeError & { code: string }).code = "ERR_AIO_LINE_TOO_LONG";
      throw tooLong;
    }
  }

  /**
   * Reads exactly `n` bytes.
   *
   * **Cancel safety:** a cancelled `readexactly()` consumes nothing.
   *
   * @throws TypeError if `n` is not a non-negative integer.
   * @throws IncompleteReadError if the stream ends first (with the bytes that arrived, which are consumed).
   * @throws the connection's error, if it broke.
   */
  readexactly(n: number): Promise<Buffer> {
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
      throw argumentError("n", "a non-negative integer", n);
    }
    return this.readexactlyChecked(n);
  }

  /** Not an async function: bytes already buffered come back as a settled promise; else one wait, re-armed. */
  private readexactlyChecked(n: number): Promise<Buffer> {
    if (this.error !== undefined) return Promise.reject(this.error);
    if (n === 0) return Promise.resolve(EMPTY);
    if (this.buffer.size >= n) return Promise.resolve(this.takeExactly(n));
    if (this.eof) {
      try {
        return Promise.resolve(this.takeExactly(n));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.waitFor<Buffer>(EXACTLY, "readexactly", n);
  }

  /** `n` bytes, or, at EOF with fewer, `IncompleteReadError` with them (consumed); the reader's error first. */
  private takeExactly(n: number): Buffer {
    if (this.error !== undefined) throw this.error;
    if (this.buffer.size < n) {
      const partial = this.buffer.take(this.buffer.size);
      this.maybeResume();
      throw new IncompleteReadError(partial, n);
    }
    const data = this.buffer.take(n);
    this.maybeResume();
    return data;
  }

  /**
   * Reads up to and including `separator` (a string is UTF-8 encoded).
   *
   * **Cancel safety:** a cancelled `readuntil()` consumes nothing.
   *
   * @throws TypeError if `separator` is empty or not a string or `Uint8Array`.
   * @throws LimitOverrunError if the separator is not within the first `limit` bytes; nothing is consumed.
   * @throws IncompleteReadError if the stream ends first (with every byte left, which are consumed).
   * @throws the connection's error, if it broke.
   */
  readuntil(separator: Uint8Array | string = "\n"): Promise<Buffer> {
    let sep: Buffer;
    if (typeof separator === "string") sep = Buffer.from(separator);
    else if (separator instanceof Uint8Array)
      sep = Buffer.from(separator.buffer, separator.byteOffset, separator.length);
    else throw argumentError("separator", "a string or a Uint8Array", separator);
    if (sep.length === 0) throw argumentError("separator", "at least one byte long", separator);
    return this.readuntilBytes(sep);
  }

  private async readuntilBytes(sep: Buffer): Promise<Buffer> {
    if (this.error !== undefined) throw this.error;
    // `offset`: where the separator may start, past what was searched already.
    let offset = 0;
    let found: number;
    for (;;) {
      const size = this.buffer.size;
      if (size - offset >= sep.length) {
        found = this.buffer.joined().indexOf(sep, offset);
        if (found !== -1) break;
        offset = size + 1 - sep.length;
        if (offset > this.limit) {
          throw new LimitOverrunError("Separator is not found, and chunk exceed the limit", offset);
        }
      }
      if (this.eof) {
        const partial = this.buffer.take(this.buffer.size);
        this.maybeResume();
        throw new IncompleteReadError(partial, null);
      }
      await this.waitFor<void>(DATA, "readuntil", sep);
      if (this.error !== undefined) throw this.error;
    }
    if (found > this.limit) throw new LimitOverrunError("Separator is found, but chunk is longer than limit", found);
    const data = this.buffer.take(found + sep.length);
    this.maybeResume();
    return data;
  }

  /** Yields lines as `readline()` does, until the end of the stream. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  // ── Waiting ──

  /**
   * Waits for data; once the task resumes, `_settle()` gives the read's value (or throws its error), or says
   * `AGAIN` to wait for more. A cancel delivered at the wait (or after the wakeup, before the task resumes)
   * rejects with `CancelledError` and `_settle()` never runs: nothing is consumed.
   *
   * `kind` and `arg` say what to take, so that a wait allocates no closure: a read's wait is on the hot path of
   * every round trip (issue 12c).
   */
  private waitFor<T>(kind: ReadKind, fn: string, arg: ReadArg): Promise<T> {
    const task = current();
    const wait = new ReadWait(this, task !== undefined ? task._loop : loopOf(), task, kind, fn, arg);
    arming = wait;
    const promise = new Promise<T>(capture);
    try {
      this.arm(wait);
    } catch (error) {
      return Promise.reject(error);
    }
    if (task !== undefined) task._addWaiter(wait);
    return promise;
  }

  /**
   * @internal What a woken wait gives its read, as the task resumes: `read(n)`'s bytes, `readexactly(n)`'s (or
   * `AGAIN` while too few are buffered), nothing for the plain wait of `read()` (all) and `readuntil()`; or
   * throws the read's error.
   */
  _settle(wait: ReadWait): unknown {
    switch (wait.kind) {
      case SOME:
        return this.takeSome(wait.arg as number);
      case EXACTLY: {
        const n = wait.arg as number;
        return this.buffer.size < n && !this.eof && this.error === undefined ? AGAIN : this.takeExactly(n);
      }
      default:
        return undefined;
    }
  }

  /** @internal Makes `wait` the reader's waiter. @throws InvalidStateError if another read is waiting. */
  arm(wait: ReadWait): void {
    if (this.isWaiting()) {
      throw new InvalidStateError(`${wait.fn}() called while another task is already waiting for incoming data`, {
        code: "ERR_AIO_CONCURRENT_READ",
      });
    }
    // A read that must wait needs the source flowing, whatever the buffer holds.
    if (this.paused) {
      this.paused = false;
      this.source?.resume();
    }
    wait.state = WAITING;
    this.waiter = wait;
  }

  private isWaiting(): boolean {
    return this.waiter !== undefined && this.waiter.state === WAITING;
  }

  private wakeup(io = false): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    this.waiter = undefined;
    if (waiter.state === WAITING) waiter.wake(io);
  }

  private maybeResume(): void {
    if (this.paused && this.buffer.size <= this.limit) {
      this.paused = false;
      this.source?.resume();
    }
  }

  /** A snapshot of the reader's state. */
  statistics(): {
    /** Bytes buffered, not read yet. */
    buffered: number;
    /** Whether the end of the stream was seen. */
    eof: boolean;
    /** Whether the source is paused because the buffer is full. */
    paused: boolean;
    /** Whether a read is waiting for data. */
    waiting: boolean;
  } {
    return { buffered: this.buffer.size, eof: this.eof, paused: this.paused, waiting: this.isWaiting() };
  }

  /** As asyncio's repr: `<StreamReader 12 bytes eof>`. */
  toString(): string {
    const parts = ["StreamReader"];
    if (this.buffer.size > 0) parts.push(`${this.buffer.size} bytes`);
    if (this.eof) parts.push("eof");
    if (this.limit !== DEFAULT_LIMIT) parts.push(`limit=${this.limit}`);
    if (this.isWaiting()) parts.push("waiter");
    if (this.error !== undefined) parts.push(`exception=${reprError(this.error)}`);
    if (this.paused) parts.push("paused");
    return `<${parts.join(" ")}>`;
  }
}

const WAITING = 0;
const QUEUED = 1;
const CANCELLED = 2;
const DONE = 3;

/** What a wait's `_settle()` returns to wait for more data. */
const AGAIN: unique symbol = Symbol("again");

const noValue = (): undefined => undefined;

/** What a wait takes once woken: `read(n)`'s bytes, `readexactly(n)`'s, or nothing (a plain wait for data). */
type ReadKind = 0 | 1 | 2;
const SOME = 0;
const EXACTLY = 1;
const DATA = 2;

/**
 * The wait whose promise is being made: `capture`, the promise's executor, stores the resolvers in it. A
 * module-level executor instead of a closure per wait; `new Promise` calls it at once.
 */
let arming: ReadWait | undefined;

function capture(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  const wait = arming as ReadWait;
  arming = undefined;
  wait.resolve = resolve as (value: unknown) => void;
  wait.reject = reject;
}

/**
 * One read's wait: the task's waiter (its `cancel()` is how a task cancel reaches the read), the loop's
 * ready-queue entry that resumes the task (`resumes`, as the kernel's sleep), and the resolvers of the promise
 * the read returned. Woken, it is queued on the loop, so the task resumes in asyncio's order; when it runs, the
 * read's bytes are taken and the promise resolved with them, or it waits again (`AGAIN`).
 */
/** What a read was called with, for its description. */
type ReadArg = number | Buffer | undefined;

class ReadWait implements Runnable, Waiter {
  state = WAITING;
  message: string | undefined = undefined;
  /** The read's promise's resolve (its value is what `_settle()` gave). */
  resolve: (value: unknown) => void = noValue;
  reject: (error: unknown) => void = noValue;
  readonly reader: StreamReader;
  readonly loop: Loop;
  readonly task: Task<unknown> | undefined;
  /** What to take once woken (see `_settle()`). */
  readonly kind: ReadKind;
  readonly fn: string;
  /** The read's argument: the size to take, or a separator (only described). */
  readonly arg: ReadArg;

  constructor(
    reader: StreamReader,
    loop: Loop,
    task: Task<unknown> | undefined,
    kind: ReadKind,
    fn: string,
    arg: ReadArg,
  ) {
    this.reader = reader;
    this.loop = loop;
    this.task = task;
    this.kind = kind;
    this.fn = fn;
    this.arg = arg;
  }

  /** @internal For `captureCallGraph`: `readexactly(4) on 127.0.0.1:5000`. */
  _describeWait(): WaitInfo {
    const arg = this.arg;
    const shown =
      arg === undefined ? "" : typeof arg === "number" ? String(arg) : JSON.stringify(arg.toString("latin1"));
    const where = this.reader._where;
    return { kind: "stream", label: `${this.fn}(${shown})${where === undefined ? "" : ` on ${where}`}` };
  }

  declare readonly resumes: boolean;

  /** Data, EOF or an error came: queue the task's resumption (`io`: from Node's I/O callback, see `_feed`). */
  wake(io: boolean): void {
    this.state = QUEUED;
    if (io) this.loop._enqueueFromIo(this);
    else this.loop._enqueue(this);
  }

  cancel(message?: string): boolean {
    if (this.state === DONE || this.state === CANCELLED) return false;
    const queued = this.state === QUEUED;
    this.state = CANCELLED;
    this.message = message;
    if (!queued) this.loop._enqueue(this);
    return true;
  }

  run(): void {
    const task = this.task;
    if (this.state === CANCELLED) {
      // As the kernel's sleep: this CancelledError is the one the task gets now; a second cancel() made meanwhile
      // is consumed with it.
      if (task !== undefined) task._mustCancel = false;
      this.fail(makeCancelledError(this.message));
      return;
    }
    if (task?._mustCancel) {
      task._mustCancel = false;
      this.fail(task._makeCancelledError());
      return;
    }
    let value: unknown;
    try {
      value = this.reader._settle(this);
      if (value === AGAIN) {
        this.reader.arm(this);
        return;
      }
    } catch (error) {
      this.fail(error);
      return;
    }
    this.state = DONE;
    if (task !== undefined) {
      task._removeWaiter(this);
      this.loop.lastResumed = task;
    }
    this.resolve(value);
  }

  private fail(error: unknown): void {
    this.state = DONE;
    this.task?._removeWaiter(this);
    this.reject(error);
  }
}

Object.defineProperty(ReadWait.prototype, "resumes", { value: true });

/** As Python's repr of an exception: `RuntimeError()`, `Error("boom")`. */
function reprError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return `${error.name}(${error.message === "" ? "" : JSON.stringify(error.message)})`;
}

/**
 * @internal A reader fed by `readable`, with asyncio's flow control (pause
 * above 2 × `limit` buffered bytes, resume at `limit`). 'end' is EOF, 'error'
 * the reader's error; a 'close' without either is EOF too (a destroyed stream).
 */
export function readerFrom(readable: Readable, options: StreamReaderOptions = {}): StreamReader {
  const reader = new StreamReader(options);
  feedFrom(reader, readable);
  return reader;
}

/**
 * @internal Node's `onread` option for a client socket (`net.connect({ onread })`): libuv reads into one buffer
 * that every such socket shares (reads are synchronous on this thread: each is copied out before the next), and
 * the callback feeds the reader a copy of each read's bytes at its size. The socket then delivers no 'data'
 * events and none of the Readable machinery runs per read ('end', 'error', 'close', `pause()` and `resume()`
 * work as before: the reader's flow control pauses the socket's reads). Accepted server sockets cannot have it:
 * `net.Server` takes no `onread` option.
 */
export class DirectRead {
  /** The reader fed, once `feedDirect()` attached it. */
  reader: StreamReader | undefined = undefined;
  readonly buffer: Buffer = SHARED_READ_BUFFER;
  readonly callback = (n: number): boolean => {
    const chunk = Buffer.allocUnsafe(n);
    SHARED_READ_BUFFER.copy(chunk, 0, 0, n);
    this.reader?._feed(chunk, true);
    return true;
  };
}

/** What libuv reads into for every `DirectRead` socket: its usual read size. */
const SHARED_READ_BUFFER: Buffer = Buffer.allocUnsafe(64 * 1024);

/**
 * @internal Feeds `reader` from a socket made with `direct`'s `onread` option, as `feedFrom` does from a
 * readable's 'data' events, until the returned function detaches it.
 */
export function feedDirect(reader: StreamReader, socket: Readable, direct: DirectRead): () => void {
  const onEnd = (): void => reader.feedEof();
  const onError = (error: Error): void => {
    reader.setException(error);
    reader.feedEof();
  };
  direct.reader = reader;
  reader.setSource(socket);
  socket.on("end", onEnd);
  socket.on("error", onError);
  socket.on("close", onEnd);
  return () => {
    direct.reader = undefined;
    socket.off("end", onEnd);
    socket.off("error", onError);
    socket.off("close", onEnd);
    reader.setSource(undefined);
  };
}

/**
 * @internal Feeds `reader` from `readable` (as `readerFrom` does) until the
 * returned function detaches it: `startTls()` moves a reader from a socket to
 * the TLS socket wrapping it. Bytes already buffered stay. `io`: `readable` is
 * a plain `net.Socket`, whose 'data' Node emits from its own read callback
 * (see `_feed`); not a TLS socket, whose 'data' may come out of a `write()`.
 */
export function feedFrom(reader: StreamReader, readable: Readable, io = false): () => void {
  const onData = (chunk: Buffer | string): void =>
    reader._feed(typeof chunk === "string" ? Buffer.from(chunk) : chunk, io);
  const onEnd = (): void => reader.feedEof();
  const onError = (error: Error): void => {
    reader.setException(error);
    reader.feedEof();
  };
  reader.setSource(readable);
  readable.on("data", onData);
  readable.on("end", onEnd);
  readable.on("error", onError);
  readable.on("close", onEnd);
  return () => {
    readable.off("data", onData);
    readable.off("end", onEnd);
    readable.off("error", onError);
    readable.off("close", onEnd);
    reader.setSource(undefined);
  };
}
