/**
 * Redis connections for `aio-ts/bullmq`: the `redis://` URL parser, a printable form of a connection that masks its
 * password, and the probe that turns an unreachable server or a refused password into one clear error before BullMQ
 * starts (BullMQ's own connections retry for ever, which is right for a running worker and wrong for a typo).
 */
import type { RedisOptions } from "bullmq";
import { argumentError, ensureFuture, isCancelledError } from "../core/index.ts";
import { RedisConnectionError } from "./errors.ts";
import { Redis } from "./load.ts";

/**
 * How to reach Redis: ioredis's options (`host`, `port`, `db`, `username`, `password`, `tls`, `connectTimeout`...),
 * as `parseRedisUrl` returns them or written by hand.
 */
export type ConnectionOptions = RedisOptions;

/** ioredis's default connect timeout, in ms, used by the probe when the options give none. */
const CONNECT_TIMEOUT_MS = 10_000;

function masked(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*:)[^@/]*@/i, "$1***@");
}

/**
 * Parses a Redis URL, `redis://[[user]:password@]host[:port][/db]` (or `rediss://` for TLS), into the connection
 * options that `runWorker` and `enqueue` take (and BullMQ and ioredis too).
 *
 * The port defaults to 6379 and the database to 0; the user name and password are percent-decoded.
 *
 * @throws TypeError (`ERR_AIO_INVALID_ARGUMENT`) naming the URL, its password masked, when it is not a Redis URL:
 *   another scheme, no host, a port outside 1-65535, a database that is not a whole number, a query or fragment.
 *
 * @example
 * ```ts
 * import { parseRedisUrl } from "aio-ts/bullmq";
 * console.log(parseRedisUrl("redis://:s3cret@10.0.0.5:6380/2"));
 * // { host: "10.0.0.5", port: 6380, db: 2, password: "s3cret" }
 * ```
 */
export function parseRedisUrl(url: string): ConnectionOptions {
  if (typeof url !== "string") throw argumentError("url", "a Redis URL string", url);
  const bad = (why: string): TypeError =>
    argumentError("url", `a Redis URL, redis://[[user]:password@]host[:port][/db] (${why})`, masked(url));
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad("not a URL");
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") throw bad("the scheme must be redis or rediss");
  if (parsed.hostname === "") throw bad("no host");
  if (parsed.search !== "" || parsed.hash !== "") throw bad("no query or fragment is understood");
  const port = parsed.port === "" ? 6379 : Number(parsed.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad("the port must be 1-65535");
  const path = parsed.pathname.replace(/^\//, "");
  if (path !== "" && !/^\d+$/.test(path)) throw bad("the database must be a whole number");
  const host = parsed.hostname.startsWith("[") ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const options: ConnectionOptions = { host, port, db: path === "" ? 0 : Number(path) };
  if (parsed.username !== "") options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== "") options.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === "rediss:") options.tls = {};
  return options;
}

/** The connection's options, and its URL for messages (password masked). */
export interface ResolvedConnection {
  readonly options: ConnectionOptions;
  readonly url: string;
}

/** Checks and resolves a `connection` option: a URL (parsed) or an options object (taken as it is). */
export function resolveConnection(name: string, connection: unknown): ResolvedConnection {
  if (typeof connection === "string") return { options: parseRedisUrl(connection), url: masked(connection) };
  if (connection === null || typeof connection !== "object" || Array.isArray(connection)) {
    throw argumentError(name, "a Redis URL or ioredis connection options", connection);
  }
  const options = connection as ConnectionOptions;
  if (typeof options.url === "string") {
    const { url, ...rest } = options;
    return { options: { ...parseRedisUrl(url), ...rest }, url: masked(url) };
  }
  const scheme = options.tls === undefined ? "redis" : "rediss";
  const auth = options.password === undefined ? "" : `${options.username ?? ""}:***@`;
  const url = `${scheme}://${auth}${options.host ?? "127.0.0.1"}:${options.port ?? 6379}/${options.db ?? 0}`;
  return { options, url };
}

const AUTH_ERROR = /WRONGPASS|NOAUTH|invalid password|invalid username-password/i;

/**
 * Connects once to Redis with no retry, sends PING, and disconnects: an unreachable server or refused credentials
 * throw `RedisConnectionError` naming the URL, within the connect timeout. Cancellable: a cancel disconnects at once.
 */
export async function probeConnection(connection: ResolvedConnection): Promise<void> {
  const timeout =
    typeof connection.options.connectTimeout === "number" ? connection.options.connectTimeout : CONNECT_TIMEOUT_MS;
  const client = new Redis({
    ...connection.options,
    lazyConnect: true,
    connectTimeout: timeout,
    // One try: ioredis would otherwise reconnect for ever, and queue the PING until it succeeds.
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    reconnectOnError: () => false,
  });
  // The socket's own error (ECONNREFUSED, ETIMEDOUT, WRONGPASS) comes as an event; connect() may reject with a
  // plainer "Connection is closed." after it. Without a listener, ioredis would also print it as unhandled.
  let socketError: unknown;
  client.on("error", (error: unknown) => {
    socketError ??= error;
  });
  try {
    await ensureFuture(client.connect().then(() => client.ping()));
  } catch (error) {
    if (isCancelledError(error)) throw error;
    const cause = socketError ?? error;
    const text = cause instanceof Error ? cause.message || String(cause) : String(cause);
    if (AUTH_ERROR.test(text)) {
      throw new RedisConnectionError(`Redis at ${connection.url} refused the credentials: ${text}`, {
        url: connection.url,
        code: "ERR_AIO_REDIS_AUTH",
        cause,
      });
    }
    throw new RedisConnectionError(
      `Could not connect to Redis at ${connection.url} (connect timeout ${timeout / 1000} s): ${text}`,
      { url: connection.url, code: "ERR_AIO_REDIS_UNREACHABLE", cause },
    );
  } finally {
    client.disconnect();
  }
}
