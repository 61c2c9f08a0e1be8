/**
 * The errors of `aio-ts/http`: one `HttpError` family, each with a stable
 * `code`, the request's method and URL, and how many attempts were made.
 *
 * Cancellation is never one of them: a cancelled request throws the task's
 * `CancelledError`, unwrapped.
 */
import { AioError, brandClass } from "../core/index.ts";

/** What every `HttpError` knows about the request that failed. */
export interface HttpErrorDetails {
  /** The request's URL (with its query string). */
  url: string;
  /** The request's method, upper-case. */
  method: string;
  /** How many times the request was sent (1 when it was not retried). */
  attempts: number;
  /** The response's status, when a response arrived. */
  status?: number | undefined;
  /** The underlying error (from undici or Node), when there is one. */
  cause?: unknown;
  /** The URL of the redirect hop under way when the request failed, if it had been redirected (messages only). */
  redirectedTo?: string | undefined;
}

/**
 * `GET http://host/path`, with the number of attempts when there were
 * several, and the URL of the redirect hop that failed: the tail of every message.
 */
export function describeRequest(details: HttpErrorDetails): string {
  const attempts = details.attempts > 1 ? `, ${details.attempts} attempts` : "";
  const hop = details.redirectedTo === undefined ? "" : `, redirected to ${details.redirectedTo}`;
  return `${details.method} ${details.url}${attempts}${hop}`;
}

/**
 * The base class of every error a `ClientSession` throws, except
 * `CancelledError` (cancellation stays a cancellation) and bad-argument
 * `TypeError`s.
 *
 * Its subclasses say what went wrong: `HttpStatusError`, `HttpConnectError`,
 * `HttpTimeoutError`, `HttpTooManyRedirectsError`, `HttpRedirectError`,
 * `HttpResponseTooLargeError`.
 * A plain `HttpError` is thrown for the rest, such as a request cut short by
 * `session.close()` (`code` `ERR_AIO_HTTP_SESSION_CLOSED`) or a malformed
 * response (`ERR_AIO_HTTP_PROTOCOL`).
 *
 * @example
 * ```ts
 * import { ClientSession, HttpError } from "aio-ts/http";
 * await using session = new ClientSession();
 * try { await session.get("http://127.0.0.1:9/"); }
 * catch (e) { if (e instanceof HttpError) console.error(e.code, e.method, e.url, e.attempts); else throw e; }
 * ```
 */
export class HttpError extends AioError {
  /** The request's URL (with its query string). */
  readonly url: string;
  /** The request's method, upper-case. */
  readonly method: string;
  /** How many times the request was sent. */
  readonly attempts: number;
  /** The response's status, when a response arrived. */
  readonly status: number | undefined;

  constructor(message: string, details: HttpErrorDetails, code = "ERR_AIO_HTTP") {
    super(message, { cause: details.cause, code });
    this.url = details.url;
    this.method = details.method;
    this.attempts = details.attempts;
    this.status = details.status;
  }
}
brandClass(HttpError, "HttpError");

/** What `HttpStatusError` adds to `HttpErrorDetails`. */
export interface HttpStatusErrorDetails extends HttpErrorDetails {
  /** The response's status code, 400 or more. */
  status: number;
  /** The status line's reason phrase (`"Not Found"`), empty if the server sent none. */
  statusText: string;
  /** The response's headers: lower-case names; a repeated header is an array. */
  headers: Readonly<Record<string, string | string[]>>;
}

/**
 * A response with a status of 400 or more, raised by
 * `response.raiseForStatus()` or by a session or request with
 * `raiseForStatus: true` (aiohttp's `ClientResponseError`). The body was
 * released before it was thrown; its status line and headers are kept.
 *
 * @example
 * ```ts
 * import { ClientSession, HttpStatusError } from "aio-ts/http";
 * await using session = new ClientSession({ raiseForStatus: true });
 * try { await session.get("http://127.0.0.1:8080/status/404"); }
 * catch (e) { if (e instanceof HttpStatusError && e.status === 404) console.log("not found"); else throw e; }
 * ```
 */
export class HttpStatusError extends HttpError {
  declare readonly status: number;
  /** The status line's reason phrase, such as `Not Found`. */
  readonly statusText: string;
  /** The response's headers (lower-case names). */
  readonly headers: Readonly<Record<string, string | string[]>>;

  constructor(details: HttpStatusErrorDetails) {
    const reason = details.statusText === "" ? "" : ` ${details.statusText}`;
    super(`HTTP ${details.status}${reason} from ${describeRequest(details)}`, details, "ERR_AIO_HTTP_STATUS");
    this.statusText = details.statusText;
    this.headers = details.headers;
  }
}
brandClass(HttpStatusError, "HttpStatusError");

/** Why a connection failed: what `HttpConnectError.kind` says. */
export type HttpConnectErrorKind = "refused" | "reset" | "dns" | "tls" | "closed" | "other";

/**
 * The connection to the server could not be made or was lost: refused, reset,
 * closed before the response was complete, a DNS failure or a TLS failure.
 * `kind` says which; the message names the origin and the system error code,
 * e.g. `connection refused to http://127.0.0.1:9: ECONNREFUSED`.
 *
 * @example
 * ```ts
 * import { ClientSession, HttpConnectError } from "aio-ts/http";
 * await using session = new ClientSession();
 * try { await session.get("http://127.0.0.1:9/"); }
 * catch (e) { if (e instanceof HttpConnectError) console.error(e.kind, e.message); else throw e; }
 * ```
 */
export class HttpConnectError extends HttpError {
  /** `refused`, `reset`, `dns`, `tls`, `closed` (by the server, mid-response) or `other`. */
  readonly kind: HttpConnectErrorKind;

  constructor(message: string, kind: HttpConnectErrorKind, details: HttpErrorDetails) {
    super(message, details, "ERR_AIO_HTTP_CONNECT");
    this.kind = kind;
  }
}
brandClass(HttpConnectError, "HttpConnectError");

/** Which timeout expired: what `HttpTimeoutError.kind` says. */
export type HttpTimeoutKind = "total" | "connect" | "read" | "pool";

/**
 * A timeout of the request expired, and the request was aborted (its socket
 * destroyed). `kind` says which one: `total` (the whole operation, from the
 * call until the body was read, including the wait for a free connection),
 * `pool` (the wait for a free connection alone), `connect` (the TCP/TLS
 * connect) or `read` (no data from the server for too long). `ms` is the
 * limit that expired.
 *
 * It is not aio's `TimeoutError`, which `waitFor` and `timeout` throw: an
 * HTTP timeout is a failure of the request, an `HttpError`.
 *
 * @example
 * ```ts
 * import { ClientSession, HttpTimeoutError } from "aio-ts/http";
 * await using session = new ClientSession({ timeout: { total: 5000 } });
 * try { await (await session.get("http://127.0.0.1:8080/delay/10")).text(); }
 * catch (e) { if (e instanceof HttpTimeoutError) console.error(`${e.kind} timeout`); else throw e; }
 * ```
 */
export class HttpTimeoutError extends HttpError {
  /** `total`, `pool`, `connect` or `read`. */
  readonly kind: HttpTimeoutKind;
  /** The limit that expired, in ms. */
  readonly ms: number;

  constructor(kind: HttpTimeoutKind, ms: number, details: HttpErrorDetails) {
    super(`${describeTimeout(kind, ms)} (${describeRequest(details)})`, details, "ERR_AIO_HTTP_TIMEOUT");
    this.kind = kind;
    this.ms = ms;
  }
}
brandClass(HttpTimeoutError, "HttpTimeoutError");

function describeTimeout(kind: HttpTimeoutKind, ms: number): string {
  switch (kind) {
    case "total":
      return `total timeout of ${ms} ms expired`;
    case "pool":
      return `pool timeout: no free connection within ${ms} ms`;
    case "connect":
      return `connect timeout: no connection within ${ms} ms`;
    default:
      return `read timeout: no data from the server for ${ms} ms`;
  }
}

/**
 * The server redirected more than `maxRedirects` times (aiohttp's
 * `TooManyRedirects`). `maxRedirects` holds the limit.
 *
 * @example
 * ```ts
 * import { ClientSession, HttpTooManyRedirectsError } from "aio-ts/http";
 * await using session = new ClientSession({ maxRedirects: 3 });
 * try { await session.get("http://127.0.0.1:8080/redirect/5"); }
 * catch (e) { if (e instanceof HttpTooManyRedirectsError) console.error(e.message); else throw e; }
 * ```
 */
export class HttpTooManyRedirectsError extends HttpError {
  /** The limit that was exceeded. */
  readonly maxRedirects: number;

  /** @param loop the redirects lead back to a URL already visited (found before the limit). */
  constructor(maxRedirects: number, details: HttpErrorDetails, loop = false) {
    super(
      loop
        ? `redirect loop: a Location leads back to a URL already visited, from ${describeRequest(details)}`
        : `too many redirects (more than ${maxRedirects}) from ${describeRequest(details)}`,
      details,
      "ERR_AIO_HTTP_TOO_MANY_REDIRECTS",
    );
    this.maxRedirects = maxRedirects;
  }
}
brandClass(HttpTooManyRedirectsError, "HttpTooManyRedirectsError");

/**
 * A redirect that is not followed because its `Location` is not an `http:`
 * or `https:` URL (`file:`, `data:`, `ftp:`...): a client must not read a
 * local file or another protocol because a server said so. The message names
 * the URL that redirected. It is not retried.
 *
 * @example
 * ```ts
 * import { ClientSession, HttpRedirectError } from "aio-ts/http";
 * await using session = new ClientSession();
 * try { await session.get("http://127.0.0.1:8080/redirect-to?url=file:///etc/passwd"); }
 * catch (e) { if (e instanceof HttpRedirectError) console.error(e.code, e.message); else throw e; }
 * ```
 */
export class HttpRedirectError extends HttpError {
  /** @param from the URL whose response redirected. */
  constructor(from: string, details: HttpErrorDetails) {
    super(
      `redirect from ${from} not followed: only http: and https: redirects are followed ` +
        `(${describeRequest({ ...details, redirectedTo: undefined })})`,
      details,
      "ERR_AIO_HTTP_BAD_REDIRECT",
    );
  }
}
brandClass(HttpRedirectError, "HttpRedirectError");

/** The option whose ceiling a body went over: what `HttpResponseTooLargeError.option` says. */
export type HttpSizeOption = "maxResponseSize" | "maxBufferedSize";

/**
 * The response body is larger than a ceiling, and the request was aborted.
 * `option` says which one:
 *
 * - `maxResponseSize` (session): the body as sent (its `Content-Length`, or
 *   the bytes received) or once decompressed, however it is read;
 * - `maxBufferedSize` (session or request, default 64 MiB): the body read
 *   whole into memory by `bytes()`, `text()` or `json()`, once decompressed.
 *   Raise it, lift it with `null`, or read the body as a stream
 *   (`response.body`), which it does not bound.
 *
 * @example
 * ```ts
 * import { ClientSession, HttpResponseTooLargeError } from "aio-ts/http";
 * await using session = new ClientSession({ maxResponseSize: 1024 * 1024 });
 * try { await (await session.get("http://127.0.0.1:8080/bytes/5000000")).bytes(); }
 * catch (e) { if (e instanceof HttpResponseTooLargeError) console.error(e.option, e.limit); else throw e; }
 * ```
 */
export class HttpResponseTooLargeError extends HttpError {
  /** The ceiling that was exceeded, in bytes. */
  readonly limit: number;
  /** The option that set it: `maxResponseSize` or `maxBufferedSize`. */
  readonly option: HttpSizeOption;

  constructor(limit: number, details: HttpErrorDetails, option: HttpSizeOption = "maxResponseSize") {
    super(
      option === "maxBufferedSize"
        ? `response body larger than maxBufferedSize (${limit} bytes), the most bytes(), text() and json() ` +
            `hold in memory, from ${describeRequest(details)}: raise the session's or the request's ` +
            "maxBufferedSize (null lifts it), or read the body as a stream"
        : `response body larger than maxResponseSize (${limit} bytes) from ${describeRequest(details)}`,
      details,
      "ERR_AIO_HTTP_RESPONSE_TOO_LARGE",
    );
    this.limit = limit;
    this.option = option;
  }
}
brandClass(HttpResponseTooLargeError, "HttpResponseTooLargeError");
