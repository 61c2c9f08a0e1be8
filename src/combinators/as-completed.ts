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
  type WaitInfo,
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

  /** @internal For `captureCallGraph`: an awaitable not arrived yet is awaited by whoever awaits the next one. */
  _awaiter(): Future<unknown> | undefined {
    return this.owner._waiter();
  }
}

/** What the consumer of `asCompleted` awaits for the next arrival. */
class ArrivalWait extends Future<void> {
  readonly owner: AsCompletedIterator<unknown>;

  constructor(owner: AsCompletedIterator<unknown>) {
    super();
    this.owner = owner;
  }

  /** @internal For `captureCallGraph`. */
  override _describeWait(): WaitInfo {
    return { kind: "future", label: `asCompleted (${this.owner._toCome()} to come)` };
  }
}

/**
 * The iterator `asCompleted` returns. Hand-written rather than an async
 * generator: a generator's `yield task` would await the (thenable) task and
 * yield its result, and we must yield the task itself.
 *
 * As asyncio 3.13's `_AsCompletedIterator`, it can also be iterated plainly
 * (`for (const next of asCompleted(aws)) await next`): each step hands out
 * one awaitable that resolves to the result (or throws the error) of the
 * next one to finish, whichever step is awaited first.
 */
class AsCompletedIterator<T> implements AsyncIterableIterator<Future<T>>, Iterable<PromiseLike<T>> {
  private readonly todo = new Set<Arrival>();
  /** Finished futures, in order; `null` is a timeout's mark, one per future that did not make it. */
  private readonly arrived: (Future<T> | null)[] = [];
  /** Tasks we started from functions: ours to cancel if the loop is left early. */
  private readonly owned: Task<T>[] = [];
  private waiter: Future<void> | undefined;
  private timer: TimerHandle | undefined;
  /** Steps still to hand out: one per distinct awaitable. */
  private left = 0;

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
    this.left = this.todo.size;
    if (timeout !== null && this.todo.size > 0) {
      this.timer = loopOf().callLater(timeout, () => {
        // As asyncio: every step still to come throws TimeoutError.
        // Stryker disable next-line EqualityOperator: equivalent, a null beyond the steps left is never read: `left` bounds next() and plain iteration
        for (let i = 0; i < this.todo.size; i++) this.arrived.push(null);
        // Stryker disable next-line CallExpression: equivalent, after the timeout every step left reads one of the nulls just pushed; later arrivals land beyond `left` and are never read
        this.detach();
        this.wake();
      });
    }
  }

  /** @internal */
  arrive(arrival: Arrival): void {
    // Stryker disable next-line ConditionalExpression: equivalent, an arrival after detach() lands beyond the steps left (`left`), so it is never read
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
    // Stryker disable next-line CallExpression: equivalent, todo is cleared next, so a leftover Arrival returns at once in arrive()
    for (const arrival of this.todo) arrival.future._removeCallback(arrival);
    // Stryker disable next-line CallExpression: equivalent, the callbacks were just removed, and an arrival already queued lands beyond `left`, never read
    this.todo.clear();
    this.timer?.cancel();
  }

  /**
   * Waits for the next future to finish; throws `TimeoutError` past the
   * deadline. Boxed: an async function returning the (thenable) future would
   * await it instead.
   */
  private async take(): Promise<{ future: Future<T> }> {
    for (;;) {
      if (this.arrived.length > 0) {
        const future = this.arrived.shift() as Future<T> | null;
        if (future === null) throw new TimeoutError("asCompleted() timed out");
        return { future };
      }
      // A waiter cancelled with an earlier caller is spent: take a fresh one.
      if (this.waiter === undefined || this.waiter.done()) {
        this.waiter = new ArrivalWait(this as AsCompletedIterator<unknown>);
      }
      await this.waiter;
    }
  }

  /** @internal For `captureCallGraph`: what the consumer awaits now, if it waits. */
  _waiter(): Future<unknown> | undefined {
    return this.waiter;
  }

  /** @internal For `captureCallGraph`: the awaitables not arrived yet. */
  _toCome(): number {
    return this.todo.size;
  }

  /**
   * The next task or future to finish, as soon as it does.
   *
   * **Cancel safety:** if the caller is cancelled while waiting, nothing is
   * lost: the futures keep arriving and the next call yields them.
   */
  async next(): Promise<IteratorResult<Future<T>>> {
    if (this.left === 0) return { value: undefined, done: true };
    this.left--;
    try {
      return { value: (await this.take()).future, done: false };
    } catch (error) {
      // A cancelled wait took nothing; a timeout did use up its step.
      if (!(error instanceof TimeoutError)) this.left++;
      throw error;
    }
  }

  /** Leaving the loop early: stop listening, and cancel the tasks we started ourselves. */
  async return(): Promise<IteratorResult<Future<T>>> {
    this.detach();
    this.arrived.length = 0;
    this.left = 0;
    for (const task of this.owned) task.cancel();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * Plain iteration, as asyncio's `for f in as_completed(aws)`: one awaitable
   * per awaitable given, each resolving to the result of the next to finish.
   * Leaving this loop early cancels nothing.
   */
  [Symbol.iterator](): Iterator<PromiseLike<T>> {
    return {
      next: (): IteratorResult<PromiseLike<T>> => {
        if (this.left === 0) return { value: undefined, done: true };
        this.left--;
        return { value: new NextResult(this as AsCompletedIterator<unknown>) as PromiseLike<T>, done: false };
      },
    };
  }

  /** @internal One step of plain iteration: the outcome of the next future to finish. */
  async _nextResult(): Promise<T> {
    return (await this.take()).future.result();
  }
}

/**
 * A step of plain iteration. Lazy, like the coroutine asyncio hands out: it
 * starts waiting when first awaited, so whichever step is awaited first gets
 * the first future to finish.
 */
class NextResult implements PromiseLike<unknown> {
  private readonly owner: AsCompletedIterator<unknown>;
  private promise: Promise<unknown> | undefined;

  constructor(owner: AsCompletedIterator<unknown>) {
    this.owner = owner;
  }

  // biome-ignore lint/suspicious/noThenProperty: an awaitable step, as asyncio's coroutine.
  then<R1 = unknown, R2 = never>(
    onFulfilled?: ((value: unknown) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.promise ??= this.owner._nextResult();
    return this.promise.then(onFulfilled, onRejected);
  }
}

/**
 * Iterates over `aws` in the order they finish, yielding the very tasks and
 * futures (functions become tasks, promises futures): `await` each one to get
 * its result or its error.
 *
 * A `timeout` makes the iteration throw `TimeoutError` when it passes, once
 * for each awaitable not finished by then; it cancels nothing. Leaving the
 * loop early (`break`, `return`, a throw) cancels the tasks that
 * `asCompleted` started from functions; tasks you passed in are yours and
 * keep running.
 *
 * It can also be iterated plainly, as asyncio's `for f in as_completed(aws)`:
 * `for (const next of asCompleted(aws)) console.log(await next)` awaits the
 * results (or errors) themselves, in the order they come.
 *
 * **Cancel safety:** a cancelled `next()` loses nothing; see `next()`.
 *
 * @throws TypeError if `aws` holds a non-awaitable or the timeout is not a number.
 *
 * @example
 * ```ts
 * import { asCompleted, run } from "aio-ts";
 * declare function fetchA(): Promise<string>;
 * declare function fetchB(): Promise<string>;
 * declare function fetchC(): Promise<string>;
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
): AsyncIterableIterator<Future<T>> & Iterable<PromiseLike<T>> {
  const list = awaitableList(aws);
  const { timeout = null } = options;
  if (timeout !== null && (typeof timeout !== "number" || Number.isNaN(timeout))) {
    throw argumentError("timeout", "a number of milliseconds or null", timeout);
  }
  return new AsCompletedIterator(list, timeout);
}
