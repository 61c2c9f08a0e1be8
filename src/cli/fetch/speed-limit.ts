// `--speed-limit` and `--speed-time` (curl's -Y and -y, aria2c's
// --lowest-speed-limit): a try that moves fewer bytes than the limit over a
// whole window fails, and is retried like any failure that may heal. The
// read timeout alone lets a server that sends a byte a second hold a
// download for ever.
import { ExceptionGroup, now, sleep, taskGroup } from "../../index.ts";
import { TryFailure } from "./failure.ts";

/** The lowest speed a try must keep, over each window of `windowMs`. */
export interface SpeedLimit {
  bytesPerSecond: number;
  windowMs: number;
}

/** Samples per window: the slowness is seen within a quarter window of its end. */
const SAMPLES = 4;

/**
 * Runs `body` (one try), failing it with a retryable `TryFailure` as soon
 * as the bytes `progress()` counts grew by less than the limit over the last
 * `windowMs`. With no limit, runs `body` as it is.
 *
 * **Cancel safety:** the watch is a child task of a task group around
 * `body`: cancelled, both end, and nothing of the watch outlives the call.
 */
export async function withSpeedLimit<T>(
  limit: SpeedLimit | undefined,
  progress: () => number,
  body: () => Promise<T>,
): Promise<T> {
  if (limit === undefined) return body();
  try {
    return await taskGroup(async (tg) => {
      const watch = tg.createTask(() => watchSpeed(limit, progress), { name: "aio fetch speed limit" });
      try {
        return await body();
      } finally {
        watch.cancel();
      }
    });
  } catch (error) {
    // The group wraps what failed; one failure comes out as itself, as the loop expects it.
    if (error instanceof ExceptionGroup && error.errors.length === 1) throw error.errors[0];
    throw error;
  }
}

/** Samples `progress()` until a whole window moved too few bytes; then throws. */
async function watchSpeed(limit: SpeedLimit, progress: () => number): Promise<never> {
  const samples: [at: number, bytes: number][] = [[now(), progress()]];
  for (;;) {
    await sleep(limit.windowMs / SAMPLES);
    const at = now();
    const bytes = progress();
    samples.push([at, bytes]);
    // Keep the newest sample that is a whole window old as the window's start.
    while (samples.length > 1 && (samples[1] as [number, number])[0] <= at - limit.windowMs) samples.shift();
    const [since, before] = samples[0] as [number, number];
    const span = at - since;
    if (span >= limit.windowMs && bytes - before < (limit.bytesPerSecond * span) / 1000) {
      throw new TryFailure(
        `slower than ${limit.bytesPerSecond} bytes/s for ${limit.windowMs / 1000} s (--speed-limit)`,
        true,
      );
    }
  }
}
