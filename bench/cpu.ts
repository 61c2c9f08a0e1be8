// CPU time per item of a workload's implementations, for A/B comparisons on a busy machine, where wall times are
// noise and CPU time much less so. Each run is a fresh process that runs the implementation once as a warm-up, then
// once timed with process.cpuUsage() around it; prints the median wall metric and CPU µs per item (params.n).
//
//   node_modules/.bin/node bench/cpu.ts <reps> <params.json> <warm-up params.json | -> <impl.ts>...
//   node_modules/.bin/node bench/cpu.ts 7 '{"n":10000,"seed":1,"size":1,"connections":1}' \
//     '{"n":1000,"seed":1,"size":1,"connections":1}' bench/workloads/streams/raw.ts bench/workloads/streams/aio.ts
//
// An implementation may live in another checkout (a path to its file): "aio-ts" resolves in that checkout, to
// dist/ unless NODE_OPTIONS has --conditions=aio-ts-source.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const DRIVER = `
const [file, p, w] = process.argv.slice(1);
const mod = await import(file);
if (w) await mod.default(JSON.parse(w));
const c0 = process.cpuUsage();
const out = await mod.default(JSON.parse(p));
const c = process.cpuUsage(c0);
console.log("@@ " + JSON.stringify({ metric: Object.values(out.metrics)[0], cpu: (c.user + c.system) / JSON.parse(p).n }));
process.exit(0);`;

const [reps = "5", params = "{}", warm = "-", ...impls] = process.argv.slice(2);
const runs = new Map<string, { metric: number; cpu: number }[]>(impls.map((i) => [i, []]));
for (let r = 0; r < Number(reps); r++) {
  for (const impl of impls) {
    const file = pathToFileURL(resolve(impl)).href;
    const out = spawnSync(
      process.execPath,
      ["--input-type=module", "-e", DRIVER, file, params, warm === "-" ? "" : warm],
      {
        encoding: "utf8",
      },
    );
    const line = out.stdout.split("\n").find((l) => l.startsWith("@@ "));
    if (line === undefined) process.stderr.write(`${impl} failed: ${out.stderr.slice(-500)}\n`);
    else runs.get(impl)?.push(JSON.parse(line.slice(3)));
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
for (const [impl, list] of runs) {
  const metric = median(list.map((x) => x.metric));
  const cpu = median(list.map((x) => x.cpu));
  process.stdout.write(`${impl.padEnd(60)} metric ${metric.toFixed(2)}  cpu ${cpu.toFixed(2)} µs/item\n`);
}
