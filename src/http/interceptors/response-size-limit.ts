import type { Duplex } from "node:stream";
import { type Dispatcher, errors } from "../undici.ts";

type Controller = Dispatcher.DispatchController;
type Headers = Parameters<NonNullable<Dispatcher.DispatchHandler["onResponseStart"]>>[2];

/** Statuses whose `Content-Length` describes no body of this response. */
function hasBody(method: string, status: number): boolean {
  return method !== "HEAD" && status >= 200 && status !== 204 && status !== 304;
}

/**
 * Wraps a handler: a response whose `Content-Length` already says it is over
 * the limit is aborted before its headers go further. undici's own
 * `maxResponseSize` counts the bytes as they arrive, so without this the
 * caller would get a response, then an error from the first read.
 */
class SizeLimitHandler implements Dispatcher.DispatchHandler {
  private readonly handler: Dispatcher.DispatchHandler;
  private readonly maxSize: number;
  private readonly method: string;

  constructor(handler: Dispatcher.DispatchHandler, maxSize: number, method: string) {
    this.handler = handler;
    this.maxSize = maxSize;
    this.method = method;
  }

  onRequestStart(controller: Controller, context: unknown): void {
    this.handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: Controller, statusCode: number, headers: Headers, socket: Duplex): void {
    this.handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStarted(): void {
    this.handler.onResponseStarted?.();
  }

  onResponseStart(controller: Controller, statusCode: number, headers: Headers, statusMessage?: string): void {
    const length = headers["content-length"];
    if (typeof length === "string" && hasBody(this.method, statusCode) && Number(length) > this.maxSize) {
      controller.abort(
        new errors.ResponseExceededMaxSizeError(`Content-Length ${length} exceeds maxResponseSize ${this.maxSize}`),
      );
      return;
    }
    this.handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this.handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Controller, trailers: Headers): void {
    this.handler.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Controller, error: Error): void {
    this.handler.onResponseError?.(controller, error);
  }

  onBodySent(chunk: Buffer): void {
    this.handler.onBodySent?.(chunk);
  }

  onRequestSent(): void {
    this.handler.onRequestSent?.();
  }
}

/**
 * An undici interceptor that rejects a response at once when its declared
 * `Content-Length` is over `maxSize` bytes (undici's `maxResponseSize`, on
 * the agent, keeps counting the bytes of responses that declare none).
 *
 * @example
 * ```ts
 * import { Agent } from "undici";
 * const agent = new Agent({ maxResponseSize: 1 << 20 }).compose(responseSizeLimit(1 << 20));
 * ```
 */
export function responseSizeLimit(maxSize: number): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) =>
    dispatch(options, new SizeLimitHandler(handler, maxSize, String(options.method).toUpperCase()));
}
