import { type Awaitable, argumentError, current, defaultLoop, isAwaitable, runningLoop, Task } from "../core/index.ts";

/**
 * Runs `fn` inside a task. In a task, it just calls `fn`; outside any task (a
 * server handler, a test, a callback), it starts a fresh root task to run it,
 * on the loop whose callback is running or else on the default loop, so the
 * task-scoped primitives (timeouts, task groups) have a task to cancel.
 * Cancelling that implicit task is possible only through the primitives
 * themselves.
 */
export function inTask<T>(fn: () => Promise<T>): Promise<T> {
  if (current() !== undefined) return fn();
  // In a callback of a running loop, on that loop (and its clock).
  return new Task<T>(runningLoop() ?? defaultLoop(), fn, undefined, undefined) as unknown as Promise<T>;
}

/** Checks an iterable of awaitables (as `wait` and `asCompleted` take) and returns it as an array. */
export function awaitableList<T>(aws: Iterable<Awaitable<T>>): Awaitable<T>[] {
  if (aws === null || typeof aws !== "object" || typeof (aws as Iterable<unknown>)[Symbol.iterator] !== "function") {
    throw argumentError("aws", "an iterable of awaitables", aws);
  }
  if (isAwaitable(aws)) throw argumentError("aws", "an iterable of awaitables, not a single one", aws);
  const list = [...aws];
  list.forEach((aw, i) => {
    if (!isAwaitable(aw)) throw argumentError(`aws[${i}]`, "an awaitable (a promise, task, future or function)", aw);
  });
  return list;
}
