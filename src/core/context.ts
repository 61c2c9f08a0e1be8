import { AsyncLocalStorage } from "node:async_hooks";
import type { Task } from "./task.ts";

/**
 * The ambient current task. Every task body runs inside `storage.run(task)`,
 * so each await inside it (and each async function it calls inline) knows
 * which task is waiting without anything being passed around.
 */
export const storage: AsyncLocalStorage<Task<unknown>> = new AsyncLocalStorage();

/** The task whose code is running now, or `undefined` outside any task. */
export function current(): Task<unknown> | undefined {
  return storage.getStore();
}
