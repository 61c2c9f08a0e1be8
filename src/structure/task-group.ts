import { inTask } from "../combinators/detached.ts";
import {
  checkFunction,
  current,
  ExceptionGroup,
  Future,
  InvalidStateError,
  isCancelledError,
  type Runnable,
  Task,
  type TaskOptions,
  taskName,
} from "../core/index.ts";

class ChildDone implements Runnable {
  readonly group: TaskGroup;
  readonly task: Task<unknown>;

  constructor(group: TaskGroup, task: Task<unknown>) {
    this.group = group;
    this.task = task;
  }

  run(): void {
    this.group._onTaskDone(this.task);
  }
}

/**
 * A scope for tasks that never outlives them: asyncio's `TaskGroup`, used
 * through `taskGroup(body)`.
 *
 * `createTask` starts children. The group waits for every child before
 * `taskGroup` returns. The first child that fails cancels its siblings and
 * the body; once all have finished, `taskGroup` throws an `ExceptionGroup` of
 * the real errors (never the `CancelledError`s). A cancel from outside
 * cancels the children and comes out as `CancelledError`.
 *
 * @example
 * ```ts
 * import { type TaskGroup, sleep, taskGroup } from "aio-ts";
 * declare function fetchPrice(shop: string): Promise<number>;
 * // Children can start children through the group they are given.
 * async function watch(tg: TaskGroup, shop: string): Promise<void> {
 *   const price = await fetchPrice(shop);
 *   if (price < 10) tg.createTask(async () => console.log(`${shop}: ${price}`));
 * }
 * await taskGroup(async (tg) => {
 *   for (const shop of ["north", "south"]) tg.createTask(() => watch(tg, shop));
 *   tg.createTask(async () => {
 *     await sleep(5000);
 *     tg.cancel(); // stop looking after 5 s; the group ends without an error
 *   });
 * });
 * ```
 */
export class TaskGroup {
  private entered = false;
  private exiting = false;
  private aborting = false;
  private parent: Task<unknown> | undefined;
  private parentCancelRequested = false;
  private readonly tasks = new Set<Task<unknown>>();
  private readonly errors: unknown[] = [];
  private onCompleted: Future<void> | undefined;
  private cancelOnEnter = false;

  /**
   * Starts `fn` as a child task of the group.
   *
   * @throws InvalidStateError if the group has finished or is shutting down.
   */
  createTask<T>(fn: () => Promise<T>, options?: TaskOptions): Task<T> {
    checkFunction("fn", fn);
    if (!this.entered) throw new InvalidStateError(`${this} has not been entered`);
    if (this.exiting && this.tasks.size === 0) throw new InvalidStateError(`${this} is finished`);
    if (this.aborting) throw new InvalidStateError(`${this} is shutting down`);
    const parent = this.parent as Task<unknown>;
    const task = new Task<T>(parent._loop, fn, options === undefined ? undefined : taskName(options.name));
    this.tasks.add(task as Task<unknown>);
    task._addCallback(new ChildDone(this, task as Task<unknown>));
    return task;
  }

  /**
   * Cancels every child and the body; the group then ends without an error
   * (unless children failed). Harmless once the group is done.
   */
  cancel(): void {
    if (!this.entered) {
      this.cancelOnEnter = true;
      return;
    }
    if (this.exiting && this.tasks.size === 0) return;
    if (!this.aborting) {
      this.abort();
      if (this.parent !== undefined && !this.parentCancelRequested) {
        this.parentCancelRequested = true;
        this.parent.cancel();
      }
    }
  }

  /** The number of children still running. */
  get size(): number {
    return this.tasks.size;
  }

  /** @internal */
  _enter(parent: Task<unknown>): void {
    if (this.entered) throw new InvalidStateError(`${this} has already been entered`);
    this.parent = parent;
    this.entered = true;
    if (this.cancelOnEnter) this.cancel();
  }

  /**
   * @internal The body ended (with `error` if `failed`): wait for every
   * child, then decide what to throw. Returns normally if nothing should be.
   */
  async _exit(failed: boolean, error: unknown): Promise<void> {
    this.exiting = true;
    const parent = this.parent as Task<unknown>;
    let propagate: unknown = failed && isCancelledError(error) ? error : undefined;
    if (failed && !this.aborting) this.abort();
    let pendingCancel: unknown;
    while (this.tasks.size > 0) {
      this.onCompleted ??= new Future<void>(parent._loop);
      try {
        await this.onCompleted;
      } catch (e) {
        if (!isCancelledError(e)) throw e;
        // Cancelled from outside while waiting for the children: pass it on to them.
        pendingCancel = e;
        if (!this.aborting) {
          propagate = e;
          this.abort();
        }
      }
      this.onCompleted = undefined;
    }
    if (this.parentCancelRequested) {
      // We cancelled the parent ourselves: take that request back.
      if (parent._uncancel() === 0) propagate = undefined;
      else if (propagate === undefined) propagate = pendingCancel; // the rest is not ours
    }
    if (propagate !== undefined && this.errors.length === 0) throw propagate;
    if (failed && !isCancelledError(error)) this.errors.push(error);
    if (this.errors.length > 0) {
      // A cancel from outside must survive the group turning it into errors.
      if (parent.cancelling() > 0) {
        parent._uncancel();
        parent.cancel();
      }
      throw new ExceptionGroup("unhandled errors in a TaskGroup", this.errors);
    }
  }

  private abort(): void {
    this.aborting = true;
    for (const t of this.tasks) if (!t.done()) t.cancel();
  }

  /** @internal */
  _onTaskDone(task: Task<unknown>): void {
    this.tasks.delete(task);
    if (this.onCompleted !== undefined && this.tasks.size === 0 && !this.onCompleted.done()) {
      this.onCompleted.setResult(undefined);
    }
    if (task.cancelled()) return;
    const error = task.exception();
    if (error === undefined) return;
    this.errors.push(error);
    const parent = this.parent as Task<unknown>;
    if (parent.done()) {
      parent._loop.report({
        message: `${task} failed but the parent task of its group is already done`,
        error,
        task,
      });
      return;
    }
    if (!this.aborting && !this.parentCancelRequested) {
      // Interrupt whatever the body is awaiting; _exit takes the cancel back.
      this.abort();
      this.parentCancelRequested = true;
      parent.cancel();
    }
  }

  /** As asyncio's repr: `<TaskGroup tasks=2 entered>`. */
  toString(): string {
    const info: string[] = [];
    if (this.tasks.size > 0) info.push(`tasks=${this.tasks.size}`);
    if (this.errors.length > 0) info.push(`errors=${this.errors.length}`);
    if (this.aborting) info.push("cancelling");
    else if (this.entered) info.push("entered");
    return `<TaskGroup${info.length > 0 ? ` ${info.join(" ")}` : ""}>`;
  }
}

/**
 * Runs `body` with a `TaskGroup` and waits for every task it started: the
 * structured way to run tasks side by side, asyncio's `async with
 * TaskGroup() as tg:`.
 *
 * No child outlives the call. The first child that fails cancels the others
 * and the body; when all are done, the call throws an `ExceptionGroup` of the
 * real errors (an error thrown by the body itself joins them). Returns what
 * the body returns.
 *
 * **Cancel safety:** if the caller is cancelled, every child is cancelled
 * and awaited (their `finally` blocks run) before `CancelledError` comes out.
 *
 * @throws ExceptionGroup when children (or the body) failed.
 *
 * @example
 * ```ts
 * import { run, sleep, taskGroup } from "aio-ts";
 * await run(async () => {
 *   await taskGroup(async (tg) => {
 *     tg.createTask(async () => { await sleep(100); console.log("one"); });
 *     tg.createTask(async () => { await sleep(200); console.log("two"); });
 *   });
 *   console.log("both done");
 * });
 * ```
 */
export function taskGroup<T>(body: (tg: TaskGroup) => Promise<T>): Promise<T> {
  checkFunction("body", body);
  return inTask(async () => {
    const group = new TaskGroup();
    group._enter(current() as Task<unknown>);
    let result: T | undefined;
    let failed = false;
    let error: unknown;
    try {
      result = await body(group);
    } catch (e) {
      failed = true;
      error = e;
    }
    await group._exit(failed, error);
    return result as T;
  });
}
