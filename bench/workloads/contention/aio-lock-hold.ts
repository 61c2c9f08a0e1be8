// aio: as aio-lock.ts, holding the Lock with `await using _ = await lock.hold()` (released on scope exit).
import { createTask, gather, Lock, run, type Task } from "aio-ts";
import type { Params } from "../../lib/types.ts";
import { mix, ready, twoSizes } from "../../lib/work.ts";

async function round(size: number): Promise<number> {
  const lock = new Lock();
  let total = 0;
  async function task(i: number): Promise<void> {
    await using _ = await lock.hold();
    const seen = total;
    await ready;
    total = seen + mix(i); // a lost update if two tasks were ever inside at once
  }
  const tasks = new Array<Task<void>>(size);
  for (let i = 0; i < size; i++) tasks[i] = createTask(() => task(i));
  await gather(tasks);
  return total;
}

export default ({ n }: Params) => run(() => twoSizes(n, round), { handleSignals: false });
