import {
  argumentError,
  asCancelledError,
  checkFunction,
  current,
  formatLoopTime,
  InvalidStateError,
  type Loop,
  type Runnable,
  rangeError,
  type Task,
  TimeoutError,
  type Timer,
} from "../core/index.ts";
import { inTask } from "./detached.ts";

const CREATED = 0;
const ENTERED = 1;
const EXPIRING = 2;
const EXPIRED = 3;
const EXITED = 4;
const STATE_NAMES = ["created", "active", "expiring", "expired", "finished"];

/**
 * A timeout scope, as asyncio's `Timeout`: what `timeout()` and `timeoutAt()`
 * hand their body. Its deadline can be read and moved while the body runs.
 *
 * @example
 * ```ts
 * import { now, run, timeout } from "aio-ts";
 * declare function readChunk(): Promise<Uint8Array | null>;
 * await run(() =>
 *   // An idle timeout: 10 s without a chunk gives up, however long the whole read takes.
 *   timeout(10_000, async (scope) => {
 *     while ((await readChunk()) !== null) scope.reschedule(now() + 10_000);
 *     console.log("read to the end; deadline was", scope.when());
 *   }),
 * );
 * ```
 */
export class Timeout implements Timer, Runnable {
  /** @internal heap fields */
  due = 0;
  seq = 0;
  index = -1;
  private state = CREATED;
  private deadline: number | null;
  private task: Task<unknown> | undefined;
  private loop: Loop | undefined;
  private cancellingBefore = 0;
  /** Bumped by each reschedule, so that a stale queued expiry is ignored. */
  private generation = 0;
  // Stryker disable next-line UnaryOperator: equivalent, only run() reads queuedGeneration, and run() is queued only by fire(), which sets it first
  private queuedGeneration = -1;

  /** Who made the scope and with what limit: the `TimeoutError`'s message, built only on expiry. */
  private readonly kind: "timeout" | "timeoutAt" | "waitFor";
  private readonly limit: number | null;

  /** @internal Use `timeout()` or `timeoutAt()`. */
  constructor(deadline: number | null, kind: "timeout" | "timeoutAt" | "waitFor" = "timeoutAt", limit = deadline) {
    this.deadline = deadline;
    this.kind = kind;
    this.limit = limit;
  }

  /** The deadline, in loop time (ms), or `null` for none. */
  when(): number | null {
    return this.deadline;
  }

  /** Whether the deadline passed and the scope cancelled its body. */
  expired(): boolean {
    return this.state === EXPIRING || this.state === EXPIRED;
  }

  /**
   * Moves the deadline (loop time, ms; `null` for none). A deadline already
   * past expires the scope at once.
   *
   * @throws InvalidStateError if the scope is not running or already expired.
   */
  reschedule(deadline: number | null): void {
    if (deadline !== null && (typeof deadline !== "number" || Number.isNaN(deadline))) {
      throw argumentError("deadline", "a loop time in ms or null", deadline);
    }
    if (this.state === CREATED) throw new InvalidStateError("Timeout has not been entered");
    if (this.state !== ENTERED)
      throw new InvalidStateError(`Cannot change state of ${STATE_NAMES[this.state]} Timeout`);
    this.deadline = deadline;
    this.unschedule();
    if (deadline === null) return;
    const loop = this.loop as Loop;
    this.due = deadline;
    if (deadline <= loop.now()) this.fire();
    else loop.addTimer(this);
  }

  /** @internal */
  fire(): void {
    this.queuedGeneration = this.generation;
    (this.loop as Loop)._enqueue(this);
  }

  /** @internal The deadline passed: cancel the task running the body. */
  run(): void {
    // Stryker disable next-line ConditionalExpression: equivalent for the state test (the state leaves ENTERED only in run() itself or in exit(), whose unschedule() bumps the generation first, so a current queued expiry always finds ENTERED); the generation test's mutant is killed by "an expiry queued by a past deadline is dropped...", but a comment cannot single out a column
    if (this.queuedGeneration !== this.generation || this.state !== ENTERED) return;
    // Stryker disable next-line UnaryOperator: equivalent, run() is queued only by fire(), which sets queuedGeneration again; and a second run() after this one finds the state EXPIRING anyway
    this.queuedGeneration = -1;
    (this.task as Task<unknown>).cancel();
    this.state = EXPIRING;
  }

  /** @internal */
  enter(task: Task<unknown>): void {
    this.task = task;
    this.loop = task._loop;
    this.state = ENTERED;
    this.cancellingBefore = task.cancelling();
    this.reschedule(this.deadline);
  }

  /**
   * @internal The body ended (with `error`, if `failed`). Returns the error
   * to throw instead, if the expiry is ours to turn into `TimeoutError`.
   */
  exit(failed: boolean, error: unknown): unknown {
    this.unschedule();
    if (this.state === EXPIRING) {
      this.state = EXPIRED;
      const task = this.task as Task<unknown>;
      // Only if no cancel from elsewhere arrived meanwhile is the cancellation ours.
      const cancelled = failed ? asCancelledError(error) : undefined;
      if (task._uncancel() <= this.cancellingBefore && cancelled !== undefined) {
        const message =
          this.kind === "timeoutAt"
            ? `timeoutAt(${this.limit}) expired`
            : `${this.kind}() timed out after ${this.limit} ms`;
        return new TimeoutError(message, { cause: cancelled });
      }
      // Stryker disable next-line ConditionalExpression: equivalent, exit() runs once, after enter(): the state is ENTERED or EXPIRING, and EXPIRING took the branch above
    } else if (this.state === ENTERED) this.state = EXITED;
    return error;
  }

  private unschedule(): void {
    // Stryker disable next-line UpdateOperator: equivalent, generation is only compared for equality with a value it had; decrementing never revisits one either (queuedGeneration is reset to -1 only once expired)
    this.generation++;
    // Stryker disable next-line ConditionalExpression: equivalent, removing a timer not scheduled is ignored (the heap checks index === -1)
    if (this.index !== -1) (this.loop as Loop).removeTimer(this);
  }

  /** @internal For `captureCallGraph`: the task this scope bounds, and when it expires. */
  _deadlineOf(): { task: object; label: string } | undefined {
    if (this.state !== ENTERED || this.task === undefined || this.deadline === null) return undefined;
    return {
      task: this.task,
      label: `${this.kind === "waitFor" ? "waitFor" : "timeout"} at ${formatLoopTime(this.deadline)}`,
    };
  }

  /** As asyncio's repr: the deadline shows only while the scope is active. */
  toString(): string {
    const when = this.state === ENTERED ? ` when=${this.deadline}` : "";
    return `<Timeout [${STATE_NAMES[this.state]}]${when}>`;
  }
}

function checkBody(body: unknown): void {
  checkFunction("body", body);
}

/**
 * Runs `body` with a deadline `deadline` (loop time, ms; `null` for none).
 * See `timeout`.
 *
 * **Cancel safety:** as `timeout`.
 *
 * @example
 * ```ts
 * import { now, run, timeoutAt } from "aio-ts";
 * declare function step(n: number): Promise<void>;
 * await run(async () => {
 *   const deadline = now() + 5000; // one deadline for all three steps
 *   for (const n of [1, 2, 3]) await timeoutAt(deadline, () => step(n));
 * });
 * ```
 */
export function timeoutAt<T>(deadline: number | null, body: (scope: Timeout) => PromiseLike<T>): Promise<T> {
  if (deadline !== null && (typeof deadline !== "number" || Number.isNaN(deadline))) {
    throw argumentError("deadline", "a loop time in ms or null", deadline);
  }
  checkBody(body);
  return inTask(() => runScope(new Timeout(deadline), body));
}

/**
 * Runs `body` in the current task, and cancels it if it takes longer than `ms`
 * milliseconds (`null`: no limit): the body sees `CancelledError` at its
 * current await (its `finally` blocks run), and the caller gets a
 * `TimeoutError` whose `cause` is that `CancelledError`.
 *
 * As asyncio's `timeout()`: only the expiry of this scope becomes a
 * `TimeoutError`; a cancel from outside stays a `CancelledError`, and nested
 * scopes each handle their own. The body receives the `Timeout` scope, whose
 * deadline it can move with `reschedule()`.
 *
 * **Cancel safety:** on expiry or outside cancel, the body's pending await is
 * cancelled; nothing of it keeps running or keeps the process alive, as long
 * as it awaits aio primitives (wrap foreign promises with `ensureFuture`).
 *
 * @throws TypeError if `ms` is not a number or null, or `body` is not a function.
 * @throws TimeoutError if the deadline passes first.
 *
 * @example
 * ```ts
 * import { run, sleep, timeout, TimeoutError } from "aio-ts";
 * await run(async () => {
 *   try { await timeout(3000, () => sleep(10_000)); }
 *   catch (e) { if (e instanceof TimeoutError) console.log("gave up after 3 s"); else throw e; }
 * });
 * ```
 */
export function timeout<T>(ms: number | null, body: (scope: Timeout) => PromiseLike<T>): Promise<T> {
  if (ms !== null && (typeof ms !== "number" || Number.isNaN(ms))) {
    throw argumentError("ms", "a number of milliseconds or null", ms);
  }
  checkBody(body);
  return inTask(() => {
    const task = current() as Task<unknown>;
    return runScope(new Timeout(ms === null ? null : task._loop.now() + ms, "timeout", ms), body);
  });
}

/**
 * Runs `body` with a deadline `ms` milliseconds from now (`null`: none), as
 * `timeout` does; but when the deadline passes, the body is cancelled and the
 * call returns `undefined` instead of throwing: Trio's `move_on_after`.
 *
 * A body that finishes in time returns its value (so does one that catches
 * the cancellation and returns). Only this scope's expiry is swallowed: a
 * cancel from outside still comes out as `CancelledError`, and an error of
 * the body comes out unchanged. The body receives the `Timeout` scope:
 * `scope.expired()` tells, after the call, whether the deadline cut it short
 * (useful when `undefined` is also a value the body may return), and
 * `reschedule()` moves the deadline.
 *
 * As Trio's (and unlike `timeout`, which follows asyncio), a negative `ms` is
 * an error: use `moveOnAt` for a deadline that may already be past.
 *
 * **Cancel safety:** as `timeout`: on expiry the body's pending await is
 * cancelled, and its `finally` blocks run before the call returns.
 *
 * @throws TypeError if `ms` is not a number or null, or `body` is not a function.
 * @throws RangeError if `ms` is negative.
 *
 * @example
 * ```ts
 * import { moveOnAfter, run } from "aio-ts";
 * declare function poll(): Promise<string>;
 * await run(async () => {
 *   const status = await moveOnAfter(2000, () => poll()); // at most 2 s
 *   console.log(status ?? "no answer in 2 s; going on");
 * });
 * ```
 */
export function moveOnAfter<T>(ms: number | null, body: (scope: Timeout) => PromiseLike<T>): Promise<T | undefined> {
  if (ms !== null && (typeof ms !== "number" || Number.isNaN(ms))) {
    throw argumentError("ms", "a number of milliseconds or null", ms);
  }
  if ((ms ?? 0) < 0) throw rangeError("ms", "a non-negative number of milliseconds or null", ms);
  checkBody(body);
  return inTask(() => {
    const task = current() as Task<unknown>;
    // No kind or limit: they only word the TimeoutError, which moving on never throws.
    return enterScope(new Timeout(ms === null ? null : task._loop.now() + ms), body, true);
  });
}

/**
 * Runs `body` with a deadline `deadline` (loop time, ms; `null` for none);
 * when it passes, the body is cancelled and the call returns `undefined`:
 * Trio's `move_on_at`. See `moveOnAfter`. A deadline already past cancels
 * the body at its first await.
 *
 * **Cancel safety:** as `timeout`.
 *
 * @throws TypeError if `deadline` is not a number or null, or `body` is not a function.
 *
 * @example
 * ```ts
 * import { moveOnAt, now, run } from "aio-ts";
 * declare function fetchPage(n: number): Promise<string>;
 * await run(async () => {
 *   const deadline = now() + 10_000; // one deadline for the whole crawl
 *   const pages: string[] = [];
 *   await moveOnAt(deadline, async () => {
 *     for (let n = 1; ; n++) pages.push(await fetchPage(n));
 *   });
 *   console.log(`${pages.length} pages in 10 s`);
 * });
 * ```
 */
export function moveOnAt<T>(deadline: number | null, body: (scope: Timeout) => PromiseLike<T>): Promise<T | undefined> {
  if (deadline !== null && (typeof deadline !== "number" || Number.isNaN(deadline))) {
    throw argumentError("deadline", "a loop time in ms or null", deadline);
  }
  checkBody(body);
  return inTask(() => enterScope(new Timeout(deadline), body, true));
}

/** @internal Runs `body` in the current task under `scope`. */
export function runScope<T>(scope: Timeout, body: (scope: Timeout) => PromiseLike<T>): Promise<T> {
  return enterScope(scope, body, false) as Promise<T>;
}

/**
 * Runs `body` in the current task under `scope`; with `moveOn`, the scope's
 * own expiry returns `undefined` instead of throwing `TimeoutError`.
 */
async function enterScope<T>(
  scope: Timeout,
  body: (scope: Timeout) => PromiseLike<T>,
  moveOn: boolean,
): Promise<T | undefined> {
  scope.enter(current() as Task<unknown>);
  let result: T;
  try {
    result = await body(scope);
  } catch (error) {
    const outcome = scope.exit(true, error);
    // exit() hands back another error (a TimeoutError) only when the
    // cancellation is this scope's expiry: that is what moving on swallows.
    if (moveOn && outcome !== error) return undefined;
    throw outcome;
  }
  // Stryker disable next-line BooleanLiteral: equivalent, with error undefined, asCancelledError(undefined) is undefined, so exit(true, undefined) does what exit(false, undefined) does
  scope.exit(false, undefined);
  return result;
}
