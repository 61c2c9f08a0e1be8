/**
 * `runWorker`: a BullMQ worker whose processor is an aio task per job.
 *
 * BullMQ owns the queue's protocol (fetching jobs, their locks and renewal, the stalled-job check, retries,
 * completion); aio owns the work. BullMQ calls the processor from its own loop, outside any task, so the processor
 * starts each job as a task of the task that called `runWorker` (made current for that one call, so the job shows
 * under it in `aio ps` and `captureCallGraph`), and waits for that task through a done-callback, not an await: an
 * await would make the job a waiter of whoever awaits, and cancelling the worker would then cancel every job at
 * once, where the graceful close gives them `grace` first.
 *
 * How each way a job's task can end maps onto BullMQ:
 * - returns a value: the job completes with it;
 * - throws: the job fails with that error (BullMQ stores its message and stack, and retries it if attempts remain);
 * - cancelled by the worker's shutdown (after `grace`), or by anything else the worker did not ask for: the job is
 *   moved back to the wait list with its token (`job.moveToWait`) and BullMQ is told so with its `WaitingError`, so
 *   no attempt is used and another worker takes it;
 * - cancelled because its lock was lost (BullMQ could not renew it: the lock expired and the stalled check gave the
 *   job to another worker, or the job was removed, by `queue.obliterate({ force: true })` for one): the job is left
 *   alone (`WaitingError` again), since this worker no longer owns it;
 * - cancelled through BullMQ's own signal (`worker.cancelJob`): the job fails, as BullMQ documents.
 *
 * @module
 */
import type { Job, WorkerOptions } from "bullmq";
import { moveOnAfter } from "../combinators/timeout.ts";
import {
  argumentError,
  createTask,
  currentTask,
  getRunningLoop,
  InvalidStateError,
  isCancelledError,
  LabelledFuture,
  rangeError,
  storage,
  type Task,
} from "../core/index.ts";
import { Event } from "../sync/index.ts";
import { type ConnectionOptions, probeConnection, resolveConnection } from "./connection.ts";
import { bullmq } from "./load.ts";

// ── Types ──

/** What a job's handler gets besides the job. */
export interface JobContext {
  /**
   * Aborted when the job's task is cancelled (the worker's shutdown after `grace`, a lost lock, a removed job, a
   * timeout around the handler's work): the task's own `signal`, to hand to `fetch`, undici, streams, child processes.
   */
  readonly signal: AbortSignal;
  /** The worker's lock token for this job (for BullMQ calls that need it, such as `job.moveToDelayed`). */
  readonly token: string;
  /** The job itself, as the handler's first argument. */
  readonly job: Job;
  /**
   * `true` once the worker's shutdown began (it takes no more jobs; running ones have `grace` to finish). A job made
   * of steps may then stop between two and give itself back: `await job.moveToWait(ctx.token)`, then throw BullMQ's
   * `WaitingError`; `runWorker` counts it as returned.
   */
  readonly closing: boolean;
}

/** What happened to the jobs a worker took, as `runWorker` returns it. */
export interface WorkerSummary {
  /** Jobs whose handler returned (BullMQ completed them). */
  completed: number;
  /** Jobs whose handler threw, or that BullMQ's `cancelJob` stopped (BullMQ failed them, or retries them). */
  failed: number;
  /** Jobs whose task was cancelled by the shutdown (or another cancel) and that went back to the wait list. */
  returned: number;
  /** Jobs whose task was cancelled because their lock was lost (stalled and given to another worker, or removed). */
  lost: number;
}

/** An event of a running worker, for `RunWorkerOptions.onEvent`. */
export interface WorkerEvent {
  /**
   * What happened: `active` (a job's task started), `completed`, `failed` (the handler threw),
   * `returned` (a cancelled job went back to the wait list), `lost` (a job's lock was lost and its task cancelled),
   * `closing` (the shutdown began), `error` (BullMQ reported an error it recovers from, such as a lost connection).
   */
  readonly type: "active" | "completed" | "failed" | "returned" | "lost" | "closing" | "error";
  /** The job, for `active`, `completed`, `failed`, `returned` and `lost`. */
  readonly job?: Job;
  /** The handler's value, for `completed`. */
  readonly result?: unknown;
  /** The error, for `failed` and `error`. */
  readonly error?: unknown;
}

/** BullMQ's rate limiter, for `RunWorkerOptions.limiter`. */
export interface RateLimit {
  /** How many jobs may start per `duration`, across every worker of the queue. */
  max: number;
  /** The window, in milliseconds. */
  duration: number;
}

/** BullMQ's worker options that `runWorker` passes through as they are (their durations are BullMQ's: ms). */
export type PassThroughWorkerOptions = Omit<
  WorkerOptions,
  "connection" | "autorun" | "concurrency" | "lockDuration" | "limiter" | "name"
>;

/** Options of `runWorker`. */
export interface RunWorkerOptions {
  /** Where Redis is: a URL, `redis://[[user]:password@]host[:port][/db]` (or `rediss://`), or ioredis's options. */
  connection: string | ConnectionOptions;
  /** How many jobs run at once in this worker. Default 1. */
  concurrency?: number;
  /**
   * Milliseconds that running jobs get to finish when the worker shuts down, before their tasks are cancelled and
   * their jobs returned to the queue. Default 10,000. `Infinity` waits for them.
   */
  grace?: number;
  /** Milliseconds a job's lock lasts before BullMQ renews it (BullMQ's `lockDuration`, default 30,000). */
  lockDuration?: number;
  /** BullMQ's rate limiter, shared by every worker of the queue: at most `max` jobs per `duration` ms. */
  limiter?: RateLimit;
  /** The worker's name, shown by BullMQ's `queue.getWorkers()`. */
  name?: string;
  /**
   * Stops the worker when aborted: it closes gracefully (as on a cancel) and `runWorker` returns its summary,
   * where a cancel of the calling task throws `CancelledError` once the worker is closed.
   */
  signal?: AbortSignal;
  /**
   * Called for each event of the worker. An `error` event is an error BullMQ reported and recovered from (a lost
   * connection it retries, a lock it could not renew); without `onEvent`, such errors are written to stderr.
   */
  onEvent?: (event: WorkerEvent) => void;
  /** Other options for BullMQ's `Worker`, passed as they are (`prefix`, `stalledInterval`, `removeOnComplete`...). */
  bullmq?: PassThroughWorkerOptions;
}

// ── Validation ──

interface Settings {
  readonly concurrency: number;
  readonly graceMs: number;
  readonly workerOptions: Omit<WorkerOptions, "connection">;
}

function milliseconds(name: string, value: unknown, allowZero: boolean, allowInfinity: boolean): number {
  if (typeof value !== "number" || Number.isNaN(value)) throw argumentError(name, "a number of milliseconds", value);
  if (value < 0 || (!allowZero && value === 0) || (!allowInfinity && value === Number.POSITIVE_INFINITY)) {
    throw rangeError(
      name,
      `a ${allowZero ? "non-negative" : "positive"} ${allowInfinity ? "" : "finite "}number of milliseconds`,
      value,
    );
  }
  return value;
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== "number") throw argumentError(name, "a positive integer", value);
  if (!Number.isInteger(value) || value < 1) throw rangeError(name, "a positive integer", value);
  return value;
}

function settingsOf(options: RunWorkerOptions): Settings {
  const concurrency = options.concurrency === undefined ? 1 : positiveInteger("concurrency", options.concurrency);
  const grace = options.grace === undefined ? 10_000 : milliseconds("grace", options.grace, true, true);
  const workerOptions: Omit<WorkerOptions, "connection"> = { ...options.bullmq, autorun: false, concurrency };
  if (options.lockDuration !== undefined) {
    workerOptions.lockDuration = milliseconds("lockDuration", options.lockDuration, false, false);
  }
  if (options.limiter !== undefined) {
    const limiter: unknown = options.limiter;
    if (limiter === null || typeof limiter !== "object") {
      throw argumentError("limiter", "an object { max, duration }", limiter);
    }
    const { max, duration } = limiter as { max: unknown; duration: unknown };
    workerOptions.limiter = {
      max: positiveInteger("limiter.max", max),
      duration: milliseconds("limiter.duration", duration, false, false),
    };
  }
  if (options.name !== undefined) {
    if (typeof options.name !== "string") throw argumentError("name", "a string", options.name);
    workerOptions.name = options.name;
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw argumentError("signal", "an AbortSignal", options.signal);
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== "function") {
    throw argumentError("onEvent", "a function", options.onEvent);
  }
  if (options.bullmq !== undefined && (options.bullmq === null || typeof options.bullmq !== "object")) {
    throw argumentError("bullmq", "an object of BullMQ worker options", options.bullmq);
  }
  return { concurrency, graceMs: grace, workerOptions };
}

// ── runWorker ──

/**
 * Runs a BullMQ worker on `queue`, each job as an aio task that runs `handler`, until the calling task is cancelled
 * (Ctrl-C or SIGTERM through `run()`, a task group, a timeout) or `options.signal` aborts.
 *
 * Each job runs as a task named `job <id>`, a child of the task that called `runWorker` (so `aio ps` shows it);
 * its `signal` (`ctx.signal`, `currentTask().signal`) aborts when it is cancelled. The handler's return value
 * completes the job; an error it throws fails the job with that error's message and stack, and BullMQ retries it
 * if the job has attempts left (`enqueue`'s `attempts` and `backoff`). A `timeout` or `waitFor` inside the handler
 * stops the work and fails the job with aio's `TimeoutError`.
 *
 * A job's task is cancelled when: the worker shuts down and `grace` has passed (the job goes back to the wait
 * list, no attempt used, for another worker); the job's lock is lost, because the job stalled and was given to
 * another worker or was removed (`queue.obliterate({ force: true })`): BullMQ notices when it next renews the
 * lock, within half of `lockDuration`. BullMQ 6 refuses `job.remove()` on a job that a worker holds.
 *
 * Shutting down: the worker stops taking jobs at once; running jobs get `grace` ms to finish; then their
 * tasks are cancelled and their jobs returned; then BullMQ's connections close. A second cancel during the grace
 * period cancels the jobs at once. Nothing is left behind: no connection, timer or task.
 *
 * Before starting BullMQ, `runWorker` connects once to Redis: an unreachable server or refused credentials throw
 * `RedisConnectionError` naming the URL within the connect timeout (ioredis's `connectTimeout`, 10 s by default),
 * where BullMQ would retry for ever. Once the worker runs, a lost connection is BullMQ's to retry.
 *
 * **Cancel safety:** cancelling the caller is the way to stop the worker; when `runWorker` then throws
 * `CancelledError`, every job it took has completed, failed, or been returned to the queue, and its connections
 * are closed. A handler that swallows its `CancelledError` and goes on keeps the worker from closing until it
 * returns (debug mode reports such a handler).
 *
 * @param queue The queue's name.
 * @param handler Runs one job, in the job's task; `ctx.signal` aborts when the task is cancelled.
 * @param options Where Redis is (`connection`), and how the worker runs.
 * @returns The worker's summary, once it is closed after `options.signal` aborted.
 * @throws TypeError or RangeError (`ERR_AIO_INVALID_ARGUMENT`), synchronously, for a bad argument: an empty queue
 *   name, a malformed Redis URL, a `concurrency` that is not a positive integer, a negative `grace`...
 * @throws InvalidStateError (`ERR_AIO_NO_RUNNING_LOOP`), synchronously, outside a task.
 * @throws RedisConnectionError when Redis is unreachable or refuses the credentials.
 *
 * @example
 * ```ts
 * import { run } from "aio-ts";
 * import { runWorker } from "aio-ts/bullmq";
 * await run(async () => {
 *   // Until Ctrl-C: running jobs then get 10 s to finish, and go back to the queue if they do not.
 *   await runWorker<{ url: string }, number>(
 *     "pages",
 *     async (job, ctx) => {
 *       const response = await fetch(job.data.url, { signal: ctx.signal });
 *       return (await response.arrayBuffer()).byteLength;
 *     },
 *     { connection: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", concurrency: 8, grace: 10_000 },
 *   );
 * });
 * ```
 */
export function runWorker<D = unknown, R = unknown>(
  queue: string,
  handler: (job: Job<D, R>, ctx: JobContext) => Promise<R> | R,
  options: RunWorkerOptions,
): Promise<WorkerSummary> {
  if (typeof queue !== "string" || queue === "") throw argumentError("queue", "a non-empty queue name", queue);
  if (typeof handler !== "function") throw argumentError("handler", "a function", handler);
  if (options === null || typeof options !== "object") throw argumentError("options", "an object", options);
  const connection = resolveConnection("connection", options.connection);
  const settings = settingsOf(options);
  const caller = currentTask();
  if (caller === undefined) {
    throw new InvalidStateError("runWorker() needs a running task: call it inside run()", {
      code: "ERR_AIO_NO_RUNNING_LOOP",
    });
  }
  return work(queue, handler as (job: Job, ctx: JobContext) => Promise<unknown> | unknown, options, {
    caller,
    connection,
    settings,
  });
}

/** One job this worker runs. */
interface Running {
  readonly job: Job;
  readonly task: Task<unknown>;
  /** Why this worker cancelled the task; `undefined` while it did not. */
  why: "shutdown" | "lost" | "aborted" | undefined;
}

async function work(
  queue: string,
  handler: (job: Job, ctx: JobContext) => unknown,
  options: RunWorkerOptions,
  setup: {
    caller: Task<unknown>;
    connection: { options: ConnectionOptions; url: string };
    settings: Settings;
  },
): Promise<WorkerSummary> {
  const { caller, connection, settings } = setup;
  await probeConnection(connection);

  const summary: WorkerSummary = { completed: 0, failed: 0, returned: 0, lost: 0 };
  const running = new Map<string, Running>();
  const idle = new Event();
  idle.set();
  // Set once the shutdown's grace has run out: a job BullMQ hands over after that goes straight back.
  let returning = false;
  // Set when the shutdown begins (JobContext.closing).
  let closingNow = false;
  // BullMQ calls back from outside any task, where no loop is running: the caller's loop is taken now.
  const loop = getRunningLoop();
  const emit = (event: WorkerEvent): void => {
    if (options.onEvent !== undefined) {
      try {
        options.onEvent(event);
      } catch (error) {
        // Reported by the loop (`Exception in callback`), as an error of any other callback; the worker goes on.
        loop.callSoon(() => {
          throw error;
        });
      }
    } else if (event.type === "error") {
      const message = event.error instanceof Error ? event.error.message : String(event.error);
      console.error(`aio-ts/bullmq: worker on queue ${JSON.stringify(queue)}: ${message}`);
    }
  };

  const returnToQueue = async (job: Job, token: string): Promise<never> => {
    try {
      await job.moveToWait(token);
      summary.returned++;
      emit({ type: "returned", job });
    } catch (error) {
      // The lock was lost meanwhile, or Redis is gone: the job is left active, for the stalled check to put back.
      // Any other error thrown to BullMQ would fail the job, which a shutdown must never do.
      summary.lost++;
      emit({ type: "lost", job });
      emit({ type: "error", error: error instanceof Error ? error : new Error(String(error)) });
    }
    throw new bullmq.WaitingError();
  };

  // BullMQ gives the processor a signal only if it declares three parameters.
  const processor = async (job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<unknown> => {
    const lockToken = token ?? "";
    if (returning) return returnToQueue(job, lockToken);
    let ctx: JobContext | undefined;
    const task = storage.run(caller, () =>
      createTask(async () => handler(job, ctx as JobContext), { name: `job ${job.id ?? "?"}` }),
    );
    // A getter: a `timeout` inside the handler cancels the task and, once it is over, uncancels it, which gives the
    // task a fresh signal; the handler must get that one, not the one aborted by the expired timeout.
    ctx = {
      get signal() {
        return task.signal;
      },
      token: lockToken,
      job,
      get closing() {
        return closingNow;
      },
    };
    const entry: Running = { job, task, why: undefined };
    const id = job.id ?? "";
    running.set(id, entry);
    idle.clear();
    emit({ type: "active", job });
    const onAbort = (): void => {
      entry.why ??= "aborted";
      task.cancel(`job ${id} was cancelled through BullMQ`);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await new Promise<void>((resolve) => task.addDoneCallback(() => resolve()));
    } finally {
      signal?.removeEventListener("abort", onAbort);
      running.delete(id);
      if (running.size === 0) idle.set();
    }
    if (!task.cancelled()) {
      let result: unknown;
      try {
        result = task.result();
      } catch (error) {
        // BullMQ's own test: the handler's copy of bullmq (its ES build, say) may not be the one loaded here.
        if (error instanceof bullmq.WaitingError || (error as Error | null)?.name === "WaitingError") {
          // The handler gave its job back itself (JobContext.closing).
          summary.returned++;
          emit({ type: "returned", job });
          throw error;
        }
        summary.failed++;
        emit({ type: "failed", job, error });
        throw error;
      }
      summary.completed++;
      emit({ type: "completed", job, result });
      return result;
    }
    switch (entry.why) {
      case "lost":
        summary.lost++;
        emit({ type: "lost", job });
        // Not ours any more: BullMQ must neither complete nor fail it, and WaitingError tells it to leave the job be.
        throw new bullmq.WaitingError();
      case "aborted": {
        summary.failed++;
        const error = new Error(`job ${id} was cancelled`);
        emit({ type: "failed", job, error });
        throw error;
      }
      default:
        return returnToQueue(job, lockToken);
    }
  };

  const worker = storage.exit(
    () => new bullmq.Worker(queue, processor, { ...settings.workerOptions, connection: connection.options }),
  );
  worker.on("error", (error) => {
    // Said by the "lost" event of the job, whose task this worker cancels.
    const lock = /^could not renew lock for job (.+)$/.exec(error.message);
    if (lock !== null && running.has(lock[1] ?? "")) return;
    emit({ type: "error", error });
  });
  worker.on("lockRenewalFailed", (jobIds) => {
    for (const id of jobIds) {
      const entry = running.get(id);
      if (entry === undefined || entry.why !== undefined) continue;
      entry.why = "lost";
      entry.task.cancel(`job ${id} lost its lock`);
    }
  });

  // Labelled for `aio ps` and captureCallGraph: the caller waits here while its jobs run under it.
  const stopped = new LabelledFuture<void>(loop, {
    kind: "other",
    label: `runWorker (BullMQ queue ${JSON.stringify(queue)}, concurrency ${settings.concurrency})`,
  });
  const onStop = (): void => {
    if (!stopped.done()) stopped.setResult(undefined);
  };
  options.signal?.addEventListener("abort", onStop, { once: true });
  const runs = storage.exit(() => worker.run());
  runs.then(onStop, (error: unknown) => {
    if (!stopped.done()) stopped.setException(error);
  });

  // What ended the wait: nothing (options.signal, or BullMQ stopped by itself), a cancel, or BullMQ's failure.
  let ended: { error: unknown } | undefined;
  try {
    if (options.signal?.aborted) onStop();
    await stopped;
  } catch (error) {
    ended = { error };
  }
  options.signal?.removeEventListener("abort", onStop);
  closingNow = true;
  emit({ type: "closing" });
  // Stops fetching at once; resolves once the running jobs are settled and the connections are closed.
  const closed = storage.exit(() => worker.close());
  closed.catch(() => {});
  if ((ended === undefined || isCancelledError(ended.error)) && running.size > 0) {
    try {
      await moveOnAfter(settings.graceMs === Number.POSITIVE_INFINITY ? null : settings.graceMs, () => idle.wait());
    } catch (error) {
      // A (second) cancel ends the grace period at once; it is thrown once the worker is closed.
      ended ??= { error };
    }
  }
  returning = true;
  for (const entry of running.values()) {
    if (entry.why !== undefined) continue;
    entry.why = "shutdown";
    entry.task.cancel("the worker is shutting down");
  }
  // Not a cancellation point: the jobs must be back in the queue and the connections closed before returning.
  await closed;
  await runs.catch(() => {});
  if (ended !== undefined) throw ended.error;
  return summary;
}
