import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { timelineHtml } from "./timeline-html.ts";
import { buildTimeline, readTraceFile, TraceFileError } from "./trace-file.ts";

/** `aio trace --help`. */
export const TRACE_HELP = `aio trace: draw a trace of tasks as a timeline page

Usage:
  aio trace FILE.json [-o OUT.html]

Options:
  -o, --output OUT  where to write the page (default: FILE.html beside FILE.json)
  -h, --help        print this help

FILE.json is a Chrome trace-event file, as run(main, { trace: "FILE.json" }) or
AIO_TRACE=FILE.json records it. The page is one self-contained HTML file (no
network): one lane per task, its waits coloured by kind, cancels marked, zoom,
pan and hover details. Perfetto (ui.perfetto.dev) and chrome://tracing open the
same file.

Examples:
  AIO_TRACE=t.json node crawler.ts
  aio trace t.json -o timeline.html

More: docs/inspect.md
`;

class UsageError extends Error {}

interface TraceArgs {
  input: string | undefined;
  output: string | undefined;
  help: boolean;
}

function parseArgs(argv: readonly string[]): TraceArgs {
  const args: TraceArgs = { input: undefined, output: undefined, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "-h" || arg === "--help") args.help = true;
    else if (arg === "-o" || arg === "--output" || arg.startsWith("--output=")) {
      const value = arg.startsWith("--output=") ? arg.slice("--output=".length) : argv[++i];
      if (value === undefined || value === "") throw new UsageError(`${arg.split("=")[0]} needs a file name`);
      args.output = value;
    } else if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    else if (args.input === undefined) args.input = arg;
    else throw new UsageError(`one trace file at a time, got ${JSON.stringify(args.input)} and ${JSON.stringify(arg)}`);
  }
  return args;
}

/** FILE.json gives FILE.html; any other name gets `.html` appended. */
export function defaultOutput(input: string): string {
  return input.toLowerCase().endsWith(".json") ? `${input.slice(0, -5)}.html` : `${input}.html`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * `aio trace FILE.json [-o OUT.html]`: writes the timeline page. Returns the exit code: 0 when the page is written,
 * 1 when the trace cannot be read (one line on stderr says why) or the page cannot be written, 2 on bad usage.
 */
export function traceCommand(argv: readonly string[]): number {
  let args: TraceArgs;
  try {
    args = parseArgs(argv);
    if (!args.help && args.input === undefined) throw new UsageError("which trace file? (aio trace FILE.json)");
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`aio trace: ${error.message}\nRun \`aio trace --help\` for usage.\n`);
    return 2;
  }
  if (args.help || args.input === undefined) {
    process.stdout.write(TRACE_HELP);
    return 0;
  }
  const output = args.output ?? defaultOutput(args.input);
  if (resolve(output) === resolve(args.input)) {
    process.stderr.write(`aio trace: the page would overwrite the trace ${args.input}; choose another name with -o\n`);
    return 1;
  }
  let html: string;
  let summary: string;
  try {
    const model = buildTimeline(readTraceFile(args.input), args.input);
    html = timelineHtml(model);
    summary = `${plural(model.tasks.length, "task")}, ${plural(model.waits.length, "wait")}, ${plural(model.cancels.length, "cancel")}`;
    if (model.ignored > 0) summary += ` (${plural(model.ignored, "other event")} left out)`;
  } catch (error) {
    if (!(error instanceof TraceFileError)) throw error;
    process.stderr.write(`aio trace: ${error.message}\n`);
    return 1;
  }
  try {
    writeFileSync(output, html);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "its folder does not exist"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : (error as Error).message;
    process.stderr.write(`aio trace: cannot write ${output}: ${why}\n`);
    return 1;
  }
  process.stdout.write(`aio trace: wrote ${output}: ${summary}\n`);
  return 0;
}
