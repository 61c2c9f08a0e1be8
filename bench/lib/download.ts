// The downloader workloads' shared work: the URL list, the timed command, and the checksum of what it wrote.
import { spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Outcome, Params } from "./types.ts";
import { clock } from "./work.ts";

/** One run's files: a temporary folder with the URL list in it and an empty output folder. */
export interface DownloadJob {
  /** `files` URLs, `${url}/files/${size}/f${i}.bin`: each names its own file. */
  urls: string[];
  /** The URLs, one a line (the list `aio fetch -i` and `aria2c -i` read). */
  list: string;
  /** Where the files go. */
  out: string;
  /** The temporary folder, for other inputs (curl's config). */
  dir: string;
  /** Removes the temporary folder and everything in it. */
  cleanup(): void;
}

export function prepareDownload({ n, size, url }: Params, tool: string): DownloadJob {
  const dir = mkdtempSync(join(tmpdir(), `aio-bench-${tool}-`));
  const urls = Array.from({ length: n }, (_, i) => `${url}/files/${size}/f${i}.bin`);
  const list = join(dir, "urls.txt");
  writeFileSync(list, `${urls.join("\n")}\n`);
  const out = join(dir, "out");
  mkdirSync(out);
  settleDisk();
  return {
    urls,
    list,
    out,
    dir,
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      settleDisk();
    },
  };
}

/**
 * Flushes the file system (`sync`) outside the timed region. Creating 10,000 files right after another
 * column removed its 10,000 took 2 to 4 times as long as after a flush on this machine's ext4: without
 * it, each column pays for the previous one's clean-up and written-back data.
 */
function settleDisk(): void {
  spawnSync("sync", { stdio: "ignore" });
}

/** Clock ticks per second of `/proc`'s CPU times: 100 on every Linux the bench runs on (`getconf CLK_TCK`). */
const TICKS_PER_S = 100;

/**
 * The CPU time, user and system, of this process's children that have exited and been waited for, in ms
 * (`cutime` + `cstime` of `/proc/self/stat`); `undefined` where there is no `/proc` (not Linux). On a
 * machine shared with other work, a command's CPU time moves far less than its wall time.
 */
function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // The fields after the command's name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // cutime and cstime are fields 16 and 17 of the whole line, 14 and 15 (from 1) after the name.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/** Runs `command` to its end and returns its wall time in ms; rejects (with its stderr's tail) unless it exits 0. */
export function timeCommand(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = clock();
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr = (stderr + d).slice(-2000);
    });
    child.once("error", reject);
    child.once("close", (code, signal) => {
      const ms = clock() - t0;
      if (code === 0) resolve(ms);
      else {
        const tail = stderr.trim().split("\n").slice(-3).join(" / ");
        reject(new Error(`${command} ${signal ?? `exited ${code}`}${tail === "" ? "" : `: ${tail}`}`));
      }
    });
  });
}

/**
 * What the command wrote under `out`, read back after the clock stopped: every regular file's length
 * and its first, middle and last bytes (work.ts's `bodySum`), summed; and the file and byte counts.
 */
export function written(out: string): { checksum: number; files: number; bytes: number } {
  let checksum = 0;
  let files = 0;
  let bytes = 0;
  const byte = Buffer.alloc(1);
  const at = (fd: number, position: number): number => (readSync(fd, byte, 0, 1, position) === 1 ? byte[0] : 0) ?? 0;
  for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const fd = openSync(join(entry.parentPath, entry.name), "r");
    try {
      const size = fstatSync(fd).size;
      files++;
      bytes += size;
      if (size > 0) checksum += size + at(fd, 0) + at(fd, size >> 1) + at(fd, size - 1);
    } finally {
      closeSync(fd);
    }
  }
  return { checksum, files, bytes };
}

/**
 * Runs `command` on a fresh job and measures it: wall time of the whole command (its start-up included),
 * files/s and MB/s (10^6 bytes); the checksum covers what it wrote. The job's folder is removed after.
 */
export async function download(
  params: Params,
  tool: string,
  command: (job: DownloadJob) => { command: string; args: string[] },
): Promise<Outcome> {
  const job = prepareDownload(params, tool);
  try {
    const { command: cmd, args } = command(job);
    const cpuBefore = childrenCpuMs();
    const ms = await timeCommand(cmd, args);
    const cpuAfter = childrenCpuMs();
    const { checksum, files, bytes } = written(job.out);
    if (files !== params.n) throw new Error(`${tool} wrote ${files} files, not ${params.n}`);
    const metrics: Record<string, number> = { wallMs: ms, filesPerS: (files * 1000) / ms, mbPerS: bytes / 1e3 / ms };
    if (cpuBefore !== undefined && cpuAfter !== undefined) metrics.cpuMs = cpuAfter - cpuBefore;
    return { checksum, metrics };
  } finally {
    job.cleanup();
  }
}
