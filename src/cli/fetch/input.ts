// The URLs to fetch: from the command line, then from list files (or stdin),
// read lazily, a line at a time, so that a list of millions never sits in
// memory. A bad line becomes an entry that fails, not an end of the run.
import { createReadStream } from "node:fs";
import { ensureFuture } from "../../index.ts";
import { sanitizePath } from "./names.ts";

/** One URL to fetch, with the options its line gave; or a bad line, with `error` set. */
export interface Entry {
  /** Position in the input, from 0. */
  index: number;
  /** Where it came from: `argument 2`, `line 17 of urls.txt`. */
  source: string;
  /** The URL as written. */
  text: string;
  url: URL | undefined;
  /** Why the line is unusable (`bad URL: ...`); `source` says where it is. */
  error: string | undefined;
  /** `out=NAME`: the file's path inside the output folder, sanitised. */
  out: string | undefined;
  /** `sha256=HEX`: the digest the body must have, in lower case. */
  sha256: string | undefined;
  /** `header=K: V`, repeatable. */
  headers: [string, string][];
}

/** What the input has yielded so far, for the progress display. */
export interface InputProgress {
  seen: number;
  exhausted: boolean;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses a URL for fetching: absolute, http or https; throws a message for the user otherwise. */
export function parseFetchUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${JSON.stringify(text)} is not an absolute URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`${JSON.stringify(text)} has the scheme ${url.protocol} (only http: and https: are fetched)`);
  }
  return url;
}

/** Parses one `header=K: V` value; throws a message for the user if it is not a header. */
export function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(":");
  const name = colon < 0 ? "" : text.slice(0, colon).trim();
  if (!HEADER_NAME.test(name)) throw new Error(`${JSON.stringify(text)} is not a header (expected "Name: value")`);
  return [name, text.slice(colon + 1).trim()];
}

/** Makes the entry of one URL and its tab-separated options. */
function entryOf(index: number, source: string, fields: readonly string[]): Entry {
  const text = (fields[0] ?? "").trim();
  const entry: Entry = {
    index,
    source,
    text,
    url: undefined,
    error: undefined,
    out: undefined,
    sha256: undefined,
    headers: [],
  };
  try {
    entry.url = parseFetchUrl(text);
    for (const field of fields.slice(1)) {
      const option = field.trim();
      if (option === "") continue;
      const eq = option.indexOf("=");
      const key = eq < 0 ? option : option.slice(0, eq);
      const value = eq < 0 ? "" : option.slice(eq + 1);
      switch (key) {
        case "out":
          if (value.trim() === "") throw new Error("out= needs a file name");
          entry.out = sanitizePath(value);
          break;
        case "sha256":
          if (!/^[0-9a-fA-F]{64}$/.test(value))
            throw new Error(`sha256= needs 64 hex digits, got ${JSON.stringify(value)}`);
          entry.sha256 = value.toLowerCase();
          break;
        case "header":
          entry.headers.push(parseHeader(value));
          break;
        default:
          throw new Error(`unknown option ${JSON.stringify(key)} (known: out=, sha256=, header=)`);
      }
    }
  } catch (error) {
    entry.url = undefined;
    // Where the line is goes in the record's `source`, printed after the error: not here again.
    entry.error = `bad URL: ${(error as Error).message}`;
  }
  return entry;
}

/** The longest line taken as a URL, in bytes: curl's limit for a URL (8 MiB). */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;
/** How much of a line too long to use is kept, to show it. */
const SHOWN_BYTES = 100;

/** A line longer than `MAX_LINE_BYTES`: its start, to show, and its length. */
interface LongLine {
  start: string;
  bytes: number;
}

/** The entry of a line too long to be a URL: it fails, shown by its start. */
function tooLong(index: number, source: string, line: LongLine): Entry {
  return {
    index,
    source,
    text: `${line.start}…`,
    url: undefined,
    error: `bad URL: the line is ${line.bytes} bytes long, over the ${MAX_LINE_BYTES / 1024 / 1024} MiB a URL may have`,
    out: undefined,
    sha256: undefined,
    headers: [],
  };
}

/**
 * The lines of a file, or of stdin for `-`, split at `\n` (a `\r` before it
 * is dropped); each wait for a chunk is cancellable at once. A line longer
 * than `MAX_LINE_BYTES` comes out as a `LongLine`, and its bytes past the
 * limit are never held: readline would hold a line of any length, and a
 * 300 MB one ended the run with `Invalid string length`.
 */
async function* linesOf(file: string): AsyncGenerator<string | LongLine> {
  const input = file === "-" ? process.stdin : createReadStream(file);
  // stdin is not ours to destroy when the run stops reading it early.
  const iterator = input.iterator({ destroyOnReturn: input !== process.stdin })[Symbol.asyncIterator]();
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let long: LongLine | undefined;
  const take = (piece: Buffer): void => {
    if (long !== undefined) {
      long.bytes += piece.length;
    } else if (pendingBytes + piece.length > MAX_LINE_BYTES) {
      const head = Buffer.concat([...pending, piece.subarray(0, SHOWN_BYTES)]).subarray(0, SHOWN_BYTES);
      long = { start: head.toString("utf8"), bytes: pendingBytes + piece.length };
      pending = [];
      pendingBytes = 0;
    } else if (piece.length > 0) {
      pending.push(piece);
      pendingBytes += piece.length;
    }
  };
  const line = (): string | LongLine => {
    const done = long ?? Buffer.concat(pending, pendingBytes).toString("utf8").replace(/\r$/, "");
    pending = [];
    pendingBytes = 0;
    long = undefined;
    return done;
  };
  try {
    for (;;) {
      // A stream's promise takes no signal: wrap it, so that Ctrl-C does not wait for the next chunk.
      const next = await ensureFuture(iterator.next());
      if (next.done === true) break;
      const chunk = typeof next.value === "string" ? Buffer.from(next.value) : (next.value as Buffer);
      let start = 0;
      for (let end = chunk.indexOf(10, start); end >= 0; end = chunk.indexOf(10, start)) {
        take(chunk.subarray(start, end));
        yield line();
        start = end + 1;
      }
      take(chunk.subarray(start));
    }
    if (pendingBytes > 0 || long !== undefined) yield line();
  } finally {
    await iterator.return?.();
    if (input === process.stdin) process.stdin.pause();
  }
}

/**
 * Every entry of the run: the URL arguments first, then each list's lines in
 * order. In a list, blank lines and `#` comments are skipped; fields after
 * the URL are separated by tabs (`out=NAME`, `sha256=HEX`, `header=K: V`).
 */
export async function* readEntries(
  urls: readonly string[],
  lists: readonly string[],
  progress: InputProgress,
): AsyncGenerator<Entry> {
  let index = 0;
  for (const [i, url] of urls.entries()) {
    progress.seen++;
    yield entryOf(index++, `argument ${i + 1}`, [url]);
  }
  for (const list of lists) {
    const label = list === "-" ? "stdin" : list;
    let lineNumber = 0;
    for await (const raw of linesOf(list)) {
      lineNumber++;
      if (typeof raw !== "string") {
        if (
          raw.start
            .replace(/^\uFEFF/, "")
            .trimStart()
            .startsWith("#")
        )
          continue; // a long comment
        progress.seen++;
        yield tooLong(index++, `line ${lineNumber} of ${label}`, raw);
        continue;
      }
      const line = lineNumber === 1 ? raw.replace(/^\uFEFF/, "") : raw;
      const trimmed = line.trim();
      if (trimmed === "" || trimmed.startsWith("#")) continue;
      progress.seen++;
      yield entryOf(index++, `line ${lineNumber} of ${label}`, line.split("\t"));
    }
  }
  progress.exhausted = true;
}
