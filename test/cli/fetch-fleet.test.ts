// Issue 15: `aio fetch` as a fleet of workers on one Redis (BullMQ). Every
// test spawns the CLI as a user would, against a real redis-server of its
// own (test/redis.ts) and a local HTTP server.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { startServer } from "../http/client-helpers.ts";
import { startRedis } from "../redis.ts";
import { listFiles, readReport, runFetch, startFetch, tempFolder, until } from "./fetch-helpers.ts";

/** The body of `/f/N`: its own bytes, so that a file saved under another's name is caught. */
function bodyOf(n: number, size = 2048): Buffer {
  const body = Buffer.alloc(size);
  const head = Buffer.from(`file ${n}\n`);
  for (let i = 0; i < size; i++) body[i] = head[i % head.length] as number;
  return body;
}

/** A list of `count` URLs `/f/0`...: each line names its file, `fN.bin`. */
function writeList(path: string, origin: string, count: number, from = 0): void {
  const lines: string[] = [];
  for (let n = from; n < from + count; n++) lines.push(`${origin}/f/${n}\tout=f${n}.bin`);
  writeFileSync(path, `${lines.join("\n")}\n`);
}

/** The queue's report stream: each entry's job id and parsed line. */
async function readStream(url: string, queue = "aio-fetch"): Promise<{ job: string; line: Record<string, unknown> }[]> {
  const client = new Redis(url);
  try {
    const entries = await client.xrange(`bull:${queue}:aio-fetch:report`, "-", "+");
    return entries.map(([, fields]) => {
      const map = new Map<string, string>();
      for (let i = 0; i < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
      return { job: map.get("job") as string, line: JSON.parse(map.get("line") as string) as Record<string, unknown> };
    });
  } finally {
    client.disconnect();
  }
}

async function jobCounts(url: string, queue = "aio-fetch"): Promise<Record<string, number>> {
  const client = new Redis(url);
  try {
    const [wait, active, completed, failed] = await Promise.all(
      ["wait", "active", "completed", "failed"].map((state) =>
        state === "wait" || state === "active"
          ? client.llen(`bull:${queue}:${state}`)
          : client.zcard(`bull:${queue}:${state}`),
      ),
    );
    return { wait: wait ?? 0, active: active ?? 0, completed: completed ?? 0, failed: failed ?? 0 };
  } finally {
    client.disconnect();
  }
}

describe("aio fetch --queue (a fleet on Redis)", { concurrency: true }, () => {
  for (const { shared, COUNT } of [
    { shared: false, COUNT: 3000 },
    { shared: true, COUNT: 1200 },
  ]) {
    const folders = shared ? "one shared output folder" : "a folder each";
    test(`three workers (${folders}) download ${COUNT} files; one SIGKILLed midway loses nothing; every URL is ok once in the stream`, async (t) => {
      using dir = tempFolder();
      await using redis = await startRedis();
      const folderOf = (n: number): string => (shared ? "out" : `w${n}`);
      // Once `hold` is set, the first worker's requests get no answer: it dies with its 8 jobs in hand.
      let hold = false;
      const server = await startServer(async (req, res) => {
        if (hold && req.headers["user-agent"] === "doomed") return; // held open until the server closes
        const n = Number(/^\/f\/(\d+)$/.exec(req.url ?? "")?.[1] ?? -1);
        if (n < 0) {
          res.writeHead(404).end();
          return;
        }
        const body = bodyOf(n);
        res.writeHead(200, { "content-length": body.length }).end(body);
      });
      try {
        writeList(join(dir.path, "urls.txt"), server.origin, COUNT);
        const queue = ["--queue", redis.url];
        const enqueued = await runFetch([...queue, "--enqueue", "-i", "urls.txt"], { cwd: dir.path });
        assert.equal(enqueued.code, 0, enqueued.stderr);
        // A long list goes in jobs of several URLs (one a job for the first 32, then growing to 16).
        const jobsAdded = Number(
          new RegExp(`^${COUNT} added in (\\d+) jobs, 0 already there`).exec(enqueued.stdout)?.[1],
        );
        assert.ok(jobsAdded > 32 && jobsAdded < COUNT / 2, enqueued.stdout);
        const worker = (n: number, drained: boolean, agent = "aio") =>
          startFetch(
            [
              ...queue,
              "--worker",
              "-o",
              folderOf(n),
              "-j",
              "8",
              "--lock-duration",
              "3s",
              "--report",
              `w${n}.jsonl`,
              "-q",
              "-A",
              agent,
              ...(drained ? ["--exit-when-drained"] : []),
            ],
            { cwd: dir.path },
          );
        // The first worker saves a tenth of the files alone; then, while all three run, it dies without a word.
        const doomed = worker(0, false, "doomed");
        const all = [doomed];
        t.after(() => {
          for (const w of all) w.child.kill("SIGKILL");
        });
        const lines = (w: number): number => {
          const path = join(dir.path, `w${w}.jsonl`);
          return existsSync(path) ? readFileSync(path, "utf8").split("\n").length - 1 : 0;
        };
        await until(() => lines(0) >= COUNT / 10, "the first worker to save a tenth of the files", 120_000);
        hold = true;
        const survivors = [worker(1, true), worker(2, true)];
        all.push(...survivors);
        await until(() => lines(1) > 0 && lines(2) > 0, "the other workers to save a file each", 120_000);
        doomed.child.kill("SIGKILL");
        const killed = await doomed.exited;
        assert.equal(killed.signal, "SIGKILL");
        const waited = await runFetch([...queue, "--wait"], { cwd: dir.path });
        assert.equal(waited.code, 0, waited.stdout + waited.stderr);
        for (const survivor of survivors) {
          const done = await survivor.exited;
          assert.equal(done.code, 0, done.stderr);
        }

        // Exactly one line per URL in the stream, every one ok, for all 3,000 URLs.
        const stream = await readStream(redis.url);
        const jobs = new Set(stream.map((entry) => entry.job));
        assert.equal(stream.length, COUNT);
        assert.equal(jobs.size, COUNT);
        const urls = new Set(stream.map((entry) => entry.line.url));
        assert.equal(urls.size, COUNT);
        for (const { line } of stream) assert.equal(line.result, "ok", JSON.stringify(line));
        // Each worker's local --report has what it did; the killed one's, some lines, all in the stream too.
        const reported = [0, 1, 2].map((w) => readReport(join(dir.path, `w${w}.jsonl`)));
        const streamUrls = new Set(stream.map(({ line }) => line.url));
        assert.ok((reported[0] ?? []).length > 0);
        for (const record of reported.flat()) assert.ok(streamUrls.has(record.url));
        // The jobs the killed worker held were found stalled (BullMQ counts it in the job's `stc`) and finished by
        // the survivors, in their folders.
        const client = new Redis(redis.url);
        try {
          // The URLs of the jobs found stalled (a job's URLs are its own id, or its data's items).
          const stalled = new Set<string>();
          for (const id of await client.zrange("bull:aio-fetch:completed", 0, -1)) {
            const [stc, data] = await client.hmget(`bull:aio-fetch:${id}`, "stc", "data");
            if (Number(stc ?? 0) === 0) continue;
            const items = (JSON.parse(data ?? "{}") as { items?: { id: string }[] }).items;
            for (const item of items ?? [{ id }]) stalled.add(item.id);
          }
          const taken = stream.filter(({ job }) => stalled.has(job));
          assert.ok(taken.length > 0, "no job was found stalled");
          // The jobs it held when it died never got an answer: the survivors reported them.
          if (!shared) assert.ok(taken.some(({ line }) => !String(line.path).startsWith("w0/")));
          // (A taken job's line may still be the killed worker's: killed after it reported the job and before BullMQ
          // completed it, the job ran again, and the second run's line was not added.)
        } finally {
          client.disconnect();
        }
        // Every file the stream names is there, with its own bytes.
        for (const { line } of stream) {
          const n = Number(/f\/(\d+)$/.exec(String(line.url))?.[1]);
          assert.deepEqual(readFileSync(join(dir.path, String(line.path))), bodyOf(n), String(line.path));
        }
        // No part, note or lock left in the survivors' folders. In a shared folder, the killed worker may have left
        // the file of a small body of its own (NAME.part.PID, written whole, killed before its rename): never a lock or
        // a part, which the survivors took over when they ran its jobs again.
        const killedOwn = new RegExp(`^f\\d+\\.bin\\.part\\.${doomed.child.pid}$`);
        for (const folder of new Set([1, 2].map(folderOf))) {
          const left = listFiles(join(dir.path, folder)).filter((f) => !/^f\d+\.bin$/.test(f) && !killedOwn.test(f));
          assert.deepEqual(left, [], folder);
        }
        if (shared) assert.equal(listFiles(join(dir.path, "out")).filter((f) => /^f\d+\.bin$/.test(f)).length, COUNT);
        assert.deepEqual(await jobCounts(redis.url), { wait: 0, active: 0, completed: jobsAdded, failed: 0 });
      } finally {
        await server.close();
      }
    });
  }

  test("a worker sent SIGTERM gives its running jobs back within its grace period; another worker finishes them", async (t) => {
    using dir = tempFolder();
    await using redis = await startRedis();
    // The first worker's requests are never answered: only the grace period's cancel can end its jobs.
    const server = await startServer(async (req, res) => {
      if (req.headers["user-agent"] === "first") return; // held open until the server closes
      const n = Number(/^\/f\/(\d+)$/.exec(req.url ?? "")?.[1]);
      const body = bodyOf(n);
      res.writeHead(200, { "content-length": body.length }).end(body);
    });
    try {
      writeList(join(dir.path, "urls.txt"), server.origin, 2);
      const queue = ["--queue", redis.url];
      assert.equal((await runFetch([...queue, "--enqueue", "-i", "urls.txt"], { cwd: dir.path })).code, 0);
      const first = startFetch([...queue, "--worker", "-o", "a", "-j", "2", "--grace", "1s", "-A", "first"], {
        cwd: dir.path,
      });
      t.after(() => first.child.kill("SIGKILL"));
      await server.received(2);
      // process.kill, not child.kill: Deno reports a child signalled through child.kill as killed, not as its exit.
      process.kill(first.child.pid as number, "SIGTERM");
      const stopped = await first.exited;
      assert.equal(stopped.code, 143, stopped.stderr);
      // Back in the wait list, not failed, and nothing reported for them.
      assert.deepEqual(await jobCounts(redis.url), { wait: 2, active: 0, completed: 0, failed: 0 });
      assert.deepEqual(await readStream(redis.url), []);
      const second = await runFetch([...queue, "--worker", "-o", "b", "--exit-when-drained"], { cwd: dir.path });
      assert.equal(second.code, 0, second.stderr);
      const stream = await readStream(redis.url);
      assert.deepEqual(stream.map(({ line }) => [line.path, line.result]).sort(), [
        ["b/f0.bin", "ok"],
        ["b/f1.bin", "ok"],
      ]);
      assert.deepEqual(readFileSync(join(dir.path, "b/f1.bin")), bodyOf(1));
      assert.deepEqual(await jobCounts(redis.url), { wait: 0, active: 0, completed: 2, failed: 0 });
    } finally {
      await server.close();
    }
  });

  test("a job of several URLs (--batch): SIGTERM gives it back between two URLs; the next worker fetches only the rest", async (t) => {
    using dir = tempFolder();
    await using redis = await startRedis();
    const requests: string[] = [];
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = await startServer(async (req, res) => {
      requests.push(`${req.headers["user-agent"]} ${req.url}`);
      // The first worker's second URL waits for the test: the shutdown begins while it downloads.
      if (req.headers["user-agent"] === "first" && req.url === "/f/1") await released;
      const n = Number(/^\/f\/(\d+)$/.exec(req.url ?? "")?.[1]);
      const body = bodyOf(n);
      res.writeHead(200, { "content-length": body.length }).end(body);
    });
    try {
      writeList(join(dir.path, "urls.txt"), server.origin, 4);
      const queue = ["--queue", redis.url];
      const enqueued = await runFetch([...queue, "--enqueue", "--batch", "4", "-i", "urls.txt"], { cwd: dir.path });
      assert.equal(enqueued.code, 0, enqueued.stderr);
      assert.match(enqueued.stdout, /^4 added in 1 job, 0 already there/);
      // A grace period far longer than the test's own limit: the worker must give the job back without using it.
      const first = startFetch([...queue, "--worker", "-o", "a", "-j", "1", "--grace", "1h", "-A", "first"], {
        cwd: dir.path,
      });
      t.after(() => first.child.kill("SIGKILL"));
      await until(() => requests.includes("first /f/1"), "the first worker to ask for its second URL", 60_000);
      process.kill(first.child.pid as number, "SIGTERM");
      await until(
        () => first.stderr.includes("aio fetch: stopping:"),
        "the first worker to begin its shutdown",
        60_000,
      );
      release();
      const stopped = await first.exited;
      assert.equal(stopped.code, 143, stopped.stderr);
      // The URL under way was finished and reported; the job is back in the wait list, not failed.
      assert.deepEqual(await jobCounts(redis.url), { wait: 1, active: 0, completed: 0, failed: 0 });
      assert.deepEqual((await readStream(redis.url)).map(({ line }) => line.path).sort(), ["a/f0.bin", "a/f1.bin"]);
      const second = await runFetch([...queue, "--worker", "-o", "b", "-A", "second", "--exit-when-drained"], {
        cwd: dir.path,
      });
      assert.equal(second.code, 0, second.stderr);
      // The second worker fetched only the two URLs with no line yet.
      assert.deepEqual(requests.filter((r) => r.startsWith("second")).sort(), ["second /f/2", "second /f/3"]);
      const stream = await readStream(redis.url);
      assert.deepEqual(stream.map(({ line }) => [line.path, line.result]).sort(), [
        ["a/f0.bin", "ok"],
        ["a/f1.bin", "ok"],
        ["b/f2.bin", "ok"],
        ["b/f3.bin", "ok"],
      ]);
      assert.deepEqual(readFileSync(join(dir.path, "b/f3.bin")), bodyOf(3));
      assert.deepEqual(await jobCounts(redis.url), { wait: 0, active: 0, completed: 1, failed: 0 });
      const waited = await runFetch([...queue, "--wait"], { cwd: dir.path });
      assert.match(waited.stdout, /^drained: 4 completed, 0 failed/m);
    } finally {
      await server.close();
    }
  });

  test("a worker whose Redis connections drop reconnects and reports every URL (Redis restarts, networks blink)", {
    timeout: 180_000,
  }, async (t) => {
    using dir = tempFolder();
    await using redis = await startRedis();
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let asked = 0;
    const server = await startServer(async (req, res) => {
      asked++;
      // Every download waits for the test: the connections drop while the worker holds its jobs.
      await released;
      res.end(`body of ${req.url}`);
    });
    try {
      const urls = Array.from({ length: 6 }, (_, i) => server.url(`/d${i}.txt`));
      const queue = ["--queue", redis.url];
      assert.equal((await runFetch([...queue, "--enqueue", "--batch", "3", ...urls], { cwd: dir.path })).code, 0);
      const worker = startFetch([...queue, "--worker", "-o", "out", "-j", "2"], { cwd: dir.path });
      t.after(() => worker.child.kill("SIGKILL"));
      await until(() => asked === 2, "the worker to start its two jobs", 60_000);
      const admin = new Redis(redis.url);
      try {
        // Every other client's connection is closed, as a restart of Redis or a cut in the network would.
        const killed = await admin.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
        assert.ok(Number(killed) >= 3, `${killed} connections closed`);
      } finally {
        admin.disconnect();
      }
      release();
      const waited = await runFetch([...queue, "--wait"], { cwd: dir.path });
      assert.equal(waited.code, 0, waited.stdout + waited.stderr);
      assert.match(waited.stdout, /^drained: 6 completed, 0 failed/m);
      const stream = await readStream(redis.url);
      assert.deepEqual(stream.map(({ line }) => [line.path, line.result]).sort(), [
        ["out/d0.txt", "ok"],
        ["out/d1.txt", "ok"],
        ["out/d2.txt", "ok"],
        ["out/d3.txt", "ok"],
        ["out/d4.txt", "ok"],
        ["out/d5.txt", "ok"],
      ]);
      assert.equal(readFileSync(join(dir.path, "out/d5.txt"), "utf8"), "body of /d5.txt");
    } finally {
      await server.close();
    }
  });

  test("--fleet-rate counts every URL of a job of several, not the job", async (t) => {
    using dir = tempFolder();
    await using redis = await startRedis();
    const times: number[] = [];
    const server = await startServer((_req, res) => {
      times.push(performance.now());
      res.end("fine");
    });
    try {
      const urls = Array.from({ length: 10 }, (_, i) => server.url(`/r${i}.txt`));
      const queue = ["--queue", redis.url];
      assert.equal((await runFetch([...queue, "--enqueue", "--batch", "10", ...urls], { cwd: dir.path })).code, 0);
      const worker = await runFetch([...queue, "--worker", "-o", "out", "--fleet-rate", "4", "--exit-when-drained"], {
        cwd: dir.path,
      });
      t.diagnostic(`requests at +${times.map((at) => Math.round(at - (times[0] ?? 0))).join(", +")} ms`);
      assert.equal(worker.code, 0, worker.stderr);
      assert.equal(times.length, 10);
      // 4 a second, in BullMQ's windows of 1 s (each starts with its first count, at least 1 s after the one before):
      // requests 1 and 9 are two windows apart, so at least a whole window lies between them. A lower bound, which a
      // busy machine only makes easier to meet; without the limit the ten take a few milliseconds.
      const gap = (times[8] as number) - (times[0] as number);
      assert.ok(gap >= 950, `${gap} ms between the first request and the ninth`);
    } finally {
      await server.close();
    }
  });

  test("enqueueing a list twice adds nothing the second time; --status shows the counts", async () => {
    using dir = tempFolder();
    await using redis = await startRedis();
    writeList(join(dir.path, "urls.txt"), "http://127.0.0.1:9", 5);
    const queue = ["--queue", redis.url, "--queue-name", "crawl"];
    const once = await runFetch([...queue, "--enqueue", "-i", "urls.txt"], { cwd: dir.path });
    assert.equal(once.code, 0, once.stderr);
    assert.match(once.stdout, /^5 added, 0 already there \(queue crawl at redis:\/\/127\.0\.0\.1:\d+\)$/m);
    // The same list, and one more URL as an argument: only that one is new.
    const twice = await runFetch([...queue, "--enqueue", "-i", "urls.txt", "http://127.0.0.1:9/new.bin"], {
      cwd: dir.path,
    });
    assert.equal(twice.code, 0, twice.stderr);
    assert.match(twice.stdout, /^1 added, 5 already there/m);
    const status = await runFetch([...queue, "--status"], { cwd: dir.path });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^queue crawl at redis:\/\/127\.0\.0\.1:\d+$/m);
    assert.match(status.stdout, /^waiting 6, active 0, delayed 0, completed 0, failed 0$/m);
    assert.match(status.stdout, /^6 URLs enqueued, 6 not reported yet$/m);
    assert.match(status.stdout, /^reported 0 ok, 0 failed, 0 skipped; 0 B$/m);
    assert.match(status.stdout, /^workers 0$/m);
  });

  test("--enqueue --wait enqueues, then waits for the workers to drain the queue", async (t) => {
    using dir = tempFolder();
    await using redis = await startRedis();
    const server = await startServer((_req, res) => res.end("fine"));
    try {
      const queue = ["--queue", redis.url];
      // The worker first: it claims the queue and waits for jobs. Its --report is appended to (a restarted worker).
      writeFileSync(join(dir.path, "w.jsonl"), '{"earlier":true}\n');
      const worker = startFetch([...queue, "--worker", "-o", "out", "--report", "w.jsonl"], { cwd: dir.path });
      t.after(() => worker.child.kill("SIGKILL"));
      const urls = [server.url("/a.txt"), server.url("/b.txt")];
      const done = await runFetch([...queue, "--enqueue", ...urls, "--wait"], { cwd: dir.path });
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /^2 added, 0 already there .*\ndrained: 2 completed, 0 failed \(queue aio-fetch\)\n$/);
      assert.equal(readFileSync(join(dir.path, "out/b.txt"), "utf8"), "fine");
      const lines = readReport(join(dir.path, "w.jsonl"));
      assert.deepEqual(lines[0], { earlier: true });
      assert.deepEqual(
        lines
          .slice(1)
          .map((line) => [line.path, line.result])
          .sort(),
        [
          ["out/a.txt", "ok"],
          ["out/b.txt", "ok"],
        ],
      );
    } finally {
      await server.close();
    }
  });

  test("a job run again after its line was reported adds no second line (the stream's line is exactly-once)", async () => {
    using dir = tempFolder();
    await using redis = await startRedis();
    const server = await startServer((_req, res) => res.end("fine"));
    try {
      const queue = ["--queue", redis.url];
      const url = server.url("/a.txt");
      assert.equal((await runFetch([...queue, "--enqueue", url], { cwd: dir.path })).code, 0);
      // As a worker killed after its report and before BullMQ completed the job would have left it.
      const id = `f${createHash("sha256").update(`${url}\na.txt`).digest("hex")}`;
      const client = new Redis(redis.url);
      try {
        assert.equal(await client.exists(`bull:aio-fetch:${id}`), 1);
        await client.sadd("bull:aio-fetch:aio-fetch:reported", id);
        await client.xadd(
          "bull:aio-fetch:aio-fetch:report",
          "*",
          "job",
          id,
          "line",
          '{"result":"ok","by":"the lost one"}',
        );
      } finally {
        client.disconnect();
      }
      const worker = await runFetch([...queue, "--worker", "-o", "out", "--exit-when-drained"], { cwd: dir.path });
      assert.equal(worker.code, 0, worker.stderr);
      assert.match(worker.stdout, /^OK +out\/a\.txt/m);
      assert.deepEqual(await readStream(redis.url), [{ job: id, line: { result: "ok", by: "the lost one" } }]);
      assert.deepEqual(await jobCounts(redis.url), { wait: 0, active: 0, completed: 1, failed: 0 });
    } finally {
      await server.close();
    }
  });

  test("a URL that fails ends in the failed set once, its line in the stream, and --wait exits 1", async (t) => {
    using dir = tempFolder();
    await using redis = await startRedis();
    const server = await startServer((req, res) => {
      if (req.url === "/gone") res.writeHead(404).end();
      else res.end("fine");
    });
    try {
      const queue = ["--queue", redis.url];
      const urls = [server.url("/gone"), server.url("/ok.txt")];
      assert.equal((await runFetch([...queue, "--enqueue", ...urls], { cwd: dir.path })).code, 0);
      const worker = startFetch([...queue, "--worker", "-o", "out"], { cwd: dir.path });
      t.after(() => worker.child.kill("SIGKILL"));
      const waited = await runFetch([...queue, "--wait"], { cwd: dir.path });
      assert.equal(waited.code, 1, waited.stdout + waited.stderr);
      assert.match(waited.stdout, /drained: 1 completed, 1 failed/);
      const status = await runFetch([...queue, "--status"], { cwd: dir.path });
      assert.match(status.stdout, /^reported 1 ok, 1 failed, 0 skipped; 4 B/m);
      assert.match(status.stdout, /^workers 1:\n {2}\S+:\d+ \(127\.0\.0\.1:\d+, up [\d.]+ m?s\)$/m);
      process.kill(worker.child.pid as number, "SIGINT");
      assert.equal((await worker.exited).code, 130);
      const lines = (await readStream(redis.url)).map(({ line }) => [line.url, line.result, line.error]);
      assert.deepEqual(lines.sort(), [
        [server.url("/gone"), "failed", "HTTP 404 Not Found"],
        [server.url("/ok.txt"), "ok", null],
      ]);
      assert.equal(server.requests, 2); // the 404 is not retried: not by the downloader, not by BullMQ
    } finally {
      await server.close();
    }
  });

  test("without bullmq installed, --queue says what to install", async () => {
    using dir = tempFolder();
    const hook = fileURLToPath(new URL("fixtures/hide-bullmq.ts", import.meta.url));
    const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${hook}` };
    const { spawnSync } = await import("node:child_process");
    const { BIN } = await import("./fetch-helpers.ts");
    const result = spawnSync(process.execPath, [BIN, "fetch", "--queue", "redis://127.0.0.1:1", "--status"], {
      cwd: dir.path,
      env,
      encoding: "utf8",
    });
    assert.equal(result.status, 2, result.stderr);
    assert.equal(
      result.stderr,
      "aio fetch: --queue needs bullmq and ioredis, which are not installed: npm install bullmq ioredis\n",
    );
    // A local run does not need it.
    const local = spawnSync(process.execPath, [BIN, "fetch", "--help"], { cwd: dir.path, env, encoding: "utf8" });
    assert.equal(local.status, 0, local.stderr);
  });

  describe("bad input", { concurrency: true }, () => {
    test("an unreachable Redis: exit 2, naming the URL", async () => {
      using dir = tempFolder();
      const redis = await startRedis();
      const url = redis.url;
      await redis.stop(); // its port is closed now
      const result = await runFetch(["--queue", url, "--status"], { cwd: dir.path });
      assert.equal(result.code, 2);
      assert.equal(
        result.stderr,
        `aio fetch: cannot connect to Redis at ${url}: connect ECONNREFUSED ${url.slice("redis://".length)}\n`,
      );
    });

    test("a wrong password, and none: exit 2, the password not shown", async () => {
      using dir = tempFolder();
      await using redis = await startRedis({ password: "right" });
      const wrong = await runFetch(["--queue", `redis://:wrong@127.0.0.1:${redis.port}`, "--status"], {
        cwd: dir.path,
      });
      assert.equal(wrong.code, 2);
      assert.match(
        wrong.stderr,
        /^aio fetch: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused the user name or password/,
      );
      assert.doesNotMatch(wrong.stderr, /wrong/);
      const none = await runFetch(["--queue", `redis://127.0.0.1:${redis.port}`, "--status"], { cwd: dir.path });
      assert.equal(none.code, 2);
      assert.match(none.stderr, /^aio fetch: Redis at redis:\/\/127\.0\.0\.1:\d+ needs a password/);
      // The right one works.
      const right = await runFetch(["--queue", redis.url, "--enqueue", "http://127.0.0.1:9/a"], { cwd: dir.path });
      assert.equal(right.code, 0, right.stderr);
    });

    test("a queue of another kind: made by something else, or a key of another type in the way", async () => {
      using dir = tempFolder();
      await using redis = await startRedis();
      const client = new Redis(redis.url);
      try {
        await client.hset("bull:jobs:meta", "opts.maxLenEvents", "10000"); // what BullMQ writes for its queue
        await client.set("bull:odd:aio-fetch", "x");
      } finally {
        client.disconnect();
      }
      for (const mode of ["--enqueue", "--worker", "--status", "--wait"]) {
        const args =
          mode === "--enqueue" ? [mode, "http://127.0.0.1:9/a"] : mode === "--worker" ? [mode, "-o", "o"] : [mode];
        const other = await runFetch(["--queue", redis.url, "--queue-name", "jobs", ...args], { cwd: dir.path });
        assert.equal(other.code, 2, mode);
        assert.match(
          other.stderr,
          /queue "jobs" at redis:\/\/127\.0\.0\.1:\d+ was made by something other than aio fetch/,
        );
        const odd = await runFetch(["--queue", redis.url, "--queue-name", "odd", ...args], { cwd: dir.path });
        assert.equal(odd.code, 2, mode);
        assert.match(odd.stderr, /the key bull:odd:aio-fetch is a string, not aio fetch's marker/);
      }
      const none = await runFetch(["--queue", redis.url, "--queue-name", "never", "--status"], { cwd: dir.path });
      assert.equal(none.code, 2);
      assert.match(none.stderr, /no queue "never" at .*: nothing was enqueued on it yet/);
    });

    test("malformed --queue URLs, modes together or missing, --worker without -o", async () => {
      using dir = tempFolder();
      const cases: [string[], RegExp][] = [
        [
          ["--queue", "localhost:6379", "--status"],
          /--queue needs a redis:\/\/ or rediss:\/\/ URL, got the scheme localhost:/,
        ],
        [["--queue", "redis:://x", "--status"], /--queue needs a host/],
        [["--queue", "http://127.0.0.1:6379", "--status"], /got the scheme http:/],
        [["--queue", "redis://127.0.0.1:6379/zero", "--status"], /the path is the database number/],
        [["--queue", "redis://127.0.0.1:99999", "--status"], /--queue needs a URL such as redis:\/\/HOST:6379\/0/],
        [
          ["--queue", "redis://127.0.0.1", "--enqueue", "--worker", "-o", "o", "http://a/b"],
          /--enqueue, --worker: give only one of them/,
        ],
        [["--queue", "redis://127.0.0.1", "--status", "--wait"], /--status, --wait: give only one of them/],
        [["--queue", "redis://127.0.0.1"], /--queue needs one of --enqueue, --worker, --status, --wait/],
        [["--queue", "redis://127.0.0.1", "--worker"], /--worker needs -o DIR/],
        [["--queue", "redis://127.0.0.1", "--enqueue"], /no URLs/],
        [["--queue", "redis://127.0.0.1", "--status", "http://a/b"], /--status takes no URLs/],
        [["--queue", "redis://127.0.0.1", "--status", "--grace", "1"], /--grace is an option of --worker/],
        [["--queue", "redis://127.0.0.1", "--queue-name", "a:b", "--status"], /--queue-name needs 1 to 100 letters/],
        [["--queue", "redis://127.0.0.1", "--enqueue", "--content-disposition", "http://a/b"], /--content-disposition/],
        [["--worker", "-o", "o"], /--worker needs --queue redis:\/\/HOST:PORT/],
        [["--queue", "redis://127.0.0.1", "--worker", "-o", "o", "--fleet-rate", "0"], /--fleet-rate needs a number/],
        [["--queue", "redis://127.0.0.1", "--enqueue", "--batch", "0"], /--batch needs a whole number of URLs from 1/],
        [["--queue", "redis://127.0.0.1", "--enqueue", "--batch", "2.5"], /--batch needs a whole number/],
        [["--queue", "redis://127.0.0.1", "--enqueue", "--batch", "1001"], /--batch needs a whole number/],
        [["--queue", "redis://127.0.0.1", "--worker", "-o", "o", "--batch", "4"], /--batch is an option of --enqueue/],
        [["http://a/b", "--batch", "4"], /--batch needs --queue/],
      ];
      for (const [args, message] of cases) {
        const result = await runFetch(args, { cwd: dir.path });
        assert.equal(result.code, 2, args.join(" "));
        assert.match(result.stderr, message, args.join(" "));
        assert.match(result.stderr, /Run "aio fetch --help" for the options/);
      }
      const help = await runFetch(["--help"], { cwd: dir.path });
      for (const option of [
        "--queue URL",
        "--enqueue",
        "--worker",
        "--status",
        "--wait",
        "--queue-name NAME",
        "--batch N",
      ]) {
        assert.match(help.stdout, new RegExp(`^ {6}${option} `, "m"), option);
      }
      for (const option of ["--fleet-rate N", "--grace T", "--lock-duration T", "--exit-when-drained"]) {
        assert.match(help.stdout, new RegExp(`^ {6}${option}`, "m"), option);
      }
    });
  });
});
