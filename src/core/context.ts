import { AsyncLocalStorage } from "node:async_hooks";
import type { Loop } from "./loop.ts";
import type { Task } from "./task.ts";

/**
 * The ambient current task. Every task body runs inside `storage.run(task)`,
 * so each await inside it (and each async function it calls inline) knows
 * which task is waiting without anything being passed around.
 */
export const storage: AsyncLocalStorage<Task<unknown>> = new AsyncLocalStorage();

/**
 * The task whose code is running now, or `undefined` outside any task.
 *
 * Node hands a task's async context to everything the task sets up (timers,
 * servers, event listeners), so their callbacks can run after the task is
 * done; such code runs outside any task, as asyncio's callbacks do.
 */
export function current(): Task<unknown> | undefined {
  const task = storage.getStore();
  return task === undefined || task._state === 0 ? task : undefined;
}

/** The loop whose callback (a done callback, a timer) is running, outside any task. */
let callbackLoop: Loop | undefined;

/**
 * @internal Runs a user's callback of `loop` outside any task, as asyncio
 * does. The loop still counts as running there, as asyncio's does, so the
 * callback can start tasks (`createTask`) and make futures on it.
 */
export function runCallback<A>(loop: Loop, fn: (arg: A) => void, arg: A): void {
  const previous = callbackLoop;
  callbackLoop = loop;
  try {
    storage.exit(fn, arg);
  } finally {
    callbackLoop = previous;
  }
}

/** @internal The running loop: the current task's, or the one whose callback runs now. */
export function runningLoop(): Loop | undefined {
  const task = current();
  return task === undefined ? callbackLoop : task._loop;
}
