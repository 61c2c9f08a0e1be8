// `aio ps PID` and `aio pstree PID`: the tasks of another running Node.js process that uses aio-ts.
import { ANSWER_TIMEOUT_MS, ReachError, readProcess } from "./reach.ts";
import { buildTree, renderTable, renderTree } from "./render.ts";

/** Task lines printed when neither `--limit` nor `--all` is given. */
export const DEFAULT_LIMIT = 100;

/** `aio ps --help` and `aio pstree --help`. */
export function psHelp(command: "ps" | "pstree"): string {
  const what =
    command === "ps"
      ? "a table of the aio tasks of a running process: id, name, state, what each waits on, who awaits it, age"
      : "the await tree of a running process: each task under the tasks that await it (or created it), cycles marked";
  return `aio ${command}: ${what}

Usage:
  aio ${command} PID [--json] [--limit N | --all] [--timeout SECONDS]

Options:
  --json       print JSON instead (every task, no limit)
  --limit N    print at most N task lines (default ${DEFAULT_LIMIT}); the rest is counted by what it waits on
  --all        print every task
  --timeout S  give up if the process has not answered within S seconds (default ${ANSWER_TIMEOUT_MS / 1000}): a
               process whose event loop is blocked, or that is stopped, cannot answer
  -h, --help   print this help

PID is a Node.js process of yours that imported aio-ts, started in no special way. aio reads it through a socket
that aio-ts opens for that process, reachable by your user only (docs/inspect.md); the process is not stopped,
signalled or changed.

Exit codes: 0 printed, 1 the process could not be read (the line on stderr says why), 2 bad usage.

Examples:
  aio ${command} 4242
  aio ${command} $(pgrep -f crawler.js) --all
  aio ${command} 4242 --json | jq '.${command === "ps" ? 'loops[].tasks[] | select(.waitsOn.kind == "lock")' : "cycles"}'
`;
}

class UsageError extends Error {}

interface PsArgs {
  pid: number;
  json: boolean;
  limit: number;
  timeoutMs: number;
  help: boolean;
}

function parseArgs(argv: readonly string[]): PsArgs {
  const args: PsArgs = { pid: 0, json: false, limit: DEFAULT_LIMIT, timeoutMs: ANSWER_TIMEOUT_MS, help: false };
  let pid: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const noValue = (): void => {
      if (eq >= 0) throw new UsageError(`${name} takes no value, got ${JSON.stringify(arg)}`);
    };
    switch (name) {
      case "--json":
        noValue();
        args.json = true;
        break;
      case "--all":
        noValue();
        args.limit = Number.POSITIVE_INFINITY;
        break;
      case "--limit": {
        const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
        if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1) {
          throw new UsageError(`--limit needs a positive whole number, got ${JSON.stringify(value ?? "")}`);
        }
        args.limit = Number(value);
        break;
      }
      case "--timeout": {
        const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
        const seconds = value === undefined || value.trim() === "" ? Number.NaN : Number(value);
        if (!Number.isFinite(seconds) || seconds <= 0) {
          throw new UsageError(`--timeout needs a positive number of seconds, got ${JSON.stringify(value ?? "")}`);
        }
        args.timeoutMs = seconds * 1000;
        break;
      }
      case "-h":
      case "--help":
        noValue();
        args.help = true;
        break;
      default:
        if (arg.startsWith("-") || pid !== undefined) throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
        pid = arg;
    }
  }
  if (args.help) return args;
  if (pid === undefined) throw new UsageError("which process? give its PID");
  // Decimal digits only: "0x10", "1e3" or "-1" (every process of the user, for kill(2)) are not a process id.
  if (!/^\d+$/.test(pid) || Number(pid) < 1 || !Number.isSafeInteger(Number(pid))) {
    throw new UsageError(`PID must be a positive whole number, got ${JSON.stringify(pid)}`);
  }
  args.pid = Number(pid);
  return args;
}

/** Runs `aio ps` or `aio pstree` with `argv` (what follows the command's name); returns the exit code. */
export async function psCommand(command: "ps" | "pstree", argv: readonly string[]): Promise<number> {
  let args: PsArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`aio ${command}: ${error.message}\nRun \`aio ${command} --help\` for usage.\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(psHelp(command));
    return 0;
  }
  if (process.platform === "win32") {
    // The channel is a Unix socket in a folder only its user can enter; aio-ts opens none on Windows.
    process.stderr.write(`aio ${command}: not available on Windows (docs/inspect.md)\n`);
    return 1;
  }
  let target: Awaited<ReturnType<typeof readProcess>>;
  try {
    target = await readProcess(args.pid, args.timeoutMs);
  } catch (error) {
    if (!(error instanceof ReachError)) throw error;
    process.stderr.write(`aio ${command}: ${error.message}\n`);
    return 1;
  }
  if (args.json) {
    const data = command === "ps" ? target : { pid: target.pid, argv: target.argv, ...buildTree(target) };
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  } else {
    process.stdout.write((command === "ps" ? renderTable : renderTree)(target, { limit: args.limit }));
  }
  return 0;
}
