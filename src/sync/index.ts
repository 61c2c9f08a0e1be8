// Synchronisation primitives: re-exports only.
export { Barrier } from "./barrier.ts";
export { Condition } from "./condition.ts";
export { BrokenBarrierError } from "./errors.ts";
export { Event } from "./event.ts";
export { Held } from "./held.ts";
export { Lock } from "./lock.ts";
export { BoundedSemaphore, Semaphore } from "./semaphore.ts";
export { park, type SignalOptions, Waiter, WaiterList } from "./waiter.ts";
