import { argumentError, currentTask, InvalidStateError, type WaitInfo } from "../core/index.ts";
import { Held } from "../sync/held.ts";
import { park, signalOf, type Waiter, WaiterList, type WaitOptions } from "../sync/waiter.ts";
import { WouldBlock } from "./would-block.ts";

const DONE: Promise<void> = Promise.resolve();

/** What `CapacityLimiter.statistics()` returns. */
export interface CapacityLimiterStatistics {
  /** Tokens out of the sack, including those handed to woken waiters that have not run yet. */
  borrowedTokens: number;
  /** The sack's size: may be below `borrowedTokens` right after it was lowered. */
  totalTokens: number;
  /** Who holds the tokens (tasks, or whatever was passed to `acquireOnBehalfOf`). */
  borrowers: unknown[];
  /** How many acquires are waiting for a token. */
  tasksWaiting: number;
}

/** A positive integer, or Infinity (an unlimited sack, as Trio allows). */
function checkTotalTokens(value: unknown): number {
  if (value !== Number.POSITIVE_INFINITY && !(Number.isInteger(value) && (value as number) >= 1)) {
    throw argumentError("totalTokens", "a positive integer or Infinity", value);
  }
  return value as number;
}

/** `method`: the method called; `instead`: its on-behalf-of form, when its name is not `${method}OnBehalfOf`. */
function currentBorrower(method: string, instead = `${method}OnBehalfOf`): unknown {
  const task = currentTask();
  if (task === undefined) {
    throw new InvalidStateError(
      `CapacityLimiter.${method}() borrows on behalf of the current task, and no task is running: ` +
        `call it inside run(), or use ${instead}(borrower)`,
      { code: "ERR_AIO_NO_RUNNING_LOOP" },
    );
  }
  return task;
}

function checkBorrower(borrower: unknown): void {
  if (borrower === undefined) throw argumentError("borrower", "a task or any other value", borrower);
}

/**
 * A sack of tokens that bounds how many tasks do something at once: Trio's
 * `CapacityLimiter`, the shared form of `map`'s `concurrency`.
 *
 * Each borrower (by default the current task) holds at most one token at a
 * time, which is what makes it safer than a semaphore: acquiring twice from
 * the same task, or releasing a token it does not hold, fails at once
 * instead of silently changing the count. `totalTokens` can be changed while
 * tokens are out: raising it wakes waiters at once; lowering it below
 * `borrowedTokens` lets the current borrowers finish, and new acquires wait
 * until enough tokens came back.
 *
 * Waiters are served strictly first-in first-out, with no barging: a token
 * given back goes to the first waiter at once (it counts as borrowed from
 * that moment), even if another task asks before that waiter runs. A waiter
 * woken and then cancelled before it runs passes its token on, so none is
 * ever lost. Every operation is O(1).
 *
 * @example
 * ```ts
 * import { CapacityLimiter, map, run } from "aio-ts";
 * declare function download(url: string): Promise<Uint8Array>;
 * declare const pageUrls: string[], imageUrls: string[], extraUrl: string;
 * await run(async () => {
 *   const limiter = new CapacityLimiter(10); // at most 10 downloads at once, across both maps
 *   const [pages, images] = await Promise.all([
 *     map(pageUrls, (url) => download(url), { limiter }),
 *     map(imageUrls, (url) => download(url), { limiter }),
 *   ]);
 *   console.log(pages.length, images.length);
 *   // or by hand, in any task:
 *   await using _token = await limiter.hold();
 *   await download(extraUrl);
 * });
 * ```
 */
export class CapacityLimiter {
  private total: number;
  private readonly borrowerSet = new Set<unknown>();
  private readonly waiters = new WaiterList<true>()._ownedBy(this);
  /** Who each waiter borrows for, so that a wakeup can hand the token over at once. */
  private readonly pending = new Map<Waiter<true>, unknown>();

  /**
   * @param totalTokens how many tokens the sack holds: a positive integer, or `Infinity`.
   * @throws TypeError if `totalTokens` is not a positive integer or `Infinity`.
   */
  constructor(totalTokens: number) {
    this.total = checkTotalTokens(totalTokens);
  }

  /** @internal For `captureCallGraph`. */
  _describeWaiters(): WaitInfo {
    const free = Math.max(0, this.total - this.borrowerSet.size);
    return { kind: "limiter", label: `CapacityLimiter.acquire (${free} of ${this.total} tokens free)` };
  }

  /**
   * The sack's size. Setting it takes effect at once: a larger value wakes
   * as many waiters as there are new tokens; a smaller one takes no token
   * back, it only makes new acquires wait until `borrowedTokens` is below it.
   *
   * @throws TypeError (on set) if the value is not a positive integer or `Infinity`.
   */
  get totalTokens(): number {
    return this.total;
  }

  /** Resizes the sack; see the getter. */
  set totalTokens(value: number) {
    this.total = checkTotalTokens(value);
    this.wakeWaiters();
  }

  /** How many tokens are out (held, or handed to a woken waiter that has not run yet). */
  get borrowedTokens(): number {
    return this.borrowerSet.size;
  }

  /** How many tokens can be taken now: `totalTokens - borrowedTokens`, never negative. */
  get availableTokens(): number {
    return Math.max(0, this.total - this.borrowerSet.size);
  }

  /**
   * Borrows a token for the current task, waiting for one if none is free
   * (or if others are already waiting: no barging).
   *
   * As in asyncio, an acquire that finds a token free takes it without
   * suspending, and then does not look at the signal.
   *
   * **Cancel safety:** if the wait is cancelled (or its signal aborts), no
   * token was taken; a token it had already been handed goes to the next
   * waiter.
   *
   * @throws InvalidStateError (`ERR_AIO_ALREADY_BORROWING`) if the current task already holds one of this sack's tokens.
   * @throws InvalidStateError (`ERR_AIO_NO_RUNNING_LOOP`) outside any task: use `acquireOnBehalfOf`.
   * @throws the signal's reason if `options.signal` aborts while waiting.
   */
  acquire(options?: WaitOptions): Promise<void> {
    return this.acquireOnBehalfOf(currentBorrower("acquire"), options);
  }

  /**
   * Borrows a token on behalf of `borrower` (any value but `undefined`: a
   * task, a job id, an object), waiting for one if none is free. The token is
   * given back with `releaseOnBehalfOf(borrower)`, from any task.
   *
   * **Cancel safety:** if the wait is cancelled (or its signal aborts), no
   * token was taken; a token it had already been handed goes to the next
   * waiter.
   *
   * @throws InvalidStateError (`ERR_AIO_ALREADY_BORROWING`) if `borrower` already holds a token of this sack,
   *   or if it got one by another way while this call waited (then the wait fails and the token goes on).
   * @throws TypeError if `borrower` is `undefined` or `options.signal` is not an AbortSignal.
   * @throws the signal's reason if `options.signal` aborts while waiting.
   */
  acquireOnBehalfOf(borrower: unknown, options?: WaitOptions): Promise<void> {
    const signal = signalOf(options);
    checkBorrower(borrower);
    this.checkNotBorrowing(borrower);
    // A waiting list implies no free token (wakeWaiters keeps it so); the
    // size check keeps a newcomer behind the queue regardless.
    // Stryker disable next-line ConditionalExpression: equivalent, waiters only exist while no token is free (every path that frees one runs wakeWaiters, whose callbacks are never synchronous), so `size < total` already implies no waiter
    if (this.borrowerSet.size < this.total && this.waiters.size === 0) {
      this.borrowerSet.add(borrower);
      return DONE;
    }
    return this.wait(borrower, signal);
  }

  private async wait(borrower: unknown, signal: AbortSignal | undefined): Promise<void> {
    const w = this.waiters.push();
    this.pending.set(w, borrower);
    try {
      await park(w, signal);
    } catch (error) {
      this.pending.delete(w);
      if (w.woken()) {
        // Woken (the token is ours), then cancelled before we ran: pass it on.
        this.borrowerSet.delete(borrower);
        this.wakeWaiters();
      }
      throw error;
    }
  }

  /**
   * Borrows a token for the current task if one is free now, without waiting.
   *
   * @throws WouldBlock if no token is free (or others are waiting for one).
   * @throws InvalidStateError (`ERR_AIO_ALREADY_BORROWING`) if the current task already holds one of this sack's tokens.
   * @throws InvalidStateError (`ERR_AIO_NO_RUNNING_LOOP`) outside any task: use `acquireOnBehalfOfNowait`.
   */
  acquireNowait(): void {
    this.acquireOnBehalfOfNowait(currentBorrower("acquireNowait"));
  }

  /**
   * Borrows a token on behalf of `borrower` if one is free now, without waiting.
   *
   * @throws WouldBlock if no token is free (or others are waiting for one).
   * @throws InvalidStateError (`ERR_AIO_ALREADY_BORROWING`) if `borrower` already holds one of this sack's tokens.
   * @throws TypeError if `borrower` is `undefined`.
   */
  acquireOnBehalfOfNowait(borrower: unknown): void {
    checkBorrower(borrower);
    this.checkNotBorrowing(borrower);
    // Stryker disable next-line ConditionalExpression: equivalent, waiters only exist while no token is free (every path that frees one runs wakeWaiters, whose callbacks are never synchronous), so `size < total` already implies no waiter
    if (this.borrowerSet.size < this.total && this.waiters.size === 0) {
      this.borrowerSet.add(borrower);
      return;
    }
    throw new WouldBlock(`No token free in ${this}: acquireNowait() would block (use acquire() to wait for one)`);
  }

  /**
   * Gives back the current task's token; the first waiter gets it at once.
   *
   * @throws InvalidStateError (`ERR_AIO_NOT_BORROWING`) if the current task holds no token of this sack.
   * @throws InvalidStateError (`ERR_AIO_NO_RUNNING_LOOP`) outside any task: use `releaseOnBehalfOf`.
   */
  release(): void {
    this.releaseOnBehalfOf(currentBorrower("release"));
  }

  /**
   * Gives back `borrower`'s token; the first waiter gets it at once.
   *
   * @throws InvalidStateError (`ERR_AIO_NOT_BORROWING`) if `borrower` holds no token of this sack.
   */
  releaseOnBehalfOf(borrower: unknown): void {
    if (!this.borrowerSet.delete(borrower)) {
      throw new InvalidStateError(
        `${describe(borrower)} holds no token of ${this}: release() without a matching acquire()`,
        { code: "ERR_AIO_NOT_BORROWING" },
      );
    }
    this.wakeWaiters();
  }

  /**
   * Borrows a token for the current task and returns a handle that gives it
   * back when disposed: `await using _ = await limiter.hold()`.
   *
   * **Cancel safety:** as `acquire()`: if the wait is cancelled, no token was
   * taken. Once it returns, the `await using` scope gives the token back on
   * every exit, also on throw and cancel.
   *
   * @throws as `acquire()`.
   */
  async hold(options?: WaitOptions): Promise<Held> {
    const borrower = currentBorrower("hold", "acquireOnBehalfOf");
    await this.acquireOnBehalfOf(borrower, options);
    return new Held(() => this.releaseOnBehalfOf(borrower));
  }

  /**
   * @internal Who the next token given back would go to (the first waiter's
   * borrower), or `undefined` if nobody waits. Lets `map` skip handing a
   * token between two of its own workers.
   */
  _nextBorrower(): unknown {
    const w = this.waiters.peek();
    // Stryker disable next-line ConditionalExpression: equivalent for `false`, pending.get(undefined) is undefined too (its keys are waiters); `true` is killed by the map-unordered test of a worker keeping its token
    return w === undefined ? undefined : this.pending.get(w);
  }

  /** @internal How many acquires wait, without building a `statistics()` object. */
  _tasksWaiting(): number {
    return this.waiters.size;
  }

  /** A snapshot of the sack: `{ borrowedTokens, totalTokens, borrowers, tasksWaiting }`. */
  statistics(): CapacityLimiterStatistics {
    return {
      borrowedTokens: this.borrowerSet.size,
      totalTokens: this.total,
      borrowers: [...this.borrowerSet],
      tasksWaiting: this.waiters.size,
    };
  }

  /** `<CapacityLimiter 3/10 borrowed, 2 waiting>`. */
  toString(): string {
    const waiting = this.waiters.size > 0 ? `, ${this.waiters.size} waiting` : "";
    return `<CapacityLimiter ${this.borrowerSet.size}/${this.total} borrowed${waiting}>`;
  }

  private checkNotBorrowing(borrower: unknown): void {
    if (this.borrowerSet.has(borrower)) {
      throw new InvalidStateError(
        `${describe(borrower)} already holds a token of ${this}: each borrower holds at most one`,
        { code: "ERR_AIO_ALREADY_BORROWING" },
      );
    }
  }

  /**
   * Hands free tokens to the waiters at the front, at once: the token is the
   * waiter's from now on (Trio's rule), so no newcomer can take it first.
   */
  private wakeWaiters(): void {
    while (this.borrowerSet.size < this.total) {
      const w = this.waiters.shift();
      if (w === undefined) return;
      const borrower = this.pending.get(w);
      this.pending.delete(w);
      if (this.borrowerSet.has(borrower)) {
        // The same borrower got a token by another way while it waited: this
        // wait fails, and the token goes to the next one.
        w.setException(
          new InvalidStateError(
            `${describe(borrower)} already holds a token of ${this}: each borrower holds at most one`,
            {
              code: "ERR_AIO_ALREADY_BORROWING",
            },
          ),
        );
        continue;
      }
      this.borrowerSet.add(borrower);
      // Stryker disable next-line BooleanLiteral: equivalent, wait() ignores the value a waiter is woken with; being woken is the message
      w.setResult(true);
    }
  }
}

function describe(borrower: unknown): string {
  return typeof borrower === "string" ? JSON.stringify(borrower) : String(borrower);
}
