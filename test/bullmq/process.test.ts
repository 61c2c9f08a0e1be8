// aio-ts/bullmq in processes of their own: a worker leaves nothing behind (the process ends by itself once
// runWorker returns), and a worker sent SIGTERM returns its running job to the queue within its grace period,
// exits 143, and another worker finishes the job.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { runWorker } from "aio-ts/bullmq";
import { freshQueueName, inspectQueue, redisForFile, runReal } from "./helpers.ts";

const redis = redisForFile();
const FIXTURE = fileURLToPath(new URL("../fixtures/bullmq-worker.ts", import.meta.url));
const AIO = fileURLToPath(new URL("../../bin/aio.js", import.meta.url));

/** Runs `aio ARGS` to its end, as a user would. */
async function aio(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [AIO, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const [code] = (await once(child, "close")) as [number | null];
  return { code, stdout, stderr };
}

/** Starts the fixture worker; `lines` fills as it prints, `exited` settles with its exit code and signal. */
function startWorker(queue: string, ...args: string[]) {
  const child = spawn(process.execPath, [FIXTURE, queue, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, REDIS_URL: redis().url },
  });
  const lines: string[] = [];
  let stderr = "";
  let pending = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (pending + chunk).split("\n");
    pending = parts.pop() ?? "";
    lines.push(...parts);
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = once(child, "close").then(([code, signal]) => ({ code, signal, stderr: () => stderr }));
  const printed = async (line: string): Promise<void> => {
    while (!lines.includes(line)) {
      if (child.exitCode !== null) throw new Error(`the worker exited before printing ${line}:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { child, lines, exited, printed };
}

describe("a worker process", { timeout: 60_000 }, () => {
  test("ends by itself once runWorker returns: no connection, timer or task is left", async () => {
    const name = freshQueueName("exits");
    await using queue = inspectQueue(name, redis().url);
    await queue.addBulk([
      { name: "quick", data: {}, opts: { jobId: "a" } },
      { name: "quick", data: {}, opts: { jobId: "b" } },
    ]);
    const worker = startWorker(name, "stop-after=2");
    const { code, signal, stderr } = await worker.exited;
    assert.equal(code, 0, stderr());
    assert.equal(signal, null);
    assert.equal(stderr(), "");
    assert.deepEqual(JSON.parse(worker.lines.at(-1) ?? ""), { completed: 2, failed: 0, returned: 0, lost: 0 });
  });

  test("sent SIGTERM, returns its running job to the queue, exits 143, and another worker finishes the job", async () => {
    const name = freshQueueName("sigterm");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("sleeper", {}, { jobId: "sleeper" });
    const first = startWorker(name, "sleep");
    await first.printed("started sleeper");
    // process.kill rather than child.kill: Deno's child_process reports a child it signalled itself as killed by
    // the signal, even when the child caught it and exited 143 (docs/runtimes.md).
    process.kill(first.child.pid ?? 0, "SIGTERM");
    const ended = await first.exited;
    assert.equal(ended.code, 143, ended.stderr());
    assert.deepEqual(first.lines, ["started sleeper", "cancelled sleeper"]);
    const job = await queue.getJob("sleeper");
    assert.equal(await job?.getState(), "waiting");
    assert.equal(job?.attemptsMade, 0, "no attempt used");
    assert.equal(await queue.getFailedCount(), 0);

    const second = startWorker(name, "stop-after=1");
    const { code, stderr } = await second.exited;
    assert.equal(code, 0, stderr());
    assert.deepEqual(second.lines, [
      "started sleeper",
      JSON.stringify({ completed: 1, failed: 0, returned: 0, lost: 0 }),
    ]);
    const finished = await queue.getJob("sleeper");
    assert.equal(await finished?.getState(), "completed");
    assert.equal(finished?.returnvalue, "done sleeper");
    assert.equal(finished?.attemptsMade, 1);
  });

  test("killed with SIGKILL, loses nothing: once its lock expires, another worker's stalled check takes the job", async () => {
    const name = freshQueueName("sigkill");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("sleeper", {}, { jobId: "sleeper" });
    // BullMQ runs the stalled check at most once per stalledInterval across the queue (a key with that expiry), the
    // interval of whichever worker ran it last: the dead worker's, as the survivor's, is 200 ms here.
    const first = startWorker(name, "sleep", "lock=1", "stalled=200");
    await first.printed("started sleeper");
    first.child.kill("SIGKILL");
    assert.equal((await first.exited).signal, "SIGKILL");
    assert.equal(await queue.getJobState("sleeper"), "active", "held by a dead worker");

    const stop = new AbortController();
    const summary = await runReal(() =>
      runWorker(
        name,
        (job) => {
          stop.abort();
          return `rescued ${job.id}`;
        },
        // The job's 1 s lock expires, and a stalled check moves it back to wait.
        { connection: redis().url, signal: stop.signal, bullmq: { stalledInterval: 200 } },
      ),
    );
    assert.deepEqual(summary, { completed: 1, failed: 0, returned: 0, lost: 0 });
    const job = await queue.getJob("sleeper");
    assert.equal(await job?.getState(), "completed");
    assert.equal(job?.returnvalue, "rescued sleeper");
  });

  test("aio pstree shows each running job as a task under the one that called runWorker", async () => {
    const name = freshQueueName("pstree");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("sleeper", {}, { jobId: "sleeper" });
    const worker = startWorker(name, "sleep");
    try {
      await worker.printed("started sleeper");
      const { code, stdout, stderr } = await aio("pstree", String(worker.child.pid));
      assert.equal(code, 0, stderr);
      const tree = stdout.split("\n").slice(1).join("\n");
      assert.match(
        tree,
        new RegExp(
          `└── main #\\d+ · runWorker \\(BullMQ queue "${name}", concurrency 2\\)\n    └── job sleeper #\\d+ · sleep forever`,
        ),
      );
    } finally {
      process.kill(worker.child.pid ?? 0, "SIGTERM");
      await worker.exited;
    }
  });
});
