import { constants } from "node:os";
import type { Clock } from "./clock/clock.ts";
import { keepAlive } from "./clock/keep-alive.ts";
import { RealClock } from "./clock/real-clock.ts";
import type { Timer } from "./clock/timer-heap.ts";
import { current } from "./context.ts";
import { InvalidStateError } from "./errors.ts";
import type { Future } from "./future.ts";
import { type Callback, Handle, TimerHandle } from "./handle.ts";
import type { Task, TaskOptions, taskName } from "./task.ts";
import type { Tracer } from "./tracer.ts";
import { argumentError, checkDelay, checkFunction } from "./validate.ts";

/** A unit of work for the loop's ready queue. */
export interface Runnable {
  run(): void;
  /**
   * Set (on the prototype) by callbacks that resume a task by settling the
   * promise it awaits. The loop lets that task's continuation, which is the
   * next microtask, run before it runs the next callback.
   */
  readonly resumes?: boolean;
  /**
   * Set (on the prototype) by a done-callback that runs as its future
   * finishes, not queued: `waitFor`'s on the child task it made, which
   * resumes the caller as the child's function returns, as asyncio 3.12's
   * inline `wait_for` does. Only on a future whose finish is itself a kernel
   * step (a task's end), never on one a user settles: `setResult()` must not
   * run callbacks.
   */
  readonly direct?: boolean;
}

/** What the loop reports: an error nobody handled, a leak, a blocked loop. */
export interface LoopReport {
  /** One line saying what happened. */
  message: string;
  /** The error involved, if any. */
  error?: unknown;
  /** The task involved, if any. */
  task?: Task<unknown>;
  /** The future involved, if it is not a task. */
  future?: Future<unknown>;
  /** The callback's handle, for an error thrown by a callback of the loop. */
  handle?: Handle;
}

/** Receives the loop's reports; the default prints them on stderr. */
export type ExceptionHandler = (report: LoopReport) => void;

/** Options of a loop (and of `run()`). */
export interface LoopOptions {
  clock?: Clock | undefined;
  debug?: boolean | undefined;
  exceptionHandler?: ExceptionHandler | undefined;
}

/** Threshold of debug mode's "loop blocked" report, in ms. */
export const SLOW_CALLBACK_MS = 100;

/**
 * The event loop of a `run()`: asyncio's event loop, as `getRunningLoop()`
 * hands it out. Exported as a type only: `run()` makes loops, code never
 * constructs one.
 *
 * Its public face is asyncio's low-level scheduling: `time()`, `callSoon`,
 * `callLater`, `callAt`, `createFuture`, `createTask`, and signal handlers.
 * Callbacks run from the loop, outside any task (`currentTask()` is
 * `undefined` in them), in the order they are due; those due at the same
 * loop time run in the order they were scheduled. Times are in ms of loop
 * time (asyncio's are seconds) and follow the loop's clock, a `VirtualClock`
 * included.
 *
 * Inside, it is a FIFO queue of ready callbacks on microtasks. Plain
 * callbacks (a task's first step, done callbacks, timers) run back to back.
 * Resuming a task is a callback that settles the promise the task awaits;
 * the task's continuation is the microtask that follows, so the loop lets it
 * (and the task's completion) run before the next callback. That gives
 * asyncio's order: a woken task runs up to its next await before the next
 * ready callback, and a cancel issued meanwhile is seen by that callback.
 *
 * @example
 * ```ts
 * import { getRunningLoop, run } from "aio-ts";
 * await run(async () => {
 *   const loop = getRunningLoop();
 *   const ready = loop.createFuture<string>();
 *   loop.callLater(200, (v: string) => ready.setResult(v), "ping");
 *   loop.callSoon(() => console.log("soon: before the timer"));
 *   console.log(await ready); // "ping", 200 ms of loop time later
 * });
 * ```
 */
export class Loop {
  /** @internal */
  readonly clock: Clock;
  /** @internal */
  readonly debug: boolean;
  /** @internal Number of live tasks: created and not yet done. */
  taskCount = 0;
  /** @internal Head of the intrusive list of live tasks (O(1) add and remove, no allocation). */
  _first: Task<unknown> | undefined = undefined;
  /** @internal Futures that failed and whose error nobody has retrieved yet. */
  readonly unretrieved: Set<Future<unknown>> = new Set();
  /** @internal The task most recently resumed by the queue, for debug reports. */
  lastResumed: Task<unknown> | undefined;
  /** @internal */
  closed = false;
  /**
   * @internal Loop time (whole ms) that new tasks take as their creation time; read from the clock at the first
   * task of each busy stretch of the loop, not per task: a clock read costs 20-40 ns on a quiet machine and was
   * measured at 300 ns on a loaded VM, as much as the rest of a spawn.
   */
  private stamp = 0;
  /** The loop ran dry (time may have moved on) since `stamp` was read. */
  private stampStale = true;
  /** @internal Whether this is the default loop (used outside `run()`). */
  isDefault = false;
  /**
   * @internal What `run()` ends after its last task: servers, sockets and child processes opened on this loop and
   * still open. Each closer is called once, inside a task of this loop (so it may await the loop's clock), and must
   * not throw for a resource that is already closed; a resource removes its closer when it closes by itself.
   */
  readonly closers: Set<() => Promise<void>> = new Set();
  /**
   * @internal The recorder of `run({ trace })`, or `undefined` (the usual case): the kernel's hooks check this one
   * field and do nothing more when it is unset.
   */
  _tracer: Tracer | undefined = undefined;

  private readonly handler: ExceptionHandler;
  /**
   * `queue[head..tail)` are the ready callbacks. The array's slots are reused: emptying it with `length = 0`
   * each time the queue ran dry (once per woken read on a socket) went through the length setter's runtime call
   * and freed the backing store, which the next push allocated again.
   */
  private queue: (Runnable | undefined)[] = [];
  private tail = 0;
  private head = 0;
  private scheduled = false;
  /** Callbacks run since the loop last let Node's own event loop turn. */
  private streak = 0;

  /** @internal `run()` makes loops. */
  constructor(options: LoopOptions = {}) {
    this.clock = options.clock ?? new RealClock();
    this.debug = options.debug ?? false;
    this.handler = options.exceptionHandler ?? defaultHandler;
    this.clock.attach(() => this.head < this.tail);
    openLoops.add(this);
  }

  /** @internal */
  _link(task: Task<unknown>): void {
    const first = this._first;
    task._next = first;
    if (first !== undefined) first._prev = task;
    this._first = task;
    this.taskCount++;
  }

  /** @internal */
  _unlink(task: Task<unknown>): void {
    const { _prev: prev, _next: next } = task;
    if (prev !== undefined) prev._next = next;
    else if (this._first === task) this._first = next;
    else return; // not linked
    if (next !== undefined) next._prev = prev;
    task._prev = task._next = undefined;
    this.taskCount--;
  }

  /** @internal The live tasks, oldest first. */
  liveTasks(): Task<unknown>[] {
    const list: Task<unknown>[] = [];
    for (let t = this._first; t !== undefined; t = t._next) list.push(t);
    return list.reverse();
  }

  /**
   * @internal The creation time of a task made now: the loop time when the loop last started a busy stretch in
   * which a task was made. Exact under a `VirtualClock` (time moves only while the loop is idle); under the real
   * clock, late by at most the CPU time the loop has run since it last ran dry.
   */
  _taskStamp(): number {
    if (this.stampStale) {
      this.stampStale = false;
      this.stamp = Math.floor(this.clock.now());
    }
    return this.stamp;
  }

  /** @internal Queues `r.run()` to run soon, after the callbacks already queued: the kernel's hot path. */
  _enqueue(r: Runnable): void {
    this.push(r);
    if (!this.scheduled) {
      this.scheduled = true;
      // The kernel's own callbacks never read the current task, so the drain
      // may run in whatever context scheduled it; the user's callbacks (done
      // callbacks, callLater) enter "outside any task" themselves. Leaving the
      // context here cost two context frames per wakeup. Start the drain
      // after two hops, as after a callback that resumed a task: the caller
      // may be a task's continuation, and its step (up to its next real
      // wait) must end before the next callback runs, as in asyncio.
      this.schedule(this.afterResume);
    }
  }

  /**
   * @internal `_enqueue` for a callback that an I/O event made ready (data read from a socket woke a reader),
   * called from Node's own I/O callback. There no task's step is under way and no resumed task's continuation
   * is pending (Node drains the microtask queue after each callback), so when nothing is queued the callback
   * runs at once, where `_enqueue` would start the drain two microtask hops later: the hops are there for a
   * caller that is a task's step, and there is none. Queued behind the callbacks already there otherwise, as
   * `_enqueue` does. Measured: 0.8 µs less CPU per 1-byte round trip (two woken reads) on issue 12c's bench.
   */
  _enqueueFromIo(r: Runnable): void {
    this.push(r);
    if (this.scheduled) return;
    this.scheduled = true;
    this.drain();
  }

  private push(r: Runnable): void {
    if (this.tail === this.queue.length) this.queue.push(r);
    else this.queue[this.tail] = r;
    this.tail++;
  }

  // ── The public face: asyncio's loop methods ──

  /**
   * The loop's time in milliseconds: the clock `now()` reads and deadlines
   * use (virtual under a `VirtualClock`). asyncio's `loop.time()` counts
   * seconds; aio's loop time is in ms everywhere.
   */
  time(): number {
    return this.clock.now();
  }

  /** Whether `run()` has ended with this loop: it accepts no more callbacks or tasks. */
  isClosed(): boolean {
    return this.closed;
  }

  /**
   * Calls `cb(...args)` soon, from the loop, outside any task, after the
   * callbacks already scheduled (FIFO). An error it throws is reported to the
   * loop's exception handler ("Exception in callback ...") and the loop goes on.
   *
   * @returns a handle whose `cancel()` keeps the callback from running.
   * @throws TypeError if `cb` is not a function, or is an async function.
   * @throws InvalidStateError if the loop is closed.
   */
  callSoon<A extends unknown[]>(cb: (...args: A) => void, ...args: A): Handle {
    checkCallback("callSoon", cb);
    this.checkOpen();
    const handle = new Handle(this, cb as unknown as Callback, args);
    this._enqueue(handle);
    return handle;
  }

  /**
   * Calls `cb(...args)` at loop time `when` (ms), from the loop, outside any
   * task. Callbacks due at the same time run in the order they were
   * scheduled. A time already past means "as soon as possible".
   *
   * @returns a handle whose `cancel()` unschedules the callback.
   * @throws TypeError if `when` is not a number (or is NaN), or `cb` is not a plain function.
   * @throws InvalidStateError if the loop is closed.
   */
  callAt<A extends unknown[]>(when: number, cb: (...args: A) => void, ...args: A): TimerHandle {
    if (typeof when !== "number" || Number.isNaN(when)) throw argumentError("when", "a loop time in ms", when);
    return this.addTimerHandle("callAt", when, cb as unknown as Callback, args);
  }

  /**
   * Calls `cb(...args)` after `ms` milliseconds of loop time; see `callAt`.
   * Zero or a negative delay means "as soon as possible", as in asyncio.
   *
   * @returns a handle whose `cancel()` unschedules the callback.
   * @throws TypeError if `ms` is not a number (or is NaN), or `cb` is not a plain function.
   * @throws InvalidStateError if the loop is closed.
   */
  callLater<A extends unknown[]>(ms: number, cb: (...args: A) => void, ...args: A): TimerHandle {
    checkDelay("ms", ms);
    return this.addTimerHandle("callLater", this.clock.now() + ms, cb as unknown as Callback, args);
  }

  private addTimerHandle(method: string, when: number, cb: Callback, args: unknown[]): TimerHandle {
    checkCallback(method, cb);
    this.checkOpen();
    const handle = new TimerHandle(this, when, cb, args);
    this.clock.add(handle);
    return handle;
  }

  /**
   * A new pending `Future` bound to this loop.
   *
   * @throws InvalidStateError if the loop is closed.
   */
  createFuture<T = unknown>(): Future<T> {
    this.checkOpen();
    return new kernel.Future<T>(this);
  }

  /**
   * Starts `fn` as a task of this loop, as `createTask()` does in a task of it.
   *
   * @throws TypeError if `fn` is not a function or the name is not a string.
   * @throws InvalidStateError if the loop is closed.
   */
  createTask<T>(fn: () => Promise<T>, options?: TaskOptions): Task<T> {
    checkFunction("fn", fn);
    this.checkOpen();
    return new kernel.Task<T>(this, fn, options === undefined ? undefined : kernel.taskName(options.name), current());
  }

  /**
   * Calls `cb(...args)` from the loop (outside any task) each time the
   * process receives `signal` (Node's name: `"SIGTERM"`), until
   * `removeSignalHandler`. A handler replaces the one already set for that
   * signal, and `run()`'s own handling of SIGINT and SIGTERM while it is set.
   * While a handler is set the process stays alive, waiting for the signal,
   * as asyncio's running loop does; `run()` removes every handler when it ends.
   *
   * @throws TypeError if `signal` is not a signal name, or `cb` is not a function.
   * @throws InvalidStateError if the signal cannot be caught (SIGKILL, SIGSTOP) or the loop is closed.
   */
  addSignalHandler<A extends unknown[]>(signal: NodeJS.Signals, cb: (...args: A) => void, ...args: A): void {
    checkSignal(signal);
    checkCallback("addSignalHandler", cb);
    this.checkOpen();
    if (signal === "SIGKILL" || signal === "SIGSTOP") {
      throw new InvalidStateError(`sig ${signal} cannot be caught`, { code: "ERR_AIO_SIGNAL_UNCATCHABLE" });
    }
    this.dropSignalHandler(signal);
    // One handle, queued at each delivery, as asyncio's _handle_signal does.
    const handle = new Handle(this, cb as unknown as Callback, args);
    const listener = (): void => this._enqueue(handle);
    process.on(signal, listener);
    const signals = (this.signals ??= new Map());
    signals.set(signal, { handle, listener });
    this.stopKeepAlive ??= keepAlive();
  }

  /**
   * Removes the handler of `signal`; the signal's default comes back
   * (`run()`'s, or Node's outside `run()` or with `handleSignals: false`).
   *
   * @returns whether a handler was set.
   * @throws TypeError if `signal` is not a signal name.
   */
  removeSignalHandler(signal: NodeJS.Signals): boolean {
    checkSignal(signal);
    return this.dropSignalHandler(signal);
  }

  /** Removes the handler of a valid signal name; a delivery already queued is cancelled with it. */
  private dropSignalHandler(signal: string): boolean {
    const entry = this.signals?.get(signal);
    if (entry === undefined) return false;
    const signals = this.signals as Map<string, SignalEntry>;
    signals.delete(signal);
    entry.handle.cancel();
    process.removeListener(signal, entry.listener);
    if (signals.size === 0) {
      (this.stopKeepAlive as () => void)();
      this.stopKeepAlive = undefined;
    }
    return true;
  }

  /** @internal Whether `addSignalHandler` set a handler for `signal` (then `run()` leaves it alone). */
  _hasSignalHandler(signal: string): boolean {
    return this.signals?.has(signal) === true;
  }

  /** @internal Removes every signal handler: `run()` ending leaves no listener behind. */
  _removeSignalHandlers(): void {
    if (this.signals === undefined) return;
    for (const signal of [...this.signals.keys()]) this.dropSignalHandler(signal);
  }

  private signals: Map<string, SignalEntry> | undefined;
  /** Set while a signal handler is: the process waits for the signal, as asyncio's running loop does. */
  private stopKeepAlive: (() => void) | undefined;

  private checkOpen(): void {
    if (this.closed) throw new InvalidStateError("Event loop is closed", { code: "ERR_AIO_LOOP_CLOSED" });
  }

  /** @internal Schedules a timer on this loop's clock. */
  addTimer(timer: Timer): void {
    this.clock.add(timer);
  }

  /** @internal */
  removeTimer(timer: Timer): void {
    this.clock.remove(timer);
  }

  /**
   * @internal The loop time; `time()` for users. The first read of a busy stretch is also the stamp of the tasks
   * made in it (`_taskStamp`): a deadline set before a task is made (`waitFor`) reads the clock once, not twice.
   */
  now(): number {
    const time = this.clock.now();
    if (this.stampStale) {
      this.stampStale = false;
      this.stamp = Math.floor(time);
    }
    return time;
  }

  /**
   * @internal Notes a future that failed; reported if nobody retrieves the error. A
   * `run()` loop reports what is left when it ends; the default loop, which
   * never ends, reports a future when it is garbage-collected unretrieved.
   */
  trackUnretrieved(future: Future<unknown>): void {
    if (this.isDefault) {
      // Hold the error's text, not the error: its stack trace keeps the
      // frames' receivers, the task among them, and the registry would wait
      // forever for a task it keeps alive itself.
      const error = future._value;
      const text = error instanceof Error ? (error.stack ?? String(error)) : String(error);
      const kind = "cancelling" in future ? "Task" : "Future";
      unretrievedRegistry.register(future, { loop: this, error: text, name: String(future), kind }, future);
    } else this.unretrieved.add(future);
  }

  /** @internal */
  retrieved(future: Future<unknown>): void {
    if (this.isDefault) unretrievedRegistry.unregister(future);
    else this.unretrieved.delete(future);
  }

  /** @internal Reports every failure nobody retrieved, and forgets them. */
  reportUnretrieved(): void {
    for (const future of this.unretrieved) {
      const task = "cancelling" in future ? (future as Task<unknown>) : undefined;
      this.report({
        message: `${task ? "Task" : "Future"} exception was never retrieved`,
        error: future._value,
        ...(task ? { task } : { future }),
      });
    }
    this.unretrieved.clear();
  }

  /** @internal Hands a report to the exception handler; a throwing handler is reported on stderr. */
  report(report: LoopReport): void {
    try {
      this.handler(report);
    } catch (error) {
      defaultHandler({ message: "The exception handler threw", error });
      defaultHandler(report);
    }
  }

  /**
   * Runs ready callbacks. Plain callbacks run back to back; after one that
   * resumes a task, the rest waits for the next microtask so that the task's
   * continuation runs first. Every DRAIN_BUDGET callbacks the loop hands
   * control to Node for one turn (setImmediate), so that timers and I/O are
   * never starved by tasks that keep yielding to each other (asyncio polls
   * I/O between iterations for the same reason).
   */
  private readonly drain = (): void => {
    if (this.debug) this.endProbe();
    for (;;) {
      const queue = this.queue;
      const r = queue[this.head] as Runnable;
      queue[this.head++] = undefined;
      this.streak++;
      const started = this.debug ? this.clock.realNow() : 0;
      try {
        r.run();
      } catch (error) {
        this.report({ message: "Exception in a callback of the event loop", error });
      }
      if (this.debug) this.startProbe(r, started);
      if (this.head >= this.tail) {
        this.head = this.tail = 0;
        if (this.queue.length > 1024) this.queue = []; // after a burst, not held for good
        this.scheduled = false;
        this.stampStale = true;
        // In debug mode a resumed task's continuation still needs timing.
        if (this.probe !== undefined) queueMicrotask(this.probeEnd);
        this.clock.idle();
        return;
      }
      // Compact once the consumed prefix dominates, keeping pushes amortised O(1).
      if (this.head > 1024 && this.head * 2 > this.tail) {
        this.queue = this.queue.slice(this.head, this.tail);
        this.tail -= this.head;
        this.head = 0;
      }
      if (r.resumes === true) {
        this.schedule(this.afterResume);
        return;
      }
      if (this.streak >= DRAIN_BUDGET) {
        this.schedule(this.drain);
        return;
      }
    }
  };

  /**
   * Queues `step` as a microtask; but once DRAIN_BUDGET callbacks have run
   * since Node's event loop last turned, as a macrotask (setImmediate), so
   * that timers and I/O are never starved by tasks that keep yielding to
   * each other (asyncio polls I/O between iterations for the same reason).
   * The count is never reset by the queue running dry: a task that yields
   * with `sleep(0)` in a loop empties the queue at every turn.
   */
  private readonly schedule = (step: () => void): void => {
    if (this.streak >= DRAIN_BUDGET) {
      this.streak = 0;
      setImmediate(this.drain);
    } else hop(step);
  };

  /**
   * The step after a callback that resumed a task: two microtask hops, so
   * that the task's continuation runs first and, if the task then returns,
   * the settling of its function's promise too (it is done before the next
   * callback runs, as in asyncio where a task's step ends with its return).
   */
  private readonly afterResume = (): void => {
    hop(this.drain);
  };

  // ── Debug mode: which task blocked the loop ──
  // A task runs either inside a callback (its first step) or in the microtask
  // right after the callback that resumed it; the next drain step, queued
  // behind that microtask, ends the measurement.

  /** The resumed task being timed, and when its callback started. */
  private probe: { task: Task<unknown> | undefined; started: number } | undefined;
  private readonly probeEnd = (): void => this.endProbe();

  private startProbe(r: Runnable, started: number): void {
    if (r.resumes === true) {
      this.probe = { task: this.lastResumed, started };
      return;
    }
    this.checkBlocked(r instanceof Object && "cancelling" in r ? (r as unknown as Task<unknown>) : undefined, started);
  }

  private endProbe(): void {
    const probe = this.probe;
    if (probe === undefined) return;
    this.probe = undefined;
    this.checkBlocked(probe.task, probe.started);
  }

  private checkBlocked(task: Task<unknown> | undefined, started: number): void {
    const ms = this.clock.realNow() - started;
    if (ms < SLOW_CALLBACK_MS) return;
    this.lastBlockReport = this.clock.realNow();
    this.report({
      message: `The event loop was blocked for ${Math.round(ms)} ms${task ? ` by ${task}` : ""}`,
      ...(task ? { task } : {}),
    });
  }

  /** @internal When a blocked loop was last reported (real ms), so the watchdog does not report it twice. */
  lastBlockReport = Number.NEGATIVE_INFINITY;
}

/**
 * @internal The classes `createFuture` and `createTask` make, set by task.ts
 * when it loads: loop.ts cannot import them (future.ts and task.ts import
 * loop.ts, and `class Task extends Future` needs future.ts evaluated first).
 */
export const kernel = {} as { Future: typeof Future; Task: typeof Task; taskName: typeof taskName };

interface SignalEntry {
  readonly handle: Handle;
  readonly listener: () => void;
}

/** The signals Node knows on this platform (`os.constants.signals`). */
const SIGNALS = new Set(Object.keys(constants.signals));

/**
 * A callback of the loop: a function, and not an async one, whose promise
 * nobody would await (asyncio's "coroutines cannot be used with call_soon()").
 */
function checkCallback(method: string, cb: unknown): void {
  checkFunction("callback", cb);
  if (Object.prototype.toString.call(cb) === "[object AsyncFunction]") {
    throw argumentError("callback", `a plain function (async functions cannot be used with ${method}())`, cb);
  }
}

function checkSignal(signal: unknown): void {
  if (!SIGNALS.has(signal as string)) {
    throw argumentError("signal", 'a signal name such as "SIGTERM"', signal);
  }
}

/** How many callbacks may run before Node gets a turn for timers and I/O. */
const DRAIN_BUDGET = 2048;

const settled: Promise<void> = Promise.resolve();

/**
 * Runs `step` one microtask hop later, exactly as `queueMicrotask` would (the
 * reaction of a settled promise is queued at once, in the same FIFO queue),
 * but cheaper: inside an async context, Node's `queueMicrotask` allocates an
 * `AsyncResource` and a bound function per call, three times the cost of a
 * reaction, and the loop hops twice per resumed task.
 */
function hop(step: () => void): void {
  void settled.then(step);
}

/** Prints a report on stderr, with the error's stack. */
export function formatReport(report: LoopReport): string {
  const lines = [`aio: ${report.message}`];
  if (report.task !== undefined) lines.push(`  task: ${String(report.task)}`);
  else if (report.future !== undefined) lines.push(`  future: ${String(report.future)}`);
  if (report.task?.createdAt !== undefined) lines.push(`  created at:${report.task.createdAt}`);
  if (report.error !== undefined) {
    const e = report.error;
    const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
    lines.push(text.replace(/^/gm, "  "));
  }
  return `${lines.join("\n")}\n`;
}

function defaultHandler(report: LoopReport): void {
  process.stderr.write(formatReport(report));
}

let fallback: Loop | undefined;

/** Loops made and not closed yet (the default loop included once made): what `captureCallGraph` and `aio ps` look at. */
const openLoops = new Set<Loop>();

/** @internal Every loop of this process that is not closed, oldest first. */
export function liveLoops(): Loop[] {
  return [...openLoops];
}

/** @internal `run()` closes its loop: it is no longer looked at. */
export function forgetLoop(loop: Loop): void {
  openLoops.delete(loop);
}

/** What the default loop reports when a failed future or task nobody retrieved is collected (asyncio's words). */
interface Unretrieved {
  loop: Loop;
  error: string;
  name: string;
  kind: "Task" | "Future";
}

const unretrievedRegistry = new FinalizationRegistry<Unretrieved>((held) => {
  held.loop.report({ message: `${held.kind} exception was never retrieved: ${held.name}`, error: held.error });
});

/**
 * The loop used by code running outside `run()` (a server handler, a test):
 * real clock, no signal handling. Created on first use.
 */
export function defaultLoop(): Loop {
  if (fallback === undefined) {
    fallback = new Loop();
    fallback.isDefault = true;
  }
  return fallback;
}
