// Reference point: the same as raw.ts, each call inside its own AsyncLocalStorage.run
// (what an ambient "current task" costs at the least).
import { AsyncLocalStorage } from "node:async_hooks";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

const storage = new AsyncLocalStorage<number>();

async function work(i: number): Promise<number> {
  await ready;
  return mix(i);
}

export default async function ({ n }: Params) {
  const t0 = clock();
  const promises = new Array<Promise<number>>(n);
  for (let i = 0; i < n; i++) promises[i] = storage.run(i, work, i);
  const results = await Promise.all(promises);
  const t1 = clock();
  let checksum = 0;
  for (const r of results) checksum += r;
  return { checksum, metrics: { nsPerTask: nsPer(t0, t1, n) } };
}
