// `aio fetch` against servers it did not grow up with: Python's http.server
// (HTTP/1.0, no keep-alive, directory listings, no Range in 3.11), started
// here on a free port of 127.0.0.1, and node:http servers that reproduce what
// nginx and other servers were seen to do. Each test is a bug found that way.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { startServer } from "../http/client-helpers.ts";
import {
  HAS_PYTHON,
  listFiles,
  type PythonServer,
  rangeBody,
  readReport,
  runFetch,
  sha256,
  startFetch,
  startPythonServer,
  tempFolder,
  until,
} from "./fetch-helpers.ts";

/**
 * Sends `bytes` as the start of a body, in paced pieces so that the client
 * has read them, then closes the connection mid-body. (A socket destroyed
 * at once can take with it what the client had not read yet.) With `part`,
 * it waits until the client has saved some of them in that file first: a
 * fixed pause was too short on a busy machine, and the retry then started
 * from scratch, with no range to check.
 */
async function breakAfter(res: ServerResponse, bytes: Buffer, part?: string): Promise<void> {
  for (let at = 0; at < bytes.length; at += 8192) {
    res.write(bytes.subarray(at, at + 8192));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (part !== undefined) await until(() => existsSync(part) && statSync(part).size > 0, `bytes in ${part}`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  res.socket?.end();
}

/** `n` bytes that differ from file to file (`seed`), so that a file saved under another's name shows. */
function bytesOf(n: number, seed: number): Buffer {
  const body = Buffer.alloc(n);
  for (let i = 0; i < n; i++) body[i] = (i * 31 + seed * 7) & 0xff;
  return body;
}

describe("aio fetch against python3 -m http.server", { concurrency: true, skip: !HAS_PYTHON && "no python3" }, () => {
  const root = tempFolder();
  let py: PythonServer;
  const small = 1000;
  before(async () => {
    for (const folder of ["small", "dir/sub", "uni", "q"]) mkdirSync(join(root.path, folder), { recursive: true });
    for (let i = 0; i < small; i++)
      writeFileSync(join(root.path, "small", `f${i}.bin`), bytesOf(1 + ((i * 37) % 4000), i));
    writeFileSync(join(root.path, "dir", "a.txt"), "a\n");
    writeFileSync(join(root.path, "dir", "sub", "b.txt"), "b\n");
    writeFileSync(join(root.path, "uni", "résumé café.txt"), "unicode\n");
    writeFileSync(join(root.path, "q", "a b+c%d.txt"), "escapes\n");
    writeFileSync(join(root.path, "big.bin"), bytesOf(3_000_000, 1));
    py = await startPythonServer(root.path);
  });
  after(async () => {
    await py.close();
    root[Symbol.dispose]();
  });

  test("1,000 files, listings, a 404, escaped and unicode names: the 404 fails alone", async () => {
    using dir = tempFolder();
    const lines = [];
    for (let i = 0; i < small; i++) lines.push(py.url(`/small/f${i}.bin`));
    lines.push(
      py.url("/dir/"), // a listing: index.html
      py.url("/dir"), // a 301 to /dir/: named after the URL asked for, as curl -O and wget do
      py.url("/missing.txt"),
      py.url("/uni/r%C3%A9sum%C3%A9%20caf%C3%A9.txt"),
      py.url("/q/a%20b%2Bc%25d.txt"),
      py.url("/dir/a.txt?x=1&y=%2F"),
    );
    writeFileSync(join(dir.path, "urls.txt"), `${lines.join("\n")}\n`);
    const result = await runFetch(["-i", "urls.txt", "-o", "out", "--report", "r.jsonl"], { cwd: dir.path });
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stdout,
      /^FAIL {2}http:\/\/127\.0\.0\.1:\d+\/missing\.txt {2}HTTP 404 .*\(line 1003 of urls\.txt\)$/m,
    );
    assert.match(result.stdout, /^1005 ok, 1 failed, 0 skipped; /m);
    const out = join(dir.path, "out");
    for (let i = 0; i < small; i++) {
      assert.deepEqual(readFileSync(join(out, `f${i}.bin`)), bytesOf(1 + ((i * 37) % 4000), i), `f${i}.bin`);
    }
    assert.match(readFileSync(join(out, "index.html"), "utf8"), /Directory listing for \/dir\//);
    assert.match(readFileSync(join(out, "dir"), "utf8"), /Directory listing for \/dir\//);
    assert.equal(readFileSync(join(out, "résumé café.txt"), "utf8"), "unicode\n");
    assert.equal(readFileSync(join(out, "a b+c%d.txt"), "utf8"), "escapes\n");
    assert.equal(readFileSync(join(out, "a.txt"), "utf8"), "a\n");
    assert.equal(listFiles(out).length, small + 5, "no .part left, nothing for the 404");

    const report = readReport(join(dir.path, "r.jsonl"));
    assert.equal(report.length, small + 6);
    const missing = report.find((r) => String(r.url).endsWith("/missing.txt"));
    assert.deepEqual(
      { result: missing?.result, status: missing?.status, attempts: missing?.attempts, source: missing?.source },
      { result: "failed", status: 404, attempts: 1, source: "line 1003 of urls.txt" },
    );
    const first = report.find((r) => r.url === py.url("/small/f0.bin"));
    assert.deepEqual(
      { path: first?.path, status: first?.status, bytes: first?.bytes, sha256: first?.sha256, error: first?.error },
      { path: join("out", "f0.bin"), status: 200, bytes: 1, sha256: sha256(bytesOf(1, 0)), error: null },
    );
  });

  test("a closed stdout (aio fetch | head) stops the lines, not the downloads", async () => {
    using dir = tempFolder();
    const lines = Array.from({ length: small }, (_, i) => py.url(`/small/f${i}.bin`));
    writeFileSync(join(dir.path, "urls.txt"), lines.join("\n"));
    const running = startFetch(["-i", "urls.txt", "-o", "out", "--report", "r.jsonl"], { cwd: dir.path });
    await until(() => running.stdout.length > 0, "the first line");
    running.child.stdout?.destroy(); // as head does after its lines: the next write is an EPIPE
    const result = await running.exited;
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /EPIPE/);
    assert.equal(listFiles(join(dir.path, "out")).length, small);
    assert.equal(readReport(join(dir.path, "r.jsonl")).length, small);
  });

  test("--mirror of /dir and /dir/a.txt: a name that must be a file and a folder gets both, the second suffixed", async () => {
    using dir = tempFolder();
    const host = new URL(py.url("/")).host.replace(":", "_");
    const urls = [py.url("/dir"), py.url("/dir/a.txt"), py.url("/dir/sub/b.txt"), py.url("/dir/")];
    const result = await runFetch([...urls, "--mirror", "-o", "m"], { cwd: dir.path });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(listFiles(join(dir.path, "m")), [
      `${host}/dir`,
      `${host}/dir-1/a.txt`,
      `${host}/dir-1/index.html`,
      `${host}/dir-1/sub/b.txt`,
    ]);
    assert.equal(readFileSync(join(dir.path, "m", host, "dir-1", "sub", "b.txt"), "utf8"), "b\n");
    // The other order: the folder is claimed first, the file gets the suffix.
    const reversed = await runFetch([py.url("/dir/a.txt"), py.url("/dir"), "--mirror", "-o", "r"], { cwd: dir.path });
    assert.equal(reversed.code, 0, reversed.stdout + reversed.stderr);
    assert.deepEqual(listFiles(join(dir.path, "r")), [`${host}/dir-1`, `${host}/dir/a.txt`]);
  });

  test("a file or a folder left in the way fails that URL alone, with a message that says so", async () => {
    using dir = tempFolder();
    const host = new URL(py.url("/")).host.replace(":", "_");
    mkdirSync(join(dir.path, "m", host, "dir"), { recursive: true }); // where the file /dir goes
    writeFileSync(join(dir.path, "m", host, "uni"), "a file where a folder goes");
    const urls = [py.url("/dir"), py.url("/uni/r%C3%A9sum%C3%A9%20caf%C3%A9.txt"), py.url("/q/a%20b%2Bc%25d.txt")];
    const result = await runFetch([...urls, "--mirror", "-o", "m"], { cwd: dir.path });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.equal(result.stderr, "", "no crash");
    assert.match(
      result.stdout,
      /FAIL .*\/dir {2}cannot save .*dir: a folder of that name is in the way \(argument 1\)/,
    );
    assert.match(
      result.stdout,
      /FAIL .*caf%C3%A9\.txt {2}cannot create the folder for .*: a file is in the way \(argument 2\)/,
    );
    assert.match(result.stdout, /^1 ok, 2 failed, 0 skipped; /m);
    assert.deepEqual(listFiles(join(dir.path, "m")), [`${host}/q/a b+c%d.txt`, `${host}/uni`]);
  });

  test("--resume of a part against a server that ignores Range ends with the right bytes", async () => {
    using dir = tempFolder();
    const url = py.url("/big.bin");
    const whole = bytesOf(3_000_000, 1);
    const head = await fetch(url, { method: "HEAD" });
    const lastModified = head.headers.get("last-modified") ?? undefined;
    mkdirSync(join(dir.path, "o"));
    writeFileSync(join(dir.path, "o", "big.bin.part"), whole.subarray(0, 1_000_000));
    writeFileSync(join(dir.path, "o", "big.bin.part.json"), JSON.stringify({ url, lastModified }));
    const result = await runFetch(["-c", url, "-o", "o"], { cwd: dir.path });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(readFileSync(join(dir.path, "o", "big.bin")), whole);
    assert.deepEqual(listFiles(join(dir.path, "o")), ["big.bin"]);
    const again = await runFetch(["-c", url, "-o", "o"], { cwd: dir.path });
    assert.match(again.stdout, /^SKIP {2}o\/big\.bin {2}already downloaded/m);
  });
});

describe("aio fetch against behaviours seen on nginx and others", { concurrency: true }, () => {
  test("a redirected URL keeps the name of the URL asked for; the report names that URL", async () => {
    using dir = tempFolder();
    const s = await startServer((req, res) => {
      if (req.url === "/old") return res.writeHead(301, { location: "/files/new.bin" }).end();
      if (req.url === "/chain") return res.writeHead(302, { location: "old" }).end(); // relative, as nginx's `return 301 x`
      if (req.url === "/files/new.bin") return res.writeHead(200, { "content-length": 5 }).end("bytes");
      res.writeHead(404).end();
    });
    try {
      const result = await runFetch([s.url("/old"), s.url("/chain"), "-o", "o", "--report", "r.jsonl"], {
        cwd: dir.path,
      });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.deepEqual(listFiles(join(dir.path, "o")), ["chain", "old"]);
      assert.equal(readFileSync(join(dir.path, "o", "old"), "utf8"), "bytes");
      const report = readReport(join(dir.path, "r.jsonl"));
      assert.deepEqual(report.map((r) => r.url).sort(), [s.url("/chain"), s.url("/old")]);
    } finally {
      await s.close();
    }
  });

  test("user:password@ in a URL is sent as Basic auth, as curl and wget send it, and never printed", async () => {
    using dir = tempFolder();
    const seen: Record<string, string | undefined> = {};
    const other = await startServer((req, res) => {
      seen[`other${req.url}`] = req.headers.authorization;
      res.end("elsewhere");
    });
    const s = await startServer((req, res) => {
      seen[req.url ?? ""] = req.headers.authorization;
      if (req.url === "/away") return res.writeHead(302, { location: other.url("/x") }).end();
      res.end("secret stuff");
    });
    try {
      const withAuth = (url: string) => url.replace("http://", "http://bob:p%40ss%3Aword@");
      const urls = [withAuth(s.url("/private.txt")), withAuth(s.url("/away"))];
      const result = await runFetch([...urls, "-o", "o", "--report", "r.jsonl"], { cwd: dir.path });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.equal(seen["/private.txt"], `Basic ${Buffer.from("bob:p@ss:word").toString("base64")}`);
      assert.equal(seen["other/x"], undefined, "not sent on to another origin");
      assert.equal(readFileSync(join(dir.path, "o", "private.txt"), "utf8"), "secret stuff");
      const printed = result.stdout + readFileSync(join(dir.path, "r.jsonl"), "utf8");
      assert.doesNotMatch(printed, /p%40ss/);
      assert.match(printed, /http:\/\/bob:\*\*\*@127\.0\.0\.1:\d+\/private\.txt/);
    } finally {
      await s.close();
      await other.close();
    }
  });

  test("the report's ms counts from a URL's first request, not from its wait for a turn behind its host", async () => {
    using dir = tempFolder();
    const s = await startServer(async (req, res) => {
      // 3 s: /quick's own time must stay under half of it even when a busy machine stretches it.
      if (req.url === "/slow") await new Promise((resolve) => setTimeout(resolve, 3000));
      res.end("x");
    });
    try {
      const urls = [s.url("/slow"), s.url("/quick")];
      const result = await runFetch([...urls, "--per-host", "1", "-o", "o", "--report", "r.jsonl"], { cwd: dir.path });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const ms = (url: string) => readReport(join(dir.path, "r.jsonl")).find((r) => r.url === url)?.ms as number;
      // /quick waited for /slow's turn to end (3 s), then got an immediate answer. No bound on either:
      // only that the wait is not counted as /quick's, which would make the two about equal.
      assert.ok(
        ms(urls[1] as string) < ms(urls[0] as string) / 2,
        `quick ${ms(urls[1] as string)}, slow ${ms(urls[0] as string)}`,
      );
    } finally {
      await s.close();
    }
  });

  test("a part in one Content-Encoding is never continued with a range in another", async () => {
    // nginx with `gzip on` compresses whole responses but would not compress a 206; a server that
    // honours the Range and If-Range (on Last-Modified) with plain bytes would splice two encodings.
    using dir = tempFolder();
    const plain = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `line ${i}\n`).join(""));
    const gzipped = gzipSync(plain);
    const ranges: (string | undefined)[] = [];
    const s = await startServer(async (req, res) => {
      ranges.push(req.headers.range);
      const lastModified = "Mon, 01 Jan 2024 00:00:00 GMT";
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
      if (range !== null && req.headers["if-range"] === lastModified) {
        const start = Number(range[1]);
        res.writeHead(206, {
          "last-modified": lastModified,
          "content-range": `bytes ${start}-${plain.length - 1}/${plain.length}`,
          "content-length": plain.length - start,
        });
        return res.end(plain.subarray(start));
      }
      res.writeHead(200, { "last-modified": lastModified, "content-encoding": "gzip" }); // chunked
      if (ranges.length > 1) return res.end(gzipped);
      // The first try breaks mid-body, once the client has saved some of it.
      await breakAfter(res, gzipped.subarray(0, gzipped.length >> 1), join(dir.path, "o", "log.txt.part"));
    });
    try {
      const result = await runFetch([s.url("/log.txt"), "-H", "Accept-Encoding: gzip", "-o", "o"], {
        cwd: dir.path,
      });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const saved = readFileSync(join(dir.path, "o", "log.txt"));
      assert.deepEqual(gunzipSync(saved), plain, "one whole gzip body, as the server sent it");
      assert.match(String(ranges[1]), /^bytes=[1-9]\d*-$/, "the second try asked for the rest");
      assert.equal(ranges.length, 3, "and the third for the whole file again");
    } finally {
      await s.close();
    }
  });

  test("a Last-Modified in the second the response was sent is not used to resume", async () => {
    // RFC 9110: such a date is a weak validator, unfit for If-Range; the file may change within that second.
    using dir = tempFolder();
    const body = rangeBody(400_000);
    const requests: { range: string | undefined; ifRange: string | undefined }[] = [];
    const s = await startServer(async (req, res) => {
      requests.push({ range: req.headers.range, ifRange: req.headers["if-range"] as string | undefined });
      const date = new Date().toUTCString();
      res.writeHead(200, { date, "last-modified": date, "content-length": body.length });
      if (requests.length > 1) return res.end(body);
      await breakAfter(res, body.subarray(0, 100_000), join(dir.path, "o", "fresh.bin.part"));
    });
    try {
      const result = await runFetch([s.url("/fresh.bin"), "-o", "o"], { cwd: dir.path });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.deepEqual(readFileSync(join(dir.path, "o", "fresh.bin")), body);
      assert.equal(requests.length, 2);
      assert.deepEqual(requests[1], { range: undefined, ifRange: undefined });
    } finally {
      await s.close();
    }
  });

  test("--resume with --content-disposition continues the part of the name the server gave", async () => {
    using dir = tempFolder();
    const body = rangeBody(1_500_000);
    const ranges: (string | undefined)[] = [];
    const s = await startServer(async (req, res) => {
      ranges.push(req.headers.range);
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0);
      const headers = {
        etag: '"v1"',
        "content-disposition": 'attachment; filename="movie.bin"',
        "content-length": body.length - start,
      };
      if (start > 0) {
        res.writeHead(206, { ...headers, "content-range": `bytes ${start}-${body.length - 1}/${body.length}` });
        return res.end(body.subarray(start));
      }
      res.writeHead(200, headers);
      for (let at = 0; at < body.length && !res.destroyed; at += 16_384) {
        res.write(body.subarray(at, at + 16_384));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      res.end();
    });
    try {
      const args = [s.url("/download?id=7"), "--content-disposition", "-o", "o"];
      const running = startFetch(args, { cwd: dir.path });
      const part = join(dir.path, "o", "movie.bin.part");
      await until(() => existsSync(part) && statSync(part).size > 100_000, "the download to be under way");
      running.child.kill("SIGINT");
      assert.equal((await running.exited).code, 130);
      const resumed = await runFetch(["-c", ...args], { cwd: dir.path });
      assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
      assert.deepEqual(readFileSync(join(dir.path, "o", "movie.bin")), body);
      assert.match(String(ranges.at(-1)), /^bytes=[1-9]\d*-$/, "the rest was asked for with a Range");
      assert.deepEqual(listFiles(join(dir.path, "o")), ["movie.bin"]);
    } finally {
      await s.close();
    }
  });

  test("SIGTERM stops a run as Ctrl-C does: exit 143, parts kept with notes, --resume finishes", async () => {
    using dir = tempFolder();
    const body = rangeBody(600_000);
    const ranges: (string | undefined)[] = [];
    const s = await startServer(async (req, res) => {
      ranges.push(req.headers.range);
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0);
      const headers = { etag: '"v1"', "content-length": body.length - start };
      if (start > 0)
        res.writeHead(206, { ...headers, "content-range": `bytes ${start}-${body.length - 1}/${body.length}` });
      else res.writeHead(200, headers);
      for (let at = start; at < body.length && !res.destroyed; at += 16_384) {
        res.write(body.subarray(at, at + 16_384));
        if (start === 0) await new Promise((resolve) => setTimeout(resolve, 20)); // slow at first, so the signal lands mid-body
      }
      res.end();
    });
    try {
      const args = [s.url("/slow.bin"), "-o", "o", "--report", "r.jsonl"];
      const running = startFetch(args, { cwd: dir.path });
      const part = join(dir.path, "o", "slow.bin.part");
      await until(() => existsSync(part) && statSync(part).size > 50_000, "the download to be under way");
      running.child.kill("SIGTERM");
      const stopped = await running.exited;
      assert.equal(stopped.code, 143, stopped.stdout + stopped.stderr);
      assert.match(stopped.stdout, /^interrupted: 0 ok, 0 failed, 0 skipped; /m);
      assert.ok(!existsSync(join(dir.path, "o", "slow.bin")));
      assert.ok(existsSync(`${part}.json`), "a part under 1 MiB gets its notes on the way out");
      const resumed = await runFetch(["-c", ...args], { cwd: dir.path });
      assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
      assert.deepEqual(readFileSync(join(dir.path, "o", "slow.bin")), body);
      assert.match(String(ranges.at(-1)), /^bytes=[1-9]\d*-$/);
    } finally {
      await s.close();
    }
  });
});
