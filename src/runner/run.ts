import { resolve } from "node:path";
import { gather } from "../combinators/gather.ts";
import {
  argumentError,
  type Clock,
  checkFunction,
  current,
  type ExceptionHandler,
  forgetLoop,
  InvalidStateError,
  inspection,
  Loop,
  RealClock,
  SLOW_CALLBACK_MS,
  Task,
} from "../core/index.ts";
import { envVar } from "../core/permissions.ts";
import { describeWaiter, TraceRecorder } from "../inspect/trace.ts";

/** Options of `run`. */
export interface RunOptions {
  /** The clock; default a real one. Pass a `VirtualClock` (from `aio-ts/testing`) in tests. */
  clock?: Clock | undefined;
  /**
   * Debug mode (also on when the `AIO_DEBUG` environment variable is `1`):
   * reports a loop blocked for over 100 ms, tasks still pending at the end,
   * and tasks that swallowed a cancellation; reports carry where each task
   * was created.
   */
  debug?: boolean | undefined;
  /** Receives the loop's reports instead of stderr. */
  exceptionHandler?: ExceptionHandler | undefined;
  /**
   * Whether Ctrl-C (SIGINT) and SIGTERM cancel `main` and, once cleanup ran,
   * exit the process with code 130 (SIGINT) or 143 (SIGTERM). Default true; a
   * second signal exits at once. With `false`, both are left to Node (whose
   * default ends the process at once); `loop.addSignalHandler` works either way.
   */
  handleSignals?: boolean | undefined;
  /**
   * A file to record a trace of this run into (also the `AIO_TRACE` environment variable, when this option is
   * absent): each task's lifetime and outcome, each of its waits (on what, from when to when), cancel requests and
   * task-group scopes, in the Chrome trace-event format that Perfetto and `chrome://tracing` open and
   * `aio trace` draws. The file is written when `run` ends, however it ends (a result, an error, Ctrl-C), through a
   * temporary file renamed over it; a failure to write it is reported (on stderr, or to `exceptionHandler`) and
   * changes nothing else. Times are loop time, so a run on a `VirtualClock` gives the same file every time.
   */
  trace?: string | undefined;
}

/**
 * Runs `main` as the root task of a new event loop and returns its result:
 * asyncio's `run`.
 *
 * When `main` ends, every task still running is cancelled and awaited (their
 * `finally` blocks run before `run` returns), and every failed task whose
 * error nobody retrieved is reported on stderr. Ctrl-C (SIGINT) and SIGTERM
 * cancel `main`; after its cleanup (every `finally` ran) the process exits
 * with code 130 (SIGINT) or 143 (SIGTERM), and a second signal exits at once.
 * A handler set with `getRunningLoop().addSignalHandler()` replaces that
 * default for its signal; every such handler is removed when `run` ends.
 *
 * **Cancel safety:** `run` is the outermost scope; it cannot be called from
 * inside a task.
 *
 * @throws InvalidStateError if called from a running task.
 * @throws whatever `main` throws (a `CancelledError` if it was cancelled).
 *
 * @example
 * ```ts
 * import { gather, run, sleep } from "aio-ts";
 * await run(async () => {
 *   await gather(() => sleep(2000), () => sleep(3000)); // done at 3 s
 * });
 * ```
 */
export async function run<T>(main: () => Promise<T>, options: RunOptions = {}): Promise<T> {
  checkFunction("main", main);
  const tracePath = tracePathOf(options.trace);
  if (current() !== undefined) {
    throw new InvalidStateError("run() cannot be called from a running event loop (await the function instead)", {
      code: "ERR_AIO_NESTED_RUN",
    });
  }
  const debug = options.debug ?? envVar("AIO_DEBUG") === "1";
  // Debug mode and a trace record from the start what inspecting the process would otherwise record from its first
  // look (a lock's holder, which a trace's labels name).
  if (debug || tracePath !== undefined) inspection.on = true;
  const clock = options.clock ?? new RealClock();
  const loop = new Loop({ clock, debug, exceptionHandler: options.exceptionHandler });
  // Recording starts before main exists, so that main's own spawn is in the trace.
  const recorder = tracePath === undefined ? undefined : new TraceRecorder(loop, tracePath, describeWaiter);
  recorder?.start();
  const root = new Task<T>(loop, main, "main", undefined);

  // SIGINT and SIGTERM cancel main; once its cleanup ran, the process exits
  // as a process killed by that signal would report (128 + its number).
  let exitCode = 0;
  const onSignal = (signal: "SIGINT" | "SIGTERM"): void => {
    // A handler set with loop.addSignalHandler replaces this default.
    if (loop._hasSignalHandler(signal)) return;
    const code = SIGNAL_EXIT_CODES[signal];
    if (exitCode !== 0 || root.done()) process.exit(code);
    exitCode = code;
    root.cancel(`interrupted (${signal})`);
  };
  const handleSignals = options.handleSignals ?? true;
  if (handleSignals) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  // Blocks the loop's own timing cannot attribute (code resumed by a foreign
  // promise) are caught by a watchdog timer that notices it fired late.
  const stopWatch =
    debug && clock instanceof RealClock
      ? clock.watchBlocking(SLOW_CALLBACK_MS, (ms) => {
          if (clock.realNow() - loop.lastBlockReport < ms + SLOW_CALLBACK_MS) return;
          loop.report({ message: `The event loop was blocked for ${Math.round(ms)} ms` });
        })
      : undefined;

  try {
    await settled(root);
    loop.retrieved(root); // its outcome is run()'s: not "never retrieved"
    if (debug && loop.taskCount > 0) {
      for (const task of loop.liveTasks()) {
        loop.report({ message: `${task} was still pending when main returned; cancelling it`, task });
      }
    }
    await cancelAll(loop);
    await closeAll(loop);
  } finally {
    stopWatch?.();
    if (handleSignals) {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
    }
    loop._removeSignalHandlers();
    loop.reportUnretrieved();
    // Every task has ended by now (cancelAll), unless run() itself failed: then the trace says which had not.
    recorder?.finish();
    loop.closed = true;
    forgetLoop(loop);
    clock.detach();
  }
  if (exitCode !== 0 && root.cancelling() > 0) process.exit(exitCode);
  return root.result();
}

/** The trace file of a run: the `trace` option, else `AIO_TRACE`, as an absolute path; `undefined` for none. */
function tracePathOf(option: unknown): string | undefined {
  if (option === undefined) {
    const fromEnv = envVar("AIO_TRACE");
    return fromEnv === undefined || fromEnv === "" ? undefined : resolve(fromEnv);
  }
  if (typeof option !== "string" || option === "") throw argumentError("trace", "a file path", option);
  return resolve(option);
}

/** 128 + the signal's number, as a shell reports a process that the signal ended. */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** Waits for a future without linking it to any task and without retrieving its outcome. */
function settled(future: Task<unknown>): Promise<void> {
  return new Promise((resolve) => future.addDoneCallback(() => resolve()));
}

/**
 * asyncio's `_cancel_all_tasks`: cancel what is left, wait for all of it,
 * report errors raised on the way out. Repeats while cleanup starts new tasks.
 */
async function cancelAll(loop: Loop): Promise<void> {
  while (loop.taskCount > 0) {
    const tasks = loop.liveTasks();
    for (const task of tasks) task.cancel();
    await awaitAll(loop, tasks, "Unhandled exception during run() shutdown");
  }
}

/**
 * Ends what the tasks left open (servers, sockets, child processes: `Loop.closers`), each in a task of this loop, and
 * cancels whatever those closers started. Repeats while closing opens something new.
 */
async function closeAll(loop: Loop): Promise<void> {
  while (loop.closers.size > 0) {
    const closers = [...loop.closers];
    loop.closers.clear();
    const tasks = closers.map((close) => new Task(loop, close, "run() close", undefined));
    await awaitAll(loop, tasks, "Unhandled exception closing a resource at run() end");
    await cancelAll(loop);
  }
}

/** Waits for every task of `tasks` to end, then reports the error of each that failed (not cancelled) as `message`. */
async function awaitAll(loop: Loop, tasks: readonly Task<unknown>[], message: string): Promise<void> {
  // Gather from inside a throwaway task of this loop, so it is scheduled here.
  await settled(new Task(loop, () => gather(tasks, { returnExceptions: true }), "run() shutdown", undefined));
  for (const task of tasks) {
    const error = task.cancelled() ? undefined : task.exception();
    if (error !== undefined) loop.report({ message, error, task });
  }
}
