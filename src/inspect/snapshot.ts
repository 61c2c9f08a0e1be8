import { current, inspection, type Loop, liveLoops, type Task } from "../core/index.ts";
import { awaitersOf, type Deadlines, deadlinesOf, describeWait, type WaitInfo } from "./describe.ts";

/** One task in a snapshot: plain data, safe to serialise and send to another process. */
export interface TaskRow {
  /** The task's id (aio numbers tasks from 1, per process). */
  id: number;
  name: string;
  /** `running`: the task whose code takes the snapshot. */
  state: "pending" | "running" | "done" | "cancelled" | "failed";
  /** What it is suspended on; `undefined` while running, before its first step, or on a foreign promise. */
  waitsOn: WaitInfo | undefined;
  /** Ids of the tasks that await it (directly, or through a gather, a shield, a `wait`, a task group). */
  awaitedBy: number[];
  /** Id of the task that created it (a group's children: the group's task); `undefined` for a root task. */
  parent: number | undefined;
  /** How long it has lived, in ms of loop time. */
  ageMs: number;
  /** Where it was created (debug mode only). */
  createdAt: string | undefined;
  /** Pending cancellation requests (`task.cancelling()`). */
  cancelling: number;
}

/** The tasks of one loop. */
export interface LoopSnapshot {
  /** The loop's time, in ms. */
  time: number;
  tasks: TaskRow[];
}

/**
 * Every live task of every loop of this process, oldest first, with what
 * each waits on and who awaits it. One pass over each loop's list of live
 * tasks; the awaited-by lists come from each task's own callbacks, so the
 * whole is linear in the number of tasks.
 */
export function snapshotTasks(): { loops: LoopSnapshot[] } {
  inspection.on = true;
  const running = current();
  const loops: LoopSnapshot[] = [];
  for (const loop of liveLoops()) {
    if (loop.closed) continue;
    loops.push(snapshotLoop(loop, running));
  }
  return { loops };
}

function snapshotLoop(loop: Loop, running: Task<unknown> | undefined): LoopSnapshot {
  const time = loop.now();
  const tasks: TaskRow[] = [];
  const deadlines = deadlinesOf(loop);
  for (const task of loop.liveTasks()) tasks.push(taskRow(task, time, running, deadlines));
  return { time, tasks };
}

/** @internal One task as a row; `time` is its loop's time now. */
export function taskRow(
  task: Task<unknown>,
  time: number,
  running: Task<unknown> | undefined,
  deadlines: Deadlines = deadlinesOf(task._loop),
): TaskRow {
  return {
    id: task._id,
    name: task.name,
    state: stateOf(task, running),
    waitsOn: describeWait(task, deadlines),
    awaitedBy: awaitersOf(task).map((t) => t._id),
    parent: task._parentId === 0 ? undefined : task._parentId,
    ageMs: time - task._createdTime,
    createdAt: task.createdAt,
    cancelling: task.cancelling(),
  };
}

function stateOf(task: Task<unknown>, running: Task<unknown> | undefined): TaskRow["state"] {
  if (task === running) return "running";
  if (!task.done()) return "pending";
  if (task.cancelled()) return "cancelled";
  return task.exception() === undefined ? "done" : "failed";
}
