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
  type WaitInfo,
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

  /** @internal For `captureCallGraph`: a child is awaited by the group's task, as in asyncio. */
  _awaiter(): Task<unknown> | undefined {
    return this.group._parentTask();
  }
}

/** What a group's task awaits at the end of the body: the last of its children. */
class GroupExit extends Future<void> {
  readonly group: TaskGroup;

  constructor(group: TaskGroup, parent: Task<unknown>) {
    super(parent._loop);
    this.group = group;
  }

  /** @internal For `captureCallGraph`. */
  override _describeWait(): WaitInfo {
    const names = this.group._children().map((t) => JSON.stringify(t.name));
    const shown = names.length > 5 ? `${names.slice(0, 5).join(", ")}, ...` : names.join(", ");
    return {
      kind: "taskgroup",
      label: `TaskGroup exit (waiting for ${names.length} ${names.length === 1 ? "task" : "tasks"}: ${shown})`,
    };
  }
}

/**
 * One `tg.start()` call: the child, the future `start()` waits on, and what
 * `started()` has done. Until `started()`, the child is not the group's: it
 * runs on behalf of the caller of `start()` (Trio's rule), so its error or
 * its return comes out of `start()` and cancelling that caller cancels it.
 */
class Start<V> implements Runnable {
  readonly group: TaskGroup;
  readonly result: Future<V>;
  task: Task<unknown> | undefined;
  /** Whether `started()` was called (a second call throws). */
  called = false;

  constructor(group: TaskGroup, result: Future<V>) {
    this.group = group;
    this.result = result;
  }

  /** The `started` function handed to the child. */
  readonly started = (value?: V): void => {
    if (this.called) throw new InvalidStateError("started() was already called");
    const task = this.task as Task<unknown>;
    if (task.done()) throw new InvalidStateError(`started() called after ${task} ended`);
    this.called = true;
    // The caller of start() was cancelled: the child stays under start(),
    // which waits for it to end; started() does nothing (as in Trio).
    if (this.result.done()) return;
    task._removeCallback(this);
    this.group._adopt(task);
    this.result.setResult(value as V);
  };

  /** @internal For `captureCallGraph`: until `started()`, the child is awaited by the caller of `start()`. */
  _awaiter(): Future<unknown> {
    return this.result;
  }

  /** The child ended before `started()`: that outcome is `start()`'s. */
  run(): void {
    const task = this.task as Task<unknown>;
    this.group._startEnded();
    if (this.result.done()) return; // start() was cancelled: it awaits the child itself
    if (task.cancelled()) this.result.cancel();
    else {
      const error = task.exception();
      this.result.setException(
        error ?? new InvalidStateError(`${task} returned without calling started()`, { code: "ERR_AIO_NOT_STARTED" }),
      );
    }
  }

  /** What `start()` awaits: the value given to `started()`. */
  async wait(): Promise<V> {
    try {
      return await this.result;
    } catch (error) {
      // The child failed or returned before started(), or the caller was
      // cancelled: then the child is cancelled, and start() waits for it to
      // end. Awaiting a task waits for its end: a further cancel of the
      // caller is passed on to the child, it does not cut the wait short.
      const task = this.task as Task<unknown>;
      task.cancel();
      try {
        await task;
      } catch {
        // Its outcome is read below.
      }
      // An error of the child (not its cancellation) is what start() reports, as in Trio.
      const childError = task.cancelled() ? undefined : task.exception();
      throw childError ?? error;
    }
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
  /** `start()` calls whose child has not called `started()` nor ended: they keep the group open. */
  private pendingStarts = 0;
  /** @internal The children started so far (`createTask` and `start`), for traces. */
  _started = 0;

  /**
   * Starts `fn` as a child task of the group.
   *
   * @throws InvalidStateError if the group has finished or is shutting down.
   */
  createTask<T>(fn: () => Promise<T>, options?: TaskOptions): Task<T> {
    checkFunction("fn", fn);
    this.checkOpen();
    const parent = this.parent as Task<unknown>;
    const task = new Task<T>(parent._loop, fn, options === undefined ? undefined : taskName(options.name), parent);
    this.tasks.add(task as Task<unknown>);
    this._started++;
    task._addCallback(new ChildDone(this, task as Task<unknown>));
    return task;
  }

  /**
   * Starts `fn(started)` as a child and waits until it calls `started(value)`;
   * returns that value, and the child runs on in the group like any other:
   * Trio's `nursery.start`. For a task that must be ready (a server
   * listening, a connection open) before the caller goes on.
   *
   * Until `started()`, the child belongs to the caller of `start()`: an error
   * it throws (or its return) comes out of `start()` and does not cancel the
   * group, and cancelling the caller cancels the child, waits for it, and
   * throws `CancelledError` (or the child's own error, if it failed). After
   * `started()`, its errors are the group's. A pending `start()` keeps the
   * group open.
   *
   * **Cancel safety:** if the caller is cancelled before `started()`, the
   * child is cancelled and has ended (its `finally` blocks ran) when the
   * `CancelledError` comes out; `started()` then does nothing.
   *
   * @throws TypeError if `fn` is not a function.
   * @throws InvalidStateError if the group has finished or is shutting down;
   *   from `start()`'s promise (code `ERR_AIO_NOT_STARTED`) if the child
   *   returned without calling `started()`; from `started()` if it is called
   *   twice or after the child ended.
   *
   * @example
   * ```ts
   * import { type Event, run, taskGroup } from "aio-ts";
   * declare function listen(port: number): Promise<{ port: number; closed: Event }>;
   * await run(() =>
   *   taskGroup(async (tg) => {
   *     const port = await tg.start<number>(async (started) => {
   *       const server = await listen(0);
   *       started(server.port); // start() returns now; the task serves on in the group
   *       await server.closed.wait();
   *     });
   *     console.log(`listening on ${port}`);
   *   }),
   * );
   * ```
   */
  start<V = undefined>(fn: (started: (value?: V) => void) => Promise<unknown>, options?: TaskOptions): Promise<V> {
    checkFunction("fn", fn);
    this.checkOpen();
    const name = options === undefined ? undefined : taskName(options.name);
    const loop = (this.parent as Task<unknown>)._loop;
    const start = new Start<V>(this, new Future<V>(loop));
    const task = new Task(loop, () => fn(start.started), name, this.parent);
    start.task = task;
    this.pendingStarts++;
    this._started++;
    task._addCallback(start);
    return inTask(() => start.wait());
  }

  private checkOpen(): void {
    if (!this.entered) throw new InvalidStateError(`${this} has not been entered`);
    if (this.finished()) throw new InvalidStateError(`${this} is finished`);
    if (this.aborting) throw new InvalidStateError(`${this} is shutting down`);
  }

  /** The body has ended and nothing keeps the group open. */
  private finished(): boolean {
    return this.exiting && this.tasks.size === 0 && this.pendingStarts === 0;
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
    if (this.finished()) return;
    if (!this.aborting) {
      this.abort();
      // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, always true here: cancel() returns early unless entered, and _enter set parent; parentCancelRequested is only ever set together with aborting, which was false just above
      if (this.parent !== undefined && !this.parentCancelRequested) {
        this.parentCancelRequested = true;
        this.parent.cancel();
      }
    }
  }

  /** @internal For `captureCallGraph`: the task the group belongs to. */
  _parentTask(): Task<unknown> | undefined {
    return this.parent;
  }

  /** @internal For `captureCallGraph`: the children still running. */
  _children(): Task<unknown>[] {
    return [...this.tasks];
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
    while (this.tasks.size > 0 || this.pendingStarts > 0) {
      this.onCompleted ??= new GroupExit(this, parent);
      try {
        await this.onCompleted;
      } catch (e) {
        // Stryker disable next-line ConditionalExpression: equivalent, onCompleted is only ever resolved with undefined, so awaiting it throws only the CancelledError of a cancel of this task
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
    // Stryker disable next-line ConditionalExpression: equivalent, cancel() on a done task changes nothing observable (it marks a failed task's error retrieved, which its ChildDone callback does anyway through exception())
    for (const t of this.tasks) if (!t.done()) t.cancel();
  }

  /** @internal A started child joins the group (Start.started). */
  _adopt(task: Task<unknown>): void {
    this.pendingStarts--;
    this.tasks.add(task);
    task._addCallback(new ChildDone(this, task));
    // Started into a group that is shutting down: it is cancelled like the others.
    if (this.aborting) task.cancel();
  }

  /** @internal A start()'s child ended before started(): it no longer keeps the group open. */
  _startEnded(): void {
    this.pendingStarts--;
    this.wakeExit();
  }

  /** Wakes `_exit` once nothing keeps the group open. */
  private wakeExit(): void {
    if (
      this.onCompleted !== undefined &&
      // Stryker disable next-line ConditionalExpression: equivalent, a wake-up too early only makes _exit's loop check tasks and pendingStarts again and wait on a new future
      this.tasks.size === 0 &&
      // Stryker disable next-line ConditionalExpression: equivalent, a wake-up too early only makes _exit's loop check tasks and pendingStarts again and wait on a new future
      this.pendingStarts === 0 &&
      !this.onCompleted.done()
    ) {
      this.onCompleted.setResult(undefined);
    }
  }

  /** @internal */
  _onTaskDone(task: Task<unknown>): void {
    this.tasks.delete(task);
    this.wakeExit();
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
    const task = current() as Task<unknown>;
    group._enter(task);
    const tracer = task._loop._tracer;
    // Stryker disable next-line UnaryOperator: equivalent, the -1 is never read: groupExit(mark) runs only with a tracer, whose groupEnter gave the mark
    const mark = tracer === undefined ? -1 : tracer.groupEnter(task);
    let result: T | undefined;
    let failed = false;
    let error: unknown;
    try {
      result = await body(group);
    } catch (e) {
      failed = true;
      error = e;
    }
    try {
      await group._exit(failed, error);
    } finally {
      // The scope ends when the last child has: _exit waited for every one.
      if (tracer !== undefined) tracer.groupExit(mark, group._started);
    }
    return result as T;
  });
}
