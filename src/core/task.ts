import { AsyncResource } from "node:async_hooks";
import { current, runningLoop, storage } from "./context.ts";
import { asCancelledError, CancelledError, InvalidStateError, makeCancelledError } from "./errors.ts";
import { CANCELLED, EXCEPTION, Future, outcomeName, PENDING, RESULT, type State } from "./future.ts";
import { defaultLoop, kernel, type Loop, type Runnable } from "./loop.ts";
import { checkFunction } from "./validate.ts";
import type { WaitInfo } from "./wait-info.ts";

/** Something a task waits on, which its cancellation cancels. */
export interface Waiter {
  /** Cancels the wait; `true` if the waiting task will now get a `CancelledError` from it. */
  cancel(message?: string): boolean;
}

/** Options of `createTask`. */
export interface TaskOptions {
  /** A name for reports and `task.name`; default `Task-<n>`. A number or bigint is converted to a string, as asyncio does. */
  name?: string | undefined;
}

let counter = 0;

/**
 * A running async function, scheduled on the loop: asyncio's `Task`.
 *
 * It starts when its creator next yields, runs until it returns or throws,
 * and can be cancelled: `cancel()` makes the task's current (or next) await on
 * an aio primitive throw `CancelledError`, whose `finally` blocks then run and
 * may themselves await. A task is awaitable; awaiting it inside another task
 * links them, so cancelling the awaiter cancels the awaited (use `shield` to
 * prevent that). `signal` is an `AbortSignal` that aborts as soon as a cancel
 * is requested, for APIs that take one.
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "aio-ts";
 * await run(async () => {
 *   const t = createTask(async () => { await sleep(60_000); }, { name: "slow" });
 *   await sleep(10);
 *   t.cancel("enough");
 *   try { await t; } catch (e) { console.log(t.cancelled(), (e as Error).message); } // true "enough"
 * });
 * ```
 */
export class Task<T = unknown> extends Future<T> implements Runnable, Waiter {
  /** @internal */ _fn: (() => unknown) | undefined;
  /** @internal */ _name: string | undefined;
  /** @internal */ readonly _id: number;
  /**
   * @internal The id of the task that created this one (a task group's
   * children: of the group's task), 0 for none. An id, not the task: a
   * reference would keep every finished ancestor alive behind a live task.
   */
  readonly _parentId: number;
  /**
   * @internal Loop time of creation in whole ms, for the age `aio ps` shows (see `Loop._taskStamp`). Whole: a
   * small integer is stored in the task itself, a fraction in a 16-byte box of its own (measured: 32 bytes a
   * task, not 16).
   */
  readonly _createdTime: number;
  /** @internal The one thing awaited; more go into `_waiters`. */
  _waiter: Waiter | undefined = undefined;
  /** @internal */ _waiters: Set<Waiter> | undefined = undefined;
  /** @internal A cancel is requested and not yet delivered to an await. */
  _mustCancel = false;
  /** @internal */ _numCancelsRequested = 0;
  /** @internal Created on first use of `signal`. */
  _controller: AbortController | undefined = undefined;
  /** @internal The creator's async context. */
  _context: AsyncResource | undefined;
  /** @internal Neighbours in the loop's list of live tasks. */
  _prev: Task<unknown> | undefined = undefined;
  /** @internal */
  _next: Task<unknown> | undefined = undefined;
  /** Where the task was created (debug mode only). */
  readonly createdAt: string | undefined;

  /** @internal Use `createTask`. `parent`: the creating task, for `aio ps` (the callers have it at hand). */
  constructor(loop: Loop, fn: () => unknown, name: string | undefined, parent: Task<unknown> | undefined) {
    super(loop);
    this._fn = fn;
    this._name = name;
    this._id = ++counter;
    this._parentId = parent === undefined ? 0 : parent._id;
    this._createdTime = loop._taskStamp();
    this.createdAt = loop.debug ? captureStack() : undefined;
    // The task runs in a copy of its creator's async context (asyncio copies
    // contextvars the same way), so other AsyncLocalStorage values carry over.
    this._context = new AsyncResource("aio.Task");
    loop._link(this as Task<unknown>);
    loop._enqueue(this);
    if (loop._tracer !== undefined) loop._tracer.spawn(this as Task<unknown>);
  }

  /** The task's name. */
  get name(): string {
    return this._name ?? `Task-${this._id}`;
  }

  /** Renames the task (asyncio's `set_name`); a number or bigint is converted to a string. */
  set name(value: string) {
    this._name = String(value);
  }

  /**
   * An `AbortSignal` that aborts as soon as this task is asked to cancel, with
   * the `CancelledError` as its reason. Pass it to APIs that take a signal
   * (`fetch`, streams, `child_process`) so that cancellation reaches them.
   * After `uncancel()` brings `cancelling()` back to 0, a fresh signal is
   * handed out; read it where you use it.
   */
  get signal(): AbortSignal {
    let controller = this._controller;
    if (controller === undefined) {
      controller = this._controller = new AbortController();
      if (this._numCancelsRequested > 0 || this._state === CANCELLED) controller.abort(this._makeCancelledError());
    }
    return controller.signal;
  }

  /**
   * Asks the task to cancel: a `CancelledError` is thrown into it at the
   * await it is suspended in, or at its next one. If it awaits another task
   * or future, that one is cancelled instead and the error comes through it.
   *
   * Cancelling is a request: the task may catch the error (cleanup is fine;
   * suppressing it also needs `uncancel()`).
   *
   * On a task that already failed, it returns `false` and marks the error
   * as retrieved (it will not be reported), as asyncio does.
   *
   * @returns `false` if the task is already done, `true` otherwise.
   */
  override cancel(message?: unknown): boolean {
    if (this._state !== PENDING) {
      // As asyncio: cancel() on a failed task counts as handling its error.
      if (this._state === EXCEPTION) this._loop.retrieved(this as Task<unknown>);
      return false;
    }
    this._numCancelsRequested++;
    const text = message === undefined ? undefined : String(message);
    if (this._loop._tracer !== undefined) this._loop._tracer.cancel(this as Task<unknown>, text);
    if (this._controller !== undefined && !this._controller.signal.aborted) {
      this._controller.abort(makeCancelledError(text));
    }
    let delivered = false;
    const waiter = this._waiter;
    if (waiter?.cancel(text)) delivered = true;
    const waiters = this._waiters;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, the size test only skips a loop over an empty set
    if (waiters !== undefined && waiters.size > 0) {
      for (const w of [...waiters]) if (w.cancel(text)) delivered = true;
    }
    if (!delivered) {
      this._mustCancel = true;
      this._cancelMessage = text;
    }
    return true;
  }

  /** The number of pending cancellation requests: `cancel()` calls minus `uncancel()` calls. */
  cancelling(): number {
    return this._numCancelsRequested;
  }

  /**
   * Withdraws one cancellation request, for code that handled a cancel and
   * goes on (as `timeout` and `TaskGroup` do). Once the count is back to 0 a
   * pending, undelivered cancellation is dropped too.
   *
   * @returns the remaining count.
   * @throws InvalidStateError if there is no request to withdraw (asyncio returns 0).
   */
  uncancel(): number {
    if (this._numCancelsRequested === 0) {
      throw new InvalidStateError(`uncancel() called on ${this} more times than cancel()`, {
        code: "ERR_AIO_UNCANCEL",
      });
    }
    return this._uncancel();
  }

  /** @internal `uncancel` that is a no-op at 0, as asyncio's. */
  _uncancel(): number {
    if (this._numCancelsRequested > 0) {
      this._numCancelsRequested--;
      if (this._numCancelsRequested === 0) {
        this._mustCancel = false;
        // Stryker disable next-line ConditionalExpression: equivalent, while a cancel is requested any controller is aborted (cancel() aborts it, the signal getter makes it aborted), so at 0 it is aborted or undefined
        if (this._controller?.signal.aborted) this._controller = undefined;
      }
    }
    return this._numCancelsRequested;
  }

  /** @throws InvalidStateError always: a task's result comes from its function. */
  override setResult(_value: T): never {
    throw new InvalidStateError("Task does not support setResult()");
  }

  /** @throws InvalidStateError always: a task's result comes from its function. */
  override setException(_error: unknown): never {
    throw new InvalidStateError("Task does not support setException()");
  }

  /** @internal First step: runs the function in the task's context. */
  run(): void {
    if (this._mustCancel) {
      // Cancelled before it started: the body never runs, as in asyncio.
      this._mustCancel = false;
      this._finish(CANCELLED, this._makeCancelledError());
      return;
    }
    this._loop.lastResumed = this as Task<unknown>;
    const context = this._context as AsyncResource;
    this._context = undefined;
    context.runInAsyncScope(enter, undefined, this as Task<unknown>);
  }

  /** @internal */
  _addWaiter(waiter: Waiter): void {
    const first = this._waiter === undefined;
    if (first) this._waiter = waiter;
    else (this._waiters ??= new Set()).add(waiter);
    if (this._loop._tracer !== undefined) this._loop._tracer.waitStart(this as Task<unknown>, waiter, first);
    if (this._mustCancel) {
      // A cancel arrived while the task ran (or waited on a foreign promise):
      // deliver it through this wait, as asyncio's __step does.
      this._mustCancel = false;
      if (!waiter.cancel(this._cancelMessage)) this._mustCancel = true;
    }
  }

  /** @internal */
  _removeWaiter(waiter: Waiter): void {
    if (this._waiter === waiter) {
      this._waiter = undefined;
      if (this._loop._tracer !== undefined) this._loop._tracer.waitEnd(this as Task<unknown>, waiter, true);
    } else if (this._waiters?.delete(waiter) === true && this._loop._tracer !== undefined) {
      this._loop._tracer.waitEnd(this as Task<unknown>, waiter, false);
    }
  }

  /**
   * @internal The task resumes from `future`, now done, which it awaited (`suspended`: the future was pending then):
   * it leaves the future's waiters, and a cancel requested while it waited is delivered now, in place of the
   * future's outcome (`ok` and `value`): the CancelledError to throw instead is returned (the future's own, if it
   * was cancelled too); undefined when the outcome stands. What `await future` and `waitFor` both do.
   */
  _resume(future: Future<unknown>, suspended: boolean, ok: boolean, value: unknown): CancelledError | undefined {
    this._removeWaiter(future);
    this._loop.lastResumed = this as Task<unknown>;
    if (!this._mustCancel || !suspended) return undefined;
    this._mustCancel = false;
    return !ok && value instanceof CancelledError ? value : this._makeCancelledError();
  }

  /** @internal */
  _makeCancelledError(): CancelledError {
    return makeCancelledError(this._cancelMessage);
  }

  /** @internal */
  _onFulfilled(value: unknown): void {
    if (this._state !== PENDING) return;
    if (this._mustCancel) {
      // Cancelled right before the function returned: the task ends cancelled.
      this._mustCancel = false;
      this._finish(CANCELLED, this._makeCancelledError());
      return;
    }
    if (this._numCancelsRequested > 0 && this._loop.debug) {
      this._loop.report({
        message: `${this} was cancelled but returned normally: it swallowed its CancelledError without uncancel()`,
        task: this as Task<unknown>,
      });
    }
    this._finish(RESULT, value);
  }

  /** @internal */
  _onRejected(error: unknown): void {
    if (this._state !== PENDING) return;
    const cancelled = asCancelledError(error);
    if (cancelled !== undefined) this._finish(CANCELLED, cancelled);
    else this._finish(EXCEPTION, error);
  }

  private _finish(state: State, value: unknown): void {
    this._state = state;
    this._value = value;
    if (state === EXCEPTION) this._loop.trackUnretrieved(this as Future<unknown>);
    // After the outcome is set (the tracer records it), before the waits are dropped (the tracer ends them too).
    if (this._loop._tracer !== undefined) this._loop._tracer.end(this as Task<unknown>);
    this._mustCancel = false;
    this._waiter = undefined;
    this._waiters = undefined;
    this._context = undefined;
    this._loop._unlink(this as Task<unknown>);
    if (state === CANCELLED && this._controller !== undefined && !this._controller.signal.aborted) {
      this._controller.abort(value);
    }
    this._scheduleCallbacks();
  }

  /** `"Task"`: what `Object.prototype.toString` shows. */
  override get [Symbol.toStringTag](): string {
    return "Task";
  }

  /** @internal For `captureCallGraph`: a task awaiting this one waits on "task <name>". */
  override _describeWait(): WaitInfo {
    return { kind: "task", label: `task ${JSON.stringify(this.name)}` };
  }

  /**
   * As asyncio's repr: the name and the state, `cancelling` while a cancel
   * request is pending, and the result or exception once finished
   * (`<Task "answer" finished result=42>`).
   */
  override toString(): string {
    const state =
      this._state === PENDING && this._numCancelsRequested > 0 ? "cancelling" : outcomeName(this as Task<unknown>);
    return `<Task ${JSON.stringify(this.name)} ${state}>`;
  }
}

// A task's first step counts as a resume: the loop gives its continuation
// the same hops as after any other wakeup, so that code after an await that
// does not really wait (a free lock, a set event) runs before the next
// callback, as in asyncio, where such an await does not end the step.
Object.defineProperty(Task.prototype, "resumes", { value: true });

/**
 * Runs inside the task's `AsyncResource` scope, which restores the drain's
 * own context when it returns. So `enterWith`, not `run`: in Node 24,
 * `storage.run` allocates a second context frame (a Map) on its way out just
 * to restore the previous store, a frame the resource's scope makes useless.
 */
function enter(task: Task<unknown>): void {
  storage.enterWith(task);
  start(task);
}

function start(task: Task<unknown>): void {
  const fn = task._fn as () => unknown;
  task._fn = undefined;
  let value: unknown;
  try {
    value = fn();
  } catch (error) {
    task._onRejected(error);
    return;
  }
  if (value instanceof Promise) {
    // Shared handlers, no closures: a native promise's reaction runs in the
    // async context in which `then` was called, this task's, so current()
    // finds the task. (Saves two closures per task; see the memory target.)
    value.then(settleFulfilled, settleRejected);
    return;
  }
  if (value !== null && (typeof value === "object" || typeof value === "function")) {
    const then = (value as PromiseLike<unknown>).then;
    if (typeof then === "function") {
      // A future or another thenable calls back from wherever it settles.
      then.call(
        value,
        (v: unknown) => task._onFulfilled(v),
        (e: unknown) => task._onRejected(e),
      );
      return;
    }
  }
  task._onFulfilled(value);
}

function settleFulfilled(value: unknown): void {
  (storage.getStore() as Task<unknown>)._onFulfilled(value);
}

function settleRejected(error: unknown): void {
  (storage.getStore() as Task<unknown>)._onRejected(error);
}

/** aio's own source folder (as a file URL prefix): its frames are noise in a "created at" trace. */
const AIO_SOURCES = new URL("..", import.meta.url).href;

function captureStack(): string {
  // Stryker disable next-line StringLiteral: equivalent, any one-line fallback is dropped by the slice(1) below as "" is
  const stack = new Error().stack ?? "";
  // Drop "Error" and the frames inside aio itself.
  return `\n${stack
    .split("\n")
    .slice(1)
    .filter((line) => !line.includes(AIO_SOURCES) && !line.includes("(node:"))
    .slice(0, 8)
    .join("\n")}`;
}

/**
 * Starts `fn` as a new task, child of the current one; it begins when the
 * caller next yields (its first await), as in asyncio.
 *
 * Keep the returned task: await it, cancel it, or put it in a `TaskGroup`,
 * which is the structured way to run tasks side by side. A task that fails
 * and is never awaited is reported when `run()` ends.
 *
 * @throws TypeError if `fn` is not a function.
 * @throws InvalidStateError if no loop is running: outside any task and any callback of a loop.
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "aio-ts";
 * await run(async () => {
 *   const t = createTask(async () => { await sleep(100); return 42; }, { name: "answer" });
 *   console.log(await t); // 42
 * });
 * ```
 */
export function createTask<T>(fn: () => Promise<T>, options?: TaskOptions): Task<T> {
  checkFunction("fn", fn);
  // In a task, or in a callback of a running loop (a done callback), as
  // asyncio's create_task works wherever a loop is running.
  const parent = current();
  const loop = parent !== undefined ? parent._loop : runningLoop();
  if (loop === undefined) {
    throw new InvalidStateError(
      "createTask() needs a running task: call it inside run(), from code a task runs, or from a callback of the loop (no running event loop)",
      { code: "ERR_AIO_NO_RUNNING_LOOP" },
    );
  }
  // No `options = {}` default: that is an object per task for the usual call.
  return new Task<T>(loop, fn, options === undefined ? undefined : taskName(options.name), parent);
}

/**
 * @internal A task name as `createTask` takes it: a string, or a number or
 * bigint converted to one (asyncio's `str(name)`); `undefined` for the default.
 */
export function taskName(name: unknown): string | undefined {
  if (name === undefined || typeof name === "string") return name;
  if (typeof name === "number" || typeof name === "bigint") return String(name);
  throw new TypeError(`Expected \`name\` to be a string, got \`${String(name)}\` (${typeof name})`);
}

/**
 * The task whose code is running, or `undefined` outside any task.
 *
 * @example
 * ```ts
 * import { currentTask, run } from "aio-ts";
 * await run(async () => console.log(currentTask()?.name)); // "main"
 * ```
 */
export function currentTask(): Task<unknown> | undefined {
  return current();
}

/**
 * The tasks of the current loop that are not done yet (a new set each call).
 * Outside `run()`, those of the default loop.
 *
 * @example
 * ```ts
 * import { allTasks, createTask, run, sleep } from "aio-ts";
 * await run(async () => {
 *   createTask(() => sleep(1000), { name: "ticker" });
 *   console.log([...allTasks()].map((t) => t.name)); // [ "main", "ticker" ]
 * }); // run() cancels "ticker" as main returns
 * ```
 */
export function allTasks(): Set<Task<unknown>> {
  return new Set(loopOf().liveTasks());
}

/** @internal The running loop (the current task's, or the one whose callback runs), or the default one. */
export function loopOf(): Loop {
  return runningLoop() ?? defaultLoop();
}

kernel.Future = Future;
kernel.Task = Task;
kernel.taskName = taskName;
