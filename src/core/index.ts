// The kernel's public face: everything outside src/core uses core through this file.
export { Clock } from "./clock/clock.ts";
export { RealClock } from "./clock/real-clock.ts";
export type { Timer } from "./clock/timer-heap.ts";
export { VirtualClock, type VirtualClockOptions } from "./clock/virtual-clock.ts";
export { current, runningLoop, storage } from "./context.ts";
export { type Awaitable, type AwaitedOf, ensureFuture, follow, isAwaitable } from "./ensure-future.ts";
export {
  AioError,
  asCancelledError,
  brandClass,
  CancelledError,
  ExceptionGroup,
  InvalidStateError,
  isCancelledError,
  makeCancelledError,
  TimeoutError,
} from "./errors.ts";
export { type DoneCallback, EXCEPTION, Future, isFuture, LabelledFuture } from "./future.ts";
export { Handle, TimerHandle } from "./handle.ts";
export {
  defaultLoop,
  type ExceptionHandler,
  forgetLoop,
  formatReport,
  Loop,
  type LoopOptions,
  type LoopReport,
  liveLoops,
  type Runnable,
  SLOW_CALLBACK_MS,
} from "./loop.ts";
export { getRunningLoop } from "./running-loop.ts";
export { now, sleep } from "./sleep.ts";
export { allTasks, createTask, currentTask, loopOf, Task, type TaskOptions, taskName, type Waiter } from "./task.ts";
export type { Tracer } from "./tracer.ts";
export { argumentError, checkDelay, checkFunction, checkOptionalDelay, rangeError } from "./validate.ts";
export {
  type AwaiterLink,
  type DescribedWait,
  formatLoopTime,
  inspection,
  isAwaiterLink,
  isDeadlineTimer,
  isDescribed,
  type WaitInfo,
  type WaitKind,
} from "./wait-info.ts";
