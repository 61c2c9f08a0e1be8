// Raw: AbortSignal.timeout per operation, raced through an abort listener removed on settle.
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

async function op(i: number): Promise<number> {
  await ready;
  return mix(i);
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

export default async function ({ n, timeoutMs, mode }: Params) {
  const ms = Number(timeoutMs);
  let checksum = 0;
  const t0 = clock();
  if (mode === "sequential") {
    for (let i = 0; i < n; i++) checksum += await abortable(op(i), AbortSignal.timeout(ms));
  } else {
    const promises = new Array<Promise<number>>(n);
    for (let i = 0; i < n; i++) promises[i] = abortable(op(i), AbortSignal.timeout(ms));
    for (const r of await Promise.all(promises)) checksum += r;
  }
  const t1 = clock();
  return { checksum, metrics: { nsPerOp: nsPer(t0, t1, n) } };
}
