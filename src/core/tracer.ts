import type { Task, Waiter } from "./task.ts";

/**
 * @internal What `run({ trace })` records, told by the kernel as it happens. Set on a loop as `loop._tracer`; every
 * hook site checks that one field first and does nothing else when it is `undefined`, so a loop that is not traced
 * pays one load and one branch per hook (no allocation, no call).
 *
 * The kernel calls the hooks synchronously, in the order things happen; a hook must not throw, nor call back into
 * the task in a way that changes its state.
 */
export interface Tracer {
  /** A task was created (its constructor ran; `_parentId` names its creator). */
  spawn(task: Task<unknown>): void;
  /** A task finished: its state and value are set. Waits still open on it end here. */
  end(task: Task<unknown>): void;
  /**
   * A task began waiting on `waiter`. `first` tells whether the waiter became the task's `_waiter` (the usual case)
   * rather than one of its extra `_waiters`.
   */
  waitStart(task: Task<unknown>, waiter: Waiter, first: boolean): void;
  /** A wait begun with `waitStart` ended (the waiter was removed from the task). */
  waitEnd(task: Task<unknown>, waiter: Waiter, first: boolean): void;
  /** `cancel()` was called on a task still pending. */
  cancel(task: Task<unknown>, message: string | undefined): void;
  /** A task group scope opened in `task`; returns a mark for `groupExit`. */
  groupEnter(task: Task<unknown>): number;
  /** The task group scope opened as `mark` closed, having started `children` child tasks. */
  groupExit(mark: number, children: number): void;
}
