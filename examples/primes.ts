// The worker module of examples/workers.ts: plain functions, exported, that a
// WorkerPool runs on its threads. It imports nothing from aio; it runs in a
// worker thread, away from the event loop.

/** How many primes are below `limit`, by trial division: slow on purpose, all CPU. */
export function countPrimes(limit: number): number {
  let count = 0;
  for (let n = 2; n < limit; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}
