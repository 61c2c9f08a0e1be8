import { impl } from "../../lib/define.ts";
import { ahead, atMost } from "../../lib/targets.ts";
import type { WorkloadDef } from "../../lib/types.ts";

const here = import.meta.url;

/** Linear: N costs 4x what N/4 costs; a little more is noise (GC, a busy core), quadratic would be 16x. */
const LINEAR = 5;

export const contention: WorkloadDef = {
  id: "contention",
  number: "7",
  title: "lock contention",
  description:
    "N tasks started at once contend for one lock (or a semaphore of 1 permit); each acquires it, reads a shared " +
    "total, awaits once (an already-resolved promise; Python `sleep(0)`), writes the total plus its number, and " +
    "releases, so an overlap would lose an update and change the checksum. Each process runs N/4 tasks, then N: " +
    "the growth column is time(N) ÷ time(N/4), 4 when the cost is linear, 16 when quadratic. aio, Effect and " +
    "Python columns start a task (fiber) per contender; raw and async-mutex columns an async function call.",
  metrics: [
    { key: "nsPerTask", label: "ns/task at N", unit: "ns/task" },
    { key: "msQuarter", label: "time at N/4", unit: "ms", digits: 1 },
    { key: "msFull", label: "time at N", unit: "ms", digits: 1 },
    { key: "growth", label: "growth N/4 → N (linear: 4)", unit: "", digits: 2 },
  ],
  baseline: "raw",
  params: { n: 20_000, seed: 1 },
  quickParams: { n: 4_000, seed: 1 },
  warmup: true,
  impls: [
    impl(here, "raw.ts", { id: "raw", label: "hand-written promise-chain mutex" }),
    impl(here, "aio-lock.ts", { id: "aio-lock", label: "aio Lock acquire/release", aio: true }),
    impl(here, "aio-lock-hold.ts", { id: "aio-lock-hold", label: "aio Lock await using hold()", aio: true }),
    impl(here, "aio-semaphore.ts", { id: "aio-semaphore", label: "aio Semaphore(1) acquire/release", aio: true }),
    impl(here, "async-mutex-mutex.ts", { id: "async-mutex", label: "async-mutex Mutex runExclusive" }),
    impl(here, "async-mutex-semaphore.ts", {
      id: "async-mutex-semaphore",
      label: "async-mutex Semaphore(1) runExclusive",
    }),
    impl(here, "effect.ts", { id: "effect", label: "Effect Semaphore.make(1) withPermits(1)" }),
    impl(here, "py-lock.py", { id: "py-lock", label: "Python asyncio.Lock" }),
    impl(here, "py-semaphore.py", { id: "py-semaphore", label: "Python asyncio.Semaphore(1)" }),
  ],
  targets: [
    atMost(
      `aio Lock: linear (growth N/4 → N at most ${LINEAR})`,
      "aio-lock",
      "growth",
      LINEAR,
      "(time N ÷ time N/4)",
      2,
    ),
    atMost(
      `aio Semaphore(1): linear (growth N/4 → N at most ${LINEAR})`,
      "aio-semaphore",
      "growth",
      LINEAR,
      "(time N ÷ time N/4)",
      2,
    ),
    ahead("aio Lock: ahead of async-mutex's Mutex", "aio-lock", "async-mutex", "nsPerTask", 1),
    ahead(
      "aio Semaphore(1): ahead of async-mutex's Semaphore(1)",
      "aio-semaphore",
      "async-mutex-semaphore",
      "nsPerTask",
      1,
    ),
  ],
};
