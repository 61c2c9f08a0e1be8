#!/usr/bin/env node
// The `aio` command. Installed, it runs the compiled JavaScript in dist/; inside
// the repo, under the `aio-ts-source` condition that the npm scripts set, the
// `#cli` import resolves to the TypeScript sources instead. Either way it needs
// Node.js 22.19 or newer (undici 8). On an older Node, inside the repo, it re-runs
// itself with the Node pinned in the repo's devDependencies, and the child never
// outlives this process (see the IPC channel below).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import module from "node:module";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
const recentEnough = major > 22 || (major === 22 && minor >= 19);
if (!recentEnough) {
  const pinned = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url));
  if (process.env.AIO_REEXEC !== "1" && existsSync(pinned)) {
    // The IPC channel is the child's lifeline: when this process dies, however it dies (kill -9,
    // a closed terminal, a supervisor), the kernel closes the channel and the child stops as a
    // Ctrl-C stops it, instead of running on as an orphan that a second run would race.
    const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: ["inherit", "inherit", "inherit", "ipc"],
      env: { ...process.env, AIO_REEXEC: "1" },
    });
    // A signal sent to this process alone (kill, a supervisor) must reach the real one;
    // Ctrl-C in a terminal reaches both, and the child decides what it means.
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
      process.on(signal, () => child.kill(signal));
    }
    child.on("exit", (code, signal) => {
      // A child killed by a signal exits as a shell reports it: 128 + the signal's number (130, 143).
      process.exit(code ?? (signal === null ? 1 : 128 + (constants.signals[signal] ?? 0)));
    });
  } else {
    process.stderr.write(`aio needs Node.js 22.19 or newer (this is ${process.version}).\n`);
    process.exit(2);
  }
} else {
  // Node's on-disk compile cache (as npm and yarn use it) keeps the type-stripped
  // and compiled sources between runs: it halves the command's start-up (about
  // 220 ms to 110 ms here). NODE_COMPILE_CACHE chooses the folder, and
  // NODE_DISABLE_COMPILE_CACHE=1 turns it off; a cache that cannot be written is
  // skipped silently.
  if (process.env.AIO_REEXEC === "1" && process.channel !== undefined) {
    // Re-run by an older Node (above): its death closes this channel. Stop as Ctrl-C does (every
    // download cancelled, parts kept with their resume notes, exit 130). The channel must not keep
    // this process alive on its own, hence unref.
    process.once("disconnect", () => process.kill(process.pid, "SIGINT"));
    process.channel.unref();
  }
  module.enableCompileCache?.();
  const { main } = await import("#cli");
  process.exitCode = await main(process.argv.slice(2));
}
