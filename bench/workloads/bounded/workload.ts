import { impl } from "../../lib/define.ts";
import { ahead } from "../../lib/targets.ts";
import type { WorkloadDef } from "../../lib/types.ts";

const here = import.meta.url;

export const bounded: WorkloadDef = {
  id: "bounded",
  number: "2",
  title: "bounded concurrency",
  description:
    "N operations (each awaits once and returns a number), at most `concurrency` = 100 in flight, results in " +
    "input order. Semaphore columns start a task per item up front (N tasks, all but 100 waiting for a permit); " +
    "`map`, p-map, Effect and the worker columns run 100 workers over the items.",
  metrics: [{ key: "nsPerTask", label: "ns/task", unit: "ns/task" }],
  baseline: "raw-pool",
  params: { n: 100_000, seed: 1, concurrency: 100 },
  quickParams: { n: 20_000, seed: 1, concurrency: 100 },
  warmup: true,
  impls: [
    impl(here, "raw-pool.ts", { id: "raw-pool", label: "raw worker pool (Promise.all)" }),
    impl(here, "aio-map.ts", { id: "aio-map", label: "aio map { concurrency }", aio: true }),
    impl(here, "aio-semaphore.ts", {
      id: "aio-semaphore",
      label: "aio Semaphore + gather, await using hold()",
      aio: true,
    }),
    impl(here, "aio-semaphore-acquire.ts", {
      id: "aio-semaphore-acquire",
      label: "aio Semaphore + gather, acquire/release",
      aio: true,
    }),
    impl(here, "p-map.ts", { id: "p-map", label: "p-map", anchor: 605 }),
    impl(here, "p-limit.ts", { id: "p-limit", label: "p-limit + Promise.all", anchor: 2893 }),
    impl(here, "effect.ts", { id: "effect", label: "Effect forEach { concurrency }" }),
    impl(here, "py-semaphore.py", { id: "py-semaphore", label: "Python asyncio Semaphore + gather" }),
    impl(here, "py-workers.py", { id: "py-workers", label: "Python asyncio worker tasks + gather" }),
  ],
  targets: [
    ahead("aio map: as fast as p-map or faster", "aio-map", "p-map", "nsPerTask", 1),
    ahead("aio map: 5x faster than p-limit", "aio-map", "p-limit", "nsPerTask", 5),
    ahead("aio Semaphore + gather (hold()): as fast as p-map or faster", "aio-semaphore", "p-map", "nsPerTask", 1),
    ahead("aio Semaphore + gather (hold()): 5x faster than p-limit", "aio-semaphore", "p-limit", "nsPerTask", 5),
  ],
};
