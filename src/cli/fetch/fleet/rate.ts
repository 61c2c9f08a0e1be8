// `--fleet-rate` for the URLs of a job of several. BullMQ's limiter counts
// jobs: each job it hands out adds one to the queue's `limiter` key, which
// lives for the limiter's window, and no worker takes a job while the count
// is at the limit. The second and later URLs of a job add themselves to the
// same count, with the same rule, so the limit counts URLs across the fleet.
import type { Redis } from "ioredis";
import { ensureFuture, sleep } from "../../../index.ts";

/**
 * KEYS: the limiter's key. ARGV: max, window (ms). Counts one start; returns 0 if it fits the window, else the ms
 * until the window ends (BullMQ's own rule: the window starts with its first count).
 */
const TAKE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n <= tonumber(ARGV[1]) then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); return 0 end
return ttl
`;

export class FleetRate {
  private readonly client: Redis;
  private readonly key: string;
  private readonly max: number;
  private readonly duration: number;

  constructor(client: Redis, key: string, limit: { max: number; duration: number }) {
    this.client = client;
    this.key = key;
    this.max = limit.max;
    this.duration = Math.max(1, Math.floor(limit.duration));
  }

  /** Waits until one more URL may start within the fleet's rate, and counts it. */
  async take(): Promise<void> {
    for (;;) {
      const wait = Number(await ensureFuture(this.client.eval(TAKE, 1, this.key, this.max, this.duration)));
      if (wait <= 0) return;
      await sleep(wait);
    }
  }
}
