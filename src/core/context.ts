import { AsyncLocalStorage } from "node:async_hooks";
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
