import { now } from "../core/index.ts";
import { sleepOrAbort } from "./sleep-or-abort.ts";

/**
 * Per-origin "not before" times, set by a `Retry-After` header: once a host
 * said "come back in 5 s", every request of the session to it waits until
 * then before its next attempt or its first send, not only the one that got
 * the 429. Times are loop time, so a `VirtualClock` drives them.
 */
export class HostGate {
  private readonly notBefore = new Map<string, number>();

  /** Closes `origin` until loop time `until` (an earlier time never shortens a later one). */
  close(origin: string, until: number): void {
    const current = this.notBefore.get(origin);
    if (current === undefined || until > current) this.notBefore.set(origin, until);
  }

  /** How long `origin` stays closed from now, in ms (0 if open). */
  delay(origin: string): number {
    if (this.notBefore.size === 0) return 0;
    const until = this.notBefore.get(origin);
    if (until === undefined) return 0;
    const left = until - now();
    if (left <= 0) this.notBefore.delete(origin);
    return Math.max(0, left);
  }

  /**
   * Waits until `origin` is open, giving up when `signal` aborts.
   *
   * **Cancel safety:** cancelling the wait changes nothing.
   */
  async wait(origin: string, signal: AbortSignal): Promise<void> {
    // Loop: another 429 may push the time further while we wait.
    for (let left = this.delay(origin); left > 0; left = this.delay(origin)) {
      await sleepOrAbort(left, signal);
    }
  }

  /** The origins closed now, with the ms left for each. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const origin of [...this.notBefore.keys()]) {
      const left = this.delay(origin);
      if (left > 0) out[origin] = left;
    }
    return out;
  }
}
