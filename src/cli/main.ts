import { readFileSync } from "node:fs";

const HELP = `aio: asyncio's model of concurrency for TypeScript

Usage:
  aio fetch [URL...] [-i FILE|-] [-o DIR]   download many URLs at once (aio fetch --help)
  aio serve [--port 8080]                   an httpbin-compatible test server (aio serve --help)
  aio ps PID [--json]                       the aio tasks of a running process (aio ps --help)
  aio pstree PID [--json]                   their await tree (aio pstree --help)
  aio trace FILE.json [-o OUT.html]         draw a trace of tasks as a timeline page (aio trace --help)
  aio --version                             print the version
  aio --help                                print this help
`;

/** The CLI's entry point: returns the process exit code (0 ok, 1 failed, 2 bad usage). */
export async function main(argv: readonly string[]): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  if (first === "--version" || first === "-v") {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (first === "fetch") {
    const { fetchCommand } = await import("./fetch/fetch-command.ts");
    return fetchCommand(argv.slice(1), version);
  }
  if (first === "serve") {
    const { serveCommand } = await import("./serve.ts");
    return serveCommand(argv.slice(1));
  }
  if (first === "ps" || first === "pstree") {
    const { psCommand } = await import("./ps/ps-command.ts");
    return psCommand(first, argv.slice(1));
  }
  if (first === "trace") {
    const { traceCommand } = await import("./trace/trace-command.ts");
    return traceCommand(argv.slice(1));
  }
  process.stderr.write(`aio: unknown command ${JSON.stringify(first)}\n\n${HELP}`);
  return 2;
}
