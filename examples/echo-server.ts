// asyncio's "TCP echo server using streams" (docs.python.org, asyncio-stream), in aio.
//
//   async def handle_echo(reader, writer):
//       data = await reader.read(100)
//       message = data.decode()
//       addr = writer.get_extra_info('peername')
//       print(f"Received {message!r} from {addr!r}")
//       print(f"Send: {message!r}")
//       writer.write(data)
//       await writer.drain()
//       print("Close the connection")
//       writer.close()
//       await writer.wait_closed()
//
//   async def main():
//       server = await asyncio.start_server(handle_echo, '127.0.0.1', 8888)
//       addrs = ', '.join(str(sock.getsockname()) for sock in server.sockets)
//       print(f'Serving on {addrs}')
//       async with server:
//           await server.serve_forever()
//
// Run it: node examples/echo-server.ts [port]   (default 8888; 0 picks a free one). Ctrl-C stops it.
// Then, in another terminal: node examples/echo-client.ts [port]
import type { AddressInfo } from "node:net";
import { run, type StreamReader, type StreamWriter, startServer } from "aio-ts";

async function handleEcho(reader: StreamReader, writer: StreamWriter): Promise<void> {
  const data = await reader.read(100);
  const message = data.toString();
  const addr = writer.getExtraInfo("peername") as AddressInfo;
  console.log(`Received ${JSON.stringify(message)} from ${addr.address}:${addr.port}`);
  console.log(`Send: ${JSON.stringify(message)}`);
  writer.write(data);
  await writer.drain();
  console.log("Close the connection");
  writer.close();
  await writer.waitClosed();
}

await run(async () => {
  const server = await startServer(handleEcho, "127.0.0.1", Number(process.argv[2] ?? 8888));
  const { address, port } = server.address() as AddressInfo;
  console.log(`Serving on ${address}:${port}`);
  await using _ = server;
  await server.serveForever();
});
