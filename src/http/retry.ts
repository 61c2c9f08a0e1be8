/**
 * The retry policy of a `ClientSession`: which failures are retried, and how
 * long to wait before the next attempt.
 *
 * Retries run in the session's own request loop, not in undici's `retry`
 * interceptor, on purpose: that interceptor waits with `setTimeout`, which
 * neither a task's cancellation nor a `VirtualClock` can reach, and it cannot
 * share a `Retry-After` between requests to the same host. Here each wait is
 * a wait on aio's clock that cancellation interrupts at once.
 */
import { argumentError } from "../core/index.ts";
import { HttpConnectError, type HttpError, HttpTimeoutError } from "./errors.ts";

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
  /** The wait between attempts. */
  backoff?: BackoffOptions | undefined;
  /**
   * Honour a `Retry-After` header (seconds, or an HTTP date) on a 429 or 503:
   * the next attempt waits that long instead of the backoff, and so does
   * every other request of the session to the same origin (before its first
   * send too, even with `retry: false`). `false`: this request neither
   * records a `Retry-After` nor waits for one. Default `true`.
   */
  respectRetryAfter?: boolean | undefined;
  /**
   * The longest `Retry-After` to honour, in ms: a longer one is not waited
   * for (the response is returned, or raised). Default 60 000.
   */
  maxRetryAfter?: number | undefined;
}

/** A retry policy with every default filled in. */
export interface RetryPolicy {
  attempts: number;
  statuses: ReadonlySet<number>;
  methods: ReadonlySet<string>;
  base: number;
  max: number;
  jitter: boolean;
  respectRetryAfter: boolean;
  maxRetryAfter: number;
}

/** The defaults: 3 attempts of idempotent requests on 429/502/503/504, backoff from 200 ms up to 10 s. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  attempts: 3,
  statuses: new Set([429, 502, 503, 504]),
  methods: new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"]),
  base: 200,
  max: 10_000,
  jitter: true,
  respectRetryAfter: true,
  maxRetryAfter: 60_000,
});

/** The same policy with retrying off (`retry: false`), keeping `Retry-After` bookkeeping. */
function disabled(base: RetryPolicy): RetryPolicy {
  return { ...base, attempts: 1 };
}

function checkNonNegative(name: string, value: unknown): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw argumentError(name, "a non-negative number of milliseconds", value);
  }
  return value;
}

/** Checks `retry` (from the session or a request) and lays it over `base`. */
export function resolveRetry(base: RetryPolicy, retry: unknown): RetryPolicy {
  if (retry === undefined || retry === true) return base;
  if (retry === false) return disabled(base);
  if (retry === null || typeof retry !== "object") {
    throw argumentError("retry", "false or an object such as { attempts, statuses, backoff }", retry);
  }
  const r = retry as RetryOptions;
  const out: RetryPolicy = { ...base };
  if (r.attempts !== undefined) {
    if (!Number.isInteger(r.attempts) || r.attempts < 1) {
      throw argumentError("retry.attempts", "a positive integer", r.attempts);
    }
    out.attempts = r.attempts;
  }
  if (r.statuses !== undefined) out.statuses = new Set(r.statuses);
  if (r.methods !== undefined) out.methods = new Set([...r.methods].map((m) => String(m).toUpperCase()));
  if (r.backoff !== undefined) {
    const b = r.backoff;
    if (b === null || typeof b !== "object") throw argumentError("retry.backoff", "an object { base, max, jitter }", b);
    if (b.base !== undefined) out.base = checkNonNegative("retry.backoff.base", b.base);
    if (b.max !== undefined) out.max = checkNonNegative("retry.backoff.max", b.max);
    if (b.jitter !== undefined) out.jitter = Boolean(b.jitter);
  }
  if (r.respectRetryAfter !== undefined) out.respectRetryAfter = Boolean(r.respectRetryAfter);
  if (r.maxRetryAfter !== undefined) out.maxRetryAfter = checkNonNegative("retry.maxRetryAfter", r.maxRetryAfter);
  return out;
}

/** The wait before retry number `retry` (1 for the first retry): full jitter under an exponential ceiling. */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  const ceiling = Math.min(policy.max, policy.base * 2 ** (retry - 1));
  return policy.jitter ? Math.random() * ceiling : ceiling;
}

/**
 * Whether a failure before any response arrived may be retried: the
 * connection was refused, reset or closed, or the connect or the wait for
 * the headers timed out. DNS and TLS failures are not (they rarely heal in
 * a second), nor is anything that happened once the body was handed out.
 */
export function isRetryableError(error: HttpError): boolean {
  if (error instanceof HttpConnectError) {
    return error.kind === "refused" || error.kind === "reset" || error.kind === "closed";
  }
  if (error instanceof HttpTimeoutError) return error.kind === "connect" || error.kind === "read";
  return false;
}

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
