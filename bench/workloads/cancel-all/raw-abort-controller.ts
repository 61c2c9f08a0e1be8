// Raw: an AbortController per task, passed to timers/promises setTimeout; abort them all.
import { setTimeout as sleep } from "node:timers/promises";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, settle } from "../../lib/work.ts";

export default async function ({ n, sleepMs }: Params) {
  let checksum = 0;
  async function blocked(i: number, signal: AbortSignal): Promise<void> {
    try {
      await sleep(Number(sleepMs), undefined, { signal });
    } finally {
      checksum += mix(i);
    }
  }
  const t0 = clock();
  const controllers = new Array<AbortController>(n);
  const promises = new Array<Promise<void>>(n);
  for (let i = 0; i < n; i++) {
    const controller = (controllers[i] = new AbortController());
    promises[i] = blocked(i, controller.signal);
  }
  await settle();
  const t1 = clock();
  for (const controller of controllers) controller.abort();
  await Promise.allSettled(promises);
  const t2 = clock();
  return { checksum, metrics: { cancelNsPerTask: nsPer(t1, t2, n), setupNsPerTask: nsPer(t0, t1, n) } };
}
