// ctx.signal reaches what the handler hands it (a fetch to a server that never answers stops on shutdown);
// enqueue's job ids, attempts and backoff; the rate limiter in seconds.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createTask, Event, isCancelledError, sleep } from "aio-ts";
import { enqueue, runWorker } from "aio-ts/bullmq";
import { serve } from "aio-ts/testing";
import { rejection } from "../helpers.ts";
import { freshQueueName, inspectQueue, redisForFile, runReal } from "./helpers.ts";

const redis = redisForFile();

describe("ctx.signal", { timeout: 60_000 }, () => {
  test("stops a fetch to a server that never answers when the worker shuts down, and the job goes back", async () => {
    await using server = await serve({ quiet: true });
    const name = freshQueueName("fetch");
    await using queue = inspectQueue(name, redis().url);
    await queue.add("page", { url: `${server.url}/get?fault=stall` }, { jobId: "page" });
    const fetching = new Event();
    let fetchError: unknown;
    const outcome = await runReal(async () => {
      const worker = createTask(() =>
        runWorker<{ url: string }, string>(
          name,
          async (job, ctx) => {
            const request = fetch(job.data.url, { signal: ctx.signal });
            fetching.set();
            try {
              return await (await request).text();
            } catch (error) {
              fetchError = error;
              throw error;
            }
          },
          { connection: redis().url, grace: 0 },
        ),
      );
      await fetching.wait();
      await sleep(50); // the request is on its way
      worker.cancel();
      return rejection(worker);
    });
    assert.ok(isCancelledError(outcome));
    // fetch rejects with the signal's reason: the task's CancelledError, so the task ends cancelled, not failed.
    assert.ok(isCancelledError(fetchError), String(fetchError));
    const job = await queue.getJob("page");
    assert.equal(await job?.getState(), "waiting");
    assert.equal(job?.attemptsMade, 0);
  });
});

describe("enqueue", { timeout: 60_000 }, () => {
  test("adds jobs in order and returns their ids; a job id already in the queue is not added twice", async () => {
    const name = freshQueueName("enqueue");
    await using queue = inspectQueue(name, redis().url);
    const jobs = [
      { name: "page", data: { n: 1 }, opts: { jobId: "one" } },
      { name: "page", data: { n: 2 }, opts: { jobId: "two" } },
    ];
    const ids = await runReal(async () => {
      const first = await enqueue(name, jobs, { connection: redis().url });
      const again = await enqueue(name, jobs, { connection: redis().url });
      return { first, again };
    });
    assert.deepEqual(ids, { first: ["one", "two"], again: ["one", "two"] });
    assert.equal(await queue.getWaitingCount(), 2);
    assert.deepEqual((await queue.getJob("two"))?.data, { n: 2 });
  });

  test("adds a list longer than one batch, every job once, in order", async () => {
    const name = freshQueueName("enqueue-many");
    await using queue = inspectQueue(name, redis().url);
    const jobs = Array.from({ length: 2500 }, (_, i) => ({ name: "n", data: i, opts: { jobId: `n${i}` } }));
    const ids = await runReal(() => enqueue(name, jobs, { connection: redis().url }));
    assert.deepEqual(
      ids,
      jobs.map((job) => job.opts.jobId),
    );
    assert.equal(await queue.getWaitingCount(), 2500);
  });

  test("attempts and backoff (in seconds) apply to each job, a job's own opts win", async () => {
    const name = freshQueueName("enqueue-retries");
    await using queue = inspectQueue(name, redis().url);
    await runReal(() =>
      enqueue(
        name,
        [
          { name: "a", data: 1, opts: { jobId: "a" } },
          { name: "b", data: 2, opts: { jobId: "b", attempts: 5 } },
        ],
        { connection: redis().url, attempts: 3, backoff: { type: "exponential", delay: 0.25 } },
      ),
    );
    const a = await queue.getJob("a");
    const b = await queue.getJob("b");
    assert.equal(a?.opts.attempts, 3);
    assert.deepEqual(a?.opts.backoff, { type: "exponential", delay: 250 });
    assert.equal(b?.opts.attempts, 5);
  });

  test("a failing job is retried after its backoff until it succeeds", async () => {
    const name = freshQueueName("enqueue-backoff");
    await using queue = inspectQueue(name, redis().url);
    const stop = new AbortController();
    let runs = 0;
    const summary = await runReal(async () => {
      await enqueue(name, [{ name: "flaky", data: 0, opts: { jobId: "flaky" } }], {
        connection: redis().url,
        attempts: 2,
        backoff: 0.2,
      });
      return runWorker(
        name,
        () => {
          runs++;
          if (runs === 1) throw new Error("first run fails");
          stop.abort();
          return "ok";
        },
        { connection: redis().url, signal: stop.signal },
      );
    });
    assert.deepEqual(summary, { completed: 1, failed: 1, returned: 0, lost: 0 });
    const job = await queue.getJob("flaky");
    assert.equal(await job?.getState(), "completed");
    // BullMQ's timestamps: the retry started no earlier than the 200 ms backoff after the failure.
    assert.ok((job?.processedOn ?? 0) - (job?.timestamp ?? 0) >= 200);
  });
});

describe("the rate limiter", { timeout: 60_000 }, () => {
  test("limiter.duration is in seconds: at most `max` jobs start per window", async () => {
    const name = freshQueueName("limiter");
    await using queue = inspectQueue(name, redis().url);
    await queue.addBulk([0, 1, 2].map((n) => ({ name: "tick", data: n, opts: { jobId: `t${n}` } })));
    const stop = new AbortController();
    const started: number[] = [];
    await runReal(() =>
      runWorker(
        name,
        () => {
          started.push(Date.now());
          if (started.length === 3) stop.abort();
        },
        { connection: redis().url, concurrency: 3, limiter: { max: 1, duration: 0.3 }, signal: stop.signal },
      ),
    );
    // Lower bounds only: a busy machine can stretch the gaps, never shrink them below the window.
    assert.ok((started[1] ?? 0) - (started[0] ?? 0) >= 250, `${started}`);
    assert.ok((started[2] ?? 0) - (started[1] ?? 0) >= 250, `${started}`);
  });
});
