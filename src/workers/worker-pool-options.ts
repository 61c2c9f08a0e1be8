import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { isAbsolute } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { argumentError } from "../core/index.ts";

/** Options of a `WorkerPool`. */
export interface WorkerPoolOptions {
  /**
   * The module whose exported functions the pool runs: an absolute path, or
   * a file URL (`new URL("./jobs.ts", import.meta.url)`). A `.ts` module
   * works where Node strips types (Node 22.18+, 24), as the main thread's do.
   */
  filename: string | URL;
  /** Threads kept alive even when idle. Default 0: threads start on demand. */
  minThreads?: number | undefined;
  /** The most threads, and so the most jobs running at once. Default: `os.availableParallelism()`. */
  maxThreads?: number | undefined;
  /** How long a thread beyond `minThreads` stays idle before it exits, in ms. Default 10 000. */
  idleTimeout?: number | undefined;
}

/** The options, checked, with their defaults. */
export interface ResolvedOptions {
  /** The module's file URL. */
  filename: string;
  minThreads: number;
  maxThreads: number;
  idleTimeout: number;
}

export const DEFAULT_IDLE_TIMEOUT = 10_000;

function checkFilename(value: unknown): string {
  let url: URL | undefined;
  if (value instanceof URL) url = value;
  else if (typeof value === "string") {
    if (value.startsWith("file:") && URL.canParse(value)) url = new URL(value);
    else if (isAbsolute(value)) url = pathToFileURL(value);
  }
  if (url === undefined || url.protocol !== "file:") {
    throw argumentError("filename", "an absolute path or a file URL", value);
  }
  if (!existsSync(fileURLToPath(url))) throw argumentError("filename", "the path of an existing module", value);
  return url.href;
}

function checkCount(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw argumentError(name, min === 0 ? "a non-negative integer" : "a positive integer", value);
  }
  return value;
}

/** Checks a pool's options and fills in the defaults. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw argumentError("options", "an object with a `filename`", options);
  }
  const o = options as WorkerPoolOptions;
  const filename = checkFilename(o.filename);
  const minThreads = checkCount("minThreads", o.minThreads, 0, 0);
  const maxThreads = checkCount("maxThreads", o.maxThreads, Math.max(availableParallelism(), minThreads, 1), 1);
  if (minThreads > maxThreads) {
    throw argumentError("minThreads", `at most \`maxThreads\` (${maxThreads})`, minThreads);
  }
  const idleTimeout = o.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;
  if (typeof idleTimeout !== "number" || Number.isNaN(idleTimeout) || idleTimeout < 0) {
    throw argumentError("idleTimeout", "a non-negative number of milliseconds", idleTimeout);
  }
  return { filename, minThreads, maxThreads, idleTimeout };
}
