import { Clock } from "./clock.ts";

/** Options of a `VirtualClock`. */
export interface VirtualClockOptions {
  /** Loop time at which the clock starts, in ms. Default 0. */
  start?: number;
  /**
   * Real milliseconds the loop must stay idle before time jumps. The default,
   * 0, jumps as soon as every task waits, which is right when nothing waits on
   * real I/O. Set it (to 5-50 ms, say) when tasks also wait on sockets, files
   * or child processes, so their replies can arrive before a timeout "passes".
   */
  realIdle?: number;
}

/**
 * A clock whose time jumps to the next deadline as soon as every task is
 * waiting, so a test of a 10-second timeout runs in microseconds and gives the
 * same result every run.
 *
 * "Every task is waiting" means: the loop's ready queue and the microtask
 * queue are empty (checked from a `setImmediate`). Work driven by real I/O is
 * invisible to it: use the `realIdle` option when the code under test waits
 * on the network or the disk.
 *
 * @example
 * ```ts
 * import { run, sleep, now } from "aio-ts";
 * import { VirtualClock } from "aio-ts/testing";
 * await run(async () => { await sleep(3_600_000); console.log(now()); }, { clock: new VirtualClock() });
 * // prints 3600000 at once
 * ```
 */
export class VirtualClock extends Clock {
  private time: number;
  private readonly realIdle: number;
  private pending: NodeJS.Immediate | NodeJS.Timeout | undefined;

  constructor(options: VirtualClockOptions = {}) {
    super();
    const { start = 0, realIdle = 0 } = options;
    if (typeof start !== "number" || !Number.isFinite(start)) {
      throw new TypeError(`Expected \`start\` to be a finite number, got \`${String(start)}\` (${typeof start})`);
    }
    if (typeof realIdle !== "number" || !(realIdle >= 0)) {
      throw new TypeError(
        `Expected \`realIdle\` to be a non-negative number, got \`${String(realIdle)}\` (${typeof realIdle})`,
      );
    }
    this.time = start;
    this.realIdle = realIdle;
  }

  now(): number {
    return this.time;
  }

  /**
   * Moves time forward by `ms` at once and fires every timer that falls due,
   * in order: for stepping through time by hand inside `run()`, without
   * waiting for every task to be idle.
   */
  advance(ms: number): void {
    if (typeof ms !== "number" || !(ms >= 0)) {
      throw new TypeError(`Expected \`ms\` to be a non-negative number, got \`${String(ms)}\` (${typeof ms})`);
    }
    const target = this.time + ms;
    for (let top = this.heap.peek(); top !== undefined && top.due <= target; top = this.heap.peek()) {
      this.time = Math.max(this.time, top.due);
      this.fireDue(this.time);
    }
    this.time = target;
  }

  override idle(): void {
    // With a real-idle window, every burst of activity restarts the window.
    if (this.realIdle > 0) this.cancelCheck();
    this.arm();
  }

  override detach(): void {
    super.detach();
    this.cancelCheck();
  }

  protected arm(): void {
    if (this.pending !== undefined || this.heap.size === 0) return;
    this.pending = this.realIdle > 0 ? setTimeout(this.check, this.realIdle) : setImmediate(this.check);
  }

  private cancelCheck(): void {
    if (this.pending === undefined) return;
    clearTimeout(this.pending as NodeJS.Timeout);
    clearImmediate(this.pending as NodeJS.Immediate);
    this.pending = undefined;
  }

  private readonly check = (): void => {
    this.pending = undefined;
    // The loop runs its queue in microtasks, which always drain before a
    // setImmediate; a busy loop here means a macrotask (I/O) just fed it.
    if (this.busy()) return; // the loop calls idle() when it is done
    const top = this.heap.peek();
    // Only sleeps of Infinity are left: nothing will ever be due (a deadlock, as with a real clock).
    if (top === undefined || top.due === Number.POSITIVE_INFINITY) return;
    // Stryker disable next-line EqualityOperator: equivalent for `>=`, when top.due equals the time the assignment writes the same value (the `<` variant, ignored with it, never moves time on: killed by every virtual sleep)
    if (top.due > this.time) this.time = top.due;
    this.fireDue(this.time);
    this.arm();
  };
}
