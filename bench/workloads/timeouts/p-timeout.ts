// p-timeout: pTimeout(promise, { milliseconds }).
import pTimeout from "p-timeout";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

async function op(i: number): Promise<number> {
  await ready;
  return mix(i);
}

export default async function ({ n, timeoutMs, mode }: Params) {
  const milliseconds = Number(timeoutMs);
  let checksum = 0;
  const t0 = clock();
  if (mode === "sequential") {
    for (let i = 0; i < n; i++) checksum += await pTimeout(op(i), { milliseconds });
  } else {
    const promises = new Array<Promise<number>>(n);
    for (let i = 0; i < n; i++) promises[i] = pTimeout(op(i), { milliseconds });
    for (const r of await Promise.all(promises)) checksum += r;
  }
  const t1 = clock();
  return { checksum, metrics: { nsPerOp: nsPer(t0, t1, n) } };
}
