import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ensureDebianPackages } from "../../lib/apt.ts";
import { impl } from "../../lib/define.ts";
import { commandVersion } from "../../lib/machine.ts";
import { startServer } from "../../lib/server.ts";
import type { Fixture, ImplDef, MetricDef, WorkloadDef } from "../../lib/types.ts";

const here = import.meta.url;
const aioBin = fileURLToPath(new URL("../../../bin/aio.js", here));

/** `aio fetch` is being written: until `aio fetch --help` exits 0, its column says so instead of failing. */
function aioFetchMissing(): string | undefined {
  const r = spawnSync(process.execPath, [aioBin, "fetch", "--help"], { encoding: "utf8" });
  return r.error === undefined && r.status === 0
    ? undefined
    : `not available yet (\`aio fetch --help\` exited ${r.status ?? r.error?.message})`;
}

const missing = (command: string, pkg: string) => (): string | undefined =>
  commandVersion(command) === undefined ? `${command} not installed (Debian: ${pkg})` : undefined;

const impls: ImplDef[] = [
  impl(here, "curl.ts", {
    id: "curl",
    label: "curl --parallel",
    note: "--parallel-max 16; curl 7.88 has no cap per host (all the URLs are on one host)",
    skip: missing("curl", "curl"),
  }),
  impl(here, "aio-fetch.ts", {
    id: "aio-fetch",
    label: "aio fetch",
    aio: true,
    note: "-j 16 --per-host 16; its wall time includes starting Node and loading aio from dist/",
    skip: aioFetchMissing,
  }),
  impl(here, "node-floor.ts", {
    id: "node-floor",
    label: "Node floor: undici + node:fs, no aio",
    note:
      "reference point: undici request() and node:fs with aio fetch's file guarantees (own file, link, unlink), " +
      "nothing else (no retries, timeouts, names, report); the distance to curl here is Node's, not aio's",
  }),
  impl(here, "aria2c.ts", {
    id: "aria2c",
    label: "aria2c -i",
    note: "-x 1 -s 1: one connection a file, as the others; aria2c has no cap per host across downloads",
    skip: missing("aria2c", "aria2"),
  }),
];

/** The server in its own process; curl and aria2 from Debian if missing (as root, guarded: else the column is skipped). */
async function setup(): Promise<Fixture> {
  ensureDebianPackages(["curl"], () => commandVersion("curl") !== undefined);
  ensureDebianPackages(["aria2"], () => commandVersion("aria2c") !== undefined);
  const versions: Record<string, string> = {};
  for (const command of ["curl", "aria2c"]) {
    const v = commandVersion(command);
    if (v !== undefined) versions[command] = v;
  }
  const server = await startServer();
  return { params: { url: server.url }, versions, teardown: server.stop };
}

const metrics: MetricDef[] = [
  { key: "wallMs", label: "wall", unit: "ms" },
  { key: "filesPerS", label: "files/s", unit: "files/s" },
  { key: "mbPerS", label: "MB/s", unit: "MB/s", digits: 1 },
  // The command's own CPU time (user + system; Linux only): it moves far less than wall time on a shared machine.
  { key: "cpuMs", label: "CPU ms (user + system)", unit: "ms" },
];

const description = (what: string): string =>
  `The same list of N URLs (${what}) from a local node:http server in its own process (bench/lib/http-server.ts, ` +
  "on 127.0.0.1) downloaded into an empty temporary folder, `parallel` = 16 downloads at once (and 16 per host " +
  "where the tool has a per-host cap). Timed: the whole command, from spawn to exit, start-up included. The " +
  "checksum adds up every file written: its length and its first, middle and last bytes.";

export const downloadSmall: WorkloadDef = {
  id: "download-small",
  number: "10a",
  title: "downloader, small files",
  description: description("files of 10 KiB"),
  metrics,
  baseline: "curl",
  params: { n: 10_000, seed: 1, size: 10 * 1024, parallel: 16, perHost: 16 },
  quickParams: { n: 500, seed: 1, size: 10 * 1024, parallel: 16, perHost: 16 },
  warmup: false,
  impls,
  targets: [],
  setup,
};

export const downloadLarge: WorkloadDef = {
  id: "download-large",
  number: "10b",
  title: "downloader, 10 MB files",
  description: description("files of 10 MiB"),
  metrics,
  baseline: "curl",
  params: { n: 100, seed: 1, size: 10 * 1024 * 1024, parallel: 16, perHost: 16 },
  quickParams: { n: 8, seed: 1, size: 10 * 1024 * 1024, parallel: 16, perHost: 16 },
  warmup: false,
  impls,
  targets: [],
  setup,
};
