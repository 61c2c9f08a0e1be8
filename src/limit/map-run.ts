/**
 * The engine under `map` and `mapUnordered`: a pool of worker tasks pulling
 * from one iterator.
 *
 * Why workers and not one task per call: a task costs about 2 µs to spawn and
 * join, three times what p-map spends per item; a worker runs its calls one
 * after another inline, so an item costs one `await fn(...)`. The pool grows
 * lazily (a worker that pulled an item spawns one more if every worker is
 * busy, up to `concurrency`), so a short input never pays for a hundred idle
 * tasks, and no item is pulled before a worker is free to run it.
 */
import { currentTask, Future, isCancelledError, type Loop, loopOf, Task, type WaitInfo } from "../core/index.ts";
import { park, WaiterList } from "../sync/waiter.ts";
import type { CapacityLimiter } from "./capacity-limiter.ts";
import type { MapArgs, Mapper } from "./map-options.ts";

const WORKER_NAME = "map worker";

function noop(): void {}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}

/** Takes back every cancel request on `task`: ours (we are done with it), or one aimed at a call that has ended. */
function clearCancels(task: Task<unknown>): void {
  while (task.cancelling() > 0) task.uncancel();
}

/**
 * @internal One run of `map` (`ordered`: results by index) or of
 * `mapUnordered` (results in a FIFO buffer, taken by the consumer, with at
 * most `concurrency` items pulled and not yet taken).
 */
export class MapRun<T> {
  readonly loop: Loop;
  readonly iterator: Iterator<T> | AsyncIterator<T>;
  readonly isAsync: boolean;
  readonly fn: Mapper<T, unknown>;
  readonly concurrency: number;
  readonly returnExceptions: boolean;
  readonly limiter: CapacityLimiter | undefined;
  readonly signal: AbortSignal | undefined;
  readonly ordered: boolean;
  /** Unordered with a finite concurrency: pulled-but-untaken items are bounded. */
  readonly bounded: boolean;

  /** Ordered: results by index. Unordered: the buffer, read from `head`. */
  results: unknown[] = [];
  head = 0;
  /** Unordered: items pulled whose result the consumer has not taken yet (or that are reserved for a pull). */
  outstanding = 0;
  /** Unordered: workers waiting for `outstanding` to drop below `concurrency`. */
  readonly slots = new WaiterList<true>()._ownedBy(this);

  readonly workers = new Set<Task<unknown>>();
  /** Workers spawned and not done (a worker cancelled before it started counts until its done-callback). */
  live = 0;
  /** Workers inside a call; the others are idle (waiting for a slot, a token or an item). */
  busy = 0;
  index = 0;
  /** The input said `done` or threw: never call `next()` again, nor `return()`. */
  exhausted = false;
  /** Async input: a `next()` is pending (close() must not wait for `return()`, queued behind it). */
  pulling = false;
  /** Async input: workers waiting for an item; `undefined` tells them to stop. */
  readonly itemWaiters = new WaiterList<IteratorResult<T> | undefined>()._ownedBy(this);
  stopping = false;
  failed = false;
  error: unknown = undefined;
  /** Whoever waits for progress (the caller of map, or the consumer of mapUnordered). */
  onChange: Future<void> | undefined = undefined;
  private closed = false;

  /** @internal For `captureCallGraph`: a worker waits for the consumer, or for the next input item. */
  _describeWaiters(list: WaiterList<never>): WaitInfo {
    if (list === this.slots) {
      return { kind: "limiter", label: `map worker: waiting for the consumer (${this.outstanding} results not taken)` };
    }
    return { kind: "other", label: "map worker: waiting for the next input item" };
  }

  constructor(args: MapArgs<T>, ordered: boolean) {
    this.loop = loopOf();
    this.iterator = args.iterator;
    this.isAsync = args.isAsync;
    this.fn = args.fn;
    this.concurrency = args.concurrency;
    this.returnExceptions = args.returnExceptions;
    this.limiter = args.limiter;
    this.signal = args.signal;
    this.ordered = ordered;
    // Stryker disable next-line ConditionalExpression: equivalent, with concurrency Infinity `outstanding >= concurrency` is never true: no worker waits for a slot, and nothing else reads `outstanding`
    this.bounded = !ordered && args.concurrency !== Number.POSITIVE_INFINITY;
  }

  // ── Lifecycle: start, stop, wait, close ──

  /** Starts the first worker (the rest follow as items come), or fails at once on an aborted signal. */
  start(): void {
    const signal = this.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.fail(signal.reason);
        return;
      }
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, "abort" fires once per signal, a second onAbort() would find the run failed or its workers gone, and close() removes the listener anyway
      signal.addEventListener("abort", this.onAbort, { once: true });
    }
    this.spawn();
  }

  private readonly onAbort = (): void => {
    // Once every worker is done, the work is complete: a late abort changes nothing.
    if (this.live > 0) this.fail((this.signal as AbortSignal).reason);
  };

  private readonly runWorker = (): Promise<void> => this.work();

  private readonly workerDone = (task: Task<unknown>): void => {
    // Stryker disable next-line CallExpression: equivalent, workers end only as the run ends: a done one left in the set is never the limiter's next borrower (a waiting task), and stop() cancelling it does nothing
    this.workers.delete(task);
    if (--this.live === 0) this.notify();
  };

  private spawn(): void {
    this.live++;
    const task = new Task<void>(this.loop, this.runWorker, WORKER_NAME, currentTask());
    this.workers.add(task as Task<unknown>);
    task.addDoneCallback(this.workerDone);
  }

  /** Wakes whoever waits in `join` or in the consumer's `next()`. */
  notify(): void {
    const f = this.onChange;
    if (f !== undefined) {
      this.onChange = undefined;
      if (!f.done()) f.setResult(undefined);
    }
  }

  /** Records the first failure and stops; later ones are dropped (they happen while cancelling, as in gather). */
  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.error = error;
    this.stop();
  }

  /** Stops pulling and cancels every worker (so every running call); `join` waits for them. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    const me = currentTask();
    for (const task of this.workers) if (task !== me) task.cancel();
  }

  /**
   * Waits until every worker is done. A cancel of the waiting task stops
   * the run and the wait goes on (cleanup must finish, as in a TaskGroup);
   * the first such `CancelledError` is returned, for the caller to throw.
   */
  async join(): Promise<unknown> {
    let cancelled: unknown;
    while (this.live > 0) {
      const f = new Future<void>(this.loop);
      this.onChange = f;
      try {
        await f;
      } catch (error) {
        // Stryker disable next-line ConditionalExpression: equivalent, `f` is this wait's own and is only resolved (notify) or cancelled (a cancel of the waiting task): the await throws nothing else
        if (!isCancelledError(error)) throw error;
        cancelled ??= error;
        this.stop();
      }
    }
    return cancelled;
  }

  /** Unordered: waits for the next result or for the last worker to end; a cancel of the waiter comes out. */
  async waitForChange(): Promise<void> {
    const f = new Future<void>(this.loop);
    this.onChange = f;
    await f;
  }

  /**
   * Ends the run: drops the signal listener and, if the input was not used
   * up, closes it with `return()` (its `finally` blocks run), as `for...of`
   * does on `break`. Errors of `return()` are dropped: the run is ending on
   * another error or a cancel, which is what the caller sees.
   */
  async close(): Promise<void> {
    // Stryker disable next-line ConditionalExpression: equivalent, a second close() would only remove the listener again (a no-op) and return at `exhausted`, set by the first
    if (this.closed) return;
    // Stryker disable next-line BooleanLiteral: equivalent, as above: `exhausted` ends a second close() right after the listener
    this.closed = true;
    this.signal?.removeEventListener("abort", this.onAbort);
    if (this.exhausted) return;
    // Stryker disable next-line BooleanLiteral: equivalent, close() runs once every worker is done, and an input not used up means the run stopped: `stopping` already turns away every later pump() and onPulled()
    this.exhausted = true;
    const iterator = this.iterator;
    // Stryker disable next-line ConditionalExpression: equivalent, calling a missing return() throws a TypeError, which the catch below drops the same way
    if (typeof iterator.return !== "function") return;
    let closing: unknown;
    try {
      closing = iterator.return();
      // Stryker disable next-line BlockStatement: equivalent, without this return `closing` stays undefined and the isThenable() check below returns
    } catch {
      return;
    }
    if (!isThenable(closing)) return;
    // An async generator queues return() behind a pending next(): waiting for
    // it could hang on an input that never answers (the very pull we gave up).
    if (this.pulling) closing.then(noop, noop);
    else {
      try {
        await closing;
      } catch {
        // dropped, see above
      }
    }
  }

  // ── Slots, tokens, end of input ──

  /** Unordered: takes the oldest buffered result and frees its slot. */
  take(): unknown {
    const buffer = this.results;
    const value = buffer[this.head];
    buffer[this.head++] = undefined;
    if (this.head === buffer.length) {
      buffer.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= buffer.length) {
      this.results = buffer.slice(this.head);
      this.head = 0;
    }
    this.freeSlot();
    return value;
  }

  get buffered(): number {
    return this.results.length - this.head;
  }

  /**
   * Whether a worker may keep its token for its next item instead of giving
   * it back and queueing again. That is the same thing, one wakeup cheaper,
   * when nobody waits, or when the only waiter is another worker of this run
   * (the token would go to it, and this worker would wait in its place); and
   * only while the sack is not over-full (`totalTokens` lowered). With anyone
   * else in line, the token goes back, so other users of a shared limiter
   * get their turn.
   */
  private mayKeepToken(limiter: CapacityLimiter): boolean {
    // Stryker disable next-line LogicalOperator: equivalent, when stopping or exhausted the worker returns right after without waiting, and its finally gives the token back; a token kept that long goes to nobody or to our own waiting worker, which finds the run over
    if (this.stopping || this.exhausted || limiter.borrowedTokens > limiter.totalTokens) return false;
    const waiting = limiter._tasksWaiting();
    if (waiting === 0) return true;
    return waiting === 1 && this.workers.has(limiter._nextBorrower() as Task<unknown>);
  }

  private freeSlot(): void {
    this.outstanding--;
    // Stryker disable next-line ConditionalExpression,EqualityOperator,BooleanLiteral: equivalent, wakeFirst() on an empty list does nothing, and slot waiters ignore the value
    if (this.slots.size > 0) this.slots.wakeFirst(true);
  }

  private endOfInput(): void {
    this.exhausted = true;
    // Workers waiting for a slot or an item would only find the input used up: let them go now.
    // Stryker disable next-line BooleanLiteral: equivalent, slot waiters ignore the value they are woken with
    while (this.slots.size > 0) this.slots.wakeFirst(true);
    while (this.itemWaiters.size > 0) this.itemWaiters.wakeFirst(undefined);
  }

  private inputError(error: unknown): void {
    this.endOfInput();
    this.fail(error);
  }

  // ── The worker ──

  /**
   * One worker: take a slot and a token, pull an item, run the call inline,
   * deliver, repeat. It never throws: every outcome is recorded on the run.
   */
  private async work(): Promise<void> {
    const task = currentTask() as Task<unknown>;
    const fn = this.fn;
    const limiter = this.limiter;
    let token = false;
    // Stryker disable next-line BooleanLiteral: equivalent, `reserved` only matters in the finally, and a worker ends only as the run ends (stopping or input used up): no item is pulled after, and endOfInput() or stop() already let every slot waiter go
    let reserved = false;
    try {
      for (;;) {
        if (this.stopping || this.exhausted) return;
        if (this.bounded) {
          if (this.outstanding >= this.concurrency) {
            // Waiting for the consumer is not running a call: a kept token goes back meanwhile.
            // Stryker disable next-line ConditionalExpression: equivalent, releaseToken() drops the error of a release without a token (or the TypeError when there is no limiter)
            if (token) {
              token = false;
              releaseToken(limiter as CapacityLimiter, task);
            }
            await park(this.slots.push(this.loop), undefined);
            continue;
          }
          this.outstanding++;
          // Stryker disable next-line BooleanLiteral: equivalent, as `let reserved` above: the slot it would free at the end is never needed again
          reserved = true;
        }
        if (limiter !== undefined && !token) {
          await limiter.acquireOnBehalfOf(task);
          token = true;
          if (this.stopping || this.exhausted) return;
        }
        let step: IteratorResult<T> | undefined;
        if (this.isAsync) {
          step = await this.pullAsync();
          if (step === undefined) return;
        } else {
          try {
            step = (this.iterator as Iterator<T>).next();
          } catch (error) {
            this.inputError(error);
            return;
          }
          if (step.done) {
            this.endOfInput();
            return;
          }
        }
        const index = this.index++;
        // Grow the pool only when every worker is busy: a worker already
        // waiting (for a token, say) would take the next item anyway.
        if (
          ++this.busy === this.live &&
          this.live < this.concurrency &&
          !this.exhausted &&
          !(this.bounded && this.outstanding >= this.concurrency)
        ) {
          this.spawn();
        }

        let value: unknown;
        let ok = true;
        try {
          value = await fn(step.value, index);
        } catch (error) {
          ok = false;
          value = error;
        }
        this.busy--;

        if (token && !this.mayKeepToken(limiter as CapacityLimiter)) {
          token = false;
          releaseToken(limiter as CapacityLimiter, task);
        }
        if (this.stopping) return; // cancelled by us: the outcome no longer matters
        // A cancel aimed at this call from outside (through `currentTask()`)
        // ends with the call: the next call starts uncancelled, as it would
        // in a task of its own.
        // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, with no cancel request clearCancels() loops zero times
        if (task.cancelling() > 0) clearCancels(task);
        if (ok || this.returnExceptions) {
          if (this.ordered) this.results[index] = value;
          else {
            // Stryker disable next-line BooleanLiteral: equivalent, as `let reserved` above: an extra freeSlot() as the run ends frees a slot nobody needs
            reserved = false; // the buffer holds the slot until the consumer takes the result
            this.results.push(value);
            this.notify();
          }
        } else {
          this.fail(value);
          return;
        }
      }
    } catch (error) {
      // A wait outside the call failed: our own cancel while stopping, or a
      // cancel from elsewhere (the loop shutting down), which ends the run.
      if (!this.stopping) this.fail(error);
    } finally {
      // Stryker disable next-line ConditionalExpression: equivalent, without `token` the worker holds no token of the limiter, and releaseToken() drops the error of a release without one (or the TypeError when there is no limiter)
      if (token) releaseToken(limiter as CapacityLimiter, task);
      // Stryker disable next-line ConditionalExpression,CallExpression: equivalent, the finally runs only as the run ends (stopping or input used up): no slot is needed again, and endOfInput() or stop() already let every slot waiter go
      if (reserved) this.freeSlot();
      // The cancels we sent are answered: the worker ends as a plain finish,
      // not as a task that swallowed its CancelledError.
      clearCancels(task);
    }
  }

  // ── Async input: a pump with one next() at a time ──
  //
  // Workers that want an item park in `itemWaiters`; the pump calls next()
  // only while one of them waits (lazy), never twice at once (as `for await`
  // would call it), and hands each item to the first waiter. The waiters are
  // aio futures, so a cancel reaches a worker at once even if the input
  // never answers. Cheaper than a lock around an awaited next(): one wakeup
  // per item instead of two.

  /** The next item of an async input for a worker; `undefined` when the worker should stop. */
  private pullAsync(): PromiseLike<IteratorResult<T> | undefined> | undefined {
    // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, the worker checked both flags with no wait since (at the loop head, or right after its token wait)
    if (this.stopping || this.exhausted) return undefined;
    const w = this.itemWaiters.push(this.loop);
    this.pump();
    // The waiter itself, awaited by the worker: awaiting it makes it the
    // worker's wait, which a cancel reaches (park() would only add a hop).
    return w;
  }

  private pump(): void {
    if (this.pulling || this.itemWaiters.size === 0 || this.stopping || this.exhausted) return;
    let next: unknown;
    try {
      next = (this.iterator as AsyncIterator<T>).next();
    } catch (error) {
      this.inputError(error);
      return;
    }
    this.pulling = true;
    if (isThenable(next)) (next as PromiseLike<IteratorResult<T>>).then(this.onPulled, this.onPullFailed);
    else this.onPulled(next as IteratorResult<T>);
  }

  private readonly onPulled = (step: IteratorResult<T>): void => {
    this.pulling = false;
    if (this.stopping) return; // the item is dropped; the input gets closed
    if (step.done) {
      this.endOfInput();
      return;
    }
    // Waiters leave the list only when cancelled, which happens only as the
    // run stops: there is one.
    this.itemWaiters.wakeFirst(step);
    this.pump();
  };

  private readonly onPullFailed = (error: unknown): void => {
    // Stryker disable next-line BooleanLiteral: equivalent, inputError() sets `exhausted`, which pump() and close() check as well
    this.pulling = false;
    this.inputError(error);
  };
}

function releaseToken(limiter: CapacityLimiter, task: Task<unknown>): void {
  try {
    limiter.releaseOnBehalfOf(task);
  } catch {
    // The call gave the worker's token back itself (limiter.release() inside
    // fn releases on behalf of the worker): nothing left to give back.
  }
}
