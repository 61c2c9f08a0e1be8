/**
 * One attempt of a request: the undici dispatch handler that receives its
 * response, and the buffer its body goes through.
 *
 * Why a handler of our own rather than undici's `request()`: the body then
 * arrives into an aio-native buffer whose reads are aio futures (a task's
 * cancellation interrupts them at once, with no `ensureFuture` wrapping),
 * a small body already received is returned without waiting at all, and
 * there is no Node `Readable`, no promise and no `AbortSignal` per request
 * underneath: undici's `dispatch()` with a `DispatchController` is its
 * documented API for clients built on it. Redirects, decompression and the
 * size limit are still undici's interceptors, wrapped around this handler.
 */

import { Future, InvalidStateError, type WaitInfo } from "../core/index.ts";
import { type BodyState, DONE, READING, RELEASED, UNREAD } from "./body-state.ts";
import type { Slot } from "./connection-limits.ts";
import type { Exchange, ExchangeAttempt } from "./exchange.ts";
import type { CancelQueued } from "./queued-abort.ts";
import type { Dispatcher } from "./undici.ts";

type Controller = Dispatcher.DispatchController;
type RawHeaders = Record<string, string | string[] | undefined>;

/** Body bytes buffered before the socket is paused (undici's `request()` uses the same). */
const HIGH_WATER = 64 * 1024;
/** Body bytes read and dropped to keep a connection after a release; a longer body closes it. */
const DISCARD_LIMIT = 64 * 1024;
const EMPTY = new Uint8Array(0);
const NO_HEADERS: RawHeaders = Object.freeze({}) as RawHeaders;

/** A plain `Uint8Array` view of undici's `Buffer` (no copy): what `bytes()` promises. */
function plain(bytes: Uint8Array): Uint8Array {
  return Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}

function released(attempt: Attempt): InvalidStateError {
  const { method, url } = attempt.exchange;
  return new InvalidStateError(
    `The body of ${method} ${url} was released before it was read (by release(), raiseForStatus(), ` +
      "or because the task that made the request ended without reading it: read the body in that task, " +
      "or return the response from it)",
    { code: "ERR_AIO_HTTP_BODY_RELEASED" },
  );
}

/**
 * One attempt of a request (see the top of this file): it is the undici
 * dispatch handler, and then the buffer of its response's body. Its
 * connection slot comes back when it is over: its body read or released, or
 * the request failed or was aborted.
 */
export class Attempt implements Dispatcher.DispatchHandler, ExchangeAttempt {
  readonly exchange: Exchange;
  /** The connection slot this attempt holds until it is over. */
  slot: Slot | undefined = undefined;
  status = 0;
  statusText = "";
  headers: RawHeaders = NO_HEADERS;
  /** The URLs visited, when the redirect interceptor followed some. */
  history: readonly URL[] | undefined = undefined;
  /** Settles when the headers arrive, or fails if the request fails first. */
  readonly headersReady: Future<void>;
  bodyState: BodyState = UNREAD;
  /** Why the body failed (the untranslated error), once it did. */
  error: unknown = undefined;
  private controller: Controller | undefined = undefined;
  /** Takes the request out of undici's queue while it waits for a connection (see queued-abort.ts). */
  private cancelQueued: CancelQueued | undefined = undefined;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private ended = false;
  private paused = false;
  /** Reading the whole body: buffer it all, never pause. */
  private collecting = false;
  private discarding = false;
  private discarded = 0;
  private reader: Future<void> | undefined = undefined;
  private over = false;
  /** Dispatches of this attempt so far: the first, then one per redirect followed. */
  private hops = 0;
  /** The target of the redirect hop under way, once a redirect is followed; errors name it. */
  redirectedTo: URL | undefined = undefined;

  constructor(exchange: Exchange) {
    this.exchange = exchange;
    this.headersReady = new AttemptWait(this, "");
  }

  /** @internal For `captureCallGraph`: `HTTP GET https://host/path`. */
  _describe(phase: string): WaitInfo {
    const url = this.redirectedTo?.href ?? this.exchange.url;
    return { kind: "http", label: `HTTP ${this.exchange.method} ${url}${phase}` };
  }

  // ── undici's side ──

  /** undici dispatches a hop of this attempt (see redirect-hops.ts); every one after the first follows a redirect. */
  hopped(origin: string, path: string): void {
    if (this.hops++ > 0) this.redirectedTo = new URL(path, origin);
  }

  /** undici queued the request (its pool is connecting): keep the way to take it out. */
  queued(cancel: CancelQueued): void {
    if (this.over) cancel(this.error as Error);
    else this.cancelQueued = cancel;
  }

  onRequestStart(controller: Controller, context: unknown): void {
    this.controller = controller;
    this.cancelQueued = undefined;
    const history = (context as { history?: URL[] } | null | undefined)?.history;
    if (history !== undefined) this.history = history;
    // Aborted while undici was still connecting: stop before anything is written.
    if (this.over) controller.abort(this.error as Error);
  }

  onResponseStart(controller: Controller, status: number, headers: RawHeaders, statusText?: string): void {
    if (status < 200) return; // 1xx: informational, the real response follows
    this.controller = controller;
    this.status = status;
    this.statusText = statusText ?? "";
    this.headers = headers;
    if (!this.headersReady.done()) this.headersReady.setResult(undefined);
  }

  onResponseData(controller: Controller, chunk: Uint8Array): void {
    if (this.discarding) {
      this.discarded += chunk.length;
      if (this.discarded > DISCARD_LIMIT) controller.abort(new Error("response body discarded"));
      return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.collecting) {
      // A body read whole is held in memory: stop a decompression bomb at its ceiling.
      if (this.buffered > this.exchange.maxBufferedSize) this.exchange.tooLargeToBuffer();
      return;
    }
    this.wake();
    if (this.buffered >= HIGH_WATER && !this.paused) {
      this.paused = true;
      controller.pause();
    }
  }

  onResponseEnd(_controller: Controller, _trailers: RawHeaders): void {
    this.ended = true;
    this.wake();
    if (this.discarding) this.end();
  }

  onResponseError(_controller: Controller | null, error: Error): void {
    if (this.over) return; // an abort of ours coming back: already handled
    if (this.error === undefined) this.error = error;
    this.ended = true;
    this.chunks = [];
    if (!this.headersReady.done()) {
      this.headersReady.setException(error);
      // Retrieved by whoever awaits it; never reported as unhandled.
      this.headersReady.exception();
    }
    this.wake();
    this.end();
  }

  // ── Our side ──

  /**
   * Stops the attempt: undici aborts the request and destroys its socket (or,
   * if it still waits for a connection, takes it out of undici's queue, which
   * also destroys a connect no other request waits for). The attempt is over
   * at once: its slot comes back, and readers get `reason`.
   */
  abort(reason: unknown): void {
    if (this.over) return;
    if (!this.headersReady.done()) {
      this.headersReady.setException(reason);
      this.headersReady.exception(); // retrieved: whoever awaits it gets it, nobody else must
    }
    if (this.error === undefined) this.error = reason;
    this.ended = true;
    this.chunks = [];
    this.buffered = 0;
    const controller = this.controller;
    if (controller !== undefined && !controller.aborted) controller.abort(reason as Error);
    this.wake();
    this.end();
    // Still queued for a connection: dequeue it, so that undici destroys a
    // connect nobody waits for (a hanging TLS handshake) instead of keeping it
    // until the connect timeout. After end(): the onResponseError it causes is ignored.
    const cancel = this.cancelQueued;
    this.cancelQueued = undefined;
    cancel?.(reason as Error);
  }

  /** The attempt is over: its slot comes back, and a final attempt ends its exchange. Idempotent. */
  end(): void {
    if (this.over) return;
    this.over = true;
    this.slot?.release();
    this.slot = undefined;
    this.exchange.attemptOver(this);
  }

  private wake(): void {
    const reader = this.reader;
    if (reader === undefined) return;
    this.reader = undefined;
    if (!reader.done()) reader.setResult(undefined);
  }

  /** A future that settles when data, the end or an error arrives; the reading task's cancel cancels it. */
  private nextEvent(): Future<void> {
    if (this.reader === undefined) this.reader = new AttemptWait(this, " (reading the body)");
    return this.reader;
  }

  /** The error a reader gets: the cause, translated (a CancelledError or a timeout stays itself). */
  private failure(): unknown {
    return this.exchange.translate(this.error);
  }

  // ── The body, for ClientResponse ──

  /**
   * Marks the body as being read.
   * @throws InvalidStateError if it was released or already read.
   */
  claim(): void {
    const state = this.bodyState;
    if (state === UNREAD) {
      if (this.error !== undefined && this.chunks.length === 0 && this.ended) throw this.failure();
      this.bodyState = READING;
      this.exchange.claimed();
      return;
    }
    if (state === RELEASED) throw released(this);
    throw new InvalidStateError(`The body of ${this.exchange.method} ${this.exchange.url} was already read`, {
      code: "ERR_AIO_HTTP_BODY_USED",
    });
  }

  /** The whole body, once it has arrived. Call `claim()` first. */
  readAll(): Promise<Uint8Array> {
    // What arrived before the read (up to the high-water mark) counts too.
    if (this.buffered > this.exchange.maxBufferedSize && this.error === undefined) this.exchange.tooLargeToBuffer();
    if (this.ended) return this.settleAll();
    this.collecting = true;
    if (this.paused) {
      this.paused = false;
      this.controller?.resume();
    }
    return this.waitForAll();
  }

  private async waitForAll(): Promise<Uint8Array> {
    try {
      while (!this.ended) await this.nextEvent();
    } catch (error) {
      // Cancelled while waiting: stop the request, then let the cancellation through.
      this.exchange.abort(error);
      throw error;
    }
    return this.settleAll();
  }

  private settleAll(): Promise<Uint8Array> {
    if (this.error !== undefined) return Promise.reject(this.failure());
    const chunks = this.chunks;
    this.chunks = [];
    const bytes = chunks.length === 0 ? EMPTY : chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
    this.consumed();
    return Promise.resolve(plain(bytes));
  }

  /** The next chunk, or the end. Call `claim()` first. */
  next(): Promise<IteratorResult<Uint8Array>> {
    const chunk = this.chunks.shift();
    if (chunk !== undefined) {
      this.buffered -= chunk.length;
      if (this.paused && this.buffered < HIGH_WATER / 2) {
        this.paused = false;
        this.controller?.resume();
      }
      return Promise.resolve({ done: false, value: plain(chunk) });
    }
    if (this.error !== undefined) return Promise.reject(this.failure());
    if (this.ended) {
      this.consumed();
      return Promise.resolve({ done: true, value: undefined });
    }
    return this.waitForNext();
  }

  private async waitForNext(): Promise<IteratorResult<Uint8Array>> {
    try {
      await this.nextEvent();
    } catch (error) {
      this.exchange.abort(error);
      throw error;
    }
    return this.next();
  }

  /** The body was read to its end. */
  private consumed(): void {
    if (this.bodyState === READING) this.bodyState = DONE;
    this.end();
  }

  /**
   * Discards the body and frees the slot at once: a body already received
   * in full leaves its connection for reuse; one still arriving is aborted,
   * which closes its connection (as aiohttp's `release()` does). A body
   * being read is aborted too.
   */
  release(): void {
    const state = this.bodyState;
    if (state === DONE || state === RELEASED) return;
    this.bodyState = RELEASED;
    this.exchange.claimed();
    if (state === READING) {
      this.exchange.abort(
        new InvalidStateError(
          `The body of ${this.exchange.method} ${this.exchange.url} was released while being read`,
          {
            code: "ERR_AIO_HTTP_BODY_RELEASED",
          },
        ),
      );
      return;
    }
    this.drop();
  }

  /** Drops the body of an attempt that is not handed out (a retried status): as `release()`. */
  drop(): void {
    this.chunks = [];
    this.buffered = 0;
    if (this.ended) this.end();
    else this.abort(new Error("response body released"));
  }

  /**
   * Lets a body that carries no bytes finish arriving (to a HEAD, a 204 or
   * 304, `content-length: 0`), keeping its connection; the slot comes back
   * when it has.
   */
  private discard(): void {
    this.chunks = [];
    this.buffered = 0;
    if (this.ended) {
      this.end();
      return;
    }
    this.discarding = true;
    if (this.paused) {
      this.paused = false;
      this.controller?.resume();
    }
  }

  /** A response with no body (to a HEAD, a 204 or 304, or `content-length: 0`): counts as read. */
  markEmpty(): void {
    this.bodyState = DONE;
    this.discard();
  }
}

/** What a task awaits while a request is under way: says which request, for `captureCallGraph`. */
class AttemptWait extends Future<void> {
  readonly attempt: Attempt;
  readonly phase: string;

  constructor(attempt: Attempt, phase: string) {
    super();
    this.attempt = attempt;
    this.phase = phase;
  }

  override _describeWait(): WaitInfo {
    return this.attempt._describe(this.phase);
  }
}
