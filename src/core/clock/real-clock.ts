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
  private armedFor = Number.POSITIVE_INFINITY;
  /** Whether the Node timer keeps the process alive (it does while timers are pending). */
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
      if (this.immediate !== undefined) clearImmediate(this.immediate);
      this.immediate = undefined;
      if (this.referenced && this.nodeTimer !== undefined) this.nodeTimer.unref();
      this.referenced = false;
      return;
    }
    if (this.immediate !== undefined) return; // a wake-up is imminent and re-arms
    if (this.nodeTimer !== undefined && this.armedFor <= top.due) {
      // Armed early enough; a wake-up before the deadline just re-arms.
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
    this.referenced = false;
  }

  private disarm(): void {
    if (this.nodeTimer !== undefined) clearTimeout(this.nodeTimer);
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
