// Issue 11, item 6: `aio fetch`'s errors say what the user did and what the
// system said, in the user's terms, once.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { startServer } from "../http/client-helpers.ts";
import { mountTmpfs, readReport, runFetch, startFetch, tempFolder } from "./fetch-helpers.ts";

describe("aio fetch's errors", { concurrency: true }, () => {
  test("an output folder on a read-only file system says EROFS, not ENOENT", async (t) => {
    using dir = tempFolder();
    const ro = join(dir.path, "ro");
    mkdirSync(ro);
    const mount = mountTmpfs(ro, "1m,ro");
    if ("skip" in mount) {
      t.skip(mount.skip);
      return;
    }
    try {
      const missing = await runFetch(["http://127.0.0.1:1/a.bin", "-o", "ro/sub"], { cwd: dir.path });
      assert.equal(missing.code, 2, missing.stderr);
      assert.match(missing.stderr, /cannot create the output folder ro\/sub: read-only file system \(EROFS\)/);
      // The folder exists but takes no file: that URL fails, naming the file and the reason.
      const server = await startServer((_req, res) => res.end("x"));
      try {
        const there = await runFetch([server.url("/a.bin"), "-o", "ro"], { cwd: dir.path });
        assert.equal(there.code, 1, there.stdout + there.stderr);
        assert.match(there.stdout, /FAIL .*cannot write ro\/a\.bin: read-only file system \(EROFS\)/);
      } finally {
        await server.close();
      }
    } finally {
      mount.unmount();
    }
  });

  test("a body over --max-size says --max-size, with or without a Content-Length", async () => {
    using dir = tempFolder();
    const server = await startServer((req, res) => {
      const body = Buffer.alloc(50_000, 120);
      if (req.url === "/sized") res.writeHead(200, { "content-length": body.length });
      res.end(body);
    });
    try {
      const urls = [server.url("/sized"), server.url("/chunked")];
      const result = await runFetch([...urls, "--max-size", "20k", "--report", "r.jsonl"], { cwd: dir.path });
      assert.equal(result.code, 1);
      for (const record of readReport(join(dir.path, "r.jsonl"))) {
        assert.match(String(record.error), /over --max-size \(20000 bytes\)/);
        assert.doesNotMatch(String(record.error), /maxResponseSize/);
      }
    } finally {
      await server.close();
    }
  });

  test("a bad line names its location once", async () => {
    using dir = tempFolder();
    writeFileSync(join(dir.path, "urls.txt"), "# header\n\nnot a url\n");
    const result = await runFetch(["-i", "urls.txt", "--report", "r.jsonl"], { cwd: dir.path });
    assert.equal(result.code, 1);
    const fail = result.stdout.split("\n").find((line) => line.startsWith("FAIL"));
    assert.equal(fail, 'FAIL  not a url  bad URL: "not a url" is not an absolute URL (line 3 of urls.txt)');
    const [record] = readReport(join(dir.path, "r.jsonl"));
    assert.equal(record?.error, 'bad URL: "not a url" is not an absolute URL');
    assert.equal(record?.source, "line 3 of urls.txt");
  });

  test("a line over 8 MiB fails that line, shown by its start, and the run goes on", async () => {
    using dir = tempFolder();
    const server = await startServer((_req, res) => res.end("fine"));
    try {
      const huge = `${server.url("/")}${"a".repeat(20 * 1024 * 1024)}`;
      const list = [server.url("/first.txt"), huge, `# ${"c".repeat(9 * 1024 * 1024)}`, server.url("/last.txt")];
      writeFileSync(join(dir.path, "urls.txt"), `${list.join("\r\n")}\r\n`);
      const result = await runFetch(["-i", "urls.txt", "-o", "out", "--report", "r.jsonl"], { cwd: dir.path });
      assert.equal(result.code, 1, result.stderr);
      const report = readReport(join(dir.path, "r.jsonl"));
      assert.deepEqual(report.map((r) => [r.source, r.result]).sort(), [
        ["line 1 of urls.txt", "ok"],
        ["line 2 of urls.txt", "failed"],
        ["line 4 of urls.txt", "ok"],
      ]);
      const bad = report.find((r) => r.result === "failed");
      assert.match(String(bad?.error), /^bad URL: the line is 2097\d{4} bytes long, over the 8 MiB a URL may have$/);
      assert.ok(String(bad?.url).length < 200, "the line is shown by its start");
      assert.ok(result.stdout.length < 10_000, "nothing prints the whole line");
    } finally {
      await server.close();
    }
  });

  test("-Y/-y fail a try slower than the limit, and retry it", async () => {
    using dir = tempFolder();
    // A trickle: 10 bytes every 100 ms (100 B/s), for 100 s. `/slow-once` trickles only on its first request.
    let slowOnce = 0;
    const server = await startServer(async (req, res) => {
      res.writeHead(200, { "content-length": 10_000 });
      if (req.url === "/slow-once" && ++slowOnce > 1) {
        res.end(Buffer.alloc(10_000, 121));
        return;
      }
      for (let i = 0; i < 1000 && !res.destroyed; i++) {
        res.write(Buffer.alloc(10, 120));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      res.end();
    });
    try {
      const urls = [server.url("/slow-once"), server.url("/always-slow")];
      const args = [...urls, "-Y", "1k", "-y", "1.5", "--retries", "1", "--report", "r.jsonl", "-o", "out"];
      const running = startFetch(args, { cwd: dir.path });
      // Without the limit the trickle would hold the run for 100 s: a bound far above the 2 x 1.5 s it needs.
      const killer = setTimeout(() => running.child.kill("SIGKILL"), 30_000);
      const result = await running.exited;
      clearTimeout(killer);
      assert.equal(result.code, 1, result.stdout + result.stderr);
      const report = readReport(join(dir.path, "r.jsonl"));
      const once = report.find((r) => String(r.url).endsWith("/slow-once"));
      assert.equal(once?.result, "ok");
      assert.equal(once?.attempts, 2);
      assert.equal(once?.bytes, 10_000);
      const always = report.find((r) => String(r.url).endsWith("/always-slow"));
      assert.equal(always?.result, "failed");
      assert.equal(always?.attempts, 2);
      assert.equal(always?.error, "slower than 1000 bytes/s for 1.5 s (--speed-limit)");
    } finally {
      await server.close();
    }
  });
});
