// A project outside the repo that installs aio-ts from its packed tarball, as
// a user's project does: the helpers of test/package/consumers.test.ts.
//
// The install is offline. aio-ts's own dependencies (undici, piscina) and the
// types a TypeScript project has (@types/node) are packed from this repo's
// node_modules, so the consumer gets the very versions the lockfile pins,
// without the registry. What is under test is only aio-ts's tarball: it is
// made by `npm pack`, which runs `prepare` (the build), as publishing does.
import { type SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** The runtimes the repo installs for its tests (devDependencies; Node 22 from tools/node22). */
export const RUNTIMES = {
  // Not process.execPath: this file also runs under Bun and Deno (npm run test:bun, test:deno).
  node24: join(REPO, "node_modules/node/bin/node"),
  node22: join(REPO, "tools/node22/node_modules/node/bin/node"),
  bun: join(REPO, "node_modules/bun/bin/bun.exe"),
  deno: join(REPO, "node_modules/deno/deno"),
} as const;

/** What a command printed, and how it ended. */
export interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Variables of the repo's own runs: the source condition on each runtime, test tuning, npm's INIT_CWD. */
const REPO_ONLY = new Set(["NODE_OPTIONS", "BUN_OPTIONS", "DENO_CONDITIONS", "AIO_TEST_REAL_IDLE", "INIT_CWD"]);

/**
 * The environment of a user's shell: without the repo's source condition (which,
 * inside node_modules, would point Node at TypeScript it refuses to strip) and
 * nor its counterparts for Bun and Deno, and without the npm_* variables of the `npm test` this runs under. The PATH leads
 * with the folder of `node` so that `#!/usr/bin/env node` finds it.
 */
export function userEnv(node: string = RUNTIMES.node24): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (REPO_ONLY.has(key) || key.toLowerCase().startsWith("npm_")) continue;
    env[key] = value;
  }
  // Deno's child_process puts its own DENO_CONDITIONS back into a child's environment unless it is set.
  env.DENO_CONDITIONS = "";
  env.PATH = `${dirname(node)}:${process.env.PATH ?? ""}`;
  env.NO_COLOR = "1";
  return env;
}

/** Runs a command to its end (at most `timeoutMs`, then it is killed and the result says so). */
export function runIn(
  cwd: string,
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Ran {
  const result: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd,
    env: options.env ?? userEnv(),
    encoding: "utf8",
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error !== undefined && (result.error as NodeJS.ErrnoException).code !== "ETIMEDOUT") throw result.error;
  return { status: result.status, signal: result.signal, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** Runs a command to its end without blocking this process (which may be serving it). */
export async function runInBackground(cwd: string, command: string, args: readonly string[]): Promise<Ran> {
  const child = spawn(command, args, { cwd, env: userEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const [status, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  return { status, signal, stdout, stderr };
}

/** Throws with everything it printed unless the command exited 0. */
export function mustSucceed(ran: Ran, what: string): Ran {
  if (ran.status !== 0) {
    throw new Error(`${what}: exit ${ran.status} (${ran.signal ?? "no signal"})\n${ran.stdout}\n${ran.stderr}`);
  }
  return ran;
}

/** Packs a folder into `into` (without its lifecycle scripts) and returns the tarball's path. */
function pack(folder: string, into: string, scripts: boolean): string {
  const args = ["pack", "--pack-destination", into, "--silent", ...(scripts ? [] : ["--ignore-scripts"]), folder];
  const ran = mustSucceed(runIn(REPO, "npm", args, { env: userEnv() }), `npm pack ${folder}`);
  const name = ran.stdout.trim().split("\n").at(-1) ?? "";
  return join(into, name);
}

/** A consumer project with the tarball installed, removed by `[Symbol.dispose]`. */
export interface ConsumerProject {
  /** The project's folder, in the system's temporary folder (never inside the repo). */
  dir: string;
  /** The packed aio-ts tarball. */
  tarball: string;
  /** Writes a file of the project (folders made as needed). */
  write(relative: string, text: string): void;
  [Symbol.dispose](): void;
}

/** Packs aio-ts, makes a fresh ESM project in the temporary folder, and installs the tarball offline. */
export function makeConsumerProject(): ConsumerProject {
  const root = mkdtempSync(join(tmpdir(), "aio-ts-consumer-"));
  const tarballs = join(root, "tarballs");
  const dir = join(root, "project");
  mkdirSync(tarballs);
  mkdirSync(dir);
  const tarball = pack(REPO, tarballs, true);
  for (const dependency of ["undici", "piscina", "@types/node", "undici-types"]) {
    pack(join(REPO, "node_modules", dependency), tarballs, false);
  }
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`,
  );
  const all = readdirSync(tarballs).map((name) => join(tarballs, name));
  mustSucceed(
    runIn(dir, "npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", ...all]),
    "npm install of the tarball",
  );
  return {
    dir,
    tarball,
    write(relative, text) {
      const path = join(dir, relative);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    },
    [Symbol.dispose]: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The folders of `names` and of everything they depend on (optional dependencies left out), in the repo's node_modules. */
function dependencyClosure(names: readonly string[]): string[] {
  const found = new Set<string>();
  const resolve = (name: string, from: string): string => {
    // Node's lookup: the nearest node_modules/<name> up from the dependent package.
    for (let dir = from; ; dir = dirname(dir)) {
      const candidate = join(dir, "node_modules", name);
      if (existsSync(join(candidate, "package.json"))) return candidate;
      if (dir === REPO || dir === dirname(dir)) throw new Error(`${name} (needed by ${from}) is not installed`);
    }
  };
  const walk = (name: string, from: string): void => {
    const dir = resolve(name, from);
    if (found.has(dir)) return;
    found.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) walk(dependency, dir);
  };
  for (const name of names) walk(name, REPO);
  return [...found];
}

/**
 * Installs `names` (such as the optional peers bullmq and ioredis) into the project, offline: each is packed from
 * the repo's node_modules with its dependencies, so the project gets the versions the lockfile pins.
 */
export function installFromRepo(project: ConsumerProject, names: readonly string[]): void {
  const into = mkdtempSync(join(tmpdir(), "aio-ts-peers-"));
  try {
    const tarballs = dependencyClosure(names).map((dir) => pack(dir, into, false));
    mustSucceed(
      runIn(project.dir, "npm", [
        "install",
        "--offline",
        "--omit=optional",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        ...tarballs,
      ]),
      `npm install ${names.join(" ")}`,
    );
  } finally {
    rmSync(into, { recursive: true, force: true });
  }
}
