// Debian packages the bench installs for itself when a comparator is missing (curl, aria2, python3-aiohttp).
import { spawnSync } from "node:child_process";

const APT_TIMEOUT_MS = 5 * 60_000;

function apt(args: string[]): { ok: boolean; output: string } {
  const r = spawnSync("apt-get", args, {
    encoding: "utf8",
    timeout: APT_TIMEOUT_MS,
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return { ok: r.error === undefined && r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
}

/**
 * Makes `present()` true by installing Debian `packages` if it is not already: only as root and where
 * apt-get exists, `apt-get install -y`, and once more after `apt-get update` if that failed (no package
 * lists yet). Returns undefined when `present()` holds in the end, else why not, for the column's note.
 */
export function ensureDebianPackages(packages: readonly string[], present: () => boolean): string | undefined {
  if (present()) return undefined;
  const hint = `not installed (apt-get install -y ${packages.join(" ")})`;
  if (process.platform !== "linux" || process.getuid?.() !== 0) return hint;
  if (spawnSync("apt-get", ["--version"]).status !== 0) return hint;
  process.stderr.write(`  installing ${packages.join(", ")} with apt-get...\n`);
  let r = apt(["install", "-y", "-q", ...packages]);
  if (!r.ok) {
    apt(["update", "-q"]);
    r = apt(["install", "-y", "-q", ...packages]);
  }
  if (present()) return undefined;
  const last = r.output.split("\n").at(-1) ?? "";
  return `${hint}: apt-get failed${last === "" ? "" : `: ${last}`}`;
}
