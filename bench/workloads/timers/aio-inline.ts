// aio: the raw column's shape (an async function per sleep, joined with Promise.all) with aio's sleep, under
// run(): the sleeps alone, without a task each.
import { run, sleep } from "aio-ts";
import type { Params } from "../../lib/types.ts";
import { clock, timerProbe } from "../../lib/work.ts";

export default function ({ n, seed }: Params) {
  const probe = timerProbe(n, seed, sleep);
  return run(
    async () => {
      const t0 = clock();
      const promises = new Array<Promise<void>>(n);
      for (let i = 0; i < n; i++) promises[i] = probe.one(i);
      await Promise.all(promises);
      const t1 = clock();
      return { checksum: probe.checksum(), metrics: probe.metrics(t1 - t0) };
    },
    { handleSignals: false },
  );
}
