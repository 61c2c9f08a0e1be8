// Shared helpers for the tests: deterministic runs on a VirtualClock.
import { AssertionError } from "node:assert";
import { inspect } from "node:util";
import { type LoopReport, run } from "aio-ts";
import { VirtualClock } from "aio-ts/testing";

/** Options of `runVirtual`. */
export interface RunVirtualOptions {
  /**
   * Debug mode. On by default, so that a cancelled task that swallowed its CancelledError and a task left pending
   * when main returned are reported (and fail the test unless expected); off by default when the test collects
   * `reports` itself. Its "loop blocked" report measures real time, so it is ignored unless `debug` is given.
   */
  debug?: boolean;
  /**
   * The loop's reports (a callback's exception, a task error never retrieved, a swallowed cancel...) are collected
   * here, for a test that expects some and asserts on them. Without it (or `expectReports`), any report fails the
   * test.
   */
  reports?: LoopReport[];
  /** Reports the test expects: each report must match one of these, and each of these at least one report. */
  expectReports?: readonly RegExp[];
  /** The clock to run on; a fresh VirtualClock if absent. */
  clock?: VirtualClock;
}

/** The report of a cancelled task that returned normally without `uncancel()` (debug mode). */
export const SWALLOWED_CANCEL = /swallowed its CancelledError without uncancel\(\)/;
/** The report of a task still pending when main returned, which run() then cancels (debug mode). */
export const PENDING_AT_EXIT = /was still pending when main returned; cancelling it/;

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
 * Runs `main` under `run()` on a fresh VirtualClock, in debug mode, collecting the loop's reports instead of
 * printing them. Signals are left alone.
 *
 * A report the test did not ask for fails it, whether `main` returned or threw: the loop reports only what a
 * program should not do (a callback that threw, an error nobody retrieved, a cancel swallowed without
 * `uncancel()`, a task left running when main returned). A test that expects reports says so: `expectReports`
 * with what they match, or `reports: []` to assert on them itself.
 */
export async function runVirtual<T>(main: () => Promise<T>, options: RunVirtualOptions = {}): Promise<T> {
  const collects = options.reports !== undefined;
  const reports = options.reports ?? [];
  const debug = options.debug ?? !collects;
  const patterns = options.expectReports;
  const unexpected = (): string | undefined => {
    if (collects) return undefined;
    if (patterns === undefined)
      return reports.length > 0 ? "the loop reported what the test did not expect" : undefined;
    const stray = reports.filter((r) => !patterns.some((p) => p.test(r.message)));
    const missing = patterns.filter((p) => !reports.some((r) => p.test(r.message)));
    if (stray.length > 0) return "the loop reported what the test did not expect";
    if (missing.length > 0) return `the loop never reported ${missing.join(", ")}, which the test expects`;
    return undefined;
  };
  const fail = (problem: string, cause?: unknown): AssertionError => {
    const error = new AssertionError({
      message: `${problem} (\`reports: []\` or \`expectReports\` say a test expects reports):\n${describeReports(reports)}`,
    });
    if (cause !== undefined) error.cause = cause;
    return error;
  };
  let value: T;
  try {
    value = await run(main, {
      clock: options.clock ?? new VirtualClock(),
      debug,
      handleSignals: false,
      exceptionHandler: (report) => {
        // Real milliseconds, which a busy machine stretches: not a property of the code under test.
        if (options.debug === undefined && /event loop was blocked for/.test(report.message)) return;
        reports.push(report);
      },
    });
  } catch (error) {
    const problem = unexpected();
    if (problem !== undefined && !(patterns !== undefined && problem.startsWith("the loop never"))) {
      throw fail(problem, error);
    }
    throw error;
  }
  const problem = unexpected();
  if (problem !== undefined) throw fail(problem);
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
