import { impl } from "../../lib/define.ts";
import { ahead } from "../../lib/targets.ts";
import type { WorkloadDef } from "../../lib/types.ts";

const here = import.meta.url;

export const bounded: WorkloadDef = {
  id: "bounded",
  number: "2",
  title: "bounded concurrency",
  description:
    "N operations (each awaits once and returns a number), at most `concurrency` in flight. aio has no " +
    "Semaphore or `map` yet: its column is `concurrency` worker tasks pulling from a shared index, gathered.",
  metrics: [{ key: "nsPerTask", label: "ns/task", unit: "ns/task" }],
  baseline: "raw-pool",
  params: { n: 100_000, seed: 1, concurrency: 100 },
  quickParams: { n: 20_000, seed: 1, concurrency: 100 },
  warmup: true,
  impls: [
    impl(here, "raw-pool.ts", { id: "raw-pool", label: "raw worker pool (Promise.all)" }),
    impl(here, "aio-workers.ts", { id: "aio-workers", label: "aio worker tasks + gather", aio: true }),
    impl(here, "p-map.ts", { id: "p-map", label: "p-map", anchor: 605 }),
    impl(here, "p-limit.ts", { id: "p-limit", label: "p-limit + Promise.all", anchor: 2893 }),
    impl(here, "effect.ts", { id: "effect", label: "Effect forEach { concurrency }" }),
    impl(here, "py-semaphore.py", { id: "py-semaphore", label: "Python asyncio Semaphore + gather" }),
    impl(here, "py-workers.py", { id: "py-workers", label: "Python asyncio worker tasks + gather" }),
  ],
  targets: [
    ahead(
      "aio (worker tasks until Semaphore/map land): as fast as p-map or faster",
      "aio-workers",
      "p-map",
      "nsPerTask",
      1,
    ),
    ahead(
      "aio (worker tasks until Semaphore/map land): 5x faster than p-limit",
      "aio-workers",
      "p-limit",
      "nsPerTask",
      5,
    ),
  ],
};
