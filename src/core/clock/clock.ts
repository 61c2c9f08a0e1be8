import { performance } from "node:perf_hooks";
import { type Timer, TimerHeap } from "./timer-heap.ts";

/**
 * Loop time and timers. A clock owns a heap of timers and decides when "now"
 * moves on: `RealClock` follows the monotonic wall clock, `VirtualClock`
 * (from `aio-ts/testing`) jumps straight to the next deadline once the loop has
 * nothing else to do.
 *
 * A clock serves one running loop at a time; `run()` attaches it.
 *
 * @example
 * ```ts
 * import { type Clock, run, sleep } from "aio-ts";
 * import { VirtualClock } from "aio-ts/testing";
 * const clock: Clock = new VirtualClock();
 * await run(() => sleep(60_000), { clock }); // returns at once: nothing else to wait for
 * console.log(clock.now()); // 60000
 * ```
 */
export abstract class Clock {
  /** @internal */
  protected readonly heap = new TimerHeap();
  /** @internal Set by the loop: whether it still has callbacks ready to run. */
  protected busy: () => boolean = () => false;

  /** The clock's current time, in milliseconds. Monotonic. */
  abstract now(): number;

  /** @internal Wall-clock milliseconds, whatever the clock: for measuring the loop itself (debug mode). */
  realNow(): number {
    return performance.now();
  }

  /** @internal Schedules `timer.fire()` for `timer.due`. */
  add(timer: Timer): void {
    this.heap.push(timer);
    if (this.heap.peek() === timer) this.arm();
  }

  /** @internal Unschedules a timer; one not scheduled is ignored. */
  remove(timer: Timer): void {
    const wasTop = this.heap.peek() === timer;
    this.heap.remove(timer);
    if (wasTop) this.arm();
  }

  /** @internal The timers scheduled, in no particular order (`captureCallGraph` finds the timeouts among them). */
  _timers(): readonly Timer[] {
    return this.heap.toArray();
  }

  /** Number of timers scheduled and not yet fired. */
  get pendingTimers(): number {
    return this.heap.size;
  }

  /** @internal Called by a loop when it starts using this clock. */
  attach(busy: () => boolean): void {
    this.busy = busy;
  }

  /** @internal Called by the loop when its ready queue has run dry. */
  idle(): void {}

  /**
   * @internal Called by the loop when it is finished with this clock (`run()`
   * ended): drops every timer still scheduled (a sleep that lost a race, a
   * `callLater` handle), as asyncio's loop does when it closes, so that none
   * keeps the process alive or fires into a closed loop. Their promises stay
   * pending forever; nothing of that loop runs any more to await them.
   */
  detach(): void {
    this.busy = () => false;
    this.heap.clear();
    this.arm();
  }

  /**
   * Fires, in deadline order, every timer due at `time`. Timers added by a
   * callback and already due fire in the same pass: they are due.
   */
  protected fireDue(time: number): void {
    const heap = this.heap;
    for (let top = heap.peek(); top !== undefined && top.due <= time; top = heap.peek()) {
      heap.pop();
      top.fire();
    }
  }

  /** Makes sure the clock wakes for the earliest timer (or stops waking when there is none). */
  protected abstract arm(): void;
}
