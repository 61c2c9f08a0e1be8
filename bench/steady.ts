// CPU time per item of a workload's implementations in one warm process: the implementations run alternately,
// `rounds` times each, and the median of the second half of the rounds is printed (the JIT warm, the heap grown).
// The steady counterpart of bench/cpu.ts, whose fresh processes measure what `npm run bench` sees (docs/design.md,
// "What a task costs").
//
//   node_modules/.bin/node bench/steady.ts <rounds> <params.json> <impl.ts>...
//   node_modules/.bin/node bench/steady.ts 20 '{"n":50000,"seed":1,"timeoutMs":10000,"mode":"sequential"}' \
//     bench/workloads/timeouts/raw-race.ts bench/workloads/timeouts/aio-wait-for.ts
//
// As with bench/cpu.ts, an implementation may live in another checkout: "aio-ts" resolves in that checkout.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

type Impl = (params: Record<string, unknown>) => Promise<{ metrics: Record<string, number> }>;

const [rounds = "20", json = "{}", ...files] = process.argv.slice(2);
const params = JSON.parse(json) as Record<string, unknown> & { n: number };
const impls: Impl[] = [];
for (const file of files) impls.push(((await import(pathToFileURL(resolve(file)).href)) as { default: Impl }).default);
const runs = files.map(() => ({ metric: [] as number[], cpu: [] as number[] }));
for (let r = 0; r < Number(rounds); r++) {
  for (const [k, impl] of impls.entries()) {
    const c0 = process.cpuUsage();
    const out = await impl(params);
    const c = process.cpuUsage(c0);
    runs[k]?.metric.push(Object.values(out.metrics)[0] as number);
    runs[k]?.cpu.push((c.user + c.system) / params.n);
  }
}
const median = (xs: number[]): number => {
  const tail = xs.slice(Math.floor(xs.length / 2)).sort((a, b) => a - b);
  return tail[Math.floor(tail.length / 2)] ?? Number.NaN;
};
for (const [k, file] of files.entries()) {
  const run = runs[k] as { metric: number[]; cpu: number[] };
  process.stdout.write(
    `${file.padEnd(60)} metric ${median(run.metric).toFixed(0)}  cpu ${median(run.cpu).toFixed(3)} µs/item\n`,
  );
}
process.exit(0);
