import {
  type Awaitable,
  argumentError,
  ensureFuture,
  Future,
  loopOf,
  type Runnable,
  Task,
  TimeoutError,
  type TimerHandle,
} from "../core/index.ts";
import { awaitableList } from "./detached.ts";

/** Options of `asCompleted`. */
export interface AsCompletedOptions {
  /** Throw `TimeoutError` from the iteration if not everything is done after this many ms. */
  timeout?: number | null | undefined;
}

class Arrival implements Runnable {
  readonly owner: AsCompletedIterator<unknown>;
  readonly future: Future<unknown>;

  constructor(owner: AsCompletedIterator<unknown>, future: Future<unknown>) {
    this.owner = owner;
    this.future = future;
  }

  run(): void {
    this.owner.arrive(this);
  }
}

/**
 * The iterator `asCompleted` returns. Hand-written rather than an async
 * generator: a generator's `yield task` would await the (thenable) task and
 * yield its result, and we must yield the task itself.
 */
class AsCompletedIterator<T> implements AsyncIterableIterator<Future<T>> {
  private readonly todo = new Set<Arrival>();
  private readonly arrived: Future<T>[] = [];
  /** Tasks we started from functions: ours to cancel if the loop is left early. */
  private readonly owned: Task<T>[] = [];
  private waiter: Future<void> | undefined;
  private timer: TimerHandle | undefined;
  private timedOut = false;

  constructor(aws: readonly Awaitable<T>[], timeout: number | null) {
    const seen = new Set<Future<T>>();
    for (const aw of aws) {
      const f = ensureFuture(aw);
      if (seen.has(f)) continue;
      seen.add(f);
      if (typeof aw === "function" && f instanceof Task) this.owned.push(f);
      const arrival = new Arrival(this as AsCompletedIterator<unknown>, f as Future<unknown>);
      this.todo.add(arrival);
      f._addCallback(arrival);
    }
    if (timeout !== null && this.todo.size > 0) {
      this.timer = loopOf().callLater(timeout, () => {
        this.timedOut = true;
        this.detach();
        this.wake();
      });
    }
  }

  /** @internal */
  arrive(arrival: Arrival): void {
    if (!this.todo.delete(arrival)) return;
    this.arrived.push(arrival.future as Future<T>);
    if (this.todo.size === 0) this.timer?.cancel();
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter !== undefined && !waiter.done()) waiter.setResult(undefined);
  }

  private detach(): void {
    for (const arrival of this.todo) arrival.future._removeCallback(arrival);
    this.todo.clear();
    this.timer?.cancel();
  }

  /**
   * The next task or future to finish, as soon as it does.
   *
   * **Cancel safety:** if the caller is cancelled while waiting, nothing is
   * lost: the futures keep arriving and the next call yields them.
   */
  async next(): Promise<IteratorResult<Future<T>>> {
    for (;;) {
      const f = this.arrived.shift();
      if (f !== undefined) return { value: f, done: false };
      if (this.timedOut) {
        this.timedOut = false;
        throw new TimeoutError("asCompleted() timed out");
      }
      if (this.todo.size === 0) return { value: undefined, done: true };
      // A waiter cancelled with an earlier caller is spent: take a fresh one.
      if (this.waiter === undefined || this.waiter.done()) this.waiter = new Future<void>();
      await this.waiter;
    }
  }

  /** Leaving the loop early: stop listening, and cancel the tasks we started ourselves. */
  async return(): Promise<IteratorResult<Future<T>>> {
    this.detach();
    this.arrived.length = 0;
    for (const task of this.owned) task.cancel();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Iterates over `aws` in the order they finish, yielding the very tasks and
 * futures (functions become tasks, promises futures): `await` each one to get
 * its result or its error.
 *
 * A `timeout` makes the iteration throw `TimeoutError` when it passes; it
 * cancels nothing. Leaving the loop early (`break`, `return`, a throw)
 * cancels the tasks that `asCompleted` started from functions; tasks you
 * passed in are yours and keep running.
 *
 * **Cancel safety:** a cancelled `next()` loses nothing; see `next()`.
 *
 * @throws TypeError if `aws` holds a non-awaitable or the timeout is not a number.
 *
 * @example
 * ```ts
 * import { asCompleted, run } from "aio";
 * await run(async () => {
 *   for await (const task of asCompleted([fetchA, fetchB, fetchC], { timeout: 5000 })) {
 *     console.log(await task); // fastest first
 *   }
 * });
 * ```
 */
export function asCompleted<T>(
  aws: Iterable<Awaitable<T>>,
  options: AsCompletedOptions = {},
): AsyncIterableIterator<Future<T>> {
  const list = awaitableList(aws);
  const { timeout = null } = options;
  if (timeout !== null && (typeof timeout !== "number" || Number.isNaN(timeout))) {
    throw argumentError("timeout", "a number of milliseconds or null", timeout);
  }
  return new AsCompletedIterator(list, timeout);
}
