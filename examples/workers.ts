// CPU-bound work on worker threads, asyncio's `run_in_executor` with a
// process pool, except that a timeout really stops a job that is running.
//
//   async def main():
//       loop = asyncio.get_running_loop()
//       with ProcessPoolExecutor() as pool:
//           counts = await asyncio.gather(
//               *(loop.run_in_executor(pool, count_primes, n) for n in LIMITS))
//           ...
//           await asyncio.wait_for(loop.run_in_executor(pool, count_primes, 10**12), 1)
//           # TimeoutError, but the job runs on, and the `with` waits for it
//
// The functions live in their own module (examples/primes.ts), which each
// worker thread imports; the pool names it by file. Here the last job would
// take days: `waitFor` gives up after 1 s, terminates the thread running it,
// and the program exits then.
//
// Run it: node examples/workers.ts
import { gather, run, TimeoutError, waitFor } from "aio-ts";
import { WorkerPool } from "aio-ts/workers";

const LIMITS = [100_000, 200_000, 300_000, 400_000];

await run(async () => {
  await using pool = new WorkerPool<typeof import("./primes.ts")>({
    filename: new URL("./primes.ts", import.meta.url),
  });
  // One job per limit, side by side on the pool's threads (one per CPU core).
  const counts = await gather(...LIMITS.map((limit) => pool.run("countPrimes", limit)));
  for (const [i, limit] of LIMITS.entries()) console.log(`${counts[i]} primes below ${limit}`);

  try {
    // A function, so the job runs as a child task: waitFor returns once it is cancelled and cleaned up.
    await waitFor(() => pool.run("countPrimes", 1e12), 1000);
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    console.log("Gave up on the primes below 10^12 after 1 second: its thread was stopped");
  }
  const { completed, cancelled } = pool.statistics();
  console.log(`${completed} jobs completed, ${cancelled} cancelled`);
});
