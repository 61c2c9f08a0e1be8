// examples/bullmq-worker.ts run as a user runs it, against a real redis-server of the test's own, its output
// compared line for line.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { startRedis } from "../redis.ts";

test("examples/bullmq-worker.ts runs its jobs as tasks and fails the slow one with TimeoutError", {
  timeout: 60_000,
}, async () => {
  await using redis = await startRedis();
  const file = fileURLToPath(new URL("../../examples/bullmq-worker.ts", import.meta.url));
  const child = spawn(process.execPath, [file], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, REDIS_URL: redis.url },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, "close")) as [number | null];
  assert.equal(code, 0, stderr);
  assert.equal(stderr, "");
  assert.deepEqual(stdout.trimEnd().split("\n"), [
    "3² = 9",
    "4² = 16",
    "5² = 25",
    "job slow failed: TimeoutError: timeout() timed out after 100 ms",
    "completed 3, failed 1, returned to the queue 0",
  ]);
});
