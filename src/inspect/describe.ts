import {
  type Future,
  inspection,
  isAwaiterLink,
  isDeadlineTimer,
  isDescribed,
  type Loop,
  type Runnable,
  Task,
  type WaitInfo,
} from "../core/index.ts";

export type { WaitInfo, WaitKind } from "../core/index.ts";

/** The deadlines that bound tasks' waits, per task, earliest first: `timeout at 3 s`. */
export type Deadlines = ReadonlyMap<object, readonly string[]>;

const NONE: Deadlines = new Map();

/**
 * What `task` is suspended on right now: a sleep until when, a queue, a lock
 * held by whom, another task... `undefined` while it runs, once it is done,
 * before its first step, and while it awaits a foreign promise (one aio does
 * not know: nothing to describe, and nothing a cancel can interrupt). A wait
 * under a `timeout()` or a `waitFor` deadline says when it expires:
 * `sleep until 10 s (timeout at 3 s)`.
 *
 * Reads the task's current waiter and asks it, in O(1): nothing is recorded on
 * the way in, so describing costs nothing until someone asks. The deadlines
 * are added only when given: `deadlinesOf(loop)` scans the loop's timers, once
 * for all the tasks described (as `snapshotTasks` and `captureCallGraph` do).
 */
export function describeWait(task: Task<unknown>, deadlines: Deadlines = NONE): WaitInfo | undefined {
  inspection.on = true;
  if (task.done()) return undefined;
  const waiter = lastWait(task);
  if (waiter === undefined) return undefined;
  const info: WaitInfo = isDescribed(waiter) ? waiter._describeWait() : { kind: "other", label: String(waiter) };
  const bounds = deadlines.get(task);
  return bounds === undefined ? info : { kind: info.kind, label: `${info.label} (${bounds.join(", ")})` };
}

/**
 * The deadlines in force on `loop`, by the task they bound: its timer heap
 * holds every live `timeout()` scope and `waitFor` deadline, so tasks carry
 * nothing for this. One pass over the timers.
 */
export function deadlinesOf(loop: Loop): Deadlines {
  const found: { task: object; label: string; due: number }[] = [];
  for (const timer of loop.clock._timers()) {
    if (!isDeadlineTimer(timer)) continue;
    const bound = timer._deadlineOf();
    if (bound !== undefined) found.push({ ...bound, due: timer.due });
  }
  found.sort((a, b) => a.due - b.due);
  const map = new Map<object, string[]>();
  for (const { task, label } of found) {
    const list = map.get(task);
    if (list === undefined) map.set(task, [label]);
    else list.push(label);
  }
  return map;
}

/**
 * The wait a task entered last. A task has several only when a call started
 * waits before it awaited them all together: `gather(sleep(1), sleep(2))`
 * registers the sleeps, then the gather, which is what the task is suspended on.
 */
function lastWait(task: Task<unknown>): object | undefined {
  const more = task._waiters;
  if (more !== undefined && more.size > 0) {
    let last: object | undefined;
    for (const w of more) last = w;
    return last;
  }
  return task._waiter;
}

/**
 * The tasks that await `future`: those suspended on it, and through a
 * gather, a shield, a `wait` or a task group, the tasks that await those (as
 * asyncio's `awaited_by`, which also skips the gather and the shield).
 * Oldest registration first, each task once.
 */
export function awaitersOf(future: Future<unknown>): Task<unknown>[] {
  const found: Task<unknown>[] = [];
  collect(future, found, new Set());
  return found;
}

function collect(future: Future<unknown>, found: Task<unknown>[], seen: Set<object>): void {
  const callbacks = future._callbacks;
  if (callbacks === undefined) return;
  if (Array.isArray(callbacks)) for (const r of callbacks) follow(r, found, seen);
  else follow(callbacks, found, seen);
}

function follow(r: Runnable, found: Task<unknown>[], seen: Set<object>): void {
  if (!isAwaiterLink(r)) return;
  const awaiter = r._awaiter();
  if (awaiter === undefined || seen.has(awaiter)) return;
  seen.add(awaiter);
  if (awaiter instanceof Task) {
    if (!awaiter.done()) found.push(awaiter);
  } else collect(awaiter as Future<unknown>, found, seen);
}
