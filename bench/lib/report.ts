// Tables (Markdown, printed and written to RESULTS.md) from a bench run.
import type { BenchResult, ImplResult, WorkloadResult } from "./results.ts";
import { fmt } from "./targets.ts";
import type { MetricDef } from "./types.ts";

function cell(m: MetricDef, value: number | undefined): string {
  return value === undefined ? "–" : fmt(value, m.digits ?? 0);
}

function nameCell(impl: ImplResult, baseline: string): string {
  const name = impl.aio ? `**${impl.label}**` : impl.label;
  return impl.id === baseline ? `${name} (baseline)` : name;
}

/** One workload's table, its notes, and its checksum line. */
export function workloadTable(w: WorkloadResult): string {
  const [head, ...rest] = w.metrics as [MetricDef, ...MetricDef[]];
  const lines: string[] = [];
  lines.push(`### ${w.number}. ${w.title}`);
  lines.push("");
  lines.push(
    `N = ${fmt(w.params.n)} · ${w.reps} repetitions, each implementation in a fresh process, interleaved · ` +
      `ratios against ${w.impls.find((i) => i.id === w.baseline)?.label ?? w.baseline}` +
      (w.load === undefined ? "" : ` · load average ${w.load[0]} → ${w.load[1]}`),
  );
  lines.push("");
  lines.push(w.description);
  lines.push("");
  const header = [
    "implementation",
    `${head.label} (median)`,
    "spread (min–max)",
    "× baseline",
    ...rest.map(
      (m) => `${m.label}${m.unit && m.unit !== head.unit ? ` (${m.unit})` : ""}${m.agg === "max" ? " (worst)" : ""}`,
    ),
    "issue 6 figure",
  ];
  lines.push(`| ${header.join(" | ")} |`);
  lines.push(`|${header.map((_, i) => (i === 0 ? "---" : "--:")).join("|")}|`);
  for (const impl of w.impls) {
    const s = impl.summary;
    if (impl.skipped !== undefined || s === undefined) {
      const why = impl.skipped ?? impl.runs.find((r) => r.error !== undefined)?.error ?? "no result";
      lines.push(`| ${nameCell(impl, w.baseline)} | skipped: ${why.split("\n")[0]} |${" |".repeat(header.length - 2)}`);
      continue;
    }
    const row = [
      nameCell(impl, w.baseline),
      `${cell(head, s.median[head.key])} ${head.unit}`,
      `${cell(head, s.min[head.key])}–${cell(head, s.max[head.key])}`,
      Number.isFinite(s.ratio) ? `${fmt(s.ratio, 2)}×` : "–",
      ...rest.map((m) => cell(m, m.agg === "max" ? s.max[m.key] : s.median[m.key])),
      impl.anchor === undefined ? "" : fmt(impl.anchor),
    ];
    const failed = impl.runs.filter((r) => r.error !== undefined).length;
    if (failed > 0) row[0] += ` (${failed} run(s) failed)`;
    lines.push(`| ${row.join(" | ")} |`);
  }
  lines.push("");
  const notes = w.impls.filter((i) => i.note !== undefined).map((i) => `- ${i.label}: ${i.note}`);
  if (notes.length > 0) lines.push(...notes, "");
  if (w.checksumErrors.length === 0) {
    lines.push(`Checksum ${fmt(w.checksum ?? Number.NaN)}: identical in every column and repetition.`);
  } else {
    lines.push(`**CHECKSUM MISMATCH**: ${w.checksumErrors.join("; ")}`);
  }
  lines.push("");
  return lines.join("\n");
}

/** Every issue-6 target next to what was measured. */
export function targetTable(result: BenchResult): string {
  const lines = ["| workload | target (issue 6) | measured | met |", "|---|---|---|:-:|"];
  for (const w of result.workloads) {
    for (const t of w.targets) {
      const mark = t.ok === undefined ? "–" : t.ok ? "✔" : "✘";
      lines.push(`| ${w.number}. ${w.title} | ${t.text} | ${t.measured ?? "not measured"} | ${mark} |`);
    }
  }
  return lines.join("\n");
}

export function resultsMarkdown(result: BenchResult): string {
  const m = result.machine;
  const pkgs = Object.entries(m.packages)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  const out: string[] = [];
  out.push("# aio benchmarks");
  out.push("");
  out.push(
    "Written by `npm run bench` (bench/run.ts); do not edit by hand. Issue 6 is the spec: each workload runs " +
      "for aio and for what users would pick instead, every implementation in a fresh process, interleaved " +
      "(A B C A B C ...), and the tables give medians over the repetitions with their spread, and the ratio to " +
      "the raw-promise baseline measured in the same run.",
  );
  out.push("");
  out.push("## Machine");
  out.push("");
  out.push(`- CPU: ${m.cpu}, ${m.cores} cores; ${m.memoryGiB} GiB RAM; ${m.os}`);
  out.push(`- Node ${m.node} (V8 ${m.v8}); Python ${m.python ?? "not found (Python columns skipped)"}`);
  out.push(`- aio: commit ${m.aio}; comparators: ${pkgs}`);
  out.push(
    `- Date: ${m.date}; load average (1, 5, 15 min) at start: ${m.loadAverage.join(", ")}` +
      (result.loadAverageEnd === undefined ? "" : `; at end: ${result.loadAverageEnd.join(", ")}`) +
      ` (${m.cores} cores: above ${m.cores}, other processes competed with the bench and the numbers are noisier)`,
  );
  out.push(
    `- Run: ${result.reps} repetitions${result.quick ? " (--quick)" : ""}${result.filter.length > 0 ? `, --filter ${result.filter.join(",")}` : ""}; took ${fmt(result.durationS)} s`,
  );
  out.push("");
  out.push(
    "Reproduce: `npm run bench` (`-- --quick` for a smoke run, `-- --filter timers,memory` for some workloads).",
  );
  out.push("");
  out.push("![Ratios to the raw-promise baseline](chart.svg)");
  out.push("");
  out.push("## Targets");
  out.push("");
  out.push(targetTable(result));
  out.push("");
  if (result.notes.length > 0) {
    out.push("## Notes");
    out.push("");
    for (const n of result.notes) out.push(`- ${n}`);
    out.push("");
  }
  out.push("## Workloads");
  out.push("");
  for (const w of result.workloads) out.push(workloadTable(w));
  return `${out.join("\n").trimEnd()}\n`;
}
