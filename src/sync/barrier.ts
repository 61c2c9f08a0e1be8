import { argumentError, type WaitInfo } from "../core/index.ts";
import { Condition } from "./condition.ts";
import { BrokenBarrierError } from "./errors.ts";
import { Lock } from "./lock.ts";
import { type SignalOptions, signalOf } from "./waiter.ts";

const FILLING = "filling";
const DRAINING = "draining";
const RESETTING = "resetting";
const BROKEN = "broken";
type State = typeof FILLING | typeof DRAINING | typeof RESETTING | typeof BROKEN;

/**
 * A meeting point for a fixed number of tasks: asyncio's `Barrier`. Each
 * `wait()` blocks until `parties` tasks are waiting, then all go on at once,
 * and the barrier can be used again.
 *
 * @example
 * ```ts
 * import { Barrier, taskGroup } from "aio-ts";
 * declare function prepare(i: number): Promise<void>;
 * declare function go(i: number): Promise<void>;
 * const barrier = new Barrier(3);
 * await taskGroup(async (tg) => {
 *   for (let i = 0; i < 3; i++) tg.createTask(async () => { await prepare(i); await barrier.wait(); await go(i); });
 * });
 * ```
 */
export class Barrier {
  private readonly lock = new Lock();
  private readonly cond = new Condition(this.lock);
  private readonly size: number;
  private state: State = FILLING;
  private count = 0;

  /** @throws TypeError if `parties` is not a positive integer. */
  constructor(parties: number) {
    if (!Number.isInteger(parties) || parties < 1) throw argumentError("parties", "a positive integer", parties);
    this.size = parties;
    this.cond._describedBy(this);
  }

  /** @internal For `captureCallGraph`: the tasks parked in the barrier's condition. */
  _describeWaiters(): WaitInfo {
    const state = this.state === FILLING ? `${this.count} of ${this.size} arrived` : this.state;
    return { kind: "barrier", label: `Barrier.wait (${state})` };
  }

  /** The number of tasks needed to pass the barrier. */
  get parties(): number {
    return this.size;
  }

  /** The number of tasks waiting while the barrier fills. */
  get nWaiting(): number {
    return this.state === FILLING ? this.count : 0;
  }

  /** Whether the barrier is broken (aborted). */
  get broken(): boolean {
    return this.state === BROKEN;
  }

  /**
   * Waits until `parties` tasks are waiting, then returns this task's
   * arrival index (0 to parties-1).
   *
   * **Cancel safety:** a cancelled (or aborted) wait leaves the barrier
   * counting one task fewer (as in asyncio); the others keep waiting.
   *
   * @throws BrokenBarrierError if the barrier is aborted, or reset while waiting.
   */
  async wait(options?: SignalOptions): Promise<number> {
    const signal = signalOf(options);
    // Stryker disable next-line ConditionalExpression: equivalent, `{ signal: undefined }` is read as no signal by every wait it is passed to (signalOf)
    const opts = signal === undefined ? undefined : { signal };
    // Await only where asyncio suspends: taking a free lock, or checking a
    // state that already holds, goes on at once, so a task counts as
    // waiting from the step in which it called wait().
    if (!this.lock._tryAcquire()) await this.lock.acquire(opts);
    try {
      // Block while the barrier drains or resets.
      while (this.state === DRAINING || this.state === RESETTING) await this.cond.wait(opts);
      if (this.state === BROKEN) throw new BrokenBarrierError("Barrier aborted");
      const index = this.count++;
      try {
        if (index + 1 === this.size) {
          // The last party: release the others; the barrier drains.
          this.state = DRAINING;
          this.cond.notifyAll();
        } else {
          while (this.state === FILLING) await this.cond.wait(opts);
          if (this.state === BROKEN || this.state === RESETTING) {
            throw new BrokenBarrierError("Abort or reset of barrier");
          }
        }
        return index;
      } finally {
        this.count--;
        this.exit();
      }
    } finally {
      this.lock.release();
    }
  }

  /**
   * Returns the barrier to its empty state; tasks waiting on it get
   * `BrokenBarrierError`.
   *
   * **Cancel safety:** if cancelled while it waits for the barrier's lock,
   * nothing changed.
   */
  async reset(): Promise<void> {
    if (!this.lock._tryAcquire()) await this.lock.acquire();
    try {
      if (this.count > 0) this.state = RESETTING;
      else this.state = FILLING;
      this.cond.notifyAll();
    } finally {
      this.lock.release();
    }
  }

  /**
   * Breaks the barrier: every current and future `wait()` throws
   * `BrokenBarrierError` (until `reset()`).
   *
   * **Cancel safety:** if cancelled while it waits for the barrier's lock,
   * nothing changed.
   */
  async abort(): Promise<void> {
    if (!this.lock._tryAcquire()) await this.lock.acquire();
    try {
      this.state = BROKEN;
      this.cond.notifyAll();
    } finally {
      this.lock.release();
    }
  }

  private exit(): void {
    if (this.count === 0) {
      if (this.state === RESETTING || this.state === DRAINING) this.state = FILLING;
      this.cond.notifyAll();
    }
  }

  /** A snapshot of the barrier's state. */
  statistics(): {
    /** The number of tasks needed to pass the barrier. */
    parties: number;
    /** The number of tasks waiting while the barrier fills. */
    nWaiting: number;
    /** Whether the barrier is broken (aborted). */
    broken: boolean;
    /** `"filling"`, `"draining"` (letting a full round through), `"resetting"` or `"broken"`. */
    state: string;
  } {
    return { parties: this.size, nWaiting: this.nWaiting, broken: this.broken, state: this.state };
  }

  /** As asyncio's repr: `<Barrier [filling, waiters:1/3]>`. */
  toString(): string {
    return `<Barrier [${this.state}, waiters:${this.nWaiting}/${this.size}]>`;
  }
}
