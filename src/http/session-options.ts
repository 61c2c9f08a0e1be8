import { argumentError } from "../core/index.ts";
import type { RequestHeaders } from "./request-options.ts";
import type { RetryOptions, RetryPolicy } from "./retry.ts";
import type { ClientTimeout } from "./timeouts.ts";

/** The options of a `ClientSession`; every one has a default. */
export interface ClientSessionOptions {
  /**
   * The URL that relative request URLs resolve against, as `new URL(url,
   * baseUrl)` does. Its path must end with `/`: with `http://api/v1/`,
   * `users` is `http://api/v1/users` (and `/users` is `http://api/users`).
   */
  baseUrl?: string | URL | undefined;
  /** Headers sent with every request (a request's own headers win). */
  headers?: RequestHeaders | undefined;
  /**
   * The most requests holding a connection at once, across all hosts
   * (aiohttp's `limit`). A request holds it from the moment it is sent until
   * its body is read or released. 0 or `Infinity`: no limit. Default 100.
   */
  limit?: number | undefined;
  /** The same, per origin (aiohttp's `limit_per_host`). 0: no cap beyond `limit`. Default 0. */
  limitPerHost?: number | undefined;
  /** Timeouts, in ms: `total` (default 5 min, including the wait for a connection), `pool`, `connect`, `read`. */
  timeout?: ClientTimeout | undefined;
  /**
   * The retry policy: a `RetryPolicy`, or options laid over the default one;
   * `false` turns retrying off. Default `RetryPolicy.default`: 3 attempts for
   * idempotent methods, on 429/502/503/504 and transient failures.
   */
  retry?: false | RetryOptions | RetryPolicy | undefined;
  /** Throw `HttpStatusError` for every status of 400 or more. Default `false`. */
  raiseForStatus?: boolean | undefined;
  /** How many redirects to follow; 0 returns 3xx responses as they are. Default 10 (aiohttp's). */
  maxRedirects?: number | undefined;
  /** The largest response body accepted, in bytes, as sent and once decompressed, however it is read. Default: no limit. */
  maxResponseSize?: number | undefined;
  /**
   * The largest body `bytes()`, `text()` and `json()` hold in memory, in
   * bytes, once decompressed: a ceiling against decompression bombs (1 MB of
   * gzip can be 1 GiB of zeros). A body over it fails the read with
   * `HttpResponseTooLargeError` (`option: "maxBufferedSize"`). Streaming reads
   * (`response.body`, `stream()`) are not bounded by it. `null` or `Infinity`
   * lifts it. Default 64 MiB.
   */
  maxBufferedSize?: number | null | undefined;
  /** Ask for compressed bodies (`accept-encoding: gzip, deflate, br`) and decompress them. Default `true`. */
  decompress?: boolean | undefined;
}

/** What `ClientSession.statistics()` returns. */
export interface ClientSessionStatistics {
  /** Requests started since the session was made (retries not counted). */
  requests: number;
  /** Requests holding a connection slot: sent, and their body not yet read or released. */
  inFlight: number;
  /** Requests waiting for a free slot under `limit` or `limitPerHost`. */
  queued: number;
  /** Retries made since the session was made. */
  retries: number;
  /** Open connections, by origin (undici's pools). */
  connectionsPerHost: Record<string, number>;
  /** Origins that asked to be left alone (`Retry-After`), with the ms left. */
  retryAfter: Record<string, number>;
}

/** What a decompressing session asks for (aiohttp's, with brotli). */
export const ACCEPT_ENCODING = "gzip, deflate, br";
/** An HTTP method: a token (RFC 9110). */
export const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The default of `maxBufferedSize`: 64 MiB. */
export const DEFAULT_MAX_BUFFERED_SIZE = 64 * 1024 * 1024;

/** A byte ceiling: a positive integer, or `null`/`Infinity` for none (returned as `Infinity`); `fallback` when absent. */
export function checkCeiling(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === null || value === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw argumentError(name, "a positive integer, or null or Infinity for no limit", value);
  }
  return value as number;
}

/** A count option: a non-negative integer or `Infinity`, `fallback` when absent. */
export function checkCount(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY) return value;
  if (!Number.isInteger(value) || (value as number) < 0) {
    throw argumentError(name, "a non-negative integer or Infinity", value);
  }
  return value as number;
}

/** The `baseUrl` option: an absolute http(s) URL whose path ends with `/`. */
export function checkBaseUrl(value: unknown): URL | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" && !(value instanceof URL)) throw argumentError("baseUrl", "a string or a URL", value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw argumentError("baseUrl", "an absolute http: or https: URL", value);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw argumentError("baseUrl", "an absolute http: or https: URL", value);
  }
  if (!url.pathname.endsWith("/")) {
    throw argumentError("baseUrl", "a URL whose path ends with `/` (relative URLs resolve against it)", value);
  }
  return url;
}
