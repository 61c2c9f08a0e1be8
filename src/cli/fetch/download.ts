// The download loop: one URL, from its name to its record. Each try is a
// request whose body goes to the URL's part file (part-file.ts), continued
// with a Range request where the server allows it (resume.ts); a try ends
// in a plain result, or in a failure that is retried if it may heal
// (failure.ts). The part is verified (length, optional SHA-256) and only
// then given its final name, so a file under its final name is complete.
import { statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
// The command is built on aio-ts's public entry points only, as a user's program would be.
import type { ClientResponse, ClientSession, RetryPolicy } from "../../http.ts";
import { isCancelledError, now, sleep, timeout } from "../../index.ts";
import { classify, TryFailure } from "./failure.ts";
import type { HostLimits } from "./host-limits.ts";
import type { Entry } from "./input.ts";
import { makeFolder } from "./make-folder.ts";
import { type Namer, staysInside } from "./names.ts";
import { hashFile, PartFile } from "./part-file.ts";
import type { Outcome } from "./report.ts";
import { answerOf, header, rangeHeaders } from "./resume.ts";
import { type SpeedLimit, withSpeedLimit } from "./speed-limit.ts";
import { credentialsOf, shownUrl } from "./url-credentials.ts";

/** The settings of a run that every download shares. */
export interface DownloadSettings {
  /** The output folder, absolute. */
  outDir: string;
  /** The output folder as the user wrote it, for the paths in messages and the report. */
  outLabel: string;
  resume: boolean;
  /** Replace a file already under a final name (`--clobber`); otherwise that URL fails. */
  clobber: boolean;
  /**
   * When to try again (statuses, transient failures), how often (`attempts`, the first included), the backoff
   * between tries, and the longest Retry-After honoured (`maxRetryAfter`; a longer one fails the URL).
   */
  retry: RetryPolicy;
  /** Each try's time limit (request and body), in ms; `null` for none. */
  timeout: number | null;
  /** The largest body accepted, in bytes. */
  maxSize: number;
  /** The lowest speed of a try (`--speed-limit` over `--speed-time`); `undefined` for none. */
  speedLimit: SpeedLimit | undefined;
  /** Compute every body's SHA-256 (for the report), not only where a `sha256=` asks. */
  hashAll: boolean;
  /** Request headers for every URL. */
  headers: readonly (readonly [string, string])[];
}

/** A download in progress, as the progress display shows it. */
export interface ActiveDownload {
  name: string;
  received: number;
  /** The whole file's size, when known. */
  total: number | undefined;
}

/** How a URL settled. */
export type Settled =
  | { kind: "saved"; bytes: number; sha256: string | null }
  | { kind: "skipped"; bytes: number; sha256: string | null }
  | { kind: "failed"; error: string };

/** A URL found finished by `--resume`. */
type Skipped = Extract<Settled, { kind: "skipped" }>;

/** How one try ended, unless it failed (a failure is thrown: see `classify`). */
export type TryResult = Exclude<Settled, { kind: "failed" }> | { kind: "again" };

/** Ask again at once: the answer was for a part that changed (a range it could not serve, a part found late). */
const AGAIN: TryResult = { kind: "again" };
/** How many answers in a row may ask for a fresh request before the URL fails: a server that always does loops. */
const MAX_AGAIN = 3;
/** Bodies up to this size are read whole and written in one go: fewer system calls per small file. */
const SMALL_BODY = 256 * 1024;

/** One URL across its tries. */
class Job {
  readonly entry: Entry;
  readonly url: URL;
  readonly active: ActiveDownload;
  /** The file's path inside the output folder, and its part: set together once the name is known. */
  name: string | undefined = undefined;
  part: PartFile | undefined = undefined;
  /** Whether the name came from the response (`--content-disposition`), for the messages. */
  namedByServer = false;
  /** The last HTTP status received. */
  status: number | null = null;
  /** Requests made. */
  attempts = 0;
  /** Bytes received over all tries: never goes back, so `--speed-limit` can count on it. */
  moved = 0;
  /** Loop time of the first request: the report's `ms` counts from here, not from the wait for a turn. */
  started: number | undefined = undefined;
  /** Whether this URL is resumed (`-c`): the run's setting, or the caller's for this URL. */
  readonly resume: boolean;

  constructor(entry: Entry, url: URL, resume: boolean) {
    this.entry = entry;
    this.url = url;
    this.resume = resume;
    this.active = { name: shownUrl(url), received: 0, total: undefined };
  }
}

/** Downloads URLs to files. One per run; `download()` is called once per URL, concurrently. */
export class Downloader {
  private readonly session: ClientSession;
  private readonly settings: DownloadSettings;
  private readonly hosts: HostLimits;
  private readonly namer: Namer;
  /** Folders known to exist. */
  private readonly folders = new Set<string>();
  /** Downloads under way, for the progress display. */
  readonly active = new Set<ActiveDownload>();
  /** Bytes received over the network in this run, all URLs together. */
  received = 0;

  constructor(session: ClientSession, settings: DownloadSettings, hosts: HostLimits, namer: Namer) {
    this.session = session;
    this.settings = settings;
    this.hosts = hosts;
    this.namer = namer;
    this.folders.add(settings.outDir);
  }

  /**
   * Fetches one entry and returns its record; never throws but a
   * cancellation. `name` is the path claimed for it, unless the response is
   * to name it (`--content-disposition`).
   *
   * **Cancel safety:** if cancelled, the request is aborted at once, the
   * part file is closed and kept (with resume notes), its lock released,
   * and no file appears under the final name.
   *
   * `options.resume` overrides the run's `resume` for this URL (a fleet
   * worker resumes a job run again after its worker was lost).
   */
  async download(entry: Entry, name: string | undefined, options: { resume?: boolean } = {}): Promise<Outcome> {
    const started = now();
    if (entry.url === undefined) {
      return this.outcome(entry, undefined, { kind: "failed", error: entry.error ?? "bad line" }, started);
    }
    const job = new Job(entry, entry.url, options.resume ?? this.settings.resume);
    try {
      let settled: Settled | undefined;
      if (name !== undefined) {
        try {
          settled = await this.takeName(job, name, false);
        } catch (error) {
          if (isCancelledError(error)) throw error;
          settled = { kind: "failed", error: classify(error, this.settings, this.label(name)).message };
        }
      }
      settled ??= await this.tries(job);
      return this.outcome(entry, job, settled, job.started ?? started);
    } finally {
      this.active.delete(job.active);
      job.part?.release();
    }
  }

  // ── The loop of tries ──

  /** Tries until the URL is saved, or fails for good. */
  private async tries(job: Job): Promise<Settled> {
    const origin = `${job.url.protocol}//${job.url.host}`;
    const tryOnce = (): Promise<TryResult> =>
      withSpeedLimit(
        this.settings.speedLimit,
        () => job.moved,
        () => this.tryOnce(job),
      );
    let again = 0;
    for (;;) {
      job.attempts++;
      let wait: number;
      try {
        const result = await this.hosts.run(origin, () =>
          this.settings.timeout === null ? tryOnce() : timeout(this.settings.timeout, tryOnce),
        );
        if (result.kind !== "again") return result;
        if (++again > MAX_AGAIN) throw new TryFailure("the server kept answering with another range", false);
        continue;
      } catch (error) {
        if (isCancelledError(error)) throw error;
        const failure = classify(error, this.settings, job.name === undefined ? undefined : this.label(job.name));
        if (!failure.retryable || job.attempts >= this.settings.retry.attempts) {
          job.part?.dropIfEmpty();
          return { kind: "failed", error: failure.message };
        }
        wait = failure.retryAfter ?? this.settings.retry.backoffDelay(job.attempts);
      }
      await sleep(wait);
    }
  }

  /** One try: a request, and its body into the part. Throws a failure. */
  private async tryOnce(job: Job): Promise<TryResult> {
    this.active.add(job.active); // shown from its first request, not while it waits for its host
    job.started ??= now();
    // A part whose bytes have no validator cannot be continued: it starts over.
    if (job.part !== undefined && job.part.offset > 0 && job.part.validator === undefined) job.part.restart();
    const offset = job.part?.offset ?? 0;
    const validator = job.part?.validator;
    const response = await this.session.get(this.target(job), {
      headers: [...this.headersOf(job), ...rangeHeaders(offset, validator)],
      retry: false,
      decompress: false,
      raiseForStatus: false,
    });
    try {
      job.status = response.status;
      const ok = response.status >= 200 && response.status < 300;
      if (!ok && !(response.status === 416 && offset > 0)) throw this.statusFailure(response);
      const answer = answerOf(response, job.url, offset, validator);
      if (answer.kind === "complete") return await this.finish(job, job.part as PartFile);
      if (answer.kind === "start-over") {
        job.part?.restart();
        job.active.received = 0;
        return AGAIN;
      }
      if (answer.total !== undefined && answer.total > this.settings.maxSize) {
        throw new TryFailure(
          `the file is ${answer.total} bytes, over --max-size (${this.settings.maxSize} bytes)`,
          false,
        );
      }
      if (job.part === undefined) {
        // --content-disposition: only now is the name known.
        const name = this.namer.fromResponse(job.url, header(response, "content-disposition"));
        const settled = await this.takeName(job, name, true);
        if (settled !== undefined) return settled;
        // With --resume, a part an earlier run left under that name: ask for the rest of it with
        // a Range request rather than take this whole body again.
        if ((job.part as PartFile | undefined)?.offset !== 0) return AGAIN;
      }
      const part = job.part as PartFile;
      if (answer.kind === "whole") {
        part.restart();
        part.validator = answer.validator;
      }
      job.active.total = answer.total;
      await this.receive(job, part, response, answer.total);
      return await this.finish(job, part);
    } finally {
      response.release();
    }
  }

  /** The failure a status other than 2xx means: retried for the statuses that may heal, after any Retry-After. */
  private statusFailure(response: ClientResponse): TryFailure {
    const status = response.status;
    const policy = this.settings.retry;
    const retryAfter = policy.retryAfter(response);
    const reason = response.statusText === "" ? "" : ` ${response.statusText}`;
    if (retryAfter !== undefined && retryAfter > policy.maxRetryAfter) {
      return new TryFailure(
        `HTTP ${status}${reason}, retry after ${Math.round(retryAfter / 1000)} s (too long to wait)`,
        false,
      );
    }
    return new TryFailure(`HTTP ${status}${reason}`, policy.isRetryableStatus(status), retryAfter);
  }

  /** The URL to request: without its credentials, which go in a header. */
  private target(job: Job): URL {
    return credentialsOf(job.url).target;
  }

  /** The request's headers: the run's, the line's, and Basic credentials from the URL unless a header gives them. */
  private headersOf(job: Job): (readonly [string, string])[] {
    const headers: (readonly [string, string])[] = [...this.settings.headers, ...job.entry.headers];
    const { authorization } = credentialsOf(job.url);
    if (authorization !== undefined && !headers.some(([key]) => key.toLowerCase() === "authorization")) {
      headers.push(["authorization", authorization]);
    }
    return headers;
  }

  // ── The part and the final file ──

  /**
   * Gives the job its name and its part: a finished file found by
   * `--resume` settles it (skipped); otherwise the part is locked for this
   * run, taken up if `--resume` finds one, and the final name checked free.
   * Throws a failure: a name outside the folder, a part another run holds,
   * a file there that may not be replaced.
   */
  private async takeName(job: Job, name: string, serverNamed: boolean): Promise<Skipped | undefined> {
    job.name = name;
    job.namedByServer = serverNamed;
    job.active.name = name;
    if (!staysInside(this.settings.outDir, name)) {
      throw new TryFailure(`refusing to write outside the output folder: ${name}`, false);
    }
    const part = new PartFile(this.settings.outDir, name);
    if (job.resume) {
      const done = await this.finishedFile(job, part.final);
      if (done !== undefined) return done;
    }
    this.ensureFolder(part.final);
    job.part = part;
    if (job.resume) {
      await this.lock(job, part);
      job.active.received = part.load(job.url);
    }
    if (!this.mayReplace(job) && isFile(part.final)) throw new TryFailure(this.notReplaced(name, serverNamed), false);
    return undefined;
  }

  /**
   * Locks the part for this run before anything reads or writes it (a
   * resume, a streamed body); throws a failure if another live run holds it.
   * Small bodies written whole need no lock (see `PartFile.writeWhole`).
   */
  private async lock(job: Job, part: PartFile): Promise<void> {
    const busy = await part.lock();
    if (busy !== undefined) {
      throw new TryFailure(
        `busy: another aio fetch (pid ${busy.pid}) is downloading ${this.label(job.name as string)} into this folder`,
        false,
      );
    }
  }

  /** With `--resume`, a finished file (whose digest matches, if one is given) is not fetched again. */
  private async finishedFile(job: Job, path: string): Promise<Skipped | undefined> {
    let size: number;
    try {
      const info = statSync(path);
      if (!info.isFile()) return undefined;
      size = info.size;
    } catch {
      return undefined;
    }
    const expected = job.entry.sha256;
    let sha256: string | null = null;
    if (expected !== undefined || this.settings.hashAll) {
      sha256 = await hashFile(path, size);
      if (expected !== undefined && sha256 !== expected) return undefined; // not the file asked for: fetch it again
    }
    return { kind: "skipped", bytes: size, sha256 };
  }

  /**
   * Whether the job may replace a file already under its final name: only
   * with `--clobber`, or with `--resume` and a `sha256=` the file there does
   * not match (the user asked for other bytes under that name). A file this
   * run did not create is never replaced otherwise: a server's
   * Content-Disposition once named `.bashrc`.
   */
  private mayReplace(job: Job): boolean {
    return this.settings.clobber || (job.resume && job.entry.sha256 !== undefined);
  }

  private notReplaced(name: string, serverNamed: boolean): string {
    const named = serverNamed ? ", the name the server's Content-Disposition gave," : "";
    return `${this.label(name)}${named} is a file this run did not create: not replaced (--clobber replaces it, -c skips it)`;
  }

  /** Streams the body into the part, after the bytes already there; throws if it ends short. */
  private async receive(job: Job, part: PartFile, response: ClientResponse, total: number | undefined): Promise<void> {
    const hashing = this.hashing(job);
    if (part.offset === 0 && total !== undefined && total <= SMALL_BODY) {
      // A small file: the whole body, then one write.
      const bytes = await response.bytes();
      this.received += bytes.length;
      job.moved += bytes.length;
      if (bytes.length !== total) throw new TryFailure(`the body ended after ${bytes.length} of ${total} bytes`, true);
      part.writeWhole(bytes, hashing);
      job.active.received = bytes.length;
      return;
    }
    await this.lock(job, part);
    let received = part.offset;
    await part.append(response.body, {
      hashing,
      expected: total,
      onChunk: (chunk) => {
        received += chunk.length;
        if (received > this.settings.maxSize) {
          throw new TryFailure(`the body is over --max-size (${this.settings.maxSize} bytes)`, false);
        }
        this.received += chunk.length;
        job.moved += chunk.length;
        job.active.received = received;
      },
    });
    if (total !== undefined && part.offset !== total) {
      throw new TryFailure(`the body ended after ${part.offset} of ${total} bytes`, true);
    }
  }

  /** Verifies the part and gives it its final name. */
  private async finish(job: Job, part: PartFile): Promise<TryResult> {
    const name = job.name as string;
    const sha256 = this.hashing(job) ? await part.sha256() : null;
    const expected = job.entry.sha256;
    if (expected !== undefined && sha256 !== expected) {
      part.discard(); // the bytes are wrong: nothing of them is worth keeping
      throw new TryFailure(`SHA-256 mismatch: expected ${expected}, got ${sha256}`, false);
    }
    const bytes = part.offset;
    try {
      await part.save(this.mayReplace(job), bytes <= SMALL_BODY);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EISDIR" && code !== "EEXIST") throw error;
      if (!isFolder(part.final)) {
        // A file appeared under the name while this one downloaded: it stays, and the part for -c.
        throw new TryFailure(this.notReplaced(name, job.namedByServer), false);
      }
      // A folder left by an earlier run where this file goes: the part could never be renamed, so it goes too.
      part.discard();
      throw new TryFailure(`cannot save ${this.label(name)}: a folder of that name is in the way`, false);
    }
    return { kind: "saved", bytes, sha256 };
  }

  private hashing(job: Job): boolean {
    return this.settings.hashAll || job.entry.sha256 !== undefined;
  }

  /** Makes sure the folder of a file exists. */
  private ensureFolder(path: string): void {
    const folder = dirname(path);
    if (this.folders.has(folder)) return;
    try {
      makeFolder(folder);
    } catch (error) {
      // A file left by an earlier run (or by hand) where this run needs a folder: this URL fails, no other.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST" && code !== "ENOTDIR") throw error;
      throw new TryFailure(
        `cannot create the folder for ${this.label(relative(this.settings.outDir, path))}: a file is in the way`,
        false,
      );
    }
    this.folders.add(folder);
  }

  // ── The record ──

  /** The path of a file inside the output folder, as the user sees it. */
  private label(name: string): string {
    return this.settings.outLabel === "." ? name : join(this.settings.outLabel, name);
  }

  private outcome(entry: Entry, job: Job | undefined, settled: Settled, started: number): Outcome {
    const failed = settled.kind === "failed";
    return {
      url: entry.url === undefined ? entry.text : shownUrl(entry.url),
      path: job?.name === undefined ? null : this.label(job.name),
      result: failed ? "failed" : settled.kind === "saved" ? "ok" : "skipped",
      status: job?.status ?? null,
      bytes: failed ? (job?.part?.offset ?? 0) : settled.bytes,
      ms: Math.round(now() - started),
      attempts: job?.attempts ?? 0,
      sha256: failed ? null : settled.sha256,
      error: failed ? settled.error : null,
      source: entry.source,
    };
  }
}

/** Whether a path is a file (following links); `false` if nothing is there. */
function isFile(path: string): boolean {
  // No exception for a missing file: this runs once per URL, and building one costs more than the stat.
  return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
}

/** Whether a path is a folder (following links); `false` if nothing is there. */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
