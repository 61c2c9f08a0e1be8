import type { Timer } from "./clock/timer-heap.ts";
import { current, runningLoop } from "./context.ts";
import { makeCancelledError } from "./errors.ts";
import { defaultLoop, type Loop, type Runnable } from "./loop.ts";
import type { Task, Waiter } from "./task.ts";
import { checkDelay } from "./validate.ts";
import { formatLoopTime, type WaitInfo } from "./wait-info.ts";

const WAITING = 0; // in the timer heap
const QUEUED = 1; // due, in the ready queue
const CANCELLED = 2; // cancelled, rejection queued
const DONE = 3;

function noop(): void {}

/** A thenable that rejects: lets a promise be rejected through its resolve function. */
class Rejection {
  readonly error: unknown;

  constructor(error: unknown) {
    this.error = error;
  }

  // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose, see Sleep.reject.
  then(_onFulfilled: unknown, onRejected: (error: unknown) => void): void {
    onRejected(this.error);
  }
}

/**
 * One sleep: its own timer, ready-queue entry and waiter, in one object, so a
 * sleep costs a promise and this. Resolving goes through the ready queue, so
 * a cancel that arrives after the deadline but before the task resumes still
 * turns the sleep into a `CancelledError`, as in asyncio.
 */
class Sleep implements Timer, Runnable, Waiter {
  due = 0;
  seq = 0;
  index = -1;
  state = WAITING;
  /** The cancel message, once cancelled; the value to resolve with before. */
  value: unknown;
  readonly loop: Loop;
  readonly task: Task<unknown> | undefined;
  /**
   * Only the resolve function is kept (memory: 100k pending sleeps); a
   * rejection is delivered by resolving with a rejected promise.
   */
  resolve: (value: unknown) => void = noop;
  /** The promise `sleep` returned. */
  promise: Promise<unknown> | undefined = undefined;

  constructor(loop: Loop, task: Task<unknown> | undefined, value: unknown) {
    this.loop = loop;
    this.task = task;
    this.value = value;
  }

  private reject(error: unknown): void {
    // Resolving with a thenable that rejects, not with Promise.reject(): a
    // rejected promise, even one adopted a tick later, goes through Node's
    // unhandled-rejection bookkeeping, which showed in cancel-all profiles.
    this.resolve(new Rejection(error));
  }

  declare readonly resumes: boolean;

  fire(): void {
    this.state = QUEUED;
    this.loop._enqueue(this);
  }

  run(): void {
    const task = this.task;
    if (this.state === CANCELLED) {
      this.state = DONE;
      if (task !== undefined) {
        task._removeWaiter(this);
        // This CancelledError is the one the task gets now: a second cancel()
        // made meanwhile is consumed with it, as asyncio's __step clears
        // _must_cancel when it throws the cancellation in.
        task._mustCancel = false;
      }
      // A sleep started and not yet awaited (`const later = sleep(ms)`) must
      // not crash the process as an unhandled rejection when its task is
      // cancelled; whoever awaits it still gets the CancelledError.
      this.promise?.catch(noop);
      this.reject(makeCancelledError(this.value as string | undefined));
      return;
    }
    this.state = DONE;
    if (task !== undefined) {
      task._removeWaiter(this);
      // Stryker disable next-line BlockStatement: equivalent, unreachable: a live sleep is its task's waiter, so cancel() cancels it rather than set _mustCancel, and _addWaiter() cancels it if _mustCancel was set
      if (task._mustCancel) {
        // Stryker disable next-line BooleanLiteral: equivalent, unreachable (see the if above)
        task._mustCancel = false;
        // Stryker disable next-line CallExpression: equivalent, unreachable (see the if above)
        this.reject(task._makeCancelledError());
        return;
      }
      this.loop.lastResumed = task;
    }
    this.resolve(this.value);
  }

  cancel(message?: string): boolean {
    if (this.state === DONE || this.state === CANCELLED) return false;
    const queued = this.state === QUEUED;
    this.state = CANCELLED;
    this.value = message;
    if (!queued) {
      this.loop.removeTimer(this);
      this.loop._enqueue(this);
    }
    return true;
  }

  /** @internal For `captureCallGraph`: the deadline, in loop time. */
  _describeWait(): WaitInfo {
    if (this.due === Number.POSITIVE_INFINITY) return { kind: "sleep", label: "sleep forever" };
    // A sleep(0) is queued, never timed: it only yields.
    if (this.index === -1 && this.due === 0) return { kind: "sleep", label: "sleep(0) (yielding)" };
    return { kind: "sleep", label: `sleep until ${formatLoopTime(this.due)}` };
  }
}

Object.defineProperty(Sleep.prototype, "resumes", { value: true });

/**
 * Waits `ms` milliseconds of loop time, then resolves with `value`.
 *
 * `sleep(0)` (or a negative delay) yields to the other ready tasks once, as
 * asyncio's `sleep(0)` does. `sleep(Infinity)` waits until cancelled. All
 * sleeps share one timer heap: 100k concurrent sleeps cost one Node timer.
 *
 * **Cancel safety:** cancelling the task cancels the sleep; it throws
 * `CancelledError` and its timer is removed at once (nothing keeps the
 * process alive).
 *
 * @throws TypeError if `ms` is not a number (or is NaN).
 *
 * @example
 * ```ts
 * import { run, sleep } from "aio-ts";
 * await run(async () => { const v = await sleep(1000, "done"); console.log(v); });
 * ```
 */
export function sleep<T = void>(ms: number, value?: T): Promise<T> {
  checkDelay("ms", ms);
  const task = current();
  // Outside any task, the loop whose callback runs (its clock), else the default one.
  const loop = task !== undefined ? task._loop : (runningLoop() ?? defaultLoop());
  const s = new Sleep(loop, task, value);
  const promise = new Promise<T>((resolve) => {
    s.resolve = resolve as (value: unknown) => void;
  });
  s.promise = promise;
  if (ms > 0) {
    s.due = loop.now() + ms;
    loop.addTimer(s);
  } else {
    s.state = QUEUED;
    loop._enqueue(s);
  }
  if (task !== undefined) task._addWaiter(s);
  return promise;
}

/**
 * The loop's current time in milliseconds (monotonic; virtual under a
 * `VirtualClock`). Use it for deadlines: `timeoutAt(now() + 5000, ...)`.
 *
 * @example
 * ```ts
 * import { now, run, sleep } from "aio-ts";
 * await run(async () => {
 *   const start = now();
 *   await sleep(250);
 *   console.log(`slept ${Math.round(now() - start)} ms`); // about 250
 * });
 * ```
 */
export function now(): number {
  const task = current();
  return (task !== undefined ? task._loop : (runningLoop() ?? defaultLoop())).now();
}
