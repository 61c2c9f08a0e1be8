/**
 * The retry policy of `aio-ts/http`: which responses and failures are worth
 * another try, how long to wait before it, and what a `Retry-After` asks for.
 * `ClientSession` retries by it, and a program with a retry loop of its own
 * (a downloader that resumes, a job runner) asks the same object the same
 * questions, so that the two never disagree.
 *
 * Retries run in the session's own request loop, not in undici's `retry`
 * interceptor, on purpose: that interceptor waits with `setTimeout`, which
 * neither a task's cancellation nor a `VirtualClock` can reach, and it cannot
 * share a `Retry-After` between requests to the same host. Here each wait is
 * a wait on aio's clock that cancellation interrupts at once.
 */
import { argumentError, TimeoutError } from "../core/index.ts";
import { HttpConnectError, HttpError, HttpTimeoutError } from "./errors.ts";

/** Exponential backoff with full jitter: attempt n waits a random time in `[0, min(max, base * 2^(n-1)))`. */
export interface BackoffOptions {
  /** The first retry's ceiling, in ms. Default 200. */
  base?: number | undefined;
  /** The ceiling of every wait, in ms. Default 10 000. */
  max?: number | undefined;
  /** Draw each wait at random below its ceiling ("full jitter"). `false` waits the ceiling itself. Default `true`. */
  jitter?: boolean | undefined;
}

/**
 * When and how a request is retried. aiohttp has no retries; these defaults
 * are the common ones (urllib3, aiohttp-retry, Google's client libraries).
 */
export interface RetryOptions {
  /** Total tries, the first included: 3 means up to 2 retries. 1 turns retrying off. Default 3. */
  attempts?: number | undefined;
  /** Statuses that are retried. Default 429, 502, 503, 504. */
  statuses?: Iterable<number> | undefined;
  /**
   * Methods that are retried. Default the idempotent ones: GET, HEAD, PUT,
   * DELETE, OPTIONS, TRACE. POST and PATCH are not, since sending them twice
   * may do the thing twice.
   */
  methods?: Iterable<string> | undefined;
  /**
   * Which failures are transient, worth another try. Default
   * `isTransientError`: timeouts, and connections refused, reset, closed or
   * lost (not DNS or TLS failures), and malformed or cut-off responses. A
   * `ClientSession` asks it only of failures before the response's headers:
   * nothing is retried once part of a body was handed out.
   */
  transient?: ((error: unknown) => boolean) | undefined;
  /** The wait between attempts. */
  backoff?: BackoffOptions | undefined;
  /**
   * Honour a `Retry-After` header (seconds, or an HTTP date) on a 429, a 503
   * or a status in `statuses`: the next attempt waits that long instead of
   * the backoff, and so does every other request of the session to the same
   * origin (before its first send too, even with `retry: false`). `false`:
   * this request neither records a `Retry-After` nor waits for one. Default
   * `true`.
   */
  respectRetryAfter?: boolean | undefined;
  /**
   * The longest `Retry-After` to honour, in ms: a longer one is not waited
   * for (the response is returned, or raised). Default 60 000.
   */
  maxRetryAfter?: number | undefined;
}

/** A response, as far as retrying is concerned: a `ClientResponse`, or anything with a status and headers. */
export interface RetryableResponse {
  /** The HTTP status code. */
  readonly status: number;
  /** The headers, names in lower case (`retry-after`, `date`). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Whether a failure may heal on another try: aio's `TimeoutError` and every
 * `HttpTimeoutError`; an `HttpConnectError` but a DNS or TLS one (they rarely
 * heal in a second); a malformed or cut-off response (`ERR_AIO_HTTP_PROTOCOL`)
 * and a network failure aio could not name (`ERR_AIO_HTTP`). Not a status
 * error, a body over a size limit, a redirect refused or looping, a closed
 * session, a cancellation, or anything that is not an `HttpError`.
 *
 * @example
 * ```ts
 * import { isTransientError, RetryPolicy } from "aio-ts/http";
 * class FlakyUpstreamError extends Error {}
 * const policy = new RetryPolicy({ transient: (e) => isTransientError(e) || e instanceof FlakyUpstreamError });
 * ```
 */
export function isTransientError(error: unknown): boolean {
  if (error instanceof TimeoutError || error instanceof HttpTimeoutError) return true;
  if (error instanceof HttpConnectError) return error.kind !== "dns" && error.kind !== "tls";
  if (!(error instanceof HttpError)) return false;
  // Exactly the plain HttpError codes of the network; subclasses (status, size, redirects) carry their own.
  return error.code === "ERR_AIO_HTTP_PROTOCOL" || error.code === "ERR_AIO_HTTP";
}

function checkNonNegative(name: string, value: unknown): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw argumentError(name, "a non-negative number of milliseconds", value);
  }
  return value;
}

const IDEMPOTENT = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"];

/**
 * A retry policy: which statuses, methods and failures are retried, how many
 * times, the backoff between tries, and how a `Retry-After` is honoured.
 * Immutable; `with()` makes a variant.
 *
 * `ClientSession` takes one as its `retry` option (or the options to make
 * one, laid over the default), and so does each request. A program that
 * retries on its own (with `retry: false` on its requests) asks the policy
 * the same questions the session asks: `isRetryableStatus`,
 * `isRetryableError`, `retryAfter`, `backoffDelay`. What a `Retry-After`
 * asked of an origin, the session itself keeps: with `retry: false` it still
 * records one and holds back that origin's next requests until then.
 *
 * @example
 * ```ts
 * import { sleep } from "aio-ts";
 * import { ClientSession, RetryPolicy } from "aio-ts/http";
 * const policy = new RetryPolicy({ attempts: 5, statuses: [408, 429, 500, 502, 503, 504] });
 * await using session = new ClientSession({ retry: policy });
 * const url = "http://127.0.0.1:8080/status/503";
 *
 * // A loop of one's own, asking the same policy:
 * for (let attempt = 1; ; attempt++) {
 *   const response = await session.get(url, { retry: false });
 *   if (!policy.isRetryableStatus(response.status) || attempt >= policy.attempts) break;
 *   response.release();
 *   await sleep(policy.retryAfter(response) ?? policy.backoffDelay(attempt));
 * }
 * ```
 */
export class RetryPolicy {
  /** The session's default: 3 attempts of idempotent requests on 429/502/503/504 and transient failures. */
  static readonly default: RetryPolicy = new RetryPolicy();

  /** Total tries, the first included. */
  readonly attempts: number;
  /** Statuses retried. */
  readonly statuses: ReadonlySet<number>;
  /** Methods retried (upper-case). */
  readonly methods: ReadonlySet<string>;
  /** Which failures are transient (see `isTransientError`). */
  readonly transient: (error: unknown) => boolean;
  /** The backoff's first ceiling, in ms. */
  readonly base: number;
  /** The backoff's largest ceiling, in ms. */
  readonly max: number;
  /** Whether each wait is drawn at random below its ceiling. */
  readonly jitter: boolean;
  /** Whether a `Retry-After` is honoured (and recorded for its origin). */
  readonly respectRetryAfter: boolean;
  /** The longest `Retry-After` honoured, in ms. */
  readonly maxRetryAfter: number;

  /**
   * @param options laid over `base` (see `RetryOptions`).
   * @param base the policy whose answers the options change; default the built-in defaults (`with()` passes this one).
   * @throws TypeError if an option is invalid, e.g. ``Expected `retry.attempts` to be a positive integer, got `0` (number)``.
   */
  constructor(options: RetryOptions = {}, base?: RetryPolicy) {
    if (options === null || typeof options !== "object") {
      throw argumentError("retry", "false or an object such as { attempts, statuses, backoff }", options);
    }
    const r = options;
    this.attempts = base?.attempts ?? 3;
    this.statuses = base?.statuses ?? new Set([429, 502, 503, 504]);
    this.methods = base?.methods ?? new Set(IDEMPOTENT);
    this.transient = base?.transient ?? isTransientError;
    this.base = base?.base ?? 200;
    this.max = base?.max ?? 10_000;
    this.jitter = base?.jitter ?? true;
    this.respectRetryAfter = base?.respectRetryAfter ?? true;
    this.maxRetryAfter = base?.maxRetryAfter ?? 60_000;
    if (r.attempts !== undefined) {
      if (!Number.isInteger(r.attempts) || r.attempts < 1) {
        throw argumentError("retry.attempts", "a positive integer", r.attempts);
      }
      this.attempts = r.attempts;
    }
    if (r.statuses !== undefined) this.statuses = new Set(r.statuses);
    if (r.methods !== undefined) this.methods = new Set([...r.methods].map((m) => String(m).toUpperCase()));
    if (r.transient !== undefined) {
      if (typeof r.transient !== "function") throw argumentError("retry.transient", "a function", r.transient);
      this.transient = r.transient;
    }
    if (r.backoff !== undefined) {
      const b = r.backoff;
      if (b === null || typeof b !== "object")
        throw argumentError("retry.backoff", "an object { base, max, jitter }", b);
      if (b.base !== undefined) this.base = checkNonNegative("retry.backoff.base", b.base);
      if (b.max !== undefined) this.max = checkNonNegative("retry.backoff.max", b.max);
      if (b.jitter !== undefined) this.jitter = Boolean(b.jitter);
    }
    if (r.respectRetryAfter !== undefined) this.respectRetryAfter = Boolean(r.respectRetryAfter);
    if (r.maxRetryAfter !== undefined) this.maxRetryAfter = checkNonNegative("retry.maxRetryAfter", r.maxRetryAfter);
    Object.freeze(this);
  }

  /**
   * This policy with `options` laid over it; `false` turns retrying off
   * (one attempt) and keeps the rest, `Retry-After` bookkeeping included; a
   * `RetryPolicy` replaces it; `undefined` or `true` returns this one.
   *
   * @throws TypeError if an option is invalid.
   */
  with(options: RetryOptions | RetryPolicy | boolean | undefined): RetryPolicy {
    if (options === undefined || options === true) return this;
    if (options instanceof RetryPolicy) return options;
    if (options === false) return this.attempts === 1 ? this : new RetryPolicy({ attempts: 1 }, this);
    return new RetryPolicy(options, this);
  }

  /** Whether a response with this status is worth another try. */
  isRetryableStatus(status: number): boolean {
    return this.statuses.has(status);
  }

  /** Whether requests of this method (any case) may be retried. */
  isRetryableMethod(method: string): boolean {
    return this.methods.has(method.toUpperCase());
  }

  /** Whether this failure is worth another try (the `transient` option; `isTransientError` by default). */
  isRetryableError(error: unknown): boolean {
    return this.transient(error);
  }

  /** The wait before retry number `retry` (1 for the first retry), in ms: full jitter under an exponential ceiling. */
  backoffDelay(retry: number): number {
    const ceiling = Math.min(this.max, this.base * 2 ** (retry - 1));
    return this.jitter ? Math.random() * ceiling : ceiling;
  }

  /**
   * The wait, in ms, that `response` asks for before the next try: its
   * `Retry-After` (seconds, or an HTTP date measured from its own `Date`), on
   * a 429, a 503 or a status in `statuses`. `undefined` when it has none or
   * an unreadable one, or when `respectRetryAfter` is off. Compare it with
   * `maxRetryAfter`: a longer wait is not meant to be waited for.
   */
  retryAfter(response: RetryableResponse): number | undefined {
    if (!this.respectRetryAfter) return undefined;
    const status = response.status;
    if (status !== 429 && status !== 503 && !this.statuses.has(status)) return undefined;
    const headers = response.headers;
    const value = headers["retry-after"];
    return value === undefined ? undefined : parseRetryAfter(value, headers.date);
  }

  /** A short description for logs: `<RetryPolicy 3 attempts, statuses 429,502,503,504>`. */
  toString(): string {
    return `<RetryPolicy ${this.attempts} attempts, statuses ${[...this.statuses].join(",")}>`;
  }
}

// ── Retry-After ──

const SECONDS = /^\s*(\d+)\s*$/;
const HTTP_DATE = /\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b/i;

/**
 * A `Retry-After` value as a delay in ms, or `undefined` if absent or
 * unreadable. An HTTP date is measured from the response's own `Date`
 * header when it has one (so the two clocks' skew does not matter), else
 * from the wall clock.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  date: string | string[] | undefined,
): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const seconds = SECONDS.exec(text);
  if (seconds !== null) return Number(seconds[1]) * 1000;
  // Every HTTP-date form names its month; Date.parse alone would read "1.5" or "-1" as dates in 2001.
  if (!HTTP_DATE.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  const dateText = Array.isArray(date) ? date[0] : date;
  const sent = dateText === undefined ? Number.NaN : Date.parse(dateText);
  return Math.max(0, at - (Number.isNaN(sent) ? wallClock() : sent));
}

/**
 * The wall-clock time, for an HTTP date only. Loop time (`now()`) is
 * monotonic and unrelated to the calendar, so it cannot be compared with a
 * date a server sent; this is the one place aio's HTTP client reads the
 * calendar, and only when the response carries no `Date` header.
 */
function wallClock(): number {
  // biome-ignore lint/complexity/useDateNow: Date.now() is banned outside the clock (lint/no-date-now.grit); this is a calendar read, not loop time.
  return new Date().getTime();
}
