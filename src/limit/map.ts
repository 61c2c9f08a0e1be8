import { checkMapArgs, type MapOptions, type Mapper, openInput } from "./map-options.ts";
import { MapRun } from "./map-run.ts";

/**
 * Calls `fn` on every item of `items`, at most `concurrency` at once, and
 * resolves with the results in input order: the structural replacement for
 * p-map and p-limit, whose running calls can be cancelled.
 *
 * `items` may be any iterable or async iterable, and is consumed lazily: an
 * item is pulled only when a call can start, so a 10-million-line input
 * never sits in memory (the results array does, by nature: use
 * `mapUnordered` when it would not fit). An async input gets one `next()` at
 * a time, as `for await` would call it. Items are passed as they are (a
 * promise item is not awaited first).
 *
 * The calls run in up to `concurrency` worker tasks, children of the caller,
 * each running its calls one after another; inside `fn`, `currentTask()` is
 * that worker, and its `signal` aborts when the call is cancelled. Then:
 * - On the first failure, every running call is cancelled, no item is pulled
 *   any more, the input is closed (`return()`), and once every call has
 *   finished (their `finally` blocks have run) `map` throws that first error
 *   itself, not an `ExceptionGroup`, as p-map users expect. Errors raised by
 *   other calls while they are being cancelled are dropped, as `gather` does.
 * - With `returnExceptions: true`, a failed call's error takes its place in
 *   the results and the rest go on. An error of the input itself (its
 *   `next()` threw) still ends the run and is thrown.
 * - A call that ends in `CancelledError` of its own (not through `map`)
 *   counts as a failure with that error, as a cancelled child does in
 *   `gather`.
 * - `limiter` adds a bound shared with others: each call also holds a token,
 *   taken before its item is pulled.
 *
 * **Cancel safety:** cancelling the task that awaits `map` (or aborting
 * `signal`) cancels every running call, stops pulling, closes the input, and
 * waits for the calls' cleanup before it throws; nothing is left running.
 * When the caller is cancelled, `map` throws `CancelledError` even if a call
 * failed meanwhile; when the signal aborts, it throws the signal's reason.
 *
 * @param items an iterable or async iterable.
 * @param fn called as `fn(item, index)`; may return a promise.
 * @param options `concurrency` (a positive integer or `Infinity`, the
 *   default, as p-map's), `returnExceptions`, `limiter`, `signal`.
 * @returns the results, in input order.
 * @throws TypeError synchronously, naming the argument, if `items` is not
 *   iterable, `fn` not a function, `concurrency` not a positive integer or
 *   `Infinity`, `limiter` not a `CapacityLimiter`, or `signal` not an
 *   `AbortSignal`.
 * @throws (rejects with) the first error of a call or of the input, the
 *   signal's reason, or `CancelledError`.
 *
 * @example
 * ```ts
 * import { currentTask, map, run } from "aio-ts";
 * declare const urls: string[];
 * await run(async () => {
 *   const sizes = await map(urls, async (url) => {
 *     const response = await fetch(url, { signal: currentTask()!.signal });
 *     return (await response.arrayBuffer()).byteLength;
 *   }, { concurrency: 8 });
 *   console.log(sizes); // in the order of urls
 * });
 * ```
 */
export function map<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: Mapper<T, R>,
  options: MapOptions & { returnExceptions: true },
): Promise<(Awaited<R> | Error)[]>;
export function map<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: Mapper<T, R>,
  options?: MapOptions,
): Promise<Awaited<R>[]>;
export function map<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: Mapper<T, R>,
  options?: MapOptions,
): Promise<unknown[]> {
  const args = checkMapArgs<T>(items, fn, options);
  const run = new MapRun<T>({ ...args, ...openInput(items) }, true);
  return drive(run);
}

async function drive<T>(run: MapRun<T>): Promise<unknown[]> {
  run.start();
  const cancelled = await run.join();
  await run.close();
  if (cancelled !== undefined) throw cancelled;
  if (run.failed) throw run.error;
  return run.results;
}
