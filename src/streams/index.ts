// aio's streams: asyncio.streams on node:net and node:tls.
export {
  type OpenConnectionOptions,
  type OpenUnixConnectionOptions,
  openConnection,
  openUnixConnection,
} from "./connection.ts";
export { IncompleteReadError, LimitOverrunError } from "./errors.ts";
export { StreamReader, type StreamReaderOptions } from "./reader.ts";
export {
  type ClientHandler,
  Server,
  type StartServerOptions,
  type StartUnixServerOptions,
  startServer,
  startUnixServer,
} from "./server.ts";
export { StreamWriter } from "./writer.ts";
