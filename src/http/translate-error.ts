/**
 * Turns what undici and Node throw into the `HttpError` family, with a
 * message that says what happened and to which origin: never "fetch failed",
 * never a bare "other side closed".
 */
import { asCancelledError } from "../core/index.ts";
import {
  describeRequest,
  HttpConnectError,
  type HttpConnectErrorKind,
  HttpError,
  type HttpErrorDetails,
  HttpRedirectError,
  HttpResponseTooLargeError,
  HttpTimeoutError,
  HttpTooManyRedirectsError,
} from "./errors.ts";

/**
 * What a translation needs to know about the request and the session. After a
 * redirect, `origin`, `hostname` and `redirectedTo` are those of the hop under way.
 */
export interface ErrorContext extends HttpErrorDetails {
  origin: string;
  hostname: string;
  connectTimeout: number;
  readTimeout: number;
  maxRedirects: number;
  maxResponseSize: number;
}

/** The fields an `HttpError` keeps (and its message tells): not the whole context. */
function details(ctx: ErrorContext, cause: unknown): HttpErrorDetails {
  const { url, method, attempts, status, redirectedTo } = ctx;
  return { url, method, attempts, status, cause, redirectedTo };
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|EPROTO$)/;

function codeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/**
 * What went wrong in a TLS error, in words: OpenSSL's `reason` ("wrong
 * version number"), else the first line of the message, without OpenSSL's
 * `error:0A00010B:SSL routines:...:file.c:77:` prefix and trailer.
 *
 * The same words on every runtime: Bun (BoringSSL) gives the reason as a
 * constant, `WRONG_VERSION_NUMBER`; Deno (rustls) has no `reason` and ends
 * its message with OpenSSL's triple, `(SSL routines:ssl3_get_record:wrong
 * version number)`, whose last part is the reason Node gives.
 */
function tlsReason(cause: unknown): string {
  if (!(cause instanceof Error)) return "";
  const reason = (cause as { reason?: unknown }).reason;
  if (typeof reason === "string" && reason !== "") {
    return /^[A-Z0-9_]+$/.test(reason) ? reason.toLowerCase().replaceAll("_", " ") : reason;
  }
  const line = cause.message.split("\n", 1)[0]?.trim() ?? "";
  const triple = /\([^():]+:[^():]*:([^():]+)\)$/.exec(line);
  if (triple?.[1] !== undefined) return triple[1].trim();
  return /:error:[0-9A-F]+:/.test(line) ? "" : line;
}

function connectError(kind: HttpConnectErrorKind, what: string, ctx: ErrorContext, cause: unknown): HttpConnectError {
  return new HttpConnectError(`${what} (${describeRequest(ctx)})`, kind, details(ctx, cause));
}

/** A Node system error (from the socket or DNS), as a connect error. */
function systemError(code: string, ctx: ErrorContext, cause: unknown): HttpError | undefined {
  switch (code) {
    case "ECONNREFUSED":
      return connectError("refused", `connection refused to ${ctx.origin}: ECONNREFUSED`, ctx, cause);
    case "ECONNRESET":
    case "EPIPE":
      return connectError("reset", `connection reset by ${ctx.origin}: ${code}`, ctx, cause);
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
    case "EAI_NONAME":
    case "EAI_NODATA":
      return connectError("dns", `DNS lookup failed for ${ctx.hostname}: ${code}`, ctx, cause);
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EHOSTDOWN":
    case "ENETDOWN":
    case "ECONNABORTED":
    case "EADDRNOTAVAIL":
      return connectError("other", `connection to ${ctx.origin} failed: ${code}`, ctx, cause);
  }
  if (TLS_CODE.test(code)) {
    const detail = tlsReason(cause);
    return connectError(
      "tls",
      `TLS with ${ctx.origin} failed: ${code}${detail === "" ? "" : `: ${detail}`}`,
      ctx,
      cause,
    );
  }
  return undefined;
}

/**
 * The error to throw for `error`, raised while sending the request or
 * reading its response. `abortReason` is the reason the request's own
 * signal was aborted with, if it was: a total or pool timeout, the caller's
 * signal, the session closing, or a cancellation.
 *
 * A cancellation comes back as itself; so does an error that is already an
 * `HttpError`, and the caller's own abort reason.
 */
export function translateError(error: unknown, ctx: ErrorContext, abortReason: unknown): unknown {
  const cancelled = asCancelledError(error);
  if (cancelled !== undefined) return cancelled;
  if (error instanceof HttpError) return error;
  const code = codeOf(error);
  // undici rejects an aborted request with the signal's reason, or with its
  // own RequestAbortedError when it had none at hand: both mean our abort.
  if (abortReason !== undefined && (error === abortReason || code === "UND_ERR_ABORTED" || code === "UND_ERR_ABORT")) {
    return asCancelledError(abortReason) ?? abortReason;
  }
  switch (code) {
    case "UND_ERR_CONNECT_TIMEOUT":
      return new HttpTimeoutError("connect", ctx.connectTimeout, details(ctx, error));
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
      return new HttpTimeoutError("read", ctx.readTimeout, details(ctx, error));
    case "UND_ERR_RES_EXCEEDED_MAX_SIZE":
      return new HttpResponseTooLargeError(ctx.maxResponseSize, details(ctx, error), "maxResponseSize");
    case "UND_ERR_REDIRECT_MAX":
      return new HttpTooManyRedirectsError(ctx.maxRedirects, details(ctx, error));

    case "UND_ERR_SOCKET": {
      // The socket's own error, if any, says more (ECONNRESET...).
      const inner = codeOf((error as Error).cause);
      const mapped = inner === undefined ? undefined : systemError(inner, ctx, error);
      return (
        mapped ??
        connectError("closed", `connection closed by ${ctx.origin} before the response was complete`, ctx, error)
      );
    }
    case "UND_ERR_RES_CONTENT_LENGTH_MISMATCH":
      return connectError(
        "closed",
        `connection closed by ${ctx.origin} before the response was complete (body shorter than its Content-Length)`,
        ctx,
        error,
      );
    case "UND_ERR_CLOSED":
    case "UND_ERR_DESTROYED":
      return new HttpError(
        `the session was closed (${describeRequest(ctx)})`,
        details(ctx, error),
        "ERR_AIO_HTTP_SESSION_CLOSED",
      );
    case "UND_ERR_INVALID_ARG":
    case "UND_ERR_NOT_SUPPORTED":
      // undici's redirect handler stops a loop early, with advice about Pools that does not apply here.
      if (/^Redirect loop detected/.test((error as Error).message)) {
        return new HttpTooManyRedirectsError(ctx.maxRedirects, details(ctx, error), true);
      }
      // Our own URLs are checked to be http(s) before sending: a bad protocol here came from a Location.
      if (/^Invalid URL protocol/.test((error as Error).message)) {
        return new HttpRedirectError(ctx.redirectedTo ?? ctx.url, details(ctx, error));
      }
      return new TypeError(`Invalid request: ${(error as Error).message} (${describeRequest(ctx)})`, { cause: error });
  }
  if (code !== undefined) {
    const mapped = systemError(code, ctx, error);
    if (mapped !== undefined) return mapped;
    if (code.startsWith("HPE_") || code.startsWith("Z_") || code.startsWith("ERR_ZSTD") || code.startsWith("ERR__")) {
      return new HttpError(
        `invalid response from ${ctx.origin}: ${code} ${(error as Error).message} (${describeRequest(ctx)})`,
        details(ctx, error),
        "ERR_AIO_HTTP_PROTOCOL",
      );
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new HttpError(`request failed: ${message} (${describeRequest(ctx)})`, details(ctx, error));
}
