import { argumentError } from "../core/index.ts";

/**
 * The timeouts of a `ClientSession`, in ms, on aiohttp's `ClientTimeout`
 * model. `null` (or 0) turns one off.
 *
 * - `total`: the whole operation, from the call to `get()`/`request()` until
 *   the body has been read in full (`text()`, `json()`, `bytes()`, the end of
 *   the iteration), retries and their backoff included. **It includes the
 *   time spent waiting for a free connection under `limit`**: with
 *   `limit: 10` and 1000 requests started at once, the last ones may spend
 *   most of their `total` in that queue. Bound the queue on its own with
 *   `pool`, or start fewer requests at once. Default 300 000 (5 minutes, as
 *   aiohttp).
 * - `pool`: the wait for a free connection slot (under `limit` and
 *   `limitPerHost`) alone; aiohttp's `connect` covers this and the connect.
 *   Default `null`.
 * - `connect`: establishing the TCP connection, and the TLS handshake for
 *   `https:` (aiohttp's `sock_connect`, undici's `connectTimeout`). Default
 *   30 000. A session-wide setting: it cannot be changed per request.
 * - `read`: the longest wait for the response headers, and the longest gap
 *   between two chunks of the body (aiohttp's `sock_read`, undici's
 *   `headersTimeout` and `bodyTimeout`). Default `null`.
 *
 * When one expires, the request is aborted (its socket destroyed) and an
 * `HttpTimeoutError` with that `kind` is thrown. `total` and `pool` run on
 * aio's clock (so a `VirtualClock` drives them); `connect` and `read` are
 * undici's socket timers, on real time.
 */
export interface ClientTimeout {
  /** The whole operation, waiting for a connection, retries and reading the body included. Default 300 000. */
  total?: number | null | undefined;
  /** The wait for a free connection slot under `limit` and `limitPerHost`, alone. Default `null`. */
  pool?: number | null | undefined;
  /** Establishing the connection (TCP, and TLS for `https:`); session-wide only. Default 30 000. */
  connect?: number | null | undefined;
  /** The wait for the response headers, and the longest gap between two body chunks. Default `null`. */
  read?: number | null | undefined;
}

/** The timeouts a single request can override: all but `connect`, which belongs to the connection pool. */
export type RequestTimeout = Omit<ClientTimeout, "connect">;

/** Timeouts with the defaults filled in; 0 means none. */
export interface ResolvedTimeout {
  total: number;
  pool: number;
  connect: number;
  read: number;
}

/** aiohttp's default total (5 minutes); undici's socket timers are set from `connect` and `read`. */
export const DEFAULT_TIMEOUT: ResolvedTimeout = Object.freeze({ total: 300_000, pool: 0, connect: 30_000, read: 0 });

const KEYS = ["total", "pool", "connect", "read"] as const;

function checkMs(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (value === null) return 0;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw argumentError(name, "a non-negative number of milliseconds or null", value);
  }
  return value === Number.POSITIVE_INFINITY ? 0 : value;
}

/**
 * Checks `timeout` (from the session or a request) and lays it over `base`.
 * `allowConnect` is false for a request's own timeout.
 */
export function resolveTimeout(base: ResolvedTimeout, timeout: unknown, allowConnect: boolean): ResolvedTimeout {
  if (timeout === undefined) return base;
  if (timeout === null || typeof timeout !== "object") {
    throw argumentError("timeout", "an object such as { total, connect, read }", timeout);
  }
  const given = timeout as Record<string, unknown>;
  if (!allowConnect && given.connect !== undefined) {
    throw new TypeError(
      "Expected `timeout.connect` to be set on the ClientSession: the connect timeout belongs to its connection pool, not to one request",
    );
  }
  const out: ResolvedTimeout = { ...base };
  for (const key of KEYS) {
    const ms = checkMs(`timeout.${key}`, given[key]);
    if (ms !== undefined) out[key] = ms;
  }
  return out;
}
