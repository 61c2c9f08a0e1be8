import { inspect } from "node:util";
import { current, runCallback, runningLoop } from "./context.ts";
import { InvalidStateError, makeCancelledError } from "./errors.ts";
import { defaultLoop, Loop, type Runnable } from "./loop.ts";
import type { Task } from "./task.ts";
import { argumentError } from "./validate.ts";
import type { WaitInfo } from "./wait-info.ts";

/** The states of a future: small integers, to keep the hot paths monomorphic. */
export type State = 0 | 1 | 2 | 3;
export const PENDING = 0;
export const RESULT = 1;
export const EXCEPTION = 2;
export const CANCELLED = 3;

/** A done-callback: gets the future (or task) that finished. */
export type DoneCallback<F> = (future: F) => void;

/** A user callback queued when its future finishes. */
class CallbackHandle implements Runnable {
  readonly future: Future<unknown>;
  readonly fn: DoneCallback<never>;

  constructor(future: Future<unknown>, fn: DoneCallback<never>) {
    this.future = future;
    this.fn = fn;
  }

  run(): void {
    // A user's callback runs outside any task, as asyncio's do.
    runCallback(this.future._loop, this.fn as DoneCallback<Future<unknown>>, this.future);
  }
}

/**
 * One `then` on a future: when the future is done, settles the promise `then`
 * returned, through the reaction handlers. When the `then` came from an
 * await inside a task, the task is resumed here, and a cancellation requested
 * since the future finished replaces the outcome with `CancelledError`, as
 * asyncio's `Task.__step` does. Awaiting a future that is already done is no
 * such point: asyncio's `Future.__await__` does not suspend then, so a
 * pending cancel waits for the task's next real wait.
 */
class Reaction implements Runnable {
  readonly future: Future<unknown>;
  readonly task: Task<unknown> | undefined;
  readonly onFulfilled: ((value: unknown) => unknown) | undefined | null;
  readonly onRejected: ((reason: unknown) => unknown) | undefined | null;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  /** Whether the future was pending when awaited: only then is this a point where a cancel is delivered. */
  readonly suspended: boolean;

  constructor(
    future: Future<unknown>,
    task: Task<unknown> | undefined,
    suspended: boolean,
    onFulfilled: ((value: unknown) => unknown) | undefined | null,
    onRejected: ((reason: unknown) => unknown) | undefined | null,
    resolve: (value: unknown) => void,
    reject: (reason: unknown) => void,
  ) {
    this.future = future;
    this.task = task;
    this.suspended = suspended;
    this.onFulfilled = onFulfilled;
    this.onRejected = onRejected;
    this.resolve = resolve;
    this.reject = reject;
  }

  declare readonly resumes: boolean;

  /** @internal For `captureCallGraph`: the task this reaction resumes, if any. */
  _awaiter(): Task<unknown> | undefined {
    return this.task;
  }

  run(): void {
    const future = this.future;
    const task = this.task;
    let ok = future._state === RESULT;
    let value: unknown;
    if (ok) value = future._value;
    else value = future._error();
    if (task !== undefined) {
      const cancel = task._resume(future, this.suspended, ok, value);
      if (cancel !== undefined) {
        value = cancel;
        ok = false;
      }
    }
    const handler = ok ? this.onFulfilled : this.onRejected;
    if (typeof handler !== "function") {
      if (ok) this.resolve(value);
      else this.reject(value);
      return;
    }
    try {
      this.resolve(handler(value));
    } catch (error) {
      this.reject(error);
    }
  }
}

Object.defineProperty(Reaction.prototype, "resumes", { value: true });

/**
 * A value that will be set later: asyncio's `Future`, and awaitable.
 *
 * Low-level: most code awaits tasks and library calls instead. A future is
 * what a primitive (a lock, a queue, an HTTP call) hands a waiting task, and
 * settles later with `setResult`, `setException` or `cancel`. Awaiting one
 * inside a task links the two: cancelling the task cancels the future.
 * Done-callbacks are never called synchronously from `setResult`/`cancel`;
 * they are queued on the loop.
 *
 * @example
 * ```ts
 * import { Future, createTask, run, sleep } from "aio-ts";
 * await run(async () => {
 *   const ready = new Future<string>();
 *   createTask(async () => { await sleep(10); ready.setResult("go"); });
 *   console.log(await ready); // "go"
 * });
 * ```
 */
export class Future<T = unknown> implements PromiseLike<T> {
  /** @internal */ _loop: Loop;
  /** @internal */ _state: State = PENDING;
  /** @internal Result, exception, or the CancelledError once made. */
  _value: unknown = undefined;
  /** @internal */ _cancelMessage: string | undefined = undefined;
  /** @internal One callback, or several, or none. */
  _callbacks: Runnable | Runnable[] | undefined = undefined;

  constructor(loop?: Loop) {
    // As asyncio's Future(42): a stray positional argument is a mistake, not a loop.
    if (loop !== undefined && !(loop instanceof Loop)) throw argumentError("loop", "an event loop", loop);
    this._loop = loop ?? runningLoop() ?? defaultLoop();
  }

  /** Whether the future is finished: it has a result, an exception, or was cancelled. */
  done(): boolean {
    return this._state !== PENDING;
  }

  /** Whether the future was cancelled. */
  cancelled(): boolean {
    return this._state === CANCELLED;
  }

  /**
   * Returns the result; throws the exception if the future failed, a
   * `CancelledError` if it was cancelled, and `InvalidStateError` if it is
   * not done yet.
   */
  result(): T {
    switch (this._state) {
      case RESULT:
        return this._value as T;
      case PENDING:
        throw new InvalidStateError("Result is not set.");
      default:
        throw this._error();
    }
  }

  /**
   * Returns the exception the future failed with, or `undefined` if it
   * succeeded. Throws `CancelledError` if it was cancelled and
   * `InvalidStateError` if it is not done yet.
   */
  exception(): unknown {
    switch (this._state) {
      case RESULT:
        return undefined;
      case PENDING:
        throw new InvalidStateError("Exception is not set.");
      case EXCEPTION:
        return this._error();
      default:
        throw this._error();
    }
  }

  /**
   * Marks the future done with a result and queues its callbacks.
   *
   * @throws InvalidStateError if it is already done.
   */
  setResult(value: T): void {
    if (this._state !== PENDING) throw new InvalidStateError(`invalid state: ${this}`);
    this._state = RESULT;
    this._value = value;
    this._scheduleCallbacks();
  }

  /**
   * Marks the future failed and queues its callbacks. An error nobody ever
   * retrieves (by awaiting, `result()` or `exception()`) is reported.
   *
   * @throws InvalidStateError if it is already done.
   */
  setException(error: unknown): void {
    if (this._state !== PENDING) throw new InvalidStateError(`invalid state: ${this}`);
    this._state = EXCEPTION;
    this._value = error;
    this._loop.trackUnretrieved(this);
    this._scheduleCallbacks();
  }

  /**
   * Cancels the future: if it is pending, it becomes cancelled, its callbacks
   * are queued, and whoever awaits it gets a `CancelledError` with `message`.
   *
   * @returns `false` if the future was already done, `true` otherwise.
   */
  cancel(message?: unknown): boolean {
    if (this._state !== PENDING) {
      // As asyncio: cancel() on a failed future counts as handling its error.
      if (this._state === EXCEPTION) this._loop.retrieved(this);
      return false;
    }
    this._state = CANCELLED;
    this._cancelMessage = message === undefined ? undefined : String(message);
    this._scheduleCallbacks();
    return true;
  }

  /**
   * Adds a callback to call with the future once it is done; if it already
   * is, the callback is queued at once. Never called synchronously.
   */
  addDoneCallback(fn: DoneCallback<this>): void {
    if (typeof fn !== "function") throw new TypeError(`Expected \`fn\` to be a function, got \`${String(fn)}\``);
    this._addCallback(new CallbackHandle(this, fn as DoneCallback<never>));
  }

  /**
   * Removes every registration of `fn`.
   *
   * @returns how many were removed.
   */
  removeDoneCallback(fn: DoneCallback<this>): number {
    const cbs = this._callbacks;
    // Stryker disable next-line ConditionalExpression: equivalent, with no callbacks the single-callback branch below returns 0 too (undefined is no CallbackHandle)
    if (cbs === undefined) return 0;
    if (!Array.isArray(cbs)) {
      if (cbs instanceof CallbackHandle && cbs.fn === fn) {
        this._callbacks = undefined;
        return 1;
      }
      return 0;
    }
    const kept = cbs.filter((c) => !(c instanceof CallbackHandle && c.fn === fn));
    this._callbacks = kept;
    return cbs.length - kept.length;
  }

  /** @internal Adds an internal callback; queued at once if already done. */
  _addCallback(r: Runnable): void {
    if (this._state !== PENDING) {
      this._loop._enqueue(r);
      return;
    }
    const cbs = this._callbacks;
    if (cbs === undefined) this._callbacks = r;
    else if (Array.isArray(cbs)) cbs.push(r);
    else this._callbacks = [cbs, r];
  }

  /** @internal Removes an internal callback that has not run yet. */
  _removeCallback(r: Runnable): void {
    const cbs = this._callbacks;
    if (cbs === r) this._callbacks = undefined;
    else if (Array.isArray(cbs)) {
      const i = cbs.indexOf(r);
      if (i >= 0) cbs.splice(i, 1);
    }
  }

  /** @internal */
  _scheduleCallbacks(): void {
    const cbs = this._callbacks;
    if (cbs === undefined) return;
    this._callbacks = undefined;
    const loop = this._loop;
    if (!Array.isArray(cbs)) {
      if (cbs.direct === true) cbs.run();
      else loop._enqueue(cbs);
      return;
    }
    for (const r of cbs) {
      if (r.direct === true) r.run();
      else loop._enqueue(r);
    }
  }

  /** @internal The error a failed or cancelled future throws; marks it retrieved. */
  _error(): unknown {
    if (this._state === CANCELLED) {
      if (this._value === undefined) this._value = makeCancelledError(this._cancelMessage);
    } else this._loop.retrieved(this);
    return this._value;
  }

  /**
   * Registers reactions, as a promise's `then` does. Awaiting the future
   * inside a task makes it the task's waiter: cancelling the task cancels it.
   */
  // biome-ignore lint/suspicious/noThenProperty: futures are awaitable by design, as in asyncio.
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const task = current();
    const { promise, resolve, reject } = Promise.withResolvers<R1 | R2>();
    if (task === (this as unknown)) {
      const error = new InvalidStateError(`${this} cannot await itself`);
      queueMicrotask(() => {
        if (typeof onRejected !== "function") return reject(error);
        try {
          resolve(onRejected(error));
        } catch (e) {
          reject(e);
        }
      });
      return promise;
    }
    const suspended = this._state === PENDING;
    this._addCallback(
      new Reaction(
        this as Future<unknown>,
        task,
        suspended,
        onFulfilled as ((value: unknown) => unknown) | undefined,
        onRejected,
        resolve as (value: unknown) => void,
        reject,
      ),
    );
    // A done future is nothing to wait on, nor to cancel: a cancel requested
    // meanwhile stays pending for the task's next real wait.
    if (task !== undefined && suspended) task._addWaiter(this);
    return promise;
  }

  /** As a promise's `catch`. */
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onRejected);
  }

  /** As a promise's `finally`. */
  finally(onFinally?: (() => void) | null): Promise<T> {
    return Promise.resolve(this as PromiseLike<T>).finally(onFinally);
  }

  /** `"Future"`: what `Object.prototype.toString` shows. */
  get [Symbol.toStringTag](): string {
    return "Future";
  }

  /** @internal For `captureCallGraph`, when a task awaits this future; subclasses made for one wait say more. */
  _describeWait(): WaitInfo {
    return { kind: "future", label: this._state === PENDING ? "Future pending" : `Future ${outcomeName(this)}` };
  }

  /** As asyncio's repr: `<Future pending>`, `<Future finished result=4>`, `<Future cancelled>`. */
  toString(): string {
    return `<Future ${outcomeName(this as Future<unknown>)}>`;
  }
}

/**
 * @internal A future made for one kind of wait, which says so in
 * `captureCallGraph` (`drain() on 127.0.0.1:5000`). For waits off the hot
 * paths: the label is built when the wait starts.
 */
export class LabelledFuture<T = unknown> extends Future<T> {
  readonly info: WaitInfo;

  constructor(loop: Loop, info: WaitInfo) {
    super(loop);
    this.info = info;
  }

  override _describeWait(): WaitInfo {
    return this.info;
  }
}

/** @internal */
export function stateName(state: State): string {
  return ["pending", "finished", "finished", "cancelled"][state] as string;
}

/**
 * @internal The state as asyncio's repr gives it, with the result or the
 * exception of a finished future (`finished result=4`). Reads them without
 * marking an error as retrieved.
 */
export function outcomeName(future: Future<unknown>): string {
  switch (future._state) {
    case RESULT:
      return `finished result=${shortRepr(future._value)}`;
    case EXCEPTION:
      return `finished exception=${shortRepr(future._value)}`;
    default:
      return stateName(future._state);
  }
}

/** A one-line, bounded rendering of a value for a repr, as Python's reprlib does. */
function shortRepr(value: unknown): string {
  let text: string;
  if (value instanceof Error) text = `${value.name}(${value.message === "" ? "" : JSON.stringify(value.message)})`;
  else
    text = inspect(value, { depth: 0, breakLength: Number.POSITIVE_INFINITY, maxArrayLength: 6, maxStringLength: 60 });
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Tells whether a value is a `Future` or a `Task` of aio (a plain promise is not).
 *
 * @example
 * ```ts
 * import { Future, isFuture } from "aio-ts";
 * console.log(isFuture(new Future<number>()), isFuture(Promise.resolve(1))); // true false
 * ```
 */
export function isFuture(value: unknown): value is Future<unknown> {
  return value instanceof Future;
}
