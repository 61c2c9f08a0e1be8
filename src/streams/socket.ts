/**
 * What clients and servers share: a connected socket made into a reader and
 * a writer, the writer's extra info and TLS upgrade, the errors that name
 * the peer, and the `run()` closer that ends a socket left open.
 */
import { isIP, type Socket } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { argumentError, Future, InvalidStateError, LabelledFuture, type Loop, loopOf } from "../core/index.ts";
import { type DirectRead, feedDirect, feedFrom, StreamReader } from "./reader.ts";
import { isTlsSocket, nodeTls } from "./tls.ts";
import { StreamWriter } from "./writer.ts";

/** @internal Where a socket leads, for messages: `host:port` or a path. */
export type Peer = { host: string; port: number } | { path: string };

export function describePeer(peer: Peer): string {
  return "path" in peer ? peer.path : `${peer.host.includes(":") ? `[${peer.host}]` : peer.host}:${peer.port}`;
}

/**
 * @internal Adds the peer to a connection error's message, keeping the error
 * itself (its class, `code`, `errno`, `syscall`): Node's TLS errors name no
 * host ("self-signed certificate"), and a Unix socket's refusal names no path.
 */
export function withPeer(error: unknown, peer: Peer): unknown {
  if (!(error instanceof Error)) return error;
  const where = describePeer(peer);
  if (!error.message.includes(where)) {
    const old = error.message;
    error.message = `${old} (connecting to ${where})`;
    if (typeof error.stack === "string") error.stack = error.stack.replace(old, error.message);
  }
  return error;
}

/** @internal Checks a TCP port: an integer in 0..65535 (1..65535 to connect). */
export function checkPort(value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > 65535) {
    throw argumentError("port", `an integer from ${min} to 65535`, value);
  }
  return value;
}

/** @internal Checks a Unix socket path: a non-empty string. */
export function checkPath(value: unknown): string {
  if (typeof value !== "string" || value.length === 0) throw argumentError("path", "a non-empty string", value);
  return value;
}

/**
 * @internal Waits for `event` on `emitter` (or its 'error', thrown), as a
 * cancellation point: `onCancel` runs if the wait is cancelled.
 */
export async function waitEvent(
  emitter: NodeJS.EventEmitter,
  event: string,
  onCancel: () => void,
  label = `waiting for "${event}"`,
): Promise<void> {
  const waiter = new LabelledFuture<void>(loopOf(), { kind: "stream", label });
  let failure: { error: unknown } | undefined;
  const onEvent = (): void => {
    if (!waiter.done()) waiter.setResult(undefined);
  };
  const onError = (error: unknown): void => {
    failure ??= { error };
    if (!waiter.done()) waiter.setResult(undefined);
  };
  emitter.on(event, onEvent);
  emitter.on("error", onError);
  try {
    await waiter;
  } catch (error) {
    onCancel();
    throw error;
  } finally {
    emitter.off(event, onEvent);
    emitter.off("error", onError);
  }
  if (failure !== undefined) throw failure.error;
}

/**
 * @internal Registers a closer that destroys `socket` if it is still open
 * when `run()` ends, and forgets it when the socket closes by itself. The
 * default loop never ends: nothing is registered there.
 */
export function closeAtRunEnd(loop: Loop, socket: Socket): void {
  if (loop.isDefault || socket.destroyed) return;
  const closer = async (): Promise<void> => {
    if (socket.closed) return;
    const closed = new Future<void>(loop);
    socket.once("close", () => closed.setResult(undefined));
    socket.destroy();
    await closed;
  };
  loop.closers.add(closer);
  socket.once("close", () => loop.closers.delete(closer));
}

/** @internal How a connected socket becomes a reader and writer. */
export interface StreamOptions {
  limit?: number | undefined;
  peer: Peer;
  /**
   * A Unix socket's names, as asyncio gives them: a client's peername is the path and its sockname ""; a server's
   * connection has the path as sockname and "" as peername.
   */
  unix?: { peername: string; sockname: string } | undefined;
  /** Whether `startTls()` may upgrade it (a TCP client connection). */
  upgradable: boolean;
  /** The `onread` option the socket was made with, if it was: the reader is fed from it. */
  direct?: DirectRead | undefined;
}

/** @internal The reader and writer of a connected socket (plain or TLS). */
export function streamsOf(socket: Socket, options: StreamOptions): [StreamReader, StreamWriter] {
  const reader = new StreamReader({ limit: options.limit });
  reader._where = describePeer(options.peer);
  let detach =
    options.direct === undefined
      ? feedFrom(reader, socket, !isTlsSocket(socket))
      : feedDirect(reader, socket, options.direct);
  const isTls = (): boolean => isTlsSocket(writer._writable as Socket);
  const writer: StreamWriter = new StreamWriter(socket, {
    reader,
    canWriteEof: !isTlsSocket(socket),
    extra: (name): unknown => extraInfo(writer._writable as Socket, name, options.unix),
    startTls: options.upgradable
      ? async (w, tlsOptions) => {
          if (isTls()) {
            throw new InvalidStateError("startTls() on a connection that is already TLS", {
              code: "ERR_AIO_NOT_SUPPORTED",
            });
          }
          const raw = w._writable as Socket;
          const { host, port } = options.peer as { host: string; port: number };
          raw.pause();
          detach();
          const secure = nodeTls().connect({
            ...defaultServername(host),
            ...(tlsOptions as ConnectionOptions),
            socket: raw,
          });
          try {
            await waitEvent(
              secure,
              "secureConnect",
              () => secure.destroy(),
              `TLS handshake with ${describePeer(options.peer)}`,
            );
          } catch (error) {
            secure.destroy();
            throw withPeer(error, { host, port });
          }
          detach = feedFrom(reader, secure);
          w._writable = secure;
          w._options.canWriteEof = false;
          w._watch(secure);
        }
      : undefined,
  });
  writer._where = reader._where;
  return [reader, writer];
}

/** `servername` for SNI: the host, unless it is an IP address (which SNI does not allow). */
export function defaultServername(host: string): { servername?: string } {
  return isIP(host) === 0 ? { servername: host } : {};
}

function extraInfo(socket: Socket, name: string, unix: { peername: string; sockname: string } | undefined): unknown {
  switch (name) {
    case "peername":
      if (unix !== undefined) return unix.peername;
      return socket.remoteAddress === undefined
        ? undefined
        : { address: socket.remoteAddress, family: socket.remoteFamily, port: socket.remotePort };
    case "sockname": {
      if (unix !== undefined) return unix.sockname;
      if (socket.destroyed) return undefined;
      return socket.address();
    }
    case "socket":
      return socket;
    case "sslcontext":
      return isTlsSocket(socket) ? socket : undefined;
    case "peercert":
      return isTlsSocket(socket) ? socket.getPeerCertificate() : undefined;
    case "cipher":
      return isTlsSocket(socket) ? socket.getCipher() : undefined;
    default:
      return undefined;
  }
}
