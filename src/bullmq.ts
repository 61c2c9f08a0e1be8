// aio-ts/bullmq: BullMQ workers whose jobs are aio tasks. Re-exports only, after the runtime check.
// Needs the optional peer dependencies bullmq and ioredis (src/bullmq/load.ts says so when they are missing).
// First, so that an unsupported Node.js fails with one clear line (see the module).
import "./core/runtime-check.ts";

export { type ConnectionOptions, parseRedisUrl } from "./bullmq/connection.ts";
export { type Backoff, type EnqueueOptions, enqueue, type JobToEnqueue } from "./bullmq/enqueue.ts";
export { RedisConnectionError } from "./bullmq/errors.ts";
export {
  type JobContext,
  type PassThroughWorkerOptions,
  type RateLimit,
  type RunWorkerOptions,
  runWorker,
  type WorkerEvent,
  type WorkerSummary,
} from "./bullmq/run-worker.ts";
