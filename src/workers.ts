// aio/workers: CPU-bound functions on worker threads, cancellable. Re-exports only.
export { WorkerError } from "./workers/errors.ts";
export {
  type UntypedWorkerModule,
  type WorkerArgs,
  type WorkerFunctionName,
  WorkerPool,
  type WorkerPoolStatistics,
  type WorkerResult,
} from "./workers/worker-pool.ts";
export type { WorkerPoolOptions } from "./workers/worker-pool-options.ts";
