// aio: the tasks live in a taskGroup; tg.cancel() cancels them all and the group waits for every finally.
import { run, sleep, taskGroup } from "aio-ts";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer } from "../../lib/work.ts";

export default function ({ n, sleepMs }: Params) {
  let checksum = 0;
  async function blocked(i: number): Promise<void> {
    try {
      await sleep(Number(sleepMs));
    } finally {
      checksum += mix(i);
    }
  }
  return run(
    async () => {
      const t0 = clock();
      let t1 = 0;
      await taskGroup(async (tg) => {
        for (let i = 0; i < n; i++) tg.createTask(() => blocked(i));
        await sleep(0); // every task has started and sleeps
        t1 = clock();
        tg.cancel();
      });
      const t2 = clock();
      return { checksum, metrics: { cancelNsPerTask: nsPer(t1, t2, n), setupNsPerTask: nsPer(t0, t1, n) } };
    },
    { handleSignals: false },
  );
}
