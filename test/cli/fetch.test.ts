// `aio fetch`, spawned as a user runs it, against `aio serve` and servers
// made here, all on 127.0.0.1.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { serve } from "aio-ts/testing";
import { startServer } from "../http/client-helpers.ts";
import { listFiles, rangeBody, readReport, runFetch, sha256, startFetch, tempFolder, until } from "./fetch-helpers.ts";

type Server = Awaited<ReturnType<typeof serve>>;
let server: Server;
before(async () => {
  server = await serve({ quiet: true });
});
after(async () => {
  await server.close();
});

/**
 * A download server for the resume tests: `/file` is `size` bytes of
 * `rangeBody`, with an ETag and Range support; it paces its body (so a
 * Ctrl-C lands mid-body) and records the Range headers it got.
 */
async function fileServer(options: { size: number; ignoreRange?: boolean; paceMs?: number }) {
  let version = 1;
  const ranges: (string | undefined)[] = [];
  const body = (): Buffer => {
    const bytes = rangeBody(options.size);
    if (version > 1) bytes.fill(65 + version, 0, 10); // a changed file: other first bytes
    return bytes;
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    ranges.push(req.headers.range);
    const bytes = body();
    const etag = `"v${version}"`;
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const ifRange = req.headers["if-range"];
    if (range !== null && !options.ignoreRange && (ifRange === undefined || ifRange === etag)) {
      start = Number(range[1]);
      res.writeHead(206, {
        etag,
        "content-length": bytes.length - start,
        "content-range": `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
      });
    } else {
      res.writeHead(200, { etag, "content-length": bytes.length, "accept-ranges": "bytes" });
    }
    const chunk = 16 * 1024;
    for (let at = start; at < bytes.length; at += chunk) {
      if (res.destroyed) return;
      res.write(bytes.subarray(at, at + chunk));
      if (options.paceMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.paceMs));
    }
    res.end();
  };
  const s = await startServer((req, res) => handle(req, res));
  return {
    url: s.url("/file"),
    ranges,
    body,
    change: () => version++,
    close: () => s.close(),
  };
}

describe("aio fetch", { concurrency: true }, () => {
  test("downloads URLs given as arguments into -o, and says what it did", async () => {
    using dir = tempFolder();
    const urls = [`${server.url}/bytes/1000?seed=1`, `${server.url}/range/50000`, `${server.url}/json`];
    const result = await runFetch([...urls, "-o", "out"], { cwd: dir.path });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(listFiles(dir.path), ["out/1000", "out/50000", "out/json"]);
    assert.deepEqual(readFileSync(join(dir.path, "out/50000")), rangeBody(50_000));
    assert.equal(statSync(join(dir.path, "out/1000")).size, 1000);
    const lines = result.stdout.trim().split("\n");
    assert.equal(lines.filter((l) => l.startsWith("OK ")).length, 3);
    assert.match(lines.at(-1) ?? "", /^3 ok, 0 failed, 0 skipped; /);
  });

  test("10,000 URLs from a list all complete with the right bytes", async () => {
    using dir = tempFolder();
    const n = 10_000;
    const lines = ["# a comment, then a blank line", ""];
    for (let i = 0; i < n; i++) lines.push(`${server.url}/range/${1 + (i % 300)}?i=${i}\tout=f${i}.txt`);
    writeFileSync(join(dir.path, "urls.txt"), `${lines.join("\n")}\n`);
    const result = await runFetch(["-i", "urls.txt", "-o", "out", "-j", "32", "--per-host", "32", "--quiet"], {
      cwd: dir.path,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "");
    const files = listFiles(join(dir.path, "out"));
    assert.equal(files.length, n);
    for (let i = 0; i < n; i++) {
      assert.deepEqual(readFileSync(join(dir.path, "out", `f${i}.txt`)), rangeBody(1 + (i % 300)), `f${i}.txt`);
    }
  });

  test("reads the list from stdin with -i -", async () => {
    using dir = tempFolder();
    const input = `${server.url}/range/10\n${server.url}/range/20\n`;
    const result = await runFetch(["-i", "-", "-o", "."], { cwd: dir.path, input });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(listFiles(dir.path), ["10", "20"]);
  });

  test("a bad line fails that line, named by its number, and the rest go on", async () => {
    using dir = tempFolder();
    const list = [
      `${server.url}/range/10`,
      "not a url",
      `ftp://127.0.0.1/x`,
      `${server.url}/range/20\tbogus=1`,
      `${server.url}/range/30\tsha256=xyz`,
      `${server.url}/range/40`,
    ];
    writeFileSync(join(dir.path, "urls.txt"), list.join("\n"));
    const result = await runFetch(["-i", "urls.txt", "--report", "report.jsonl"], { cwd: dir.path });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /bad URL: "not a url" is not an absolute URL \(line 2 of urls.txt\)/);
    assert.match(result.stdout, /bad URL: .*only http: and https: .*\(line 3 of urls.txt\)/);
    assert.match(result.stdout, /bad URL: unknown option "bogus" .*\(line 4 of urls.txt\)/);
    assert.match(result.stdout, /bad URL: sha256= needs 64 hex digits, got "xyz" \(line 5 of urls.txt\)/);
    assert.deepEqual(
      listFiles(dir.path).filter((f) => f !== "urls.txt" && f !== "report.jsonl"),
      ["10", "40"],
    );
    const report = readReport(join(dir.path, "report.jsonl"));
    assert.equal(report.length, 6);
    assert.deepEqual(report.map((r) => r.result).sort(), ["failed", "failed", "failed", "failed", "ok", "ok"]);
  });

  test("bad usage exits 2 with a message that names the problem", async () => {
    using dir = tempFolder();
    const cases: [string[], RegExp][] = [
      [[], /no URLs/],
      [["-j", "0", "http://127.0.0.1:1/"], /--concurrency needs a whole number of at least 1, got "0"/],
      [["--timeout", "soon", "http://127.0.0.1:1/"], /--timeout needs a duration/],
      [["--max-size", "big", "http://127.0.0.1:1/"], /--max-size needs a size/],
      [["--frobnicate", "http://127.0.0.1:1/"], /frobnicate/],
      [["-i", "missing.txt"], /cannot read the list missing.txt: ENOENT/],
      [["not-a-url"], /bad URL argument: "not-a-url" is not an absolute URL/],
      [["-H", "no colon", "http://127.0.0.1:1/"], /--header: "no colon" is not a header/],
    ];
    for (const [args, message] of cases) {
      const result = await runFetch(args, { cwd: dir.path });
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    const help = await runFetch(["--help"], { cwd: dir.path });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage:\n {2}aio fetch/);
    assert.match(help.stdout, /Examples:/);
  });

  test("writes a JSON line per URL with its path, status, bytes, attempts and digest", async () => {
    using dir = tempFolder();
    const ok = `${server.url}/range/1000`;
    const missing = `${server.url}/status/404`;
    const result = await runFetch([ok, missing, "--report", "r.jsonl", "-o", "o"], { cwd: dir.path });
    assert.equal(result.code, 1);
    assert.ok(existsSync(join(dir.path, "r.jsonl")), `no report; stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    const report = readReport(join(dir.path, "r.jsonl"));
    const good = report.find((r) => r.url === ok);
    assert.equal(good?.result, "ok");
    assert.equal(good?.path, join("o", "1000"));
    assert.equal(good?.status, 200);
    assert.equal(good?.bytes, 1000);
    assert.equal(good?.attempts, 1);
    assert.equal(good?.sha256, sha256(rangeBody(1000)));
    assert.equal(good?.error, null);
    assert.equal(typeof good?.ms, "number");
    const bad = report.find((r) => r.url === missing);
    assert.equal(bad?.result, "failed");
    assert.equal(bad?.status, 404);
    assert.equal(bad?.attempts, 1, "a 404 is not retried");
    assert.match(String(bad?.error), /HTTP 404/);
    assert.ok(!existsSync(join(dir.path, "o", "404")));
  });

  test("verifies sha256= and never leaves a file that does not match", async () => {
    using dir = tempFolder();
    const good = sha256(rangeBody(500));
    const list = `${server.url}/range/500\tsha256=${good}\tout=good.txt\n${server.url}/range/500\tsha256=${"0".repeat(64)}\tout=bad.txt\n`;
    writeFileSync(join(dir.path, "urls.txt"), list);
    const result = await runFetch(["-i", "urls.txt", "-o", "o"], { cwd: dir.path });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /SHA-256 mismatch/);
    assert.deepEqual(listFiles(join(dir.path, "o")), ["good.txt"]);
  });

  test("retries resets, truncated bodies, 5xx and 429 with Retry-After, and gets the right bytes", async () => {
    using dir = tempFolder();
    const files = {
      reset: `${server.url}/files/reset.bin?size=300000&fault=reset-mid-body&fail-times=1`,
      short: `${server.url}/files/short.bin?size=300000&fault=wrong-length&fail-times=1`,
      busy: `${server.url}/range/1000?status=503&fail-times=2`,
      slow: `${server.url}/range/2000?status=429&retry-after=1&fail-times=1`,
      dropped: `${server.url}/range/3000?fault=reset&fail-times=1`,
    };
    const result = await runFetch([...Object.values(files), "--report", "r.jsonl", "-o", "o"], { cwd: dir.path });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const report = readReport(join(dir.path, "r.jsonl"));
    const attempts = (url: string) => report.find((r) => r.url === url)?.attempts;
    assert.equal(attempts(files.reset), 2);
    assert.equal(attempts(files.short), 2);
    assert.equal(attempts(files.busy), 3);
    assert.equal(attempts(files.slow), 2);
    assert.equal(attempts(files.dropped), 2);
    assert.deepEqual(readFileSync(join(dir.path, "o", "1000")), rangeBody(1000));
    assert.deepEqual(readFileSync(join(dir.path, "o", "2000")), rangeBody(2000));
    assert.deepEqual(readFileSync(join(dir.path, "o", "3000")), rangeBody(3000));
    const whole = async (name: string) =>
      Buffer.from(await (await fetch(`${server.url}/files/${name}?size=300000`)).arrayBuffer());
    assert.deepEqual(readFileSync(join(dir.path, "o", "reset.bin")), await whole("reset.bin"));
    assert.deepEqual(readFileSync(join(dir.path, "o", "short.bin")), await whole("short.bin"));
    assert.deepEqual(listFiles(join(dir.path, "o")).length, 5, "no .part file is left");
  });

  test("a large body cut mid-way and fetched again still matches its sha256= and reports that digest", async () => {
    // Large enough for the streamed path (written behind the reader), where
    // the digest runs ahead of the disk when the connection drops.
    using dir = tempFolder();
    const url = `${server.url}/files/big.bin?size=3000000&fault=reset-mid-body&fail-times=1`;
    const whole = Buffer.from(await (await fetch(`${server.url}/files/big.bin?size=3000000`)).arrayBuffer());
    const list = `${url}\tsha256=${sha256(whole)}\n`;
    writeFileSync(join(dir.path, "urls.txt"), list);
    const result = await runFetch(["-i", "urls.txt", "-o", "o", "--report", "r.jsonl"], { cwd: dir.path });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const [row] = readReport(join(dir.path, "r.jsonl"));
    assert.equal(row?.attempts, 2);
    assert.equal(row?.sha256, sha256(whole));
    assert.deepEqual(readFileSync(join(dir.path, "o", "big.bin")), whole);
    assert.deepEqual(listFiles(join(dir.path, "o")), ["big.bin"]);
  });

  test("gives up with a clear error on stalls, after the retries", async () => {
    // Only stalling URLs in this run: the server stalls for good (not for a while), so the short read timeout can
    // only fire where it should, however late a busy machine runs the client or the server.
    using dir = tempFolder();
    const urls = {
      stall: `${server.url}/range/100?fault=stall`,
      stallBody: `${server.url}/range/10000?fault=stall-mid-body`,
    };
    const args = [...Object.values(urls), "--read-timeout", "300ms", "--retries", "1"];
    const result = await runFetch([...args, "--report", "r.jsonl", "-o", "o"], { cwd: dir.path });
    assert.equal(result.code, 1);
    const report = readReport(join(dir.path, "r.jsonl"));
    const error = (url: string) => String(report.find((r) => r.url === url)?.error);
    assert.match(error(urls.stall), /timeout|timed out/i);
    assert.match(error(urls.stallBody), /timeout|timed out/i);
    assert.equal(report.find((r) => r.url === urls.stall)?.attempts, 2);
    assert.equal(report.find((r) => r.url === urls.stallBody)?.attempts, 2);
  });

  test("gives up with a clear error on redirect loops, oversize bodies and persistent faults", async () => {
    // No short read timeout here (the default is 60 s): on a busy machine a 300 ms one fired on healthy URLs.
    using dir = tempFolder();
    const urls = {
      loop: `${server.url}/redirect-loop`,
      big: `${server.url}/bytes/50000`,
      chunkedBig: `${server.url}/stream-bytes/50000`,
      short: `${server.url}/range/5000?fault=wrong-length`,
      refused: "http://127.0.0.1:1/nothing-listens-here",
      fine: `${server.url}/range/10`,
    };
    const args = [...Object.values(urls), "--retries", "1", "--max-size", "20k"];
    const result = await runFetch([...args, "--report", "r.jsonl", "-o", "o"], { cwd: dir.path });
    assert.equal(result.code, 1);
    const report = readReport(join(dir.path, "r.jsonl"));
    const error = (url: string) => String(report.find((r) => r.url === url)?.error);
    assert.match(error(urls.loop), /^redirect loop/);
    assert.match(error(urls.big), /max-size|maxResponseSize/);
    assert.match(error(urls.chunkedBig), /max-size|maxResponseSize/);
    assert.match(error(urls.refused), /refused/i);
    assert.notEqual(error(urls.short), "null");
    assert.equal(error(urls.fine), "null");
    assert.equal(report.find((r) => r.url === urls.big)?.attempts, 1, "an oversize body is not retried");
    assert.deepEqual(
      listFiles(join(dir.path, "o")).filter((f) => !f.endsWith(".part") && !f.endsWith(".json")),
      ["10"],
    );
  });

  test("a server that ignores Range, or a file that changed, is fetched again from the start", async () => {
    using dir = tempFolder();
    const urls = [
      `${server.url}/no-range/200000?fault=reset-mid-body&fail-times=1`,
      `${server.url}/files/changing.bin?size=200000&change-every=1&fault=reset-mid-body&fail-times=1`,
    ];
    const result = await runFetch([...urls, "-o", "o"], { cwd: dir.path });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(readFileSync(join(dir.path, "o", "200000")), rangeBody(200_000));
    // The second try got version 1.1 of the file: the whole of it, nothing of version 1.0.
    const v2 = Buffer.from(
      await (await fetch(`${server.url}/files/changing.bin?size=200000&version=1.1`)).arrayBuffer(),
    );
    assert.deepEqual(readFileSync(join(dir.path, "o", "changing.bin")), v2);
  });

  test("hostile names never escape the output folder", async () => {
    using dir = tempFolder();
    const presets = ["traversal", "deep-traversal", "absolute", "windows-absolute", "backslash-traversal"];
    const more = ["long", "unicode", "control", "nul", "reserved", "dots", "hidden", "empty", "quote"];
    const urls = [...presets, ...more].map((p) => `${server.url}/content-disposition/${p}`);
    const result = await runFetch([...urls, "--content-disposition", "-o", "o"], { cwd: dir.path });
    assert.equal(result.code, 0, result.stderr);
    const files = listFiles(dir.path);
    assert.equal(files.length, urls.length);
    for (const file of files) {
      assert.ok(file.startsWith("o/") && !file.slice(2).includes("/"), file);
      const name = file.slice(2);
      assert.ok(Buffer.byteLength(name) <= 255, name);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: checking there are none
      assert.doesNotMatch(name, /[\u0000-\u001f\\]|^\.\.?$/);
      assert.doesNotMatch(name, /^(con|prn|aux|nul)(\.|$)/i);
    }
    assert.ok(files.includes("o/résumé-文件-🚀.txt"), files.join(", "));
    assert.ok(files.includes("o/x.txt"));
    // Names from URLs are sanitised the same way.
    const fromUrl = await runFetch([`${server.url}/anything/..%2F..%2Fetc%2Fpasswd`, "-o", "u"], { cwd: dir.path });
    assert.equal(fromUrl.code, 0, fromUrl.stderr);
    assert.deepEqual(listFiles(join(dir.path, "u")), [".._.._etc_passwd"]);
  });

  test("names taken twice get a numeric suffix; --mirror keeps host and path", async () => {
    using dir = tempFolder();
    const urls = [`${server.url}/range/10?a`, `${server.url}/range/10?b`, `${server.url}/range/10?c`];
    const result = await runFetch([...urls, "-o", "o"], { cwd: dir.path });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(listFiles(join(dir.path, "o")), ["10", "10-1", "10-2"]);
    const host = new URL(server.url);
    const mirrored = await runFetch([`${server.url}/range/10`, `${server.url}/anything/a/b/`, "--mirror", "-o", "m"], {
      cwd: dir.path,
    });
    assert.equal(mirrored.code, 0, mirrored.stderr);
    const root = `${host.hostname}_${host.port}`;
    assert.deepEqual(listFiles(join(dir.path, "m")), [`${root}/anything/a/b/index.html`, `${root}/range/10`]);
  });

  test("sends --header, --user-agent and per-line header= options", async () => {
    using dir = tempFolder();
    writeFileSync(join(dir.path, "urls.txt"), `${server.url}/headers\theader=X-Line: from the line\tout=h.json\n`);
    const args = ["-i", "urls.txt", "-H", "X-Run: for all", "-A", "tester/1.0", "-o", "."];
    const result = await runFetch(args, { cwd: dir.path });
    assert.equal(result.code, 0, result.stderr);
    const { headers } = JSON.parse(readFileSync(join(dir.path, "h.json"), "utf8")) as {
      headers: Record<string, string>;
    };
    assert.equal(headers["X-Run"], "for all");
    assert.equal(headers["X-Line"], "from the line");
    assert.equal(headers["User-Agent"], "tester/1.0");
    assert.equal(headers["Accept-Encoding"], undefined, "bodies are saved as sent: nothing asks for compression");
  });

  test("--rate spaces the requests to one host", async () => {
    // The server runs in a process of its own that does nothing else, so the arrival times it notes are not held up
    // by this process's work for the other tests (which once squeezed four arrivals 1.5 s apart into 380 ms).
    using dir = tempFolder();
    const script = [
      'const { createServer } = require("node:http");',
      'const s = createServer((req, res) => { console.log("at " + performance.now()); res.end("x"); });',
      's.listen(0, "127.0.0.1", () => console.log("port " + s.address().port));',
    ].join("\n");
    const server = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    server.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    try {
      await until(() => /^port \d+$/m.test(out), "the server to listen");
      const port = /^port (\d+)$/m.exec(out)?.[1];
      const urls = [1, 2, 3, 4].map((i) => `http://127.0.0.1:${port}/r${i}`);
      const result = await runFetch([...urls, "--rate", "1", "-o", "."], { cwd: dir.path });
      assert.equal(result.code, 0, result.stderr);
      const seen = [...out.matchAll(/^at ([\d.]+)$/gm)].map((m) => Number(m[1]));
      assert.equal(seen.length, 4);
      // 1 per second: the fourth starts 3 s after the first; without the rate, all four within milliseconds. A
      // lower bound half of that leaves 1.5 s for the server's process to be scheduled late on a busy machine.
      assert.ok((seen.at(-1) as number) - (seen[0] as number) >= 1500, `${seen.map((t) => Math.round(t))}`);
    } finally {
      server.kill();
    }
  });

  test("Ctrl-C exits 130 at once, keeps .part files, and --resume finishes the rest with the right bytes", async () => {
    using dir = tempFolder();
    const files = await fileServer({ size: 2_000_000, paceMs: 20 });
    try {
      const small = [1, 2, 3].map((i) => `${server.url}/range/${100 * i}`);
      const args = [files.url, ...small, "-o", "o", "--report", "r.jsonl"];
      const running = startFetch(args, { cwd: dir.path });
      const part = join(dir.path, "o", "file.part");
      await until(() => existsSync(part) && statSync(part).size > 200_000, "the big download to be under way");
      await until(() => running.stdout.split("\n").filter((l) => l.startsWith("OK")).length === 3, "the small ones");
      running.child.kill("SIGINT");
      const interrupted = await running.exited;
      assert.equal(interrupted.code, 130);
      assert.match(interrupted.stdout, /interrupted: 3 ok, 0 failed/);
      assert.ok(!existsSync(join(dir.path, "o", "file")), "no file under its final name before it is complete");
      assert.ok(existsSync(part));
      assert.equal(readReport(join(dir.path, "r.jsonl")).length, 3, "the report holds what finished");

      const resumed = await runFetch(["-c", ...args], { cwd: dir.path });
      assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
      assert.match(resumed.stdout, /1 ok, 0 failed, 3 skipped/);
      assert.deepEqual(readFileSync(join(dir.path, "o", "file")), files.body());
      assert.match(String(files.ranges.at(-1)), /^bytes=[1-9]\d*-$/, "the rest was asked for with a Range");
      assert.deepEqual(listFiles(join(dir.path, "o")), ["100", "200", "300", "file"]);
    } finally {
      await files.close();
    }
  });

  test("--resume starts over when the server ignores Range or the file changed", async () => {
    for (const variant of ["ignores Range", "changed"] as const) {
      using dir = tempFolder();
      const files = await fileServer({ size: 500_000, paceMs: 10, ignoreRange: variant === "ignores Range" });
      try {
        const running = startFetch([files.url, "-o", "o"], { cwd: dir.path });
        const part = join(dir.path, "o", "file.part");
        await until(() => existsSync(part) && statSync(part).size > 100_000, "the download to be under way");
        running.child.kill("SIGINT");
        assert.equal((await running.exited).code, 130);
        if (variant === "changed") files.change();
        const resumed = await runFetch(["-c", files.url, "-o", "o"], { cwd: dir.path });
        assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
        assert.deepEqual(readFileSync(join(dir.path, "o", "file")), files.body(), variant);
      } finally {
        await files.close();
      }
    }
  });
});
