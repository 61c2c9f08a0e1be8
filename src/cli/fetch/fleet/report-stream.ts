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
 * KEYS: reported set, stream, stats hash. ARGV: for each line, its URL's id, line, result and bytes (4 values).
 * Returns, for each line, 1 if it was added, 0 if its URL had one already. The counts and times of a call's lines
 * go to the stats hash once per call.
 */
const REPORT = `
local added = {}
local counts = {}
local any = false
for i = 1, #ARGV, 4 do
  if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then
    redis.call('XADD', KEYS[2], '*', 'job', ARGV[i], 'line', ARGV[i + 1])
    counts[ARGV[i + 2]] = (counts[ARGV[i + 2]] or 0) + 1
    counts['bytes'] = (counts['bytes'] or 0) + tonumber(ARGV[i + 3])
    any = true
    added[#added + 1] = 1
  else
    added[#added + 1] = 0
  end
end
if any then
  for key, n in pairs(counts) do redis.call('HINCRBY', KEYS[3], key, n) end
  local t = redis.call('TIME')
  local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('HSETNX', KEYS[3], 'first', ms)
  redis.call('HSET', KEYS[3], 'last', ms)
end
return added
`;

/** A line waiting to be sent, and the caller waiting for it. */
interface Pending {
  args: string[];
  resolve(added: boolean): void;
  reject(error: unknown): void;
}

/**
 * The queue's report stream, as one worker writes it. Lines are sent in
 * groups: the first goes at once, and those that finish while a call is
 * under way go together in the next call (one script, one round trip), so
 * a worker with 16 downloads at once sends a fraction of a call per file and
 * adds no wait to any.
 */
export class ReportStream {
  private readonly client: Redis;
  private readonly keys: FleetKeys;
  private sha: string | undefined;
  private pending: Pending[] = [];
  private sending = false;

  constructor(client: Redis, keys: FleetKeys) {
    this.client = client;
    this.keys = keys;
  }

  /**
   * Adds a URL's line unless the URL has one; resolves, once Redis has it,
   * to whether it was added.
   *
   * **Cancel safety:** if cancelled, the line may or may not have been added (once).
   */
  async add(id: string, outcome: Outcome): Promise<boolean> {
    const bytes = outcome.result === "ok" ? outcome.bytes : 0;
    const sent = new Promise<boolean>((resolve, reject) => {
      this.pending.push({ args: [id, JSON.stringify(outcome), outcome.result, String(bytes)], resolve, reject });
    });
    if (!this.sending) void this.send();
    return ensureFuture(sent);
  }

  /** The items whose URL has no line in the stream yet (one round trip). */
  async unreported<T extends { id: string }>(items: readonly T[]): Promise<T[]> {
    if (items.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const item of items) pipeline.sismember(this.keys.reported, item.id);
    const reported = ((await ensureFuture(pipeline.exec())) ?? []).map(([error, n]) => {
      if (error !== null) throw error;
      return n === 1;
    });
    return items.filter((_, i) => !reported[i]);
  }

  /** Sends the waiting lines, a group per call, until none waits. */
  private async send(): Promise<void> {
    this.sending = true;
    try {
      while (this.pending.length > 0) {
        const group = this.pending;
        this.pending = [];
        try {
          // EVALSHA: the script's text crosses the network once per worker, not once per call.
          this.sha ??= (await this.client.script("LOAD", REPORT)) as string;
          const keys = [this.keys.reported, this.keys.stream, this.keys.stats];
          const added = (await this.client.evalsha(this.sha, 3, ...keys, ...group.flatMap((p) => p.args))) as number[];
          for (const [i, p] of group.entries()) p.resolve(added[i] === 1);
        } catch (error) {
          for (const p of group) p.reject(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}

/** The counts the stream's lines add up to. */
export interface StreamStats {
  ok: number;
  failed: number;
  skipped: number;
  bytes: number;
  /** URLs enqueued (`--enqueue` counts those it added). */
  enqueued: number;
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
    enqueued: n("enqueued"),
    first: h.first === undefined ? undefined : Number(h.first),
    last: h.last === undefined ? undefined : Number(h.last),
  };
}
