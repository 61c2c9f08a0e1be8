// aio: a task per sleep, gathered.
import { createTask, gather, run, sleep, type Task } from "aio-ts";
import type { Params } from "../../lib/types.ts";
import { clock, timerProbe } from "../../lib/work.ts";

export default function ({ n, seed }: Params) {
  const probe = timerProbe(n, seed, sleep);
  return run(
    async () => {
      const t0 = clock();
      const tasks = new Array<Task<void>>(n);
      for (let i = 0; i < n; i++) tasks[i] = createTask(() => probe.one(i));
      await gather(tasks);
      const t1 = clock();
      return { checksum: probe.checksum(), metrics: probe.metrics(t1 - t0) };
    },
    { handleSignals: false },
  );
}
