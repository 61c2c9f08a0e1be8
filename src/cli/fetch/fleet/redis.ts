// The fleet's connection to Redis: bullmq loaded on demand (an optional peer
// dependency, so that a local `aio fetch` never needs it), one checked
// connection per run (unreachable, wrong password: exit 2 with the URL), the
// keys aio fetch keeps beside BullMQ's, and the marker that tells an aio
// fetch queue from a queue something else made.
import { createRequire } from "node:module";
import type { Queue, RedisOptions } from "bullmq";
import type { Redis } from "ioredis";
import { ensureFuture } from "../../../index.ts";
import { type FleetArgs, SetupError } from "../args.ts";

/** BullMQ's key prefix (its default): a queue's keys are `bull:NAME:...`. */
export const PREFIX = "bull";
/** The marker's `kind`, and the version of the data aio fetch keeps in a queue. */
const KIND = "aio-fetch";
const VERSION = "1";

/** The keys aio fetch keeps for a queue, beside BullMQ's own (and removed with them by `obliterate`). */
export interface FleetKeys {
  /** BullMQ's `meta` hash: there once BullMQ has used the queue. */
  meta: string;
  /** A hash `{ kind: "aio-fetch", version }`, written by the first aio fetch that uses the queue. */
  marker: string;
  /** The stream of report lines: one `line` field (the JSON of a `--report` line) per job. */
  stream: string;
  /** The ids of the URLs whose line is in the stream: what makes the line exactly-once. */
  reported: string;
  /** The ids of the URLs enqueued (`jobIdOf`): what keeps a URL enqueued twice from being downloaded twice. */
  known: string;
  /** Counts and bytes of the lines in the stream, and the Redis times of the first and last. */
  stats: string;
  /** BullMQ's rate limiter's count (`--fleet-rate`). */
  limiter: string;
  /** A finished job's key: `bull:NAME:ID`. */
  job(id: string): string;
}

export function fleetKeys(queueName: string): FleetKeys {
  const base = `${PREFIX}:${queueName}`;
  return {
    meta: `${base}:meta`,
    marker: `${base}:aio-fetch`,
    stream: `${base}:aio-fetch:report`,
    reported: `${base}:aio-fetch:reported`,
    known: `${base}:aio-fetch:known`,
    limiter: `${base}:limiter`,
    stats: `${base}:aio-fetch:stats`,
    job: (id) => `${base}:${id}`,
  };
}

/** A `--queue` URL with its password hidden, for messages. */
export function shownRedisUrl(text: string): string {
  const url = new URL(text);
  if (url.password !== "") url.password = "***";
  return url.href.replace(/\/$/, "");
}

/** What the fleet is built on: aio-ts/bullmq, and the bullmq and ioredis it loaded. */
export interface FleetModules {
  lib: typeof import("../../../bullmq.ts");
  bullmq: typeof import("bullmq");
  /** ioredis's client class. */
  Redis: typeof Redis;
}

/** The modules the fleet needs, or a one-line SetupError naming the packages to install. */
export async function loadBullmq(): Promise<FleetModules> {
  let lib: typeof import("../../../bullmq.ts");
  try {
    lib = await import("../../../bullmq.ts");
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_AIO_MISSING_PEER_DEPENDENCY") throw error;
    throw new SetupError("--queue needs bullmq and ioredis, which are not installed: npm install bullmq ioredis");
  }
  // The same copies aio-ts/bullmq loaded (with require: bullmq ships CommonJS and ES builds, and one is enough).
  const require = createRequire(import.meta.url);
  return {
    lib,
    bullmq: require("bullmq") as typeof import("bullmq"),
    Redis: (require("ioredis") as typeof import("ioredis")).Redis,
  };
}

/** The connection options of a `--queue` URL (checked by `parseFetchArgs`), with the run's connect timeout. */
export function redisOptions(modules: FleetModules, text: string, connectTimeout: number): RedisOptions {
  return { ...modules.lib.parseRedisUrl(text), connectTimeout };
}

/** Why a connection failed, in words. */
function connectError(shown: string, error: Error): SetupError {
  const message = error.message;
  if (/WRONGPASS|invalid password|invalid username-password/i.test(message)) {
    return new SetupError(`Redis at ${shown} refused the user name or password (${message})`);
  }
  if (/NOAUTH/i.test(message)) return new SetupError(`Redis at ${shown} needs a password: redis://:PASSWORD@HOST`);
  return new SetupError(`cannot connect to Redis at ${shown}: ${message}`);
}

/**
 * Connects to the `--queue` URL once, without retrying (the command fails
 * at once, exit 2, naming the URL: within `--connect-timeout` for a host
 * that does not answer), and checks that it answers a command (a wrong
 * password fails here).
 */
export async function connectRedis(modules: FleetModules, fleet: FleetArgs, connectTimeout: number): Promise<Redis> {
  const shown = shownRedisUrl(fleet.url);
  const client = new modules.Redis({
    ...redisOptions(modules, fleet.url, connectTimeout),
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  let last: Error | undefined;
  client.on("error", (error: Error) => {
    last = error; // reported by connect(); without a listener ioredis prints it too
  });
  try {
    await ensureFuture(client.connect());
    await ensureFuture(client.ping());
  } catch (error) {
    client.disconnect();
    throw connectError(shown, (last ?? error) as Error);
  }
  return client;
}

/** What the marker says about a queue. */
type Claim = "ok" | "none" | "created" | "other" | `type:${string}`;

/**
 * Atomically: the marker there says aio-fetch ("ok"); absent, with a queue
 * BullMQ already knows ("other": made by something else); absent, with
 * nothing there ("created" if ARGV[1] is "1", else "none"); a key of another
 * type in the way ("type:string").
 */
const CLAIM = `
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'none' then
  if redis.call('EXISTS', KEYS[2]) == 1 then return 'other' end
  if ARGV[1] ~= '1' then return 'none' end
  redis.call('HSET', KEYS[1], 'kind', ARGV[2], 'version', ARGV[3])
  return 'created'
end
if t ~= 'hash' then return 'type:' .. t end
if redis.call('HGET', KEYS[1], 'kind') ~= ARGV[2] then return 'other' end
return 'ok'
`;

/**
 * Checks that the queue is aio fetch's (or claims it, when `create` and
 * nothing is there); throws a SetupError for a queue of another kind.
 */
export async function claimQueue(client: Redis, fleet: FleetArgs, create: boolean): Promise<void> {
  const keys = fleetKeys(fleet.queueName);
  const claim = (await ensureFuture(
    client.eval(CLAIM, 2, keys.marker, keys.meta, create ? "1" : "0", KIND, VERSION),
  )) as Claim;
  const where = `queue ${JSON.stringify(fleet.queueName)} at ${shownRedisUrl(fleet.url)}`;
  if (claim === "other") {
    throw new SetupError(
      `${where} was made by something other than aio fetch (no ${keys.marker} marker): use another --queue-name`,
    );
  }
  if (claim.startsWith("type:")) {
    throw new SetupError(
      `${where}: the key ${keys.marker} is a ${claim.slice(5)}, not aio fetch's marker: use another --queue-name`,
    );
  }
  if (claim === "none") throw new SetupError(`no ${where}: nothing was enqueued on it yet (--enqueue)`);
}

/** The BullMQ connection options of the run: the same server, no limit on retries as BullMQ requires. */
export function bullConnection(modules: FleetModules, fleet: FleetArgs, connectTimeout: number): RedisOptions {
  return { ...redisOptions(modules, fleet.url, connectTimeout), maxRetriesPerRequest: null };
}

/** Closes a Queue, and the checked connection. */
export async function closeAll(queue: Queue | undefined, client: Redis): Promise<void> {
  await queue?.close();
  client.disconnect();
}
