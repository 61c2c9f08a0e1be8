import {
  type Awaitable,
  type AwaitedOf,
  argumentError,
  ensureFuture,
  Future,
  isAwaitable,
  loopOf,
  makeCancelledError,
  type Runnable,
  type WaitInfo,
} from "../core/index.ts";

/** Options of `gather`. */
export interface GatherOptions {
  /**
   * Collect errors (and `CancelledError`s of cancelled children) as values in
   * the results instead of failing on the first one. Default false.
   */
  returnExceptions?: boolean;
}

type Results<A extends readonly unknown[]> = { -readonly [K in keyof A]: AwaitedOf<A[K]> };
type Settled<A extends readonly unknown[]> = { -readonly [K in keyof A]: AwaitedOf<A[K]> | Error };

/**
 * The future `gather` returns: cancelling it cancels every child that is
 * still running, and it then fails with `CancelledError`.
 */
class GatheringFuture<T> extends Future<T> {
  readonly children: readonly Future<unknown>[];
  cancelRequested = false;

  constructor(children: readonly Future<unknown>[]) {
    super(loopOf());
    this.children = children;
  }

  override cancel(message?: unknown): boolean {
    if (this.done()) return false;
    let any = false;
    for (const child of this.children) if (child.cancel(message)) any = true;
    // Only if a child took the cancel will the gather end in CancelledError.
    if (any) this.cancelRequested = true;
    return any;
  }

  /** @internal For `captureCallGraph`. */
  override _describeWait(): WaitInfo {
    const n = this.children.length;
    let done = 0;
    for (const child of this.children) if (child.done()) done++;
    return { kind: "gather", label: `gather of ${n} (${done} done)` };
  }
}

/** The done-callback of one distinct child. */
class ChildDone implements Runnable {
  readonly state: GatherState;
  readonly child: Future<unknown>;

  constructor(state: GatherState, child: Future<unknown>) {
    this.state = state;
    this.child = child;
  }

  run(): void {
    this.state.onChildDone(this.child);
  }

  /** @internal For `captureCallGraph`: a child of a gather is awaited by whoever awaits the gather. */
  _awaiter(): Future<unknown> {
    return this.state.outer;
  }
}

class GatherState {
  readonly outer: GatheringFuture<unknown[]>;
  readonly returnExceptions: boolean;
  finished = 0;

  constructor(outer: GatheringFuture<unknown[]>, returnExceptions: boolean) {
    this.outer = outer;
    this.returnExceptions = returnExceptions;
  }

  onChildDone(child: Future<unknown>): void {
    this.finished++;
    const outer = this.outer;
    if (outer.done()) {
      // Too late to matter, but the error is seen: never reported as unretrieved.
      if (!child.cancelled()) child.exception();
      return;
    }
    if (!this.returnExceptions) {
      if (child.cancelled()) {
        outer.setException(child._error());
        return;
      }
      const error = child.exception();
      if (error !== undefined) {
        outer.setException(error);
        return;
      }
    }
    if (this.finished < outer.children.length) return;
    const results = outer.children.map((f) => {
      // Stryker disable next-line ConditionalExpression: equivalent, for a child not cancelled, _error() returns its stored error or result and marks it retrieved, as exception()/result() do
      if (f.cancelled()) return f._error();
      const error = f.exception();
      return error !== undefined ? error : f.result();
    });
    // As asyncio: the last child's cancellation (with its message) ends the gather.
    if (outer.cancelRequested) outer.setException(child.cancelled() ? child._error() : makeCancelledError());
    else outer.setResult(results);
  }
}

/**
 * Runs awaitables concurrently and resolves with their results, in order.
 *
 * As asyncio's `gather`: functions start as child tasks; the first error (or
 * child cancellation) rejects the gather at once while the other children
 * keep running; `returnExceptions: true` collects errors as values instead.
 * Cancelling the gather (or the task awaiting it) cancels every child.
 *
 * Two forms: `gather(a, b, c)` resolves to a typed tuple; `gather([a, b, c],
 * { returnExceptions })` takes an array (or tuple) and options.
 *
 * **Cancel safety:** if the awaiting task is cancelled, every unfinished child
 * is cancelled too and the gather throws `CancelledError`; children that
 * already finished keep their results.
 *
 * @throws TypeError synchronously if an argument is not awaitable.
 *
 * @example
 * ```ts
 * import { gather, run, sleep } from "aio-ts";
 * await run(async () => {
 *   const [tea, toast] = await gather(
 *     async () => { await sleep(3000); return "chai"; },
 *     async () => { await sleep(2000); return "toast"; },
 *   );
 *   console.log(tea, toast); // after 3 s, not 5
 * });
 * ```
 */
export function gather<const A extends readonly Awaitable<unknown>[]>(
  aws: A,
  options: GatherOptions & { returnExceptions: true },
): Future<Settled<A>>;
export function gather<const A extends readonly Awaitable<unknown>[]>(
  aws: A,
  options?: GatherOptions,
): Future<Results<A>>;
export function gather<const A extends readonly Awaitable<unknown>[]>(...aws: A): Future<Results<A>>;
export function gather(...args: unknown[]): Future<unknown[]> {
  let list: readonly unknown[];
  let returnExceptions = false;
  let prefix = "aws";
  if (Array.isArray(args[0])) {
    if (args.length > 2) throw argumentError("options", "an options object", args[2]);
    list = args[0];
    const options = args[1];
    if (options !== undefined) {
      if (options === null || typeof options !== "object") throw argumentError("options", "an options object", options);
      returnExceptions = Boolean((options as GatherOptions).returnExceptions);
    }
  } else {
    list = args;
    // Stryker disable next-line StringLiteral: equivalent, prefix is only compared with "aws": any other value words the message as `argument N`
    prefix = "argument";
  }
  // Check everything before starting anything: a bad argument starts no task.
  for (let i = 0; i < list.length; i++) {
    const aw = list[i];
    if (!(aw instanceof Future) && !isAwaitable(aw)) {
      const name = prefix === "aws" ? `aws[${i}]` : `argument ${i + 1}`;
      throw argumentError(name, "an awaitable (a promise, task, future or function)", aw);
    }
  }
  // Tasks and futures are used as they are; other awaitables (functions,
  // promises) become futures, once per distinct object as in asyncio.
  let converted: Map<unknown, Future<unknown>> | undefined;
  // Stryker disable next-line ArrayDeclaration: equivalent, the loop below sets every index from 0 to list.length - 1, so the array ends the same length, with no hole
  const children: Future<unknown>[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const aw = list[i];
    // Stryker disable next-line BlockStatement,ConditionalExpression: equivalent, ensureFuture returns a Future unchanged, so the converted map gives the same child (a future passed twice maps to itself both times)
    if (aw instanceof Future) {
      children[i] = aw;
      continue;
    }
    converted ??= new Map();
    let child = converted.get(aw);
    if (child === undefined) {
      child = ensureFuture(aw as Awaitable<unknown>);
      converted.set(aw, child);
    }
    children[i] = child;
  }
  const outer = new GatheringFuture<unknown[]>(children);
  if (children.length === 0) {
    outer.setResult([]);
    return outer;
  }
  // One callback per position: a future passed twice counts twice, which
  // gives the same results as asyncio's de-duplication.
  const state = new GatherState(outer, returnExceptions);
  for (let i = 0; i < children.length; i++)
    (children[i] as Future<unknown>)._addCallback(new ChildDone(state, children[i] as Future<unknown>));
  return outer;
}
