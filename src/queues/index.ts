// Queues: re-exports only.
export { QueueEmpty, QueueFull, QueueShutDown } from "./errors.ts";
export { LifoQueue } from "./lifo-queue.ts";
export { PriorityQueue, type PriorityQueueOptions } from "./priority-queue.ts";
export { Queue, type QueueOptions, type QueueStatistics } from "./queue.ts";
