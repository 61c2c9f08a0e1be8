#!/usr/bin/env node
// The `aio` command. It runs aio's TypeScript sources directly, which needs a
// Node.js that strips types (22.18+, 23.6+, 24+). On an older Node it re-runs
// itself with the Node pinned in the repo's devDependencies, if installed.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const stripsTypes = process.features.typescript !== undefined && process.features.typescript !== false;
if (!stripsTypes) {
  const pinned = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url));
  if (process.env.AIO_REEXEC !== "1" && existsSync(pinned)) {
    const result = spawnSync(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: "inherit",
      env: { ...process.env, AIO_REEXEC: "1" },
    });
    process.exit(result.status ?? (result.signal === "SIGINT" ? 130 : 1));
  }
  process.stderr.write(
    `aio needs Node.js 22.18 or newer (this is ${process.version}); run it with npx inside the repo.\n`,
  );
  process.exit(2);
}
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
