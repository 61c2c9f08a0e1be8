import { AioError, brandClass } from "../core/index.ts";

/**
 * Thrown by `readexactly()` and `readuntil()` when the stream ends before the
 * read is complete: asyncio's `IncompleteReadError`. The bytes that did
 * arrive are in `.partial` (they are consumed: the reader is at its end).
 *
 * @example
 * ```ts
 * import { IncompleteReadError, type StreamReader } from "aio-ts";
 * declare const reader: StreamReader;
 * try {
 *   const header = await reader.readexactly(8);
 *   console.log(header.length); // 8
 * } catch (e) {
 *   if (e instanceof IncompleteReadError) console.log(`got ${e.partial.length} of ${e.expected} bytes`);
 *   else throw e;
 * }
 * ```
 */
export class IncompleteReadError extends AioError {
  /** The bytes read before the end of the stream. */
  readonly partial: Uint8Array;
  /** How many bytes were expected; `null` when reading up to a separator. */
  readonly expected: number | null;

  constructor(partial: Uint8Array, expected: number | null) {
    const wanted = expected === null ? "undefined" : String(expected);
    super(`${partial.length} bytes read on a total of ${wanted} expected bytes`, { code: "ERR_AIO_INCOMPLETE_READ" });
    this.partial = partial;
    this.expected = expected;
  }
}
brandClass(IncompleteReadError, "IncompleteReadError");

/**
 * Thrown by `readuntil()` when the separator is not found within the reader's
 * `limit`: asyncio's `LimitOverrunError`. Nothing is consumed: the bytes stay
 * in the reader. `.consumed` says how many bytes may be consumed to get past
 * them (with `read()` or `readexactly()`).
 *
 * @example
 * ```ts
 * import { LimitOverrunError, type StreamReader } from "aio-ts";
 * declare const reader: StreamReader;
 * try {
 *   console.log(await reader.readuntil("\r\n"));
 * } catch (e) {
 *   if (!(e instanceof LimitOverrunError)) throw e;
 *   await reader.readexactly(e.consumed); // skip the over-long record
 * }
 * ```
 */
export class LimitOverrunError extends AioError {
  /** How many bytes are to be consumed to get past the over-long data. */
  readonly consumed: number;

  constructor(message: string, consumed: number) {
    super(message, { code: "ERR_AIO_LIMIT_OVERRUN" });
    this.consumed = consumed;
  }
}
brandClass(LimitOverrunError, "LimitOverrunError");
