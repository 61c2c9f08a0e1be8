import { ensureDebianPackages } from "../../lib/apt.ts";
import { impl } from "../../lib/define.ts";
import { pythonWith } from "../../lib/machine.ts";
import { startServer } from "../../lib/server.ts";
import { ahead } from "../../lib/targets.ts";
import type { Fixture, ImplDef, MetricDef, Params, Target, WorkloadDef } from "../../lib/types.ts";

const here = import.meta.url;

const aiohttpMissing = (): string | undefined =>
  pythonWith("aiohttp") === undefined ? "aiohttp not importable by python3 (Debian: python3-aiohttp)" : undefined;

const impls: ImplDef[] = [
  impl(here, "undici.ts", {
    id: "undici",
    label: "undici request (Agent, raw)",
    note: "the floor: aio/http sits on undici; no interceptors, no decompression, no Accept-Encoding",
  }),
  impl(here, "aio-map.ts", { id: "aio-map", label: "aio ClientSession + map { concurrency }", aio: true }),
  impl(here, "aio-gather.ts", { id: "aio-gather", label: "aio ClientSession + gather (limit queues)", aio: true }),
  impl(here, "fetch-p-limit.ts", {
    id: "fetch",
    label: "fetch + p-limit",
    note: "Node's bundled undici on the global dispatcher, so its connections outlive the warm-up round",
  }),
  impl(here, "got.ts", { id: "got", label: "got + p-limit" }),
  impl(here, "py-aiohttp.py", {
    id: "aiohttp",
    label: "Python aiohttp ClientSession",
    skip: aiohttpMissing,
    python: () => pythonWith("aiohttp")?.python,
  }),
];

function targets(): Target[] {
  return [
    ahead("aio map: at least 0.9x undici request's throughput", "aio-map", "undici", "usPerRequest", 0.9, 1),
    ahead("aio map: at least 2x fetch + p-limit's throughput", "aio-map", "fetch", "usPerRequest", 2, 1),
    ahead("aio map: ahead of aiohttp", "aio-map", "aiohttp", "usPerRequest", 1, 1),
    ahead("aio gather: at least 0.9x undici request's throughput", "aio-gather", "undici", "usPerRequest", 0.9, 1),
  ];
}

/**
 * The server, in its own process, for every repetition; and Debian's python3-aiohttp, installed if no
 * python3 can import aiohttp (as root, guarded: the column is skipped with a note if that fails).
 */
async function setup(): Promise<Fixture> {
  ensureDebianPackages(["python3-aiohttp"], () => pythonWith("aiohttp") !== undefined);
  const aiohttp = pythonWith("aiohttp");
  const server = await startServer();
  return {
    params: { url: server.url },
    ...(aiohttp !== undefined ? { versions: { aiohttp: aiohttp.version } } : {}),
    teardown: server.stop,
  };
}

const metrics = (digits: number): MetricDef[] => [
  { key: "usPerRequest", label: "µs/request", unit: "µs/req", digits },
  { key: "requestsPerS", label: "requests/s", unit: "req/s" },
  { key: "mbPerS", label: "MB/s", unit: "MB/s", digits: 1 },
];

const description = (size: string): string =>
  `N GETs of a ${size} body from a local node:http server in its own process (bench/lib/http-server.ts, on ` +
  "127.0.0.1, keep-alive), at most `concurrency` = 100 in flight and a pool of 100 connections; every body is " +
  "read whole. Timed from creating the client to the last body read (closing it excluded). The checksum adds " +
  "up each body's length and its first, middle and last bytes.";

export const httpSmall: WorkloadDef = {
  id: "http-1k",
  number: "9a",
  title: "HTTP, 1 KB bodies",
  description: description("1 KB (1,024-byte)"),
  metrics: metrics(1),
  baseline: "undici",
  params: { n: 20_000, seed: 1, size: 1024, concurrency: 100 },
  quickParams: { n: 4_000, seed: 1, size: 1024, concurrency: 100 },
  warmup: true,
  impls,
  targets: targets(),
  setup,
};

export const httpLarge: WorkloadDef = {
  id: "http-1m",
  number: "9b",
  title: "HTTP, 1 MB bodies",
  description: description("1 MB (1,048,576-byte)"),
  metrics: metrics(0),
  baseline: "undici",
  params: { n: 200, seed: 1, size: 1024 * 1024, concurrency: 100 },
  quickParams: { n: 50, seed: 1, size: 1024 * 1024, concurrency: 100 },
  // A tenth of N (20 bodies), not the default's 1,000 at least: 1,000 MB would dwarf the timed round.
  warmup: (params: Params) => ({ ...params, n: Math.max(10, Math.floor(params.n / 10)) }),
  impls,
  targets: targets(),
  setup,
};
