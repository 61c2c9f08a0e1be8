// The floor of a downloader in Node, as a command: `node node-floor-client.ts LIST OUT PARALLEL`. undici's
// request() and node:fs with the file guarantees `aio fetch` keeps (a body goes to a file of its own, then a
// link to its final name, which never replaces a file, and an unlink; a stat first for a file already
// there), and nothing else: no tasks, no retries, no timeouts, no names beyond the URL's last segment, no
// report. Small bodies are written whole with one writeFileSync; large ones chunk by chunk, each write
// awaited. The distance from this column to curl's is Node's (undici's parser, node:fs, V8), not aio's.
import { linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { Agent, request } from "undici";

const [list, out, parallel] = process.argv.slice(2) as [string, string, string];
const urls = readFileSync(list, "utf8")
  .split("\n")
  .filter((line) => line !== "");
const agent = new Agent({ connections: Number(parallel) });
const SMALL = 256 * 1024;

async function one(url: string): Promise<void> {
  const name = join(out, url.slice(url.lastIndexOf("/") + 1));
  if (statSync(name, { throwIfNoEntry: false }) !== undefined) throw new Error(`${name} exists`);
  const part = `${name}.part.${process.pid}`;
  const response = await request(url, { dispatcher: agent });
  if (response.statusCode !== 200) throw new Error(`${url}: HTTP ${response.statusCode}`);
  const length = Number(response.headers["content-length"]);
  if (length <= SMALL) writeFileSync(part, await response.body.bytes());
  else {
    const handle = await open(part, "w");
    try {
      for await (const chunk of response.body) await handle.write(chunk as Buffer);
    } finally {
      await handle.close();
    }
  }
  linkSync(part, name);
  unlinkSync(part);
}

let next = 0;
await Promise.all(
  Array.from({ length: Number(parallel) }, async () => {
    while (next < urls.length) await one(urls[next++] as string);
  }),
);
await agent.close();
