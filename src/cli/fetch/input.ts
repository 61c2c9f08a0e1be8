// The URLs to fetch: from the command line, then from list files (or stdin),
// read lazily, a line at a time, so that a list of millions never sits in
// memory. A bad line becomes an entry that fails, not an end of the run.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { ensureFuture } from "../../core/index.ts";
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

/** The lines of a file, or of stdin for `-`; each wait for a line is cancellable at once. */
async function* linesOf(file: string): AsyncGenerator<string> {
  const input = file === "-" ? process.stdin : createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const iterator = lines[Symbol.asyncIterator]();
  try {
    for (;;) {
      // readline's promise takes no signal: wrap it, so that Ctrl-C does not wait for the next line.
      const next = await ensureFuture(iterator.next());
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    lines.close();
    if (input !== process.stdin) input.destroy();
    else process.stdin.pause();
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
      const line = lineNumber === 1 ? raw.replace(/^\uFEFF/, "") : raw;
      const trimmed = line.trim();
      if (trimmed === "" || trimmed.startsWith("#")) continue;
      progress.seen++;
      yield entryOf(index++, `line ${lineNumber} of ${label}`, line.split("\t"));
    }
  }
  progress.exhausted = true;
}
