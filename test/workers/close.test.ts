// Closing a pool: close() finishes the jobs under way, terminate() stops
// them, and a process whose pool is closed, or merely idle, exits.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { CancelledError, createTask, run, sleep } from "aio-ts";
import { WorkerError } from "aio-ts/workers";
import { rejection } from "../helpers.ts";
import { STARTED } from "./fixtures/jobs.ts";
import { jobsPool, openGate, sharedState, until } from "./helpers.ts";

const options = { timeout: 30_000 };

function isClosed(error: unknown): boolean {
  return error instanceof WorkerError && error.code === "ERR_AIO_WORKER_POOL_CLOSED";
}

describe("closing a WorkerPool", options, () => {
  test("close() refuses new jobs, lets queued and running ones finish, then stops every thread", async () => {
    await run(async () => {
      const pool = jobsPool({ maxThreads: 1 });
      const state = sharedState();
      const running = createTask(() => pool.run("hold", state));
      await until(state, STARTED, 1);
      const queued = createTask(() => pool.run("add", 1, 2));
      await sleep(0);
      const closing = createTask(() => pool.close());
      await sleep(0);
      assert.equal(pool.statistics().state, "closing");
      const refused = await rejection(pool.run("add", 1, 1));
      assert.ok(isClosed(refused));
      assert.match(
        (refused as Error).message,
        /^Cannot run `add`: <WorkerPool jobs\.ts closing, 1 running, 1 queued> is closed$/,
      );

      openGate(state);
      await closing;
      assert.equal(typeof (await running), "number");
      assert.equal(await queued, 3);
      const stats = pool.statistics();
      assert.deepEqual([stats.state, stats.threads, stats.completed], ["closed", 0, 2]);
      await pool.close(); // again: nothing to do
      assert.ok(isClosed(await rejection(pool.run("add", 1, 1))));
    });
  });

  test("await using closes the pool at the end of the block", async () => {
    const pool = jobsPool({ maxThreads: 2 });
    {
      await using scoped = pool;
      assert.equal(await scoped.run("add", 2, 2), 4);
      assert.equal(scoped.statistics().threads, 1);
    }
    assert.deepEqual([pool.statistics().state, pool.statistics().threads], ["closed", 0]);
  });

  test("terminate() stops queued and running jobs with WorkerError, and every thread", async () => {
    await run(async () => {
      const pool = jobsPool({ maxThreads: 1 });
      const state = sharedState();
      const spinning = createTask(() => pool.run("spin", state));
      await until(state, STARTED, 1);
      const queued = createTask(() => pool.run("add", 1, 2));
      await sleep(0);
      await pool.terminate();
      assert.ok(isClosed(await rejection(spinning)));
      assert.ok(isClosed(await rejection(queued)));
      assert.match(String(await rejection(pool.run("add", 1, 1))), /is terminated$/);
      assert.deepEqual([pool.statistics().state, pool.statistics().threads], ["closed", 0]);
    });
  });

  test("a cancelled close() terminates the pool before it throws CancelledError", async () => {
    await run(async () => {
      const pool = jobsPool({ maxThreads: 1 });
      const state = sharedState();
      const spinning = createTask(() => pool.run("spin", state)); // would keep close() waiting forever
      await until(state, STARTED, 1);
      const closing = createTask(() => pool.close());
      await sleep(0);
      closing.cancel();
      assert.ok((await rejection(closing)) instanceof CancelledError);
      assert.ok(isClosed(await rejection(spinning)));
      assert.deepEqual([pool.statistics().state, pool.statistics().threads], ["closed", 0]);
    });
  });
});

describe("process exit", options, () => {
  const script = fileURLToPath(new URL("./fixtures/exits.ts", import.meta.url));

  async function runScript(mode: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [script, mode], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    const [code] = (await once(child, "exit")) as [number | null];
    return { code, stdout, stderr };
  }

  test("a program whose pool was closed exits, after cancelling a busy loop", async () => {
    const { code, stdout, stderr } = await runScript("close");
    assert.equal(stderr, "");
    assert.equal(stdout, "sum 5\ncancelled true\nclosing\ndone\n");
    assert.equal(code, 0);
  });

  test("a program that leaves its pool open exits too: idle threads do not keep Node alive", async () => {
    const { code, stdout, stderr } = await runScript("open");
    assert.equal(stderr, "");
    assert.match(stdout, /^sum 5\ncancelled true\nthreads \d\ndone\n$/);
    assert.equal(code, 0);
  });
});
