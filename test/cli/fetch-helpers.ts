// Runs `aio fetch` as a user would: a child process of bin/aio.js, with
// this Node, in a fresh temporary folder.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/aio.js", import.meta.url));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A child `aio fetch` that is still running. */
export interface Running {
  child: ChildProcess;
  /** Everything it printed so far. */
  readonly stdout: string;
  /** Everything it printed on stderr so far. */
  readonly stderr: string;
  exited: Promise<Finished>;
}

/** Starts `aio fetch ARGS` in `cwd`, with `input` on its stdin (if given). */
export function startFetch(args: readonly string[], options: { cwd: string; input?: string }): Running {
  const child = spawn(process.execPath, [BIN, "fetch", ...args], {
    cwd: options.cwd,
    stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    env: { ...process.env, AIO_DEBUG: "" },
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<Finished>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
  };
}

/** Runs `aio fetch ARGS` to its end. */
export function runFetch(args: readonly string[], options: { cwd: string; input?: string }): Promise<Finished> {
  return startFetch(args, options).exited;
}

/** A fresh temporary folder, removed by `[Symbol.dispose]`. */
export function tempFolder(): { path: string; [Symbol.dispose](): void } {
  const path = mkdtempSync(join(tmpdir(), "aio-fetch-test-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

/** Every file under a folder, as sorted relative paths. */
export function listFiles(folder: string): string[] {
  return (readdirSync(folder, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(folder.length + 1))
    .sort();
}

/** The `--report` file's records. */
export function readReport(path: string): Record<string, unknown>[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** `/range/n`'s body: byte i is `a + i % 26`. */
export function rangeBody(n: number): Buffer {
  const body = Buffer.alloc(n);
  for (let i = 0; i < n; i++) body[i] = 97 + (i % 26);
  return body;
}

export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Polls until `check()` is true (real time: the child runs on its own). */
export async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether `python3` runs here (it is on every CI image we use; the tests that need it skip without it). */
export const HAS_PYTHON = spawnSync("python3", ["--version"], { stdio: "ignore" }).status === 0;

/** A third-party server: Python's `http.server` serving `root` on 127.0.0.1, on a free port. */
export interface PythonServer {
  url(path: string): string;
  close(): Promise<void>;
}

/** Starts `python3 -m http.server` on 127.0.0.1 (port 0: the OS picks) and waits until it listens. */
export async function startPythonServer(root: string): Promise<PythonServer> {
  const child = spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", root], {
    stdio: ["ignore", "pipe", "ignore"], // its access log (stderr) is not read, so it must not be a pipe that fills
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let seen = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      seen += d;
      const m = / port (\d+)/.exec(seen);
      if (m !== null) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`python3 -m http.server exited (${code}): ${seen}`)));
  });
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: async () => {
      child.kill();
      await exited;
    },
  };
}

/**
 * Mounts a tmpfs of `size` (as `mount -o size=`, e.g. `5m`) on `path`: a real,
 * small file system that fills up. Returns why it could not (not root, no
 * mount permission in a container), for the test to skip with that reason.
 */
export function mountTmpfs(path: string, size: string): { unmount(): void } | { skip: string } {
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", path], { encoding: "utf8" });
  if (mounted.error !== undefined || mounted.status !== 0) {
    return { skip: `cannot mount a tmpfs here: ${mounted.error?.message ?? mounted.stderr.trim()}` };
  }
  return {
    unmount: () => {
      spawnSync("umount", ["-l", path]);
    },
  };
}
