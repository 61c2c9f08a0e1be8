// Test servers for the ClientSession tests: real node:http servers on
// 127.0.0.1, port 0, that count their connections.
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { VirtualClock } from "aio-ts/testing";

/**
 * Real milliseconds of quiet before virtual time may jump, in the tests that run a VirtualClock beside real sockets.
 * It bounds nothing the code does: only how long a loopback reply on its way may take to show. At 50 ms, with two
 * CPU-bound processes beside the suite (and on Deno, whose loopback is slower), a 60 s timeout "passed" while a reply
 * was on its way. `AIO_TEST_REAL_IDLE` overrides it; a larger value only makes those tests wait longer.
 */
export const REAL_IDLE = Number(process.env.AIO_TEST_REAL_IDLE ?? 300);

/** `run()` options for virtual time that waits for real sockets: time jumps only after REAL_IDLE real ms of quiet. */
export const virtual = () => ({ handleSignals: false, clock: new VirtualClock({ realIdle: REAL_IDLE }) }) as const;

export interface TestServer {
  readonly server: Server;
  readonly origin: string;
  url(path?: string): string;
  /** Connections open now. */
  readonly open: number;
  /** The most connections open at once. */
  readonly maxOpen: number;
  /** Connections accepted in all. */
  readonly connections: number;
  /** Requests received in all. */
  readonly requests: number;
  /** Requests being handled now (received, response not finished), and the most at once. */
  readonly active: number;
  readonly maxActive: number;
  /** Resolves once no connection is open. */
  idle(): Promise<void>;
  /** Resolves once `n` requests have been received in all. */
  received(n: number): Promise<void>;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => unknown;

/** Starts a server on 127.0.0.1:0 that runs `handler` for every request (n counts from 1). */
export async function startServer(handler: Handler): Promise<TestServer> {
  const sockets = new Set<Socket>();
  let maxOpen = 0;
  let connections = 0;
  let requests = 0;
  let active = 0;
  let maxActive = 0;
  let idleWaiters: (() => void)[] = [];
  let receivedWaiters: { n: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const n = ++requests;
    active++;
    maxActive = Math.max(maxActive, active);
    res.on("close", () => active--);
    receivedWaiters = receivedWaiters.filter((w) => {
      if (requests >= w.n) w.resolve();
      return requests < w.n;
    });
    Promise.resolve(handler(req, res, n)).catch((error: unknown) => {
      res.destroy(error as Error);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on("connection", (socket: Socket) => {
    connections++;
    sockets.add(socket);
    maxOpen = Math.max(maxOpen, sockets.size);
    socket.on("close", () => {
      sockets.delete(socket);
      if (sockets.size === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const w of waiters) w();
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  const origin = `http://127.0.0.1:${port}`;
  return {
    server,
    origin,
    url: (path = "/") => `${origin}${path}`,
    get open() {
      return sockets.size;
    },
    get maxOpen() {
      return maxOpen;
    },
    get connections() {
      return connections;
    },
    get requests() {
      return requests;
    },
    get active() {
      return active;
    },
    get maxActive() {
      return maxActive;
    },
    idle: () => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    received: (n) =>
      requests >= n ? Promise.resolve() : new Promise<void>((resolve) => receivedWaiters.push({ n, resolve })),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

/** Reads a request's body as a string. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
