// The floor: hand-written net.Socket code. The server writes every chunk back (pausing the socket while its write
// buffer is full); each client sends a message, gathers the echo's chunks until it has them all, sends the next.
// TCP_NODELAY on both ends, as aio and asyncio set it.
import { createServer, type Socket } from "node:net";
import type { Params } from "../../lib/types.ts";
import { bodySum, clock, pattern } from "../../lib/work.ts";
import { listenAndConnect, streamMetrics } from "./metrics.ts";

function roundTrips(socket: Socket, message: Buffer, per: number): Promise<number> {
  const size = message.length;
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let got = 0;
    let done = 0;
    let sum = 0;
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got < size) return;
      sum += bodySum(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, got));
      chunks = [];
      got = 0;
      if (++done === per) resolve(sum);
      else socket.write(message);
    });
    socket.on("error", reject);
    socket.write(message);
  });
}

export default async function ({ n, size, connections }: Params) {
  const c = Number(connections);
  const per = Math.floor(n / c);
  const server = createServer({ noDelay: true }, (socket) => {
    socket.on("data", (chunk: Buffer) => {
      if (!socket.write(chunk)) {
        socket.pause();
        socket.once("drain", () => socket.resume());
      }
    });
    socket.on("end", () => socket.end());
  });
  const sockets = await listenAndConnect(server, c);
  const message = pattern(Number(size));
  const t0 = clock();
  const sums = await Promise.all(sockets.map((socket) => roundTrips(socket, message, per)));
  const t1 = clock();
  for (const socket of sockets) socket.end();
  await new Promise((resolve) => server.close(resolve));
  return { checksum: sums.reduce((a, b) => a + b, 0), metrics: streamMetrics(t0, t1, per * c, Number(size)) };
}
