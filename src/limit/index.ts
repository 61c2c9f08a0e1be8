// Bounded concurrency: re-exports only.
export { CapacityLimiter, type CapacityLimiterStatistics } from "./capacity-limiter.ts";
export { map } from "./map.ts";
export type { MapOptions, Mapper } from "./map-options.ts";
export { mapUnordered } from "./map-unordered.ts";
export { WouldBlock } from "./would-block.ts";
