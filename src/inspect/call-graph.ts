import { argumentError, current, Future, inspection, type Loop, rangeError, Task } from "../core/index.ts";
import { awaitersOf, type Deadlines, deadlinesOf, describeWait, type WaitInfo } from "./describe.ts";

/**
 * A task (or future), what it waits on, and who awaits it, up the chain:
 * asyncio's `FutureCallGraph`, with aio's `waitsOn` in place of the call
 * stack that JavaScript cannot show for a suspended async function.
 */
export interface CallGraph {
  /** The task or future this node is about. */
  future: Task<unknown> | Future<unknown>;
  /**
   * What it is suspended on (`sleep until 12.5 s`, `Lock.acquire (held by task "writer")`); `undefined` for
   * a future, and for a task that runs, has not started, is done, or awaits a promise aio does not know.
   */
  waitsOn: WaitInfo | undefined;
  /** Where the task was created: a stack trace, in debug mode only. */
  createdAt: string | undefined;
  /** The tasks that await it (directly, or through a gather, a shield, a `wait`, a task group), each a graph. */
  awaitedBy: CallGraph[];
  /** Awaiters left out of `awaitedBy` by the `limit` option, or by the `depth` option (then all of them). */
  moreAwaitedBy: number;
  /**
   * `true` when this task already appears below in the same chain: the tasks in between await each other
   * in a circle, a deadlock. Its awaiters are not listed again.
   */
  cycle: boolean;
}

/** Options of `captureCallGraph`, `formatCallGraph` and `printCallGraph`. */
export interface CallGraphOptions {
  /** How many levels of awaiters to follow up the chain; default all. 0 gives the task alone. */
  depth?: number | undefined;
  /** The most awaiters listed per node (the others are counted in `moreAwaitedBy`); default all. */
  limit?: number | undefined;
}

/** Options of `printCallGraph`: those of `captureCallGraph`, and where to write. */
export interface PrintCallGraphOptions extends CallGraphOptions {
  /** Where to write (asyncio's `file=`): any object with `write(text)`, such as a Node stream; default `process.stdout`. */
  file?:
    | {
        /** Called once with the whole graph and a final newline. */
        write(text: string): unknown;
      }
    | undefined;
}

/**
 * The await graph of `task` (default: the current task): what it waits on,
 * and who awaits it, recursively up the chain of awaiters. asyncio 3.14's
 * `capture_call_graph`.
 *
 * A task awaited through a `gather`, a `shield`, a `wait` or a task group is
 * listed as awaited by the task that awaits those, as asyncio does; the
 * `waitsOn` of that task says which (`gather of 3 (1 done)`). JavaScript
 * gives no access to a suspended async function's frames, so there is no
 * call stack: `waitsOn` and, in debug mode, `createdAt` say where the task
 * stands and where it came from.
 *
 * @param task the task (or future) to describe; default the current task.
 * @returns the graph, or `undefined` when no task is given and none is running.
 * @throws TypeError if `task` is not a Task or a Future, or an option has the wrong type.
 * @throws RangeError if `depth` is negative or `limit` is not a positive integer.
 *
 * @example
 * ```ts
 * import { captureCallGraph, createTask, run, sleep } from "aio-ts";
 * await run(async () => {
 *   const child = createTask(() => sleep(5000), { name: "child" });
 *   await sleep(0);
 *   const graph = captureCallGraph(child);
 *   console.log(graph?.waitsOn?.label); // "sleep until 5 s"
 *   child.cancel();
 * });
 * ```
 */
export function captureCallGraph(
  task?: Task<unknown> | Future<unknown>,
  options?: CallGraphOptions,
): CallGraph | undefined {
  const { depth, limit } = checkOptions(options);
  inspection.on = true;
  if (task !== undefined && !(task instanceof Future)) throw argumentError("task", "a Task or a Future", task);
  const root = task ?? current();
  if (root === undefined) return undefined;
  return build(root, depth, limit, new Set(), new Map());
}

function build(
  future: Future<unknown>,
  depth: number,
  limit: number,
  path: Set<Future<unknown>>,
  deadlines: Map<Loop, Deadlines>,
): CallGraph {
  const isTask = future instanceof Task;
  let inForce: Deadlines | undefined;
  if (isTask) {
    inForce = deadlines.get(future._loop);
    if (inForce === undefined) deadlines.set(future._loop, (inForce = deadlinesOf(future._loop)));
  }
  const node: CallGraph = {
    future,
    waitsOn: isTask ? describeWait(future, inForce) : undefined,
    createdAt: isTask ? future.createdAt : undefined,
    awaitedBy: [],
    moreAwaitedBy: 0,
    cycle: path.has(future),
  };
  if (node.cycle) return node;
  const awaiters = awaitersOf(future);
  if (depth <= 0) {
    node.moreAwaitedBy = awaiters.length;
    return node;
  }
  path.add(future);
  const shown = awaiters.length > limit ? awaiters.slice(0, limit) : awaiters;
  for (const awaiter of shown) node.awaitedBy.push(build(awaiter, depth - 1, limit, path, deadlines));
  node.moreAwaitedBy = awaiters.length - shown.length;
  path.delete(future);
  return node;
}

function checkOptions(options: CallGraphOptions | undefined): { depth: number; limit: number } {
  if (options === undefined) return { depth: Number.POSITIVE_INFINITY, limit: Number.POSITIVE_INFINITY };
  if (options === null || typeof options !== "object") throw argumentError("options", "an options object", options);
  const { depth = Number.POSITIVE_INFINITY, limit = Number.POSITIVE_INFINITY } = options;
  if (typeof depth !== "number" || Number.isNaN(depth)) throw argumentError("depth", "a number of levels", depth);
  if (depth < 0 || (!Number.isInteger(depth) && depth !== Number.POSITIVE_INFINITY)) {
    throw rangeError("depth", "a non-negative integer", depth);
  }
  if (typeof limit !== "number" || Number.isNaN(limit)) throw argumentError("limit", "a number of awaiters", limit);
  if (limit < 1 || (!Number.isInteger(limit) && limit !== Number.POSITIVE_INFINITY)) {
    throw rangeError("limit", "a positive integer", limit);
  }
  return { depth, limit };
}

/**
 * The await graph of `task` (default: the current task) as text, laid out
 * as asyncio 3.14's `format_call_graph` lays it out (`* Task(name=..., id=...)`
 * and an indented `+ Awaited by:` tree), with aio's `+ Waits on:` line in
 * place of the call stack; `""` when there is no task.
 *
 * @throws TypeError, RangeError as `captureCallGraph`.
 *
 * @example
 * ```ts
 * import { createTask, formatCallGraph, run, sleep } from "aio-ts";
 * await run(async () => {
 *   const child = createTask(() => sleep(5000), { name: "child" });
 *   createTask(async () => { await child; }, { name: "parent" });
 *   await sleep(0);
 *   console.log(formatCallGraph(child));
 *   // * Task(name="child", id=2)
 *   //   + Waits on: sleep until 5 s
 *   //   + Awaited by:
 *   //       * Task(name="parent", id=3)
 *   //         + Waits on: task "child"
 *   child.cancel();
 * });
 * ```
 */
export function formatCallGraph(task?: Task<unknown> | Future<unknown>, options?: CallGraphOptions): string {
  const graph = captureCallGraph(task, options);
  if (graph === undefined) return "";
  const lines: string[] = [];
  render(graph, 0, lines);
  return lines.join("\n");
}

function render(node: CallGraph, level: number, lines: string[]): void {
  const indent = "    ".repeat(level);
  const f = node.future;
  lines.push(
    `${indent}* ${f instanceof Task ? `Task(name=${JSON.stringify(f.name)}, id=${f._id}${stateSuffix(f)})` : `Future(id=${futureId(f)})`}`,
  );
  if (node.cycle) {
    lines.push(`${indent}  + Deadlock: this task is already in the chain above; they await each other`);
    return;
  }
  if (node.waitsOn !== undefined) lines.push(`${indent}  + Waits on: ${node.waitsOn.label}`);
  if (node.createdAt !== undefined) {
    lines.push(`${indent}  + Created at:`);
    for (const line of node.createdAt.split("\n")) {
      const frame = line.trim();
      if (frame !== "") lines.push(`${indent}  |   ${frame}`);
    }
  }
  if (node.awaitedBy.length > 0 || node.moreAwaitedBy > 0) {
    lines.push(`${indent}  + Awaited by:`);
    for (const awaiter of node.awaitedBy) render(awaiter, level + 1, lines);
    if (node.moreAwaitedBy > 0) lines.push(`${indent}    ... and ${node.moreAwaitedBy} more`);
  }
}

/** What asyncio's repr would add: only the states that are not "waiting as usual". */
function stateSuffix(task: Task<unknown>): string {
  if (task.done()) return task.cancelled() ? ", cancelled" : ", done";
  if (task.cancelling() > 0) return ", cancelling";
  if (task === current()) return ", running";
  return "";
}

/** Futures have no id in aio: number them on first sight, as `id()` would tell them apart. */
const futureIds = new WeakMap<Future<unknown>, number>();
let nextFutureId = 0;

function futureId(future: Future<unknown>): number {
  let id = futureIds.get(future);
  if (id === undefined) futureIds.set(future, (id = ++nextFutureId));
  return id;
}

/**
 * Prints `formatCallGraph(task)` on stdout, or on `options.file` (asyncio
 * 3.14's `print_call_graph`). Prints nothing when there is no task.
 *
 * @throws TypeError, RangeError as `captureCallGraph`, and if `file` has no `write` method.
 *
 * @example
 * ```ts
 * import { printCallGraph, run, taskGroup, sleep } from "aio-ts";
 * await run(() =>
 *   taskGroup(async (tg) => {
 *     tg.createTask(async () => {
 *       await sleep(10);
 *       printCallGraph(); // this task, awaited by "main" through the task group
 *     }, { name: "worker" });
 *   }),
 * );
 * ```
 */
export function printCallGraph(task?: Task<unknown> | Future<unknown>, options?: PrintCallGraphOptions): void {
  const file = options?.file ?? process.stdout;
  if (file === null || typeof file !== "object" || typeof file.write !== "function") {
    throw argumentError("file", "an object with a write(text) method", file);
  }
  const text = formatCallGraph(task, options);
  if (text !== "") file.write(`${text}\n`);
}
