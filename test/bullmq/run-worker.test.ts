// runWorker against a real redis-server: each job an aio task, cancelled on shutdown (after the grace period, its
// job back in the queue for another worker), on a lost lock and on a removed job; handler errors in BullMQ's
// failed set with their stack; retries and backoff; nothing left running once it returns.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CancelledError,
  createTask,
  currentTask,
  Event,
  isCancelledError,
  type LoopReport,
  run,
  sleep,
  type Task,
  TimeoutError,
  timeout,
} from "aio-ts";
import { type JobContext, runWorker, type WorkerEvent } from "aio-ts/bullmq";
import { WaitingError } from "bullmq";
import { Redis } from "ioredis";
import { rejection } from "../helpers.ts";
import { freshQueueName, inspectQueue, redisForFile, runReal } from "./helpers.ts";

const redis = redisForFile();

/** Resolves once `predicate` holds, polling every 20 ms (a hang guard, not a timing check, bounds the test). */
async function until(predicate: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await predicate())) await sleep(20);
}

describe("runWorker", { timeout: 60_000 }, () => {
  test("runs each job as a task named `job <id>` and completes the job with the handler's value", async () => {
    const name = freshQueueName("values");
    await using queue = inspectQueue(name, redis().url);
    await queue.addBulk([
      { name: "double", data: 1 },
      { name: "double", data: 2 },
      { name: "double", data: 3 },
    ]);
    const stop = new AbortController();
    const seen: { id: string | undefined; task: string | undefined; signalIsTasks: boolean }[] = [];
    const summary = await runReal(() =>
      runWorker<number, number>(
        name,
        async (job, ctx) => {
          seen.push({ id: job.id, task: currentTask()?.name, signalIsTasks: ctx.signal === currentTask()?.signal });
          await sleep(1);
          if (seen.length === 3) stop.abort();
          return job.data * 2;
        },
        { connection: redis().url, concurrency: 3, signal: stop.signal },
      ),
    );
    assert.deepEqual(summary, { completed: 3, failed: 0, returned: 0, lost: 0 });
    assert.deepEqual(seen.map((s) => s.task).sort(), ["job 1", "job 2", "job 3"]);
    assert.ok(seen.every((s) => s.signalIsTasks));
    const values = await Promise.all(["1", "2", "3"].map(async (id) => (await queue.getJob(id))?.returnvalue));
    assert.deepEqual(values, [2, 4, 6]);
  });

  test("a job's task is a child of the task that called runWorker, running while the job is active", async () => {
    const name = freshQueueName("child");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("one", {});
    const stop = new AbortController();
    let jobTask: Task<unknown> | undefined;
    let caller: Task<unknown> | undefined;
    await runReal(async () => {
      caller = currentTask();
      return runWorker(
        name,
        async () => {
          jobTask = currentTask();
          assert.notEqual(jobTask, caller);
          assert.equal(await queue.getJobCounts("active").then((c) => c.active), 1);
          stop.abort();
        },
        { connection: redis().url, signal: stop.signal },
      );
    });
    assert.ok(jobTask?.done());
    // What `aio ps` shows as the job task's parent (src/inspect/snapshot.ts reads the same fields).
    const internals = (t: Task<unknown> | undefined) => t as unknown as { _id: number; _parentId: number };
    assert.equal(internals(jobTask)._parentId, internals(caller)._id);
  });

  test("handler errors go to BullMQ's failed set with their message and stack", async () => {
    const name = freshQueueName("errors");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("bad", {}, { jobId: "bad-1" });
    const stop = new AbortController();
    const summary = await runReal(() =>
      runWorker(
        name,
        async function failingHandler() {
          stop.abort();
          await sleep(1);
          throw new RangeError("the page is too large");
        },
        { connection: redis().url, signal: stop.signal },
      ),
    );
    assert.deepEqual(summary, { completed: 0, failed: 1, returned: 0, lost: 0 });
    const job = await queue.getJob("bad-1");
    assert.equal(await job?.getState(), "failed");
    assert.equal(job?.failedReason, "the page is too large");
    assert.match(job?.stacktrace?.[0] ?? "", /RangeError: the page is too large\n\s+at failingHandler/);
  });

  test("a timeout inside the handler stops the work and fails the job with aio's TimeoutError", async () => {
    const name = freshQueueName("timeout");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("slow", {}, { jobId: "slow-1" });
    const stop = new AbortController();
    let inner: unknown;
    let timedOut: unknown;
    let signalAborted = false;
    await runReal(() =>
      runWorker(
        name,
        async (_job, ctx: JobContext) => {
          stop.abort();
          try {
            await timeout(50, async () => {
              try {
                await sleep(60_000);
              } catch (error) {
                inner = error;
                throw error;
              }
            });
          } catch (error) {
            timedOut = error;
            throw error;
          } finally {
            signalAborted = ctx.signal.aborted;
          }
        },
        { connection: redis().url, signal: stop.signal },
      ),
    );
    assert.ok(inner instanceof CancelledError, "the timed-out work saw CancelledError");
    assert.equal(signalAborted, false, "ctx.signal is the task's signal, renewed once the timeout is over");
    const job = await queue.getJob("slow-1");
    assert.equal(await job?.getState(), "failed");
    assert.match(job?.stacktrace?.[0] ?? "", /^TimeoutError/);
    assert.ok(timedOut instanceof TimeoutError);
  });

  test("retries a failing job with the queue's attempts and backoff, then completes it", async () => {
    const name = freshQueueName("retries");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("flaky", {}, { jobId: "flaky-1", attempts: 3, backoff: { type: "fixed", delay: 50 } });
    const stop = new AbortController();
    let runs = 0;
    const summary = await runReal(() =>
      runWorker(
        name,
        async () => {
          runs++;
          if (runs < 3) throw new Error(`failure ${runs}`);
          stop.abort();
          return "third time";
        },
        { connection: redis().url, signal: stop.signal },
      ),
    );
    assert.deepEqual(summary, { completed: 1, failed: 2, returned: 0, lost: 0 });
    const job = await queue.getJob("flaky-1");
    assert.equal(await job?.getState(), "completed");
    assert.equal(job?.returnvalue, "third time");
    assert.equal(job?.attemptsMade, 3);
  });
});

describe("runWorker's onEvent", { timeout: 60_000 }, () => {
  test("an error thrown by onEvent is reported by the loop, and the worker goes on", async () => {
    const name = freshQueueName("on-event");
    await using queue = inspectQueue(name, redis().url);
    await queue.addBulk([
      { name: "a", data: 1, opts: { jobId: "a" } },
      { name: "b", data: 2, opts: { jobId: "b" } },
    ]);
    const stop = new AbortController();
    const reports: LoopReport[] = [];
    let done = 0;
    const summary = await run(
      () =>
        runWorker(
          name,
          () => {
            if (++done === 2) stop.abort();
          },
          {
            connection: redis().url,
            signal: stop.signal,
            onEvent: (event) => {
              if (event.type === "completed") throw new Error(`listener broke on ${event.job?.id}`);
            },
          },
        ),
      { handleSignals: false, exceptionHandler: (report) => reports.push(report) },
    );
    assert.deepEqual(summary, { completed: 2, failed: 0, returned: 0, lost: 0 });
    assert.deepEqual(reports.map((r) => (r.error as Error).message).sort(), [
      "listener broke on a",
      "listener broke on b",
    ]);
    assert.equal(await queue.getCompletedCount(), 2);
  });
});

describe("runWorker's shutdown", { timeout: 60_000 }, () => {
  test("cancels a job that outlives the grace period; the job goes back to the queue and another worker completes it", async () => {
    const name = freshQueueName("handover");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("quick", { kind: "quick" }, { jobId: "quick" });
    await queue.add("sleeper", { kind: "sleep" }, { jobId: "sleeper" });
    const sleeperStarted = new Event();
    let sleeperError: unknown;
    let sleeperSignal: AbortSignal | undefined;
    const events: WorkerEvent["type"][] = [];
    const stopSecond = new AbortController();
    const secondRan: string[] = [];

    const outcome = await runReal(async () => {
      const first = createTask(
        () =>
          runWorker<{ kind: string }, string>(
            name,
            async (job, ctx) => {
              if (job.data.kind === "quick") return "first";
              sleeperSignal = ctx.signal;
              sleeperStarted.set();
              try {
                await sleep(Number.POSITIVE_INFINITY);
              } catch (error) {
                sleeperError = error;
                throw error;
              }
              return "never";
            },
            { connection: redis().url, concurrency: 2, grace: 200, onEvent: (e) => events.push(e.type) },
          ),
        { name: "first worker" },
      );
      await sleeperStarted.wait();
      await until(async () => (await queue.getJobState("quick")) === "completed");
      // The second worker runs alongside: the sleeper is held by the first, so it has nothing to do yet.
      const second = createTask(() =>
        runWorker(
          name,
          async (job) => {
            secondRan.push(job.id ?? "");
            stopSecond.abort();
            return "second";
          },
          { connection: redis().url, signal: stopSecond.signal },
        ),
      );
      first.cancel("shutting down");
      const firstOutcome = await rejection(first);
      const secondSummary = await second;
      return { firstOutcome, secondSummary };
    });

    assert.ok(isCancelledError(outcome.firstOutcome), "runWorker re-throws the cancel once closed");
    assert.ok(isCancelledError(sleeperError), "the sleeping handler was cancelled");
    assert.equal(sleeperSignal?.aborted, true, "ctx.signal aborted");
    assert.deepEqual(
      events.filter((e) => e !== "error"),
      ["active", "active", "completed", "closing", "returned"],
    );
    assert.deepEqual(secondRan, ["sleeper"]);
    assert.deepEqual(outcome.secondSummary, { completed: 1, failed: 0, returned: 0, lost: 0 });
    const sleeper = await queue.getJob("sleeper");
    assert.equal(await sleeper?.getState(), "completed");
    assert.equal(sleeper?.returnvalue, "second");
    assert.equal(sleeper?.attemptsMade, 1, "the returned run used no attempt");
    assert.equal((await queue.getJob("quick"))?.returnvalue, "first");
    assert.equal(await queue.getFailedCount(), 0);
  });

  test("stops taking jobs at once, and lets a running job finish within the grace period", async () => {
    const name = freshQueueName("grace");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("finishing", {}, { jobId: "finishing" });
    const started = new Event();
    const mayFinish = new Event();
    const stop = new AbortController();
    const summary = await runReal(async () => {
      const worker = createTask(() =>
        runWorker(
          name,
          async () => {
            started.set();
            await mayFinish.wait();
            return "finished";
          },
          { connection: redis().url, grace: 30_000, signal: stop.signal },
        ),
      );
      await started.wait();
      stop.abort();
      // Added after the shutdown began: the closing worker must not take it.
      await queue.add("late", {}, { jobId: "late" });
      await sleep(100);
      mayFinish.set();
      return worker;
    });
    assert.deepEqual(summary, { completed: 1, failed: 0, returned: 0, lost: 0 });
    assert.equal(await queue.getJobState("finishing"), "completed");
    assert.equal(await queue.getJobState("late"), "waiting");
  });

  test("ctx.closing turns true when the shutdown begins; a job that gives itself back is counted as returned", async () => {
    const name = freshQueueName("closing");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("steps", { steps: 3 }, { jobId: "steps" });
    const started = new Event();
    const mayGoOn = new Event();
    const stop = new AbortController();
    const seen: boolean[] = [];
    const summary = await runReal(async () => {
      const worker = createTask(() =>
        runWorker<{ steps: number }>(
          name,
          async (job, ctx) => {
            for (let step = 0; step < job.data.steps; step++) {
              seen.push(ctx.closing);
              if (ctx.closing) {
                // Between two steps: back to the queue, with what is left, long before the grace period ends.
                await job.moveToWait(ctx.token);
                throw new WaitingError();
              }
              started.set();
              await mayGoOn.wait();
            }
            return "all steps";
          },
          { connection: redis().url, grace: 3_600_000, signal: stop.signal },
        ),
      );
      await started.wait();
      stop.abort();
      await sleep(50);
      mayGoOn.set();
      return worker;
    });
    assert.deepEqual(seen, [false, true]);
    assert.deepEqual(summary, { completed: 0, failed: 0, returned: 1, lost: 0 });
    assert.equal(await queue.getJobState("steps"), "waiting");
  });

  test("a second cancel ends the grace period at once", async () => {
    const name = freshQueueName("second-cancel");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("long", {}, { jobId: "long" });
    const started = new Event();
    const outcome = await runReal(async () => {
      const worker = createTask(() =>
        runWorker(
          name,
          async () => {
            started.set();
            await sleep(Number.POSITIVE_INFINITY);
          },
          { connection: redis().url, grace: 3_600_000 },
        ),
      );
      await started.wait();
      worker.cancel();
      await sleep(50);
      worker.cancel();
      return rejection(worker);
    });
    assert.ok(isCancelledError(outcome));
    assert.equal(await queue.getJobState("long"), "waiting");
  });
});

describe("a shutdown that cannot return a job", { timeout: 60_000 }, () => {
  test("leaves the job active for the stalled check, and never fails it", async () => {
    const name = freshQueueName("unreturnable");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("held", {}, { jobId: "held" });
    const client = new Redis(redis().url);
    const stop = new AbortController();
    const events: string[] = [];
    try {
      const summary = await runReal(() =>
        runWorker(
          name,
          async (job) => {
            // The lock disappears (it expired unnoticed) just before the shutdown; the next renewal is 15 s away.
            await client.del(`bull:${name}:${job.id}:lock`);
            stop.abort();
            await sleep(Number.POSITIVE_INFINITY);
          },
          { connection: redis().url, grace: 0, signal: stop.signal, onEvent: (e) => events.push(e.type) },
        ),
      );
      assert.deepEqual(summary, { completed: 0, failed: 0, returned: 0, lost: 1 });
      assert.deepEqual(events, ["active", "closing", "lost", "error"]);
      assert.equal(await queue.getJobState("held"), "active");
      assert.equal(await queue.getFailedCount(), 0);
    } finally {
      client.disconnect();
    }
  });
});

describe("a job's task is cancelled when the job is no longer this worker's", { timeout: 60_000 }, () => {
  async function lose(
    name: string,
    takeAway: (id: string) => Promise<void>,
  ): Promise<{ summary: unknown; handlerError: unknown; signalAborted: boolean }> {
    const stop = new AbortController();
    let handlerError: unknown;
    let signalAborted = false;
    const summary = await runReal(() =>
      runWorker(
        name,
        async (job, ctx) => {
          const away = takeAway(job.id ?? "");
          try {
            await sleep(Number.POSITIVE_INFINITY);
          } catch (error) {
            handlerError = error;
            signalAborted = ctx.signal.aborted;
            await away;
            stop.abort();
            throw error;
          }
        },
        // Lock renewal every 250 ms (BullMQ renews at a quarter of lockDuration).
        { connection: redis().url, lockDuration: 1000, signal: stop.signal },
      ),
    );
    return { summary, handlerError, signalAborted };
  }

  test("its lock was lost (another worker's stalled check took it): the task is cancelled and the job left alone", async () => {
    const name = freshQueueName("lost-lock");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("held", {}, { jobId: "held" });
    const client = new Redis(redis().url);
    try {
      const outcome = await lose(name, async (id) => {
        // What another worker's stalled check sees once this worker's lock expired.
        await client.del(`bull:${name}:${id}:lock`);
      });
      assert.ok(isCancelledError(outcome.handlerError));
      assert.equal(outcome.signalAborted, true);
      assert.deepEqual(outcome.summary, { completed: 0, failed: 0, returned: 0, lost: 1 });
      // Neither completed nor failed by this worker: the stalled check moves it back to wait.
      assert.equal(await queue.getFailedCount(), 0);
      assert.equal(await queue.getCompletedCount(), 0);
    } finally {
      client.disconnect();
    }
  });

  test("the job was removed while running (queue.obliterate({ force: true })): the task is cancelled", async () => {
    const name = freshQueueName("obliterated");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("doomed", {}, { jobId: "doomed" });
    const outcome = await lose(name, async () => {
      await queue.obliterate({ force: true });
    });
    assert.ok(isCancelledError(outcome.handlerError));
    assert.equal(outcome.signalAborted, true);
    assert.deepEqual(outcome.summary, { completed: 0, failed: 0, returned: 0, lost: 1 });
    assert.equal(await queue.getJob("doomed"), undefined);
  });

  test("BullMQ 6 refuses job.remove() on a job a worker holds: the task runs on", async () => {
    const name = freshQueueName("remove-active");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("kept", {}, { jobId: "kept" });
    const stop = new AbortController();
    let removal: unknown;
    const summary = await runReal(() =>
      runWorker(
        name,
        async (job) => {
          removal = await rejection(job.remove());
          stop.abort();
          return "still mine";
        },
        { connection: redis().url, signal: stop.signal },
      ),
    );
    assert.match(String(removal), /locked/);
    assert.deepEqual(summary, { completed: 1, failed: 0, returned: 0, lost: 0 });
  });
});
