/**
 * `WorkerPool`: CPU-bound functions on worker threads, as cancellable as
 * any other await. asyncio's counterpart is `loop.run_in_executor(pool, fn,
 * *args)` with a `ProcessPoolExecutor`; its jobs, though, cannot be stopped
 * once they run, where a cancelled job here stops at once.
 *
 * piscina manages the threads (starting them on demand, reusing them,
 * retiring idle ones, terminating one whose job is aborted). The pool keeps
 * its own queue, an aio `Semaphore` of `maxThreads` permits, and hands piscina
 * a job only when a thread is free for it, for three reasons: a queued job is
 * an aio wait, so cancelling it is immediate and leaves nothing behind; the
 * bound on running jobs is exact; and piscina, with `minThreads: 0`, leaves a
 * job stranded in its own queue when the job running before it is aborted
 * (it replaces the terminated thread only up to `minThreads`).
 */
import { setMaxListeners } from "node:events";
import { Piscina } from "piscina";
import {
  argumentError,
  asCancelledError,
  ensureFuture,
  type Future,
  isCancelledError,
  type Loop,
  loopOf,
} from "../core/index.ts";
import { Event, Semaphore } from "../sync/index.ts";
import { WorkerError } from "./errors.ts";
import { cloneable, isRemoteError, unpackError } from "./remote-error.ts";
import type { Job } from "./worker-entry.ts";
import { type ResolvedOptions, resolveOptions, type WorkerPoolOptions } from "./worker-pool-options.ts";

// The entry has this file's extension: `.ts` from the sources, `.js` once built.
const ENTRY = new URL(`./worker-entry${import.meta.url.endsWith(".js") ? ".js" : ".ts"}`, import.meta.url).href;

// ── Types ──

/** Any module: what a pool runs when it is not told the module's type. */
export type UntypedWorkerModule = Record<string, (...args: unknown[]) => unknown>;

/** The names of `M`'s exports that are functions. */
export type WorkerFunctionName<M> = {
  [K in keyof M]: M[K] extends (...args: never[]) => unknown ? K : never;
}[keyof M] &
  string;

/** The parameters of `M`'s function `K`. */
export type WorkerArgs<M, K extends keyof M> = M[K] extends (...args: infer A) => unknown ? A : never;

/** What `M`'s function `K` returns, awaited (a worker function may be async). */
export type WorkerResult<M, K extends keyof M> = M[K] extends (...args: never[]) => infer R ? Awaited<R> : never;

/** What `WorkerPool.statistics()` returns. */
export interface WorkerPoolStatistics {
  /** Worker threads alive: starting, running a job, or idle. */
  threads: number;
  /** Threads alive with no job. */
  idleThreads: number;
  /** Jobs handed to a thread (or to one starting for them), at most `maxThreads`. */
  running: number;
  /** Jobs waiting for a thread. */
  queued: number;
  /** Jobs that ran to an outcome: returned, or threw in the worker. */
  completed: number;
  /** Jobs cancelled while queued or running. */
  cancelled: number;
  /** The most threads, and so the most jobs running at once. */
  maxThreads: number;
  /** `"open"`, `"closing"` (finishing its jobs, refusing new ones) or `"closed"`. */
  state: "open" | "closing" | "closed";
}

// ── WorkerPool ──

function isDataCloneError(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as Error).name === "DataCloneError";
}

/** An error's message; or its stack's first line, as a `DOMException` from a worker comes with no message. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message || (error.stack?.split("\n", 1)[0] ?? error.name);
}

/**
 * A pool of worker threads that run the functions a module exports: CPU-bound
 * work off the event loop, with asyncio's cancellation.
 *
 * `run(name, ...args)` calls the module's export `name` on a free thread and
 * resolves to what it returns; arguments and results are copied by
 * structured clone (no functions, no class prototypes). At most `maxThreads`
 * jobs run at once; the others wait in FIFO order. A job is cancelled with
 * the task that awaits it: by `task.cancel()`, a `waitFor`/`timeout` that
 * expires, or a `TaskGroup` whose sibling failed. A queued job is dropped; a
 * running one is stopped by terminating its thread (a fresh one replaces it),
 * so even a busy loop ends at once. Either way the caller gets the task's
 * `CancelledError`.
 *
 * Idle threads do not keep Node alive; a thread running a job does.
 * `close()` (or `await using`) waits for the jobs under way and stops the
 * threads; `terminate()` stops everything at once.
 *
 * Give the module's type for typed calls:
 * `new WorkerPool<typeof import("./jobs.ts")>({ filename })`.
 *
 * @throws TypeError if an option is invalid (see `WorkerPoolOptions`).
 *
 * @example
 * ```ts
 * // jobs.ts
 * export function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
 *
 * // main.ts
 * import { gather, run, waitFor } from "aio-ts";
 * import { WorkerPool } from "aio-ts/workers";
 *
 * await run(async () => {
 *   await using pool = new WorkerPool<typeof import("./jobs.ts")>({
 *     filename: new URL("./jobs.ts", import.meta.url),
 *   });
 *   const [a, b] = await gather(pool.run("fib", 30), pool.run("fib", 31)); // on two threads
 *   console.log(a + b); // 2178309
 *   // fib(60) would take hours: after 1 s, its thread is terminated and waitFor throws TimeoutError.
 *   await waitFor(pool.run("fib", 60), 1000).catch((e: unknown) => console.log(e));
 * });
 * ```
 */
export class WorkerPool<M extends object = UntypedWorkerModule> {
  /** The module's file URL. */
  readonly filename: string;
  /** Threads kept alive even when idle (the `minThreads` option, default 0). */
  readonly minThreads: number;
  /** The most threads, and so the most jobs running at once (the `maxThreads` option). */
  readonly maxThreads: number;
  private readonly piscina: Piscina<Job, unknown>;
  private readonly slots: Semaphore;
  /** Where reports go: the loop the pool was created in. */
  private readonly loop: Loop;
  /** Aborts the waits of queued jobs when the pool is terminated. */
  private readonly terminating = new AbortController();
  private state: WorkerPoolStatistics["state"] = "open";
  private terminated = false;
  /** `run()` calls under way, queued or running. */
  private pending = 0;
  private running = 0;
  private completed = 0;
  private cancelled = 0;
  /** Set when `pending` is back to 0; created by the first `close()`. */
  private idle: Event | undefined = undefined;
  private destroying: Promise<void> | undefined = undefined;

  constructor(options: WorkerPoolOptions) {
    const resolved: ResolvedOptions = resolveOptions(options);
    this.filename = resolved.filename;
    this.minThreads = resolved.minThreads;
    this.maxThreads = resolved.maxThreads;
    this.loop = loopOf();
    this.slots = new Semaphore(resolved.maxThreads);
    // One listener per queued job: many may wait at once, by design.
    setMaxListeners(0, this.terminating.signal);
    this.piscina = new Piscina<Job, unknown>({
      filename: ENTRY,
      minThreads: resolved.minThreads,
      maxThreads: resolved.maxThreads,
      idleTimeout: resolved.idleTimeout,
      recordTiming: false,
    });
    // A thread that fails with no job on it (an error left behind by a job
    // that returned): there is no caller to tell, so the loop reports it.
    this.piscina.on("error", (error: unknown) => {
      this.loop.report({ message: `A worker thread of ${this} failed between jobs`, error });
    });
  }

  /**
   * Runs the module's function `name` with `args` on a worker thread and
   * returns what it returns (awaited, if it is async).
   *
   * An error thrown by the function is thrown here: the same message, stack
   * (the worker's), `cause`, class if it is a built-in one, `name` and own
   * properties such as `code`.
   *
   * **Cancel safety:** if cancelled while queued, the job is dropped and
   * never runs; if cancelled while running, its thread is terminated (the
   * job stops wherever it is, and any side effect it already had stays). In
   * both cases `CancelledError` is thrown at once and the pool goes on with
   * its other jobs.
   *
   * @throws TypeError if `name` is not a string, if the module exports no
   *   function `name` (thrown by the worker), or if an argument cannot be
   *   cloned.
   * @throws WorkerError `ERR_AIO_WORKER_POOL_CLOSED` if the pool is closing
   *   or closed (or is terminated while the job waits or runs),
   *   `ERR_AIO_WORKER_CRASHED` if the thread died under the job.
   *
   * @example
   * ```ts
   * import { WorkerPool } from "aio-ts/workers";
   * await using pool = new WorkerPool({ filename: new URL("./jobs.ts", import.meta.url) });
   * const digest = await pool.run("sha256", "some data"); // unknown: give the module's type for a typed result
   * console.log(digest);
   * ```
   */
  async run<K extends WorkerFunctionName<M>>(name: K, ...args: WorkerArgs<M, K>): Promise<WorkerResult<M, K>> {
    if (typeof name !== "string") {
      throw argumentError("name", "the name of a function exported by the worker module", name);
    }
    if (this.state !== "open") throw this.closedError(name);
    this.pending++;
    try {
      try {
        await this.slots.acquire({ signal: this.terminating.signal });
      } catch (error) {
        if (isCancelledError(error)) this.cancelled++;
        else if (error === this.terminating.signal.reason) throw this.closedError(name);
        throw error;
      }
      return (await this.runOnThread(name, args)) as WorkerResult<M, K>;
    } finally {
      if (--this.pending === 0) this.idle?.set();
    }
  }

  /** Runs a job on a thread, holding one of the slots (released here, with `running`, so statistics agree). */
  private async runOnThread(name: string, args: unknown[]): Promise<unknown> {
    this.running++;
    try {
      if (this.terminated) throw this.closedError(name);
      // Abort through a controller of the job's own, from a done-callback of
      // the future the caller awaits: whatever cancels that wait (the task's
      // cancel, a timeout, a task group) stops the job, and no listener is
      // added to the task's signal per job (a task may await many at once).
      const controller = new AbortController();
      const future: Future<unknown> = ensureFuture(
        this.piscina.run({ filename: this.filename, name, args }, { signal: controller.signal }),
      );
      future.addDoneCallback((f) => {
        if (f.cancelled()) controller.abort();
      });
      const value = await future;
      this.completed++;
      return value;
    } catch (error) {
      throw this.failure(error, name, args);
    } finally {
      this.running--;
      this.slots.release();
    }
  }

  /** The error a caller sees for a failed job, from what piscina rejected with. */
  private failure(error: unknown, name: string, args: unknown[]): unknown {
    const cancelled = asCancelledError(error);
    if (cancelled !== undefined) {
      this.cancelled++;
      return cancelled;
    }
    if (isRemoteError(error)) {
      this.completed++;
      return unpackError(error);
    }
    if (this.terminated) return this.closedError(name, error);
    if (isDataCloneError(error)) {
      const index = args.findIndex((arg) => !cloneable(arg));
      if (index >= 0) {
        const bad = argumentError(`args[${index}]`, "a value that structured clone can copy", args[index]);
        bad.cause = error;
        return bad;
      }
    }
    // Every argument clones, and a function's error is packed so that it does:
    // what failed is the result. Say so in aio's words, as each runtime words
    // its DataCloneError differently ("could not" on Node, "can not" on Bun).
    const detail = isDataCloneError(error) ? `its result could not be cloned (${describe(error)})` : describe(error);
    return new WorkerError(`The worker thread running \`${name}\` failed: ${detail}`, {
      function: name,
      code: "ERR_AIO_WORKER_CRASHED",
      cause: error,
    });
  }

  private closedError(name: string, cause?: unknown): WorkerError {
    return new WorkerError(`Cannot run \`${name}\`: ${this} is ${this.terminated ? "terminated" : "closed"}`, {
      function: name,
      code: "ERR_AIO_WORKER_POOL_CLOSED",
      cause,
    });
  }

  /**
   * Closes the pool: new jobs are refused at once, the jobs queued and
   * running finish (asyncio's `executor.shutdown(wait=True)`), then every
   * thread is stopped. Later calls wait for the same.
   *
   * **Cancel safety:** if cancelled while jobs are still under way, the pool
   * is terminated instead (as `terminate()`), and the threads are stopped
   * before `CancelledError` is thrown.
   *
   * @example
   * ```ts
   * import { WorkerPool } from "aio-ts/workers";
   * const pool = new WorkerPool({ filename: "/srv/app/jobs.js" });
   * try { console.log(await pool.run("resize", "photo.jpg")); }
   * finally { await pool.close(); }
   * ```
   */
  async close(): Promise<void> {
    if (this.state === "open") this.state = "closing";
    if (this.pending > 0) {
      this.idle ??= new Event();
      try {
        await this.idle.wait();
      } catch (error) {
        if (isCancelledError(error)) await this.terminate();
        throw error;
      }
    }
    await this.destroy();
  }

  /**
   * Stops the pool at once: queued jobs are dropped and running ones are
   * stopped (their callers get a `WorkerError`, `ERR_AIO_WORKER_POOL_CLOSED`),
   * and every thread is terminated. asyncio's
   * `executor.shutdown(wait=False, cancel_futures=True)`, except that the
   * running jobs stop too.
   *
   * **Cancel safety:** if cancelled, the pool is terminated anyway; only the
   * wait for the threads to exit is abandoned.
   */
  async terminate(): Promise<void> {
    if (this.state === "open") this.state = "closing";
    if (!this.terminated) {
      this.terminated = true;
      this.terminating.abort(new Error("pool terminated"));
    }
    await this.destroy();
  }

  /** Stops every thread, once; the wait can be abandoned, as with any foreign promise. */
  private destroy(): Promise<void> {
    this.destroying ??= this.piscina.destroy().then(() => {
      this.state = "closed";
    });
    return ensureFuture(this.destroying);
  }

  /**
   * Closes the pool: `await using pool = new WorkerPool(...)`.
   *
   * **Cancel safety:** as `close()`'s: a cancelled close terminates the pool.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** A snapshot of the pool's threads and jobs. */
  statistics(): WorkerPoolStatistics {
    return {
      threads: this.piscina.threads.length,
      idleThreads: this.piscina.idleThreads,
      running: this.running,
      queued: this.slots.statistics().waiters,
      completed: this.completed,
      cancelled: this.cancelled,
      maxThreads: this.maxThreads,
      state: this.state,
    };
  }

  /** `<WorkerPool jobs.js open, 2 running, 5 queued>`. */
  toString(): string {
    const file = this.filename.slice(this.filename.lastIndexOf("/") + 1);
    return `<WorkerPool ${file} ${this.state}, ${this.running} running, ${this.slots.statistics().waiters} queued>`;
  }
}
