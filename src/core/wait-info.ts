/**
 * What a suspended task waits on, as `captureCallGraph`, `aio ps` and traces
 * show it. The kinds are closed (a renderer colours them); the label is for
 * people and may change between releases.
 */
export type WaitKind =
  | "sleep"
  | "task"
  | "future"
  | "gather"
  | "taskgroup"
  | "timeout"
  | "shield"
  | "queue"
  | "lock"
  | "semaphore"
  | "event"
  | "condition"
  | "barrier"
  | "limiter"
  | "http"
  | "stream"
  | "process"
  | "other";

/** One wait: its kind and a one-line label (`sleep until 12.5 s`, `Queue.get (queue "jobs", 0 items)`). */
export interface WaitInfo {
  /** What sort of thing is awaited. */
  kind: WaitKind;
  /** What exactly, in one line. */
  label: string;
}

/**
 * @internal A wait that can say what it is. The objects a task parks on
 * (a sleep, a future, a primitive's waiter) implement it on their prototype:
 * describing costs nothing until someone asks, and nothing per wait.
 */
export interface DescribedWait {
  _describeWait(): WaitInfo;
}

/** @internal Whether `w` can describe itself. */
export function isDescribed(w: unknown): w is DescribedWait {
  return typeof (w as Partial<DescribedWait> | undefined)?._describeWait === "function";
}

/** @internal Loop time (ms) as a wait label shows it: seconds, at most 3 decimals (`12.5 s`). */
export function formatLoopTime(ms: number): string {
  if (ms === Number.POSITIVE_INFINITY) return "forever";
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * @internal A callback in a future's list that serves a waiter: a task
 * resumed by it, or a future (a gather's, a shield's) that others await.
 * `captureCallGraph` follows it to find who awaits a task.
 */
export interface AwaiterLink {
  _awaiter(): object | undefined;
}

/** @internal Whether a future's callback says whom it serves. */
export function isAwaiterLink(r: unknown): r is AwaiterLink {
  return typeof (r as Partial<AwaiterLink> | undefined)?._awaiter === "function";
}

/**
 * @internal Whether anything has looked inside this process yet (`captureCallGraph`, `aio ps`...), or debug mode
 * is on. What costs something on a hot path is recorded only from then on: a lock's holder takes a read of the
 * current task per acquire, which doubled an uncontended `acquire()` (measured 59 to 119 ns on a loaded VM).
 */
export const inspection = { on: false };

/**
 * @internal A timer that bounds a task's wait (a `timeout()` scope, a `waitFor` deadline): `captureCallGraph`
 * finds them in the loop's timer heap, so the task itself carries nothing for it.
 */
export interface DeadlineTimer {
  _deadlineOf(): { task: object; label: string } | undefined;
}

/** @internal Whether a timer bounds a task's wait. */
export function isDeadlineTimer(t: unknown): t is DeadlineTimer {
  return typeof (t as Partial<DeadlineTimer> | undefined)?._deadlineOf === "function";
}
