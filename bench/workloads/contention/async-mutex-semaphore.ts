// async-mutex: one async function call per contender, each `runExclusive` (acquire; the callback; release) on a
// shared Semaphore(1), joined with Promise.all.
import { Semaphore } from "async-mutex";
import type { Params } from "../../lib/types.ts";
import { mix, ready, twoSizes } from "../../lib/work.ts";

async function round(size: number): Promise<number> {
  const semaphore = new Semaphore(1);
  let total = 0;
  const task = (i: number): Promise<void> =>
    semaphore.runExclusive(async () => {
      const seen = total;
      await ready;
      total = seen + mix(i); // a lost update if two tasks were ever inside at once
    });
  const tasks = new Array<Promise<void>>(size);
  for (let i = 0; i < size; i++) tasks[i] = task(i);
  await Promise.all(tasks);
  return total;
}

export default ({ n }: Params) => twoSizes(n, round);
