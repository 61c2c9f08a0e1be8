// The streams workloads' shared pieces: the metrics for `trips` round trips of `size` bytes each way between two
// clock() readings, and the sockets of a run.
import { once } from "node:events";
import { connect, type Server, type Socket } from "node:net";

export function streamMetrics(t0: number, t1: number, trips: number, size: number): Record<string, number> {
  const seconds = (t1 - t0) / 1000;
  return {
    usPerRoundTrip: ((t1 - t0) * 1000) / trips,
    roundTripsPerS: trips / seconds,
    mbPerS: (trips * size) / 1e6 / seconds,
  };
}

/** Starts `server` on a free loopback port and opens `count` client sockets to it (TCP_NODELAY), all connected. */
export async function listenAndConnect(server: Server, count: number): Promise<Socket[]> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return Promise.all(
    Array.from({ length: count }, async () => {
      const socket = connect({ host: "127.0.0.1", port, noDelay: true });
      await once(socket, "connect");
      return socket;
    }),
  );
}
