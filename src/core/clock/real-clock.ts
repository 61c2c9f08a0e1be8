import { performance } from "node:perf_hooks";
import { Clock } from "./clock.ts";

// Node clamps longer delays to 1 ms (with a warning); longer waits re-arm.
const MAX_NODE_DELAY = 2_147_483_647;

/**
 * The wall clock: loop time is `performance.now()`, and one Node timer (not
 * one per sleep) wakes the loop for the earliest deadline.
 *
 * Node measures its timers against a millisecond loop time cached at the start
 * of each loop turn, so a Node timer can fire up to a millisecond before our
 * deadline; the clock then waits out the remainder with `setImmediate` rather
 * than firing early or sleeping a whole extra millisecond.
 */
export class RealClock extends Clock {
  private nodeTimer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** The check that unrefs the Node timer once the heap stayed empty for a turn of Node's event loop. */
  private releasing: NodeJS.Immediate | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  /** Whether the Node timer keeps the process alive (it does while timers are pending). */
  // Stryker disable next-line BooleanLiteral: equivalent, `referenced` is read only while a Node timer exists (lines `this.referenced && this.nodeTimer` and the re-arm branch), and every path that creates one sets it to true first
  private referenced = false;

  now(): number {
    return performance.now();
  }

  protected arm(): void {
    const top = this.heap.peek();
    if (top === undefined) {
      // Nothing to wait for: let the process exit, but keep the Node timer.
      // Code that uses one timer at a time (a timeout per request) would
      // otherwise pay a setTimeout/clearTimeout pair per operation.
      // Stryker disable next-line ConditionalExpression: equivalent for `true`, clearImmediate(undefined) is a no-op (the `false` variant, ignored with it, is killed by "waits out a timer due within a millisecond with setImmediate...")
      if (this.immediate !== undefined) clearImmediate(this.immediate);
      this.immediate = undefined;
      // Unref it after this turn of Node's event loop, not now: such code
      // empties the heap once per operation, and an unref + ref pair (two
      // calls into C++) cost ~160 ns a sequential waitFor (bench 5b, CPU).
      if (this.referenced && this.nodeTimer !== undefined && this.releasing === undefined) {
        this.releasing = setImmediate(this.release);
      }
      return;
    }
    // Stryker disable next-line ConditionalExpression: equivalent for `false`, a fast path: going on, disarm() drops the imminent immediate and arms for the same top timer, which then fires at the same time (the `true` variant, which never arms, is killed by any real-clock sleep)
    if (this.immediate !== undefined) return; // a wake-up is imminent and re-arms
    // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: equivalent for `false`, `{}` and `<`, a fast path: the slow path below disarms and arms a referenced Node timer for the same top timer, which fires at the same time (`true` and `===`, ignored with them, are killed by "a timer that is never due still holds one Node timer..." and the run() tests)
    if (this.nodeTimer !== undefined && this.armedFor <= top.due) {
      // Armed early enough; a wake-up before the deadline just re-arms.
      // Stryker disable next-line ConditionalExpression: equivalent for `true`, ref() on a referenced Node timer is a no-op (the `false` variant, ignored with it, is killed by "one Node timer keeps the process alive while a timer is pending, and one turn...")
      if (!this.referenced) this.nodeTimer.ref();
      this.referenced = true;
      return;
    }
    this.disarm();
    const delay = top.due - performance.now();
    if (delay < 1) {
      this.immediate = setImmediate(this.wake);
      return;
    }
    this.armedFor = top.due;
    this.referenced = true;
    this.nodeTimer = setTimeout(this.wake, Math.min(Math.floor(delay), MAX_NODE_DELAY));
  }

  /** @internal Drops the timers and the Node timer too: a detached clock holds nothing. */
  override detach(): void {
    super.detach();
    this.disarm();
    if (this.releasing !== undefined) clearImmediate(this.releasing);
    this.releasing = undefined;
    // Stryker disable next-line BooleanLiteral: equivalent, disarm() dropped the Node timer, and `referenced` is not read again before a new Node timer sets it to true
    this.referenced = false;
  }

  private readonly release = (): void => {
    this.releasing = undefined;
    if (this.heap.size > 0 || this.nodeTimer === undefined) return;
    this.nodeTimer.unref();
    this.referenced = false;
  };

  private disarm(): void {
    // Stryker disable next-line ConditionalExpression: equivalent for `true`, clearTimeout(undefined) is a no-op (the `false` variant, ignored with it, is killed by "one Node timer keeps the process alive while a timer is pending, and one turn...")
    if (this.nodeTimer !== undefined) clearTimeout(this.nodeTimer);
    // Stryker disable next-line ConditionalExpression,EqualityOperator,CallExpression: equivalent, no immediate is ever pending here: arm() calls disarm() only past its `this.immediate !== undefined` return, and detach() after super.detach() has run arm() on an empty heap, which clears it
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.nodeTimer = undefined;
    this.immediate = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  private readonly wake = (): void => {
    this.nodeTimer = undefined;
    this.immediate = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    this.fireDue(performance.now());
    this.arm();
  };

  /**
   * @internal Calls `onBlocked(ms)` when the event loop was stuck for longer
   * than `thresholdMs`; used by debug mode. Returns a function that stops it.
   */
  watchBlocking(thresholdMs: number, onBlocked: (ms: number) => void): () => void {
    const period = Math.max(10, Math.floor(thresholdMs / 4));
    let last = performance.now();
    const interval = setInterval(() => {
      const t = performance.now();
      const lag = t - last - period;
      last = t;
      if (lag > thresholdMs) onBlocked(lag);
    }, period);
    interval.unref();
    return () => clearInterval(interval);
  }
}
