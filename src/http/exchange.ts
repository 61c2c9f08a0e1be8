import { type Loop, loopOf, type Runnable, type Timer } from "../core/index.ts";
import { type BodyState, UNREAD } from "./body-state.ts";
import type { WaitHandle } from "./connection-limits.ts";
import {
  describeRequest,
  HttpError,
  type HttpErrorDetails,
  HttpResponseTooLargeError,
  HttpTimeoutError,
} from "./errors.ts";
import type { HopObserver } from "./interceptors/redirect-hops.ts";
import type { CancelQueued } from "./queued-abort.ts";
import { type ErrorContext, translateError } from "./translate-error.ts";

/** What an exchange needs of its session. */
export interface ExchangeOwner {
  _exchangeDone(exchange: Exchange): void;
}

/** What an exchange needs of its attempts (`Attempt` in attempt.ts, which imports this module, not the reverse). */
export interface ExchangeAttempt {
  readonly bodyState: BodyState;
  /** The target of the redirect hop under way, once a redirect was followed. */
  readonly redirectedTo: URL | undefined;
  abort(reason: unknown): void;
  release(): void;
  hopped(origin: string, path: string): void;
  queued(cancel: CancelQueued): void;
}

/**
 * What a finished exchange that auto-release.ts watches calls: the hook that
 * module registers when it loads (it forgets the finalizer's entry). A hook
 * rather than an import, so that the dependency runs one way: auto-release
 * knows exchanges, an exchange does not know auto-release.
 */
let finishWatched: ((exchange: Exchange) => void) | undefined;

/** @internal Registers what `finish()` calls for an exchange with `registered` set (auto-release.ts). */
export function onWatchedExchangeFinish(hook: (exchange: Exchange) => void): void {
  finishWatched = hook;
}

/** The fixed facts of a request, for errors and for the session's bookkeeping. */
export interface ExchangeContext extends Omit<ErrorContext, "attempts" | "status" | "cause"> {
  maxBufferedSize: number;
}

/**
 * One call to `session.request()`, from the call until its response body has
 * been read or released: every attempt, the total timeout, and the one
 * `abort(reason)` that stops whatever is under way.
 *
 * Everything that ends a request early goes through `abort(reason)`: the
 * total or pool timeout, the caller's signal, `session.close()`, and a
 * cancellation of the task that waits (aio delivers the `CancelledError` at
 * the await, and the waiting code passes it here). The current attempt then
 * has undici abort the request, which destroys its socket, and every wait of
 * the exchange fails with the reason.
 *
 * It never holds its `ClientResponse`, so that an unreachable response can
 * be garbage-collected and its exchange released by the finalizer.
 */
export class Exchange implements ErrorContext, HopObserver, Timer, Runnable {
  readonly method: string;
  readonly url: string;
  readonly origin: string;
  readonly hostname: string;
  readonly connectTimeout: number;
  readonly readTimeout: number;
  readonly maxRedirects: number;
  readonly maxResponseSize: number;
  /** The ceiling of a body read whole (`bytes()`...); `Infinity` for none. */
  readonly maxBufferedSize: number;
  attempts = 0;
  status: number | undefined = undefined;
  /** The attempt under way; once a response is handed out, the one whose body it reads. */
  attempt: ExchangeAttempt | undefined = undefined;
  /** The wait for a connection slot, while there is one. */
  waiting: WaitHandle | undefined = undefined;
  /** @internal Neighbours in the session's list of exchanges under way. */
  prev: Exchange | undefined = undefined;
  /** @internal */ next: Exchange | undefined = undefined;
  /** Whether an attempt was handed out as the response. */
  responded = false;
  /** The set of unread exchanges of the task that made it (see auto-release.ts). */
  owner: Set<Exchange> | undefined = undefined;
  aborted = false;
  /** Whether the response is registered with the finalizer (see auto-release.ts). */
  registered = false;
  /** Why it was aborted (meaningful once `aborted`). */
  reason: unknown = undefined;
  private readonly session: ExchangeOwner;
  private controller: AbortController | undefined = undefined;
  /** The loop whose clock runs the total timeout, while it is armed. */
  private timerLoop: Loop | undefined = undefined;
  private total = 0;
  /** @internal The total timeout's place in the clock's heap: the exchange is its own timer. */
  due = 0;
  /** @internal */ seq = 0;
  /** @internal */ index = -1;
  private userSignal: AbortSignal | undefined = undefined;
  private onUserAbort: (() => void) | undefined = undefined;
  private finished = false;

  constructor(session: ExchangeOwner, context: ExchangeContext) {
    this.session = session;
    this.method = context.method;
    this.url = context.url;
    this.origin = context.origin;
    this.hostname = context.hostname;
    this.connectTimeout = context.connectTimeout;
    this.readTimeout = context.readTimeout;
    this.maxRedirects = context.maxRedirects;
    this.maxResponseSize = context.maxResponseSize;
    this.maxBufferedSize = context.maxBufferedSize;
  }

  /**
   * An `AbortSignal` that aborts with the exchange, for the waits that take
   * one (a slot, a backoff). Made on first use: most requests never wait.
   */
  get signal(): AbortSignal {
    let controller = this.controller;
    if (controller === undefined) {
      controller = this.controller = new AbortController();
      if (this.aborted) controller.abort(this.reason);
    }
    return controller.signal;
  }

  /** Arms the total timeout (0: none) and follows the caller's signal. */
  start(total: number, signal: AbortSignal | undefined): void {
    if (total > 0) {
      // The exchange is its own timer (as aio's Timeout is): no handle and no
      // closure per request, which counts when thousands wait for a slot.
      const loop = loopOf();
      this.timerLoop = loop;
      this.total = total;
      this.due = loop.now() + total;
      loop.addTimer(this);
    }
    if (signal !== undefined) {
      if (signal.aborted) this.abort(signal.reason);
      else {
        this.userSignal = signal;
        this.onUserAbort = () => this.abort(signal.reason);
        signal.addEventListener("abort", this.onUserAbort);
      }
    }
  }

  /** @internal The total timeout is due: expire on the loop's queue, outside any task. */
  fire(): void {
    (this.timerLoop as Loop)._enqueue(this);
  }

  /** @internal */
  run(): void {
    if (this.timerLoop === undefined) return; // finished meanwhile
    this.timerLoop = undefined;
    this.abort(new HttpTimeoutError("total", this.total, this.details()));
  }

  /** Stops whatever is under way with `reason`; the first reason wins. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    this.waiting?.abort(reason);
    this.attempt?.abort(reason);
  }

  /** @internal undici dispatches a hop of the current attempt (see redirect-hops.ts). */
  hop(origin: string, path: string): void {
    this.attempt?.hopped(origin, path);
  }

  /**
   * `error` as the error to throw: an `HttpError`, a `CancelledError`, or the
   * caller's abort reason. After a redirect, the message names the hop that
   * failed (its origin, and its URL), not the first one.
   */
  translate(error: unknown): unknown {
    const hop = this.attempt?.redirectedTo;
    return translateError(
      error,
      hop === undefined ? this : this.hopContext(hop),
      this.aborted ? this.reason : undefined,
    );
  }

  /** The error context of a redirect hop (made only on the way to an error). */
  private hopContext(hop: URL): ErrorContext {
    return {
      method: this.method,
      url: this.url,
      attempts: this.attempts,
      status: this.status,
      origin: hop.origin,
      hostname: hop.hostname,
      connectTimeout: this.connectTimeout,
      readTimeout: this.readTimeout,
      maxRedirects: this.maxRedirects,
      maxResponseSize: this.maxResponseSize,
      redirectedTo: hop.href,
    };
  }

  details(cause?: unknown): HttpErrorDetails {
    return { url: this.url, method: this.method, attempts: this.attempts, status: this.status, cause };
  }

  /** Aborts the exchange because a body read whole went over `maxBufferedSize`. */
  tooLargeToBuffer(): void {
    this.abort(new HttpResponseTooLargeError(this.maxBufferedSize, this.details(), "maxBufferedSize"));
  }

  /** The error `session.close()` aborts the exchange with. */
  closedError(): HttpError {
    return new HttpError(
      `the session was closed while the request was in flight (${describeRequest(this)})`,
      this.details(),
      "ERR_AIO_HTTP_SESSION_CLOSED",
    );
  }

  /** Someone started reading (or released) the body: no auto-release from now on. */
  claimed(): void {
    this.owner?.delete(this);
    this.owner = undefined;
  }

  /** Whether a response was handed out and nobody has started reading its body. */
  unread(): boolean {
    return !this.finished && this.attempt?.bodyState === UNREAD;
  }

  /** Releases the body if nobody started reading it: the task that made it ended, or the response was collected. */
  autoRelease(): void {
    const attempt = this.attempt;
    if (attempt !== undefined && attempt.bodyState === UNREAD) attempt.release();
  }

  /** An attempt is over; the exchange ends with the one handed out as the response. */
  attemptOver(attempt: ExchangeAttempt): void {
    if (this.responded && attempt === this.attempt) this.finish();
  }

  /** The request is over (its body read or released, or it failed): gives everything back. Idempotent. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const loop = this.timerLoop;
    if (loop !== undefined) {
      this.timerLoop = undefined;
      loop.removeTimer(this);
    }
    if (this.onUserAbort !== undefined) this.userSignal?.removeEventListener("abort", this.onUserAbort);
    this.userSignal = this.onUserAbort = undefined;
    this.claimed();
    if (this.registered) finishWatched?.(this);
    this.session._exchangeDone(this);
  }
}
