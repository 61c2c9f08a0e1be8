import { AioError, brandClass } from "../core/index.ts";

/**
 * Thrown by `getNowait()` when the queue has no item: asyncio's `QueueEmpty`.
 *
 * Code `ERR_AIO_QUEUE_EMPTY`. (A queue that is shut down *and* empty throws
 * `QueueShutDown` instead.)
 *
 * @example
 * ```ts
 * import { Queue, QueueEmpty } from "aio-ts";
 * const queue = new Queue<string>();
 * try { queue.getNowait(); } catch (e) { if (e instanceof QueueEmpty) console.log("nothing yet"); else throw e; }
 * ```
 */
export class QueueEmpty extends AioError {
  constructor(message = "Queue is empty", options?: { cause?: unknown }) {
    super(message, { ...options, code: "ERR_AIO_QUEUE_EMPTY" });
  }
}
brandClass(QueueEmpty, "QueueEmpty");

/**
 * Thrown by `putNowait()` when the queue holds `maxsize` items: asyncio's
 * `QueueFull`.
 *
 * Code `ERR_AIO_QUEUE_FULL`.
 *
 * @example
 * ```ts
 * import { Queue, QueueFull } from "aio-ts";
 * const queue = new Queue<string>(1);
 * queue.putNowait("a");
 * try { queue.putNowait("b"); } catch (e) { if (e instanceof QueueFull) console.log("dropped b"); else throw e; }
 * ```
 */
export class QueueFull extends AioError {
  constructor(message = "Queue is full", options?: { cause?: unknown }) {
    super(message, { ...options, code: "ERR_AIO_QUEUE_FULL" });
  }
}
brandClass(QueueFull, "QueueFull");

/**
 * Thrown by a queue after `shutdown()`: asyncio 3.13's `QueueShutDown`.
 *
 * `put()` and `putNowait()` throw it at once; `get()` and `getNowait()` throw
 * it once the queue is empty (at once after `shutdown(true)`, which empties
 * it). Code `ERR_AIO_QUEUE_SHUT_DOWN`.
 *
 * @example
 * ```ts
 * import { Queue, QueueShutDown } from "aio-ts";
 * const queue = new Queue<string>();
 * queue.shutdown();
 * try { await queue.get(); } catch (e) { if (e instanceof QueueShutDown) console.log("no more work"); else throw e; }
 * ```
 */
export class QueueShutDown extends AioError {
  constructor(message = "Queue is shut down", options?: { cause?: unknown }) {
    super(message, { ...options, code: "ERR_AIO_QUEUE_SHUT_DOWN" });
  }
}
brandClass(QueueShutDown, "QueueShutDown");
