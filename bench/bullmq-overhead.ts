// What aio-ts/bullmq costs over a bare BullMQ Worker: N jobs that do nothing (or wait `--work` ms each), run by one
// worker process at `--concurrency`, with BullMQ's Worker and with runWorker, alternated `--rounds` times against one
// redis-server of the bench's own (test/redis.ts), each run in a fresh queue. Prints jobs per second per run and the
// median of each. The jobs are added before the clock starts; the time is from the first job taken to the last done.
//
//   node_modules/.bin/node --conditions=aio-ts-source bench/bullmq-overhead.ts --n 5000 --concurrency 32 --rounds 5
import { parseArgs } from "node:util";
import { run, sleep } from "aio-ts";
import { runWorker } from "aio-ts/bullmq";
import { Queue, Worker } from "bullmq";
import { startRedis } from "../test/redis.ts";

const { values: opts } = parseArgs({
  options: {
    n: { type: "string", default: "5000" },
    concurrency: { type: "string", default: "32" },
    rounds: { type: "string", default: "5" },
    work: { type: "string", default: "0" },
  },
});
const n = Number(opts.n);
const concurrency = Number(opts.concurrency);
const rounds = Number(opts.rounds);
const work = Number(opts.work);

await using redis = await startRedis();
const connection = { host: "127.0.0.1", port: redis.port };
let queues = 0;

async function fill(): Promise<string> {
  const name = `bench-${++queues}`;
  const queue = new Queue(name, { connection });
  for (let i = 0; i < n; i += 1000) {
    const size = Math.min(1000, n - i);
    await queue.addBulk(Array.from({ length: size }, (_, k) => ({ name: "job", data: i + k })));
  }
  await queue.close();
  return name;
}

const removal = { removeOnComplete: { count: 0 } };

async function bare(): Promise<number> {
  const name = await fill();
  let done = 0;
  let first = 0;
  let finished: () => void = () => {};
  const all = new Promise<void>((resolve) => (finished = resolve));
  const worker = new Worker(
    name,
    async (job) => {
      if (first === 0) first = performance.now();
      if (work > 0) await new Promise((resolve) => setTimeout(resolve, work));
      if (++done === n) finished();
      return job.data;
    },
    { connection, concurrency, ...removal },
  );
  await all;
  const elapsed = performance.now() - first;
  await worker.close();
  return (n / elapsed) * 1000;
}

async function aio(): Promise<number> {
  const name = await fill();
  let done = 0;
  let first = 0;
  const stop = new AbortController();
  await run(() =>
    runWorker<number, number>(
      name,
      async (job) => {
        if (first === 0) first = performance.now();
        if (work > 0) await sleep(work);
        if (++done === n) stop.abort();
        return job.data;
      },
      { connection, concurrency, signal: stop.signal, bullmq: removal },
    ),
  );
  return (n / (performance.now() - first)) * 1000;
}

const results: Record<string, number[]> = { "BullMQ Worker": [], runWorker: [] };
for (let r = 0; r < rounds; r++) {
  for (const [label, fn] of [
    ["BullMQ Worker", bare],
    ["runWorker", aio],
  ] as const) {
    const rate = await fn();
    results[label]?.push(rate);
    console.log(`round ${r + 1} ${label}: ${rate.toFixed(0)} jobs/s`);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
console.log(`\n${n} jobs, concurrency ${concurrency}, work ${work} ms, ${rounds} rounds (median jobs/s):`);
for (const [label, xs] of Object.entries(results)) console.log(`  ${label.padEnd(14)} ${median(xs).toFixed(0)}`);
