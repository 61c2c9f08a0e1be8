// Floor: timers/promises setTimeout, one per task, joined with Promise.all.
import { setTimeout as sleep } from "node:timers/promises";
import type { Params } from "../../lib/types.ts";
import { clock, timerProbe } from "../../lib/work.ts";

export default async function ({ n, seed }: Params) {
  const probe = timerProbe(n, seed, sleep);
  const t0 = clock();
  const promises = new Array<Promise<void>>(n);
  for (let i = 0; i < n; i++) promises[i] = probe.one(i);
  await Promise.all(promises);
  const t1 = clock();
  return { checksum: probe.checksum(), metrics: probe.metrics(t1 - t0) };
}
