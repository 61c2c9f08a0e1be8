import { current, InvalidStateError, inspection, type Loop, type Task, type WaitInfo } from "../core/index.ts";
import { Held } from "./held.ts";
import { park, signalOf, WaiterList, type WaitOptions } from "./waiter.ts";

const TRUE = Promise.resolve(true as const);
const acquired = (): true => true;
const rethrow = (error: unknown): never => {
  throw error;
};

/**
 * A mutual-exclusion lock for tasks: asyncio's `Lock`.
 *
 * Strictly first-in first-out, with no barging: after `release()`, the lock
 * goes to the first waiter even if another task asks for it before that
 * waiter runs. A waiter woken and then cancelled before it runs passes the
 * lock on, so no wakeup is ever lost.
 *
 * @example
 * ```ts
 * import { Lock } from "aio-ts";
 * declare function updateSharedState(): Promise<void>;
 * const lock = new Lock();
 * await lock.acquire();
 * try { await updateSharedState(); } finally { lock.release(); }
 * // or: await using _ = await lock.hold();
 * ```
 */
export class Lock {
  private isLocked = false;
  private readonly waiters = new WaiterList<true>()._ownedBy(this);
  /**
   * The task that holds the lock, for `captureCallGraph` ("held by task ..."); unknown if taken outside a
   * task, or before anything inspected the process (see `inspection`). Private (#): a task in a property would
   * make `JSON.stringify` of a held lock throw on its loop's circle.
   */
  #holder: Task<unknown> | undefined = undefined;
  /** Waiters woken by a release that have not run yet: the lock is theirs. */
  private woken = 0;

  /**
   * Whether a task holds the lock. As in asyncio, it is false from `release()`
   * until the woken waiter runs, though `acquire()` would still wait then (the
   * lock is promised to that waiter).
   */
  locked(): boolean {
    return this.isLocked;
  }

  /**
   * Acquires the lock, waiting for it if it is held (or promised to a
   * woken waiter). Resolves to `true`.
   *
   * **Cancel safety:** if the wait is cancelled (or its signal aborts), the
   * lock was not acquired; a wakeup it had already received goes to the next
   * waiter.
   */
  acquire(options?: WaitOptions): Promise<true> {
    const signal = signalOf(options);
    return this._tryAcquire() ? TRUE : this.wait(signal);
  }

  private wait(signal: AbortSignal | undefined): Promise<true> {
    return this._wait(signal, acquired, rethrow);
  }

  /**
   * @internal Queues for the lock, then calls `onAcquired` once it is this
   * waiter's, or `onFailed` with the error of a cancelled or aborted wait,
   * from the loop callback that ends the wait. Reactions, not an async
   * frame: the wakeup settles what the caller awaits in that same callback,
   * so a woken task goes on from its `await lock.acquire()` at once, as
   * asyncio's does, with no extra microtask hops for others to run in.
   * `loop`: the loop to wait on, if not the running one.
   */
  _wait<R>(
    signal: AbortSignal | undefined,
    onAcquired: () => R,
    onFailed: (error: unknown) => R,
    loop?: Loop,
  ): Promise<R> {
    const w = this.waiters.push(loop);
    // The reactions run from the loop, not in the waiting task: note it now (if anyone looks).
    const task = inspection.on ? current() : undefined;
    return park(w, signal).then(
      () => {
        this.woken--;
        this.isLocked = true;
        this.#holder = task;
        return onAcquired();
      },
      (error: unknown) => {
        if (w.woken()) this.woken--;
        if (!this.isLocked) this.wakeUpFirst();
        return onFailed(error);
      },
    );
  }

  /** @internal Takes the lock if `acquire()` would not wait; `false` if it would. `holder`: who takes it, if not the current task. */
  _tryAcquire(holder?: Task<unknown>): boolean {
    // Stryker disable next-line ConditionalExpression: equivalent, a free lock promised to nobody (woken 0) has no waiters: release() and every failed wait on a free lock wake the first one
    if (this.isLocked || this.woken > 0 || this.waiters.size > 0) return false;
    this.isLocked = true;
    this.#holder = inspection.on ? (holder ?? current()) : undefined;
    return true;
  }

  /**
   * Releases the lock and wakes the first waiter.
   *
   * @throws InvalidStateError if the lock is not held.
   */
  release(): void {
    if (!this.isLocked) {
      throw new InvalidStateError("Lock is not acquired: release() without acquire()", {
        code: "ERR_AIO_LOCK_NOT_HELD",
      });
    }
    this.isLocked = false;
    this.#holder = undefined;
    this.wakeUpFirst();
  }

  /**
   * Acquires the lock and returns a handle that releases it when disposed (`await using`).
   *
   * **Cancel safety:** as `acquire()`'s: if cancelled, the lock was not acquired and nothing is held.
   */
  hold(options?: WaitOptions): Promise<Held> {
    const acquired = this.acquire(options);
    const held = (): Held => new Held(this);
    // Uncontended: no extra promise hop.
    return acquired === TRUE ? Promise.resolve(held()) : acquired.then(held);
  }

  private wakeUpFirst(): void {
    if (this.woken > 0) return; // the lock is already promised
    // Stryker disable next-line BooleanLiteral: equivalent, a lock waiter's wakeup value is never read (_wait resolves to onAcquired()'s)
    if (this.waiters.wakeFirst(true)) this.woken++;
  }

  /** A snapshot of the lock's state. */
  statistics(): {
    /** Whether a task holds the lock. */
    locked: boolean;
    /** Tasks waiting for the lock, including one woken that has not run yet (the lock is promised to it). */
    waiters: number;
  } {
    return { locked: this.isLocked, waiters: this.waiters.size + this.woken };
  }

  /** @internal For `captureCallGraph`. */
  _describeWaiters(): WaitInfo {
    const holder = this.#holder;
    let state: string;
    if (this.isLocked) state = holder === undefined ? "held" : `held by task ${JSON.stringify(holder.name)}`;
    else state = this.woken > 0 ? "handed to a woken waiter" : "free";
    return { kind: "lock", label: `Lock.acquire (${state})` };
  }

  /** As asyncio's repr: `<Lock [locked, waiters:2]>`. */
  toString(): string {
    const waiters = this.waiters.size + this.woken;
    return `<Lock [${this.isLocked ? "locked" : "unlocked"}${waiters > 0 ? `, waiters:${waiters}` : ""}]>`;
  }
}
