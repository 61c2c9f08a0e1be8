// `aio fetch` through the queue: W worker processes (`--worker -o OUT -j parallel --per-host perHost`) on one
// output folder, the list put on the queue with `--enqueue -i LIST --wait`, which then waits until it is drained.
// Timed: from the workers' spawn to that command's exit (start-up, enqueue and the drain check included); then the workers are stopped
// (SIGTERM), outside the clock. The Redis commands per file are counted from `INFO commandstats` before and after.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { prepareDownload, timeCommand, written } from "../../lib/download.ts";
import type { Outcome, Params } from "../../lib/types.ts";
import { clock } from "../../lib/work.ts";

const aioBin = fileURLToPath(new URL("../../../bin/aio.js", import.meta.url));

/**
 * From `INFO commandstats`: every command's calls (Redis counts the commands a script runs too), and the calls of
 * EVALSHA alone (each a script sent by a client: BullMQ's moves of a job, aio fetch's report line).
 */
async function commandCalls(client: Redis): Promise<{ all: number; scripts: number }> {
  const info = await client.info("commandstats");
  let all = 0;
  for (const m of info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) all += Number(m[1]);
  const scripts = Number(/^cmdstat_evalsha:calls=(\d+)/m.exec(info)?.[1] ?? 0);
  return { all, scripts };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("close", () => resolve()));
}

export async function fleet(params: Params, workers: number): Promise<Outcome> {
  const job = prepareDownload(params, `fleet-${workers}`);
  const redisUrl = String(params.redis);
  const client = new Redis(redisUrl);
  const children: ChildProcess[] = [];
  try {
    await client.flushall(); // a fresh queue every run: the same job ids would otherwise be "already there"
    const before = await commandCalls(client);
    const queue = ["--queue", redisUrl, "--queue-name", "bench"];
    const run = (args: string[]): Promise<number> =>
      timeCommand(process.execPath, [aioBin, "fetch", ...queue, ...args]);
    const t0 = clock();
    for (let i = 0; i < workers; i++) {
      const worker = ["--worker", "-o", job.out, "-j", String(params.parallel), "--per-host", String(params.perHost)];
      children.push(spawn(process.execPath, [aioBin, "fetch", ...queue, ...worker, "--quiet"], { stdio: "ignore" }));
    }
    // One command enqueues, then waits for the drain (polling every 250 ms), as a user's script would.
    await run(["--enqueue", "-i", job.list, "--wait"]);
    const ms = clock() - t0;
    // Counted before the workers stop: what a file costs, not what a shutdown costs (`INFO` itself is one call).
    const after = await commandCalls(client);
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map(exited));
    const { checksum, files, bytes } = written(job.out);
    if (files !== params.n) throw new Error(`the fleet wrote ${files} files, not ${params.n}`);
    return {
      checksum,
      metrics: {
        wallMs: ms,
        filesPerS: (files * 1000) / ms,
        mbPerS: bytes / 1e3 / ms,
        redisCallsPerFile: (after.all - before.all - 1) / files,
        scriptsPerFile: (after.scripts - before.scripts) / files,
      },
    };
  } finally {
    for (const child of children) child.kill("SIGKILL");
    client.disconnect();
    job.cleanup();
  }
}
