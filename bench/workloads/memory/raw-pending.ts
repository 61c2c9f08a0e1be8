// Reference point: async functions blocked on a promise that never settles (no timer at all).
import type { Params } from "../../lib/types.ts";
import { heapAfterGc, settle } from "../../lib/work.ts";

export default async function ({ n }: Params) {
  let started = 0;
  const never = new Promise<void>(() => {});
  async function blocked(): Promise<void> {
    started++;
    await never;
  }
  const before = heapAfterGc();
  const promises = new Array<Promise<void>>(n);
  for (let i = 0; i < n; i++) promises[i] = blocked();
  await settle();
  const after = heapAfterGc();
  return { checksum: started, metrics: { bytesPerTask: (after - before) / promises.length } };
}
