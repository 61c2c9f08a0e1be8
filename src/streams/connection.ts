import { connect as netConnect, type Socket } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { argumentError, loopOf } from "../core/index.ts";
import { checkLimit, DirectRead, type StreamReader } from "./reader.ts";
import {
  checkPath,
  checkPort,
  closeAtRunEnd,
  defaultServername,
  describePeer,
  type Peer,
  streamsOf,
  waitEvent,
  withPeer,
} from "./socket.ts";
import { nodeTls } from "./tls.ts";
import type { StreamWriter } from "./writer.ts";

/**
 * Deno's node:tls cannot upgrade (`startTls()`) a socket made with `onread`: the handshake's bytes go to the
 * `onread` callback, and the handshake never ends (Deno 2.9). Its TCP connections keep the Readable path.
 */
const DENO = (globalThis as { Deno?: unknown }).Deno !== undefined;

/** Options of `openConnection`. */
export interface OpenConnectionOptions {
  /**
   * Connect with TLS: `true` for the defaults (the host's certificate is
   * verified against Node's CA store; SNI is the host name), or Node's
   * `tls.ConnectionOptions` (`ca`, `rejectUnauthorized`, `servername`...).
   */
  tls?: boolean | ConnectionOptions | undefined;
  /** The reader's limit (see `StreamReader`); default 64 KiB. */
  limit?: number | undefined;
}

/** Options of `openUnixConnection`. */
export interface OpenUnixConnectionOptions {
  /** The reader's limit (see `StreamReader`); default 64 KiB. */
  limit?: number | undefined;
}

/**
 * Opens a TCP connection (TLS with `tls`) and returns its reader and
 * writer: asyncio's `open_connection`. `TCP_NODELAY` is set, as asyncio
 * does, and the connection may be half-closed (`writeEof()`).
 *
 * A connection still open when `run()` ends is closed then.
 *
 * **Cancel safety:** a cancelled connect destroys the socket; nothing is
 * left open.
 *
 * @throws TypeError if `host`, `port`, `tls` or `limit` is invalid.
 * @throws Node's connection error (`ECONNREFUSED`, `ENOTFOUND`, a TLS verification error...), its message naming
 *   `host:port`, its `code` kept.
 *
 * @example
 * ```ts
 * import { openConnection, run } from "aio-ts";
 * await run(async () => {
 *   const [reader, writer] = await openConnection("127.0.0.1", 8888);
 *   writer.write("Hello World!\n");
 *   await writer.drain();
 *   console.log(`Received: ${(await reader.readline()).toString()}`);
 *   writer.close();
 *   await writer.waitClosed();
 * });
 * ```
 */
export function openConnection(
  host: string,
  port: number,
  options: OpenConnectionOptions = {},
): Promise<[StreamReader, StreamWriter]> {
  if (typeof host !== "string" || host.length === 0) throw argumentError("host", "a non-empty string", host);
  checkPort(port, 1);
  if (options === null || typeof options !== "object") throw argumentError("options", "an object", options);
  const limit = checkLimit(options.limit);
  const tls = options.tls;
  if (tls !== undefined && typeof tls !== "boolean" && (tls === null || typeof tls !== "object")) {
    throw argumentError("tls", "a boolean or tls.ConnectionOptions", tls);
  }
  const peer = { host, port };
  if ((tls === undefined || tls === false) && !DENO) {
    // Plain TCP reads through `onread` (see DirectRead): measured 10-15% less CPU per small round trip.
    const direct = new DirectRead();
    const socket = netConnect({ host, port, noDelay: true, allowHalfOpen: true, onread: direct });
    return connected(socket, "connect", peer, limit, true, direct);
  }
  if (tls === undefined || tls === false) {
    return connected(netConnect({ host, port, noDelay: true, allowHalfOpen: true }), "connect", peer, limit, true);
  }
  const socket: Socket = nodeTls().connect({ ...defaultServername(host), ...(tls === true ? {} : tls), host, port });
  socket.setNoDelay(true);
  return connected(socket, "secureConnect", peer, limit, true);
}

/**
 * Opens a connection to a Unix domain socket and returns its reader and
 * writer: asyncio's `open_unix_connection`.
 *
 * **Cancel safety:** a cancelled connect destroys the socket.
 *
 * @throws TypeError if `path` or `limit` is invalid.
 * @throws Node's connection error (`ENOENT`, `ECONNREFUSED`...), its message naming the path.
 *
 * @example
 * ```ts
 * import { openUnixConnection, run } from "aio-ts";
 * await run(async () => {
 *   const [reader, writer] = await openUnixConnection("/tmp/app.sock");
 *   writer.write("ping\n");
 *   console.log((await reader.readline()).toString()); // the server's answer
 *   writer.close();
 * });
 * ```
 */
export function openUnixConnection(
  path: string,
  options: OpenUnixConnectionOptions = {},
): Promise<[StreamReader, StreamWriter]> {
  checkPath(path);
  if (options === null || typeof options !== "object") throw argumentError("options", "an object", options);
  const limit = checkLimit(options.limit);
  const direct = new DirectRead();
  const socket = netConnect({ path, allowHalfOpen: true, onread: direct });
  return connected(socket, "connect", { path }, limit, false, direct);
}

async function connected(
  socket: Socket,
  event: string,
  peer: Peer,
  limit: number,
  upgradable: boolean,
  direct?: DirectRead,
): Promise<[StreamReader, StreamWriter]> {
  // Reader and writer listen from the start, so no 'error' between the connect and the caller's first read is
  // ever unhandled.
  const streams = streamsOf(socket, {
    limit,
    peer,
    upgradable,
    direct,
    unix: "path" in peer ? { peername: peer.path, sockname: "" } : undefined,
  });
  try {
    await waitEvent(socket, event, () => socket.destroy(), `connect to ${describePeer(peer)}`);
  } catch (error) {
    socket.destroy();
    throw withPeer(error, peer);
  }
  closeAtRunEnd(loopOf(), socket);
  return streams;
}
