import type { WaitInfo } from "../core/index.ts";
import { park, signalOf, WaiterList, type WaitOptions } from "./waiter.ts";

const TRUE = Promise.resolve(true as const);

/**
 * A flag tasks can wait for: asyncio's `Event`. `set()` wakes every waiter;
 * waits after that return at once, until `clear()`.
 *
 * @example
 * ```ts
 * import { Event, taskGroup } from "aio-ts";
 * const ready = new Event();
 * await taskGroup(async (tg) => {
 *   tg.createTask(async () => { await ready.wait(); console.log("go"); });
 *   ready.set();
 * });
 * ```
 */
export class Event {
  private value = false;
  private readonly waiters = new WaiterList<true>()._ownedBy(this);

  /** Whether the flag is set. */
  isSet(): boolean {
    return this.value;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    // Stryker disable next-line ConditionalExpression: equivalent, a set event has no waiters (set() wakes them all, wait() never parks while set), so a second set() changes nothing
    if (this.value) return;
    this.value = true;
    for (let w = this.waiters.shift(); w !== undefined; w = this.waiters.shift()) w.setResult(true);
  }

  /** Clears the flag: later waits block until the next `set()`. */
  clear(): void {
    this.value = false;
  }

  /**
   * Waits until the flag is set; returns at once if it is. Resolves to `true`.
   *
   * **Cancel safety:** a cancelled wait changes nothing.
   */
  wait(options?: WaitOptions): Promise<true> {
    const signal = signalOf(options);
    if (this.value) return TRUE;
    return park(this.waiters.push(), signal);
  }

  /** @internal For `captureCallGraph`. */
  _describeWaiters(): WaitInfo {
    return { kind: "event", label: "Event.wait" };
  }

  /** A snapshot of the event's state. */
  statistics(): {
    /** Whether the flag is set. */
    set: boolean;
    /** Tasks waiting for the flag. */
    waiters: number;
  } {
    return { set: this.value, waiters: this.waiters.size };
  }

  /** As asyncio's repr: `<Event [unset, waiters:2]>`. */
  toString(): string {
    return `<Event [${this.value ? "set" : "unset"}${this.waiters.size > 0 ? `, waiters:${this.waiters.size}` : ""}]>`;
  }
}
