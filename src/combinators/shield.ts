import { type Awaitable, ensureFuture, Future, type Runnable, type WaitInfo } from "../core/index.ts";

/** The future `shield` returns: the one the caller awaits, which a cancel reaches instead of the inner work. */
class ShieldFuture<T> extends Future<T> {
  readonly inner: Future<unknown>;

  constructor(inner: Future<unknown>) {
    super(inner._loop);
    this.inner = inner;
  }

  /** @internal For `captureCallGraph`. */
  override _describeWait(): WaitInfo {
    return { kind: "shield", label: `shield(${this.inner._describeWait().label})` };
  }
}

class InnerDone implements Runnable {
  readonly inner: Future<unknown>;
  readonly outer: Future<unknown>;

  constructor(inner: Future<unknown>, outer: Future<unknown>) {
    this.inner = inner;
    this.outer = outer;
  }

  /** @internal For `captureCallGraph`: the shielded work is awaited by whoever awaits the shield. */
  _awaiter(): Future<unknown> {
    return this.outer;
  }

  run(): void {
    const { inner, outer } = this;
    if (outer.cancelled()) {
      // Nobody will read it now, but it was seen: not "never retrieved".
      if (!inner.cancelled()) inner.exception();
      return;
    }
    if (inner.cancelled()) outer.cancel();
    else {
      const error = inner.exception();
      if (error !== undefined) outer.setException(error);
      else outer.setResult(inner.result());
    }
  }
}

class OuterDone implements Runnable {
  readonly inner: Future<unknown>;
  readonly innerDone: InnerDone;

  constructor(inner: Future<unknown>, innerDone: InnerDone) {
    this.inner = inner;
    this.innerDone = innerDone;
  }

  run(): void {
    // Stryker disable next-line ConditionalExpression: equivalent, a done inner's callbacks have run, so removing innerDone from it removes nothing
    if (!this.inner.done()) this.inner._removeCallback(this.innerDone);
  }
}

/**
 * Protects `aw` from cancellation: cancelling the task that awaits the
 * shield (or the shield itself) leaves the inner work running.
 *
 * As asyncio's `shield`: the awaiting task still gets `CancelledError` at
 * once; the inner task goes on, and can be awaited again later. A function is
 * started as a task. If the inner work is cancelled from elsewhere, the
 * shield is cancelled too.
 *
 * **Cancel safety:** cancellation stops at the shield; the inner work is unaffected.
 *
 * @example
 * ```ts
 * import { createTask, shield } from "aio-ts";
 * declare function writeToDisk(): Promise<void>;
 * // Called in a task: a cancel waits for the write to complete, then stops the caller.
 * async function save(): Promise<void> {
 *   const write = createTask(writeToDisk);
 *   try {
 *     await shield(write);
 *   } catch (e) {
 *     await write;
 *     throw e;
 *   }
 * }
 * ```
 */
export function shield<T>(aw: Awaitable<T>): Future<T> {
  const inner = ensureFuture(aw);
  if (inner.done()) return inner;
  const outer = new ShieldFuture<T>(inner);
  const innerDone = new InnerDone(inner, outer as Future<unknown>);
  inner._addCallback(innerDone);
  outer._addCallback(new OuterDone(inner, innerDone));
  return outer;
}
