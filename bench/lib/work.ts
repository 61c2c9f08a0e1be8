// The work every JavaScript implementation shares, so that all columns do the same thing.
import { performance } from "node:perf_hooks";
import type { Outcome } from "./types.ts";

/** What each task awaits "once": an already-resolved promise (one trip through the microtask queue). */
export const ready: Promise<void> = Promise.resolve();

/** The number task `i` returns; the checksum is their sum. Python's twin is in work.py. */
export function mix(i: number): number {
  return (i * 7919) % 10007;
}

/** The bytes the HTTP workloads' server sends: byte `i` of every body is `mix(i) & 255`. */
export function pattern(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = mix(i) & 255;
  return out;
}

/**
 * A body's share of an HTTP checksum: its length plus three of its bytes (first, middle, last), so that a
 * short, empty or wrong body changes the sum while reading it stays cheap. Python's twin is in work.py.
 */
export function bodySum(body: Uint8Array): number {
  const n = body.length;
  return n === 0 ? 0 : n + (body[0] as number) + (body[n >> 1] as number) + (body[n - 1] as number);
}

/**
 * The HTTP workloads' metrics for n requests of `size` bytes between two `clock()` readings: µs per request
 * (the headline: lower is better, as everywhere in the tables), requests per second, and MB/s (10^6 bytes).
 */
export function httpMetrics(t0: number, t1: number, n: number, size: number): Record<string, number> {
  const seconds = (t1 - t0) / 1000;
  return { usPerRequest: ((t1 - t0) * 1000) / n, requestsPerS: n / seconds, mbPerS: (n * size) / 1e6 / seconds };
}

/** Monotonic milliseconds. */
export function clock(): number {
  return performance.now();
}

/** Nanoseconds per item between two `clock()` readings. */
export function nsPer(t0: number, t1: number, n: number): number {
  return ((t1 - t0) * 1e6) / n;
}

/** One macrotask: by then every task started before it has reached its first real wait. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Delays of 1-50 ms from a 32-bit LCG; the same sequence as work.py's. */
export function delays(n: number, seed: number): Int32Array {
  const out = new Int32Array(n);
  let state = seed >>> 0;
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = 1 + ((state >>> 16) % 50);
  }
  return out;
}

/** A full garbage collection, when the process runs with --expose-gc. */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g !== undefined) {
    g();
    g();
  }
}

/** Heap bytes in use after a full collection. */
export function heapAfterGc(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** The p-th percentile (0-100) of values, nearest-rank. */
export function percentile(values: Float64Array, p: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/**
 * Deadline-order violations: pairs of wake-ups k < m (k woke first) whose
 * deadlines were surely the other way round, `lo[k] > hi[m] + tolerance`.
 * A deadline is known only within [lo, hi] (clock read just before and just
 * after the sleep was scheduled; a GC pause can fall in between). O(n log n):
 * a bottom-up merge sort of `lo` and of `hi` over the same segments.
 */
export function countInversions(lo: Float64Array, hi: Float64Array, tolerance = 0): number {
  const n = lo.length;
  let x = Float64Array.from(lo);
  let y = Float64Array.from(hi);
  let x2 = new Float64Array(n);
  let y2 = new Float64Array(n);
  let count = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let start = 0; start < n; start += 2 * width) {
      const mid = Math.min(start + width, n);
      const end = Math.min(start + 2 * width, n);
      // x[start, mid) and y[mid, end) are sorted: for each right y, the left x above it.
      let i = start;
      for (let j = mid; j < end; j++) {
        const bound = (y[j] as number) + tolerance;
        while (i < mid && (x[i] as number) <= bound) i++;
        count += mid - i;
      }
      merge(x, x2, start, mid, end);
      merge(y, y2, start, mid, end);
    }
    [x, x2] = [x2, x];
    [y, y2] = [y2, y];
  }
  return count;
}

function merge(a: Float64Array, out: Float64Array, start: number, mid: number, end: number): void {
  let p = start;
  let q = mid;
  let k = start;
  while (p < mid && q < end) out[k++] = (a[p] as number) <= (a[q] as number) ? (a[p++] as number) : (a[q++] as number);
  while (p < mid) out[k++] = a[p++] as number;
  while (q < end) out[k++] = a[q++] as number;
}

/**
 * Summarises one timer run. `lo[i]`/`hi[i]`: task i's deadline, from the
 * clock read before/after it scheduled its sleep; lateness is measured from
 * `lo` (the caller's intent). `order`: task ids in the order they woke.
 */
export function timerMetrics(
  lo: Float64Array,
  hi: Float64Array,
  woke: Float64Array,
  order: Int32Array,
  wallMs: number,
): Record<string, number> {
  const n = lo.length;
  const late = new Float64Array(n);
  let early = 0;
  for (let i = 0; i < n; i++) {
    late[i] = (woke[i] as number) - (lo[i] as number);
    if ((woke[i] as number) < (lo[i] as number)) early++;
  }
  const los = new Float64Array(n);
  const his = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    los[k] = lo[order[k] as number] as number;
    his[k] = hi[order[k] as number] as number;
  }
  return {
    wallMs,
    p50LateMs: percentile(late, 50),
    p99LateMs: percentile(late, 99),
    maxLateMs: percentile(late, 100),
    early,
    inversions: countInversions(los, his, 0),
    inversions1ms: countInversions(los, his, 1),
  };
}

/**
 * The timers workload's probe, shared by the columns whose sleep returns a promise: `one(i)` sleeps task i's
 * delay with `sleep`, recording its deadline bracket, wake time and wake order; `metrics(wallMs)` summarises
 * them (`timerMetrics`). `checksum()` adds up each woken task's delay and `mix(i)`.
 */
export function timerProbe(n: number, seed: number, sleep: (ms: number) => Promise<unknown>) {
  const ds = delays(n, seed);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const woke = new Float64Array(n);
  const order = new Int32Array(n);
  let k = 0;
  let checksum = 0;
  return {
    async one(i: number): Promise<void> {
      const d = ds[i] as number;
      lo[i] = clock() + d;
      const slept = sleep(d);
      hi[i] = clock() + d;
      await slept;
      woke[i] = clock();
      order[k++] = i;
      checksum += d + mix(i);
    },
    checksum: (): number => checksum,
    metrics: (wallMs: number): Record<string, number> => timerMetrics(lo, hi, woke, order, wallMs),
  };
}

/**
 * Contention workloads: runs `round(size)` at N/4 and then at N in this process, timing each, and
 * reports ns per task at N (the headline), both times, and their ratio (4 when the cost is linear).
 * `round` returns its checksum; the outcome's is the sum of both.
 */
export async function twoSizes(n: number, round: (size: number) => Promise<number>): Promise<Outcome> {
  const small = Math.floor(n / 4);
  const t0 = clock();
  const smallSum = await round(small);
  const t1 = clock();
  const sum = await round(n);
  const t2 = clock();
  return {
    checksum: smallSum + sum,
    metrics: { nsPerTask: nsPer(t1, t2, n), msQuarter: t1 - t0, msFull: t2 - t1, growth: (t2 - t1) / (t1 - t0) },
  };
}
