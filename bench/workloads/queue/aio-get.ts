// aio: Queue(maxsize), one producer (the main task) putting with `put`, `consumers` tasks taking with `get`
// until `shutdown()` (asyncio 3.13's end of input), joined with gather.
import { createTask, gather, Queue, QueueShutDown, run } from "aio-ts";
import type { Params } from "../../lib/types.ts";
import { clock, nsPer } from "../../lib/work.ts";

export default function ({ n, maxsize, consumers }: Params) {
  return run(
    async () => {
      const t0 = clock();
      const queue = new Queue<number>(Number(maxsize));
      const consume = async (): Promise<number> => {
        let sum = 0;
        try {
          for (;;) sum += await queue.get();
        } catch (error) {
          if (!(error instanceof QueueShutDown)) throw error;
        }
        return sum;
      };
      const tasks = [];
      for (let c = 0; c < Number(consumers); c++) tasks.push(createTask(consume));
      for (let i = 0; i < n; i++) await queue.put(i);
      queue.shutdown();
      const sums = await gather(tasks);
      const t1 = clock();
      let checksum = 0;
      for (const s of sums) checksum += s;
      return { checksum, metrics: { nsPerItem: nsPer(t0, t1, n) } };
    },
    { handleSignals: false },
  );
}
