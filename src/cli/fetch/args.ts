// `aio fetch`'s command line: its options, their checks, and its help.
import { accessSync, constants } from "node:fs";
import { parseArgs } from "node:util";
import { parseFetchUrl, parseHeader } from "./input.ts";

export const FETCH_HELP = `aio fetch: download many URLs at once

Usage:
  aio fetch [URL...] [-i FILE|-] [-o DIR] [options]

Input:
  URL...                  URLs to fetch (http: or https:)
  -i, --input FILE        a list of URLs, one per line ("-" reads stdin); blank lines and
                          "# comments" are skipped; after the URL, tab-separated options:
                          out=NAME  sha256=HEX  header=K: V   (repeatable)

Output:
  -o, --output DIR        where files go (default: the current folder)
      --mirror            keep the URL's host and path as folders (host/path/file)
      --content-disposition
                          name files as the server's Content-Disposition says (sanitised)
  -c, --resume            skip finished files; continue .part files with a Range request
      --clobber           replace a file already there (default: fail that URL, keep the file)
      --report FILE       one JSON line per URL (url, path, result, status, bytes, ms,
                          attempts, sha256, error), written as each one finishes

Network:
  -j, --concurrency N     downloads at once (default 16)
      --per-host N        downloads at once from one host (default 6)
      --timeout T         time limit of each try, request and body (default: none)
      --connect-timeout T time limit of a TCP (and TLS) connect (default 30s)
      --read-timeout T    longest wait for the headers or the next bytes (default 60s)
      --retries N         more tries after a failure that may heal: a reset, a timeout,
                          408/429/5xx (default 3); backoff with jitter, Retry-After honoured
      --max-size SIZE     fail a file larger than SIZE (bytes; k, M, G suffixes)
  -Y, --speed-limit SPEED fail a try slower than SPEED bytes/s (k, M suffixes) for --speed-time;
                          it is retried as a timeout is
  -y, --speed-time T      the window of --speed-limit (default 30s; alone, it sets a limit of 1)
      --rate N            at most N requests per second to each host
  -H, --header "K: V"     a request header (repeatable)
  -A, --user-agent UA     the User-Agent header

  -q, --quiet             print nothing but failures (on stderr)
  -h, --help              print this help

A fleet (many workers, any machines, one Redis; needs npm install bullmq ioredis):
      --queue URL         redis://[user:pass@]HOST[:PORT][/DB] (rediss:// for TLS), with one of:
      --enqueue           put the URLs (arguments, -i) on the queue, named now as a local run
                          names them; a URL already there (same URL, same name) is not added
      --worker            take URLs from the queue and download them into -o DIR (required)
                          until Ctrl-C or SIGTERM; -j, --per-host, --rate, --report... as above,
                          for each worker
      --status            print the queue's counts, bytes, rate and live workers
      --wait              wait until the queue is drained; exit 1 if any URL failed (with
                          --enqueue: after enqueueing)
      --queue-name NAME   the queue (default aio-fetch)
      --batch N           with --enqueue: N URLs a job (default: one a job for the first 32,
                          growing to 16 on a long list); each worker runs -j jobs at once
      --fleet-rate N      at most N URLs started per second by all the workers together
      --grace T           on Ctrl-C/SIGTERM, how long running downloads may finish before they
                          are stopped and go back to the queue (default 10s)
      --lock-duration T   a worker's hold on a job, renewed while it runs; a worker silent this
                          long is taken for lost and its jobs go to another (default 30s)
      --exit-when-drained a worker stops once the queue has nothing waiting or running

Durations (T) are seconds, or take a unit: 30, 1.5s, 500ms, 2m.

Every file is written to NAME.part (locked by NAME.part.lock, so two runs never write one
file), checked (its length on disk, sha256=) and only then renamed to NAME: a file under its
final name is complete. A file already there is never replaced without --clobber. A name
taken twice in one run gets a numeric suffix (a.txt, a-1.txt). Ctrl-C (or SIGTERM) stops
every download at once and keeps the .part files for --resume. No fsync: see docs/fetch.md
for what a power cut can take.

Exit codes: 0 every URL succeeded (or was skipped), 1 some failed, 2 bad usage,
130 interrupted (Ctrl-C), 143 terminated (SIGTERM).

Examples:
  aio fetch https://example.com/a.iso https://example.com/b.iso -o isos
  aio fetch -i urls.txt -o out -j 32 --per-host 8 --report report.jsonl
  grep '\\.pdf$' links.txt | aio fetch -i - -o pdfs --retries 5 --timeout 2m
  aio fetch -c -i urls.txt -o out          # after a failure or Ctrl-C: finish the rest
  aio fetch --queue redis://10.0.0.5 --enqueue -i urls.txt
  aio fetch --queue redis://10.0.0.5 --worker -o /data/out -j 32    # on each machine
  aio fetch --queue redis://10.0.0.5 --wait                          # 0 once all are ok

More: docs/fetch.md
`;

/** Bad usage: printed with a hint, exit code 2. */
export class UsageError extends Error {}

/** A run that cannot start for a reason outside its arguments (Redis unreachable): exit code 2, no hint. */
export class SetupError extends UsageError {}

/** The checked options of one `aio fetch` run. */
export interface FetchArgs {
  help: boolean;
  urls: string[];
  lists: string[];
  output: string;
  mirror: boolean;
  contentDisposition: boolean;
  resume: boolean;
  clobber: boolean;
  report: string | undefined;
  concurrency: number;
  perHost: number;
  timeout: number | null;
  connectTimeout: number;
  readTimeout: number;
  retries: number;
  maxSize: number;
  /** `--speed-limit` over `--speed-time`; `undefined` for none. */
  speedLimit: { bytesPerSecond: number; windowMs: number } | undefined;
  rate: number;
  headers: [string, string][];
  userAgent: string;
  quiet: boolean;
  /** `--queue` and its mode; `undefined` for a local run. */
  fleet: FleetArgs | undefined;
}

/** What `--queue` asks for (see fleet/). */
export type FleetMode = "enqueue" | "worker" | "status" | "wait";

/** The fleet options of a run with `--queue`. */
export interface FleetArgs {
  /** `--queue` as written (it may hold a password: show it with `shownRedisUrl`). */
  url: string;
  queueName: string;
  mode: FleetMode;
  /** `--fleet-rate`: requests per second over all workers; 0 for no bound. */
  fleetRate: number;
  /** `--batch`: how many URLs `--enqueue` puts in one job; `undefined` for the default, which grows. */
  batch: number | undefined;
  /** `--grace`, in ms. */
  grace: number;
  /** `--lock-duration`, in ms. */
  lockDuration: number;
  exitWhenDrained: boolean;
  /** `--enqueue --wait`: wait for the queue to drain after enqueueing. */
  waitAfterEnqueue: boolean;
}

const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `30`, `1.5s`, `500ms`, `2m` → ms. */
export function parseDuration(option: string, text: string): number {
  const m = DURATION.exec(text.trim());
  if (m === null)
    throw new UsageError(`${option} needs a duration such as 30, 1.5s or 500ms, got ${JSON.stringify(text)}`);
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? "s"] as number);
  if (!(ms > 0)) throw new UsageError(`${option} needs a duration above 0, got ${JSON.stringify(text)}`);
  return ms;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(i)?)?b?$/i;

/** `1000`, `10k`, `5M`, `2GiB` → bytes (k = 1000; Ki = 1024). */
export function parseSize(option: string, text: string): number {
  const m = SIZE.exec(text.trim());
  if (m === null) throw new UsageError(`${option} needs a size such as 1000, 10k or 5M, got ${JSON.stringify(text)}`);
  const power = " kmgt".indexOf((m[2] ?? " ").toLowerCase());
  const bytes = Math.floor(Number(m[1]) * (m[3] === undefined ? 1000 : 1024) ** power);
  if (!(bytes > 0)) throw new UsageError(`${option} needs a size above 0, got ${JSON.stringify(text)}`);
  return bytes;
}

/** A whole number within bounds. */
function parseCount(option: string, text: string, min: number): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) {
    throw new UsageError(`${option} needs a whole number of at least ${min}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** A positive number (fractions allowed). */
function parseRate(option: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${option} needs a number of requests per second above 0, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** Without `--batch`, the most URLs `--enqueue` puts in one job (it starts at one URL a job, and grows to this). */
export const DEFAULT_BATCH = 16;
/** `--batch`'s bound: a job's data stays a few hundred kilobytes. */
const MAX_BATCH = 1000;

function parseBatch(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > MAX_BATCH) {
    throw new UsageError(`--batch needs a whole number of URLs from 1 to ${MAX_BATCH}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** Parses and checks `aio fetch`'s arguments; throws `UsageError` on bad usage. */
export function parseFetchArgs(argv: readonly string[], version: string): FetchArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values: v, positionals } = parsed;
  const args: FetchArgs = {
    help: v.help === true,
    urls: positionals,
    lists: v.input ?? [],
    output: v.output ?? ".",
    mirror: v.mirror === true,
    contentDisposition: v["content-disposition"] === true,
    resume: v.resume === true,
    clobber: v.clobber === true,
    report: v.report,
    concurrency: v.concurrency === undefined ? 16 : parseCount("--concurrency", v.concurrency, 1),
    perHost: v["per-host"] === undefined ? 6 : parseCount("--per-host", v["per-host"], 1),
    timeout: v.timeout === undefined ? null : parseDuration("--timeout", v.timeout),
    connectTimeout:
      v["connect-timeout"] === undefined ? 30_000 : parseDuration("--connect-timeout", v["connect-timeout"]),
    readTimeout: v["read-timeout"] === undefined ? 60_000 : parseDuration("--read-timeout", v["read-timeout"]),
    retries: v.retries === undefined ? 3 : parseCount("--retries", v.retries, 0),
    maxSize: v["max-size"] === undefined ? Number.POSITIVE_INFINITY : parseSize("--max-size", v["max-size"]),
    speedLimit: undefined,
    rate: v.rate === undefined ? 0 : parseRate("--rate", v.rate),
    headers: [],
    userAgent: v["user-agent"] ?? `aio-fetch/${version}`,
    quiet: v.quiet === true,
    fleet: undefined,
  };
  if (args.help) return args;
  args.fleet = fleetArgs(v, args);
  if (v["speed-limit"] !== undefined || v["speed-time"] !== undefined) {
    // As curl: -y alone means a limit of 1 byte/s, -Y alone a window of 30 s.
    args.speedLimit = {
      bytesPerSecond: v["speed-limit"] === undefined ? 1 : parseSize("--speed-limit", v["speed-limit"]),
      windowMs: v["speed-time"] === undefined ? 30_000 : parseDuration("--speed-time", v["speed-time"]),
    };
  }
  for (const text of v.header ?? []) {
    try {
      args.headers.push(parseHeader(text));
    } catch (error) {
      throw new UsageError(`--header: ${(error as Error).message}`);
    }
  }
  if (args.fleet !== undefined && args.fleet.mode !== "enqueue") {
    if (args.urls.length > 0 || args.lists.length > 0) {
      throw new UsageError(`--${args.fleet.mode} takes no URLs: they are put on the queue with --enqueue`);
    }
    return args;
  }
  if (args.urls.length === 0 && args.lists.length === 0) {
    throw new UsageError("no URLs: give them as arguments, or a list with -i FILE (-i - reads stdin)");
  }
  for (const url of args.urls) {
    try {
      parseFetchUrl(url);
    } catch (error) {
      throw new UsageError(`bad URL argument: ${(error as Error).message}`);
    }
  }
  if (args.lists.filter((l) => l === "-").length > 1) throw new UsageError("-i - (stdin) can be given only once");
  for (const list of args.lists) {
    if (list === "-") continue;
    try {
      accessSync(list, constants.R_OK);
    } catch (error) {
      throw new UsageError(`cannot read the list ${list}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
  }
  if (args.output === "") throw new UsageError("--output needs a folder");
  return args;
}

/** The queue names BullMQ accepts: no `:` (its key separator); kept to a safe, printable set. */
const QUEUE_NAME = /^[A-Za-z0-9._-]{1,100}$/;
const MODES: readonly FleetMode[] = ["enqueue", "worker", "status", "wait"];
/** Options that only mean something with `--queue`. */
const FLEET_ONLY = [
  "queue-name",
  "batch",
  "fleet-rate",
  "grace",
  "lock-duration",
  "exit-when-drained",
  ...MODES,
] as const;

/** Checks `--queue` and the options that go with it; `undefined` without `--queue`. */
function fleetArgs(v: ReturnType<typeof parse>["values"], args: FetchArgs): FleetArgs | undefined {
  if (v.queue === undefined) {
    const stray = FLEET_ONLY.find((name) => v[name] !== undefined);
    if (stray !== undefined) throw new UsageError(`--${stray} needs --queue redis://HOST:PORT`);
    return undefined;
  }
  // --enqueue --wait: put the list on the queue, then wait for it, in one command.
  const enqueueThenWait = v.enqueue === true && v.wait === true;
  const modes = MODES.filter((mode) => v[mode] === true && !(enqueueThenWait && mode === "wait"));
  if (modes.length !== 1) {
    throw new UsageError(
      modes.length === 0
        ? "--queue needs one of --enqueue, --worker, --status, --wait"
        : `--${modes.join(", --")}: give only one of them`,
    );
  }
  const mode = modes[0] as FleetMode;
  checkRedisUrl(v.queue);
  const queueName = v["queue-name"] ?? "aio-fetch";
  if (!QUEUE_NAME.test(queueName)) {
    throw new UsageError(
      `--queue-name needs 1 to 100 letters, digits, ".", "_" or "-", got ${JSON.stringify(queueName)}`,
    );
  }
  if (mode === "worker" && v.output === undefined) {
    throw new UsageError("--worker needs -o DIR: the folder its files go to");
  }
  if (mode === "enqueue" && args.contentDisposition) {
    throw new UsageError(
      "--content-disposition names a file from its response, too late for --enqueue to name it once for every worker",
    );
  }
  const workerOnly = ["fleet-rate", "grace", "lock-duration", "exit-when-drained"] as const;
  const stray = mode === "worker" ? undefined : workerOnly.find((name) => v[name] !== undefined);
  if (stray !== undefined) throw new UsageError(`--${stray} is an option of --worker`);
  if (mode !== "enqueue" && v.batch !== undefined) throw new UsageError("--batch is an option of --enqueue");
  return {
    url: v.queue,
    queueName,
    mode,
    fleetRate: v["fleet-rate"] === undefined ? 0 : parseRate("--fleet-rate", v["fleet-rate"]),
    batch: v.batch === undefined ? undefined : parseBatch(v.batch),
    grace: v.grace === undefined ? 10_000 : parseDuration("--grace", v.grace),
    lockDuration: v["lock-duration"] === undefined ? 30_000 : parseDuration("--lock-duration", v["lock-duration"]),
    exitWhenDrained: v["exit-when-drained"] === true,
    waitAfterEnqueue: enqueueThenWait,
  };
}

/** Checks the shape of a `--queue` URL (a connection is tried later). */
function checkRedisUrl(text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--queue needs a URL such as redis://HOST:6379/0, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new UsageError(`--queue needs a redis:// or rediss:// URL, got the scheme ${url.protocol}`);
  }
  if (url.hostname === "") throw new UsageError(`--queue needs a host: redis://HOST:PORT/DB`);
  const db = url.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d{1,5}$/.test(db)) {
    throw new UsageError(
      `--queue: the path is the database number (redis://HOST:PORT/0), got ${JSON.stringify(url.pathname)}`,
    );
  }
  if (url.search !== "" || url.hash !== "") throw new UsageError("--queue takes no query or fragment");
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      input: { type: "string", short: "i", multiple: true },
      output: { type: "string", short: "o" },
      mirror: { type: "boolean" },
      "content-disposition": { type: "boolean" },
      resume: { type: "boolean", short: "c" },
      clobber: { type: "boolean" },
      report: { type: "string" },
      concurrency: { type: "string", short: "j" },
      "per-host": { type: "string" },
      timeout: { type: "string" },
      "connect-timeout": { type: "string" },
      "read-timeout": { type: "string" },
      retries: { type: "string" },
      "max-size": { type: "string" },
      rate: { type: "string" },
      "speed-limit": { type: "string", short: "Y" },
      "speed-time": { type: "string", short: "y" },
      header: { type: "string", short: "H", multiple: true },
      "user-agent": { type: "string", short: "A" },
      quiet: { type: "boolean", short: "q" },
      queue: { type: "string" },
      "queue-name": { type: "string" },
      enqueue: { type: "boolean" },
      worker: { type: "boolean" },
      status: { type: "boolean" },
      wait: { type: "boolean" },
      "fleet-rate": { type: "string" },
      batch: { type: "string" },
      grace: { type: "string" },
      "lock-duration": { type: "string" },
      "exit-when-drained": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}
