// Shared helpers for the tests: deterministic runs on a VirtualClock.
import { type LoopReport, run } from "aio-ts";
import { VirtualClock } from "aio-ts/testing";

/**
 * Runs `main` under `run()` on a fresh VirtualClock, collecting the loop's
 * reports instead of printing them. Signals are left alone.
 */
export async function runVirtual<T>(
  main: () => Promise<T>,
  options: { debug?: boolean; reports?: LoopReport[] } = {},
): Promise<T> {
  const reports = options.reports ?? [];
  return run(main, {
    clock: new VirtualClock(),
    debug: options.debug ?? false,
    handleSignals: false,
    exceptionHandler: (report) => {
      reports.push(report);
    },
  });
}

/** Settles `p` and returns its rejection reason; fails if it resolves. */
export async function rejection(p: PromiseLike<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, got a value");
}
