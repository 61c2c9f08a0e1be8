// Floor: a hand-written promise-chain mutex (each acquire waits for the previous holder's promise), one async
// function call per task, joined with Promise.all.
import type { Params } from "../../lib/types.ts";
import { mix, ready, twoSizes } from "../../lib/work.ts";

class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves, once every earlier caller has released, to this caller's release function. */
  async acquire(): Promise<() => void> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    return release;
  }
}

async function round(size: number): Promise<number> {
  const mutex = new Mutex();
  let total = 0;
  async function task(i: number): Promise<void> {
    const release = await mutex.acquire();
    try {
      const seen = total;
      await ready;
      total = seen + mix(i); // a lost update if two tasks were ever inside at once
    } finally {
      release();
    }
  }
  const tasks = new Array<Promise<void>>(size);
  for (let i = 0; i < size; i++) tasks[i] = task(i);
  await Promise.all(tasks);
  return total;
}

export default ({ n }: Params) => twoSizes(n, round);
