// Issue 11: `aio fetch` promises that a file under its final name is always
// complete. These are the ways it broke that promise, run for real: a full
// file system (a small tmpfs), a killed command, two runs on one folder, a
// server's name for a file that is already there.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { startServer } from "../http/client-helpers.ts";
import { mountTmpfs, rangeBody, readReport, runFetch, tempFolder } from "./fetch-helpers.ts";

/** A server of one file of `size` bytes of `rangeBody`, with an ETag and Range support. */
async function sizedServer(size: number) {
  const bytes = rangeBody(size);
  return startServer((req, res) => {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = range === null ? 0 : Number(range[1]);
    if (start >= size) {
      res.writeHead(416, { "content-range": `bytes */${size}` }).end();
      return;
    }
    if (range !== null) {
      res.writeHead(206, {
        etag: '"v1"',
        "content-length": size - start,
        "content-range": `bytes ${start}-${size - 1}/${size}`,
      });
    } else {
      res.writeHead(200, { etag: '"v1"', "content-length": size });
    }
    res.end(bytes.subarray(start));
  });
}

describe("aio fetch keeps its promises", { concurrency: true }, () => {
  // 5 MiB of tmpfs hold 1280 pages. A body one byte over, or one byte over what is left once the
  // resume notes took their page, ends in a short write: libuv reports the bytes written, no error.
  for (const size of [5 * 1024 * 1024 + 1, 5 * 1024 * 1024 - 4096 + 1]) {
    test(`a full disk fails the URL and leaves no file under its final name (${size} bytes)`, async (t) => {
      using dir = tempFolder();
      const mnt = join(dir.path, "mnt");
      mkdirSync(mnt);
      const mount = mountTmpfs(mnt, "5m");
      if ("skip" in mount) {
        t.skip(mount.skip);
        return;
      }
      const server = await sizedServer(size);
      try {
        const url = server.url("/file.bin");
        const first = await runFetch([url, "-o", "mnt", "--report", "report.jsonl"], { cwd: dir.path });
        assert.equal(first.code, 1, first.stdout + first.stderr);
        assert.match(first.stdout, /FAIL .*no space left on device/i);
        assert.ok(!existsSync(join(mnt, "file.bin")), `a file under its final name: ${readdirSync(mnt)}`);
        const [record] = readReport(join(dir.path, "report.jsonl"));
        assert.equal(record?.result, "failed");
        assert.equal(record?.sha256, null);
        assert.ok((record?.bytes as number) < size, `bytes: ${record?.bytes}`);
        // The part holds only what reached the disk; -c continues it and fails again, never skips it.
        const part = statSync(join(mnt, "file.bin.part")).size;
        assert.ok(part < size, `part: ${part}`);
        const again = await runFetch([url, "-c", "-o", "mnt"], { cwd: dir.path });
        assert.equal(again.code, 1, again.stdout + again.stderr);
        assert.doesNotMatch(again.stdout, /SKIP|OK /);
        assert.ok(!existsSync(join(mnt, "file.bin")));
      } finally {
        await server.close();
        mount.unmount();
      }
    });
  }
});
