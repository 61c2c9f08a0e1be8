/**
 * Loads bullmq and ioredis, the optional peer dependencies of `aio-ts/bullmq`,
 * when the subpath is imported, so that a project without them gets one line
 * saying what to install instead of a resolution error from deep inside.
 *
 * Both are CommonJS packages, loaded with `require`: synchronous, so the entry
 * needs no top-level await (which would stop `require("aio-ts/bullmq")` on the
 * Node versions that load ES modules with `require`). BullMQ 6 makes ioredis
 * an optional peer of its own and loads it only when given connection options,
 * which is what `runWorker` gives it; its connection probe uses ioredis too.
 *
 * @module
 */
import { createRequire } from "node:module";

type BullMQModule = typeof import("bullmq");
type IORedisModule = typeof import("ioredis");

const require = createRequire(import.meta.url);
const INSTALL = "npm install bullmq ioredis";

function load<T>(name: string): T {
  try {
    return require(name) as T;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code !== "MODULE_NOT_FOUND" && code !== "ERR_MODULE_NOT_FOUND") throw error;
    const missing = new Error(
      `aio-ts/bullmq needs the packages bullmq (6.x) and ioredis, and ${name} is not installed: ${INSTALL}`,
      { cause: error },
    );
    Object.assign(missing, { code: "ERR_AIO_MISSING_PEER_DEPENDENCY" });
    throw missing;
  }
}

/** BullMQ's module (`Worker`, `Queue`, `WaitingError`...). */
export const bullmq: BullMQModule = load<BullMQModule>("bullmq");

/** ioredis's client class. */
export const Redis: IORedisModule["Redis"] = load<IORedisModule>("ioredis").Redis;
