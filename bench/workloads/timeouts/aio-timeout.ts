// aio: timeout(ms, body). All at once, each operation is a task (gather starts a function as
// a child task); one after another, the body runs in the main task.
import { gather, run, timeout } from "aio-ts";
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
        for (let i = 0; i < n; i++) checksum += await timeout(ms, () => op(i));
      } else {
        const ops = new Array<() => Promise<number>>(n);
        for (let i = 0; i < n; i++) ops[i] = () => timeout(ms, () => op(i));
        for (const r of await gather(ops)) checksum += r;
      }
      const t1 = clock();
      return { checksum, metrics: { nsPerOp: nsPer(t0, t1, n) } };
    },
    { handleSignals: false },
  );
}
