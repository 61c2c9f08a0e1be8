// Issue 15's speed: 10k files of 10 KiB through the queue (Redis, BullMQ) with 1, 2 and 4 worker processes,
// against a local `aio fetch` of the same list.

import { startRedis } from "../../../test/redis.ts";
import { impl } from "../../lib/define.ts";
import { startServer } from "../../lib/server.ts";
import { withinOfBaseline } from "../../lib/targets.ts";
import type { Fixture, ImplDef, MetricDef, WorkloadDef } from "../../lib/types.ts";

const here = import.meta.url;

const impls: ImplDef[] = [
  impl(new URL("../downloader/", here).href, "aio-fetch.ts", {
    id: "aio-fetch",
    label: "aio fetch (local)",
    aio: true,
    note: "-j 16 --per-host 16, one process, no queue",
  }),
  ...[1, 2, 4].map((w) =>
    impl(here, `fleet-${w}.ts`, {
      id: `fleet-${w}`,
      label: `aio fetch --queue, ${w} worker${w === 1 ? "" : "s"}`,
      aio: true,
      note: `${w} × --worker -j 16 --per-host 16 on one output folder; --enqueue -i LIST --wait timed too`,
    }),
  ),
];

/** The HTTP server in its own process, and a redis-server of the bench's own (test/redis.ts: persistence off). */
async function setup(): Promise<Fixture> {
  const server = await startServer();
  const redis = await startRedis();
  const version = /v=(\S+)/.exec(
    (await import("node:child_process")).spawnSync("/usr/bin/redis-server", ["--version"], { encoding: "utf8" }).stdout,
  )?.[1];
  return {
    params: { url: server.url, redis: redis.url },
    versions: version === undefined ? {} : { "redis-server": version },
    teardown: async () => {
      await redis.stop();
      await server.stop();
    },
  };
}

const metrics: MetricDef[] = [
  { key: "wallMs", label: "wall", unit: "ms" },
  { key: "filesPerS", label: "files/s", unit: "files/s" },
  { key: "mbPerS", label: "MB/s", unit: "MB/s", digits: 1 },
  { key: "redisCallsPerFile", label: "Redis commands/file", unit: "commands", digits: 1 },
  { key: "scriptsPerFile", label: "EVALSHA/file", unit: "scripts", digits: 2 },
];

export const downloadFleet: WorkloadDef = {
  id: "download-fleet",
  number: "10c",
  title: "downloader through the queue (fleet)",
  description:
    "The list of 10a (N files of 10 KiB from a local node:http server in its own process) downloaded by " +
    "`aio fetch` alone, and through a queue on a local redis-server (started by the bench, persistence off) by 1, 2 " +
    "and 4 `aio fetch --worker` processes sharing one output folder. A fleet column's time runs from the workers' " +
    "spawn to the exit of `aio fetch --enqueue -i LIST --wait` (spawned with them); its Redis commands per file are counted " +
    "with INFO commandstats.",
  metrics,
  baseline: "aio-fetch",
  params: { n: 10_000, seed: 1, size: 10 * 1024, parallel: 16, perHost: 16 },
  quickParams: { n: 500, seed: 1, size: 10 * 1024, parallel: 16, perHost: 16 },
  warmup: false,
  impls,
  targets: [withinOfBaseline("one worker within 1.3x of the local run (issue 15)", "fleet-1", 1.3)],
  setup,
};
