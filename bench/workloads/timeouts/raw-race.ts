// Floor: Promise.race against a setTimeout rejection, cleared with clearTimeout once settled.
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

async function op(i: number): Promise<number> {
  await ready;
  return mix(i);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let handle: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    handle = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(handle));
}

export default async function ({ n, timeoutMs, mode }: Params) {
  const ms = Number(timeoutMs);
  let checksum = 0;
  const t0 = clock();
  if (mode === "sequential") {
    for (let i = 0; i < n; i++) checksum += await withTimeout(op(i), ms);
  } else {
    const promises = new Array<Promise<number>>(n);
    for (let i = 0; i < n; i++) promises[i] = withTimeout(op(i), ms);
    for (const r of await Promise.all(promises)) checksum += r;
  }
  const t1 = clock();
  return { checksum, metrics: { nsPerOp: nsPer(t0, t1, n) } };
}
