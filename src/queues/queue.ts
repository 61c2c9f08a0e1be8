import { argumentError, InvalidStateError, type WaitInfo } from "../core/index.ts";
import { park, type SignalOptions, signalOf, WaiterList } from "../sync/waiter.ts";
import { QueueEmpty, QueueFull, QueueShutDown } from "./errors.ts";

/** Shared by every `put()` that did not wait, and every `join()` on a finished queue: no allocation. */
const RESOLVED: Promise<void> = Promise.resolve();
const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true as const });

/** A ring buffer that emptied with more slots than this goes back to a small one. */
const SHRINK_ABOVE = 4096;
const INITIAL_CAPACITY = 16;

/** Options of `new Queue(maxsize, options)`. */
export interface QueueOptions {
  /** A name for what shows a waiting task (`captureCallGraph`, `aio ps`): `Queue.get (queue "jobs", 0 items)`. */
  name?: string | undefined;
}

/** What `statistics()` returns: a snapshot of a queue's state. */
export interface QueueStatistics {
  /** Items in the queue (`qsize()`). */
  size: number;
  /** The bound given to the constructor; 0 or less means unbounded. */
  maxsize: number;
  /** Tasks waiting in `get()` (or in a `for await` over the queue). */
  getters: number;
  /** Tasks waiting in `put()` for a free slot. */
  putters: number;
  /** Items put and not yet marked done with `taskDone()`: what `join()` waits for. */
  unfinishedTasks: number;
  /** Whether `shutdown()` was called. */
  shutdown: boolean;
}

/** Validates a queue's `maxsize`: an integer, or absent (unbounded). */
function checkMaxsize(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isInteger(value)) throw argumentError("maxsize", "an integer", value);
  return value;
}

/**
 * A first-in first-out queue for tasks: asyncio's `Queue`, for producers and
 * consumers.
 *
 * `maxsize` bounds it: `put()` waits while it holds that many items (absent,
 * 0 or negative: unbounded, `put()` never waits). `get()` waits while it is
 * empty. The `...Nowait` forms never wait: they throw `QueueFull` or
 * `QueueEmpty` instead. `join()` waits until every item put has been marked
 * done with `taskDone()`. `shutdown()` ends it: puts fail with
 * `QueueShutDown`, gets drain what is left and then fail too;
 * `for await (const item of queue)` consumes items until then and ends
 * normally.
 *
 * Semantics are asyncio 3.13's, waiter for waiter: `putNowait` wakes the first
 * waiting getter and `getNowait` the first waiting putter; a woken waiter
 * re-checks the queue when it runs (so, as in asyncio, a `get()` made while
 * the woken getter has not run yet may take the item first, and the woken
 * one waits again). A waiter that is woken and then cancelled before it runs
 * passes the wakeup on to the next one, so an item never sits in the queue
 * beside a waiting getter (nor a free slot beside a waiting putter). Every
 * operation is O(1); cancelled waiters leave their list at once.
 *
 * Items are delivered as they are, but `await` unwraps a thenable: `await
 * queue.get()` on a queue of tasks or promises waits for the one it got. To
 * pass such items through, wrap them (`{ task }`) or consume the queue with
 * `for await`, whose loop variable is the very item.
 *
 * @typeParam T the items' type.
 * @throws TypeError if `maxsize` is not an integer.
 *
 * @example
 * ```ts
 * import { Queue, createTask, run } from "aio-ts";
 * await run(async () => {
 *   const queue = new Queue<string>(100);
 *   const consumer = createTask(async () => {
 *     for await (const url of queue) {
 *       console.log("fetching", url);
 *       queue.taskDone();
 *     }
 *   });
 *   for (const url of ["/get", "/ip", "/uuid"]) await queue.put(url);
 *   await queue.join(); // every item processed
 *   queue.shutdown(); // the consumer's loop ends
 *   await consumer;
 * });
 * ```
 */
export class Queue<T> implements AsyncIterable<T> {
  private readonly max: number;
  /** Items held. Kept here rather than by the storage hooks, so `empty()`/`full()` are field reads. */
  private count = 0;
  private unfinished = 0;
  private isShutdown = false;
  private readonly getters = new WaiterList<void>()._ownedBy(this);
  private readonly putters = new WaiterList<void>()._ownedBy(this);
  private readonly joiners = new WaiterList<void>()._ownedBy(this);
  /** The name given to the constructor, shown where a task waits on the queue. */
  readonly name: string | undefined;
  /** Queue's own storage: a power-of-two ring buffer (no `shift()`, no per-item allocation). */
  private ring: (T | undefined)[] = [];
  private head = 0;

  /**
   * @param maxsize the most items the queue holds; absent, 0 or negative: no limit.
   * @param options.name a name shown where a task waits on the queue (`captureCallGraph`, `aio ps`).
   * @throws TypeError if `maxsize` is not an integer, or `name` not a string.
   */
  constructor(maxsize?: number, options?: QueueOptions) {
    this.max = checkMaxsize(maxsize);
    const name = options?.name;
    if (name !== undefined && typeof name !== "string") throw argumentError("name", "a string", name);
    this.name = name;
  }

  // ── State ──

  /** The bound given to the constructor; 0 or less means unbounded. */
  get maxsize(): number {
    return this.max;
  }

  /** The number of items in the queue. */
  qsize(): number {
    return this.count;
  }

  /** Whether the queue holds no item. */
  empty(): boolean {
    return this.count === 0;
  }

  /** Whether the queue holds `maxsize` items; never true for an unbounded queue. */
  full(): boolean {
    return this.max > 0 && this.count >= this.max;
  }

  /** @internal For `captureCallGraph`: what a getter, a putter or a joiner waits for. */
  _describeWaiters(list: WaiterList<never>): WaitInfo {
    const queue = this.name === undefined ? "" : `queue ${JSON.stringify(this.name)}, `;
    const method = `${this.constructor.name}.${list === this.getters ? "get" : list === this.putters ? "put" : "join"}`;
    let state: string;
    // A getter waits only while the queue is empty (a put wakes one at once, and a woken waiter describes itself
    // as such), so this reads "0 items".
    if (list === this.getters) state = `${this.count} items`;
    else if (list === this.putters) state = `full: ${this.count} of ${this.max}`;
    else state = `${this.unfinished} unfinished`;
    return { kind: "queue", label: `${method} (${queue}${state})` };
  }

  /** A snapshot of the queue's state, as a plain object. */
  statistics(): QueueStatistics {
    return {
      size: this.count,
      maxsize: this.max,
      getters: this.getters.size,
      putters: this.putters.size,
      unfinishedTasks: this.unfinished,
      shutdown: this.isShutdown,
    };
  }

  /** A one-line summary, as asyncio's repr: `<Queue maxsize=10 size=3 getters[1] tasks=3>`. */
  toString(): string {
    let text = `<${this.constructor.name} maxsize=${this.max} size=${this.count}`;
    if (this.getters.size > 0) text += ` getters[${this.getters.size}]`;
    if (this.putters.size > 0) text += ` putters[${this.putters.size}]`;
    if (this.unfinished > 0) text += ` tasks=${this.unfinished}`;
    if (this.isShutdown) text += " shutdown";
    return `${text}>`;
  }

  // ── Putting ──

  /**
   * Puts an item in the queue without waiting.
   *
   * Wakes the first task waiting in `get()`, and counts the item as
   * unfinished for `join()`.
   *
   * @throws QueueShutDown if the queue was shut down.
   * @throws QueueFull if the queue holds `maxsize` items.
   *
   * @example
   * ```ts
   * import { Queue, QueueFull } from "aio-ts";
   * const queue = new Queue<number>(10);
   * try { queue.putNowait(42); } catch (e) { if (!(e instanceof QueueFull)) throw e; }
   * ```
   */
  putNowait(item: T): void {
    if (this.isShutdown) throw new QueueShutDown();
    if (this.max > 0 && this.count >= this.max) throw new QueueFull(`Queue is full (maxsize ${this.max})`);
    this._put(item);
    this.count++;
    this.unfinished++;
    if (this.getters.size > 0) this.getters.wakeFirst(undefined);
  }

  /**
   * Puts an item in the queue, waiting for a free slot while it is full.
   *
   * Returns at once (without suspending) when there is room. The wait is
   * FIFO among putters, as far as asyncio's is: a woken putter re-checks for
   * room when it runs.
   *
   * **Cancel safety:** if the wait is cancelled (or `signal` aborts), the item
   * was not put; a wakeup the putter had already received goes to the next
   * putter, so no free slot is left unused.
   *
   * @param options.signal abandons the wait when it aborts: `put` then throws the signal's reason.
   * @throws QueueShutDown (as a rejection) if the queue is or gets shut down before the item is in.
   * @throws TypeError if `signal` is not an AbortSignal.
   *
   * @example
   * ```ts
   * import { Queue } from "aio-ts";
   * const queue = new Queue<string>(2);
   * await queue.put("a"); // waits only while 2 items are queued
   * ```
   */
  put(item: T, options?: SignalOptions): Promise<void> {
    const signal = signalOf(options);
    if (!this.isShutdown && (this.max <= 0 || this.count < this.max)) {
      try {
        this.putNowait(item);
      } catch (error) {
        // Only a PriorityQueue's comparator can throw here; it fails the call as any error of an async method.
        return Promise.reject(error);
      }
      return RESOLVED;
    }
    return this.waitPut(item, signal);
  }

  private async waitPut(item: T, signal: AbortSignal | undefined): Promise<void> {
    while (this.max > 0 && this.count >= this.max) {
      if (this.isShutdown) throw new QueueShutDown();
      const w = this.putters.push();
      try {
        if (signal === undefined) await w;
        else {
          await park(w, signal);
          // Woken, then aborted before it ran: treated as an abort, as a cancel would be.
          if (signal.aborted) throw signal.reason;
        }
      } catch (error) {
        // A cancelled or aborted waiter already left the list. One that had
        // been woken hands its wakeup to the next putter, or a free slot
        // would sit beside a waiting putter.
        if (w.woken() && (this.max <= 0 || this.count < this.max)) this.putters.wakeFirst(undefined);
        throw error;
      }
    }
    this.putNowait(item);
  }

  // ── Getting ──

  /**
   * Takes the first item out of the queue without waiting.
   *
   * Wakes the first task waiting in `put()` for a free slot.
   *
   * @throws QueueEmpty if the queue holds no item.
   * @throws QueueShutDown if the queue holds no item and was shut down.
   *
   * @example
   * ```ts
   * import { Queue } from "aio-ts";
   * const queue = new Queue<number>();
   * queue.putNowait(1);
   * console.log(queue.getNowait()); // 1
   * ```
   */
  getNowait(): T {
    if (this.count === 0) {
      if (this.isShutdown) throw new QueueShutDown();
      throw new QueueEmpty();
    }
    const item = this._get();
    this.count--;
    if (this.putters.size > 0) this.putters.wakeFirst(undefined);
    return item;
  }

  /**
   * Takes the first item out of the queue, waiting for one while it is
   * empty.
   *
   * Returns at once (without suspending, and without allocating a waiter)
   * when an item is there. After `shutdown()` it keeps returning the items
   * left, then throws `QueueShutDown`. `await` unwraps an item that is
   * itself a thenable (see the class notes).
   *
   * **Cancel safety:** if the wait is cancelled (or `signal` aborts), no item
   * was taken: it stays in the queue. A wakeup the getter had already
   * received (an item was put for it) goes to the next getter.
   *
   * @param options.signal abandons the wait when it aborts: `get` then throws the signal's reason.
   * @throws QueueShutDown (as a rejection) if the queue is shut down and empty.
   * @throws TypeError if `signal` is not an AbortSignal.
   *
   * @example
   * ```ts
   * import { Queue } from "aio-ts";
   * const queue = new Queue<string>();
   * const stop = new AbortController(); // aborted by a stop button, a shutdown hook...
   * async function nextJob(): Promise<string | undefined> {
   *   try {
   *     return await queue.get({ signal: stop.signal });
   *   } catch (e) {
   *     if (e === stop.signal.reason) return undefined; // stopped: no item was taken
   *     throw e;
   *   }
   * }
   * ```
   */
  get(options?: SignalOptions): Promise<T> {
    const signal = signalOf(options);
    if (this.count > 0) {
      try {
        return Promise.resolve(this.getNowait());
      } catch (error) {
        // Only a PriorityQueue's comparator can throw here.
        return Promise.reject(error);
      }
    }
    return this.waitGet(signal, false) as Promise<T>;
  }

  /**
   * The waiting half of `get()`, also behind `for await`: `iterating` makes it
   * resolve to an iterator result, which (unlike a bare item) `await` does
   * not unwrap, and end with `done` instead of throwing at shutdown. The item
   * is taken in the same synchronous step as the last emptiness check, so
   * nothing can take it in between.
   */
  private async waitGet(
    signal: AbortSignal | undefined,
    iterating: boolean,
  ): Promise<T | IteratorResult<T, undefined>> {
    while (this.count === 0) {
      if (this.isShutdown) {
        if (iterating) return DONE;
        throw new QueueShutDown();
      }
      const w = this.getters.push();
      try {
        if (signal === undefined) await w;
        else {
          await park(w, signal);
          // Woken, then aborted before it ran: treated as an abort, as a cancel would be.
          if (signal.aborted) throw signal.reason;
        }
      } catch (error) {
        // A cancelled or aborted waiter already left the list. One that had
        // been woken hands its wakeup to the next getter, or the item it was
        // woken for would sit beside a waiting getter.
        if (w.woken() && this.count > 0) this.getters.wakeFirst(undefined);
        throw error;
      }
    }
    const item = this.getNowait();
    return iterating ? { value: item, done: false } : item;
  }

  /**
   * Iterates over the queue, taking items as `get()` does, until the queue is
   * shut down and drained; then the loop ends normally.
   *
   * The loop variable is the very item, even a thenable one. Each step takes
   * one item only when the loop asks for it, so leaving the loop (`break`,
   * `return`, a throw) loses nothing: the items not reached stay queued.
   *
   * **Cancel safety:** as `get()`'s: a cancelled step took no item.
   *
   * @example
   * ```ts
   * import { Queue, taskGroup } from "aio-ts";
   * const queue = new Queue<string>();
   * await taskGroup(async (tg) => {
   *   tg.createTask(async () => {
   *     for await (const line of queue) console.log(line); // "a", then "b"
   *     // the loop ended: shutdown() was called and every item was taken
   *   });
   *   await queue.put("a");
   *   await queue.put("b");
   *   queue.shutdown();
   * });
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T, undefined, undefined> {
    let finished = false;
    const iterator: AsyncIterableIterator<T, undefined, undefined> = {
      next: () => {
        if (finished) return Promise.resolve(DONE);
        if (this.count > 0) {
          try {
            return Promise.resolve({ value: this.getNowait(), done: false });
          } catch (error) {
            return Promise.reject(error);
          }
        }
        return this.waitGet(undefined, true) as Promise<IteratorResult<T, undefined>>;
      },
      return: () => {
        finished = true;
        return Promise.resolve(DONE);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  // ── Joining and shutting down ──

  /**
   * Marks one item taken from the queue as processed.
   *
   * Every item put counts as unfinished until a `taskDone()` call; when none
   * is left, `join()` returns. Consumers call it once per item they got,
   * after processing it.
   *
   * @throws InvalidStateError (code `ERR_AIO_TASK_DONE_TOO_OFTEN`) if called more times than items were put.
   *
   * @example
   * ```ts
   * import { type Queue } from "aio-ts";
   * declare function handle(job: string): Promise<void>;
   * async function worker(queue: Queue<string>): Promise<never> {
   *   for (;;) {
   *     const job = await queue.get();
   *     try {
   *       await handle(job);
   *     } finally {
   *       queue.taskDone(); // even if handle() failed, or join() would wait forever
   *     }
   *   }
   * }
   * ```
   */
  taskDone(): void {
    if (this.unfinished <= 0) {
      throw new InvalidStateError("taskDone() called more times than there were items put in the queue", {
        code: "ERR_AIO_TASK_DONE_TOO_OFTEN",
      });
    }
    if (--this.unfinished === 0) this.wakeJoiners();
  }

  /**
   * Waits until every item put in the queue has been marked done with
   * `taskDone()`; returns at once if none is unfinished.
   *
   * **Cancel safety:** a cancelled (or aborted) wait changes nothing.
   *
   * @param options.signal abandons the wait when it aborts: `join` then throws the signal's reason.
   * @throws TypeError if `signal` is not an AbortSignal.
   *
   * @example
   * ```ts
   * import { Queue, createTask, run } from "aio-ts";
   * declare function crawl(url: string): Promise<void>;
   * declare const urls: string[];
   * await run(async () => {
   *   const queue = new Queue<string>();
   *   for (const url of urls) queue.putNowait(url);
   *   const workers = [1, 2, 3, 4].map(() =>
   *     createTask(async () => {
   *       for (;;) {
   *         const url = await queue.get();
   *         try { await crawl(url); } finally { queue.taskDone(); }
   *       }
   *     }),
   *   );
   *   await queue.join(); // the workers called taskDone() for each url
   *   for (const w of workers) w.cancel();
   * });
   * ```
   */
  join(options?: SignalOptions): Promise<void> {
    const signal = signalOf(options);
    if (this.unfinished === 0) return RESOLVED;
    return park(this.joiners.push(), signal);
  }

  /**
   * Shuts the queue down: asyncio 3.13's `shutdown`.
   *
   * Afterwards `put()` and `putNowait()` throw `QueueShutDown`; `get()` and
   * `getNowait()` return the items left, then throw `QueueShutDown`, and
   * `for await` loops end. With `immediate`, the items left are discarded
   * (each counted as done for `join()`, which may return), so gets throw at
   * once. Every task waiting in `get()` or `put()` is woken to re-check and
   * throw. Calling it again is allowed (for instance to make a shutdown
   * immediate).
   *
   * @param immediate discard the items left instead of letting gets drain them.
   * @throws TypeError if `immediate` is not a boolean.
   *
   * @example
   * ```ts
   * import { Queue } from "aio-ts";
   * const queue = new Queue<string>();
   * queue.putNowait("last");
   * queue.shutdown();
   * console.log(await queue.get()); // "last"
   * await queue.get(); // throws QueueShutDown
   * ```
   */
  shutdown(immediate = false): void {
    if (typeof immediate !== "boolean") throw argumentError("immediate", "a boolean", immediate);
    this.isShutdown = true;
    if (immediate) {
      const discarded = this.count;
      if (discarded > 0) {
        this._clear();
        this.count = 0;
        this.unfinished = Math.max(0, this.unfinished - discarded);
      }
      if (this.unfinished === 0) this.wakeJoiners();
    }
    // Every waiter re-checks: getters drain what is left or throw, putters throw.
    for (let w = this.getters.shift(); w !== undefined; w = this.getters.shift()) w.setResult(undefined);
    for (let w = this.putters.shift(); w !== undefined; w = this.putters.shift()) w.setResult(undefined);
  }

  private wakeJoiners(): void {
    for (let w = this.joiners.shift(); w !== undefined; w = this.joiners.shift()) w.setResult(undefined);
  }

  // ── Storage: the hooks a subclass overrides for another order (asyncio's `_put`/`_get`) ──

  /**
   * Stores an item. Called once per item put, with the queue's bookkeeping
   * not yet updated; if it throws, the put fails and the queue is unchanged.
   */
  protected _put(item: T): void {
    const count = this.count;
    if (count === this.ring.length) this.grow();
    const ring = this.ring;
    ring[(this.head + count) & (ring.length - 1)] = item;
  }

  /**
   * Removes and returns the next item. Called only when the queue holds one;
   * if it throws, the get fails and the queue is unchanged.
   */
  protected _get(): T {
    const ring = this.ring;
    const head = this.head;
    const item = ring[head] as T;
    ring[head] = undefined;
    if (this.count === 1 && ring.length > SHRINK_ABOVE) {
      // Emptied after a burst: give the big buffer back. It was filled by
      // more than SHRINK_ABOVE / 2 puts, so reallocating stays amortised O(1).
      // Stryker disable next-line ArrayDeclaration: equivalent, a one-slot ring is a valid power-of-two ring, and with count 0 its slot is written by the next put before any get reads it
      this.ring = [];
      this.head = 0;
    } else this.head = (head + 1) & (ring.length - 1);
    return item;
  }

  /** Drops every item (`shutdown(true)`). */
  protected _clear(): void {
    this.ring = [];
    this.head = 0;
  }

  private grow(): void {
    const old = this.ring;
    const size = old.length;
    const next = new Array<T | undefined>(size === 0 ? INITIAL_CAPACITY : size * 2).fill(undefined);
    for (let i = 0; i < size; i++) next[i] = old[(this.head + i) & (size - 1)];
    this.ring = next;
    this.head = 0;
  }
}
