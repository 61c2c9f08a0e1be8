import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { argumentError, now, storage } from "../../core/index.ts";
import { Exchange } from "./exchange.ts";
import { checkFaultOptions, type FaultOptions } from "./faults.ts";
import { handleRequest } from "./handle-request.ts";

/**
 * Options of `serve()`.
 *
 * @example
 * ```ts
 * import { serve } from "aio-ts/testing";
 * await using server = await serve({ port: 8080, faults: { failRate: 0.1, failSeed: 1 }, quiet: false });
 * ```
 */
export interface ServeOptions {
  /** TCP port; default 0, any free port (read it back from `port` or `url`). */
  port?: number | undefined;
  /** Address to bind; default `127.0.0.1` (loopback only). `0.0.0.0` or `::` expose the server to the network. */
  host?: string | undefined;
  /** Faults injected into every response (query parameters override them per request). */
  faults?: FaultOptions | undefined;
  /** No request log. Default `true`; `false` logs one line per request on stderr. */
  quiet?: boolean | undefined;
  /**
   * Extra routes by exact path (`"/slow-json"`), tried before the built-in
   * ones, for tests that need a behaviour of their own on the same server
   * (and the same statistics). They run outside any task, as the built-in
   * routes do, and get no faults.
   */
  routes?: Readonly<Record<string, RequestListener>> | undefined;
}

/**
 * Counters of a running server: what client tests use to prove that limits
 * hold and nothing leaks. Connections are counted from accept to the
 * socket's `close`, so a connection the client forgot shows here.
 *
 * @example
 * ```ts
 * import { serve } from "aio-ts/testing";
 * await using server = await serve();
 * await Promise.all(Array.from({ length: 20 }, () => fetch(`${server.url}/delay/0.1`).then((r) => r.text())));
 * console.log(server.statistics().peakActiveRequests <= 20); // true
 * ```
 */
export interface ServerStatistics {
  /** Requests received. */
  requests: number;
  /** Requests whose response is not over (sent, or its connection closed). */
  activeRequests: number;
  /** Most `activeRequests` at once. */
  peakActiveRequests: number;
  /** TCP connections open now (counted from accept to the socket's `close`). */
  openConnections: number;
  /** Most `openConnections` at once. */
  peakConnections: number;
  /** TCP connections accepted. */
  connections: number;
  /** Requests a fault was injected into. */
  faults: number;
}

/**
 * A running `serve()` server: its URL, its counters, and `close()`.
 *
 * Close it with `close()` or `await using`; closing cuts open connections,
 * so pending delays and stalled responses end at once.
 *
 * @example
 * ```ts
 * import { serve } from "aio-ts/testing";
 * const server = await serve();
 * try {
 *   console.log(await (await fetch(`${server.url}/ip`)).json()); // { origin: "127.0.0.1" }
 * } finally {
 *   await server.close();
 * }
 * ```
 */
export interface ServerHandle {
  /** Base URL, without a trailing slash: `http://127.0.0.1:54321`. */
  readonly url: string;
  /** The port bound (the real one when 0 was asked). */
  readonly port: number;
  /** The address bound. */
  readonly host: string;
  /** A snapshot of the counters. */
  statistics(): ServerStatistics;
  /** Replaces the server-wide faults (`undefined` for none); takes effect for the next request. */
  setFaults(faults: FaultOptions | undefined): void;
  /**
   * Stops listening, destroys every open connection (stalled and delayed
   * responses end at once, and their timers with them) and resolves when the
   * server is closed. Calling it again returns the same promise.
   *
   * **Cancel safety:** the close is done whatever happens to the caller. The
   * promise is a plain one, so a task cancelled while awaiting it gets the
   * cancellation once it settles, which is quick: sockets are destroyed, not
   * drained.
   */
  close(): Promise<void>;
  /**
   * `close()`, for `await using`.
   *
   * **Cancel safety:** as `close()`.
   */
  [Symbol.asyncDispose](): Promise<void>;
}

function checkOptions(options: ServeOptions): { port: number; host: string } {
  if (options === null || typeof options !== "object") throw argumentError("options", "an object", options);
  const { port = 0, host = "127.0.0.1", routes } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw argumentError("port", "an integer from 0 to 65535", port);
  }
  if (typeof host !== "string" || host === "") throw argumentError("host", "a non-empty string", host);
  if (routes !== undefined) {
    if (routes === null || typeof routes !== "object") throw argumentError("routes", "an object", routes);
    for (const [path, fn] of Object.entries(routes)) {
      if (!path.startsWith("/")) throw argumentError("routes key", "a path starting with /", path);
      if (typeof fn !== "function") throw argumentError(`routes[${JSON.stringify(path)}]`, "a function", fn);
    }
  }
  return { port, host };
}

/**
 * Starts the embedded httpbin-compatible HTTP server, with fault injection,
 * for tests, examples and benchmarks of HTTP clients.
 *
 * It answers httpbin's routes (`/get`, `/anything`, `/status/:code`,
 * `/delay/:s`, `/bytes/:n`, `/range/:n`, `/redirect/:n`, ...) with httpbin's
 * JSON shapes, plus routes for downloaders (`/files/:name` with ETag and
 * Range, `/no-range/:n`, `/content-disposition/:preset`), and injects faults
 * per request (`?fault=reset-mid-body`, `?status=503&retry-after=2`,
 * `?fail-rate=0.3&fail-seed=1`, ...) or server-wide (`faults`). The route and
 * fault tables are in `docs/serve.md` and `aio serve --help`.
 *
 * It binds 127.0.0.1 by default, keeps connections alive, and counts them
 * (`statistics()`). Request handlers run outside any aio task, even when
 * `serve()` is called inside `run()`: the server is created and bound outside
 * the caller's task context, so a request never counts as part of the task
 * that started the server (and its delays use the real clock, not the
 * caller's `VirtualClock`).
 *
 * **Cancel safety:** binding is not interruptible (it takes microseconds); a
 * cancel is delivered at the caller's next await. Use `await using` so that a
 * cancelled caller still closes the server.
 *
 * @throws TypeError for a bad option (`port` not an integer in 0-65535, ...).
 * @throws Error from Node if the address cannot be bound (`EADDRINUSE`, `EACCES`).
 *
 * @example
 * ```ts
 * import { serve } from "aio-ts/testing";
 * await using server = await serve();
 * const res = await fetch(`${server.url}/get?hello=world`);
 * const body = (await res.json()) as { args: Record<string, string> };
 * console.log(body.args); // { hello: "world" }
 * console.log(server.statistics().requests); // 1
 * ```
 */
export async function serve(options: ServeOptions = {}): Promise<ServerHandle> {
  const { port, host } = checkOptions(options);
  let faults = options.faults === undefined ? undefined : checkFaultOptions(options.faults);
  const quiet = options.quiet ?? true;
  const routes = options.routes === undefined ? undefined : new Map(Object.entries(options.routes));
  const counters = new Map<string, number>();
  const stats: ServerStatistics = {
    requests: 0,
    activeRequests: 0,
    peakActiveRequests: 0,
    openConnections: 0,
    peakConnections: 0,
    connections: 0,
    faults: 0,
  };
  const sockets = new Set<Socket>();

  const onError = (ex: Exchange, error: unknown): void => {
    process.stderr.write(`aio serve: ${ex.req.method} ${ex.req.url} failed: ${(error as Error)?.stack ?? error}\n`);
    if (ex.res.headersSent) ex.req.socket.destroy();
    else if (ex.open) {
      ex.res.writeHead(500, { "content-type": "application/json" });
      ex.res.end(`${JSON.stringify({ error: "internal server error" })}\n`);
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    stats.requests++;
    if (++stats.activeRequests > stats.peakActiveRequests) stats.peakActiveRequests = stats.activeRequests;
    const started = quiet ? 0 : now();
    res.once("close", () => {
      stats.activeRequests--;
      if (!quiet) {
        const ms = (now() - started).toFixed(1);
        const status = res.headersSent ? res.statusCode : "-";
        process.stderr.write(`${req.method} ${req.url} ${status} ${ms} ms${res.writableFinished ? "" : " (cut)"}\n`);
      }
    });
    const custom = routes?.get(req.url?.split("?", 1)[0] ?? "");
    if (custom !== undefined) {
      custom(req, res);
      return;
    }
    const ex = new Exchange(req, res, counters);
    handleRequest(ex, faults, stats).then(undefined, (error: unknown) => onError(ex, error));
  };

  // Created and bound outside the caller's task: Node runs every request in
  // the async context of the listening socket, and a handler inside a task's
  // context would count as that task's code (a `sleep` there would wait on
  // the task's loop and clock, a `timeout` there would cancel the task).
  const server = storage.exit(() => createServer({ keepAlive: true }, onRequest));
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    stats.connections++;
    if (++stats.openConnections > stats.peakConnections) stats.peakConnections = stats.openConnections;
    socket.once("close", () => {
      sockets.delete(socket);
      stats.openConnections--;
    });
  });
  await storage.exit(
    () =>
      new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve();
        });
      }),
  );

  const address = server.address();
  const boundPort = typeof address === "object" && address !== null ? address.port : port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      // Done when the listener is closed and every socket has emitted
      // `close` (the server's callback comes first), so that statistics
      // read after `close()` show no open connection.
      let pending = sockets.size + 1;
      const settle = (): void => {
        if (--pending === 0) resolve();
      };
      server.close(settle);
      // Destroying the sockets ends stalled and delayed responses: each
      // response's `close` aborts its signal, which cancels its timers.
      for (const socket of [...sockets]) {
        socket.once("close", settle);
        socket.destroy();
      }
    });
    return closing;
  };
  return {
    url,
    port: boundPort,
    host,
    statistics: () => ({ ...stats }),
    setFaults: (next) => {
      faults = next === undefined ? undefined : checkFaultOptions(next);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
