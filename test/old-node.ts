// A Node.js older than aio-ts's floor (22.19), for the tests of what such a
// Node does: the one-line refusal of the library and the command, and the
// command's re-run under the repo's pinned Node. This machine's own Node is
// such a one (v20); the repo's pinned Nodes are newer and are passed over.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../", import.meta.url));

/** The first `node` on the PATH, outside the repo, older than 22.19; undefined if there is none. */
export function olderNode(): string | undefined {
  for (const folder of (process.env.PATH ?? "").split(":")) {
    if (folder === "" || folder.startsWith(REPO)) continue;
    const candidate = join(folder, "node");
    const ran = spawnSync(candidate, ["-p", "process.versions.node"], { encoding: "utf8" });
    if (ran.status !== 0) continue;
    const [major = 0, minor = 0] = ran.stdout.trim().split(".").map(Number);
    if (major < 22 || (major === 22 && minor < 19)) return candidate;
  }
  return undefined;
}
