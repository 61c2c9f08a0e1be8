// One URL, from request to finished file. Bytes go to NAME.part; the part is
// verified (length, optional SHA-256) and only then renamed to NAME, so a
// file under its final name is always complete. A part left by a failure or
// a Ctrl-C is continued by `--resume` with a Range request validated by
// ETag or Last-Modified (If-Range), never appended to blindly.
import { createHash, type Hash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  linkSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { link, open, rename, unlink } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
// The client's own modules, not the aio/http entry: that one also loads the
// embedded server, whose `node:http` import makes Node load its bundled undici
// too (about 10 ms of start-up the command does not need).
import type { ClientResponse } from "../../http/client-response.ts";
import type { ClientSession } from "../../http/client-session.ts";
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter } from "../../http/retry.ts";
import { isCancelledError, now, sleep, timeout } from "../../index.ts";
import { classify, RETRY_STATUSES, TryFailure } from "./failure.ts";
import type { HostLimits } from "./host-limits.ts";
import type { Entry } from "./input.ts";
import { makeFolder } from "./make-folder.ts";
import { type Namer, PART, PART_META, staysInside } from "./names.ts";
import { lockPart, PART_LOCK } from "./part-lock.ts";
import { PartWriter } from "./part-writer.ts";
import type { Outcome } from "./report.ts";
import { type SpeedLimit, withSpeedLimit } from "./speed-limit.ts";

/** The settings of a run that every download shares. */
export interface DownloadSettings {
  /** The output folder, absolute. */
  outDir: string;
  /** The output folder as the user wrote it, for the paths in messages and the report. */
  outLabel: string;
  resume: boolean;
  /** Replace a file already under a final name (`--clobber`); otherwise that URL fails. */
  clobber: boolean;
  contentDisposition: boolean;
  /** Tries per URL, the first included. */
  attempts: number;
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
  /** The longest Retry-After honoured, in ms; a longer one fails the URL. */
  maxRetryAfter: number;
}

/** A download in progress, as the progress display shows it. */
export interface ActiveDownload {
  name: string;
  received: number;
  /** The whole file's size, when known. */
  total: number | undefined;
}

/** A body that bodies up to this size are read whole and written in one go: fewer system calls per small file. */
const SMALL_BODY = 256 * 1024;
/** A part at least this large gets its resume notes written at once, so that even a crash can be resumed. */
const NOTES_AT_START = 1024 * 1024;

/** What the resume notes beside a part say: enough to ask the server for the rest, and know it is the same file. */
interface PartNotes {
  url: string;
  etag?: string | undefined;
  lastModified?: string | undefined;
  /** The Content-Encoding of the part's bytes (absent: as stored, identity). */
  encoding?: string | undefined;
}

/** The state of one URL across its tries. */
class Job {
  readonly entry: Entry;
  readonly url: URL;
  /** The file's path inside the output folder, once known. */
  name: string | undefined;
  /** Bytes in the part file that belong to the download. */
  offset = 0;
  /** The If-Range validator of the bytes in the part: a strong ETag, else Last-Modified. */
  validator: PartNotes | undefined = undefined;
  hash: Hash | undefined = undefined;
  /** How many of the part's bytes `hash` has seen. */
  hashed = 0;
  status: number | null = null;
  attempts = 0;
  /** Bytes received for this URL over all its tries: never goes back, so `--speed-limit` can count on it. */
  moved = 0;
  notesWritten = false;
  /** Releases the part's lock, once this run holds it. */
  unlock: (() => void) | undefined = undefined;
  /** Loop time of the first request: the report's `ms` counts from here, not from the wait for a turn. */
  started: number | undefined = undefined;
  readonly active: ActiveDownload;

  constructor(entry: Entry, url: URL, name: string | undefined) {
    this.entry = entry;
    this.url = url;
    this.name = name;
    this.active = { name: name ?? shownUrl(url), received: 0, total: undefined };
  }

  /** Forgets the part's bytes: the next body is written from the start. */
  restart(): void {
    this.offset = 0;
    this.validator = undefined;
    this.hash = undefined;
    this.hashed = 0;
    this.active.received = 0;
  }
}

/** A header's first value. */
function header(response: ClientResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

// `bytes 100-199/1000` gives start 100 and total 1000; a 416's `bytes */1000` gives only the total.
function parseContentRange(value: string | undefined): { start: number | undefined; total: number | undefined } {
  const m = value === undefined ? null : /^\s*bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)\s*$/i.exec(value);
  if (m === null) return { start: undefined, total: undefined };
  return {
    start: m[1] === undefined ? undefined : Number(m[1]),
    total: m[2] === "*" || m[2] === undefined ? undefined : Number(m[2]),
  };
}

/**
 * The validator of a response, for a later If-Range: only a strong ETag or a
 * strong Last-Modified date will do. A date is strong only if it is at least
 * a second older than the response's Date (RFC 9110, 8.8.2.2): a file
 * modified in the second it was sent may have changed under the bytes we got.
 */
function validatorOf(response: ClientResponse, url: URL): PartNotes | undefined {
  const etag = header(response, "etag");
  const strong = etag !== undefined && !etag.startsWith("W/") ? etag : undefined;
  let lastModified = header(response, "last-modified");
  const date = header(response, "date");
  if (lastModified !== undefined && date !== undefined) {
    const modified = Date.parse(lastModified);
    const sent = Date.parse(date);
    if (Number.isNaN(modified) || Number.isNaN(sent) || sent - modified < 1000) lastModified = undefined;
  }
  if (strong === undefined && lastModified === undefined) return undefined;
  return { url: url.href, etag: strong, lastModified, encoding: contentEncoding(response) };
}

/** The response's Content-Encoding, `undefined` for none (identity). */
function contentEncoding(response: ClientResponse): string | undefined {
  const value = header(response, "content-encoding")?.trim().toLowerCase();
  return value === undefined || value === "" || value === "identity" ? undefined : value;
}

/**
 * A URL's `user:password@`, as curl and wget use it: Basic credentials in an
 * Authorization header (undici drops it on a redirect to another origin), and
 * the URL to request without them.
 */
function credentialsOf(url: URL): { target: URL; authorization: string | undefined } {
  if (url.username === "" && url.password === "") return { target: url, authorization: undefined };
  const decode = (text: string): string => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const target = new URL(url.href);
  target.username = "";
  target.password = "";
  const pair = `${decode(url.username)}:${decode(url.password)}`;
  return { target, authorization: `Basic ${Buffer.from(pair).toString("base64")}` };
}

/** A URL as printed and reported: a password in it is masked (`user:***@host`), as wget masks it. */
export function shownUrl(url: URL): string {
  if (url.password === "") return url.href;
  const shown = new URL(url.href);
  shown.password = "***";
  return shown.href;
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

  /** The path of a file inside the output folder, as the user sees it. */
  private label(name: string): string {
    return this.settings.outLabel === "." ? name : join(this.settings.outLabel, name);
  }

  /**
   * Fetches one entry and returns its record; never throws but a
   * cancellation. `name` is the path claimed for it, unless the response is
   * to name it (`--content-disposition`).
   *
   * **Cancel safety:** if cancelled, the request is aborted at once, the
   * part file is closed and kept (with resume notes), and no file appears
   * under the final name.
   */
  async download(entry: Entry, name: string | undefined): Promise<Outcome> {
    const started = now();
    const url = entry.url;
    if (url === undefined) {
      return this.outcome(entry, null, "failed", started, { error: entry.error ?? "bad line" });
    }
    const job = new Job(entry, url, name);
    try {
      if (job.name !== undefined) {
        const skipped = await this.skipIfDone(job, started);
        if (skipped !== undefined) return skipped;
        try {
          this.lock(job);
        } catch (error) {
          return this.outcome(entry, job.name, "failed", started, {
            job,
            error: classify(error, this.settings, job.name === undefined ? undefined : this.label(job.name)).message,
          });
        }
        if (this.settings.resume) this.loadPart(job);
        const taken = this.refusal(job, false);
        if (taken !== undefined) return this.outcome(entry, job.name, "failed", started, { job, error: taken });
      }
      for (;;) {
        job.attempts++;
        let wait: number;
        try {
          const origin = `${url.protocol}//${url.host}`;
          const limited = (): ReturnType<Downloader["try"]> =>
            withSpeedLimit(
              this.settings.speedLimit,
              () => job.moved,
              () => this.try(job),
            );
          const settled = await this.hosts.run(origin, () =>
            this.settings.timeout === null ? limited() : timeout(this.settings.timeout, limited),
          );
          if (settled !== undefined) return settled(job.started ?? started);
          continue; // the server's answer asks for a fresh try at once (a range it could not serve)
        } catch (error) {
          if (isCancelledError(error)) throw error;
          const failure = classify(error, this.settings, job.name === undefined ? undefined : this.label(job.name));
          if (!failure.retryable || job.attempts >= this.settings.attempts) {
            this.dropEmptyPart(job);
            return this.outcome(entry, job.name, "failed", job.started ?? started, { job, error: failure.message });
          }
          wait = failure.retryAfter ?? backoffDelay(DEFAULT_RETRY, job.attempts);
        }
        await sleep(wait);
      }
    } finally {
      this.active.delete(job.active);
      if (job.unlock !== undefined) {
        if (job.offset > 0 && job.name !== undefined && existsSync(this.partPath(job.name))) this.writeNotes(job);
        job.unlock();
      }
    }
  }

  /**
   * Whether the job may replace a file already under its final name: only
   * with `--clobber`, or with `--resume` and a `sha256=` the file there does
   * not match (the user asked for other bytes under that name). A file this
   * run did not create is never replaced otherwise: a server's
   * Content-Disposition once named `.bashrc`.
   */
  private mayReplace(job: Job): boolean {
    return this.settings.clobber || (this.settings.resume && job.entry.sha256 !== undefined);
  }

  /** Why the job's final name cannot be used (a file is there, and may not be replaced); `undefined` if it can. */
  private refusal(job: Job, serverNamed: boolean): string | undefined {
    const name = job.name as string;
    if (this.mayReplace(job)) return undefined;
    try {
      if (!statSync(this.finalPath(name)).isFile()) return undefined; // a folder: finish() says so
    } catch {
      return undefined;
    }
    return this.notReplaced(name, serverNamed);
  }

  private notReplaced(name: string, serverNamed: boolean): string {
    const named = serverNamed ? ", the name the server's Content-Disposition gave," : "";
    return `${this.label(name)}${named} is a file this run did not create: not replaced (--clobber replaces it, -c skips it)`;
  }

  /**
   * Locks the job's part for this run, so that another run on the same
   * folder never writes it at the same time; throws a failure if another
   * live run holds it.
   */
  private lock(job: Job): void {
    const name = job.name as string;
    if (!staysInside(this.settings.outDir, name))
      throw new TryFailure(`refusing to write outside the output folder: ${name}`, false);
    const part = this.partPath(name);
    this.ensureFolder(part);
    const lock = lockPart(part.slice(0, -PART.length) + PART_LOCK);
    if (typeof lock !== "function") {
      throw new TryFailure(
        `busy: another aio fetch (pid ${lock.pid}) is downloading ${this.label(name)} into this folder`,
        false,
      );
    }
    job.unlock = lock;
  }

  private finalPath(name: string): string {
    return join(this.settings.outDir, name);
  }

  private partPath(name: string): string {
    return join(this.settings.outDir, name + PART);
  }

  private notesPath(name: string): string {
    return join(this.settings.outDir, name + PART_META);
  }

  /** With `--resume`, a finished file (whose digest matches, if one is given) is not fetched again. */
  private async skipIfDone(job: Job, started: number): Promise<Outcome | undefined> {
    if (!this.settings.resume || job.name === undefined) return undefined;
    const path = this.finalPath(job.name);
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
    return this.outcome(job.entry, job.name, "skipped", started, {
      job,
      bytes: size,
      sha256,
    });
  }

  /** With `--resume`, takes up a part left by an earlier run, if its notes say it is this URL's. */
  private loadPart(job: Job): void {
    if (job.name === undefined) return;
    try {
      const size = statSync(this.partPath(job.name)).size;
      const notes = JSON.parse(readFileSync(this.notesPath(job.name), "utf8")) as PartNotes;
      if (size > 0 && notes.url === job.url.href && (notes.etag !== undefined || notes.lastModified !== undefined)) {
        job.offset = size;
        job.validator = notes;
        job.notesWritten = true;
        job.active.received = size;
      }
    } catch {
      // No part, or no notes: start from the beginning (the part is overwritten).
    }
  }

  /** Writes the resume notes of the part (synchronously: it may be the last thing a Ctrl-C lets run). */
  private writeNotes(job: Job): void {
    if (job.name === undefined || job.validator === undefined) return;
    try {
      writeFileSync(this.notesPath(job.name), JSON.stringify(job.validator));
      job.notesWritten = true;
    } catch {
      // Without notes the part is simply fetched again: nothing is lost.
    }
  }

  /** A part holding nothing worth resuming is removed with its notes. */
  private dropEmptyPart(job: Job): void {
    // Without the lock the part is another run's.
    if (job.name === undefined || job.offset > 0 || job.unlock === undefined) return;
    removeFile(this.partPath(job.name));
    removeFile(this.notesPath(job.name));
  }

  /**
   * One try: a request, and the body into the part. Returns how the URL
   * settled (a function that builds its record), `undefined` to try again at
   * once, or throws a failure.
   */
  private async try(job: Job): Promise<((started: number) => Outcome) | undefined> {
    const { entry, url } = job;
    this.active.add(job.active); // shown from its first request, not while it waits for its host
    job.started ??= now();
    const headers: (readonly [string, string])[] = [...this.settings.headers, ...entry.headers];
    const { target, authorization } = credentialsOf(url);
    if (authorization !== undefined && !headers.some(([key]) => key.toLowerCase() === "authorization")) {
      headers.push(["authorization", authorization]);
    }
    if (job.offset > 0 && job.validator !== undefined) {
      headers.push(["range", `bytes=${job.offset}-`]);
      headers.push(["if-range", job.validator.etag ?? (job.validator.lastModified as string)]);
    } else if (job.offset > 0) {
      job.restart();
    }
    const response = await this.session.get(target, {
      headers,
      retry: false,
      decompress: false,
      raiseForStatus: false,
    });
    try {
      const status = response.status;
      job.status = status;
      if (status === 416 && job.offset > 0) {
        // Nothing left to send: the part may already be the whole file.
        const { total } = parseContentRange(header(response, "content-range"));
        if (total === job.offset) return await this.finish(job);
        job.restart();
        return undefined;
      }
      if (status < 200 || status >= 300) {
        const retryAfter = parseRetryAfter(response.headers["retry-after"], response.headers.date);
        const reason = response.statusText === "" ? "" : ` ${response.statusText}`;
        if (retryAfter !== undefined && retryAfter > this.settings.maxRetryAfter) {
          throw new TryFailure(
            `HTTP ${status}${reason}, retry after ${Math.round(retryAfter / 1000)} s (too long to wait)`,
            false,
          );
        }
        throw new TryFailure(`HTTP ${status}${reason}`, RETRY_STATUSES.has(status), retryAfter);
      }
      let total: number | undefined;
      const length = header(response, "content-length");
      const bodyLength = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
      if (status === 206) {
        const range = parseContentRange(header(response, "content-range"));
        if (range.start !== job.offset || contentEncoding(response) !== job.validator?.encoding) {
          // Not the range asked for, or the rest in another encoding than the part (a server that
          // compresses whole responses but sends ranges plain): take the file again from the start.
          job.restart();
          return undefined;
        }
        total = range.total;
      } else {
        // A 200 to a Range request: the server ignored it, or the file changed (If-Range). Start over.
        if (job.offset > 0) job.restart();
        total = bodyLength;
        job.validator = validatorOf(response, url);
      }
      if (total !== undefined && total > this.settings.maxSize) {
        throw new TryFailure(`the file is ${total} bytes, over --max-size (${this.settings.maxSize} bytes)`, false);
      }
      if (job.name === undefined) {
        const named = this.nameFromResponse(job, response);
        if (named !== undefined) return named;
        if (this.settings.resume) {
          // Only now is the name known, and with it the part an earlier run left: ask for the rest of
          // it with a Range request rather than take this whole body again.
          this.loadPart(job);
          if (job.offset > 0) return undefined;
        }
      }
      job.active.total = total;
      await this.receive(job, response, total);
      return await this.finish(job);
    } finally {
      response.release();
    }
  }

  /** `--content-disposition`: names the file after the response; skips it if `--resume` finds it done. */
  private nameFromResponse(job: Job, response: ClientResponse): ((started: number) => Outcome) | undefined {
    job.name = this.namer.fromResponse(job.url, header(response, "content-disposition"));
    job.active.name = job.name;
    this.lock(job);
    if (this.settings.resume && existsSync(this.finalPath(job.name)) && job.entry.sha256 === undefined) {
      const bytes = statSync(this.finalPath(job.name)).size;
      return (started) => this.outcome(job.entry, job.name, "skipped", started, { job, bytes });
    }
    const taken = this.refusal(job, true);
    if (taken !== undefined) throw new TryFailure(taken, false);
    return undefined;
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

  /** Streams the body into the part file, after the `job.offset` bytes already there. */
  private async receive(job: Job, response: ClientResponse, total: number | undefined): Promise<void> {
    const name = job.name as string;
    const final = this.finalPath(name);
    if (!staysInside(this.settings.outDir, name))
      throw new TryFailure(`refusing to write outside the output folder: ${name}`, false);
    this.ensureFolder(final);
    const part = this.partPath(name);
    const hashing = this.settings.hashAll || job.entry.sha256 !== undefined;

    if (job.offset === 0 && total !== undefined && total <= SMALL_BODY) {
      // A small file: the whole body, then one write.
      const bytes = await response.bytes();
      this.received += bytes.length;
      job.moved += bytes.length;
      if (bytes.length !== total) {
        throw new TryFailure(`the body ended after ${bytes.length} of ${total} bytes`, true);
      }
      if (hashing) {
        job.hash = createHash("sha256").update(bytes);
        job.hashed = bytes.length;
      }
      // Synchronously: for a small file, the thread pool's round trips cost more than the write itself.
      writeFileSync(part, bytes);
      job.offset = bytes.length;
      job.active.received = bytes.length;
      return;
    }

    if (hashing && job.hashed !== job.offset) {
      // Resuming a part from an earlier run (or try): its bytes count towards the digest.
      job.hash = createHash("sha256");
      await hashInto(job.hash, part, job.offset);
      job.hashed = job.offset;
    } else if (hashing && job.hash === undefined) {
      job.hash = createHash("sha256");
    }
    const handle = await open(part, job.offset > 0 ? "r+" : "w");
    try {
      if (job.offset > 0) await handle.truncate(job.offset);
      if (job.validator !== undefined && !job.notesWritten && (total === undefined || total >= NOTES_AT_START)) {
        this.writeNotes(job);
      }
      const writer = new PartWriter(handle, job.offset);
      // The digest runs ahead of the disk: until the body is all written, it
      // matches no offset, so a failed try re-reads the part (see above).
      if (job.hash !== undefined) job.hashed = -1;
      try {
        let received = job.offset;
        for await (const chunk of response.body) {
          received += chunk.length;
          if (received > this.settings.maxSize) {
            throw new TryFailure(`the body is over --max-size (${this.settings.maxSize} bytes)`, false);
          }
          this.received += chunk.length;
          job.moved += chunk.length;
          job.active.received = received;
          job.hash?.update(chunk);
          await writer.write(chunk);
        }
        await writer.flush();
      } finally {
        // Whatever happened, no write may be under way once the handle closes.
        await writer.settle();
        job.offset = writer.offset;
      }
      if (job.hash !== undefined) job.hashed = job.offset;
    } finally {
      await handle.close();
    }
    if (total !== undefined && job.offset !== total) {
      throw new TryFailure(`the body ended after ${job.offset} of ${total} bytes`, true);
    }
  }

  /** Verifies the part and renames it to its final name. */
  private async finish(job: Job): Promise<(started: number) => Outcome> {
    const name = job.name as string;
    const part = this.partPath(name);
    let sha256: string | null = null;
    if (job.hash !== undefined && job.hashed === job.offset) sha256 = job.hash.digest("hex");
    else if (this.settings.hashAll || job.entry.sha256 !== undefined) sha256 = await hashFile(part, job.offset);
    const expected = job.entry.sha256;
    if (expected !== undefined && sha256 !== expected) {
      // The bytes are wrong: nothing of them is worth keeping.
      removeFile(part);
      removeFile(this.notesPath(name));
      job.restart();
      throw new TryFailure(`SHA-256 mismatch: expected ${expected}, got ${sha256}`, false);
    }
    try {
      await this.save(job, part, this.finalPath(name));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST" && !isFolder(this.finalPath(name))) {
        // A file appeared under the name while this one downloaded: it stays, and the part for -c.
        throw new TryFailure(this.notReplaced(name, this.settings.contentDisposition), false);
      }
      if (code !== "EISDIR" && code !== "EEXIST") throw error;
      // A folder left by an earlier run where this file goes: the part could never be renamed, so it goes too.
      removeFile(part);
      removeFile(this.notesPath(name));
      job.restart();
      throw new TryFailure(`cannot save ${this.label(name)}: a folder of that name is in the way`, false);
    }
    const bytes = job.offset;
    job.offset = 0; // nothing left to resume
    if (job.notesWritten) removeFile(this.notesPath(name));
    return (started) => this.outcome(job.entry, name, "ok", started, { job, bytes, sha256 });
  }

  /**
   * Gives the part its final name. Without leave to replace, a link (which
   * fails with EEXIST rather than replace a file) and an unlink of the part:
   * a file that appeared under the name since the check at the start stays.
   * A file system without hard links (FAT, some network ones) gets a check
   * and a rename instead. Small files synchronously, as they were written.
   */
  private async save(job: Job, part: string, final: string): Promise<void> {
    const small = job.offset <= SMALL_BODY;
    if (this.mayReplace(job)) {
      if (small) renameSync(part, final);
      else await rename(part, final);
      return;
    }
    try {
      if (small) linkSync(part, final);
      else await link(part, final);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EXDEV") throw error;
      if (existsSync(final)) throw Object.assign(new Error(`${final} exists`), { code: "EEXIST" });
      if (small) renameSync(part, final);
      else await rename(part, final);
      return;
    }
    if (small) unlinkSync(part);
    else await unlink(part);
  }

  private outcome(
    entry: Entry,
    name: string | null | undefined,
    result: Outcome["result"],
    started: number,
    extra: { job?: Job; bytes?: number; sha256?: string | null; error?: string },
  ): Outcome {
    const job = extra.job;
    return {
      url: entry.url === undefined ? entry.text : shownUrl(entry.url),
      path: name === null || name === undefined ? null : this.label(name),
      result,
      status: job?.status ?? null,
      bytes: extra.bytes ?? job?.offset ?? 0,
      ms: Math.round(now() - started),
      attempts: job?.attempts ?? 0,
      sha256: extra.sha256 ?? null,
      error: extra.error ?? null,
      source: entry.source,
    };
  }
}

/**
 * Removes a file of ours if it is there. Never throws: it runs on the way out
 * of a failed URL (where its folder may be a file, ENOTDIR), and a leftover
 * part is only clutter, while a throw here would end the whole run.
 */
function removeFile(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Nothing to remove, or nothing we may remove.
  }
}

/** Whether a path is a folder (following links); `false` if nothing is there. */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Feeds the first `length` bytes of a file into a hash. */
async function hashInto(hash: Hash, path: string, length: number): Promise<void> {
  if (length === 0) return;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1 })) hash.update(chunk as Buffer);
}

/** The SHA-256 of the first `length` bytes of a file, in hex. */
async function hashFile(path: string, length: number): Promise<string> {
  const hash = createHash("sha256");
  await hashInto(hash, path, length);
  return hash.digest("hex");
}
