// aio/testing: deterministic time for tests. Re-exports only.
export { VirtualClock, type VirtualClockOptions } from "./core/index.ts";
