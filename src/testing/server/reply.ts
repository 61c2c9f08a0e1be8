import type { OutgoingHttpHeaders } from "node:http";
import type { Content } from "./content.ts";

/**
 * What a route answers: a status, headers and a body, written by `sendReply`
 * (which is where faults such as a reset mid-body are applied, so that every
 * route gets them for free). Routes build replies; they do not write.
 */
export interface Reply {
  status: number;
  headers: OutgoingHttpHeaders;
  /** The body; absent for none. A `Content` is streamed in slices. */
  body?: Buffer | Content | undefined;
  /** Send without Content-Length (`Transfer-Encoding: chunked`), in writes of `chunkSize`. */
  chunked?: boolean | undefined;
  /** Bytes per write (default 64 KiB). */
  chunkSize?: number | undefined;
  /** Milliseconds to wait between writes (`/drip`, `/range?duration=`). */
  interval?: number | undefined;
}

/** An `application/json` reply, pretty-printed with a trailing newline as httpbin does. */
export function jsonReply(value: unknown, status = 200, headers: OutgoingHttpHeaders = {}): Reply {
  const body = Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  return { status, headers: { ...headers, "content-type": "application/json" }, body };
}

/** A `text/plain` reply. */
export function textReply(text: string, status = 200, headers: OutgoingHttpHeaders = {}): Reply {
  return { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers }, body: Buffer.from(text) };
}

/** A reply with no body. */
export function emptyReply(status: number, headers: OutgoingHttpHeaders = {}): Reply {
  return { status, headers };
}

/** A 4xx reply with a JSON `{ "error": message }` body. */
export function errorReply(status: number, message: string): Reply {
  return jsonReply({ error: message }, status);
}
