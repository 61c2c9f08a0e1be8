// What the numbers were measured on.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  v8: string;
  python: string | undefined;
  loadAverage: number[];
  date: string;
  packages: Record<string, string>;
  /** The aio commit measured, with "+ uncommitted changes in src/" when the tree is dirty. */
  aio: string;
}

function cpuModel(): string {
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const line = info.split("\n").find((l) => l.startsWith("model name"));
    if (line !== undefined) return line.split(":").slice(1).join(":").trim();
  } catch {
    // not Linux: fall through
  }
  return os.cpus()[0]?.model ?? "unknown";
}

/** `python3 --version`, or undefined if there is no python3. */
export function pythonVersion(): string | undefined {
  const r = spawnSync("python3", ["--version"], { encoding: "utf8" });
  if (r.error !== undefined || r.status !== 0) return undefined;
  return `${r.stdout}${r.stderr}`.trim().replace(/^Python /, "");
}

/** Where a Python module can be imported from: its interpreter and the module's `__version__`. */
export interface PythonModule {
  python: string;
  version: string;
}

const pythonModules = new Map<string, PythonModule>();

/**
 * The first of `python3` on the PATH and Debian's `/usr/bin/python3` that imports `module` (Debian's
 * python3-aiohttp installs for the latter, which need not be the PATH's), or undefined. Successes are cached.
 */
export function pythonWith(module: string): PythonModule | undefined {
  const known = pythonModules.get(module);
  if (known !== undefined) return known;
  for (const python of ["python3", "/usr/bin/python3"]) {
    const code = `import ${module}; print(getattr(${module}, "__version__", "unknown"))`;
    const r = spawnSync(python, ["-c", code], { encoding: "utf8" });
    if (r.error === undefined && r.status === 0) {
      const found = { python, version: r.stdout.trim() };
      pythonModules.set(module, found);
      return found;
    }
  }
  return undefined;
}

/** The first version number `command --version` prints (`curl 7.88.1 ...` gives 7.88.1), or undefined if it does not run. */
export function commandVersion(command: string): string | undefined {
  const r = spawnSync(command, ["--version"], { encoding: "utf8" });
  if (r.error !== undefined || r.status !== 0) return undefined;
  return /\d+(\.\d+)+/.exec(r.stdout)?.[0] ?? "unknown";
}

function packageVersion(name: string): string {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  } catch {
    return "missing";
  }
}

function aioRevision(): string {
  const cwd = fileURLToPath(new URL("../..", import.meta.url));
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd, encoding: "utf8" });
  if (head.status !== 0) return "unknown";
  const dirty = spawnSync("git", ["status", "--porcelain", "--", "src"], { cwd, encoding: "utf8" });
  return `${head.stdout.trim()}${dirty.stdout.trim() !== "" ? " + uncommitted changes in src/" : ""}`;
}

/** The load averages (1, 5, 15 min), rounded. */
export function loadAverage(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

export function machine(): Machine {
  const packages: Record<string, string> = {};
  for (const name of ["p-limit", "p-map", "p-timeout", "async-mutex", "effect", "effection", "undici", "got"])
    packages[name] = packageVersion(name);
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    python: pythonVersion(),
    loadAverage: loadAverage(),
    date: new Date().toISOString(),
    packages,
    aio: aioRevision(),
  };
}
