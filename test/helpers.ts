// Shared helpers for the tests: deterministic runs on a VirtualClock.
import { AssertionError } from "node:assert";
import { inspect } from "node:util";
import { type LoopReport, run } from "aio-ts";
import { VirtualClock } from "aio-ts/testing";

/** Options of `runVirtual`. */
export interface RunVirtualOptions {
  debug?: boolean;
  /**
   * The loop's reports (a callback's exception, a task error never retrieved, a swallowed cancel...) are collected
   * here, for a test that expects some and asserts on them. Without it, any report fails the test.
   */
  reports?: LoopReport[];
  /** The clock to run on; a fresh VirtualClock if absent. */
  clock?: VirtualClock;
}

/** One line per report, with its task and error, for a failure message. */
export function describeReports(reports: readonly LoopReport[]): string {
  return reports
    .map((r) => {
      const task = r.task === undefined ? "" : ` (task ${r.task.name})`;
      const error = r.error === undefined ? "" : `\n    ${inspect(r.error).split("\n").join("\n    ")}`;
      return `- ${r.message}${task}${error}`;
    })
    .join("\n");
}

/**
 * Runs `main` under `run()` on a fresh VirtualClock, collecting the loop's reports instead of printing them.
 * Signals are left alone.
 *
 * A report the test did not ask for fails it, whether `main` returned or threw: the loop reports only what a
 * program should not do (a callback that threw, an error nobody retrieved, a cancel swallowed without
 * `uncancel()`). A test that expects reports passes `reports: []` and asserts on what it gets.
 */
export async function runVirtual<T>(main: () => Promise<T>, options: RunVirtualOptions = {}): Promise<T> {
  const expected = options.reports !== undefined;
  const reports = options.reports ?? [];
  const unexpected = (cause?: unknown): AssertionError => {
    const error = new AssertionError({
      message: `the loop reported what the test did not expect (pass \`reports: []\` to expect it):\n${describeReports(reports)}`,
    });
    if (cause !== undefined) error.cause = cause;
    return error;
  };
  let value: T;
  try {
    value = await run(main, {
      clock: options.clock ?? new VirtualClock(),
      debug: options.debug ?? false,
      handleSignals: false,
      exceptionHandler: (report) => {
        reports.push(report);
      },
    });
  } catch (error) {
    if (!expected && reports.length > 0) throw unexpected(error);
    throw error;
  }
  if (!expected && reports.length > 0) throw unexpected();
  return value;
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

/**
 * The least disturbed timings of `cost(small)` and `cost(large)` (each returns the ms it took): the minimum of
 * `rounds` samples of each, taken in turn after a warm-up. A neighbour's CPU burst only ever adds time, so it
 * inflates single samples, not both minima: a ratio of the two is a guard a busy machine does not trip.
 */
export async function bestTimes(
  cost: (n: number) => Promise<number>,
  small: number,
  large: number,
  rounds = 3,
): Promise<{ small: number; large: number }> {
  await cost(small); // warm-up
  let best = { small: Number.POSITIVE_INFINITY, large: Number.POSITIVE_INFINITY };
  for (let r = 0; r < rounds; r++) {
    best = { small: Math.min(best.small, await cost(small)), large: Math.min(best.large, await cost(large)) };
  }
  return best;
}
