// The HTTP workloads' server, in a process of its own (started by `startServer()` in lib/server.ts):
//   node bench/lib/http-server.ts        prints "@@URL http://127.0.0.1:PORT", serves until its stdin closes
//
// GET (or HEAD) /bytes/:n and /files/:n/:name answer n bytes of `pattern` (the name is only there so that
// downloaders name their files), with Content-Length, on keep-alive connections. A bare node:http server
// with bodies built once, rather than `aio serve`: `aio serve`'s seeded `/bytes/:n` computes every body per
// request and streams it in slices, which made it the bottleneck at 1 MB (about 170 MB/s against 400 MB/s
// from this server, with the same undici client); at 1 KB the two were within 15%. Bound to 127.0.0.1 only.
import { createServer } from "node:http";
import { pattern } from "./work.ts";

const MAX_SIZE = 64 * 1024 * 1024;
let body = pattern(10 * 1024 * 1024);

function sizeOf(url: string): number | undefined {
  const parts = url.split("/"); // "", "bytes" | "files", n, [name]
  const kind = parts[1];
  if ((kind !== "bytes" || parts.length !== 3) && (kind !== "files" || parts.length !== 4)) return undefined;
  const n = Number(parts[2]);
  return Number.isInteger(n) && n >= 0 && n <= MAX_SIZE ? n : undefined;
}

const server = createServer({ keepAlive: true }, (req, res) => {
  const n = sizeOf(req.url ?? "");
  if (n === undefined || (req.method !== "GET" && req.method !== "HEAD")) {
    res.writeHead(404, { "content-length": 0 });
    res.end();
    return;
  }
  if (n > body.length) body = pattern(n);
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": n });
  res.end(req.method === "HEAD" ? undefined : body.subarray(0, n));
});
server.keepAliveTimeout = 30_000;

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  process.stdout.write(`@@URL http://127.0.0.1:${port}\n`);
});

// The harness ends the server by closing its stdin, and so does the harness's own death.
process.stdin.on("data", () => {});
process.stdin.on("end", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
