/**
 * The error of `aio-ts/workers` for what goes wrong around a job rather than in
 * it. An error thrown by the worker function itself is not wrapped: the
 * caller gets that error back (see `remote-error.ts`), as asyncio's
 * `run_in_executor` re-raises the function's exception.
 */
import { AioError, brandClass } from "../core/index.ts";

/**
 * Thrown by `WorkerPool.run()` when a job could not run to an outcome of its
 * own: the pool was closed (`code` `ERR_AIO_WORKER_POOL_CLOSED`), or the
 * worker thread died under the job (`ERR_AIO_WORKER_CRASHED`: the thread
 * called `process.exit()`, ran out of memory, hit an uncaught error outside
 * the job, or returned a value that cannot be sent back). The underlying
 * error, when there is one, is the `cause`.
 *
 * Never thrown for a cancellation: a cancelled job throws the task's
 * `CancelledError`.
 *
 * @example
 * ```ts
 * import { WorkerError, WorkerPool } from "aio-ts/workers";
 * await using pool = new WorkerPool({ filename: new URL("./jobs.ts", import.meta.url) });
 * try { await pool.run("render", 42); }
 * catch (e) { if (e instanceof WorkerError) console.error(e.code, e.cause); else throw e; }
 * ```
 */
export class WorkerError extends AioError {
  /** The name of the worker function the job was calling. */
  readonly function: string;

  constructor(message: string, options: { function: string; code: string; cause?: unknown }) {
    super(message, { code: options.code, cause: options.cause });
    this.function = options.function;
  }
}
brandClass(WorkerError, "WorkerError");
