// `aio fetch --queue URL --worker -o DIR`: takes jobs from the queue with
// aio-ts/bullmq's runWorker and downloads each with the same Downloader as a
// local run (atomic rename, `.part` resume and lock, Retry-After, per-host
// limits), reporting each job once to the queue's stream and to `--report`.
import { hostname } from "node:os";
import type { Job, RedisOptions } from "bullmq";
import { runWorker } from "../../../bullmq.ts";
import { createTask, isCancelledError, sleep } from "../../../index.ts";
import type { FetchArgs, FleetArgs } from "../args.ts";
import { makeDownloader, openSession } from "../fetch-command.ts";
import type { Entry } from "../input.ts";
import { Namer } from "../names.ts";
import { formatDuration } from "../report.ts";
import { openReport, RunRecord } from "../run-record.ts";
import { type FleetJob, type FleetJobData, itemsOf } from "./enqueue.ts";
import { FleetRate } from "./rate.ts";
import { type FleetModules, fleetKeys } from "./redis.ts";
import { ReportStream } from "./report-stream.ts";
import { isDrained } from "./status.ts";

/**
 * How many times a job may be found stalled (its worker lost) before BullMQ fails it: more than BullMQ's 1, since a
 * fleet loses machines, but not for ever, for a URL that crashes its worker each time.
 */
const MAX_STALLED = 5;
/** How often `--exit-when-drained` looks at the queue, in ms. */
const DRAINED_POLL = 1000;

/** A job's line as a local run's entry. */
function entryOf(data: FleetJobData): Entry {
  const entry: Entry = {
    index: 0,
    source: data.source,
    text: data.url,
    url: undefined,
    error: undefined,
    out: data.out,
    sha256: data.sha256,
    headers: data.headers,
  };
  try {
    entry.url = new URL(data.url);
  } catch {
    entry.error = `bad URL: ${JSON.stringify(data.url)} is not an absolute URL`;
  }
  return entry;
}

/** `--fleet-rate N` (per second) as BullMQ's limiter: `max` jobs per `duration` ms (`max` a whole number). */
export function limiterOf(rate: number): { max: number; duration: number } {
  const max = Math.max(1, Math.ceil(rate));
  return { max, duration: (max * 1000) / rate };
}

/** Runs a worker until Ctrl-C/SIGTERM (or a drained queue); returns 0, or 1 if a URL it took failed. */
export async function runFetchWorker(
  modules: FleetModules,
  args: FetchArgs,
  fleet: FleetArgs,
  connection: RedisOptions,
): Promise<number> {
  // Appended to: a worker restarted with the same --report keeps the lines of its earlier runs.
  const report = openReport(args, { append: true });
  // The command's checked connection fails at once, for its start; a worker runs for days, through restarts of
  // Redis: its own calls go on a connection that reconnects, and wait for it, as BullMQ's do.
  const client = new modules.Redis(connection);
  client.on("error", () => {}); // the outage is reported by BullMQ's connections, through runWorker

  const keys = fleetKeys(fleet.queueName);
  const stream = new ReportStream(client, keys);
  const limit = fleet.fleetRate > 0 ? limiterOf(fleet.fleetRate) : undefined;
  // BullMQ's limiter counts the first URL of each job as it hands the job out; FleetRate counts the others.
  const rate = limit === undefined ? undefined : new FleetRate(client, keys.limiter, limit);
  await using session = openSession(args);
  // Every job comes with its name; the worker's own Namer only serves --content-disposition, refused with --queue.
  // The stream's lines carry every file's SHA-256, as a local --report's do.
  const downloader = makeDownloader(args, session, new Namer(args), { resume: args.resume, hashAll: true });
  const input = { seen: 0, exhausted: false };
  const record = new RunRecord(args, downloader, report, input);
  const stop = new AbortController();
  const drained = fleet.exitWhenDrained
    ? createTask(async () => {
        const queue = new modules.bullmq.Queue(fleet.queueName, { connection });
        try {
          // Twice in a row: a queue seen empty between an enqueue's batches is not drained yet.
          let empty = 0;
          while (empty < 2) {
            await sleep(DRAINED_POLL);
            empty = (await isDrained(queue)) ? empty + 1 : 0;
          }
          stop.abort();
        } finally {
          await queue.close();
        }
      })
    : undefined;
  let interrupted = false;
  try {
    await runWorker<FleetJob, { ok: number; failed: number; skipped: number; bytes: number }>(
      fleet.queueName,
      async (job: Job<FleetJob>, ctx) => {
        // A job run again (its worker was lost, or shut down) skips the URLs it reported, and resumes the others,
        // as with -c: the part a lost run left is continued (locked first, so that a worker still writing it
        // elsewhere keeps it), a file it finished is found. A first run is a local run's: only -c resumes it (the
        // lock costs 4 system calls per file).
        const again = job.attemptsStarted > 1;
        let items = itemsOf(job.id as string, job.data);
        if (again && items.length > 1) items = await stream.unreported(items);
        const done = { ok: 0, failed: 0, skipped: 0, bytes: 0 };
        let firstError: string | undefined;
        // The URLs of a job go one after the other (the worker runs -j jobs at once); each line goes to Redis while
        // the next URL downloads, and the job ends only once all its lines are there.
        const lines: Promise<boolean>[] = [];
        try {
          for (const [i, item] of items.entries()) {
            if (ctx.closing && i > 0) {
              // The shutdown began: the URLs not started go back to the queue with the job.
              await Promise.all(lines);
              await job.moveToWait(ctx.token);
              throw new modules.bullmq.WaitingError();
            }
            if (i > 0) await rate?.take();
            input.seen++;
            let outcome = await downloader.download(entryOf(item), item.out, { resume: args.resume || again });
            if (outcome.result === "skipped" && again) {
              // A job run again that finds its file finished: the run that was lost saved it, and its line is this.
              outcome = { ...outcome, result: "ok" };
            }
            record.finished(outcome);
            lines.push(stream.add(item.id, outcome));
            done[outcome.result]++;
            if (outcome.result === "ok") done.bytes += outcome.bytes;
            if (outcome.result === "failed") firstError ??= `${item.url}: ${outcome.error ?? "failed"}`;
          }
        } catch (error) {
          // Cancelled (the shutdown's grace ran out, a lost lock): the lines sent so far go on by themselves, not
          // waited for, since Redis may be what is gone; a line that does not make it is the next run's to add.
          void Promise.allSettled(lines);
          throw error;
        }
        await Promise.all(lines);
        // The downloader already retried what may heal: the job fails once, into BullMQ's failed set.
        if (done.failed > 0) {
          throw new Error(
            items.length === 1
              ? (firstError ?? "failed")
              : `${done.failed} of ${items.length} URLs failed; the first, ${firstError}`,
          );
        }
        return done;
      },
      {
        connection,
        concurrency: args.concurrency,
        grace: fleet.grace,
        lockDuration: fleet.lockDuration,
        ...(limit === undefined ? {} : { limiter: limit }),
        name: `${hostname()}:${process.pid}`,
        signal: stop.signal,
        onEvent: (event) => {
          if (event.type === "error") {
            // What BullMQ met and recovers from (a lost connection it retries): said, and the worker goes on.
            const message = event.error instanceof Error ? event.error.message : String(event.error);
            process.stderr.write(`aio fetch: worker: ${message}\n`);
          } else if (event.type === "closing" && !stop.signal.aborted && !args.quiet) {
            process.stderr.write(
              `aio fetch: stopping: the URLs under way get up to ${formatDuration(fleet.grace)} to finish; ` +
                "the jobs not done go back to the queue\n",
            );
          }
        },
        // The stalled check every lock duration: a lost worker's jobs go to another within two of them.
        bullmq: { stalledInterval: fleet.lockDuration, maxStalledCount: MAX_STALLED },
      },
    );
  } catch (error) {
    interrupted = isCancelledError(error);
    throw error;
  } finally {
    drained?.cancel();
    client.disconnect();
    record.close(interrupted);
  }
  return record.exitCode();
}
