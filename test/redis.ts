// A real Redis for the tests and the bench: Debian's redis-server (installed by
// scripts/ensure-redis.sh when missing), started on a free loopback port with
// persistence off, in a folder of its own, and stopped after. No mock of Redis.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REDIS_SERVER = "/usr/bin/redis-server";
const ENSURE = fileURLToPath(new URL("../scripts/ensure-redis.sh", import.meta.url));

/** Installs redis-server with scripts/ensure-redis.sh when it is missing (its output goes to the test's stderr). */
export function ensureRedis(): void {
  if (existsSync(REDIS_SERVER)) return;
  const r = spawnSync("bash", [ENSURE], { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0 || !existsSync(REDIS_SERVER)) {
    throw new Error(`redis-server is missing and scripts/ensure-redis.sh could not install it (exit ${r.status})`);
  }
}

/** Options of `startRedis`. */
export interface StartRedisOptions {
  /** `requirepass`: clients must send this password. */
  password?: string;
}

/** A running redis-server of a test's own. */
export interface RedisServer extends AsyncDisposable {
  readonly port: number;
  /** `redis://127.0.0.1:PORT` (with the password, when one is set), database 0. */
  readonly url: string;
  /** The server's process (to kill or stop it on purpose). */
  readonly process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its folder; safe to call twice. */
  stop(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1 (Redis cannot be asked to pick one itself). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `port` accepts a connection and answers PING with PONG (or NOAUTH, for a server with a password). */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let answer = "";
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG") || answer.startsWith("-NOAUTH"));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

async function startOn(port: number, options: StartRedisOptions): Promise<RedisServer | undefined> {
  const dir = mkdtempSync(join(tmpdir(), "aio-redis-"));
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    "--daemonize",
    "no",
    "--loglevel",
    "warning",
  ];
  if (options.password !== undefined) args.push("--requirepass", options.password);
  const child = spawn(REDIS_SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      process.removeListener("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited(child);
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  // Up to 30 s for a loaded machine to start it; an exit (the port was taken meanwhile) gives up on this port.
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      if (/address already in use/i.test(output)) return undefined;
      throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode}) at start:\n${output}`);
    }
    if (await pingOnce(port)) {
      const auth = options.password === undefined ? "" : `:${encodeURIComponent(options.password)}@`;
      return {
        port,
        url: `redis://${auth}127.0.0.1:${port}`,
        process: child,
        stop,
        [Symbol.asyncDispose]: stop,
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`redis-server did not answer on 127.0.0.1:${port} within 30 s:\n${output}`);
}

/**
 * Starts a redis-server of the caller's own on a free 127.0.0.1 port, persistence off; `await using` (or `stop()`)
 * ends it. Installs Debian's redis-server first when it is missing.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  ensureRedis();
  for (let attempt = 0; attempt < 5; attempt++) {
    const server = await startOn(await freePort(), options);
    if (server !== undefined) return server;
  }
  throw new Error("redis-server found no free port in 5 tries");
}
