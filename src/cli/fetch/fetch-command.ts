// `aio fetch`: the asyncio lesson's "download many URLs at once", as a
// command. Built from aio itself: the input is a lazy async iterable, a
// bounded `mapUnordered` runs the downloads, a `ClientSession` carries them,
// `timeout` bounds each try, a Semaphore per host keeps the politeness
// bound; Ctrl-C is `run()`'s cancellation of the root task, which reaches
// every download at its current await.
import { resolve } from "node:path";
import { ClientSession, RetryPolicy } from "../../http.ts";
import { isCancelledError, mapUnordered, run } from "../../index.ts";
import { FETCH_HELP, type FetchArgs, parseFetchArgs, SetupError, UsageError } from "./args.ts";
import { Downloader } from "./download.ts";
import { systemErrorText } from "./failure.ts";
import { HostLimits } from "./host-limits.ts";
import { type Entry, type InputProgress, readEntries } from "./input.ts";
import { makeFolder } from "./make-folder.ts";
import { Namer } from "./names.ts";
import { openReport, RunRecord } from "./run-record.ts";

/**
 * The statuses a download tries again, more than a session's default (429, 502-504): a downloader meets
 * flaky mirrors and CDNs, where a 408, 425 or 500 often heals on the next try (curl's --retry set, plus 425).
 */
const RETRY_STATUSES = [408, 425, 429, 500, 502, 503, 504];
/** The longest Retry-After a download waits for, in ms; a longer one fails the URL. */
const MAX_RETRY_AFTER = 120_000;

/** Each entry with the name claimed for it, in input order (which makes names the same in every run). */
async function* withNames(entries: AsyncIterable<Entry>, namer: Namer): AsyncGenerator<[Entry, string | undefined]> {
  for await (const entry of entries) yield [entry, namer.beforeRequest(entry)];
}

/** The HTTP session of a run: the limits and time limits its options give. */
export function openSession(args: FetchArgs): ClientSession {
  return new ClientSession({
    limit: args.concurrency,
    // No limitPerHost: HostLimits bounds each host (and its --rate) around a whole try, outside --timeout.
    timeout: { total: null, connect: args.connectTimeout, read: args.readTimeout },
    retry: false,
    decompress: false,
    maxResponseSize: Number.isFinite(args.maxSize) ? args.maxSize : 0,
  });
}

/** The downloader of a run (a local one, or a fleet worker's), as its options say. */
export function makeDownloader(
  args: FetchArgs,
  session: ClientSession,
  namer: Namer,
  options: { resume: boolean; hashAll: boolean },
): Downloader {
  const outDir = resolve(args.output);
  return new Downloader(
    session,
    {
      outDir,
      outLabel: args.output,
      resume: options.resume,
      clobber: args.clobber,
      retry: new RetryPolicy({
        attempts: args.retries + 1,
        statuses: RETRY_STATUSES,
        maxRetryAfter: MAX_RETRY_AFTER,
      }),
      timeout: args.timeout,
      maxSize: args.maxSize,
      speedLimit: args.speedLimit,
      hashAll: options.hashAll,
      headers: [["user-agent", args.userAgent], ...args.headers],
    },
    new HostLimits(args.perHost, args.rate),
    namer,
  );
}

/** Runs the downloads; returns the exit code (0 all succeeded, 1 some failed). */
async function fetchAll(args: FetchArgs): Promise<number> {
  const outDir = resolve(args.output);
  try {
    makeFolder(outDir);
  } catch (error) {
    throw new UsageError(`cannot create the output folder ${args.output}: ${systemErrorText(error as Error)}`);
  }
  const report = openReport(args);
  await using session = openSession(args);
  const namer = new Namer(args);
  const downloader = makeDownloader(args, session, namer, { resume: args.resume, hashAll: report !== undefined });
  const input: InputProgress = { seen: 0, exhausted: false };
  const record = new RunRecord(args, downloader, report, input);
  let interrupted = false;
  try {
    const jobs = withNames(readEntries(args.urls, args.lists, input), namer);
    const runs = mapUnordered(
      jobs,
      async ([entry, name]) => {
        record.finished(await downloader.download(entry, name));
      },
      { concurrency: args.concurrency },
    );
    for await (const _ of runs);
  } catch (error) {
    interrupted = isCancelledError(error);
    throw error;
  } finally {
    record.close(interrupted);
  }
  return record.exitCode();
}

/** `aio fetch [URL...] [-i FILE|-] [-o DIR] [options]`; returns the exit code. */
export async function fetchCommand(argv: readonly string[], version: string): Promise<number> {
  try {
    const args = parseFetchArgs(argv, version);
    if (args.help) {
      process.stdout.write(FETCH_HELP);
      return 0;
    }
    // SIGTERM (kill, a supervisor, `timeout`) stops a run as Ctrl-C does: run() cancels it, the parts are kept with
    // their notes, the report and summary written, and the process exits with 143 (130 for Ctrl-C).
    if (args.fleet !== undefined) {
      const { fleetCommand } = await import("./fleet/fleet-command.ts");
      const fleet = args.fleet;
      return await run(() => fleetCommand(args, fleet));
    }
    return await run(() => fetchAll(args));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const hint = error instanceof SetupError ? "" : 'Run "aio fetch --help" for the options.\n';
    process.stderr.write(`aio fetch: ${error.message}\n${hint}`);
    return 2;
  }
}
