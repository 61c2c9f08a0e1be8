import { current, InvalidStateError, isCancelledError, storage, type WaitInfo } from "../core/index.ts";
import type { Held } from "./held.ts";
import { Lock } from "./lock.ts";
import { park, signalOf, WaiterList, type WaiterListOwner, type WaitOptions } from "./waiter.ts";

/**
 * A condition variable: asyncio's `Condition`. Tasks holding its lock wait
 * for a notification; `notify(n)` wakes up to `n` of them, `notifyAll()`
 * every one. A woken task returns from `wait()` once it holds the lock again.
 *
 * @example
 * ```ts
 * import { Condition, taskGroup } from "aio-ts";
 * const cond = new Condition();
 * const items: string[] = [];
 * await taskGroup(async (tg) => {
 *   tg.createTask(async () => { // consumer
 *     await using _ = await cond.hold();
 *     await cond.waitFor(() => items.length > 0);
 *     console.log(items.shift()); // "job"
 *   });
 *   tg.createTask(async () => { // producer
 *     await using _ = await cond.hold();
 *     items.push("job");
 *     cond.notify();
 *   });
 * });
 * ```
 */
export class Condition {
  private readonly lock: Lock;
  private readonly waiters = new WaiterList<boolean>()._ownedBy(this);

  /** @param lock the lock to use; a new one by default. */
  constructor(lock: Lock = new Lock()) {
    if (!(lock instanceof Lock)) throw new TypeError(`Expected \`lock\` to be a Lock, got \`${String(lock)}\``);
    this.lock = lock;
  }

  /** Whether the underlying lock is held. */
  locked(): boolean {
    return this.lock.locked();
  }

  /** Acquires the underlying lock. **Cancel safety:** as `Lock.acquire`. */
  acquire(options?: WaitOptions): Promise<true> {
    return this.lock.acquire(options);
  }

  /** Releases the underlying lock. @throws InvalidStateError if it is not held. */
  release(): void {
    this.lock.release();
  }

  /**
   * Acquires the underlying lock, released when the handle is disposed (`await using`).
   *
   * **Cancel safety:** as `Lock.acquire()`'s: if cancelled, the lock was not acquired.
   */
  hold(options?: WaitOptions): Promise<Held> {
    return this.lock.hold(options);
  }

  /**
   * Releases the lock, waits for a notification, then re-acquires the lock
   * and resolves to `true`. Must be called with the lock held.
   *
   * **Cancel safety:** the lock is re-acquired before `CancelledError` (or
   * the signal's reason) is thrown, so the caller's `finally` can rely on
   * holding it; a notification this waiter had already received goes to
   * another waiter, so none is lost (spurious wakeups are allowed, as
   * always with condition variables: re-check the predicate).
   *
   * @throws InvalidStateError if the lock is not held.
   */
  wait(options?: WaitOptions): Promise<true> {
    let signal: AbortSignal | undefined;
    try {
      signal = signalOf(options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!this.lock.locked()) {
      return Promise.reject(
        new InvalidStateError("cannot wait on un-acquired lock", { code: "ERR_AIO_LOCK_NOT_HELD" }),
      );
    }
    const task = current();
    this.lock.release();
    const w = this.waiters.push();
    const { promise, resolve, reject } = Promise.withResolvers<true>();
    // Reactions rather than an async frame, and the lock taken at once when
    // it is free: a notified task then goes on from its `await cond.wait()`
    // in the loop callback that wakes it, as asyncio's does, with no extra
    // microtask hops in which other tasks run.
    const relock = (failed: boolean, failure: unknown): void => {
      if (this.lock._tryAcquire(task)) {
        this.settle(failed, failure, resolve, reject);
        return;
      }
      // The lock is busy: wait for it in the waiting task's context, so
      // that cancelling the task cancels this wait too; outside any task if
      // the wait began outside one, on the loop it began on. Not in the
      // context this reaction runs in: that of whichever task's step
      // scheduled the loop's drain, whose cancel must not reach this wait.
      // Keep trying through further cancels, and re-throw the last one: the
      // caller's `finally` relies on holding the lock.
      const onAcquired = (): void => this.settle(failed, failure, resolve, reject);
      const onFailed = (error: unknown): void => {
        // Stryker disable next-line ConditionalExpression: equivalent, a lock wait without a signal fails only with CancelledError (no signal to abort it)
        if (isCancelledError(error)) relock(true, error);
        // Stryker disable next-line BooleanLiteral: equivalent, unreachable: a lock wait without a signal fails only with CancelledError
        else this.settle(true, error, resolve, reject);
      };
      const wait = (): Promise<void> => this.lock._wait(undefined, onAcquired, onFailed, w._loop);
      void (task === undefined ? storage.exit(wait) : storage.run(task, wait));
    };
    park(w, signal).then(
      () => relock(false, undefined),
      (error: unknown) => relock(true, error),
    );
    return promise;
  }

  private settle(
    failed: boolean,
    failure: unknown,
    resolve: (value: true) => void,
    reject: (reason: unknown) => void,
  ): void {
    if (!failed) {
      resolve(true);
      return;
    }
    // We may have been notified before the error: pass that notification on.
    this.notifyWaiters(1);
    reject(failure);
  }

  /**
   * Waits until `predicate()` is truthy, re-checking after each
   * notification; returns its last value. Must be called with the lock held.
   *
   * **Cancel safety:** as `wait`.
   */
  async waitFor<T>(predicate: () => T, options?: WaitOptions): Promise<T> {
    if (typeof predicate !== "function") {
      throw new TypeError(`Expected \`predicate\` to be a function, got \`${String(predicate)}\``);
    }
    let result = predicate();
    while (!result) {
      await this.wait(options);
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiting tasks (default 1). Must be called with the lock
   * held; the woken tasks run once the caller releases it.
   *
   * @throws InvalidStateError if the lock is not held.
   */
  notify(n = 1): void {
    if (!this.lock.locked()) {
      throw new InvalidStateError("cannot notify on un-acquired lock", { code: "ERR_AIO_LOCK_NOT_HELD" });
    }
    if (typeof n !== "number" || Number.isNaN(n) || n < 0) {
      throw new TypeError(`Expected \`n\` to be a non-negative number, got \`${String(n)}\` (${typeof n})`);
    }
    this.notifyWaiters(n);
  }

  /** Wakes every waiting task. @throws InvalidStateError if the lock is not held. */
  notifyAll(): void {
    this.notify(this.waiters.size);
  }

  private notifyWaiters(n: number): void {
    // Stryker disable next-line BooleanLiteral: equivalent, a condition waiter's wakeup value is never read (wait() goes on with relock(false, undefined))
    for (let i = 0; i < n && this.waiters.wakeFirst(false); i++);
  }

  /** @internal For `captureCallGraph`. */
  _describeWaiters(): WaitInfo {
    return { kind: "condition", label: `Condition.wait (${this.waiters.size} waiting)` };
  }

  /** @internal A primitive built on this condition (a `Barrier`) describes its waits instead. */
  _describedBy(owner: WaiterListOwner): void {
    this.waiters._ownedBy(owner);
  }

  /** A snapshot of the condition's state. */
  statistics(): {
    /** Whether the underlying lock is held. */
    locked: boolean;
    /** Tasks waiting for a notification (not those waiting for the lock). */
    waiters: number;
  } {
    return { locked: this.lock.locked(), waiters: this.waiters.size };
  }

  /** As asyncio's repr: `<Condition [locked, waiters:2]>`. */
  toString(): string {
    return `<Condition [${this.locked() ? "locked" : "unlocked"}${this.waiters.size > 0 ? `, waiters:${this.waiters.size}` : ""}]>`;
  }
}
