// Cancelling jobs: by task.cancel(), waitFor, timeout and TaskGroup. The job
// `spin` is a busy loop that never ends: each of these tests finishing at all
// shows that its thread was stopped, not waited for.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CancelledError,
  createTask,
  ExceptionGroup,
  now,
  run,
  sleep,
  TimeoutError,
  taskGroup,
  timeout,
  waitFor,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";
import { STARTED } from "./fixtures/jobs.ts";
import { jobsPool, openGate, sharedState, until } from "./helpers.ts";

const options = { timeout: 30_000 };

describe("cancelling a job", options, () => {
  test("a running CPU-bound job stops at once: CancelledError, its thread terminated, the pool goes on", async () => {
    await run(async () => {
      await using pool = jobsPool({ maxThreads: 1 });
      const state = sharedState();
      const job = createTask(() => pool.run("spin", state));
      await until(state, STARTED, 1);
      assert.equal(pool.statistics().running, 1);
      assert.equal(pool.statistics().threads, 1);

      job.cancel("enough");
      const error = await rejection(job);
      assert.ok(error instanceof CancelledError); // not piscina's AbortError
      assert.equal(error.message, "enough");
      const stats = pool.statistics();
      assert.equal(stats.running, 0);
      assert.equal(stats.cancelled, 1);
      assert.equal(stats.threads, 0); // the spinning thread was terminated, not kept

      assert.equal(await pool.run("add", 1, 2), 3); // on a fresh thread
    });
  });

  test("a queued job is dropped: it never runs, and the next one takes its place", async () => {
    await run(async () => {
      await using pool = jobsPool({ maxThreads: 1 });
      const state = sharedState();
      const first = createTask(() => pool.run("hold", state));
      try {
        await until(state, STARTED, 1);
        const queued = createTask(() => pool.run("hold", state));
        const last = createTask(() => pool.run("add", 2, 2));
        await sleep(0); // let both tasks start and queue
        assert.equal(pool.statistics().queued, 2);

        queued.cancel();
        assert.ok((await rejection(queued)) instanceof CancelledError);
        assert.equal(pool.statistics().queued, 1);
        openGate(state);
        assert.equal(await last, 4);
      } finally {
        openGate(state); // never leave a thread held: close() would wait for it
      }
      await first;
      assert.equal(Atomics.load(state, STARTED), 1); // the cancelled job never started
      assert.equal(pool.statistics().cancelled, 1);
    });
  });

  test("waitFor around a running job stops it and throws TimeoutError", async () => {
    await run(async () => {
      await using pool = jobsPool({ maxThreads: 1 });
      const state = sharedState();
      const job = createTask(() => pool.run("spin", state));
      await until(state, STARTED, 1);
      const error = await rejection(waitFor(job, 0));
      assert.ok(error instanceof TimeoutError);
      assert.ok(error.cause instanceof CancelledError);
      assert.ok(job.cancelled());
      assert.deepEqual([pool.statistics().running, pool.statistics().threads], [0, 0]);
      assert.equal(await pool.run("add", 3, 4), 7);
    });
  });

  test("waitFor on the job's promise, on a VirtualClock: TimeoutError at the deadline, the job gone", async () => {
    await runVirtual(async () => {
      await using pool = jobsPool({ maxThreads: 1 });
      const state = sharedState();
      const start = now();
      const error = await rejection(waitFor(pool.run("spin", state), 60_000));
      assert.ok(error instanceof TimeoutError);
      assert.equal(now() - start, 60_000); // virtual time: the test takes no minute
      const stats = pool.statistics();
      assert.deepEqual([stats.running, stats.queued, stats.cancelled], [0, 0, 1]);
      assert.equal(await pool.run("add", 1, 1), 2);
    });
  });

  test("timeout() around a running job stops it and throws TimeoutError", async () => {
    await run(async () => {
      await using pool = jobsPool({ maxThreads: 1 });
      const state = sharedState();
      const error = await rejection(
        timeout(null, async (scope) => {
          const job = pool.run("spin", state); // inline: it runs in this task, under the scope
          job.catch(() => {});
          await until(state, STARTED, 1);
          scope.reschedule(now()); // expire now, while the job is surely running
          await job;
        }),
      );
      assert.ok(error instanceof TimeoutError);
      assert.deepEqual([pool.statistics().running, pool.statistics().threads], [0, 0]);
      assert.equal(await pool.run("add", 5, 5), 10);
    });
  });

  test("a failing child of a TaskGroup cancels its sibling jobs", async () => {
    await run(async () => {
      await using pool = jobsPool({ maxThreads: 3 });
      const state = sharedState();
      const error = await rejection(
        taskGroup(async (tg) => {
          tg.createTask(() => pool.run("spin", state));
          tg.createTask(() => pool.run("spin", state));
          tg.createTask(async () => {
            await until(state, STARTED, 2);
            await pool.run("failType"); // the worker's error fails the group
          });
        }),
      );
      assert.ok(error instanceof ExceptionGroup);
      assert.equal(error.errors.length, 1);
      assert.ok(error.errors[0] instanceof TypeError);
      assert.equal((error.errors[0] as Error).message, "not a number");
      const stats = pool.statistics();
      assert.deepEqual([stats.running, stats.cancelled, stats.completed], [0, 2, 1]);
      assert.equal(await pool.run("add", 1, 2), 3);
    });
  });

  test("cancelling the caller of many inline jobs stops all of them", async () => {
    await run(async () => {
      await using pool = jobsPool({ maxThreads: 2 });
      const state = sharedState();
      const caller = createTask(async () => {
        const jobs = Array.from({ length: 12 }, () => pool.run("spin", state));
        for (const job of jobs) job.catch(() => {});
        await Promise.all(jobs);
      });
      await until(state, STARTED, 2);
      assert.deepEqual([pool.statistics().running, pool.statistics().queued], [2, 10]);
      caller.cancel();
      assert.ok((await rejection(caller)) instanceof CancelledError);
      const stats = pool.statistics();
      assert.deepEqual([stats.running, stats.queued, stats.cancelled], [0, 0, 12]);
      assert.equal(Atomics.load(state, STARTED), 2);
    });
  });
});
