import { InvalidStateError } from "../core/index.ts";
import { Held } from "./held.ts";
import { park, signalOf, WaiterList, type WaitOptions } from "./waiter.ts";

const TRUE = Promise.resolve(true as const);

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
 * import { Lock } from "aio";
 * const lock = new Lock();
 * await lock.acquire();
 * try { await updateSharedState(); } finally { lock.release(); }
 * // or: await using _ = await lock.hold();
 * ```
 */
export class Lock {
  private isLocked = false;
  private readonly waiters = new WaiterList<true>();
  /** Waiters woken by a release that have not run yet: the lock is theirs. */
  private woken = 0;

  /** Whether the lock is held. */
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
    if (!this.isLocked && this.woken === 0 && this.waiters.size === 0) {
      this.isLocked = true;
      return TRUE;
    }
    return this.wait(signal);
  }

  private async wait(signal: AbortSignal | undefined): Promise<true> {
    const w = this.waiters.push();
    try {
      await park(w, signal);
    } catch (error) {
      if (w.woken()) this.woken--;
      if (!this.isLocked) this.wakeUpFirst();
      throw error;
    }
    this.woken--;
    this.isLocked = true;
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
    this.wakeUpFirst();
  }

  /** Acquires the lock and returns a handle that releases it when disposed (`await using`). */
  hold(options?: WaitOptions): Promise<Held> {
    const acquired = this.acquire(options);
    const held = (): Held => new Held(() => this.release());
    // Uncontended: no extra promise hop.
    return acquired === TRUE ? Promise.resolve(held()) : acquired.then(held);
  }

  private wakeUpFirst(): void {
    if (this.woken > 0) return; // the lock is already promised
    if (this.waiters.wakeFirst(true)) this.woken++;
  }

  /** A snapshot of the lock's state. */
  statistics(): { locked: boolean; waiters: number } {
    return { locked: this.isLocked, waiters: this.waiters.size + this.woken };
  }

  toString(): string {
    const waiters = this.waiters.size + this.woken;
    return `<Lock [${this.isLocked ? "locked" : "unlocked"}${waiters > 0 ? `, waiters:${waiters}` : ""}]>`;
  }
}
