// asyncio's "TCP echo client using streams" (docs.python.org, asyncio-stream), in aio.
//
//   async def tcp_echo_client(message):
//       reader, writer = await asyncio.open_connection('127.0.0.1', 8888)
//       print(f'Send: {message!r}')
//       writer.write(message.encode())
//       await writer.drain()
//       data = await reader.read(100)
//       print(f'Received: {data.decode()!r}')
//       print('Close the connection')
//       writer.close()
//       await writer.wait_closed()
//
//   asyncio.run(tcp_echo_client('Hello World!'))
//
// Run it (with examples/echo-server.ts running): node examples/echo-client.ts [port]   (default 8888)
import { openConnection, run } from "aio-ts";

async function tcpEchoClient(message: string): Promise<void> {
  const [reader, writer] = await openConnection("127.0.0.1", Number(process.argv[2] ?? 8888));
  console.log(`Send: ${JSON.stringify(message)}`);
  writer.write(message);
  await writer.drain();
  const data = await reader.read(100);
  console.log(`Received: ${JSON.stringify(data.toString())}`);
  console.log("Close the connection");
  writer.close();
  await writer.waitClosed();
}

await run(() => tcpEchoClient("Hello World!"));
