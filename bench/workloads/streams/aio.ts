// aio streams: a startServer echo handler (read, write, drain) and `connections` clients, each doing its round
// trips in turn (write a message, drain, readexactly it back), all in one run().
import { gather, openConnection, run, type StreamReader, type StreamWriter, startServer } from "aio-ts";
import type { Params } from "../../lib/types.ts";
import { bodySum, clock, pattern } from "../../lib/work.ts";
import { streamMetrics } from "./metrics.ts";

async function echo(reader: StreamReader, writer: StreamWriter): Promise<void> {
  for (;;) {
    const data = await reader.read(65536);
    if (data.length === 0) break;
    writer.write(data);
    await writer.drain();
  }
  writer.close();
}

export default function ({ n, size, connections }: Params) {
  const c = Number(connections);
  const bytes = Number(size);
  const per = Math.floor(n / c);
  return run(async () => {
    const server = await startServer(echo, "127.0.0.1", 0);
    const { port } = server.address() as { port: number };
    const conns = await gather(...Array.from({ length: c }, () => () => openConnection("127.0.0.1", port)));
    const message = pattern(bytes);
    const t0 = clock();
    const sums = await gather(
      ...conns.map(([reader, writer]) => async () => {
        let sum = 0;
        for (let i = 0; i < per; i++) {
          writer.write(message);
          await writer.drain();
          sum += bodySum(await reader.readexactly(bytes));
        }
        return sum;
      }),
    );
    const t1 = clock();
    for (const [, writer] of conns) writer.close();
    server.close();
    await server.waitClosed();
    return { checksum: sums.reduce((a, b) => a + b, 0), metrics: streamMetrics(t0, t1, per * c, bytes) };
  });
}
