import { readFileSync } from "node:fs";

const HELP = `aio: asyncio's model of concurrency for TypeScript

Usage:
  aio serve [--port 8080]   an httpbin-compatible test server (aio serve --help)
  aio --version             print the version
  aio --help                print this help

More commands (fetch, run, ps) arrive with the downloader work; see the README.
`;

/** The CLI's entry point: returns the process exit code (0 ok, 1 failed, 2 bad usage). */
export async function main(argv: readonly string[]): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  if (first === "--version" || first === "-v") {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  if (first === "serve") {
    const { serveCommand } = await import("./serve.ts");
    return serveCommand(argv.slice(1));
  }
  process.stderr.write(`aio: unknown command ${JSON.stringify(first)}\n\n${HELP}`);
  return 2;
}
