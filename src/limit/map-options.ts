// The arguments of `map` and `mapUnordered`: their options, and the checks
// that run before anything starts.
import { argumentError, checkFunction } from "../core/index.ts";
import { signalOf } from "../sync/waiter.ts";
import { CapacityLimiter } from "./capacity-limiter.ts";

/** Options of `map` and `mapUnordered`. */
export interface MapOptions {
  /**
   * How many calls run at once: a positive integer, or `Infinity` (the
   * default, as p-map's: every item starts as soon as it is pulled).
   */
  concurrency?: number | undefined;
  /**
   * Keep going when a call fails, and put its error where its result would
   * be, instead of cancelling the rest and throwing. Default false. (An error
   * of the input itself, or an aborted signal, still ends the run.)
   */
  returnExceptions?: boolean | undefined;
  /**
   * A limiter to share with other maps or code: each call also holds one of
   * its tokens (on behalf of the worker task running it). With `concurrency`
   * too, both bounds apply.
   */
  limiter?: CapacityLimiter | undefined;
  /** Stops the run when it aborts, as a cancel does; the run then throws the signal's reason. */
  signal?: AbortSignal | undefined;
}

/** The mapping function: gets the item and its position in the input. */
export type Mapper<T, R> = (item: T, index: number) => R | PromiseLike<R>;

/** @internal The checked form of the arguments. */
export interface MapArgs<T> {
  iterator: Iterator<T> | AsyncIterator<T>;
  isAsync: boolean;
  fn: Mapper<T, unknown>;
  concurrency: number;
  returnExceptions: boolean;
  limiter: CapacityLimiter | undefined;
  signal: AbortSignal | undefined;
}

/** @internal Checks the arguments of `map`/`mapUnordered`, all before anything starts. */
export function checkMapArgs<T>(
  items: unknown,
  fn: unknown,
  options: unknown,
): Omit<MapArgs<T>, "iterator" | "isAsync"> {
  if (
    items === null ||
    items === undefined ||
    (typeof (items as AsyncIterable<T>)[Symbol.asyncIterator] !== "function" &&
      typeof (items as Iterable<T>)[Symbol.iterator] !== "function")
  ) {
    throw argumentError("items", "an iterable or an async iterable", items);
  }
  checkFunction("fn", fn);
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw argumentError("options", "an options object", options);
  }
  const o = (options ?? {}) as MapOptions;
  const concurrency = o.concurrency === undefined ? Number.POSITIVE_INFINITY : o.concurrency;
  if (concurrency !== Number.POSITIVE_INFINITY && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw argumentError("concurrency", "a positive integer or Infinity", concurrency);
  }
  const limiter = o.limiter;
  if (limiter !== undefined && !(limiter instanceof CapacityLimiter)) {
    throw argumentError("limiter", "a CapacityLimiter", limiter);
  }
  const signal = signalOf(o);
  return { fn: fn as Mapper<T, unknown>, concurrency, returnExceptions: Boolean(o.returnExceptions), limiter, signal };
}

/** @internal Opens the input: async iteration if it offers both. */
export function openInput<T>(items: Iterable<T> | AsyncIterable<T>): {
  iterator: Iterator<T> | AsyncIterator<T>;
  isAsync: boolean;
} {
  const asyncIterate = (items as AsyncIterable<T>)[Symbol.asyncIterator];
  if (typeof asyncIterate === "function") return { iterator: asyncIterate.call(items), isAsync: true };
  return { iterator: (items as Iterable<T>)[Symbol.iterator](), isAsync: false };
}
