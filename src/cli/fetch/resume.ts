// Resume negotiation: how to ask a server for the rest of a part (Range with
// If-Range), and what its answer means for the part. Bytes are never
// appended blindly: only a 206 for exactly the range asked, in the part's
// own Content-Encoding, continues it; anything else starts the file over.
import type { ClientResponse } from "../../http.ts";

/**
 * The validator of a part's bytes, as its resume notes keep it: enough to
 * ask the server for the rest and know it is the same file.
 */
export interface Validator {
  url: string;
  etag?: string | undefined;
  lastModified?: string | undefined;
  /** The Content-Encoding of the part's bytes (absent: as stored, identity). */
  encoding?: string | undefined;
}

/** How a 2xx or 416 response answers a request made for a part of `offset` bytes. */
export type Answer =
  /** The whole file, from its first byte: the part starts over. */
  | { kind: "whole"; total: number | undefined; validator: Validator | undefined }
  /** The rest of the part's file: the body goes after the part's bytes. */
  | { kind: "rest"; total: number | undefined }
  /** The part already is the whole file (a 416 whose length is the part's). */
  | { kind: "complete" }
  /** Not the range asked for, or in another encoding: start over with a fresh request. */
  | { kind: "start-over" };

/** A header's first value. */
export function header(response: ClientResponse, name: string): string | undefined {
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

/** The response's Content-Encoding, `undefined` for none (identity). */
function contentEncoding(response: ClientResponse): string | undefined {
  const value = header(response, "content-encoding")?.trim().toLowerCase();
  return value === undefined || value === "" || value === "identity" ? undefined : value;
}

/**
 * The validator of a response, for a later If-Range: only a strong ETag or a
 * strong Last-Modified date will do. A date is strong only if it is at least
 * a second older than the response's Date (RFC 9110, 8.8.2.2): a file
 * modified in the second it was sent may have changed under the bytes we got.
 */
function validatorOf(response: ClientResponse, url: URL): Validator | undefined {
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

/** Whether notes read from disk can continue a part of `url`: they name it and hold a validator. */
export function canResume(notes: Validator, url: URL): boolean {
  return notes.url === url.href && (notes.etag !== undefined || notes.lastModified !== undefined);
}

/**
 * The headers that ask for the rest of a part of `offset` bytes: a Range
 * from there, valid only if the file is still the one `validator` names;
 * none for a part that is empty or cannot be continued.
 */
export function rangeHeaders(offset: number, validator: Validator | undefined): [string, string][] {
  if (offset === 0 || validator === undefined) return [];
  return [
    ["range", `bytes=${offset}-`],
    ["if-range", validator.etag ?? (validator.lastModified as string)],
  ];
}

/**
 * What a 2xx or a 416 response means for a part of `offset` bytes whose
 * bytes `validator` describes. A 200 to a Range request means the server
 * ignored it, or the file changed (If-Range): the whole file again. A 206
 * continues the part only if it starts where the part ends and is in the
 * part's encoding (a server that compresses whole responses may send ranges
 * plain).
 */
export function answerOf(response: ClientResponse, url: URL, offset: number, validator: Validator | undefined): Answer {
  if (response.status === 416) {
    const { total } = parseContentRange(header(response, "content-range"));
    return offset > 0 && total === offset ? { kind: "complete" } : { kind: "start-over" };
  }
  if (response.status === 206) {
    const range = parseContentRange(header(response, "content-range"));
    if (range.start !== offset || contentEncoding(response) !== validator?.encoding) {
      return { kind: "start-over" };
    }
    return { kind: "rest", total: range.total };
  }
  const length = header(response, "content-length");
  const total = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
  return { kind: "whole", total, validator: validatorOf(response, url) };
}
