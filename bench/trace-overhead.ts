// What tracing costs (issue 13): spawn + join with tracing off and on, against raw promises in the same run, and
// optionally against another checkout's aio (the code before the trace hooks); then what a trace's events cost in
// memory and in writing the file.
//
//   node_modules/.bin/node bench/trace-overhead.ts                 # raw, off, on (AIO_TRACE set): 9 interleaved rounds
//   node_modules/.bin/node bench/trace-overhead.ts --before ../main  # plus that checkout (before the trace hooks)
//   node_modules/.bin/node bench/trace-overhead.ts --reps 15 --n 100000 --events 1000000 --memory-only
//   node_modules/.bin/node bench/trace-overhead.ts --in-process --before ../main --n 10000 --samples 200 --rounds 3
//
// --in-process alternates short samples of raw, off and on inside one process and keeps the fastest of each, timed
// in CPU time of the process (process.cpuUsage): on a loaded machine, where fresh-process medians of wall time swing
// 5x from one round to the next, that is what still compares the code rather than the neighbours. With --before, the same runs in a process
// of that checkout (raw and off only; two copies of aio in one process would not compare fairly: the second is
// slower for V8 reasons alone), alternating processes `--rounds` times.
//
// Every sample runs in a fresh process (bench/lib/child.ts, with its warm-up), the variants interleaved, so a burst
// of load from a neighbour hits all of them alike; the tables give the median and the minimum, and each median's
// ratio to raw Promise.all of the same rounds. The memory part runs in child processes with --expose-gc.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const { values: opts } = parseArgs({
  options: {
    before: { type: "string" },
    reps: { type: "string", default: "9" },
    n: { type: "string", default: "100000" },
    events: { type: "string", default: "1000000" },
    "memory-only": { type: "boolean", default: false },
    "in-process": { type: "boolean", default: false },
    "in-process-child": { type: "boolean", default: false },
    samples: { type: "string", default: "200" },
    rounds: { type: "string", default: "3" },
    tree: { type: "string" },
  },
});
const reps = Number(opts.reps);
const n = Number(opts.n);
const scratch = mkdtempSync(join(tmpdir(), "aio-trace-bench-"));

interface Variant {
  label: string;
  impl: string;
  trace: boolean;
}

function variants(): Variant[] {
  const spawnJoin = (root: string, file: string) => join(root, "bench/workloads/spawn-join", file);
  const mine = resolve(here(".."));
  const list: Variant[] = [{ label: "raw Promise.all", impl: spawnJoin(mine, "raw.ts"), trace: false }];
  for (const [file, what] of [
    ["aio-gather.ts", "createTask + gather"],
    ["aio-task-group.ts", "taskGroup"],
  ] as const) {
    if (opts.before !== undefined) {
      list.push({
        label: `${what}, before (${opts.before})`,
        impl: spawnJoin(resolve(opts.before), file),
        trace: false,
      });
    }
    list.push({ label: `${what}, tracing off`, impl: spawnJoin(mine, file), trace: false });
    list.push({ label: `${what}, tracing on`, impl: spawnJoin(mine, file), trace: true });
  }
  return list;
}

/** Runs `node <args>` and returns its stdout; fails on a non-zero exit. */
function node(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("close", (code) => (code === 0 ? resolveRun(out) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

async function sample(v: Variant): Promise<number> {
  const params = JSON.stringify({ n, seed: 1 });
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: "--conditions=aio-ts-source" };
  delete env.AIO_TRACE;
  if (v.trace) env.AIO_TRACE = join(scratch, "spawn-join.json");
  // The child runs from the implementation's own checkout, so "aio-ts" is that checkout's source.
  const child = join(v.impl, "../../../lib/child.ts");
  const out = await node([child, v.impl, params, params], env);
  const line = out.split("\n").find((l) => l.startsWith("@@RESULT ")) as string;
  return (JSON.parse(line.slice(9)) as { metrics: { nsPerTask: number } }).metrics.nsPerTask;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (x: number, digits = 0) => x.toLocaleString("en-US", { maximumFractionDigits: digits });

async function spawnJoin(): Promise<void> {
  const list = variants();
  const samples = list.map(() => [] as number[]);
  const ratios = list.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) {
    const row: number[] = [];
    for (const v of list) row.push(await sample(v));
    const raw = row[0] as number;
    row.forEach((x, i) => {
      samples[i]?.push(x);
      ratios[i]?.push(x / raw);
    });
    process.stderr.write(`round ${r + 1}/${reps}: ${row.map((x) => fmt(x)).join(" ")}\n`);
  }
  console.log(`\nspawn + join, N = ${fmt(n)}, ${reps} rounds, ns/task (load ${loadAverage()})\n`);
  console.log("| variant | median | min | median of ratios to raw |");
  console.log("|---|--:|--:|--:|");
  list.forEach((v, i) => {
    const s = samples[i] as number[];
    console.log(
      `| ${v.label} | ${fmt(median(s))} | ${fmt(Math.min(...s))} | ${fmt(median(ratios[i] as number[]), 2)}x |`,
    );
  });
}

// ── In one process: both checkouts side by side, many short interleaved samples ──

interface Aio {
  run: typeof import("aio-ts").run;
  createTask: typeof import("aio-ts").createTask;
  gather: typeof import("aio-ts").gather;
  taskGroup: typeof import("aio-ts").taskGroup;
}

/** One process's samples: the variants of one checkout, `--tree` (this one by default), printed as JSON. */
async function inProcessSamples(): Promise<void> {
  const { gc, mix, ready } = await import("./lib/work.ts");
  // CPU time of this process (µs → ms), not wall time: the time slices the neighbours take are not counted.
  const clock = (): number => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  const root = resolve(opts.tree ?? here(".."));
  const aio = (await import(pathToFileURL(join(root, "src/index.ts")).href)) as Aio;
  const traced = opts.tree === undefined;
  const file = join(scratch, "in-process.json");
  const work = async (i: number) => {
    await ready;
    return mix(i);
  };
  const gatherJoin = (trace: boolean) =>
    aio.run(
      async () => {
        const t0 = clock();
        const tasks = new Array(n);
        for (let i = 0; i < n; i++) tasks[i] = aio.createTask(() => work(i));
        await aio.gather(tasks);
        return ((clock() - t0) * 1e6) / n;
      },
      trace ? { handleSignals: false, trace: file } : { handleSignals: false },
    );
  const groupJoin = (trace: boolean) =>
    aio.run(
      async () => {
        const t0 = clock();
        await aio.taskGroup(async (tg) => {
          for (let i = 0; i < n; i++) tg.createTask(() => work(i));
        });
        return ((clock() - t0) * 1e6) / n;
      },
      trace ? { handleSignals: false, trace: file } : { handleSignals: false },
    );
  const rawJoin = async () => {
    const t0 = clock();
    const promises = new Array(n);
    for (let i = 0; i < n; i++) promises[i] = work(i);
    await Promise.all(promises);
    return ((clock() - t0) * 1e6) / n;
  };
  const list: [string, () => Promise<number>][] = [
    ["raw", rawJoin],
    ["gather off", () => gatherJoin(false)],
    ["group off", () => groupJoin(false)],
  ];
  if (traced) list.push(["gather on", () => gatherJoin(true)], ["group on", () => groupJoin(true)]);
  const samples = Number(opts.samples);
  const best = list.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < samples + 10; round++) {
    for (const [i, [, fn]] of list.entries()) {
      if (round % 10 === 0) gc(); // now and then, outside the timing: no sample inherits a full old generation
      const ns = await fn();
      if (round >= 10) best[i] = Math.min(best[i] as number, ns); // the first 10 rounds warm up
    }
  }
  console.log(JSON.stringify(Object.fromEntries(list.map(([label], i) => [label, best[i]]))));
}

/** Alternates processes of this checkout and of `--before`, and prints each variant's best ns/task and its ratio to raw. */
async function inProcess(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: "--conditions=aio-ts-source" };
  delete env.AIO_TRACE;
  const common = ["--in-process-child", "--n", String(n), "--samples", String(opts.samples)];
  const trees: [string, string[]][] = [["this tree", common]];
  if (opts.before !== undefined)
    trees.unshift([`before (${opts.before})`, [...common, "--tree", resolve(opts.before)]]);
  const rows = new Map<string, number[]>();
  for (let r = 0; r < Number(opts.rounds); r++) {
    for (const [label, args] of trees) {
      const out = await node(["--expose-gc", here("./trace-overhead.ts"), ...args], env);
      const best = JSON.parse(out.trim().split("\n").pop() as string) as Record<string, number>;
      const raw = best.raw as number;
      for (const [variant, ns] of Object.entries(best)) {
        const key = `${label}: ${variant}`;
        rows.set(key, [...(rows.get(key) ?? []), ns, ns / raw]);
      }
      process.stderr.write(`${label}, round ${r + 1}: ${out.trim()}\n`);
    }
  }
  console.log(
    `\nspawn + join, N = ${fmt(n)}, best of ${opts.samples} interleaved samples, ${opts.rounds} processes each (load ${loadAverage()})\n`,
  );
  console.log("| variant | best ns/task, each process | × raw of the same process |");
  console.log("|---|--:|--:|");
  for (const [key, values] of rows) {
    const ns = values.filter((_, i) => i % 2 === 0).map((x) => fmt(x));
    const ratio = values.filter((_, i) => i % 2 === 1).map((x) => fmt(x, 2));
    console.log(`| ${key} | ${ns.join(" / ")} | ${ratio.join(" / ")} |`);
  }
}

// ── Memory and writing: a program that records about `events` events ──

const MEMORY_PROGRAM = `
import { gather, run, sleep } from "@AIO@/src/index.ts";
import { VirtualClock } from "@AIO@/src/testing.ts";
const [tasks, distinct] = [Number(process.argv[2]), process.argv[3] === "distinct"];
const gc = () => { globalThis.gc(); globalThis.gc(); };
const used = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
gc();
const before = used();
let recorded = 0;
let mainEnded = 0;
const t0 = performance.now();
await run(async () => {
  // Each task: its lifetime (two events: M and X) and two sleeps; main: one wait on the gather.
  await gather(Array.from({ length: tasks }, (_, i) => async () => {
    await sleep(distinct ? i + 1 : 1);
    await sleep(1);
  }));
  gc();
  recorded = used() - before;
  mainEnded = performance.now();
}, { clock: new VirtualClock(), handleSignals: false });
const t1 = performance.now();
console.log(JSON.stringify({ recorded, runMs: mainEnded - t0, writeMs: t1 - mainEnded }));
`;

async function memory(): Promise<void> {
  const events = Number(opts.events);
  const tasks = Math.round(events / 4);
  // In the scratch folder, importing this checkout's sources by path: nothing is written into the repo.
  const program = join(scratch, "memory.ts");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(program, MEMORY_PROGRAM.replaceAll("@AIO@", pathToFileURL(resolve(here(".."))).href));
  try {
    console.log(`\nmemory and writing: ${fmt(tasks)} tasks, each two sleeps (${fmt(tasks * 4 + 1)} events)\n`);
    console.log("| labels | events kept (heap + buffers, after gc) | per event | writing the file | file size |");
    console.log("|---|--:|--:|--:|--:|");
    for (const distinct of [false, true]) {
      const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: "--conditions=aio-ts-source" };
      delete env.AIO_TRACE;
      const run = async (trace: string | undefined) => {
        const e = { ...env };
        if (trace !== undefined) e.AIO_TRACE = trace;
        const out = await node(["--expose-gc", program, String(tasks), distinct ? "distinct" : "shared"], e);
        return JSON.parse(out.trim().split("\n").pop() as string) as {
          recorded: number;
          runMs: number;
          writeMs: number;
        };
      };
      const file = join(scratch, "memory.json");
      const off = await run(undefined);
      const on = await run(file);
      const kept = on.recorded - off.recorded;
      const count = JSON.parse(readFileSync(file, "utf8")).traceEvents.length as number;
      console.log(
        `| ${distinct ? "a distinct label per sleep" : "shared labels"} | ${fmt(kept / 1e6, 1)} MB | ` +
          `${fmt(kept / count)} B | ${fmt(on.writeMs - off.writeMs)} ms | ${fmt(statSync(file).size / 1e6, 1)} MB |`,
      );
    }
  } finally {
    rmSync(program, { force: true });
  }
}

function loadAverage(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

try {
  if (opts["in-process-child"]) await inProcessSamples();
  else if (opts["in-process"]) await inProcess();
  else {
    if (!opts["memory-only"]) await spawnJoin();
    await memory();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
