// `aio fetch --queue URL --enqueue`: the URLs of the arguments and lists, each
// named as a local run would name it, put on the queue as one job each.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { ensureFuture } from "../../../index.ts";
import type { FetchArgs, FleetArgs } from "../args.ts";
import { type Entry, readEntries } from "../input.ts";
import { Namer } from "../names.ts";
import { type FleetModules, fleetKeys, shownRedisUrl } from "./redis.ts";

/** What a job carries: what a local run knows of a line before its request. */
export interface FleetJobData {
  /** The URL as written (with any credentials in it). */
  url: string;
  /** The file's path inside each worker's output folder, claimed at enqueue time. */
  out: string;
  sha256?: string;
  headers: [string, string][];
  /** Where the URL came from: `line 17 of urls.txt`. */
  source: string;
}

/** BullMQ's job name of a download (the same for all: the data says everything). */
export const JOB_NAME = "fetch";
/** Jobs added per round trip. */
const BATCH = 2000;

/**
 * The job id of a URL and its name: hex SHA-256 of both, so that the same
 * line enqueued twice is one job, and two lines naming one URL differently
 * are two. Hex has no `:`, which BullMQ forbids in a custom id, and is never
 * an integer, which it forbids too (64 hex digits may be all digits, hence
 * the `f` in front).
 */
export function jobIdOf(url: string, out: string): string {
  return `f${createHash("sha256").update(`${url}\n${out}`).digest("hex")}`;
}

/** Enqueues the run's URLs; prints how many were added and how many were there; returns the exit code. */
export async function enqueueAll(
  modules: FleetModules,
  client: Redis,
  args: FetchArgs,
  fleet: FleetArgs,
  connection: object,
): Promise<number> {
  const keys = fleetKeys(fleet.queueName);
  const namer = new Namer(args);
  let added = 0;
  let there = 0;
  let bad = 0;
  let batch: { id: string; data: FleetJobData }[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    // Which ids are already there, then one addBulk of the others: two round trips per 2,000 URLs.
    const pipeline = client.pipeline();
    for (const job of batch) pipeline.exists(keys.job(job.id));
    const exists = ((await ensureFuture(pipeline.exec())) ?? []).map(([, n]) => n === 1);
    const fresh = batch.filter((_, i) => exists[i] !== true);
    there += batch.length - fresh.length;
    // An id added meanwhile by another --enqueue is not added twice: BullMQ keeps the job of a known id.
    await modules.lib.enqueue(
      fleet.queueName,
      // Kept when done, so that the id stays known and the line is not fetched again.
      fresh.map(({ id, data }) => ({
        name: JOB_NAME,
        data,
        opts: { jobId: id, removeOnComplete: false, removeOnFail: false },
      })),
      // One try: the downloader already retried what may heal; a second round would only repeat it.
      { connection, attempts: 1 },
    );
    added += fresh.length;
    batch = [];
  };
  for await (const entry of readEntries(args.urls, args.lists, { seen: 0, exhausted: false })) {
    const data = jobData(entry, namer);
    if (data === undefined) {
      bad++;
      process.stderr.write(`aio fetch: ${entry.source}: ${entry.error}\n`);
      continue;
    }
    // A line given twice in one list gets a suffixed name (a.txt, a-1.txt), as in a local run: two jobs.
    batch.push({ id: jobIdOf(data.url, data.out), data });
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  const where = `queue ${fleet.queueName} at ${shownRedisUrl(fleet.url)}`;
  const skipped = bad > 0 ? `, ${bad} bad line${bad === 1 ? "" : "s"} skipped` : "";
  process.stdout.write(`${added} added, ${there} already there${skipped} (${where})\n`);
  return bad > 0 ? 1 : 0;
}

/** A line's job, named now; `undefined` for a bad line. */
function jobData(entry: Entry, namer: Namer): FleetJobData | undefined {
  const out = namer.beforeRequest(entry);
  if (entry.url === undefined || out === undefined) return undefined;
  const data: FleetJobData = { url: entry.text, out, headers: entry.headers, source: entry.source };
  if (entry.sha256 !== undefined) data.sha256 = entry.sha256;
  return data;
}
