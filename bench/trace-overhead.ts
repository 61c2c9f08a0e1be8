// What tracing costs (issue 13): spawn + join with tracing off and on, against raw promises in the same run, and
// optionally against another checkout's aio (the code before the trace hooks); then what a trace's events cost in
// memory and in writing the file.
//
//   node_modules/.bin/node bench/trace-overhead.ts                 # raw, off, on (AIO_TRACE set): 9 interleaved rounds
//   node_modules/.bin/node bench/trace-overhead.ts --before ../main  # plus that checkout (before the trace hooks)
//   node_modules/.bin/node bench/trace-overhead.ts --reps 15 --n 100000 --events 1000000 --memory-only
//
// Every sample runs in a fresh process (bench/lib/child.ts, with its warm-up), the variants interleaved, so a burst
// of load from a neighbour hits all of them alike; the tables give the median and the minimum, and each median's
// ratio to raw Promise.all of the same rounds. The memory part runs in child processes with --expose-gc.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const { values: opts } = parseArgs({
  options: {
    before: { type: "string" },
    reps: { type: "string", default: "9" },
    n: { type: "string", default: "100000" },
    events: { type: "string", default: "1000000" },
    "memory-only": { type: "boolean", default: false },
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

// ── Memory and writing: a program that records about `events` events ──

const MEMORY_PROGRAM = `
import { gather, run, sleep } from "aio-ts";
import { VirtualClock } from "aio-ts/testing";
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
  const program = join(here("."), `.trace-memory-${process.pid}.ts`);
  const { writeFileSync } = await import("node:fs");
  writeFileSync(program, MEMORY_PROGRAM);
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
  if (!opts["memory-only"]) await spawnJoin();
  await memory();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
