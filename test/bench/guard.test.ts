// A relative guard, not a benchmark: aio's spawn + join must stay within a generous factor of
// raw Promise.all in the same process, to catch an accidental O(n²). Speed is measured in bench/.
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import { createTask, gather, run, type Task } from "aio-ts";

const N = 20_000;
const ROUNDS = 5;
const MAX_RATIO = 15;
const ready = Promise.resolve();

async function work(i: number): Promise<number> {
  await ready;
  return i;
}

async function raw(): Promise<number> {
  const t0 = performance.now();
  const promises = new Array<Promise<number>>(N);
  for (let i = 0; i < N; i++) promises[i] = work(i);
  const results = await Promise.all(promises);
  assert.equal(results[N - 1], N - 1);
  return performance.now() - t0;
}

function aio(): Promise<number> {
  return run(
    async () => {
      const t0 = performance.now();
      const tasks = new Array<Task<number>>(N);
      for (let i = 0; i < N; i++) tasks[i] = createTask(() => work(i));
      const results = await gather(tasks);
      assert.equal(results[N - 1], N - 1);
      return performance.now() - t0;
    },
    { handleSignals: false },
  );
}

test(`spawn + join of ${N} tasks stays within ${MAX_RATIO}x of raw Promise.all`, async () => {
  await raw(); // warm both paths up
  await aio();
  let bestRaw = Number.POSITIVE_INFINITY;
  let bestAio = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) {
    bestRaw = Math.min(bestRaw, await raw());
    bestAio = Math.min(bestAio, await aio());
  }
  const ratio = bestAio / bestRaw;
  assert.ok(
    ratio <= MAX_RATIO,
    `aio took ${bestAio.toFixed(1)} ms, raw ${bestRaw.toFixed(1)} ms: ${ratio.toFixed(1)}x (limit ${MAX_RATIO}x)`,
  );
});
