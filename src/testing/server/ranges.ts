import type { OutgoingHttpHeaders } from "node:http";
import { type Content, SliceContent } from "./content.ts";
import type { Exchange } from "./exchange.ts";
import { emptyReply, type Reply } from "./reply.ts";

/** A parsed `Range` header against a body of known length. */
export type RangeRequest =
  /** No usable Range header (absent, malformed, or several ranges): send it all. */
  | { readonly kind: "all" }
  /** One satisfiable range, `[start, end)`. */
  | { readonly kind: "partial"; readonly start: number; readonly end: number }
  /** A range that starts past the end: 416. */
  | { readonly kind: "unsatisfiable" };

const ALL: RangeRequest = { kind: "all" };
const SINGLE = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i;

/**
 * Parses `Range: bytes=a-b` (also `a-` and the suffix form `-n`). Several
 * ranges, or a malformed header, are ignored (RFC 9110 allows a server to
 * ignore Range), which answers 200 with the whole body.
 */
export function parseRange(header: string | undefined, length: number): RangeRequest {
  if (header === undefined) return ALL;
  const m = SINGLE.exec(header);
  if (m === null) return ALL;
  const [, first = "", last = ""] = m;
  if (first === "") {
    if (last === "") return ALL;
    const suffix = Number(last);
    if (suffix === 0 || length === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, length - suffix), end: length };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return ALL; // syntactically invalid: ignored
  if (start >= length) return { kind: "unsatisfiable" };
  const end = last === "" ? length - 1 : Number(last);
  return { kind: "partial", start, end: Math.min(end, length - 1) + 1 };
}

/** Whether an `If-Match`/`If-None-Match` list matches `etag` (weak comparison unless `strong`). */
export function etagMatches(header: string, etag: string, strong = false): boolean {
  const trimmed = header.trim();
  if (trimmed === "*") return true;
  const ours = strong ? etag : etag.replace(/^W\//, "");
  if (strong && etag.startsWith("W/")) return false;
  for (const part of trimmed.split(",")) {
    const tag = part.trim();
    if (strong) {
      if (tag === ours) return true;
    } else if (tag.replace(/^W\//, "") === ours) return true;
  }
  return false;
}

/** An HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`) as ms since the epoch, or NaN. */
export function parseHttpDate(value: string | undefined): number {
  return value === undefined ? Number.NaN : new Date(value).getTime();
}

/** What `contentReply` needs to know about a representation. */
export interface Representation {
  content: Content;
  /** Quoted, e.g. `"v1"` or `W/"v1"`. */
  etag?: string | undefined;
  /** An HTTP date; whole seconds. */
  lastModified?: string | undefined;
  /** Whether Range is honoured (default true). */
  ranges?: boolean | undefined;
  contentType?: string | undefined;
  headers?: OutgoingHttpHeaders | undefined;
  chunkSize?: number | undefined;
  interval?: number | undefined;
}

/**
 * Answers a GET/HEAD for a representation with its validators: 304 for a
 * matching `If-None-Match` (or `If-Modified-Since` without it), 412 for a
 * failed `If-Match`, 206 with `Content-Range` for a satisfiable `Range`
 * (unless `If-Range` names another version, which sends the whole new body:
 * that is how a resuming client learns the file changed), 416 past the end.
 */
export function contentReply(ex: Exchange, rep: Representation): Reply {
  const { content, etag, lastModified } = rep;
  const ranges = rep.ranges ?? true;
  const headers: OutgoingHttpHeaders = {
    "content-type": rep.contentType ?? "application/octet-stream",
    ...rep.headers,
  };
  if (etag !== undefined) headers.etag = etag;
  if (lastModified !== undefined) headers["last-modified"] = lastModified;
  if (ranges) headers["accept-ranges"] = "bytes";
  const h = ex.req.headers;
  const ifMatch = h["if-match"];
  if (ifMatch !== undefined && (etag === undefined || !etagMatches(ifMatch, etag, true))) {
    return emptyReply(412, headers);
  }
  const ifNoneMatch = h["if-none-match"];
  if (ifNoneMatch !== undefined) {
    if (etag !== undefined && etagMatches(ifNoneMatch, etag)) return emptyReply(304, headers);
  } else if (lastModified !== undefined) {
    const since = parseHttpDate(h["if-modified-since"]);
    if (since >= parseHttpDate(lastModified)) return emptyReply(304, headers);
  }
  const base = { headers, chunkSize: rep.chunkSize, interval: rep.interval };
  if (!ranges) return { status: 200, body: content, ...base };
  let range = parseRange(h.range, content.length);
  const ifRange = (h["if-range"] as string | undefined)?.trim();
  if (range.kind !== "all" && ifRange !== undefined) {
    const current = ifRange.startsWith('"') || ifRange.startsWith("W/") ? etag : lastModified;
    // If-Range needs a strong match: a weak ETag or another date means "changed, send it all".
    const same = current !== undefined && !current.startsWith("W/") && current === ifRange;
    if (!same) range = ALL;
  }
  if (range.kind === "unsatisfiable") {
    headers["content-range"] = `bytes */${content.length}`;
    return emptyReply(416, headers);
  }
  if (range.kind === "partial") {
    headers["content-range"] = `bytes ${range.start}-${range.end - 1}/${content.length}`;
    return { status: 206, body: new SliceContent(content, range.start, range.end), ...base };
  }
  return { status: 200, body: content, ...base };
}
