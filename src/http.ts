// aio-ts/http: the HTTP client session. Re-exports only, after the runtime check.
// First, so that an unsupported Node.js fails with one clear line (see the module).
import "./core/runtime-check.ts";

export {
  ClientResponse,
  type ResponseHeaders,
} from "./http/client-response.ts";
export { ClientSession } from "./http/client-session.ts";
export {
  HttpConnectError,
  type HttpConnectErrorKind,
  HttpError,
  type HttpErrorDetails,
  HttpRedirectError,
  HttpResponseTooLargeError,
  type HttpSizeOption,
  HttpStatusError,
  type HttpStatusErrorDetails,
  HttpTimeoutError,
  type HttpTimeoutKind,
  HttpTooManyRedirectsError,
} from "./http/errors.ts";
export type {
  Params,
  QueryValue,
  RequestBody,
  RequestHeaders,
  RequestOptions,
} from "./http/request-options.ts";
export {
  type BackoffOptions,
  isTransientError,
  type RetryableResponse,
  type RetryOptions,
  RetryPolicy,
} from "./http/retry.ts";
export type { ClientSessionOptions, ClientSessionStatistics } from "./http/session-options.ts";
export type { ClientTimeout, RequestTimeout } from "./http/timeouts.ts";
