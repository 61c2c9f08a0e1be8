import { AioError, brandClass } from "../core/index.ts";

/**
 * Thrown by a `...Nowait` method that would have had to wait: Trio's
 * `WouldBlock`.
 *
 * It is an ordinary `AioError` (code `ERR_AIO_WOULD_BLOCK`), not a
 * cancellation: nothing was taken, and the caller may try again later or wait
 * with the method's waiting form (`acquire()` instead of `acquireNowait()`).
 *
 * @example
 * ```ts
 * import { CapacityLimiter, WouldBlock } from "aio-ts";
 * const limiter = new CapacityLimiter(1);
 * try {
 *   limiter.acquireOnBehalfOfNowait("job-1");
 * } catch (e) {
 *   if (e instanceof WouldBlock) console.log("busy, try later");
 *   else throw e;
 * }
 * ```
 */
export class WouldBlock extends AioError {
  constructor(message = "The operation would block", options?: { cause?: unknown }) {
    super(message, { ...options, code: "ERR_AIO_WOULD_BLOCK" });
  }
}
brandClass(WouldBlock, "WouldBlock");
