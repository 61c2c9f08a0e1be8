/**
 * The error classes of aio's kernel.
 *
 * `CancelledError` is deliberately *not* an `AioError`: cancellation is a
 * control-flow signal, not a failure, so `catch (e) { if (e instanceof
 * AioError) ... }` never swallows it. Every class brands its instances with a
 * `Symbol.for` key, so `instanceof` keeps working when two copies of aio are
 * installed side by side.
 */

function hasBrand(value: unknown, key: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[key] === true;
}

const CANCELLED = Symbol.for("aio.CancelledError");

/**
 * @internal Brands a class's instances and makes `instanceof cls` test the brand, so it
 * holds across two installed copies of aio. Subclasses (the user's too) keep
 * the ordinary prototype check.
 */
export function brandClass(cls: abstract new (...args: never[]) => object, name: string): void {
  const key = Symbol.for(`aio.${name}`);
  Object.defineProperty(cls.prototype, key, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (this === cls) return hasBrand(value, key);
      return Function.prototype[Symbol.hasInstance].call(this, value);
    },
  });
}

/**
 * The base class of every error aio throws, except `CancelledError`.
 *
 * Each subclass carries a stable `code` (`ERR_AIO_...`) to match on.
 *
 * @example
 * ```ts
 * import { AioError } from "aio-ts";
 * declare function work(): Promise<void>;
 * try { await work(); } catch (e) { if (e instanceof AioError) console.error(e.code); else throw e; }
 * ```
 */
export class AioError extends Error {
  /** A stable identifier of the error's kind, such as `ERR_AIO_TIMEOUT`. */
  readonly code: string;

  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = options?.code ?? "ERR_AIO";
    this.name = new.target.name;
  }
}
brandClass(AioError, "AioError");

/**
 * Raised inside a task at the await where its cancellation is delivered.
 *
 * The `message` is the one given to `task.cancel(msg)` (empty if none).
 * Catching it is allowed for cleanup, but code that catches it and does not
 * re-throw should call `currentTask().uncancel()`, as in asyncio.
 *
 * @example
 * ```ts
 * import { CancelledError, createTask, run, sleep } from "aio-ts";
 * await run(async () => {
 *   const t = createTask(async () => {
 *     try {
 *       await sleep(60_000);
 *     } catch (e) {
 *       if (e instanceof CancelledError) console.log("stopped:", e.message); // stopped: shutting down
 *       throw e; // re-thrown: the task ends cancelled
 *     }
 *   });
 *   await sleep(10);
 *   t.cancel("shutting down");
 *   await t.then(undefined, () => console.log(t.cancelled())); // true
 * });
 * ```
 */
export class CancelledError extends Error {
  /** `"CancelledError"`. */
  override name = "CancelledError";
}
brandClass(CancelledError, "CancelledError");

/**
 * @internal Makes a `CancelledError` without capturing a stack trace. The
 * kernel creates one per cancelled task, inside its own scheduler, where a
 * stack would show only aio's frames; capturing it was half the cost of
 * cancelling a task.
 */
export function makeCancelledError(message?: string): CancelledError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new CancelledError(message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Tells whether a value is a `CancelledError`, from any installed copy of aio.
 *
 * Library code that catches broadly re-throws cancellation first:
 * `catch (e) { if (isCancelledError(e)) throw e; ... }`.
 *
 * @example
 * ```ts
 * import { isCancelledError } from "aio-ts";
 * declare function poll(): Promise<void>;
 * for (;;) {
 *   try {
 *     await poll();
 *   } catch (e) {
 *     if (isCancelledError(e)) throw e; // never swallow a cancel
 *     console.warn("poll failed, trying again", e);
 *   }
 * }
 * ```
 */
export function isCancelledError(value: unknown): value is CancelledError {
  return hasBrand(value, CANCELLED);
}

/**
 * The cancellation an error stands for, if any: the error itself when it is
 * a `CancelledError`, or the `cause` of an `AbortError` raised because a task's
 * `signal` aborted (Node's timers, streams and `events.once` wrap the
 * signal's reason that way). `undefined` for ordinary errors.
 */
export function asCancelledError(error: unknown): CancelledError | undefined {
  if (hasBrand(error, CANCELLED)) return error as CancelledError;
  if (typeof error === "object" && error !== null && (error as Error).name === "AbortError") {
    const cause = (error as Error).cause;
    if (hasBrand(cause, CANCELLED)) return cause as CancelledError;
  }
  return undefined;
}

/**
 * Thrown by `waitFor`, `timeout` and `timeoutAt` when their deadline passes.
 *
 * Its `cause` is the `CancelledError` that stopped the timed-out work.
 *
 * @example
 * ```ts
 * import { TimeoutError, run, waitFor } from "aio-ts";
 * declare function lookup(name: string): Promise<string>;
 * const address = await run(async () => {
 *   try {
 *     return await waitFor(() => lookup("example.com"), 2000);
 *   } catch (e) {
 *     if (e instanceof TimeoutError) return undefined; // e.code === "ERR_AIO_TIMEOUT"
 *     throw e;
 *   }
 * });
 * console.log(address ?? "no answer within 2 s");
 * ```
 */
export class TimeoutError extends AioError {
  constructor(message = "The operation timed out", options?: { cause?: unknown }) {
    super(message, { ...options, code: "ERR_AIO_TIMEOUT" });
  }
}
brandClass(TimeoutError, "TimeoutError");

/**
 * Thrown when an operation is not allowed in an object's current state:
 * reading the result of a pending future, setting a result twice, entering a
 * finished task group. Mirrors asyncio's `InvalidStateError`/`RuntimeError`.
 *
 * @example
 * ```ts
 * import { Future, InvalidStateError } from "aio-ts";
 * const future = new Future<number>();
 * try {
 *   future.result(); // not done yet
 * } catch (e) {
 *   if (e instanceof InvalidStateError) console.log(e.code); // "ERR_AIO_INVALID_STATE"
 * }
 * ```
 */
export class InvalidStateError extends AioError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, { code: "ERR_AIO_INVALID_STATE", ...options });
  }
}
brandClass(InvalidStateError, "InvalidStateError");

/**
 * Several errors at once: what a `TaskGroup` throws when children fail.
 *
 * The members are in `.errors` (as for every `AggregateError`), also under
 * asyncio's name `.exceptions`. `split` and `subgroup` work as Python's.
 *
 * @example
 * ```ts
 * import { ExceptionGroup, taskGroup } from "aio-ts";
 * declare function a(): Promise<void>;
 * declare function b(): Promise<void>;
 * try { await taskGroup(async (tg) => { tg.createTask(a); tg.createTask(b); }); }
 * catch (e) { if (e instanceof ExceptionGroup) for (const err of e.errors) console.error(err); }
 * ```
 */
export class ExceptionGroup extends AggregateError {
  /** `"ExceptionGroup"`. */
  override name = "ExceptionGroup";
  /** A stable identifier, as `AioError`'s (an `ExceptionGroup` is an `AggregateError`, not an `AioError`). */
  readonly code = "ERR_AIO_EXCEPTION_GROUP";
  /** The member errors, in the order they happened; nested groups stay groups. */
  declare readonly errors: unknown[];

  constructor(message: string, errors: Iterable<unknown>, options?: { cause?: unknown }) {
    const list = [...errors];
    super(list, message, options);
    // AggregateError's message has no count; Python's str(eg) says "msg (N sub-exceptions)".
    this.message = `${message} (${list.length} sub-exception${list.length === 1 ? "" : "s"})`;
  }

  /** The member errors, under asyncio's name. */
  get exceptions(): readonly unknown[] {
    return this.errors;
  }

  /** A group of the members that match, or `undefined` when none does (nested groups are searched). */
  subgroup(match: (error: unknown) => boolean): ExceptionGroup | undefined {
    return this.split(match)[0];
  }

  /** Splits into `[matching, rest]`, each a group or `undefined`, keeping nesting. */
  split(match: (error: unknown) => boolean): [ExceptionGroup | undefined, ExceptionGroup | undefined] {
    if (match(this)) return [this, undefined];
    const yes: unknown[] = [];
    const no: unknown[] = [];
    for (const error of this.errors) {
      if (error instanceof ExceptionGroup) {
        const [a, b] = error.split(match);
        if (a !== undefined) yes.push(a);
        if (b !== undefined) no.push(b);
      } else if (match(error)) yes.push(error);
      else no.push(error);
    }
    const base = this.message.replace(/ \(\d+ sub-exceptions?\)$/, "");
    const make = (list: unknown[]) => (list.length === 0 ? undefined : new ExceptionGroup(base, list));
    return [make(yes), make(no)];
  }
}
brandClass(ExceptionGroup, "ExceptionGroup");
