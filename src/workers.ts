// aio-ts/workers: CPU-bound functions on worker threads, cancellable. Re-exports only, after the runtime check.
// First, so that an unsupported Node.js fails with one clear line (see the module).
import "./core/runtime-check.ts";

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
