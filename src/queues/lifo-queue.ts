import { Queue } from "./queue.ts";

/**
 * A last-in first-out queue (a stack) for tasks: asyncio's `LifoQueue`.
 *
 * Everything but the order is `Queue`'s: maxsize, waiting `put`/`get`,
 * `join`/`taskDone`, `shutdown`, cancel safety and `for await`. `get()`
 * returns the item put most recently.
 *
 * @typeParam T the items' type.
 * @throws TypeError if `maxsize` is not an integer.
 *
 * @example
 * ```ts
 * import { LifoQueue } from "aio-ts";
 * const stack = new LifoQueue<number>();
 * for (const n of [1, 2, 3]) stack.putNowait(n);
 * console.log(await stack.get(), stack.getNowait(), stack.getNowait()); // 3 2 1
 * ```
 */
export class LifoQueue<T> extends Queue<T> {
  private readonly stack: T[] = [];

  protected override _put(item: T): void {
    this.stack.push(item);
  }

  protected override _get(): T {
    return this.stack.pop() as T;
  }

  protected override _clear(): void {
    this.stack.length = 0;
  }
}
