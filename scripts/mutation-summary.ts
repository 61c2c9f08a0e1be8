// `npm run mutate:summary`: the score of each folder that `npm run mutate` reported on (reports/mutation/*.json), as
// the Markdown table in docs/testing.md, then every mutant still alive (survived, or reached by no test) and every
// mutant marked equivalent in the source (a `// Stryker disable next-line <mutator>: <why>` comment), with where it is.
//
//   npm run mutate:summary              all folders with a report
//   npm run mutate:summary -- sync core only these
import { existsSync, readdirSync, readFileSync } from "node:fs";

interface Mutant {
  mutatorName: string;
  replacement?: string;
  status: string;
  statusReason?: string;
  location: { start: { line: number; column: number } };
}
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}

const dir = "reports/mutation";
const wanted = process.argv.slice(2);
const areas = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith(".json") && !f.endsWith(".incremental.json"))
      .map((f) => f.slice(0, -".json".length))
      .filter((a) => wanted.length === 0 || wanted.includes(a))
      .sort()
  : [];
if (areas.length === 0) {
  process.stderr.write(`No mutation report in ${dir}/: run \`npm run mutate\` first (MUTATE=src/<folder>).\n`);
  process.exit(1);
}

const rows: string[] = [];
const alive: string[] = [];
const equivalent: string[] = [];
for (const area of areas) {
  const report = JSON.parse(readFileSync(`${dir}/${area}.json`, "utf8")) as Report;
  const count: Record<string, number> = {};
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const lines = source.split("\n");
    for (const m of mutants) {
      count[m.status] = (count[m.status] ?? 0) + 1;
      const { line, column } = m.location.start;
      const where = `\`${file}:${line}:${column}\` ${m.mutatorName}`;
      const code = (lines[line - 1] ?? "").trim();
      if (m.status === "Survived" || m.status === "NoCoverage") {
        alive.push(`- ${where} (${m.status}): \`${code}\` → \`${(m.replacement ?? "").replace(/\s+/g, " ")}\``);
      } else if (m.status === "Ignored") {
        equivalent.push(`- ${where}: ${(m.statusReason ?? "").replace(/^equivalent, /, "")}`);
      }
    }
  }
  const n = (s: string): number => count[s] ?? 0;
  const detected = n("Killed") + n("Timeout");
  const valid = detected + n("Survived") + n("NoCoverage");
  const score = valid === 0 ? "n/a" : `${((100 * detected) / valid).toFixed(1)}%`;
  rows.push(
    `| \`src/${area}\` | ${score} | ${n("Killed")} | ${n("Timeout")} | ${n("Survived")} | ${n("NoCoverage")} | ${n("Ignored")} |`,
  );
}

const out = [
  "| folder | score | killed | timed out | survived | no coverage | equivalent (ignored) |",
  "| --- | --- | --- | --- | --- | --- | --- |",
  ...rows,
  "",
  `Mutants alive: ${alive.length}`,
  ...alive,
  "",
  `Mutants marked equivalent: ${equivalent.length}`,
  ...equivalent,
];
process.stdout.write(`${out.join("\n")}\n`);
