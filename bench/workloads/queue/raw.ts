// Floor: a plain hand-written bounded async queue (an item array and two resolver arrays, no library),
// one producer, `consumers` consumers, one end-of-input sentinel per consumer.
import type { Params } from "../../lib/types.ts";
import { clock, nsPer } from "../../lib/work.ts";

class BoundedQueue<T> {
  readonly #items: T[] = [];
  readonly #getters: ((item: T) => void)[] = [];
  readonly #putters: (() => void)[] = [];
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  async put(item: T): Promise<void> {
    while (this.#items.length >= this.#capacity) {
      await new Promise<void>((resolve) => this.#putters.push(resolve));
    }
    const getter = this.#getters.shift();
    if (getter !== undefined) getter(item);
    else this.#items.push(item);
  }

  get(): Promise<T> {
    if (this.#items.length > 0) {
      const item = this.#items.shift() as T;
      this.#putters.shift()?.();
      return Promise.resolve(item);
    }
    return new Promise<T>((resolve) => this.#getters.push(resolve));
  }
}

const END = -1;

export default async function ({ n, maxsize, consumers }: Params) {
  const t0 = clock();
  const queue = new BoundedQueue<number>(Number(maxsize));
  const consume = async (): Promise<number> => {
    let sum = 0;
    for (let item = await queue.get(); item !== END; item = await queue.get()) sum += item;
    return sum;
  };
  const running: Promise<number>[] = [];
  for (let c = 0; c < Number(consumers); c++) running.push(consume());
  for (let i = 0; i < n; i++) await queue.put(i);
  for (let c = 0; c < Number(consumers); c++) await queue.put(END);
  const sums = await Promise.all(running);
  const t1 = clock();
  let checksum = 0;
  for (const s of sums) checksum += s;
  return { checksum, metrics: { nsPerItem: nsPer(t0, t1, n) } };
}
