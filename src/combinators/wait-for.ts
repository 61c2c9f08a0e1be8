import {
  type Awaitable,
  argumentError,
  asCancelledError,
  current,
  ensureFuture,
  Future,
  isAwaitable,
  isCancelledError,
  type Runnable,
  type Task,
  TimeoutError,
} from "../core/index.ts";
import { inTask } from "./detached.ts";
import { runScope, Timeout } from "./timeout.ts";

/** Resolves `waiter` when the future it watches is done; never links the two. */
class Release implements Runnable {
  readonly waiter: Future<void>;

  constructor(waiter: Future<void>) {
    this.waiter = waiter;
  }

  run(): void {
    if (!this.waiter.done()) this.waiter.setResult(undefined);
  }
}

/** Cancels `future` and waits until it is done, without propagating our own cancellation into it twice. */
async function cancelAndWait(future: Future<unknown>): Promise<void> {
  const waiter = new Future<void>();
  const release = new Release(waiter);
  future._addCallback(release);
  try {
    future.cancel();
    await waiter;
  } finally {
    future._removeCallback(release);
  }
}

/**
 * Awaits a child task or future, cancelling it (not the caller) when `ms`
 * pass: waitFors running side by side in one task stay independent.
 */
async function expireChild<T>(task: Task<unknown>, future: Future<T>, ms: number): Promise<T> {
  let expired = false;
  const timer = task._loop.callLater(ms, () => {
    expired = true;
    future.cancel();
  });
  const cancellingBefore = task.cancelling();
  try {
    return await future;
  } catch (error) {
    const cancelled = asCancelledError(error);
    // A cancel of the caller from outside stays a CancelledError.
    if (expired && cancelled !== undefined && task.cancelling() <= cancellingBefore) {
      throw new TimeoutError(`waitFor() timed out after ${ms} ms`, { cause: cancelled });
    }
    throw error;
  } finally {
    timer.cancel();
  }
}

/**
 * Waits for `aw` for at most `ms` milliseconds (`null`: no limit).
 *
 * On expiry the awaited work is cancelled (it sees `CancelledError`, its
 * `finally` blocks run, and waitFor waits for that), then `TimeoutError` is
 * thrown with the `CancelledError` as its `cause`. A function is started as a
 * child task; a task or future is awaited; on expiry only that child is
 * cancelled, so several `waitFor`s in one task stay independent. A promise
 * (such as `waitFor(slowApi(), 3000)`) ran inline, in the calling task: on
 * expiry the calling task's pending awaits are cancelled, which stops the
 * inline work's aio sleeps and calls too; a foreign promise is abandoned.
 * A timeout of 0 or less gives the work no time at all, as asyncio's
 * `wait_for` does.
 *
 * **Cancel safety:** if the caller is cancelled, the awaited work is cancelled too.
 *
 * @throws TypeError if `aw` is not awaitable or `ms` is not a number or null.
 * @throws TimeoutError if the time runs out first.
 *
 * @example
 * ```ts
 * import { run, sleep, waitFor, TimeoutError } from "aio";
 * async function slowApi() { await sleep(10_000); return "data"; }
 * await run(async () => {
 *   try { await waitFor(slowApi, 3000); }
 *   catch (e) { if (e instanceof TimeoutError) console.log("Request timed out after 3 seconds"); else throw e; }
 * });
 * ```
 */
export function waitFor<T>(aw: Awaitable<T>, ms: number | null): Promise<T> {
  if (ms !== null && (typeof ms !== "number" || Number.isNaN(ms))) {
    throw argumentError("ms", "a number of milliseconds or null", ms);
  }
  if (!isAwaitable(aw)) throw argumentError("aw", "an awaitable (a promise, task, future or function)", aw);
  return inTask(async () => {
    const future = ensureFuture(aw);
    if (ms !== null && ms <= 0) {
      if (future.done()) return future.result();
      await cancelAndWait(future);
      try {
        return future.result();
      } catch (error) {
        if (isCancelledError(error)) throw new TimeoutError(`waitFor() timed out after ${ms} ms`, { cause: error });
        throw error;
      }
    }
    if (ms === null) return await future;
    const task = current() as Task<unknown>;
    if (aw instanceof Future || typeof aw === "function") return expireChild(task, future, ms);
    // A promise's work ran inline, in this task: only cancelling the task's
    // own awaits stops it (and its timers), as asyncio's inline wait_for.
    return runScope(new Timeout(task._loop.now() + ms, "waitFor", ms), () => future);
  });
}
