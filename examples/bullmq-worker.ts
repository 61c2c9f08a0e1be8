// Jobs on a BullMQ queue, each run as an aio task: three squares, and one slow job that a timeout fails.
// Needs Redis:  REDIS_URL=redis://127.0.0.1:6379 node examples/bullmq-worker.ts
// (and, in a project of your own, `npm install aio-ts bullmq ioredis`).
import { run, sleep, timeout } from "aio-ts";
import { enqueue, runWorker } from "aio-ts/bullmq";

const connection = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const queue = "aio-example-squares";

await run(async () => {
  const jobs = [3, 4, 5].map((n) => ({ name: "square", data: n }));
  await enqueue(queue, [...jobs, { name: "slow", data: 0 }], { connection });

  // This demo stops once its four jobs are done; a real worker runs until Ctrl-C or SIGTERM, then gives its running
  // jobs `grace` seconds before it cancels them and puts them back on the queue.
  const stop = new AbortController();
  let left = 4;
  const summary = await runWorker<number, number>(
    queue,
    async (job) => {
      try {
        if (job.name === "slow") return await timeout(100, () => sleep(60_000, 0)); // TimeoutError fails the job
        await sleep(10);
        console.log(`${job.data}² = ${job.data ** 2}`);
        return job.data ** 2;
      } finally {
        if (--left === 0) stop.abort();
      }
    },
    {
      connection,
      concurrency: 1,
      grace: 10,
      signal: stop.signal,
      onEvent: (event) => {
        if (event.type === "failed") console.log(`job ${event.job?.name} failed: ${event.error}`);
      },
      // BullMQ's own options pass through: keep no finished job in Redis.
      bullmq: { removeOnComplete: { count: 0 }, removeOnFail: { count: 0 } },
    },
  );
  console.log(`completed ${summary.completed}, failed ${summary.failed}, returned to the queue ${summary.returned}`);
});
