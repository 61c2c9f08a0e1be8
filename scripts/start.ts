// `npm start`: runs the seed lesson's programs from examples/, one after the
// other, each in its own process (the way a user runs them), under a heading.
// Exits non-zero if any of them fails.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";

interface Example {
  /** File name in examples/, without `.ts`. */
  name: string;
  /** What it shows, for the heading. */
  shows: string;
}

/** In the lesson's order. To add one, write examples/<name>.ts and list it here. */
const EXAMPLES: readonly Example[] = [
  { name: "breakfast", shows: "gather" },
  { name: "emails", shows: "createTask" },
  { name: "timeout", shows: "waitFor" },
  // A ClientSession fetching /get, /ip and /uuid from the embedded `aio serve` server.
  { name: "download", shows: "ClientSession + gather" },
];

/** Runs one example with this very Node (the repo's pinned one under npm), streaming its output. */
async function runExample(example: Example): Promise<number> {
  const file = fileURLToPath(new URL(`../examples/${example.name}.ts`, import.meta.url));
  const child = spawn(process.execPath, [file], { stdio: "inherit" });
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  // Killed by a signal: report it the way a shell would (SIGINT is 130).
  if (signal !== null) return 128 + constants.signals[signal];
  return code ?? 1;
}

// Ctrl-C reaches the running example too (same process group): let it clean
// up and exit, then stop here instead of starting the next one.
let interrupted = false;
process.on("SIGINT", () => {
  interrupted = true;
});

const failed: string[] = [];
for (const [i, example] of EXAMPLES.entries()) {
  if (i > 0) console.log();
  console.log(`== ${example.name} (${example.shows}) ==`);
  const code = await runExample(example);
  if (interrupted) process.exit(130);
  if (code !== 0) {
    console.error(`examples/${example.name}.ts exited with code ${code}`);
    failed.push(example.name);
  }
}
if (failed.length > 0) {
  console.error(`\n${failed.length} of ${EXAMPLES.length} examples failed: ${failed.join(", ")}`);
  process.exitCode = 1;
}
