import { impl } from "../../lib/define.ts";
import { pythonWith } from "../../lib/machine.ts";
import { ahead } from "../../lib/targets.ts";
import type { ImplDef, MetricDef, Target, WorkloadDef } from "../../lib/types.ts";

const here = import.meta.url;

const impls: ImplDef[] = [
  impl(here, "raw.ts", {
    id: "raw",
    label: "net.Socket, hand-written",
    note: "the floor: 'data' handlers and a chunk list, no reader, no tasks",
  }),
  impl(here, "aio.ts", { id: "aio", label: "aio streams (startServer + openConnection)", aio: true }),
  impl(here, "py-asyncio.py", { id: "asyncio", label: "Python asyncio streams" }),
  impl(here, "py-uvloop.py", {
    id: "uvloop",
    label: "Python asyncio streams on uvloop",
    skip: () => (pythonWith("uvloop") === undefined ? "uvloop not installed" : undefined),
    python: () => pythonWith("uvloop")?.python,
  }),
];

const metrics: MetricDef[] = [
  { key: "usPerRoundTrip", label: "µs/round trip", unit: "µs/trip", digits: 1 },
  { key: "roundTripsPerS", label: "round trips/s", unit: "trips/s" },
  { key: "mbPerS", label: "MB/s (each way)", unit: "MB/s", digits: 1 },
];

const description = (what: string): string =>
  `${what} Server and clients run in the same process, on 127.0.0.1, TCP_NODELAY; the server echoes what it reads ` +
  "(read up to 64 KiB, write, drain), each client sends a message, drains, and reads the whole echo back before " +
  "the next. Timed from the first message to the last echo (connecting and closing excluded). The checksum adds " +
  "up each echo's length and its first, middle and last bytes.";

const throughputTargets = (): Target[] => [
  ahead("aio: at least 0.9x the hand-written net.Socket's throughput", "aio", "raw", "usPerRoundTrip", 0.9, 1),
  ahead("aio: ahead of Python asyncio streams", "aio", "asyncio", "usPerRoundTrip", 1, 1),
];

export const streamsEcho1: WorkloadDef = {
  id: "streams-echo-1",
  number: "12a",
  title: "Streams echo, 64 KiB messages, 1 connection",
  description: description("N round trips of a 64 KiB message over one connection."),
  metrics,
  baseline: "raw",
  params: { n: 20_000, seed: 1, size: 65_536, connections: 1 },
  quickParams: { n: 2_000, seed: 1, size: 65_536, connections: 1 },
  warmup: (params) => ({ ...params, n: Math.max(200, Math.floor(params.n / 10)) }),
  impls,
  targets: throughputTargets(),
};

export const streamsEcho100: WorkloadDef = {
  id: "streams-echo-100",
  number: "12b",
  title: "Streams echo, 64 KiB messages, 100 connections",
  description: description("N round trips of a 64 KiB message, N/100 on each of 100 connections at once."),
  metrics,
  baseline: "raw",
  params: { n: 20_000, seed: 1, size: 65_536, connections: 100 },
  quickParams: { n: 4_000, seed: 1, size: 65_536, connections: 100 },
  warmup: (params) => ({ ...params, n: Math.max(1_000, Math.floor(params.n / 10)) }),
  impls,
  targets: throughputTargets(),
};

export const streamsLatency: WorkloadDef = {
  id: "streams-latency",
  number: "12c",
  title: "Streams request/response latency, 1-byte messages",
  description: description("N round trips of a 1-byte message over one connection, one at a time."),
  metrics,
  baseline: "raw",
  params: { n: 10_000, seed: 1, size: 1, connections: 1 },
  quickParams: { n: 10_000, seed: 1, size: 1, connections: 1 },
  warmup: true,
  impls,
  targets: [
    ahead("aio: at most 1.2x the hand-written net.Socket's latency", "aio", "raw", "usPerRoundTrip", 1 / 1.2, 2),
    ahead("aio: ahead of Python asyncio streams", "aio", "asyncio", "usPerRoundTrip", 1, 2),
  ],
};
