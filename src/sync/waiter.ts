import { Future, type Loop, loopOf, type WaitInfo } from "../core/index.ts";

/** @internal A primitive that says what the waiters of its lists wait for (`captureCallGraph`). */
export interface WaiterListOwner {
  _describeWaiters(list: WaiterList<never>): WaitInfo;
}

/**
 * A future that a task parks on while it waits for a primitive (a lock, a
 * queue...), kept in a `WaiterList`. Cancelling it (which is what cancelling
 * the waiting task does) or aborting it through a signal unlinks it at once,
 * so a list only ever holds live waiters and every operation is O(1): there
 * is no scan past dead entries, which is what makes some semaphores
 * quadratic under contention.
 *
 * @example
 * ```ts
 * import { WaiterList } from "aio-ts";
 * const waiters = new WaiterList<string>();
 * const waiter = waiters.push(); // a Waiter: a Future that leaves its list when cancelled
 * waiter.cancel();
 * console.log(waiters.size, waiter.woken()); // 0 false
 * ```
 */
export class Waiter<T> extends Future<T> {
  /** @internal */ list: WaiterList<T> | undefined = undefined;
  /** @internal */ prev: Waiter<T> | undefined = undefined;
  /** @internal */ next: Waiter<T> | undefined = undefined;

  override cancel(message?: unknown): boolean {
    if (!super.cancel(message)) return false;
    this.list?.remove(this);
    return true;
  }

  /** Fails the wait with `reason` (an aborted signal's), leaving its list. */
  abort(reason: unknown): void {
    if (this.done()) return;
    this.list?.remove(this);
    this.setException(reason);
  }

  /**
   * @internal For `captureCallGraph`: the list's owner describes the wait. A
   * waiter already woken has left its list: its task resumes next.
   */
  override _describeWait(): WaitInfo {
    const owner = this.list?._owner;
    if (owner !== undefined) return owner._describeWaiters(this.list as WaiterList<never>);
    return this.done() ? { kind: "other", label: "woken, about to resume" } : super._describeWait();
  }

  /** Whether it was woken with a value (not cancelled, not aborted). */
  woken(): boolean {
    return this.done() && !this.cancelled() && this.exception() === undefined;
  }
}

/**
 * A FIFO of waiters with O(1) push, shift and removal from anywhere: the
 * wait queue that aio's locks, semaphores and queues are built on, for
 * writing a primitive of your own.
 *
 * @example
 * ```ts
 * import { WaiterList, run } from "aio-ts";
 * await run(async () => {
 *   const waiters = new WaiterList<string>();
 *   const first = waiters.push();
 *   const second = waiters.push();
 *   second.cancel(); // unlinked at once
 *   console.log(waiters.size); // 1
 *   waiters.wakeFirst("go");
 *   console.log(await first); // "go"
 * });
 * ```
 */
export class WaiterList<T> {
  private head: Waiter<T> | undefined = undefined;
  private tail: Waiter<T> | undefined = undefined;
  /** How many waiters the list holds (cancelled and aborted ones leave it at once). */
  size = 0;
  /**
   * The primitive that describes this list's waits; set once, when the primitive is made. A private field:
   * the list and its owner refer to each other, and a plain property would make `JSON.stringify` of a
   * primitive throw on the circle.
   */
  #owner: WaiterListOwner | undefined = undefined;

  /** @internal Names the primitive that owns the list (for `captureCallGraph`); returns the list. */
  _ownedBy(owner: WaiterListOwner): this {
    this.#owner = owner;
    return this;
  }

  /** @internal */
  get _owner(): WaiterListOwner | undefined {
    return this.#owner;
  }

  /** Adds a new waiter at the back and returns it. */
  push(loop: Loop = loopOf()): Waiter<T> {
    const w = new Waiter<T>(loop);
    w.list = this;
    w.prev = this.tail;
    if (this.tail !== undefined) this.tail.next = w;
    else this.head = w;
    this.tail = w;
    this.size++;
    return w;
  }

  /** Removes and returns the waiter at the front. */
  shift(): Waiter<T> | undefined {
    const w = this.head;
    if (w !== undefined) this.remove(w);
    return w;
  }

  /** The waiter at the front, left in the list. */
  peek(): Waiter<T> | undefined {
    return this.head;
  }

  /** Unlinks `w` in O(1); a waiter that is not in this list is ignored. */
  remove(w: Waiter<T>): void {
    if (w.list !== this) return;
    if (w.prev !== undefined) w.prev.next = w.next;
    else this.head = w.next;
    if (w.next !== undefined) w.next.prev = w.prev;
    else this.tail = w.prev;
    w.list = w.prev = w.next = undefined;
    this.size--;
  }

  /** Wakes the first waiter with `value`; `false` if there is none. */
  wakeFirst(value: T): boolean {
    const w = this.shift();
    if (w === undefined) return false;
    w.setResult(value);
    return true;
  }

  /** The waiters, front to back. */
  *[Symbol.iterator](): IterableIterator<Waiter<T>> {
    for (let w = this.head; w !== undefined; w = w.next) yield w;
  }
}

/** Options of every wait on a primitive (lock, semaphore, queue...). */
export interface SignalOptions {
  /** Abandons the wait when this signal aborts: the wait throws the signal's reason. */
  signal?: AbortSignal | undefined;
}

/**
 * Awaits a waiter, abandoning it if `signal` aborts. The caller's cleanup
 * (unlinking, passing a wakeup on) runs in its own `catch`, for a cancel and
 * an abort alike. Without a signal it is the waiter itself: no extra async
 * frame on the hot path of every handoff.
 *
 * **Cancel safety:** a cancel of the awaiting task (or an abort of `signal`)
 * fails the wait and unlinks the waiter. A waiter woken just before
 * (`w.woken()` is true) had its wakeup: pass it on in the `catch`, as `Lock`
 * does, or it is lost.
 *
 * @example
 * ```ts
 * import { WaiterList, park } from "aio-ts";
 * // A latch: wait() blocks until open(), and never again after it.
 * class Latch {
 *   private isOpen = false;
 *   private readonly waiters = new WaiterList<void>();
 *   async wait(options: { signal?: AbortSignal } = {}): Promise<void> {
 *     if (this.isOpen) return;
 *     await park(this.waiters.push(), options.signal); // a cancelled waiter leaves the list by itself
 *   }
 *   open(): void {
 *     this.isOpen = true;
 *     while (this.waiters.wakeFirst(undefined)) {}
 *   }
 * }
 * ```
 */
export function park<T>(w: Waiter<T>, signal: AbortSignal | undefined): Promise<T> {
  return signal === undefined ? w : parkWithSignal(w, signal);
}

async function parkWithSignal<T>(w: Waiter<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    w.abort(signal.reason);
    return await w;
  }
  const onAbort = (): void => w.abort(signal.reason);
  // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, a signal aborts (and dispatches "abort") at most once, and the finally below removes the listener either way
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await w;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** @internal The same, under the name the primitives' signatures use. */
export type WaitOptions = SignalOptions;

/** Checks a wait's options: `signal`, if given, must be an AbortSignal. */
export function signalOf(options: SignalOptions | undefined): AbortSignal | undefined {
  const signal = options?.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`Expected \`signal\` to be an AbortSignal, got \`${String(signal)}\` (${typeof signal})`);
  }
  return signal;
}
