// `npm run test:bun`, `npm run test:deno` and `npm run test:node22`: the test
// suite on Bun, Deno or Node 22, with the binaries the repo pins (node_modules,
// tools/node22), minus the tests that
// test/runtimes.json excludes on that runtime, each with its reason
// (docs/runtimes.md explains them). Prints the exclusions, streams the
// runner's output, then repeats the runner's closing lines; exits non-zero if
// a test failed, the runner found no tests, an exclusion names a test that no
// longer exists, or the run takes longer than LIMIT_MS.
//
//   node scripts/test-runtime.ts bun|deno|node22 [test files...]
//
// Bun: `bun test`, one fresh global per file (`--isolate`, as node --test runs
// a process per file); node:test's `describe`/`test` work there, not under
// plain `bun file.ts`. Excluded tests are left out by a `-t` pattern (Bun
// matches it against the full name, suites included) and counted as
// "filtered out". Deno: `deno test`, type-checked (deno.json), with "node:test"
// mapped to test/runtimes/node-test.ts, which registers an excluded test with
// `skip: reason`, so Deno lists it as "ignored" (its `--filter` cannot reach
// a test inside a `describe`).
//
// Node 22: `node --test`, with scripts/lower-syntax.mjs loaded (its V8 does
// not parse `await using`, which the tests use; the hook lowers it as the
// build does, and maps "node:test" to the same wrapper as Deno's).
//
// The source condition goes through the environment (BUN_OPTIONS,
// DENO_CONDITIONS), as NODE_OPTIONS does for `npm run test:unit`, so that the
// programs a test spawns with `process.execPath` run the sources too.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

interface Exclusion {
  /** The test file, from the repo's root. */
  file: string;
  /** The test's full name, suites first, joined by " > "; absent: the whole file. */
  test?: string;
  reason: string;
}

type Runtime = "bun" | "deno" | "node22";
const RUNTIMES: readonly string[] = ["bun", "deno", "node22"];

/** A run that goes past this is stuck: fail it rather than hold CI (a full run takes 1-3 minutes). */
const LIMIT_MS = 15 * 60_000;
/** Per test, for Bun (whose default is 5 s; node:test has none): generous, for a loaded machine. */
const BUN_TEST_TIMEOUT_MS = 120_000;

/** Colour codes, should a runner ignore NO_COLOR. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = {
  bun: join(ROOT, "node_modules/.bin/bun"),
  deno: join(ROOT, "node_modules/.bin/deno"),
  node22: join(ROOT, "tools/node22/node_modules/node/bin/node"),
};

function fail(message: string): never {
  console.error(`test-runtime: ${message}`);
  process.exit(2);
}

function readExclusions(runtime: Runtime): Exclusion[] {
  const list = JSON.parse(readFileSync(join(ROOT, "test/runtimes.json"), "utf8")) as Record<string, unknown>;
  const entries = (list[runtime] ?? []) as Exclusion[];
  for (const entry of entries) {
    const where = `test/runtimes.json (${runtime}): ${entry.file}${entry.test === undefined ? "" : ` > ${entry.test}`}`;
    if (typeof entry.reason !== "string" || entry.reason.trim() === "") fail(`${where} has no reason`);
    const path = join(ROOT, entry.file);
    if (!existsSync(path)) fail(`${where}: no such file`);
    // A renamed test would slip back in unnoticed, or a stale entry would stay forever: its own name must be in the file.
    const own = entry.test?.split(" > ").at(-1);
    if (own !== undefined && !readFileSync(path, "utf8").includes(own))
      fail(`${where}: no test of that name in the file`);
  }
  return entries;
}

function testFiles(): string[] {
  return (readdirSync(join(ROOT, "test"), { recursive: true }) as string[])
    .filter((file) => file.endsWith(".test.ts"))
    .map((file) => `test/${file.split("\\").join("/")}`)
    .sort();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

interface Step {
  bin: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

function steps(runtime: Runtime, files: string[], skipped: Exclusion[]): Step[] {
  const env = { ...process.env, NO_COLOR: "1" };
  if (runtime === "bun") {
    const args = ["test", "--isolate", `--timeout=${BUN_TEST_TIMEOUT_MS}`];
    // Bun's full name of a test is its suites' names and its own, joined by spaces.
    const names = skipped.map((entry) => escapeRegExp((entry.test ?? "").split(" > ").join(" ")));
    if (names.length > 0) args.push("-t", `^(?!(?:${names.join("|")})$)`);
    // "./" makes Bun take each as a path, not as a filter on file names.
    args.push(...files.map((file) => `./${file}`));
    return [{ bin: BIN.bun, args, env: { ...env, BUN_OPTIONS: "--conditions=aio-ts-source" } }];
  }
  if (runtime === "node22") {
    const hooks = join(ROOT, "scripts/lower-syntax.mjs");
    const nodeEnv = { ...env, NODE_OPTIONS: `--conditions=aio-ts-source --import=${hooks}` };
    return [{ bin: BIN.node22, args: ["--test", "--test-reporter=spec", ...files], env: nodeEnv }];
  }
  const denoEnv = { ...env, DENO_CONDITIONS: "aio-ts-source" };
  const common = ["--no-lock", "--import-map", "test/runtimes/deno-imports.json"];
  return [
    // Type-check once, up front: `deno test` would check again in every worker
    // thread a WorkerPool starts (seconds each, minutes in all).
    { bin: BIN.deno, args: ["check", ...common, ...files], env: denoEnv },
    { bin: BIN.deno, args: ["test", "-A", "--no-check", ...common, ...files], env: denoEnv },
  ];
}

/** The runner's closing lines: Bun's counts and "Ran N tests", Deno's "ok | ..." or "FAILED | ...", node's "ℹ pass N". */
function isClosingLine(runtime: Runtime, line: string): boolean {
  if (runtime === "node22") return /^ℹ (tests|pass|fail|cancelled|skipped) \d+$/.test(line);
  if (runtime === "bun")
    return /^\s*\d+ (pass|fail|skip|todo|filtered out)\s*$/.test(line) || /^Ran \d+ tests? /.test(line);
  return /^(ok|FAILED) \| /.test(line);
}

async function main(): Promise<number> {
  const given = process.argv[2] ?? "";
  if (!RUNTIMES.includes(given)) fail("usage: node scripts/test-runtime.ts bun|deno|node22 [test files...]");
  const runtime = given as Runtime;
  const exclusions = readExclusions(runtime);
  const wholeFiles = new Set(exclusions.filter((entry) => entry.test === undefined).map((entry) => entry.file));
  const chosen = process.argv.slice(3).map((file) => relative(ROOT, join(process.cwd(), file)).split("\\").join("/"));
  const files = (chosen.length > 0 ? chosen : testFiles()).filter((file) => !wholeFiles.has(file));
  const skipped = exclusions.filter((entry) => entry.test !== undefined && files.includes(entry.file));

  console.log(`${runtime}: ${files.length} test files; excluded here (test/runtimes.json, docs/runtimes.md):`);
  for (const entry of exclusions) {
    console.log(
      `  - ${entry.file}${entry.test === undefined ? " (whole file)" : `: ${entry.test}`}\n      ${entry.reason}`,
    );
  }

  const started = Date.now();
  const closing: string[] = [];
  let code = 0;
  for (const step of steps(runtime, files, skipped)) {
    code = await runStep(runtime, step, closing);
    if (code !== 0) break;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`\n── ${runtime} (${seconds} s): ${closing.join("; ") || "no closing line from the runner"}`);
  if (code === 0 && closing.length === 0) return 1;
  return code;
}

/** Runs one command, streaming its output and collecting the runner's closing lines; its exit code. */
async function runStep(runtime: Runtime, step: Step, closing: string[]): Promise<number> {
  console.log(`\n$ ${[relative(ROOT, step.bin), ...step.args].join(" ")}`);
  const child = spawn(step.bin, step.args, {
    cwd: ROOT,
    env: step.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    let pending = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      out.write(chunk);
      const lines = (pending + chunk).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const plain = line.replace(ANSI, "");
        if (isClosingLine(runtime, plain)) closing.push(plain.trim());
      }
    });
  }
  let timedOut = false;
  const limit = setTimeout(() => {
    timedOut = true;
    // The whole group: the runner and the programs its tests spawned.
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
  }, LIMIT_MS);
  const code = await new Promise<number>((resolve) => {
    child.on("close", (status, signal) => resolve(status ?? (signal === null ? 1 : 128)));
  });
  clearTimeout(limit);
  if (timedOut) {
    console.log(`── stopped after ${LIMIT_MS / 60_000} minutes`);
    return 1;
  }
  return code;
}

process.exitCode = await main();
