import {
  argumentError,
  current,
  ensureFuture,
  InvalidStateError,
  isCancelledError,
  loopOf,
  now,
} from "../core/index.ts";
import { Attempt } from "./attempt.ts";
import { ClientResponse } from "./client-response.ts";
import { ConnectionLimits, type Slot, WaitHandle } from "./connection-limits.ts";
import { HttpError, HttpTimeoutError } from "./errors.ts";
import { Exchange, type ExchangeOwner } from "./exchange.ts";
import { HostGate } from "./host-gate.ts";
import { HOP_OBSERVER, redirectHops } from "./interceptors/redirect-hops.ts";
import { responseSizeLimit } from "./interceptors/response-size-limit.ts";
import { type CancelQueued, QUEUED_ABORT } from "./queued-abort.ts";
import {
  buildUrl,
  type HeaderRecord,
  normalizeHeaders,
  type PreparedBody,
  prepareBody,
  type RequestOptions,
} from "./request-options.ts";
import { RetryPolicy } from "./retry.ts";
import {
  ACCEPT_ENCODING,
  type ClientSessionOptions,
  type ClientSessionStatistics,
  checkBaseUrl,
  checkCeiling,
  checkCount,
  DEFAULT_MAX_BUFFERED_SIZE,
  TOKEN,
} from "./session-options.ts";
import { sleepOrAbort } from "./sleep-or-abort.ts";
import { DEFAULT_TIMEOUT, type ResolvedTimeout, resolveTimeout } from "./timeouts.ts";
import { Agent, assertRealUndici, type Dispatcher, interceptors } from "./undici.ts";

/** One request's settings, the session's with the request's laid over them. */
interface Prepared {
  method: string;
  url: URL;
  headers: HeaderRecord;
  body: PreparedBody;
  timeout: ResolvedTimeout;
  retry: RetryPolicy;
  raiseForStatus: boolean;
  maxRedirects: number;
  maxBufferedSize: number;
  dispatcher: Dispatcher;
  signal: AbortSignal | undefined;
}

// ── The session ──

/**
 * An HTTP client with a pool of connections, aiohttp's `ClientSession` on
 * undici: make one per program (or per API), share it between tasks, close
 * it at the end (`await using`).
 *
 * What it adds to undici's `request()`:
 *
 * - **Cancellation reaches the socket.** Cancelling the task that waits
 *   (directly, or through `waitFor`, `timeout`, a `TaskGroup`) aborts the
 *   request at once, at any stage: waiting for a slot, connecting, waiting
 *   for headers, reading the body. The socket is destroyed; nothing keeps
 *   running. `waitFor(session.get(url), 3000)` really stops the request.
 * - **Limits.** `limit` caps the requests holding a connection across all
 *   hosts, `limitPerHost` per origin; the others wait their turn (first
 *   come, first served).
 * - **Timeouts** on aiohttp's model: `total` (the whole operation, body and
 *   wait for a slot included), `pool`, `connect`, `read`. See `ClientTimeout`.
 * - **Retries** of idempotent requests on 429/502/503/504, resets and
 *   timeouts, with exponential backoff and full jitter; `Retry-After` is
 *   honoured and shared by every request to that origin. See `RetryOptions`.
 * - **No leaked connection.** A body never read is released when the task
 *   that made the request ends, or when the response is garbage-collected.
 * - **Errors that say what happened**: the `HttpError` family.
 *
 * Built by composition on undici: an `Agent` (one pool per origin, sized by
 * the limits), undici's `redirect` and `decompress` interceptors, a small
 * `responseSizeLimit` interceptor of aio's, and a dispatch handler per
 * attempt that receives the response into an aio-native body buffer.
 *
 * The examples of `aio-ts/http` talk to the test server that `npx aio serve`
 * starts on `http://127.0.0.1:8080` (or `serve()` from this module).
 *
 * @example
 * ```ts
 * import { gather, run } from "aio-ts";
 * import { ClientSession } from "aio-ts/http";
 *
 * await run(async () => {
 *   await using session = new ClientSession({ limit: 10, timeout: { total: 10_000 } });
 *   const pages = await gather(
 *     ...["/get", "/ip", "/uuid"].map((path) => async () => {
 *       const response = await session.get(`http://127.0.0.1:8080${path}`);
 *       return response.text();
 *     }),
 *   );
 *   console.log(`Downloaded ${pages.length} pages concurrently`);
 * });
 * ```
 */
export class ClientSession implements AsyncDisposable, ExchangeOwner {
  private readonly agent: Agent;
  /** The agent with redirects and the size limit, and the same plus decompression. */
  private readonly plain: Dispatcher;
  private readonly decoding: Dispatcher;
  private readonly baseUrl: URL | undefined;
  /** The session's headers (lower-case), without and with the default `accept-encoding`. */
  private readonly baseHeaders: HeaderRecord;
  private readonly encodingHeaders: HeaderRecord;
  private readonly timeout: ResolvedTimeout;
  private readonly retry: RetryPolicy;
  private readonly raise: boolean;
  private readonly maxRedirects: number;
  private readonly maxResponseSize: number;
  private readonly maxBufferedSize: number;
  private readonly decompress: boolean;
  private readonly limits: ConnectionLimits;
  private readonly gate = new HostGate();
  /** Requests under way (waiting, sent, or with a body not yet read): what `close()` aborts. */
  private live: Exchange | undefined = undefined;
  private requests = 0;
  private retries = 0;
  private closing: Promise<void> | undefined = undefined;

  /**
   * @throws TypeError if an option is invalid, e.g. ``Expected `limit` to be a non-negative integer or Infinity, got `-1` (number)``.
   * @throws {AioError} `ERR_AIO_UNSUPPORTED_RUNTIME` if the runtime replaced undici with a built-in module of its own.
   */
  constructor(options: ClientSessionOptions = {}) {
    if (options === null || typeof options !== "object") throw argumentError("options", "an object", options);
    assertRealUndici();
    this.baseUrl = checkBaseUrl(options.baseUrl);
    const limit = checkCount("limit", options.limit, 100);
    const perHost = checkCount("limitPerHost", options.limitPerHost, 0);
    const globalLimit = limit === 0 ? Number.POSITIVE_INFINITY : limit;
    const hostLimit = perHost === Number.POSITIVE_INFINITY ? 0 : perHost;
    this.limits = new ConnectionLimits(globalLimit, hostLimit);
    this.timeout = resolveTimeout(DEFAULT_TIMEOUT, options.timeout, true);
    this.retry = RetryPolicy.default.with(options.retry);
    this.raise = Boolean(options.raiseForStatus);
    this.maxRedirects = checkCount("maxRedirects", options.maxRedirects, 10);
    const maxSize = checkCount("maxResponseSize", options.maxResponseSize, Number.POSITIVE_INFINITY);
    this.maxResponseSize = maxSize === 0 ? Number.POSITIVE_INFINITY : maxSize;
    this.maxBufferedSize = checkCeiling("maxBufferedSize", options.maxBufferedSize, DEFAULT_MAX_BUFFERED_SIZE);
    this.decompress = options.decompress ?? true;
    this.baseHeaders = normalizeHeaders(options.headers);
    this.encodingHeaders =
      "accept-encoding" in this.baseHeaders
        ? this.baseHeaders
        : { ...this.baseHeaders, "accept-encoding": ACCEPT_ENCODING };

    const limited = Number.isFinite(this.maxResponseSize);
    // One pool per origin, never wider than the caps: then undici's own
    // queue stays empty, and our semaphores decide who goes first.
    const connections = hostLimit > 0 ? hostLimit : Number.isFinite(globalLimit) ? globalLimit : null;
    this.agent = new Agent({
      connections,
      connectTimeout: this.timeout.connect,
      headersTimeout: this.timeout.read,
      bodyTimeout: this.timeout.read,
      maxResponseSize: limited ? this.maxResponseSize : -1,
    });
    // redirectHops inside redirect: it sees every hop's dispatch, so errors can name the origin that failed.
    const chain: Dispatcher.DispatcherComposeInterceptor[] = [
      redirectHops(),
      interceptors.redirect({ throwOnMaxRedirect: true }),
    ];
    if (limited) chain.push(responseSizeLimit(this.maxResponseSize));
    this.plain = this.agent.compose(chain);
    this.decoding = this.plain.compose(
      interceptors.decompress({ skipErrorResponses: false, maxSize: limited ? this.maxResponseSize : 0 }),
    );
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  // ── Requests ──

  /**
   * Sends a GET request; see `request()`.
   *
   * **Cancel safety:** as `request()`: a cancelled call leaves no request running and no connection held.
   */
  get(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request("GET", url, options);
  }

  /**
   * Sends a POST request (not retried unless `retry.methods` says so); see `request()`.
   *
   * **Cancel safety:** as `request()`.
   */
  post(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request("POST", url, options);
  }

  /**
   * Sends a PUT request; see `request()`.
   *
   * **Cancel safety:** as `request()`.
   */
  put(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request("PUT", url, options);
  }

  /**
   * Sends a PATCH request (not retried unless `retry.methods` says so); see `request()`.
   *
   * **Cancel safety:** as `request()`.
   */
  patch(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request("PATCH", url, options);
  }

  /**
   * Sends a DELETE request; see `request()`.
   *
   * **Cancel safety:** as `request()`.
   */
  delete(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request("DELETE", url, options);
  }

  /**
   * Sends a HEAD request (its response has no body); see `request()`.
   *
   * **Cancel safety:** as `request()`.
   */
  head(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request("HEAD", url, options);
  }

  /**
   * Sends a request and resolves with its response once the status and
   * headers have arrived (after redirects and retries); read the body from
   * the response.
   *
   * In order: wait while the origin asked to be left alone (`Retry-After`),
   * take a connection slot (`limit`, `limitPerHost`), send, follow
   * redirects; on a retryable status or failure, wait (backoff or
   * `Retry-After`) and try again. The total timeout runs from this call until
   * the body has been read.
   *
   * **Cancel safety:** cancelling the calling task (or a `waitFor`/`timeout`
   * around the call) stops the request at once, wherever it is: no slot is
   * held, the socket of a request in flight is destroyed, and the call
   * throws the `CancelledError` itself, never an `HttpError`. The same holds
   * for the request's `signal`, whose reason is thrown.
   *
   * @param method an HTTP method (`GET`, `POST`...), any case.
   * @param url an absolute URL, or one relative to `baseUrl`.
   * @throws TypeError (synchronously) if an argument is invalid.
   * @throws InvalidStateError (synchronously, `ERR_AIO_HTTP_SESSION_CLOSED`) if the session is closed.
   * @throws HttpConnectError if the connection failed (refused, reset, DNS, TLS) on the last attempt.
   * @throws HttpTimeoutError if a timeout expired.
   * @throws HttpStatusError for a status of 400 or more, with `raiseForStatus`.
   * @throws HttpTooManyRedirectsError, HttpResponseTooLargeError, HttpError for the rest.
   *
   * @example
   * ```ts
   * import { ClientSession } from "aio-ts/http";
   * await using session = new ClientSession({ baseUrl: "http://127.0.0.1:8080/" });
   * const response = await session.request("POST", "anything", { json: { name: "aio" }, params: { v: 2 } });
   * console.log(response.status, await response.json());
   * ```
   */
  request(method: string, url: string | URL, options: RequestOptions = {}): Promise<ClientResponse> {
    if (this.closing !== undefined) {
      throw new InvalidStateError("ClientSession is closed: make a new one to send more requests", {
        code: "ERR_AIO_HTTP_SESSION_CLOSED",
      });
    }
    return this.send(this.prepare(method, url, options));
  }

  private prepare(method: string, url: string | URL, options: RequestOptions): Prepared {
    if (typeof method !== "string" || !TOKEN.test(method)) throw argumentError("method", "an HTTP method", method);
    if (options === null || typeof options !== "object") throw argumentError("options", "an object", options);
    const upper = method.toUpperCase();
    const target = buildUrl(url, this.baseUrl, options.params);
    const body = prepareBody(options.json, options.body);
    const decompress = options.decompress ?? this.decompress;
    const base = decompress ? this.encodingHeaders : this.baseHeaders;
    let headers = base;
    if (options.headers !== undefined || body.contentType !== undefined) {
      headers = normalizeHeaders(options.headers, base);
      if (body.contentType !== undefined && !("content-type" in headers)) headers["content-type"] = body.contentType;
    }
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal))
      throw argumentError("signal", "an AbortSignal", signal);
    return {
      method: upper,
      url: target,
      headers,
      body,
      timeout: resolveTimeout(this.timeout, options.timeout, false),
      retry: options.retry === undefined ? this.retry : this.retry.with(options.retry),
      raiseForStatus: options.raiseForStatus ?? this.raise,
      maxRedirects: checkCount("maxRedirects", options.maxRedirects, this.maxRedirects),
      maxBufferedSize: checkCeiling("maxBufferedSize", options.maxBufferedSize, this.maxBufferedSize),
      dispatcher: decompress ? this.decoding : this.plain,
      signal,
    };
  }

  /**
   * The request loop. Retries live here rather than in undici's `retry`
   * interceptor: each wait is then on aio's clock (cancellable at once,
   * driven by a `VirtualClock`), and a `Retry-After` can hold back every
   * request to its origin, not only the one that got it.
   */
  private async send(request: Prepared): Promise<ClientResponse> {
    const { url, timeout, retry } = request;
    // Not url.origin: Node's getter builds a URL each time.
    const origin = `${url.protocol}//${url.host}`;
    const exchange = new Exchange(this, {
      method: request.method,
      url: url.href,
      origin,
      hostname: url.hostname,
      connectTimeout: this.timeout.connect,
      readTimeout: timeout.read,
      maxRedirects: request.maxRedirects,
      maxResponseSize: this.maxResponseSize,
      maxBufferedSize: request.maxBufferedSize,
    });
    // An intrusive list, not a Set: O(1) with no hashing, for thousands queued.
    if (this.live !== undefined) {
      exchange.next = this.live;
      this.live.prev = exchange;
    }
    this.live = exchange;
    this.requests++;
    const owner = current();
    exchange.start(timeout.total, request.signal);
    const options = {
      origin,
      path: url.pathname + url.search,
      method: request.method,
      headers: request.headers,
      body: request.body.body ?? null,
      headersTimeout: timeout.read,
      bodyTimeout: timeout.read,
      maxRedirections: request.maxRedirects,
      [HOP_OBSERVER]: exchange,
    } as Dispatcher.DispatchOptions;
    if (QUEUED_ABORT !== undefined) {
      // The same options serve every attempt (and every redirect hop): hand
      // the hook to the attempt under way.
      (options as unknown as Record<symbol, unknown>)[QUEUED_ABORT] = (cancel: CancelQueued) =>
        exchange.attempt?.queued(cancel);
    }
    try {
      for (;;) {
        if (exchange.aborted) throw exchange.translate(exchange.reason);
        exchange.attempts++;
        if (exchange.attempts > 1) this.retries++;
        // A request that does not respect Retry-After is not held back by one either.
        if (retry.respectRetryAfter && this.gate.delay(origin) > 0) await this.gate.wait(origin, exchange.signal);
        const slot = this.limits.tryAcquire(origin) ?? (await this.waitForSlot(exchange, timeout.pool));
        exchange.waiting = undefined;
        const attempt = new Attempt(exchange);
        attempt.slot = slot;
        exchange.attempt = attempt;
        if (exchange.aborted) attempt.abort(exchange.reason);
        else {
          try {
            request.dispatcher.dispatch(options, attempt);
          } catch (error) {
            attempt.onResponseError(null, error as Error);
          }
        }
        try {
          // A future: a cancellation of this task is delivered here at once.
          await attempt.headersReady;
        } catch (error) {
          const failure = exchange.translate(error);
          // Cancelled while undici works: abort it, which destroys the socket.
          if (isCancelledError(failure)) exchange.abort(failure);
          if (failure instanceof HttpError && retry.isRetryableError(failure) && this.mayRetry(exchange, request)) {
            await sleepOrAbort(retry.backoffDelay(exchange.attempts), exchange.signal);
            continue;
          }
          throw failure;
        }
        const status = attempt.status;
        exchange.status = status;
        if (
          (retry.statuses.has(status) || status === 429 || status === 503) &&
          (await this.retryStatus(exchange, request, attempt))
        ) {
          continue;
        }
        const history = attempt.history;
        const finalUrl = history !== undefined && history.length > 0 ? (history.at(-1) as URL).href : url.href;
        exchange.responded = true;
        const response = new ClientResponse(attempt, finalUrl, owner);
        if (request.raiseForStatus && status >= 400) response.raiseForStatus();
        return response;
      }
    } catch (error) {
      // Once a response was handed out, the end of its body finishes the exchange.
      if (!exchange.responded) exchange.finish();
      throw error;
    }
  }

  /** Waits for a slot, within the `pool` timeout if there is one. */
  private waitForSlot(exchange: Exchange, pool: number): Promise<Slot> {
    const handle = new WaitHandle();
    exchange.waiting = handle;
    if (pool <= 0) return this.limits.wait(exchange.origin, handle);
    const timer = loopOf().callLater(pool, () => handle.abort(new HttpTimeoutError("pool", pool, exchange.details())));
    const slot = this.limits.wait(exchange.origin, handle);
    slot.then(
      () => timer.cancel(),
      () => timer.cancel(),
    );
    return slot;
  }

  private mayRetry(exchange: Exchange, request: Prepared): boolean {
    return (
      exchange.attempts < request.retry.attempts &&
      request.retry.methods.has(request.method) &&
      request.body.replayable &&
      !exchange.aborted &&
      this.closing === undefined
    );
  }

  /**
   * Looks at a response's status: records a `Retry-After` for its origin,
   * and if the status is to be retried, discards the body, waits, and says so.
   */
  private async retryStatus(exchange: Exchange, request: Prepared, attempt: Attempt): Promise<boolean> {
    const policy = request.retry;
    const status = attempt.status;
    const retryAfter = policy.retryAfter(attempt);
    if (retryAfter !== undefined) {
      if (retryAfter > policy.maxRetryAfter) return false; // too long: give up now
      this.gate.close(exchange.origin, now() + retryAfter);
    }
    if (!policy.statuses.has(status) || !this.mayRetry(exchange, request)) return false;
    // Drop this attempt's body (and its slot).
    attempt.drop();
    // With a Retry-After, the gate at the top of the loop does the waiting.
    if (retryAfter === undefined) await sleepOrAbort(policy.backoffDelay(exchange.attempts), exchange.signal);
    return true;
  }

  // ── State ──

  /** @internal An exchange is over. */
  _exchangeDone(exchange: Exchange): void {
    const { prev, next } = exchange;
    if (prev !== undefined) prev.next = next;
    else if (this.live === exchange) this.live = next;
    if (next !== undefined) next.prev = prev;
    exchange.prev = exchange.next = undefined;
  }

  /** A snapshot: `{ requests, inFlight, queued, retries, connectionsPerHost, retryAfter }`. */
  statistics(): ClientSessionStatistics {
    const connectionsPerHost: Record<string, number> = {};
    for (const [origin, stats] of Object.entries(this.agent.stats)) {
      const connected = Number(stats.connected); // a pool counts its sockets; a single client says true/false
      if (connected > 0) connectionsPerHost[origin] = connected;
    }
    return {
      requests: this.requests,
      inFlight: this.limits.inFlight,
      queued: this.limits.queued,
      retries: this.retries,
      connectionsPerHost,
      retryAfter: this.gate.snapshot(),
    };
  }

  /**
   * Closes the session: every request under way fails with an `HttpError`
   * (`ERR_AIO_HTTP_SESSION_CLOSED`), bodies not yet read are discarded, and
   * every connection is closed. Later calls return the same wait; new
   * requests throw.
   *
   * **Cancel safety:** if cancelled while waiting, the session is closed
   * anyway; only the wait for the sockets to finish closing is abandoned.
   *
   * @example
   * ```ts
   * import { ClientSession } from "aio-ts/http";
   * const session = new ClientSession();
   * try { await (await session.get("http://127.0.0.1:8080/get")).text(); }
   * finally { await session.close(); }
   * ```
   */
  async close(): Promise<void> {
    if (this.closing === undefined) {
      const all: Exchange[] = [];
      for (let e = this.live; e !== undefined; e = e.next) all.push(e);
      for (const exchange of all) exchange.abort(exchange.closedError());
      this.closing = this.agent.destroy();
    }
    const closing = this.closing;
    await (current() === undefined ? closing : ensureFuture(closing));
  }

  /**
   * Closes the session: `await using session = new ClientSession()`.
   *
   * **Cancel safety:** as `close()`: the session is closed even if the wait is cancelled.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  toString(): string {
    const { inFlight, queued } = this.limits;
    return `<ClientSession ${this.closed ? "closed" : "open"}, ${inFlight} in flight, ${queued} queued>`;
  }
}
