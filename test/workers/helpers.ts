// Shared by the tests of aio/workers: a pool on the fixture module, and a
// way to wait for what the worker threads report through shared memory.
import { ensureFuture } from "aio-ts";
import { WorkerPool, type WorkerPoolOptions } from "aio-ts/workers";
import type * as jobs from "./fixtures/jobs.ts";
import { GATE } from "./fixtures/jobs.ts";

export const JOBS = new URL("./fixtures/jobs.ts", import.meta.url);

export type Jobs = typeof jobs;

/** A pool on the fixture module, typed by it. */
export function jobsPool(options: Omit<WorkerPoolOptions, "filename"> = {}): WorkerPool<Jobs> {
  return new WorkerPool<Jobs>({ filename: JOBS, ...options });
}

/** Memory shared with the jobs `spin` and `hold` (slots: STARTED, RUNNING, MAX_RUNNING, GATE). */
export function sharedState(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
}

/** Waits until slot `index` reaches `value`; cancellable at once (the wait goes through `ensureFuture`). */
export async function until(state: Int32Array, index: number, value: number): Promise<void> {
  for (let seen = Atomics.load(state, index); seen < value; seen = Atomics.load(state, index)) {
    const wait = Atomics.waitAsync(state, index, seen);
    if (wait.async) await ensureFuture(wait.value);
  }
}

/** Lets every `hold` job, waiting or to come, return. */
export function openGate(state: Int32Array): void {
  Atomics.store(state, GATE, 1);
  Atomics.notify(state, GATE);
}
