// Raw: a hand-made cancellable sleep (setTimeout + a cancel that clears it and rejects).
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, settle } from "../../lib/work.ts";

function cancellableSleep(ms: number): { promise: Promise<void>; cancel: () => void } {
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  const handle = setTimeout(resolve, ms);
  const cancel = (): void => {
    clearTimeout(handle);
    reject(new Error("cancelled"));
  };
  return { promise, cancel };
}

export default async function ({ n, sleepMs }: Params) {
  let checksum = 0;
  async function blocked(i: number, slept: Promise<void>): Promise<void> {
    try {
      await slept;
    } finally {
      checksum += mix(i);
    }
  }
  const t0 = clock();
  const cancels = new Array<() => void>(n);
  const promises = new Array<Promise<void>>(n);
  for (let i = 0; i < n; i++) {
    const { promise, cancel } = cancellableSleep(Number(sleepMs));
    cancels[i] = cancel;
    promises[i] = blocked(i, promise);
  }
  await settle();
  const t1 = clock();
  for (const cancel of cancels) cancel();
  await Promise.allSettled(promises);
  const t2 = clock();
  return { checksum, metrics: { cancelNsPerTask: nsPer(t1, t2, n), setupNsPerTask: nsPer(t0, t1, n) } };
}
