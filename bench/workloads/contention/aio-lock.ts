// aio: a task per contender (createTask, joined with gather), each `acquire()`; one tick; `release()` on a
// shared Lock.
import { createTask, gather, Lock, run, type Task } from "aio-ts";
import type { Params } from "../../lib/types.ts";
import { mix, ready, twoSizes } from "../../lib/work.ts";

async function round(size: number): Promise<number> {
  const lock = new Lock();
  let total = 0;
  async function task(i: number): Promise<void> {
    await lock.acquire();
    try {
      const seen = total;
      await ready;
      total = seen + mix(i); // a lost update if two tasks were ever inside at once
    } finally {
      lock.release();
    }
  }
  const tasks = new Array<Task<void>>(size);
  for (let i = 0; i < size; i++) tasks[i] = createTask(() => task(i));
  await gather(tasks);
  return total;
}

export default ({ n }: Params) => run(() => twoSizes(n, round), { handleSignals: false });
