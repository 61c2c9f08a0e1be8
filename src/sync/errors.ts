import { AioError, brandClass } from "../core/index.ts";

/**
 * Thrown by `Barrier.wait()` when the barrier is aborted, or reset while
 * tasks wait on it: asyncio's `BrokenBarrierError`.
 *
 * @example
 * ```ts
 * import { Barrier, BrokenBarrierError, taskGroup } from "aio-ts";
 * const barrier = new Barrier(2);
 * await taskGroup(async (tg) => {
 *   tg.createTask(async () => {
 *     try {
 *       await barrier.wait();
 *     } catch (e) {
 *       if (e instanceof BrokenBarrierError) console.log("the other party gave up");
 *       else throw e;
 *     }
 *   });
 *   tg.createTask(() => barrier.abort());
 * });
 * ```
 */
export class BrokenBarrierError extends AioError {
  constructor(message = "Barrier aborted") {
    super(message, { code: "ERR_AIO_BROKEN_BARRIER" });
  }
}
brandClass(BrokenBarrierError, "BrokenBarrierError");
