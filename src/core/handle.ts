import { inspect } from "node:util";
import type { Timer } from "./clock/timer-heap.ts";
import { runCallback } from "./context.ts";
import type { Loop, Runnable } from "./loop.ts";

/** @internal A handle's callback, whatever its parameters. */
export type Callback = (...args: unknown[]) => void;

/** The callback of a handle with no arguments; also what a cancelled handle keeps (it drops the user's function). */
function noop(): void {}

/** What a cancelled handle keeps instead of the user's arguments. */
const NO_ARGS: unknown[] = [];

/** Calls a handle's callback with its arguments; `runCallback` passes one argument, the handle. */
function invoke(handle: Handle): void {
  handle._fn(...handle._args);
}

/** An argument as a repr shows it: an object's own `toString` (a future's `<Future pending>`), else `inspect`. */
function showArg(arg: unknown): string {
  if (typeof arg === "object" && arg !== null && !Array.isArray(arg) && arg.toString !== Object.prototype.toString) {
    return String(arg);
  }
  return inspect(arg, { depth: 1, breakLength: Number.POSITIVE_INFINITY });
}

/**
 * A callback scheduled with `loop.callSoon()` (or a signal handler): asyncio's
 * `Handle`. Its `cancel()` keeps the callback from running.
 *
 * @example
 * ```ts
 * import { getRunningLoop, run } from "aio-ts";
 * await run(async () => {
 *   const handle = getRunningLoop().callSoon(() => console.log("never printed"));
 *   handle.cancel();
 *   console.log(handle.cancelled()); // true
 * });
 * ```
 */
export class Handle implements Runnable {
  /** @internal */ readonly _loop: Loop;
  /** @internal The callback; `noop` once cancelled, so that it is not kept alive. */
  _fn: Callback;
  /** @internal Its arguments. */
  _args: unknown[];
  /** @internal */ _cancelled = false;

  /** @internal Use `loop.callSoon()`. */
  constructor(loop: Loop, fn: Callback, args: unknown[]) {
    this._loop = loop;
    this._fn = fn;
    this._args = args;
  }

  /**
   * Whether `cancel()` was called (as asyncio's: also after the callback ran;
   * a callback that ran and was not cancelled is not "cancelled").
   */
  cancelled(): boolean {
    return this._cancelled;
  }

  /** Keeps the callback from running; harmless if it already ran or was cancelled. */
  cancel(): void {
    this._cancelled = true;
    this._fn = noop;
    this._args = NO_ARGS;
  }

  /**
   * @internal Runs the callback outside any task; an error it throws goes to
   * the loop's exception handler, as asyncio's `Handle._run` does, and the
   * loop goes on.
   */
  run(): void {
    // A cancelled handle still queued calls `noop`: no check needed here.
    try {
      runCallback(this._loop, invoke, this);
    } catch (error) {
      this._loop.report({ message: `Exception in callback ${this.describe()}`, error, handle: this });
    }
  }

  /** The callback as asyncio shows it: `name(arg, ...)`. */
  private describe(): string {
    const name = this._fn.name === "" ? "<anonymous>" : this._fn.name;
    const args = this._args.map(showArg);
    return `${name}(${args.join(", ")})`;
  }

  /** @internal */
  protected info(): string[] {
    return this._cancelled ? ["cancelled"] : [this.describe()];
  }

  /** As asyncio's repr: `<Handle tick(1)>`, `<Handle cancelled>`. */
  toString(): string {
    return `<${this.constructor.name} ${this.info().join(" ")}>`;
  }
}

/**
 * A callback scheduled with `loop.callLater()` or `loop.callAt()`: asyncio's
 * `TimerHandle`. `when()` is its due time in loop time (ms); `cancel()`
 * unschedules it (its timer is removed at once: nothing keeps the process
 * alive).
 *
 * @example
 * ```ts
 * import { getRunningLoop, run, sleep } from "aio-ts";
 * await run(async () => {
 *   const loop = getRunningLoop();
 *   const handle = loop.callLater(500, (who: string) => console.log(`hello, ${who}`), "world");
 *   console.log(handle.when() - loop.time()); // 500
 *   await sleep(600); // prints "hello, world" at 500 ms
 * });
 * ```
 */
export class TimerHandle extends Handle implements Timer {
  /** @internal heap fields */
  due: number;
  /** @internal */ seq = 0;
  // Stryker disable next-line UnaryOperator: equivalent, a TimerHandle is pushed on the clock's heap (which sets index) as soon as it is made, before anything reads it
  /** @internal */ index = -1;

  /** @internal Use `loop.callLater()` or `loop.callAt()`. */
  constructor(loop: Loop, when: number, fn: Callback, args: unknown[]) {
    super(loop, fn, args);
    this.due = when;
  }

  /** The loop time (ms) at which the callback is due. */
  when(): number {
    return this.due;
  }

  /** Unschedules the callback; harmless if it already ran or was cancelled. */
  override cancel(): void {
    super.cancel();
    this._loop.removeTimer(this);
  }

  /** @internal Due: queue it behind the callbacks already ready. */
  fire(): void {
    this._loop._enqueue(this);
  }

  /** @internal */
  protected override info(): string[] {
    // asyncio's order: `<TimerHandle when=5 tick()>`, `<TimerHandle cancelled when=5>`.
    const info = super.info();
    info.splice(this._cancelled ? 1 : 0, 0, `when=${this.due}`);
    return info;
  }
}
