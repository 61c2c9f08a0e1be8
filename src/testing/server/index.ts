// The embedded httpbin-compatible server (`aio serve`). Re-exports only.
export { FAULT_KINDS, type FaultKind, type FaultOptions } from "./faults.ts";
export { type ServeOptions, type ServerHandle, type ServerStatistics, serve } from "./serve.ts";
