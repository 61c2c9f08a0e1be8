// Helpers for the aio-ts/bullmq tests: one real redis-server per file, a BullMQ Queue to look at what the workers
// did, and a run() on the real clock (BullMQ's own timers and sockets are real) that fails on any loop report.
import { after, before } from "node:test";
import { type LoopReport, run } from "aio-ts";
import { Queue } from "bullmq";
import { describeReports } from "../helpers.ts";
import { type RedisServer, startRedis } from "../redis.ts";

/** Starts a redis-server before the file's tests and stops it after them; `redis()` is the running one. */
export function redisForFile(options: { password?: string } = {}): () => RedisServer {
  let server: RedisServer | undefined;
  before(async () => {
    server = await startRedis(options);
  });
  after(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error("redis-server is not started yet");
    return server;
  };
}

let counter = 0;
/** A queue name no other test of the process uses. */
export function freshQueueName(label: string): string {
  counter++;
  return `${label}-${process.pid}-${counter}`;
}

/** A BullMQ Queue on `url` for the test to inspect or feed; `await using` closes it. */
export function inspectQueue(name: string, url: string): Queue & AsyncDisposable {
  const u = new URL(url);
  const queue = new Queue(name, {
    connection: {
      host: u.hostname,
      port: Number(u.port),
      ...(u.password === "" ? {} : { password: decodeURIComponent(u.password) }),
    },
  });
  return Object.assign(queue, { [Symbol.asyncDispose]: () => queue.close() });
}

/**
 * Runs `main` under run() on the real clock, in debug mode, and fails if the loop reported anything (a task left
 * running, an error nobody retrieved, a swallowed cancel) other than a blocked loop, which measures the machine.
 */
export async function runReal<T>(main: () => Promise<T>): Promise<T> {
  const reports: LoopReport[] = [];
  const value = await run(main, {
    debug: true,
    handleSignals: false,
    exceptionHandler: (report) => {
      if (/event loop was blocked for/.test(report.message)) return;
      reports.push(report);
    },
  });
  if (reports.length > 0) throw new Error(`the loop reported:\n${describeReports(reports)}`);
  return value;
}
