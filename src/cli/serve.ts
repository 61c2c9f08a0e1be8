import { sleep } from "../core/index.ts";
import { run } from "../runner/run.ts";
import { FAULT_HELP, type HelpEntry, ROUTE_HELP } from "../testing/server/catalog.ts";
import { serve } from "../testing/server/index.ts";

/** Two columns; a usage wider than the first column gets its summary on the next line. */
function table(entries: readonly HelpEntry[], width: number): string {
  const pad = " ".repeat(width + 4);
  return entries
    .map((e) =>
      e.usage.length > width ? `  ${e.usage}\n${pad}${e.summary}` : `  ${e.usage.padEnd(width)}  ${e.summary}`,
    )
    .join("\n");
}

/** `aio serve --help`. */
export const SERVE_HELP = `aio serve: an httpbin-compatible HTTP server with fault injection, for testing HTTP clients

Usage:
  aio serve [--port 8080] [--host 127.0.0.1] [--quiet]

Options:
  -p, --port N     port to listen on (default 8080; 0 picks a free port)
  -H, --host ADDR  address to bind (default 127.0.0.1, loopback only)
  -q, --quiet      no request log on stderr
  -h, --help       print this help

Prints the URL, then serves until Ctrl-C (exit code 130).

Routes:
${table(ROUTE_HELP, 32)}

Faults (query parameters, on any route; combine "what" and "when"):
${table(FAULT_HELP, 24)}

Examples:
  aio serve --port 0
  curl 'http://127.0.0.1:8080/get?x=1'
  curl 'http://127.0.0.1:8080/bytes/1000?seed=7&fault=reset-mid-body'
  curl -i 'http://127.0.0.1:8080/get?status=429&retry-after=2&fail-times=1'

More: docs/serve.md
`;

class UsageError extends Error {}

interface ServeArgs {
  port: number;
  host: string;
  quiet: boolean;
  help: boolean;
}

function parsePort(text: string | undefined): number {
  if (text === undefined || !/^\d+$/.test(text) || Number(text) > 65535) {
    throw new UsageError(`--port needs a number from 0 to 65535, got ${JSON.stringify(text ?? "")}`);
  }
  return Number(text);
}

/** Parses `aio serve`'s arguments; throws `UsageError` on bad usage. */
function parseArgs(argv: readonly string[]): ServeArgs {
  const args: ServeArgs = { port: 8080, host: "127.0.0.1", quiet: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const value = (): string | undefined => (eq < 0 ? argv[++i] : arg.slice(eq + 1));
    const noValue = (): void => {
      if (eq >= 0) throw new UsageError(`${name} takes no value, got ${JSON.stringify(arg)}`);
    };
    switch (name) {
      case "-p":
      case "--port":
        args.port = parsePort(value());
        break;
      case "-H":
      case "--host": {
        const host = value();
        if (host === undefined || host === "") throw new UsageError("--host needs an address");
        args.host = host;
        break;
      }
      case "-q":
      case "--quiet":
        noValue();
        args.quiet = true;
        break;
      case "-h":
      case "--help":
        noValue();
        args.help = true;
        break;
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return args;
}

/**
 * `aio serve`: starts the embedded server and serves until Ctrl-C. Returns
 * the exit code: 0 after `--help`, 1 if the address cannot be bound, 2 on bad
 * usage. Ctrl-C (or SIGTERM) cancels the serving task, which closes the
 * server; `run()` then exits the process with code 130 (143 for SIGTERM).
 */
export async function serveCommand(argv: readonly string[]): Promise<number> {
  let args: ServeArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`aio serve: ${error.message}\nRun \`aio serve --help\` for usage.\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  return run(async () => {
    let server: Awaited<ReturnType<typeof serve>>;
    try {
      server = await serve({ port: args.port, host: args.host, quiet: args.quiet });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === "EADDRINUSE"
          ? `port ${args.port} is already in use (try --port 0)`
          : code === "EACCES"
            ? `no permission to listen on port ${args.port}`
            : code === "EADDRNOTAVAIL" || code === "ENOTFOUND"
              ? `cannot bind address ${args.host}`
              : (error as Error).message;
      process.stderr.write(`aio serve: ${why}\n`);
      return 1;
    }
    process.stdout.write(`aio serve: listening on ${server.url} (Ctrl-C to stop)\n`);
    try {
      await sleep(Number.POSITIVE_INFINITY);
    } finally {
      await server.close();
      process.stderr.write("aio serve: stopped\n");
    }
    return 0;
  });
}
