import { InvalidStateError, isCancelledError } from "../core/index.ts";
import { checkMapArgs, type MapArgs, type MapOptions, type Mapper, openInput } from "./map-options.ts";
import { MapRun } from "./map-run.ts";

const DONE: IteratorReturnResult<undefined> = Object.freeze({
  done: true,
  value: undefined,
}) as IteratorReturnResult<undefined>;

/** One iteration of a `mapUnordered`: its own run over a fresh iterator of the input. */
class UnorderedIterator<T, R> implements AsyncIterableIterator<R, undefined> {
  private readonly items: Iterable<T> | AsyncIterable<T>;
  private readonly args: Omit<MapArgs<T>, "iterator" | "isAsync">;
  private run: MapRun<T> | undefined = undefined;
  private finished = false;
  private busy = false;

  constructor(items: Iterable<T> | AsyncIterable<T>, args: Omit<MapArgs<T>, "iterator" | "isAsync">) {
    this.items = items;
    this.args = args;
  }

  async next(): Promise<IteratorResult<R, undefined>> {
    if (this.finished) return DONE;
    if (this.busy) {
      throw new InvalidStateError("mapUnordered: next() called before the previous next() settled", {
        code: "ERR_AIO_CONCURRENT_NEXT",
      });
    }
    this.busy = true;
    try {
      // Started by the first next(): the workers are children of the consumer's task.
      let run = this.run;
      if (run === undefined) {
        run = this.run = new MapRun<T>({ ...this.args, ...openInput(this.items) }, false);
        run.start();
      }
      for (;;) {
        if (run.buffered > 0) return { done: false, value: run.take() as R };
        if (run.live === 0) {
          this.finished = true;
          await run.close();
          if (run.failed) throw run.error;
          return DONE;
        }
        try {
          await run.waitForChange();
        } catch (error) {
          // Stryker disable next-line ConditionalExpression: equivalent, waitForChange() awaits a future that only notify() settles, with a value: the one way it fails is a cancel of the waiting task
          if (!isCancelledError(error)) throw error;
          // The consumer was cancelled while waiting: stop everything, wait
          // for the calls' cleanup, close the input, then let the cancel out
          // (`for await` calls no return() when next() throws).
          this.finished = true;
          run.stop();
          await run.join();
          await run.close();
          throw error;
        }
      }
    } finally {
      this.busy = false;
    }
  }

  async return(): Promise<IteratorResult<R, undefined>> {
    if (this.finished) return DONE;
    this.finished = true;
    const run = this.run;
    if (run === undefined) return DONE;
    run.stop();
    // A next() still waiting (called without awaiting it) ends on its own once the workers are gone.
    if (this.busy) return DONE;
    const cancelled = await run.join();
    await run.close();
    if (cancelled !== undefined) throw cancelled;
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Calls `fn` on every item of `items`, at most `concurrency` at once, and
 * yields the results as the calls complete (not in input order): `map` for
 * inputs whose results would not fit in an array.
 *
 * The same engine and rules as `map`: a lazy input (pulled only when a call
 * can start), calls in worker tasks that cancel, `limiter` and `signal`,
 * first failure cancels the rest, `returnExceptions` yields errors as
 * values. Nothing starts before the first `next()`; each `for await` over
 * the returned iterable is its own run over a fresh iterator of `items`.
 * With a finite `concurrency`, at most `concurrency` items are in flight or
 * waiting to be consumed: a slow consumer slows the calls down instead of
 * piling results up. Results that completed before a failure are yielded
 * before the error is thrown; the error comes once every call has finished.
 * Results include `index` only if `fn` returns it.
 *
 * **Cancel safety:** leaving the `for await` early (`break`, `return`,
 * `throw`) cancels the running calls, waits for their cleanup and closes the
 * input. If the consuming task is cancelled while it waits for a result, the
 * same happens before `CancelledError` comes out of the loop. Results
 * already computed and not yet consumed are dropped.
 *
 * @throws TypeError synchronously, naming the argument, on bad input (as `map`).
 * @throws (from the iteration) the first error of a call or of the input,
 *   the signal's reason, `CancelledError`, or `InvalidStateError` if `next()`
 *   is called again before the previous call settled.
 *
 * @example
 * ```ts
 * import { mapUnordered, run } from "aio-ts";
 * import { createReadStream } from "node:fs";
 * import { createInterface } from "node:readline";
 * declare function check(url: string): Promise<number>;
 * await run(async () => {
 *   const lines = createInterface({ input: createReadStream("urls.txt") });
 *   for await (const status of mapUnordered(lines, (url) => check(url), { concurrency: 50 })) {
 *     console.log(status);
 *   }
 * });
 * ```
 */
export function mapUnordered<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: Mapper<T, R>,
  options: MapOptions & { returnExceptions: true },
): AsyncIterable<Awaited<R> | Error>;
export function mapUnordered<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: Mapper<T, R>,
  options?: MapOptions,
): AsyncIterable<Awaited<R>>;
export function mapUnordered<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: Mapper<T, R>,
  options?: MapOptions,
): AsyncIterable<unknown> {
  const args = checkMapArgs<T>(items, fn, options);
  return {
    [Symbol.asyncIterator]: () => new UnorderedIterator<T, unknown>(items, args),
  };
}
