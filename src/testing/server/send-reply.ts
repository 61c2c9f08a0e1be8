import type { ServerResponse } from "node:http";
import type { Exchange } from "./exchange.ts";
import type { Fault } from "./faults.ts";
import { pause } from "./pause.ts";
import type { Reply } from "./reply.ts";

/** Bytes per write when a reply does not say. */
const DEFAULT_CHUNK = 64 * 1024;
/** How much `wrong-length` overstates Content-Length. */
const WRONG_LENGTH_EXTRA = 1024;
/**
 * `reset-mid-body` waits this long between its last write and the reset, so
 * that the client reads the half body before the RST (a RST can make the
 * peer's kernel drop data the application has not read yet).
 */
const RESET_GRACE_MS = 20;

const EMPTY = Buffer.alloc(0);

/** Resolves when `res` drains or closes (the client left: stop writing). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Writes `chunk` and resolves once it reached the socket (or the response closed). */
function flushed(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off("close", done);
      resolve();
    };
    res.on("close", done);
    res.write(chunk, done);
  });
}

function bodyless(status: number, method: string | undefined): boolean {
  return method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200);
}

/**
 * Writes `reply`, applying a mid-body `fault`. A Buffer body with no pacing
 * and no fault is one `end()` call (the `/get` path); anything else streams
 * in slices, waits for `drain`, and stops as soon as the connection closes.
 *
 * Returns once the response is over on the server's side; a stalled
 * response returns at once and is ended by the connection closing.
 */
export async function sendReply(ex: Exchange, reply: Reply, fault?: Fault): Promise<void> {
  const { req, res } = ex;
  if (!ex.open) return;
  const { status, headers, body } = reply;
  const kind = fault?.kind;
  const length = body?.length ?? 0;
  const noBody = bodyless(status, req.method);
  if (!reply.chunked && !(status === 204 || status === 304 || status < 200)) {
    headers["content-length"] = kind === "wrong-length" ? length + WRONG_LENGTH_EXTRA : length;
  }
  if (kind === undefined && reply.interval === undefined && !reply.chunked && (body === undefined || noBody)) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  if (kind === undefined && reply.interval === undefined && !reply.chunked && Buffer.isBuffer(body)) {
    res.writeHead(status, headers);
    res.end(body);
    return;
  }
  res.writeHead(status, headers);
  res.flushHeaders();
  const socket = req.socket;
  const content = body === undefined || noBody ? undefined : body;
  const midBody = kind === "reset-mid-body" || kind === "stall-mid-body";
  const limit = content === undefined ? 0 : midBody ? Math.floor(content.length / 2) : content.length;
  const slow = kind === "slow-drip";
  const interval = slow ? (fault?.interval ?? 100) : reply.interval;
  const chunk = slow
    ? (fault?.chunk ?? Math.max(1, Math.ceil(limit / 20)))
    : (reply.chunkSize ?? (interval === undefined ? DEFAULT_CHUNK : limit));
  const signal = ex.signal;
  let offset = 0;
  while (offset < limit) {
    if (offset > 0 && interval !== undefined && interval > 0 && !(await pause(interval, signal))) return;
    if (!ex.open) return;
    const end = Math.min(limit, offset + chunk);
    const slice = Buffer.isBuffer(content) ? content.subarray(offset, end) : (content?.read(offset, end) ?? EMPTY);
    offset = end;
    if (offset === limit && kind !== undefined && kind !== "slow-drip") await flushed(res, slice);
    else if (!res.write(slice)) await drained(res);
  }
  if (!ex.open) return;
  switch (kind) {
    case "reset-mid-body":
      if (await pause(RESET_GRACE_MS, signal)) socket.resetAndDestroy();
      return;
    case "stall-mid-body":
      return; // until the client gives up or the server closes
    case "wrong-length":
      // Everything promised is not coming: close, so the client sees a premature end.
      socket.end();
      return;
    default:
      res.end();
  }
}
