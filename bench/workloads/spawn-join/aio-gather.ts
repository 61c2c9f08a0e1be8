// aio: createTask for each, then gather.
import { createTask, gather, run, type Task } from "aio-ts";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer, ready } from "../../lib/work.ts";

async function work(i: number): Promise<number> {
  await ready;
  return mix(i);
}

export default function ({ n }: Params) {
  return run(
    async () => {
      const t0 = clock();
      const tasks = new Array<Task<number>>(n);
      for (let i = 0; i < n; i++) tasks[i] = createTask(() => work(i));
      const results = await gather(tasks);
      const t1 = clock();
      let checksum = 0;
      for (const r of results) checksum += r;
      return { checksum, metrics: { nsPerTask: nsPer(t0, t1, n) } };
    },
    { handleSignals: false },
  );
}
