/** The errors of `aio-ts/bullmq`. */
import { AioError, brandClass } from "../core/index.ts";

/**
 * Thrown by `runWorker` and `enqueue` when Redis cannot be used: nothing answers at the address within the connect
 * timeout (`code` `ERR_AIO_REDIS_UNREACHABLE`), or the server refuses the credentials (`ERR_AIO_REDIS_AUTH`). The
 * message names the Redis URL (its password masked); `cause` is ioredis's error.
 *
 * Checked once, before BullMQ is started: once a worker runs, a lost connection is BullMQ's to retry (it reconnects
 * with a growing delay, and its jobs' locks expire if the outage outlasts them).
 *
 * @example
 * ```ts
 * import { RedisConnectionError, runWorker } from "aio-ts/bullmq";
 * try {
 *   await runWorker("jobs", async () => {}, { connection: "redis://127.0.0.1:6399" });
 * } catch (e) {
 *   if (e instanceof RedisConnectionError) console.error(e.code, e.url);
 *   else throw e;
 * }
 * ```
 */
export class RedisConnectionError extends AioError {
  /** The Redis URL that was tried, with its password masked. */
  readonly url: string;

  constructor(message: string, options: { url: string; code: string; cause?: unknown }) {
    super(message, { code: options.code, cause: options.cause });
    this.url = options.url;
  }
}
brandClass(RedisConnectionError, "RedisConnectionError");
