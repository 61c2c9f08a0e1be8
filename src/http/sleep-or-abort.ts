import { loopOf } from "../core/index.ts";
import { park, Waiter } from "../sync/index.ts";

/**
 * Waits `ms` of loop time, as `sleep()` does (the task's cancellation stops
 * it at once, and a `VirtualClock` jumps over it), and also gives up as soon
 * as `signal` aborts, throwing its reason: the request's total timeout or the
 * caller's own signal must end a retry's backoff too, and `sleep()` takes no
 * signal.
 *
 * **Cancel safety:** nothing is left behind: the timer is removed on every exit.
 */
export async function sleepOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw signal.reason;
  const w = new Waiter<void>();
  const timer = loopOf().callLater(ms, () => {
    if (!w.done()) w.setResult(undefined);
  });
  try {
    await park(w, signal);
  } finally {
    timer.cancel();
  }
}
