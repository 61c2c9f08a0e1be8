import { current, runningLoop } from "./context.ts";
import { isCancelledError } from "./errors.ts";
import { Future } from "./future.ts";
import { defaultLoop, type Loop } from "./loop.ts";
import { Task } from "./task.ts";
import { argumentError } from "./validate.ts";

/**
 * Anything aio can wait on: a promise (or any thenable), a `Task`, a
 * `Future`, or a function returning a promise, which is started as a child
 * task of the caller so that it can be cancelled on its own.
 */
export type Awaitable<T> = PromiseLike<T> | (() => PromiseLike<T>);

/** The value an `Awaitable` resolves to. */
export type AwaitedOf<A> = A extends () => PromiseLike<infer R> ? R : A extends PromiseLike<infer R> ? R : never;

/** Whether `value` can be passed where an `Awaitable` is expected. */
export function isAwaitable(value: unknown): value is Awaitable<unknown> {
  if (typeof value === "function") return true;
  return value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";
}

/**
 * Turns an awaitable into a `Future`: a task or future comes back as itself,
 * a function becomes a new task, a promise becomes a future that follows it.
 *
 * That last form is how to wait on a foreign promise (one that takes no
 * `AbortSignal`) so that cancellation is delivered at once: `await
 * ensureFuture(promise)` throws `CancelledError` as soon as the task is
 * cancelled, abandoning the promise (which keeps running; its outcome is
 * ignored, and a rejection is not reported as unhandled).
 *
 * @throws TypeError if `aw` is not awaitable.
 *
 * @example
 * ```ts
 * import { ensureFuture, run } from "aio-ts";
 * declare function someLibraryCall(): Promise<string>; // takes no AbortSignal
 * await run(async () => {
 *   const data = await ensureFuture(someLibraryCall()); // cancellable at once
 *   console.log(data);
 * });
 * ```
 */
export function ensureFuture<T>(aw: Awaitable<T>): Future<T> {
  return toFuture(aw, "aw");
}

/** @internal `ensureFuture`, naming the argument in its error message. */
export function toFuture<T>(aw: Awaitable<T>, name: string): Future<T> {
  if (aw instanceof Future) return aw as Future<T>;
  const task = current();
  const loop: Loop = task !== undefined ? task._loop : (runningLoop() ?? defaultLoop());
  if (typeof aw === "function") return new Task<T>(loop, aw as () => unknown, undefined, task);
  if (!isAwaitable(aw)) {
    throw argumentError(name, "an awaitable (a promise, task, future or function)", aw);
  }
  return follow(new Future<T>(loop), aw);
}

/** @internal Settles `future` as `aw` settles (unless it is done by then), and returns it. */
export function follow<T, F extends Future<T>>(future: F, aw: PromiseLike<T>): F {
  aw.then(
    (value) => {
      if (!future.done()) future.setResult(value);
    },
    (error: unknown) => {
      if (future.done()) return;
      // A promise that ran inline in a cancelled task rejects with CancelledError.
      if (isCancelledError(error)) future.cancel(error.message || undefined);
      else future.setException(error);
    },
  );
  return future;
}
