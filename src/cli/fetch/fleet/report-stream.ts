// The fleet's report: each job's `--report` line, appended to a Redis
// stream exactly once per job, with the queue's counts and bytes.
//
// A job can run twice: a worker killed after it renamed a file but before
// BullMQ marked the job completed leaves the job active with a lock nobody
// renews, and BullMQ's stalled-job check hands it to another worker. So the
// line is added by one Lua script that first adds the job id to a set of
// reported jobs, and adds the line (and counts it) only if the id was new:
// Redis runs a script alone, so two runs of one job never both add a line.
import type { Redis } from "ioredis";
import { ensureFuture } from "../../../index.ts";
import type { Outcome } from "../report.ts";
import type { FleetKeys } from "./redis.ts";

/**
 * KEYS: reported set, stream, stats hash. ARGV: job id, line, result, bytes.
 * Returns 1 if the line was added, 0 if the job had one already.
 */
const REPORT = `
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'job', ARGV[1], 'line', ARGV[2])
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
redis.call('HINCRBY', KEYS[3], 'bytes', ARGV[4])
redis.call('HSETNX', KEYS[3], 'first', ms)
redis.call('HSET', KEYS[3], 'last', ms)
return 1
`;

/** The queue's report stream, as one worker writes it. */
export class ReportStream {
  private readonly client: Redis;
  private readonly keys: FleetKeys;
  private sha: string | undefined;

  constructor(client: Redis, keys: FleetKeys) {
    this.client = client;
    this.keys = keys;
  }

  /**
   * Adds a job's line unless the job has one; returns whether it was added.
   *
   * **Cancel safety:** if cancelled, the line may or may not have been added (once).
   */
  async add(jobId: string, outcome: Outcome): Promise<boolean> {
    const bytes = outcome.result === "ok" ? outcome.bytes : 0;
    const args = [this.keys.reported, this.keys.stream, this.keys.stats, jobId, JSON.stringify(outcome)];
    // EVALSHA: the script's text crosses the network once per worker, not once per file.
    this.sha ??= (await ensureFuture(this.client.script("LOAD", REPORT))) as string;
    const added = await ensureFuture(this.client.evalsha(this.sha, 3, ...args, outcome.result, String(bytes)));
    return added === 1;
  }
}

/** The counts the stream's lines add up to. */
export interface StreamStats {
  ok: number;
  failed: number;
  skipped: number;
  bytes: number;
  /** Redis times (ms) of the first and last line; `undefined` before the first. */
  first: number | undefined;
  last: number | undefined;
}

/** Reads the counts of the queue's report stream. */
export async function readStats(client: Redis, keys: FleetKeys): Promise<StreamStats> {
  const h = (await ensureFuture(client.hgetall(keys.stats))) as Record<string, string>;
  const n = (key: string): number => Number(h[key] ?? 0);
  return {
    ok: n("ok"),
    failed: n("failed"),
    skipped: n("skipped"),
    bytes: n("bytes"),
    first: h.first === undefined ? undefined : Number(h.first),
    last: h.last === undefined ? undefined : Number(h.last),
  };
}
