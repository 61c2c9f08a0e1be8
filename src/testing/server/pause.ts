import { defaultLoop } from "../../core/index.ts";

/**
 * Waits `ms` milliseconds of real loop time, unless `signal` aborts first.
 * Resolves `true` when the time passed, `false` when aborted; never rejects.
 *
 * Why not `sleep()`: request handlers run outside any task (see `serve`), and
 * a `sleep` there belongs to no task, so nothing could cancel it; a 10 s
 * `/delay` whose client hung up would keep its timer, and the process, alive.
 * A timer handle on the default loop goes through the same clock (the real
 * one: a server's delays are real even when the code that started it runs on
 * a `VirtualClock`) and is removed at once on abort, which lets Node exit.
 */
export function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      handle.cancel();
      resolve(false);
    };
    const handle = defaultLoop().callLater(Math.max(0, ms), () => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    });
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
