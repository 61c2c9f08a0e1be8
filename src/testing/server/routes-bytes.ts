import { AlphabetContent, type Content, FillContent, hashString, RandomContent, SeededContent } from "./content.ts";
import type { Exchange } from "./exchange.ts";
import { intParam, MAX_SIZE, numberParam, oneParam, optional, type Route } from "./params.ts";
import { pause } from "./pause.ts";
import { contentReply } from "./ranges.ts";
import type { Reply } from "./reply.ts";

/** Default size of `/files/:name`: 1 MiB. */
export const DEFAULT_FILE_SIZE = 1024 * 1024;

/** `/drip` never writes more often than this many times (it groups bytes instead). */
const MAX_DRIP_WRITES = 1000;

/** Every `/files` version is dated from here on (deterministic, unlike the wall clock). */
const FILES_EPOCH_MS = Date.UTC(2024, 0, 1);

/** The generator seed `?seed=` names: the same seed gives the same bytes on every route and in every process. */
export function seedOf(text: string): number {
  return hashString(`seed:${text}`);
}

function sizeParam(params: readonly string[], what: string): number {
  return intParam("n", oneParam(params, `${what}/:n`), 0, MAX_SIZE);
}

function seeded(ex: Exchange, length: number): Content {
  const seed = ex.rawQuery === "" ? null : ex.query.get("seed");
  return seed === null ? new RandomContent(length) : new SeededContent(seedOf(seed), length);
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/**
 * `/files/:name?size=&version=&change-every=`: a file as a download server
 * serves it: deterministic bytes for (name, version), a strong ETag, a
 * Last-Modified date, and Range/If-Range support. `change-every=k` bumps the
 * version after every `k` requests to the same file on this server, which is
 * "the file changed between attempts" for a resuming client.
 */
function file(ex: Exchange, params: readonly string[]): Reply {
  const name = oneParam(params, "files/:name");
  const size = optional(ex, "size", DEFAULT_FILE_SIZE, (v) => intParam("size", v, 0, MAX_SIZE));
  let version = optional(ex, "version", "1", (v) => v);
  const every = optional(ex, "change-every", 0, (v) => intParam("change-every", v, 1, 2 ** 31 - 1));
  if (every > 0) version += `.${Math.floor(ex.count(`files\0${name}\0${size}\0${version}\0${every}`) / every)}`;
  const id = hashString(`${name}\0${size}\0${version}`);
  return contentReply(ex, {
    content: new SeededContent(hashString(`file:${name}\0${version}`), size),
    etag: `"${id.toString(16).padStart(8, "0")}-${size.toString(16)}"`,
    lastModified: httpDate(FILES_EPOCH_MS + (id % 10_000_000) * 1000),
  });
}

/** httpbin's `/range/:n` (with `chunk_size` and `duration`); `ignoreRange` makes `/no-range/:n`. */
function alphabet(ex: Exchange, params: readonly string[], ignoreRange: boolean): Reply {
  const n = sizeParam(params, ignoreRange ? "no-range" : "range");
  const chunkSize = optional(ex, "chunk_size", 10 * 1024, (v) => intParam("chunk_size", v, 1, MAX_SIZE));
  const duration = optional(ex, "duration", 0, (v) => numberParam("duration", v, 0, 3600));
  return contentReply(ex, {
    content: new AlphabetContent(n),
    etag: `"range-${n}"`,
    ranges: !ignoreRange,
    chunkSize,
    interval: duration > 0 ? (duration * 1000) / Math.max(1, Math.ceil(n / chunkSize)) : undefined,
  });
}

/** `/drip?duration=&numbytes=&delay=&code=`: `*` bytes spread over `duration` seconds, after `delay`. */
async function drip(ex: Exchange): Promise<Reply | undefined> {
  const duration = optional(ex, "duration", 2, (v) => numberParam("duration", v, 0, 3600));
  const numbytes = optional(ex, "numbytes", 10, (v) => intParam("numbytes", v, 0, 10 * 1024 * 1024));
  const delay = optional(ex, "delay", 0, (v) => numberParam("delay", v, 0, 3600));
  const code = optional(ex, "code", 200, (v) => intParam("code", v, 100, 599));
  if (delay > 0 && !(await pause(delay * 1000, ex.signal))) return undefined;
  const writes = Math.min(numbytes, MAX_DRIP_WRITES);
  return {
    status: code,
    headers: { "content-type": "application/octet-stream" },
    body: new FillContent(0x2a, numbytes),
    chunkSize: Math.max(1, Math.ceil(numbytes / Math.max(1, writes))),
    interval: writes > 0 ? (duration * 1000) / writes : undefined,
  };
}

/** The byte-serving routes: httpbin's, plus `/no-range/:n` and `/files/:name` for downloaders. */
export const bytesRoutes: Record<string, Route> = {
  bytes: (ex, params) => {
    const n = sizeParam(params, "bytes");
    return { status: 200, headers: { "content-type": "application/octet-stream" }, body: seeded(ex, n) };
  },
  "stream-bytes": (ex, params) => {
    const n = sizeParam(params, "stream-bytes");
    const chunkSize = optional(ex, "chunk_size", 10 * 1024, (v) => intParam("chunk_size", v, 1, MAX_SIZE));
    const body = seeded(ex, n);
    return { status: 200, headers: { "content-type": "application/octet-stream" }, body, chunked: true, chunkSize };
  },
  drip,
  range: (ex, params) => alphabet(ex, params, false),
  "no-range": (ex, params) => alphabet(ex, params, true),
  files: file,
};
