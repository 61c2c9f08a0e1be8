import { AioError, brandClass } from "../core/index.ts";

/**
 * Thrown by `Barrier.wait()` when the barrier is aborted, or reset while
 * tasks wait on it: asyncio's `BrokenBarrierError`.
 */
export class BrokenBarrierError extends AioError {
  constructor(message = "Barrier aborted") {
    super(message, { code: "ERR_AIO_BROKEN_BARRIER" });
  }
}
brandClass(BrokenBarrierError, "BrokenBarrierError");
