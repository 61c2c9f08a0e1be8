// aio-ts/testing: deterministic time, and the embedded httpbin-like server, for tests. Re-exports only, after the runtime check.
// First, so that an unsupported Node.js fails with one clear line (see the module).
import "./core/runtime-check.ts";

export { VirtualClock, type VirtualClockOptions } from "./core/index.ts";
export * from "./testing/server/index.ts";
