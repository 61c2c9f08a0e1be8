// A calibration for issue 12's streams rows (docs/streams.md, "Second pass"): the bench's net.Socket echo with the
// smallest promise-based reader (a chunk list and one pending resolver), async functions that await it, and an
// `await` after each write as the aio code has after drain(). No tasks, no cancellation, no flow control: what any
// `await reader.read()` API pays on Node over the hand-written floor. Not a bench column; compare it with
// bench/cpu.ts, as an implementation of the streams workload:
//
//   NODE_OPTIONS= node_modules/.bin/node bench/cpu.ts 9 '{"n":20000,"seed":1,"size":1,"connections":1}' \
//     '{"n":2000,"seed":1,"size":1,"connections":1}' bench/workloads/streams/raw.ts bench/streams-promise-floor.ts
import { createServer, type Socket } from "node:net";
import type { Params } from "./lib/types.ts";
import { bodySum, clock, pattern } from "./lib/work.ts";
import { listenAndConnect, streamMetrics } from "./workloads/streams/metrics.ts";

class Reader {
  chunks: Buffer[] = [];
  size = 0;
  eof = false;
  wake: (() => void) | undefined;

  constructor(socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.size += chunk.length;
      this.resume();
    });
    socket.on("end", () => {
      this.eof = true;
      this.resume();
    });
  }

  private resume(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private arrival(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  async read(): Promise<Buffer> {
    while (this.size === 0 && !this.eof) await this.arrival();
    const chunk = this.chunks.shift();
    if (chunk === undefined) return Buffer.alloc(0);
    this.size -= chunk.length;
    return chunk;
  }

  async readexactly(n: number): Promise<Buffer> {
    while (this.size < n) await this.arrival();
    const out = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    return out;
  }
}

export default async function ({ n, size, connections }: Params) {
  const c = Number(connections);
  const bytes = Number(size);
  const per = Math.floor(n / c);
  const server = createServer({ noDelay: true }, async (socket) => {
    const reader = new Reader(socket);
    for (;;) {
      const data = await reader.read();
      if (data.length === 0) break;
      socket.write(data);
      await undefined;
    }
    socket.end();
  });
  const sockets = await listenAndConnect(server, c);
  const message = pattern(bytes);
  const t0 = clock();
  const sums = await Promise.all(
    sockets.map(async (socket) => {
      const reader = new Reader(socket);
      let sum = 0;
      for (let i = 0; i < per; i++) {
        socket.write(message);
        await undefined;
        sum += bodySum(await reader.readexactly(bytes));
      }
      return sum;
    }),
  );
  const t1 = clock();
  for (const socket of sockets) socket.end();
  await new Promise((resolve) => server.close(resolve));
  return { checksum: sums.reduce((a, b) => a + b, 0), metrics: streamMetrics(t0, t1, per * c, bytes) };
}
