/** `enqueue`: puts jobs on a BullMQ queue, with BullMQ's retries and backoff. */
import type { JobsOptions } from "bullmq";
import { argumentError, ensureFuture, rangeError } from "../core/index.ts";
import { type ConnectionOptions, probeConnection, resolveConnection } from "./connection.ts";
import { bullmq } from "./load.ts";

/** One job for `enqueue`. */
export interface JobToEnqueue {
  /** The job's name (BullMQ's; a handler may tell kinds of jobs apart by it). */
  name: string;
  /** The job's data, stored as JSON. */
  data: unknown;
  /**
   * BullMQ's options for this job, as they are (its durations are BullMQ's: ms). `jobId` makes enqueueing
   * idempotent: a job whose id is already in the queue is not added again.
   */
  opts?: JobsOptions;
}

/** How failed jobs are retried: a fixed delay, or one that doubles on each attempt. */
export interface Backoff {
  /** `fixed`: every retry waits `delay`; `exponential`: the n-th retry waits `delay × 2^(n-1)`. */
  type: "fixed" | "exponential";
  /** The first delay, in seconds. */
  delay: number;
}

/** Options of `enqueue`. */
export interface EnqueueOptions {
  /** Where Redis is: a URL, `redis://[[user]:password@]host[:port][/db]` (or `rediss://`), or ioredis's options. */
  connection: string | ConnectionOptions;
  /** How many times each job runs at most, its first run included (BullMQ's `attempts`). Default 1. */
  attempts?: number;
  /** The delay before each retry; a number is a fixed delay in seconds. Default: none. */
  backoff?: number | Backoff;
  /** BullMQ's key prefix (default `bull`), the same as the workers'. */
  prefix?: string;
}

/** Jobs per `addBulk` call (one Redis pipeline each). */
const CHUNK = 1000;

function checkedSeconds(name: string, value: unknown): number {
  if (typeof value !== "number" || Number.isNaN(value)) throw argumentError(name, "a number of seconds", value);
  if (value < 0 || value === Number.POSITIVE_INFINITY) {
    throw rangeError(name, "a non-negative finite number of seconds", value);
  }
  return value;
}

function defaultsOf(options: EnqueueOptions): JobsOptions {
  const defaults: JobsOptions = {};
  if (options.attempts !== undefined) {
    const attempts: unknown = options.attempts;
    if (typeof attempts !== "number") throw argumentError("attempts", "a positive integer", attempts);
    if (!Number.isInteger(attempts) || attempts < 1) throw rangeError("attempts", "a positive integer", attempts);
    defaults.attempts = attempts;
  }
  const backoff: unknown = options.backoff;
  if (typeof backoff === "number") {
    defaults.backoff = { type: "fixed", delay: checkedSeconds("backoff", backoff) * 1000 };
  } else if (backoff !== undefined) {
    if (backoff === null || typeof backoff !== "object") {
      throw argumentError("backoff", "a number of seconds or { type, delay }", backoff);
    }
    const { type, delay } = backoff as { type: unknown; delay: unknown };
    if (type !== "fixed" && type !== "exponential") {
      throw argumentError("backoff.type", '"fixed" or "exponential"', type);
    }
    defaults.backoff = { type, delay: checkedSeconds("backoff.delay", delay) * 1000 };
  }
  return defaults;
}

/**
 * Adds `jobs` to the BullMQ queue `queue`, a thousand per Redis pipeline, and returns their ids.
 *
 * `attempts` and `backoff` apply to every job (a job's own `opts` win): a job whose handler throws runs again
 * after the backoff delay, until it has run `attempts` times; then it stays in the queue's failed set. A job whose
 * `opts.jobId` is already in the queue is not added twice (its existing id is returned).
 *
 * Redis is checked first, as `runWorker` does: an unreachable server or refused credentials throw
 * `RedisConnectionError` naming the URL.
 *
 * **Cancel safety:** if cancelled while the jobs are being sent, the jobs of the batches already sent (and maybe
 * of the one in flight) are added, the others are not; the connection is closed either way. Enqueueing again with
 * the same `jobId`s finishes the work without doubling it.
 *
 * @param queue The queue's name.
 * @param jobs The jobs to add.
 * @param options Where Redis is, and the retries of the jobs.
 * @returns The jobs' ids, in order.
 * @throws TypeError or RangeError (`ERR_AIO_INVALID_ARGUMENT`), synchronously, for a bad argument.
 * @throws RedisConnectionError when Redis is unreachable or refuses the credentials.
 *
 * @example
 * ```ts
 * import { run } from "aio-ts";
 * import { enqueue } from "aio-ts/bullmq";
 * await run(async () => {
 *   const ids = await enqueue(
 *     "pages",
 *     [{ name: "page", data: { url: "https://example.com/" }, opts: { jobId: "example-home" } }],
 *     { connection: "redis://127.0.0.1:6379", attempts: 3, backoff: { type: "exponential", delay: 1 } },
 *   );
 *   console.log(ids); // [ "example-home" ]
 * });
 * ```
 */
export function enqueue(queue: string, jobs: readonly JobToEnqueue[], options: EnqueueOptions): Promise<string[]> {
  if (typeof queue !== "string" || queue === "") throw argumentError("queue", "a non-empty queue name", queue);
  if (!Array.isArray(jobs)) throw argumentError("jobs", "an array of { name, data, opts? }", jobs);
  jobs.forEach((job: unknown, i) => {
    if (job === null || typeof job !== "object" || typeof (job as { name?: unknown }).name !== "string") {
      throw argumentError(`jobs[${i}]`, "a job { name: string, data, opts? }", job);
    }
  });
  if (options === null || typeof options !== "object") throw argumentError("options", "an object", options);
  const connection = resolveConnection("connection", options.connection);
  const defaults = defaultsOf(options);
  if (options.prefix !== undefined && typeof options.prefix !== "string") {
    throw argumentError("prefix", "a string", options.prefix);
  }
  return (async () => {
    if (jobs.length === 0) return [];
    await probeConnection(connection);
    const q = new bullmq.Queue(queue, {
      connection: connection.options,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    });
    q.on("error", () => {}); // what addBulk meets, it rejects with
    try {
      const ids: string[] = [];
      // BullMQ sends a batch as one pipeline, built in memory: batches of CHUNK keep a list of millions affordable.
      for (let start = 0; start < jobs.length; start += CHUNK) {
        const batch = jobs.slice(start, start + CHUNK);
        const added = await ensureFuture(
          q.addBulk(batch.map((job) => ({ name: job.name, data: job.data, opts: { ...defaults, ...job.opts } }))),
        );
        for (const job of added) ids.push(job.id ?? "");
      }
      return ids;
    } finally {
      await q.close();
    }
  })();
}
