import {
  type Awaitable,
  argumentError,
  asCancelledError,
  current,
  EXCEPTION,
  ensureFuture,
  Future,
  follow,
  formatLoopTime,
  isAwaitable,
  isCancelledError,
  isDescribed,
  type Loop,
  type Runnable,
  storage,
  Task,
  TimeoutError,
  type Timer,
  type WaitInfo,
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
    // Stryker disable next-line BlockStatement: equivalent, a leftover Release finds its waiter done (guard in run()) and does nothing
  } finally {
    // Stryker disable next-line CallExpression: equivalent, a leftover Release finds its waiter done (guard in run()) and does nothing
    future._removeCallback(release);
  }
}

/**
 * The deadline of a `waitFor` on a child task or future, and the caller's
 * wait on that child: when `ms` pass, it cancels the child (not the caller),
 * so waitFors running side by side in one task stay independent. One object
 * is the timer and the child's done-callback, which settles the caller's
 * promise directly, as a `Reaction` does for `await future`: the caller is
 * linked to the child (cancelling the caller cancels the child) and resumes
 * one hop after the child's callback runs (at once for waitFor's own child:
 * `OwnChildDeadline`), with no promise chain in between (the chain of three
 * promises this replaced cost ~500 ns per call, the timeouts workload of
 * bench/).
 */
class ChildDeadline<T> implements Timer, Runnable {
  due: number;
  seq = 0;
  // Stryker disable next-line UnaryOperator: equivalent, the constructor calls addTimer, which sets index before anything reads it
  index = -1;
  /** The deadline passed and the child was cancelled. */
  expired = false;
  /** The caller got its outcome (or the expiry ran): a queued expiry does nothing. */
  settled = false;
  readonly loop: Loop;
  readonly task: Task<unknown>;
  readonly future: Future<T>;
  readonly ms: number;
  /** The caller's cancel requests when it started: more later means a cancel from outside. */
  readonly cancellingBefore: number;
  /** Whether the child was pending when awaited: only then is its end a point where the caller's cancel is delivered. */
  readonly suspended: boolean;
  private resolve: ((value: T) => void) | undefined = undefined;
  private reject: ((error: unknown) => void) | undefined = undefined;

  constructor(task: Task<unknown>, future: Future<T>, ms: number, due: number) {
    this.loop = task._loop;
    this.task = task;
    this.future = future;
    this.ms = ms;
    this.due = due;
    this.cancellingBefore = task.cancelling();
    this.suspended = !future.done();
    this.loop.addTimer(this);
  }

  /**
   * The caller's promise. As `await future` in the caller: the child's end
   * is a callback that settles it, and while the child runs it is the
   * caller's waiter, so that cancelling the caller cancels the child.
   */
  promise(): Promise<T> {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    this.resolve = resolve;
    this.reject = reject;
    this.future._addCallback(this);
    if (this.suspended) this.task._addWaiter(this.future);
    return promise;
  }

  /**
   * @internal The child is done: the caller's outcome. A cancel of the caller
   * requested since the child ended replaces it (as `Reaction.run`); the
   * child's cancel by the expiry becomes `TimeoutError`, one from outside
   * stays a `CancelledError`.
   */
  run(): void {
    const future = this.future;
    const task = this.task;
    // The child is done: a result, or an error (or cancel) to throw.
    let ok = !future.cancelled() && future._state !== EXCEPTION;
    let value: unknown = ok ? future._value : future._error();
    const cancel = task._resume(future, this.suspended, ok, value);
    if (cancel !== undefined) {
      value = cancel;
      ok = false;
    }
    // Stryker disable next-line BooleanLiteral: equivalent, settled is set once the child is done; a late expiry then only cancels a done future (a no-op) and sets `expired`, read only here, which already ran
    this.settled = true;
    // Stryker disable next-line ConditionalExpression: equivalent, removing a timer not scheduled is ignored (the heap checks index === -1)
    if (this.index !== -1) this.loop.removeTimer(this);
    if (ok) {
      (this.resolve as (value: T) => void)(value as T);
      return;
    }
    const cancelled = asCancelledError(value);
    // A cancel of the caller from outside stays a CancelledError.
    if (this.expired && cancelled !== undefined && task.cancelling() <= this.cancellingBefore) {
      value = new TimeoutError(`waitFor() timed out after ${this.ms} ms`, { cause: cancelled });
    }
    (this.reject as (error: unknown) => void)(value);
  }

  /** @internal For `captureCallGraph`: the task this callback resumes. */
  _awaiter(): Task<unknown> {
    return this.task;
  }

  /** @internal For `captureCallGraph`: the caller this deadline bounds. */
  _deadlineOf(): { task: object; label: string } | undefined {
    return this.settled ? undefined : { task: this.task, label: `waitFor at ${formatLoopTime(this.due)}` };
  }

  /** @internal The deadline passed: queue the expiry, in order with the other callbacks. */
  fire(): void {
    this.loop._enqueue(new Expiry(this as ChildDeadline<unknown>));
  }
}

// Settling the caller's promise resumes the caller: the loop lets its
// continuation run before the next callback, as after a `Reaction`.
Object.defineProperty(ChildDeadline.prototype, "resumes", { value: true });

/**
 * The deadline of a `waitFor` on a function: the child task is waitFor's
 * own, so its end resumes the caller at once, not one pass of the loop
 * later, as asyncio 3.12's `wait_for` continues its caller in the step in
 * which the inner coroutine returns. Saved ~8% of a sequential `waitFor(fn)`
 * (a queued callback and its two microtask hops). A task or future given to
 * `waitFor` keeps the queued callback: a user's `setResult()` must not run
 * the caller's resumption synchronously.
 */
class OwnChildDeadline<T> extends ChildDeadline<T> {}
Object.defineProperty(OwnChildDeadline.prototype, "direct", { value: true });

/** The expiry of a `ChildDeadline`, queued when its timer fires (made only then: most deadlines never pass). */
class Expiry implements Runnable {
  readonly deadline: ChildDeadline<unknown>;

  constructor(deadline: ChildDeadline<unknown>) {
    this.deadline = deadline;
  }

  run(): void {
    const deadline = this.deadline;
    // Stryker disable next-line ConditionalExpression: equivalent, settled means the child is done: expiring then only cancels a done future (a no-op) and sets `expired`, which no one reads any more
    if (deadline.settled) return;
    // Stryker disable next-line BooleanLiteral: equivalent, the expiry is queued at most once (the timer fires once), so nothing reads settled after it but _deadlineOf
    deadline.settled = true;
    // Outside any task, as a `callLater` callback runs: the cancel runs the
    // child's abort listeners synchronously.
    storage.exit(expire, deadline);
  }
}

function expire(deadline: ChildDeadline<unknown>): void {
  deadline.expired = true;
  deadline.future.cancel();
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
 * inline work's aio sleeps and calls too, and waitFor waits for the promise
 * to settle (its `finally` blocks) before it throws. A promise with no aio
 * await inside (a foreign one, which nothing can interrupt) is abandoned at
 * the deadline.
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
 * import { run, sleep, waitFor, TimeoutError } from "aio-ts";
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
  const caller = current();
  // Outside any task, the same in a fresh root task (see inTask).
  if (caller === undefined) return inTask(() => waitFor(aw, ms));
  if (ms !== null && ms > 0 && (aw instanceof Future || typeof aw === "function")) {
    // The deadline's clock read first: the child task takes its creation time from it.
    const due = caller._loop.now() + ms;
    if (aw instanceof Future) return new ChildDeadline(caller, aw as Future<T>, ms, due).promise();
    const child = new Task<T>(caller._loop, aw as () => PromiseLike<T>, undefined, caller);
    return new OwnChildDeadline(caller, child, ms, due).promise();
  }
  return waitInline(aw, ms);
}

/**
 * What `waitFor` awaits for a promise, whose work runs inline, in the calling
 * task. A cancel of the task (the deadline, or one from outside) goes to the
 * task's own aio awaits; while the work has some, this future declines it,
 * and settles only when the promise does, after the work's `finally` blocks
 * ran: asyncio's `wait_for` waits for its cancelled child the same way. With
 * no other await to take it (a foreign promise, which nothing can interrupt),
 * it takes the cancel itself and the promise is abandoned, as `ensureFuture`
 * abandons one.
 */
class InlineWork<T> extends Future<T> {
  private readonly task: Task<unknown>;

  constructor(task: Task<unknown>) {
    super(task._loop);
    this.task = task;
  }

  override cancel(message?: unknown): boolean {
    if (!this.done() && hasOtherWaits(this.task)) return false;
    return super.cancel(message);
  }

  /** @internal For `captureCallGraph`: the inline work's own wait, if it has one aio knows (the deadline is added from the timer heap). */
  override _describeWait(): WaitInfo {
    const task = this.task;
    const other = task._waiter !== undefined && !(task._waiter instanceof InlineWork) ? task._waiter : undefined;
    if (other !== undefined && isDescribed(other)) return other._describeWait();
    return { kind: "future", label: "waitFor(a promise)" };
  }
}

/** Whether `task` waits on something besides the `InlineWork`s of waitFors. */
function hasOtherWaits(task: Task<unknown>): boolean {
  if (task._waiter !== undefined && !(task._waiter instanceof InlineWork)) return true;
  if (task._waiters !== undefined) for (const w of task._waiters) if (!(w instanceof InlineWork)) return true;
  return false;
}

/** The rarer cases of `waitFor`: no time at all, no limit, or a promise whose work runs inline. */
async function waitInline<T>(aw: Awaitable<T>, ms: number | null): Promise<T> {
  const task = current() as Task<unknown>;
  // A promise given time (or no limit) is followed by an InlineWork; with no
  // time at all, its wrapper is cancelled at once, as any other future.
  const inline = !(aw instanceof Future) && typeof aw !== "function" && (ms === null || ms > 0);
  const future = inline ? follow(new InlineWork<T>(task), aw as PromiseLike<T>) : ensureFuture(aw);
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
  // A promise's work ran inline, in this task: only cancelling the task's
  // own awaits stops it (and its timers), as asyncio's inline wait_for.
  return runScope(new Timeout(task._loop.now() + ms, "waitFor", ms), () => future);
}
