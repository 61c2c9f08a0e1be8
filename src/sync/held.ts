/** What `[Symbol.asyncDispose]` returns: one settled promise for all. */
const DONE: Promise<void> = Promise.resolve();

/**
 * What `hold()` returns: proof of holding a lock, a semaphore permit or a
 * capacity token, released when disposed. Works with `using` and `await
 * using`, and releases at most once.
 *
 * @example
 * ```ts
 * import { Lock } from "aio-ts";
 * const lock = new Lock();
 * {
 *   await using _ = await lock.hold();
 *   // ... the lock is held here, released on leaving the block (also on throw or cancel)
 * }
 * ```
 */
export class Held implements Disposable, AsyncDisposable {
  private releaser: (() => void) | { release(): void } | undefined;

  /** @internal `release`: a function, or an object whose `release()` gives back what is held (no closure to make). */
  constructor(release: (() => void) | { release(): void }) {
    this.releaser = release;
  }

  /** Whether it has been released. */
  get released(): boolean {
    return this.releaser === undefined;
  }

  /** Releases what is held; later calls do nothing. */
  release(): void {
    const release = this.releaser;
    this.releaser = undefined;
    if (typeof release === "function") release();
    else release?.release();
  }

  /** Releases what is held, at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** Releases what is held, at the end of an `await using` block (at once: nothing to wait for). */
  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return DONE;
  }
}
