import { lstatSync, unlinkSync } from "node:fs";
import { type AddressInfo, type Server as NetServer, createServer as netCreateServer, type Socket } from "node:net";
import type { TlsOptions } from "node:tls";
import {
  argumentError,
  checkFunction,
  currentTask,
  Future,
  InvalidStateError,
  isCancelledError,
  LabelledFuture,
  type Loop,
  loopOf,
  Task,
} from "../core/index.ts";
import { checkLimit, type StreamReader } from "./reader.ts";
import { checkPath, checkPort, closeAtRunEnd, type Peer, streamsOf, waitEvent } from "./socket.ts";
import { nodeTls } from "./tls.ts";
import type { StreamWriter } from "./writer.ts";

/** The handler `startServer` runs, as a task, for each connection. */
export type ClientHandler = (reader: StreamReader, writer: StreamWriter) => Promise<void>;

/** Options of `startServer`. */
export interface StartServerOptions {
  /** Serve TLS with these options (`key` and `cert` at least): Node's `tls.TlsOptions`. */
  tls?: TlsOptions | undefined;
  /** Each reader's limit (see `StreamReader`); default 64 KiB. */
  limit?: number | undefined;
  /** The listen backlog; Node's default (511) if absent. */
  backlog?: number | undefined;
}

/** Options of `startUnixServer`. */
export interface StartUnixServerOptions {
  /** Each reader's limit (see `StreamReader`); default 64 KiB. */
  limit?: number | undefined;
  /** The listen backlog; Node's default (511) if absent. */
  backlog?: number | undefined;
}

interface Client {
  socket: Socket;
  writer: StreamWriter;
  task: Task<void>;
}

/**
 * A listening server: asyncio's `Server`, made by `startServer()` or
 * `startUnixServer()`.
 *
 * Closing follows asyncio 3.12+: `close()` stops accepting and leaves open
 * connections alone; `waitClosed()` waits until the server is closed and
 * every connection has ended; `closeClients()` closes the connections
 * gracefully and `abortClients()` drops them and cancels their handlers.
 * `await using` closes and waits. A server still open when `run()` ends is
 * closed then, its connections dropped.
 *
 * @example
 * ```ts
 * import { run, startServer } from "aio-ts";
 * await run(async () => {
 *   await using server = await startServer(async (reader, writer) => {
 *     writer.write(await reader.readline()); // echo one line
 *     writer.close();
 *   }, "127.0.0.1", 8888);
 *   console.log(server.address()); // { address: '127.0.0.1', family: 'IPv4', port: 8888 }
 *   await server.serveForever();
 * });
 * ```
 */
export class Server {
  private readonly server: NetServer;
  private readonly loop: Loop;
  private readonly clients = new Set<Client>();
  /** Every accepted TCP socket, handshake done or not (a TLS client that never finishes its handshake is one). */
  private readonly sockets = new Set<Socket>();
  /** Handler tasks not done yet: `waitClosed()` waits for them too. */
  private readonly handlers = new Set<Task<void>>();
  private idle: Future<void> | undefined = undefined;
  private closing = false;
  private closed = false;
  private forever: Future<void> | undefined = undefined;
  private readonly path: string | undefined;

  /** @internal Use `startServer()` or `startUnixServer()`. */
  constructor(server: NetServer, loop: Loop, path: string | undefined) {
    this.server = server;
    this.loop = loop;
    this.path = path;
    server.on("close", () => {
      this.closed = true;
    });
    server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  /** @internal Starts a client's handler task. */
  _accept(socket: Socket, onClient: ClientHandler, limit: number, peer: Peer): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const [reader, writer] = streamsOf(socket, {
      limit,
      peer,
      upgradable: false,
      unix: "path" in peer ? { peername: "", sockname: peer.path } : undefined,
    });
    closeAtRunEnd(this.loop, socket);
    const task = new Task<void>(
      this.loop,
      () => onClient(reader, writer),
      `client ${describe(socket, peer)}`,
      undefined,
    );
    const client: Client = { socket, writer, task };
    this.clients.add(client);
    socket.once("close", () => {
      this.clients.delete(client);
      this.checkIdle();
    });
    // As asyncio's client_connected_cb done callback: a failed handler is reported and its connection dropped, a
    // cancelled one's dropped. One that returned has its connection closed gracefully (what it wrote is sent): asyncio
    // leaves that to the writer's garbage collection (StreamWriter.__del__ closes), which JS cannot promise.
    this.handlers.add(task);
    task.addDoneCallback(() => {
      this.handlers.delete(task);
      this.checkIdle();
      if (task.cancelled()) {
        socket.destroy();
        return;
      }
      const error = task.exception();
      if (error === undefined) {
        writer.close();
        return;
      }
      socket.destroy();
      this.loop.report({ message: "Unhandled exception in client_connected_cb", error, task });
    });
  }

  /**
   * Where the server listens: Node's `{ address, family, port }` for TCP,
   * the path for a Unix socket; `null` once closed.
   */
  address(): AddressInfo | string | null {
    if (this.path !== undefined) return this.closing ? null : this.path;
    const address = this.server.address();
    return address === null ? null : (address as AddressInfo | string);
  }

  /** Whether the server accepts connections (it does from `startServer()` until `close()`). */
  isServing(): boolean {
    return !this.closing && this.server.listening;
  }

  /**
   * Stops accepting connections; the open ones go on (asyncio 3.12+). Ends a
   * `serveForever()` in progress. Harmless if already closed.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.server.close();
    const forever = this.forever;
    if (forever !== undefined && !forever.done()) forever.cancel();
  }

  /**
   * Waits until the server is closed, every connection has ended and every
   * handler task is done.
   *
   * **Cancel safety:** a cancelled `waitClosed()` changes nothing.
   */
  async waitClosed(): Promise<void> {
    if (!this.closed) await waitEvent(this.server, "close", () => undefined, `${this}.waitClosed()`);
    // Node's 'close' comes once the server's connection count is zero, which can be a tick before the last
    // socket's own 'close': wait for those too.
    while (this.handlers.size > 0 || this.clients.size > 0) {
      if (this.idle === undefined || this.idle.done()) this.idle = new Future<void>(loopOf());
      const idle = this.idle;
      try {
        await idle;
      } finally {
        // Another waiter may still need it; a cancelled one is replaced at the next wait.
        if (idle.cancelled()) this.idle = undefined;
      }
    }
  }

  private checkIdle(): void {
    if (this.handlers.size > 0 || this.clients.size > 0) return;
    const idle = this.idle;
    if (idle !== undefined && !idle.done()) idle.setResult(undefined);
  }

  /** Closes every connection gracefully: what was written is sent, then EOF. Handlers go on. */
  closeClients(): void {
    for (const client of this.clients) client.writer.close();
  }

  /** Drops every connection at once (unsent data is lost) and cancels their handler tasks. */
  abortClients(): void {
    for (const client of this.clients) {
      client.socket.destroy();
      client.task.cancel();
    }
    for (const socket of this.sockets) socket.destroy(); // TLS handshakes still under way
  }

  /**
   * Serves until cancelled or until `close()` (asyncio's `serve_forever`).
   * Ended by `close()`, it waits for the open connections to end, then
   * throws `CancelledError`, as asyncio's.
   *
   * **Cancel safety:** cancelling it closes the server, drops the
   * connections and cancels their handlers (`abortClients()`), and re-throws
   * the cancel once they are done: a Ctrl-C never waits for an idle client.
   *
   * @throws InvalidStateError if the server is closed, or already serving forever.
   */
  async serveForever(): Promise<void> {
    if (this.forever !== undefined) {
      throw new InvalidStateError(`server ${this} is already being awaited on serveForever()`, {
        code: "ERR_AIO_SERVER_BUSY",
      });
    }
    if (this.closing) {
      throw new InvalidStateError(`server ${this} is closed`, { code: "ERR_AIO_STREAM_CLOSED" });
    }
    const forever = new LabelledFuture<void>(loopOf(), { kind: "stream", label: `${this}.serveForever()` });
    this.forever = forever;
    try {
      await forever;
    } catch (error) {
      if (isCancelledError(error)) {
        // Cancelled (Ctrl-C cancelling main, a timeout...): the handlers go too, or waiting for them would hang on
        // any idle client. Ended by close(): the connections go on, as asyncio's, and are waited for.
        const cancelled = (currentTask()?.cancelling() ?? 0) > 0;
        this.close();
        if (cancelled) this.abortClients();
        await this.waitClosed();
      }
      throw error;
    } finally {
      this.forever = undefined;
    }
  }

  /** Closes the server and waits until it and its connections are closed. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.waitClosed();
  }

  /** A snapshot of the server's state. */
  statistics(): {
    /** Open connections. */
    clients: number;
    /** Whether it accepts connections. */
    serving: boolean;
  } {
    return { clients: this.clients.size, serving: this.isServing() };
  }

  /** As asyncio's repr: `<Server 127.0.0.1:8888>`. */
  toString(): string {
    const a = this.address();
    const where = a === null ? "closed" : typeof a === "string" ? a : `${a.address}:${a.port}`;
    return `<Server ${where}>`;
  }
}

function describe(socket: Socket, peer: Peer): string {
  return "path" in peer ? peer.path : `${socket.remoteAddress}:${socket.remotePort}`;
}

function checkServerOptions(options: unknown): { limit: number; backlog: number | undefined } {
  if (options === null || typeof options !== "object") throw argumentError("options", "an object", options);
  const { limit, backlog } = options as { limit?: unknown; backlog?: unknown };
  if (backlog !== undefined && (typeof backlog !== "number" || !Number.isSafeInteger(backlog) || backlog <= 0)) {
    throw argumentError("backlog", "a positive integer", backlog);
  }
  return { limit: checkLimit(limit), backlog };
}

/**
 * Starts a TCP server (TLS with `tls`) that runs `onClient(reader, writer)`
 * as a task for each connection: asyncio's `start_server`. It listens once
 * this resolves. `host` `undefined` listens on every interface; `port` 0
 * picks a free port (see `server.address()`).
 *
 * A handler that throws is reported through the loop's exception handler
 * (on stderr by default) and its connection closed; the server goes on.
 *
 * **Cancel safety:** a cancelled `startServer()` leaves no server listening.
 *
 * @throws TypeError if an argument is invalid.
 * @throws Node's listen error (`EADDRINUSE`, `EACCES`...).
 *
 * @example
 * ```ts
 * import { run, startServer } from "aio-ts";
 * await run(async () => {
 *   const server = await startServer(async (reader, writer) => {
 *     for await (const line of reader) writer.write(line); // echo every line
 *     writer.close();
 *   }, "127.0.0.1", 0);
 *   console.log("serving on", server.address());
 *   await server.serveForever();
 * });
 * ```
 */
export function startServer(
  onClient: ClientHandler,
  host: string | undefined,
  port: number,
  options: StartServerOptions = {},
): Promise<Server> {
  checkFunction("onClient", onClient);
  if (host !== undefined && (typeof host !== "string" || host.length === 0)) {
    throw argumentError("host", "a non-empty string or undefined", host);
  }
  checkPort(port, 0);
  const { limit, backlog } = checkServerOptions(options);
  const tls = options.tls;
  if (tls !== undefined && (tls === null || typeof tls !== "object")) throw argumentError("tls", "tls.TlsOptions", tls);
  const loop = loopOf();
  const net =
    tls === undefined
      ? netCreateServer({ allowHalfOpen: true, noDelay: true })
      : nodeTls().createServer({ ...tls, noDelay: true } as TlsOptions);
  const server = new Server(net, loop, undefined);
  net.on(tls === undefined ? "connection" : "secureConnection", (socket: Socket) =>
    server._accept(socket, onClient, limit, { host: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 }),
  );
  if (tls !== undefined) net.on("tlsClientError", () => undefined); // a failed handshake concerns that client only
  return listening(server, net, loop, { port, ...(host === undefined ? {} : { host }), backlog });
}

/**
 * Starts a server on a Unix domain socket at `path`, running
 * `onClient(reader, writer)` as a task for each connection: asyncio's
 * `start_unix_server`. A stale socket file at `path` is removed first, as
 * asyncio does; Node removes the file when the server closes.
 *
 * **Cancel safety:** a cancelled `startUnixServer()` leaves no server listening.
 *
 * @throws TypeError if an argument is invalid.
 * @throws Node's listen error (`EADDRINUSE` if another server is listening there...).
 *
 * @example
 * ```ts
 * import { run, startUnixServer } from "aio-ts";
 * await run(async () => {
 *   await using server = await startUnixServer(async (reader, writer) => {
 *     writer.write(await reader.readline());
 *     writer.close();
 *   }, "/tmp/echo.sock");
 *   await server.serveForever();
 * });
 * ```
 */
export function startUnixServer(
  onClient: ClientHandler,
  path: string,
  options: StartUnixServerOptions = {},
): Promise<Server> {
  checkFunction("onClient", onClient);
  checkPath(path);
  const { limit, backlog } = checkServerOptions(options);
  removeStaleSocket(path);
  const loop = loopOf();
  const net = netCreateServer({ allowHalfOpen: true });
  const server = new Server(net, loop, path);
  net.on("connection", (socket: Socket) => server._accept(socket, onClient, limit, { path }));
  return listening(server, net, loop, { path, backlog });
}

/** asyncio removes a socket file left by a server that did not clean up; any other file is an error at listen. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // absent: nothing to remove
  }
}

async function listening(
  server: Server,
  net: NetServer,
  loop: Loop,
  options: { port?: number; host?: string; path?: string; backlog: number | undefined },
): Promise<Server> {
  const { backlog, ...where } = options;
  net.listen(backlog === undefined ? where : { ...where, backlog });
  try {
    await waitEvent(net, "listening", () => net.close());
  } catch (error) {
    net.close();
    throw error;
  }
  // An error after listening (a failed accept: EMFILE...) concerns no caller: the loop reports it.
  net.on("error", (error) => loop.report({ message: `Error on ${server}`, error }));
  if (!loop.isDefault) {
    const closer = async (): Promise<void> => {
      server.close();
      server.abortClients();
      await server.waitClosed();
    };
    loop.closers.add(closer);
    net.once("close", () => loop.closers.delete(closer));
  }
  return server;
}
