// aio-ts: asyncio's model of concurrency for TypeScript. Re-exports only, after the runtime check.
// First, so that an unsupported Node.js fails with one clear line (see the module).
import "./core/runtime-check.ts";

export { type AsCompletedOptions, asCompleted } from "./combinators/as-completed.ts";
export { type GatherOptions, gather } from "./combinators/gather.ts";
export { shield } from "./combinators/shield.ts";
export { moveOnAfter, moveOnAt, Timeout, timeout, timeoutAt } from "./combinators/timeout.ts";
export {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  type ReturnWhen,
  type WaitOptions,
  type WaitResult,
  wait,
} from "./combinators/wait.ts";
export { waitFor } from "./combinators/wait-for.ts";
export {
  AioError,
  type Awaitable,
  type AwaitedOf,
  allTasks,
  CancelledError,
  type Clock,
  createTask,
  currentTask,
  type DoneCallback,
  ExceptionGroup,
  type ExceptionHandler,
  ensureFuture,
  Future,
  getRunningLoop,
  Handle,
  InvalidStateError,
  isCancelledError,
  isFuture,
  type Loop,
  type LoopReport,
  now,
  sleep,
  Task,
  type TaskOptions,
  TimeoutError,
  TimerHandle,
} from "./core/index.ts";
export {
  type CallGraph,
  type CallGraphOptions,
  captureCallGraph,
  formatCallGraph,
  type PrintCallGraphOptions,
  printCallGraph,
} from "./inspect/call-graph.ts";
export type { WaitInfo, WaitKind } from "./inspect/describe.ts";
export * from "./limit/index.ts";
export * from "./queues/index.ts";
export { type RunOptions, run } from "./runner/run.ts";
export * from "./streams/index.ts";
export { TaskGroup, taskGroup } from "./structure/task-group.ts";
export * from "./subprocess/index.ts";
export * from "./sync/index.ts";
