// aio: waitFor(fn, ms), the documented form (the function becomes a child task, so that
// expiry can cancel it). All at once, each waitFor runs in its own task too, as asyncio's
// gather wraps each wait_for coroutine in a task.
import { gather, run, waitFor } from "aio-ts";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

async function op(i: number): Promise<number> {
  await ready;
  return mix(i);
}

export default function ({ n, timeoutMs, mode }: Params) {
  const ms = Number(timeoutMs);
  return run(
    async () => {
      let checksum = 0;
      const t0 = clock();
      if (mode === "sequential") {
        for (let i = 0; i < n; i++) checksum += await waitFor(() => op(i), ms);
      } else {
        const ops = new Array<() => Promise<number>>(n);
        for (let i = 0; i < n; i++) ops[i] = () => waitFor(() => op(i), ms);
        for (const r of await gather(ops)) checksum += r;
      }
      const t1 = clock();
      return { checksum, metrics: { nsPerOp: nsPer(t0, t1, n) } };
    },
    { handleSignals: false },
  );
}
