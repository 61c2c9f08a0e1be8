import {
  type Awaitable,
  argumentError,
  ensureFuture,
  Future,
  loopOf,
  type Runnable,
  type TimerHandle,
  type WaitInfo,
} from "../core/index.ts";
import { awaitableList, inTask } from "./detached.ts";

/** When `wait` returns. */
export type ReturnWhen = "FIRST_COMPLETED" | "FIRST_EXCEPTION" | "ALL_COMPLETED";

/**
 * `wait` returns as soon as any awaitable finishes or is cancelled: asyncio's
 * constant, for those who spell it that way (the string works as well).
 *
 * @example
 * ```ts
 * import { FIRST_COMPLETED, run, wait } from "aio-ts";
 * declare function primary(): Promise<string>;
 * declare function replica(): Promise<string>;
 * await run(async () => {
 *   const { done, pending } = await wait([primary, replica], { returnWhen: FIRST_COMPLETED });
 *   for (const t of pending) t.cancel();
 *   for (const t of done) console.log(await t);
 * });
 * ```
 */
export const FIRST_COMPLETED = "FIRST_COMPLETED";
/**
 * `wait` returns as soon as any awaitable fails (or when all are done, if
 * none fails): asyncio's constant; the string works as well.
 *
 * @example
 * ```ts
 * import { FIRST_EXCEPTION, wait } from "aio-ts";
 * declare function check(host: string): Promise<void>;
 * const { done, pending } = await wait(
 *   ["a.example", "b.example"].map((host) => () => check(host)),
 *   { returnWhen: FIRST_EXCEPTION },
 * );
 * for (const t of done) if (!t.cancelled() && t.exception() !== undefined) console.error(t.exception());
 * for (const t of pending) t.cancel();
 * ```
 */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
/**
 * `wait` returns when every awaitable is done (the default): asyncio's
 * constant; the string works as well.
 *
 * @example
 * ```ts
 * import { ALL_COMPLETED, wait } from "aio-ts";
 * declare function step(n: number): Promise<number>;
 * const { done } = await wait([1, 2, 3].map((n) => () => step(n)), { returnWhen: ALL_COMPLETED });
 * console.log(done.size); // 3
 * ```
 */
export const ALL_COMPLETED = "ALL_COMPLETED";

/** Options of `wait`. */
export interface WaitOptions {
  /** Give up after this many ms and return what is done so far (no error, nothing cancelled). */
  timeout?: number | null | undefined;
  /** Default `ALL_COMPLETED`. */
  returnWhen?: ReturnWhen | undefined;
}

/** What `wait` resolves to: the very tasks and futures, split by state. */
export interface WaitResult<T> {
  /** Those that finished (with a result or an error) or were cancelled. */
  done: Set<Future<T>>;
  /** Those still running; `wait` cancelled none of them. */
  pending: Set<Future<T>>;
}

class Watch implements Runnable {
  readonly owner: Waiting;
  readonly future: Future<unknown>;

  constructor(owner: Waiting, future: Future<unknown>) {
    this.owner = owner;
    this.future = future;
  }

  run(): void {
    this.owner.onDone(this.future);
  }

  /** @internal For `captureCallGraph`: a watched future is awaited by whoever awaits the `wait`. */
  _awaiter(): Future<unknown> {
    return this.owner.waiter;
  }
}

/** What the caller of `wait` awaits. */
class WaitFuture extends Future<void> {
  readonly owner: Waiting;

  constructor(owner: Waiting) {
    super();
    this.owner = owner;
  }

  /** @internal For `captureCallGraph`. */
  override _describeWait(): WaitInfo {
    return { kind: "future", label: `wait(${this.owner.returnWhen}, ${this.owner.counter} pending)` };
  }
}

class Waiting {
  readonly waiter: Future<void> = new WaitFuture(this);
  counter: number;
  readonly returnWhen: ReturnWhen;
  timer: TimerHandle | undefined;

  constructor(count: number, returnWhen: ReturnWhen) {
    this.counter = count;
    this.returnWhen = returnWhen;
  }

  onDone(future: Future<unknown>): void {
    this.counter--;
    if (
      this.counter <= 0 ||
      this.returnWhen === FIRST_COMPLETED ||
      (this.returnWhen === FIRST_EXCEPTION && !future.cancelled() && future.exception() !== undefined)
    ) {
      this.release();
    }
  }

  release(): void {
    this.timer?.cancel();
    if (!this.waiter.done()) this.waiter.setResult(undefined);
  }
}

/**
 * Waits until some or all of `aws` are done, as asyncio's `wait`, and
 * returns `{ done, pending }`: sets of the very tasks and futures passed in
 * (functions become tasks; promises become futures that follow them).
 *
 * Nothing is cancelled, not even on timeout: what is pending stays running.
 *
 * **Cancel safety:** cancelling the caller leaves the awaited tasks running
 * (as in asyncio); cancel them yourself if they should stop.
 *
 * @throws TypeError if `aws` is empty, holds a non-awaitable, or an option is bad.
 *
 * @example
 * ```ts
 * import { createTask, run, wait } from "aio-ts";
 * declare function a(): Promise<string>;
 * declare function b(): Promise<string>;
 * await run(async () => {
 *   const { done, pending } = await wait([createTask(a), createTask(b)], { returnWhen: "FIRST_COMPLETED" });
 *   for (const t of done) console.log(await t);
 *   for (const t of pending) t.cancel();
 * });
 * ```
 */
export function wait<T>(aws: Iterable<Awaitable<T>>, options: WaitOptions = {}): Promise<WaitResult<T>> {
  const list = awaitableList(aws);
  if (list.length === 0) throw argumentError("aws", "a non-empty iterable of awaitables", aws);
  const { timeout = null, returnWhen = ALL_COMPLETED } = options;
  if (timeout !== null && (typeof timeout !== "number" || Number.isNaN(timeout))) {
    throw argumentError("timeout", "a number of milliseconds or null", timeout);
  }
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw argumentError("returnWhen", '"FIRST_COMPLETED", "FIRST_EXCEPTION" or "ALL_COMPLETED"', returnWhen);
  }
  return inTask(async () => {
    const futures = new Set(list.map((aw) => ensureFuture(aw)));
    const waiting = new Waiting(futures.size, returnWhen);
    if (timeout !== null) waiting.timer = loopOf().callLater(timeout, () => waiting.release());
    const watches = [...futures].map((f) => {
      const w = new Watch(waiting, f as Future<unknown>);
      f._addCallback(w);
      return w;
    });
    try {
      await waiting.waiter;
    } finally {
      waiting.timer?.cancel();
      // Stryker disable next-line CallExpression: equivalent, a leftover Watch calls onDone, whose release() finds the waiter done and the timer cancelled
      for (const w of watches) w.future._removeCallback(w);
    }
    const done = new Set<Future<T>>();
    const pending = new Set<Future<T>>();
    for (const f of futures) (f.done() ? done : pending).add(f);
    return { done, pending };
  });
}
