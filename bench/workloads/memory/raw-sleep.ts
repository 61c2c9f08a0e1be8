// Floor: async functions blocked in timers/promises setTimeout (1 h).
import { setTimeout as sleep } from "node:timers/promises";
import type { Params } from "../../lib/types.ts";
import { heapAfterGc, settle } from "../../lib/work.ts";

export default async function ({ n, sleepMs }: Params) {
  let started = 0;
  async function blocked(): Promise<void> {
    started++;
    await sleep(Number(sleepMs));
  }
  const before = heapAfterGc();
  const promises = new Array<Promise<void>>(n);
  for (let i = 0; i < n; i++) promises[i] = blocked();
  await settle();
  const after = heapAfterGc();
  return { checksum: started, metrics: { bytesPerTask: (after - before) / promises.length } };
}
