import { argumentError, InvalidStateError, type WaitInfo } from "../core/index.ts";
import { Held } from "./held.ts";
import { park, signalOf, WaiterList, type WaitOptions } from "./waiter.ts";

const TRUE = Promise.resolve(true as const);

/**
 * A counter of permits: asyncio's `Semaphore`. `acquire()` takes a permit,
 * waiting while there is none; `release()` gives one back.
 *
 * Strictly first-in first-out with no barging: while tasks wait, a newcomer
 * queues behind them even if a permit is free for an instant. A released
 * permit is handed to the first waiter at once; a waiter woken and then
 * cancelled before it runs gives its permit back and wakes the next, so
 * permits are never lost. Every operation is O(1): 20,000 tasks contending
 * for one permit cost linear time.
 *
 * @example
 * ```ts
 * import { Semaphore, gather } from "aio-ts";
 * declare function download(url: string): Promise<Uint8Array>;
 * declare const urls: string[];
 * const sem = new Semaphore(10); // at most 10 downloads at once
 * await gather(urls.map((url) => async () => {
 *   await using _ = await sem.hold();
 *   return download(url);
 * }));
 * ```
 */
export class Semaphore {
  /** @internal */ protected value: number;
  private readonly waiters = new WaiterList<true>()._ownedBy(this);
  /** The permits it was made with: "0 of 3 free" in `captureCallGraph`. */
  private readonly initial: number;
  /** Waiters handed a permit that have not run yet. */
  private woken = 0;

  /**
   * @param value the initial number of permits (default 1).
   * @throws TypeError if `value` is not a non-negative integer.
   */
  constructor(value = 1) {
    if (!Number.isInteger(value) || value < 0) throw argumentError("value", "a non-negative integer", value);
    this.value = value;
    this.initial = value;
  }

  /** Whether `acquire()` would wait. */
  locked(): boolean {
    // Stryker disable next-line ConditionalExpression: equivalent, free permits and queued waiters coexist only while a woken waiter has not run (woken > 0): every change of either ends in wakeUpWaiters()
    return this.value === 0 || this.waiters.size > 0 || this.woken > 0;
  }

  /**
   * Takes a permit, waiting for one if none is free (or others wait first).
   * Resolves to `true`.
   *
   * **Cancel safety:** if the wait is cancelled (or its signal aborts), no
   * permit was taken; one already handed to it goes to the next waiter.
   */
  acquire(options?: WaitOptions): Promise<true> {
    const signal = signalOf(options);
    if (!this.locked()) {
      this.value--;
      return TRUE;
    }
    return this.wait(signal);
  }

  private wait(signal: AbortSignal | undefined): Promise<true> {
    const w = this.waiters.push();
    // Reactions, not an async frame: the wakeup settles the promise the
    // caller awaits in the loop callback that hands it the permit, so the
    // woken task goes on from its `await sem.acquire()` at once, as
    // asyncio's does, with no extra microtask hop for others to run in.
    return park(w, signal).then(
      () => {
        this.woken--;
        // Newcomers may have queued behind this waiter while permits were
        // free (FIFO: a woken waiter that has not run yet locks the
        // semaphore); hand them what is free now, as asyncio 3.13 does.
        this.wakeUpWaiters();
        return true as const;
      },
      (error: unknown) => {
        if (w.woken()) {
          // Handed a permit, but not going to use it: give it back.
          this.woken--;
          this.value++;
        }
        this.wakeUpWaiters();
        throw error;
      },
    );
  }

  /** Gives a permit back and hands it to the first waiter, if any. */
  release(): void {
    this.value++;
    this.wakeUpWaiters();
  }

  /**
   * Takes a permit and returns a handle that gives it back when disposed (`await using`).
   *
   * **Cancel safety:** as `acquire()`'s: if cancelled, no permit was taken.
   */
  hold(options?: WaitOptions): Promise<Held> {
    const acquired = this.acquire(options);
    const held = (): Held => new Held(this);
    // Uncontended: no extra promise hop.
    return acquired === TRUE ? Promise.resolve(held()) : acquired.then(held);
  }

  /** Hands free permits to waiters, first come first served. */
  private wakeUpWaiters(): void {
    // Stryker disable next-line BooleanLiteral: equivalent, a semaphore waiter's wakeup value is never read (wait() resolves to its own `true`)
    while (this.value > 0 && this.waiters.wakeFirst(true)) {
      this.value--;
      this.woken++;
    }
  }

  /** @internal For `captureCallGraph`. */
  _describeWaiters(): WaitInfo {
    return { kind: "semaphore", label: `${this.constructor.name}.acquire (${this.value} of ${this.initial} free)` };
  }

  /** A snapshot of the semaphore's state. */
  statistics(): {
    /** Permits free now. */
    value: number;
    /** Tasks waiting for a permit, including those woken that have not run yet. */
    waiters: number;
  } {
    return { value: this.value, waiters: this.waiters.size + this.woken };
  }

  /** As asyncio's repr: `<Semaphore [unlocked, value:2]>`, `<BoundedSemaphore [locked, waiters:1]>`. */
  toString(): string {
    const waiters = this.waiters.size + this.woken;
    return `<${this.constructor.name} [${this.locked() ? "locked" : `unlocked, value:${this.value}`}${waiters > 0 ? `, waiters:${waiters}` : ""}]>`;
  }
}

/**
 * A semaphore that refuses to be released more often than acquired:
 * asyncio's `BoundedSemaphore`.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore } from "aio-ts";
 * const sem = new BoundedSemaphore(2);
 * sem.release(); // throws: released too many times
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  private readonly bound: number;

  constructor(value = 1) {
    super(value);
    this.bound = value;
  }

  /**
   * Gives a permit back.
   *
   * @throws InvalidStateError if that would make more permits than the initial value.
   */
  override release(): void {
    if (this.value >= this.bound) {
      throw new InvalidStateError(`BoundedSemaphore released too many times (its bound is ${this.bound})`, {
        code: "ERR_AIO_SEMAPHORE_RELEASED_TOO_OFTEN",
      });
    }
    super.release();
  }
}
