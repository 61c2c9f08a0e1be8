// `aio fetch --queue URL --enqueue`: the URLs of the arguments and lists, each
// named as a local run would name it, put on the queue as one job each.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { ensureFuture } from "../../../index.ts";
import { DEFAULT_BATCH, type FetchArgs, type FleetArgs } from "../args.ts";
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

/** A URL of a job that carries several: its line's data and its own id (`jobIdOf`). */
export interface FleetItem extends FleetJobData {
  id: string;
}

/**
 * What a job carries: one URL (the job's id is the URL's), or several (`items`, in order; the job's id is `b` and
 * the SHA-256 of theirs).
 */
export type FleetJob = FleetJobData | { items: FleetItem[] };

/** The URLs of a job, each with its id. */
export function itemsOf(id: string, data: FleetJob): FleetItem[] {
  return "items" in data ? data.items : [{ ...data, id }];
}

/** BullMQ's job name of a download (the same for all: the data says everything). */
export const JOB_NAME = "fetch";
/** URLs checked and added per round trip; the first round has fewer, so that the workers start at once. */
const BATCH = 2000;
const FIRST_BATCH = 64;
/**
 * Without `--batch`, how fast jobs grow: the first GROW URLs an enqueue adds go one per job, the next GROW two per
 * job, and so on up to DEFAULT_BATCH. A short list is spread over the workers a URL at a time; a long one costs
 * BullMQ one job per DEFAULT_BATCH URLs.
 */
const GROW = 32;

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

/** The id of a job of several URLs: `b` and the SHA-256 of their ids. */
function batchIdOf(items: readonly FleetItem[]): string {
  const hash = createHash("sha256");
  for (const item of items) hash.update(item.id);
  return `b${hash.digest("hex")}`;
}

/** KEYS: the set of known URL ids. ARGV: ids. Returns 1 for each id in the set, 0 for the others. */
const KNOWN = `
local known = {}
for i = 1, #ARGV do known[i] = redis.call('SISMEMBER', KEYS[1], ARGV[i]) end
return known
`;

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
  let jobs = 0;
  let batch: FleetItem[] = [];
  // One queue (one connection) for the whole list; BullMQ sends each addBulk as one pipeline.
  const queue = new modules.bullmq.Queue(fleet.queueName, { connection });
  queue.on("error", () => {}); // what addBulk meets, it rejects with
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    // Which URLs are known already (enqueued before, by this list or another), then the jobs of the others, then
    // their ids made known: three round trips per 2,000 URLs.
    const ids = batch.map((item) => item.id);
    const known = (await ensureFuture(client.eval(KNOWN, 1, keys.known, ...ids))) as number[];
    const fresh = batch.filter((_, i) => known[i] !== 1);
    there += batch.length - fresh.length;
    const toAdd: { name: string; data: FleetJob; opts: object }[] = [];
    for (let at = 0; at < fresh.length; ) {
      const size = fleet.batch ?? Math.min(DEFAULT_BATCH, 1 + Math.floor(added / GROW));
      const items = fresh.slice(at, at + size);
      at += items.length;
      added += items.length;
      const one = items.length === 1 ? items[0] : undefined;
      const { id, data }: { id: string; data: FleetJob } =
        one === undefined ? { id: batchIdOf(items), data: { items } } : { id: one.id, data: withoutId(one) };
      // Kept when done, for --status's counts.
      // One try: the downloader already retried what may heal; a second round would only repeat it.
      toAdd.push({
        name: JOB_NAME,
        data,
        opts: { jobId: id, attempts: 1, removeOnComplete: false, removeOnFail: false },
      });
    }
    jobs += toAdd.length;
    await ensureFuture(queue.addBulk(toAdd));
    // Known once their jobs are in: an enqueue that dies between the two leaves URLs that the next adds again (the
    // same list gives the same jobs, which BullMQ does not add twice).
    if (fresh.length > 0) {
      const multi = client.multi();
      multi.sadd(keys.known, ...fresh.map((item) => item.id));
      multi.hincrby(keys.stats, "enqueued", fresh.length);
      await ensureFuture(multi.exec());
    }
    batch = [];
  };
  try {
    for await (const entry of readEntries(args.urls, args.lists, { seen: 0, exhausted: false })) {
      const data = jobData(entry, namer);
      if (data === undefined) {
        bad++;
        process.stderr.write(`aio fetch: ${entry.source}: ${entry.error}\n`);
        continue;
      }
      // A line given twice in one list gets a suffixed name (a.txt, a-1.txt), as in a local run: two URLs.
      batch.push({ ...data, id: jobIdOf(data.url, data.out) });
      if (batch.length >= (added + there === 0 ? FIRST_BATCH : BATCH)) await flush();
    }
    await flush();
  } finally {
    await queue.close();
  }
  const where = `queue ${fleet.queueName} at ${shownRedisUrl(fleet.url)}`;
  const skipped = bad > 0 ? `, ${bad} bad line${bad === 1 ? "" : "s"} skipped` : "";
  const inJobs = jobs !== added ? ` in ${jobs} job${jobs === 1 ? "" : "s"}` : "";
  process.stdout.write(`${added} added${inJobs}, ${there} already there${skipped} (${where})\n`);
  return bad > 0 ? 1 : 0;
}

/** An item's data as a job of its own carries it. */
function withoutId({ id: _, ...data }: FleetItem): FleetJobData {
  return data;
}

/** A line's job, named now; `undefined` for a bad line. */
function jobData(entry: Entry, namer: Namer): FleetJobData | undefined {
  const out = namer.beforeRequest(entry);
  if (entry.url === undefined || out === undefined) return undefined;
  const data: FleetJobData = { url: entry.text, out, headers: entry.headers, source: entry.source };
  if (entry.sha256 !== undefined) data.sha256 = entry.sha256;
  return data;
}
