// aio's streams: asyncio.streams on node:net and node:tls.
export { IncompleteReadError, LimitOverrunError } from "./errors.ts";
export { StreamReader, type StreamReaderOptions } from "./reader.ts";
export { StreamWriter } from "./writer.ts";
