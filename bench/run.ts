// `npm run bench`: every workload of issue 6, for aio and what users would pick instead.
//
//   npm run bench                          full run (5 repetitions, each workload's N), writes RESULTS.md, results.json, chart.svg
//   npm run bench -- --quick               smoke run (3 repetitions, smaller N), writes nothing unless --write
//   npm run bench -- --filter timers,5a    only the workloads whose id, number or title contains one of these
//   npm run bench -- --reps 7              more repetitions
//   npm run bench -- --aio-source          aio from its TypeScript sources (src/), not the compiled dist/
//
// aio's columns import "aio-ts" as a user's program does: the compiled dist/ (built first with `npm run build`
// if it is missing or older than src/). Loading the .ts sources instead, through Node's type stripping, made
// every child a bigger process (measured: heap 10.5 MB instead of 6.4 MB after loading, RSS 99 MB instead of 60),
// which costs in every fork (12d) and in every full GC (12a/12b): numbers no user would see.
//
// Each implementation runs in a fresh child process (bench/lib/child.ts or child.py), interleaved
// A B C A B C ..., and returns a checksum that must be the same in every column.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chartSvg } from "./lib/chart.ts";
import { loadAverage, machine } from "./lib/machine.ts";
import { resultsMarkdown, targetTable, workloadTable } from "./lib/report.ts";
import type { BenchResult, ImplResult, RunRecord, WorkloadResult } from "./lib/results.ts";
import { summarise } from "./lib/stats.ts";
import { fmt } from "./lib/targets.ts";
import type { Fixture, ImplDef, ImplSummary, MetricDef, Outcome, Params, WorkloadDef } from "./lib/types.ts";
import { workloads } from "./workloads/index.ts";

const CHILD_TIMEOUT_MS = 10 * 60_000;
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    filter: { type: "string", multiple: true, default: [] },
    reps: { type: "string" },
    write: { type: "boolean" },
    "aio-source": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
  allowNegative: true,
});

if (args.help) {
  process.stdout.write(
    "usage: npm run bench -- [--quick] [--filter <name>[,<name>...]] [--reps <n>] [--write | --no-write] [--aio-source]\n" +
      `workloads: ${workloads.map((w) => `${w.number} ${w.id}`).join(", ")}\n`,
  );
  process.exit(0);
}

const quick = args.quick ?? false;
const filter = (args.filter ?? []).flatMap((f) => f.split(",")).filter((f) => f !== "");
const reps = args.reps !== undefined ? Number.parseInt(args.reps, 10) : quick ? 3 : 5;
if (!(reps >= 1)) throw new TypeError(`Expected \`--reps\` to be a positive integer, got \`${args.reps}\``);
// Only a full, unfiltered run replaces the committed results, unless told otherwise.
const write = args.write ?? (!quick && filter.length === 0);

const aioSource = args["aio-source"] ?? false;

/** The children's environment: without the `aio-ts-source` condition "aio-ts" resolves to dist/, as for a user. */
const childEnv: NodeJS.ProcessEnv = aioSource
  ? process.env
  : {
      ...process.env,
      NODE_OPTIONS: (process.env.NODE_OPTIONS ?? "")
        .split(/\s+/)
        .filter((o) => o !== "" && o !== "--conditions=aio-ts-source")
        .join(" "),
    };

/** The newest modification time of the files under `dir`, in ms. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return latest;
}

/** Builds dist/ (`npm run build`) unless it is newer than every file of src/. */
function ensureBuilt(): void {
  const root = here("..");
  let built = 0;
  try {
    built = statSync(`${root}/dist/index.js`).mtimeMs;
  } catch {}
  if (built > newest(`${root}/src`)) return;
  process.stderr.write("building dist/ (npm run build) for aio's columns...\n");
  const r = spawnSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) throw new Error("npm run build failed: aio's columns need dist/ (or pass --aio-source)");
}

function selected(w: WorkloadDef): boolean {
  if (filter.length === 0) return true;
  return filter.some((f) => {
    const needle = f.toLowerCase();
    return w.id.includes(needle) || w.number === needle || w.title.toLowerCase().includes(needle);
  });
}

interface ChildOutcome {
  outcome?: Outcome;
  error?: string;
  processMs: number;
}

/** Runs one implementation in a fresh process and parses its `@@RESULT` line. */
function runChild(impl: ImplDef, params: Params, warm: Params | undefined, exposeGc: boolean): Promise<ChildOutcome> {
  const payload = [impl.file, JSON.stringify(params), warm === undefined ? "" : JSON.stringify(warm)];
  const [command, argv] =
    impl.runtime === "python"
      ? [impl.python?.() ?? "python3", [here("./lib/child.py"), ...payload]]
      : [process.execPath, [...(exposeGc ? ["--expose-gc"] : []), here("./lib/child.ts"), ...payload]];
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"], env: childEnv });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ error: error.message, processMs: performance.now() - started });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const processMs = performance.now() - started;
      const line = stdout.split("\n").find((l) => l.startsWith("@@RESULT "));
      if (code !== 0 || line === undefined) {
        const why = signal !== null ? `killed by ${signal}` : `exit code ${code}`;
        resolve({ error: `${why}: ${stderr.trim().split("\n").slice(-5).join(" / ") || "no result line"}`, processMs });
        return;
      }
      try {
        resolve({ outcome: JSON.parse(line.slice("@@RESULT ".length)) as Outcome, processMs });
      } catch (error) {
        resolve({ error: `bad result line: ${String(error)}`, processMs });
      }
    });
  });
}

function warmupParams(w: WorkloadDef, params: Params): Params | undefined {
  if (typeof w.warmup === "function") return w.warmup(params);
  if (!w.warmup) return undefined;
  return { ...params, n: Math.max(1000, Math.floor(params.n / 10)) };
}

/** Why a column cannot run here, if it cannot. */
function skipReason(d: ImplDef, python: boolean): string | undefined {
  const why = d.skip?.();
  if (why !== undefined) return why;
  return d.runtime === "python" && !python && d.python === undefined ? "python3 not found" : undefined;
}

async function runWorkload(w: WorkloadDef, python: boolean, versions: Record<string, string>): Promise<WorkloadResult> {
  const params = quick ? w.quickParams : w.params;
  const head = w.metrics[0];
  if (head === undefined) throw new Error(`workload ${w.id} has no metric`);
  // The fixture (a server, say) lives for all the repetitions; its knobs go to the children only.
  const fixture: Fixture | undefined = w.setup === undefined ? undefined : await w.setup(params);
  try {
    Object.assign(versions, fixture?.versions);
    const childParams: Params = { ...params, ...fixture?.params };
    return await measure(w, head, params, childParams, python);
  } finally {
    await fixture?.teardown();
  }
}

async function measure(
  w: WorkloadDef,
  head: MetricDef,
  params: Params,
  childParams: Params,
  python: boolean,
): Promise<WorkloadResult> {
  const warm = warmupParams(w, childParams);
  const impls: ImplResult[] = w.impls.map((d) => {
    const skipped = skipReason(d, python);
    return {
      id: d.id,
      label: d.label,
      file: d.file.slice(d.file.indexOf("bench/")),
      runtime: d.runtime,
      aio: d.aio ?? false,
      ...(d.anchor !== undefined ? { anchor: d.anchor } : {}),
      ...(d.note !== undefined ? { note: d.note } : {}),
      ...(skipped !== undefined ? { skipped } : {}),
      runs: [],
    };
  });
  const loadStart = loadAverage()[0] as number;
  process.stderr.write(`\n${w.number}. ${w.title} (N = ${fmt(params.n)}, ${reps} reps; load ${loadStart})\n`);
  for (let rep = 1; rep <= reps; rep++) {
    process.stderr.write(`  rep ${rep}/${reps}:`);
    for (const [k, def] of w.impls.entries()) {
      const result = impls[k] as ImplResult;
      if (result.skipped !== undefined) continue;
      const child = await runChild(def, childParams, warm, w.exposeGc ?? false);
      const record: RunRecord = { rep, processMs: Math.round(child.processMs) };
      if (child.outcome !== undefined) {
        record.checksum = child.outcome.checksum;
        record.metrics = child.outcome.metrics;
        const v = child.outcome.metrics[head.key];
        process.stderr.write(` ${def.id} ${v === undefined ? "?" : fmt(v, head.digits ?? 0)}`);
      } else {
        record.error = child.error ?? "unknown error";
        process.stderr.write(` ${def.id} FAILED`);
      }
      result.runs.push(record);
    }
    process.stderr.write("\n");
  }

  // Same work in every column: one checksum for every run of every implementation.
  const checksumErrors: string[] = [];
  const counts = new Map<number, string[]>();
  for (const impl of impls) {
    for (const run of impl.runs) {
      if (run.checksum === undefined) continue;
      const list = counts.get(run.checksum) ?? [];
      list.push(`${impl.id}#${run.rep}`);
      counts.set(run.checksum, list);
    }
  }
  let checksum: number | undefined;
  if (counts.size === 1) checksum = [...counts.keys()][0];
  else if (counts.size > 1) {
    for (const [sum, where] of counts) checksumErrors.push(`${fmt(sum)} from ${where.join(", ")}`);
  }
  for (const impl of impls) {
    for (const run of impl.runs)
      if (run.error !== undefined) checksumErrors.push(`${impl.id}#${run.rep} failed: ${run.error}`);
  }

  const summaries = new Map<string, ImplSummary>();
  const base = impls.find((i) => i.id === w.baseline);
  const baseRuns = base?.runs.flatMap((r) => (r.metrics ? [r.metrics] : [])) ?? [];
  const baseMedian = summarise(w.baseline, base?.label ?? w.baseline, baseRuns, w.metrics).median[head.key];
  for (const impl of impls) {
    const runs = impl.runs.flatMap((r) => (r.metrics ? [r.metrics] : []));
    if (runs.length === 0) continue;
    const s = summarise(impl.id, impl.label, runs, w.metrics);
    const v = s.median[head.key];
    const summary: ImplSummary = {
      ...s,
      ratio: v !== undefined && baseMedian !== undefined && baseMedian !== 0 ? v / baseMedian : Number.NaN,
    };
    impl.summary = summary;
    summaries.set(impl.id, summary);
  }
  // A target is judged only on a workload whose columns all did the same work.
  const targets = w.targets.map((t) => {
    if (checksumErrors.length > 0) return { text: t.text, measured: "checksum mismatch: not judged" };
    const verdict = t.check((id) => summaries.get(id));
    return verdict === undefined ? { text: t.text } : { text: t.text, ...verdict };
  });
  return {
    id: w.id,
    number: w.number,
    title: w.title,
    description: w.description,
    metrics: w.metrics,
    baseline: w.baseline,
    params,
    reps,
    impls,
    ...(checksum !== undefined ? { checksum } : {}),
    checksumErrors,
    targets,
    load: [loadStart, loadAverage()[0] as number],
  };
}

async function main(): Promise<number> {
  const started = performance.now();
  if (!aioSource) ensureBuilt();
  const info = machine();
  const python = info.python !== undefined;
  const chosen = workloads.filter(selected);
  if (chosen.length === 0) {
    process.stderr.write(`no workload matches ${filter.join(",")}; try --help\n`);
    return 2;
  }
  process.stderr.write(
    `aio bench: ${chosen.length} workload(s), ${reps} reps${quick ? " (quick)" : ""}; Node ${info.node}; ` +
      `Python ${info.python ?? "not found"}; ${info.cpu} x${info.cores}; aio ${info.aio} ` +
      `(${aioSource ? "src/, TypeScript sources" : "dist/, compiled"})\n`,
  );
  const notes: string[] = [
    "HTTP (9) and downloader (10) workloads talk to a server in a process of its own on 127.0.0.1 " +
      "(bench/lib/http-server.ts), started before the workload's first repetition and shared by every column.",
    "Times are measured inside each process around the workload only (start-up, imports and a warm-up round " +
      "of N/10 excluded); `run()` / `runPromise` / `asyncio.run` set-up and tear-down are outside the timed region.",
    aioSource
      ? "aio's columns ran its TypeScript sources (src/, --aio-source), not the compiled package."
      : "aio's columns import the compiled package (dist/, built by `npm run build`), as a user's program does; " +
        "every implementation file and the harness itself still run through Node's type stripping.",
    "The issue 6 figure column repeats the numbers the issue quotes for that comparator (same unit), for context; " +
      "the ratios and verdicts use only this run's numbers.",
  ];
  if (!python) notes.push("python3 was not found on this machine: the Python asyncio columns are skipped.");
  const results: WorkloadResult[] = [];
  for (const w of chosen) {
    const r = await runWorkload(w, python, info.packages);
    results.push(r);
    process.stdout.write(`\n${workloadTable(r)}`);
  }
  const bench: BenchResult = {
    machine: info,
    quick,
    reps,
    filter,
    durationS: Math.round((performance.now() - started) / 1000),
    loadAverageEnd: loadAverage(),
    notes,
    workloads: results,
  };
  process.stdout.write(`\n## Targets\n\n${targetTable(bench)}\n\ntook ${bench.durationS} s\n`);
  if (write) {
    writeFileSync(here("./RESULTS.md"), resultsMarkdown(bench));
    writeFileSync(here("./results.json"), `${JSON.stringify(bench, null, 2)}\n`);
    writeFileSync(here("./chart.svg"), chartSvg(bench));
    process.stderr.write("wrote bench/RESULTS.md, bench/results.json, bench/chart.svg\n");
  }
  return results.some((r) => r.checksumErrors.length > 0) ? 1 : 0;
}

process.exitCode = await main();
