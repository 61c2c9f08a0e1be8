import { TextDecoder } from "node:util";
import type { Task } from "../core/index.ts";
import type { Attempt } from "./attempt.ts";
import { releaseWhenAbandoned } from "./auto-release.ts";
import { DONE, UNREAD } from "./body-state.ts";
import { HttpStatusError } from "./errors.ts";

/** Response headers: lower-case names; a header sent several times is an array. */
export type ResponseHeaders = Readonly<Record<string, string | string[]>>;

const UTF8 = new TextDecoder();

/** The decoder for a `content-type`'s charset (UTF-8 by default or when unknown). */
function decoderFor(contentType: string | string[] | undefined): TextDecoder {
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  if (type === undefined || !type.toLowerCase().includes("charset")) return UTF8;
  const charset = /;\s*charset="?([^";\s]+)/i.exec(type)?.[1];
  if (charset === undefined || /^utf-?8$/i.test(charset)) return UTF8;
  try {
    return new TextDecoder(charset);
  } catch {
    return UTF8;
  }
}

/** A response that has no body: to a HEAD, a 204 or 304, or with `content-length: 0`. */
function hasNoBody(method: string, attempt: Attempt): boolean {
  const status = attempt.status;
  return method === "HEAD" || status === 204 || status === 304 || attempt.headers["content-length"] === "0";
}

/** The body as an async iterator of chunks; each wait is cancellable, each error an `HttpError`. */
class BodyIterator implements AsyncIterableIterator<Uint8Array> {
  private readonly attempt: Attempt;

  constructor(attempt: Attempt) {
    this.attempt = attempt;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    return this.attempt.next();
  }

  return(): Promise<IteratorResult<Uint8Array>> {
    // Leaving the loop early: the rest of the body is not wanted.
    if (this.attempt.bodyState !== DONE) this.attempt.exchange.abort(new Error("body iteration stopped early"));
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * The response to a `ClientSession` request: status and headers at once,
 * the body on demand (aiohttp's `ClientResponse`).
 *
 * Read the body once, as `text()`, `json()`, `bytes()` (each may be called
 * again: the bytes are kept), or as a stream (`for await (const chunk of
 * response.body)`, or `stream()` for a web `ReadableStream`). A gzip,
 * deflate, br or zstd body is decompressed unless `decompress: false`.
 *
 * **The body holds a connection slot until it is read or released.** A
 * response you do not read is released for you: by `release()`, by `await
 * using`, when the task that made the request ends (unless the task returns
 * the response, which hands it on), or when the response is
 * garbage-collected. A released body cannot be read any more.
 *
 * @example
 * ```ts
 * import { ClientSession } from "aio-ts/http";
 * await using session = new ClientSession();
 * await using response = await session.get("http://127.0.0.1:8080/json");
 * console.log(response.status, response.headers["content-type"]);
 * const data = await response.json<{ slideshow: { title: string } }>(); // unchecked: the type you expect
 * console.log(data.slideshow.title); // "Sample Slide Show"
 * ```
 */
export class ClientResponse implements AsyncDisposable {
  /** The status code, such as 200. */
  readonly status: number;
  /** The status line's reason phrase, such as `OK`. */
  readonly statusText: string;
  /** The headers, with lower-case names; a repeated header is an array (`set-cookie`). */
  readonly headers: ResponseHeaders;
  /** The URL that answered, after redirects. */
  readonly url: string;
  /** The request's method. */
  readonly method: string;
  /** @internal The attempt whose response this is; also how auto-release recognises a returned response. */
  readonly _attempt: Attempt;
  private cached: Uint8Array | undefined = undefined;

  /** @internal Made by `ClientSession`. */
  constructor(attempt: Attempt, url: string, owner: Task<unknown> | undefined) {
    this._attempt = attempt;
    this.status = attempt.status;
    this.statusText = attempt.statusText;
    this.headers = attempt.headers as ResponseHeaders;
    this.url = url;
    const exchange = attempt.exchange;
    this.method = exchange.method;
    if (hasNoBody(exchange.method, attempt)) {
      // Nothing to read: free the slot now rather than when someone reads "".
      this.cached = new Uint8Array(0);
      attempt.markEmpty();
      return;
    }
    releaseWhenAbandoned(this, exchange, owner);
  }

  /** Whether the status is below 400 (aiohttp's `ok`; fetch's is 200-299). */
  get ok(): boolean {
    return this.status < 400;
  }

  /** Whether the body was read (or released). */
  get bodyUsed(): boolean {
    return this._attempt.bodyState !== UNREAD;
  }

  /** One header's value, repeated values joined with `, `; `undefined` if absent. */
  header(name: string): string | undefined {
    const value = this.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(", ") : value;
  }

  /**
   * The whole body, as bytes. Later calls (and `text()`, `json()`) return
   * the same bytes. A body larger than `maxBufferedSize` once decompressed
   * (64 MiB by default; a session or request option) fails the read: read a
   * larger one as a stream (`body`), or raise the option.
   *
   * **Cancel safety:** if cancelled, the request is aborted (its socket
   * destroyed), and the body cannot be read any more.
   *
   * @throws HttpResponseTooLargeError (`option: "maxBufferedSize"`) if the body is over that ceiling.
   * @throws HttpError (`HttpTimeoutError`, `HttpConnectError`...) if reading fails.
   * @throws InvalidStateError if the body was released, or is being read as a stream.
   */
  bytes(): Promise<Uint8Array> {
    if (this.cached !== undefined) return Promise.resolve(this.cached);
    const attempt = this._attempt;
    try {
      attempt.claim();
    } catch (error) {
      return Promise.reject(error);
    }
    return attempt.readAll().then((bytes) => {
      this.cached = bytes;
      return bytes;
    });
  }

  /**
   * The whole body, decoded as text (the charset of `content-type`, else UTF-8).
   *
   * **Cancel safety:** as `bytes()`.
   *
   * @throws as `bytes()`.
   */
  text(): Promise<string> {
    return this.bytes().then((bytes) => decoderFor(this.headers["content-type"]).decode(bytes));
  }

  /**
   * The whole body, parsed as JSON.
   *
   * **Cancel safety:** as `bytes()`.
   *
   * @throws SyntaxError if the body is not JSON; otherwise as `bytes()`.
   */
  json<T = unknown>(): Promise<T> {
    return this.text().then((text) => JSON.parse(text) as T);
  }

  /**
   * The body as an async iterable of `Uint8Array` chunks, for `for await`.
   * Bytes are handed out as they arrive (the socket is paused while 64 KiB
   * wait unread); leaving the loop early closes the connection. Iterate it
   * once.
   *
   * **Cancel safety:** if the task is cancelled while waiting for a chunk,
   * the request is aborted and its socket destroyed.
   *
   * @throws InvalidStateError (on access) if the body was released or read.
   */
  get body(): AsyncIterable<Uint8Array> {
    if (this.cached !== undefined) {
      const cached = this.cached;
      return (async function* () {
        if (cached.length > 0) yield cached;
      })();
    }
    this._attempt.claim();
    return new BodyIterator(this._attempt);
  }

  /**
   * The body as a web `ReadableStream` of `Uint8Array` chunks; cancelling the
   * stream closes the connection.
   *
   * @throws InvalidStateError if the body was released or read.
   */
  stream(): ReadableStream<Uint8Array> {
    return ReadableStream.from(this.body);
  }

  /**
   * Discards the body and frees its connection slot (aiohttp's `release()`).
   * Up to 64 KiB still in flight are read and dropped so that the
   * connection can be reused; a longer body closes the connection. Does
   * nothing once the body was read; a body being read is aborted.
   */
  release(): void {
    this._attempt.release();
  }

  /**
   * Throws `HttpStatusError` if the status is 400 or more, after releasing
   * the body; does nothing otherwise.
   *
   * @throws HttpStatusError for a status of 400 or more.
   */
  raiseForStatus(): void {
    if (this.status < 400) return;
    this.release();
    throw this.statusError();
  }

  /** @internal */
  statusError(): HttpStatusError {
    return new HttpStatusError({
      url: this.url,
      method: this.method,
      attempts: this._attempt.exchange.attempts,
      status: this.status,
      statusText: this.statusText,
      headers: this.headers,
    });
  }

  /**
   * Releases the body (`await using response = await session.get(url)`).
   *
   * **Cancel safety:** it never waits: the body is released before it returns.
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return Promise.resolve();
  }

  toString(): string {
    return `<ClientResponse ${this.status} ${this.method} ${this.url}>`;
  }
}
