// `aio fetch --queue URL --status` (one screen: the queue's counts, the bytes
// and rate of its report stream, the live workers) and `--wait` (until the
// queue is drained; exit 1 if any URL failed).
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { ensureFuture, sleep } from "../../../index.ts";
import type { FleetArgs } from "../args.ts";
import { formatBytes, formatDuration } from "../report.ts";
import type { FleetModules } from "./redis.ts";
import { fleetKeys, shownRedisUrl } from "./redis.ts";
import { readStats } from "./report-stream.ts";

/** The job states a drained queue has none of. */
const PENDING = ["waiting", "active", "delayed", "prioritized", "waiting-children"] as const;
/** The states `--status` shows. */
const SHOWN = ["waiting", "active", "delayed", "completed", "failed"] as const;
/** How often `--wait` looks at the counts, in ms. */
const WAIT_POLL = 100;

type Counts = Record<string, number>;

async function countsOf(queue: Queue): Promise<Counts> {
  return ensureFuture(queue.getJobCounts(...PENDING, "completed", "failed"));
}

function pending(counts: Counts): number {
  return PENDING.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
}

/** `1,234`. */
function n(value: number): string {
  return value.toLocaleString("en-US");
}

/** Prints the queue's state; returns 0. */
export async function printStatus(
  modules: FleetModules,
  client: Redis,
  fleet: FleetArgs,
  connection: object,
): Promise<number> {
  const queue = new modules.bullmq.Queue(fleet.queueName, { connection });
  try {
    const [counts, stats, workers] = await Promise.all([
      countsOf(queue),
      readStats(client, fleetKeys(fleet.queueName)),
      ensureFuture(queue.getWorkers()),
    ]);
    const lines = [`queue ${fleet.queueName} at ${shownRedisUrl(fleet.url)}`];
    // The jobs, as BullMQ counts them; a job carries one URL or several (--batch).
    lines.push(SHOWN.map((state) => `${state} ${n(counts[state] ?? 0)}`).join(", "));
    const reported = stats.ok + stats.failed + stats.skipped;
    lines.push(
      `${n(stats.enqueued)} URL${stats.enqueued === 1 ? "" : "s"} enqueued, ${n(Math.max(0, stats.enqueued - reported))} not reported yet`,
    );
    const span = stats.first === undefined || stats.last === undefined ? 0 : stats.last - stats.first;
    const rate =
      span > 0
        ? `; ${n(Math.round(((stats.ok + stats.failed + stats.skipped) * 1000) / span))} files/s, ` +
          `${formatBytes(Math.round((stats.bytes * 1000) / span))}/s over ${formatDuration(span)}`
        : "";
    lines.push(
      `reported ${n(stats.ok)} ok, ${n(stats.failed)} failed, ${n(stats.skipped)} skipped; ${formatBytes(stats.bytes)}${rate}`,
    );
    // BullMQ names a worker's connections `bull:BASE64(queue):w:NAME`; a worker holds two (one blocks waiting for
    // jobs) under one name: one line each, with the oldest connection's age.
    const seen = new Map<string, { addr: string; age: number }>();
    for (const w of workers) {
      const raw = w.rawname ?? "";
      const at = raw.indexOf(":w:");
      const name = at < 0 ? "(unnamed)" : raw.slice(at + 3);
      const age = Number(w.age ?? 0);
      const known = seen.get(name);
      if (known === undefined || age > known.age) seen.set(name, { addr: w.addr ?? "?", age });
    }
    lines.push(`workers ${seen.size}${seen.size > 0 ? ":" : ""}`);
    for (const [name, { addr, age }] of [...seen].sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`  ${name} (${addr}, up ${formatDuration(age * 1000)})`);
    }
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  } finally {
    await queue.close();
  }
}

/**
 * Waits until nothing is waiting, delayed or running; prints the URLs' counts (from the report stream: a job may
 * carry several); returns 1 if any URL (or job) failed, else 0.
 */
export async function waitDrained(
  modules: FleetModules,
  client: Redis,
  fleet: FleetArgs,
  connection: object,
): Promise<number> {
  const queue = new modules.bullmq.Queue(fleet.queueName, { connection });
  try {
    for (;;) {
      const counts = await countsOf(queue);
      if (pending(counts) === 0) {
        const stats = await readStats(client, fleetKeys(fleet.queueName));
        const failed = stats.failed;
        process.stdout.write(
          `drained: ${n(stats.ok + stats.skipped)} completed, ${n(failed)} failed (queue ${fleet.queueName})\n`,
        );
        // A job that failed with no URL reported failed (its worker's Redis calls failed): failed too.
        return failed > 0 || (counts.failed ?? 0) > 0 ? 1 : 0;
      }
      await sleep(WAIT_POLL);
    }
  } finally {
    await queue.close();
  }
}

/** Whether the queue has nothing waiting, delayed or running (for `--exit-when-drained`). */
export async function isDrained(queue: Queue): Promise<boolean> {
  return pending(await countsOf(queue)) === 0;
}
