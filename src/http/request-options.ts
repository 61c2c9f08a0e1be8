import { Readable } from "node:stream";
import { argumentError } from "../core/index.ts";
import type { RetryOptions, RetryPolicy } from "./retry.ts";
import type { RequestTimeout } from "./timeouts.ts";

/** One query value; arrays repeat the key (`?tag=a&tag=b`), `null` and `undefined` leave it out. */
export type QueryValue = string | number | boolean | bigint;

/** Query parameters: an object, `URLSearchParams`, or `[name, value]` pairs. */
export type Params =
  | URLSearchParams
  | Readonly<Record<string, QueryValue | readonly QueryValue[] | null | undefined>>
  | Iterable<readonly [string, QueryValue]>;

/** Request headers: an object (any case), a `Headers`, a `Map` or `[name, value]` pairs. */
export type RequestHeaders =
  | Readonly<Record<string, string | number | readonly string[] | undefined>>
  | Iterable<readonly [string, string]>;

/**
 * A request body. A string or bytes can be sent again (on a retry or a 307
 * redirect); a stream or an (async) iterable is sent once, so a request with
 * one is never retried.
 */
export type RequestBody =
  | string
  | Uint8Array
  | Readable
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>;

/** The options of one request (`session.get(url, options)`); each overrides the session's. */
export interface RequestOptions {
  /** Query parameters, appended to those already in the URL. */
  params?: Params | undefined;
  /** Headers, laid over the session's (names compared without case). */
  headers?: RequestHeaders | undefined;
  /** A value sent as JSON, with `content-type: application/json` unless a content type is given. */
  json?: unknown;
  /** The body (not with `json`). */
  body?: RequestBody | undefined;
  /** This request's timeouts, laid over the session's (all but `connect`). */
  timeout?: RequestTimeout | undefined;
  /** This request's retry policy: a `RetryPolicy` replaces the session's, options are laid over it; `false` turns retrying off. */
  retry?: false | RetryOptions | RetryPolicy | undefined;
  /** Throw `HttpStatusError` for a status of 400 or more. */
  raiseForStatus?: boolean | undefined;
  /** How many redirects to follow; 0 returns the 3xx response itself. */
  maxRedirects?: number | undefined;
  /**
   * The largest body `bytes()`, `text()` and `json()` hold in memory, once
   * decompressed, laid over the session's (default 64 MiB); `null` or
   * `Infinity` lifts it. Streaming reads are not bounded by it.
   */
  maxBufferedSize?: number | null | undefined;
  /** Decompress a gzip, deflate, br or zstd body. */
  decompress?: boolean | undefined;
  /** Aborts the request (at any point, body included) when it aborts; the request throws the signal's reason. */
  signal?: AbortSignal | undefined;
}

/** Lower-case header names and string values, as undici takes them. */
export type HeaderRecord = Record<string, string | string[]>;

/** Checks headers and returns them with lower-case names (laid over `base`, if given). */
export function normalizeHeaders(headers: unknown, base?: HeaderRecord): HeaderRecord {
  const out: HeaderRecord = base === undefined ? {} : { ...base };
  if (headers === undefined || headers === null) return out;
  if (typeof headers !== "object")
    throw argumentError("headers", "an object, a Headers or [name, value] pairs", headers);
  const entries: Iterable<readonly [string, unknown]> =
    Symbol.iterator in headers
      ? (headers as Iterable<readonly [string, unknown]>)
      : Object.entries(headers as Record<string, unknown>);
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    const key = String(name).toLowerCase();
    out[key] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}

function appendParam(search: URLSearchParams, name: string, value: unknown): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const v of value) appendParam(search, name, v);
    return;
  }
  if (typeof value === "object" || typeof value === "function" || typeof value === "symbol") {
    throw argumentError(`params.${name}`, "a string, number, boolean or bigint (or an array of them)", value);
  }
  search.append(name, String(value));
}

/** The request's URL: `url` resolved against `baseUrl`, with `params` appended. */
export function buildUrl(url: unknown, baseUrl: URL | undefined, params: unknown): URL {
  if (typeof url !== "string" && !(url instanceof URL)) throw argumentError("url", "a string or a URL", url);
  let parsed: URL;
  try {
    parsed = baseUrl === undefined ? new URL(url) : new URL(url, baseUrl);
  } catch {
    throw argumentError("url", baseUrl === undefined ? "an absolute URL (or set `baseUrl`)" : "a valid URL", url);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw argumentError("url", "an http: or https: URL", url);
  }
  if (params !== undefined && params !== null) {
    if (typeof params !== "object") throw argumentError("params", "an object, URLSearchParams or pairs", params);
    const entries: Iterable<readonly [string, unknown]> =
      Symbol.iterator in params
        ? (params as Iterable<readonly [string, unknown]>)
        : Object.entries(params as Record<string, unknown>);
    for (const [name, value] of entries) appendParam(parsed.searchParams, String(name), value);
  }
  return parsed;
}

/** A body as undici takes it, and whether it can be sent again. */
export interface PreparedBody {
  body: string | Uint8Array | Readable | undefined;
  replayable: boolean;
  contentType: string | undefined;
}

const NO_BODY: PreparedBody = { body: undefined, replayable: true, contentType: undefined };

/** Checks `json` and `body` and turns them into what undici sends. */
export function prepareBody(json: unknown, body: unknown): PreparedBody {
  if (json !== undefined) {
    if (body !== undefined) throw new TypeError("Expected either `json` or `body`, got both");
    const text = JSON.stringify(json);
    if (text === undefined) throw argumentError("json", "a JSON-serialisable value", json);
    return { body: text, replayable: true, contentType: "application/json" };
  }
  if (body === undefined || body === null) return NO_BODY;
  if (typeof body === "string" || body instanceof Uint8Array) return { body, replayable: true, contentType: undefined };
  if (body instanceof Readable) return { body, replayable: false, contentType: undefined };
  if (body instanceof ReadableStream) {
    return {
      body: Readable.fromWeb(body as import("node:stream/web").ReadableStream),
      replayable: false,
      contentType: undefined,
    };
  }
  if (typeof body === "object" && (Symbol.asyncIterator in body || Symbol.iterator in body)) {
    return {
      body: Readable.from(body as AsyncIterable<Uint8Array | string>, { objectMode: false }),
      replayable: false,
      contentType: undefined,
    };
  }
  throw argumentError("body", "a string, Uint8Array, Readable, ReadableStream or (async) iterable", body);
}
