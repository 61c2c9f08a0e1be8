import type { Clock } from "./clock/clock.ts";
import { RealClock } from "./clock/real-clock.ts";
import type { Timer } from "./clock/timer-heap.ts";
import { storage } from "./context.ts";
import type { Future } from "./future.ts";
import type { Task } from "./task.ts";

/** A unit of work for the loop's ready queue. */
export interface Runnable {
  run(): void;
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
 * The scheduler: a FIFO queue of ready callbacks, a clock for timers, and the
 * set of live tasks.
 *
 * The queue runs one callback per microtask, each next step queued behind
 * whatever the previous one produced. Resuming a task is a callback that
 * settles the promise the task awaits; the task's continuation is the
 * microtask that follows, so it runs before the next callback. That gives
 * asyncio's order: a woken task runs up to its next await before the next
 * ready callback, and a cancel issued meanwhile is seen by that callback.
 */
export class Loop {
  readonly clock: Clock;
  readonly debug: boolean;
  /** Live tasks: created and not yet done. */
  readonly tasks: Set<Task<unknown>> = new Set();
  /** Futures that failed and whose error nobody has retrieved yet. */
  readonly unretrieved: Set<Future<unknown>> = new Set();
  /** The task most recently resumed by the queue, for debug reports. */
  lastResumed: Task<unknown> | undefined;
  closed = false;
  /** @internal Whether this is the default loop (used outside `run()`). */
  isDefault = false;

  private readonly handler: ExceptionHandler;
  private queue: (Runnable | undefined)[] = [];
  private head = 0;
  private scheduled = false;

  constructor(options: LoopOptions = {}) {
    this.clock = options.clock ?? new RealClock();
    this.debug = options.debug ?? false;
    this.handler = options.exceptionHandler ?? defaultHandler;
    this.clock.attach(() => this.head < this.queue.length);
  }

  /** Queues `r.run()` to run soon, after the callbacks already queued. */
  callSoon(r: Runnable): void {
    this.queue.push(r);
    if (!this.scheduled) {
      this.scheduled = true;
      // Callbacks run outside any task, as asyncio's do.
      storage.exit(queueMicrotask, this.drain);
    }
  }

  /**
   * Calls `fn` at loop time `when` (through the ready queue, outside any
   * task). Returns a handle whose `cancel()` unschedules it.
   */
  callAt(when: number, fn: () => void): TimerHandle {
    const handle = new TimerHandle(this, when, fn);
    this.clock.add(handle);
    return handle;
  }

  /** Calls `fn` after `ms` milliseconds of loop time; see `callAt`. */
  callLater(ms: number, fn: () => void): TimerHandle {
    return this.callAt(this.clock.now() + ms, fn);
  }

  /** Schedules a timer on this loop's clock. */
  addTimer(timer: Timer): void {
    this.clock.add(timer);
  }

  removeTimer(timer: Timer): void {
    this.clock.remove(timer);
  }

  now(): number {
    return this.clock.now();
  }

  /**
   * Notes a future that failed; reported if nobody retrieves the error. A
   * `run()` loop reports what is left when it ends; the default loop, which
   * never ends, reports a future when it is garbage-collected unretrieved.
   */
  trackUnretrieved(future: Future<unknown>): void {
    if (this.isDefault)
      unretrievedRegistry.register(future, { loop: this, error: future._value, name: String(future) }, future);
    else this.unretrieved.add(future);
  }

  retrieved(future: Future<unknown>): void {
    if (this.isDefault) unretrievedRegistry.unregister(future);
    else this.unretrieved.delete(future);
  }

  /** Reports every failure nobody retrieved, and forgets them. */
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

  /** Hands a report to the exception handler; a throwing handler is reported on stderr. */
  report(report: LoopReport): void {
    try {
      this.handler(report);
    } catch (error) {
      defaultHandler({ message: "The exception handler threw", error });
      defaultHandler(report);
    }
  }

  private readonly drain = (): void => {
    const queue = this.queue;
    const r = queue[this.head] as Runnable;
    queue[this.head++] = undefined;
    try {
      r.run();
    } catch (error) {
      this.report({ message: "Exception in a callback of the event loop", error });
    }
    if (this.head < this.queue.length) {
      // Compact once the consumed prefix dominates, keeping pushes amortised O(1).
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      queueMicrotask(this.drain);
    } else {
      this.queue.length = 0;
      this.head = 0;
      this.scheduled = false;
      this.clock.idle();
    }
  };
}

/** A callback scheduled with `callAt`/`callLater`. */
export class TimerHandle implements Timer, Runnable {
  due: number;
  seq = 0;
  index = -1;
  private readonly loop: Loop;
  private fn: (() => void) | undefined;

  constructor(loop: Loop, when: number, fn: () => void) {
    this.loop = loop;
    this.due = when;
    this.fn = fn;
  }

  /** The loop time at which the callback is due. */
  when(): number {
    return this.due;
  }

  /** Whether `cancel()` was called. */
  cancelled(): boolean {
    return this.fn === undefined;
  }

  /** Unschedules the callback; harmless if it already ran. */
  cancel(): void {
    this.fn = undefined;
    this.loop.removeTimer(this);
  }

  fire(): void {
    this.loop.callSoon(this);
  }

  run(): void {
    const fn = this.fn;
    this.fn = undefined;
    fn?.();
  }
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

const unretrievedRegistry = new FinalizationRegistry<{ loop: Loop; error: unknown; name: string }>((held) => {
  held.loop.report({ message: `Exception in ${held.name} was never retrieved`, error: held.error });
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
