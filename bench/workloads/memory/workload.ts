import { impl } from "../../lib/define.ts";
import { atMost } from "../../lib/targets.ts";
import type { WorkloadDef } from "../../lib/types.ts";

const here = import.meta.url;

export const memory: WorkloadDef = {
  id: "memory",
  number: "8",
  title: "memory per pending task",
  description:
    "Heap bytes per task with N tasks blocked in a 1 h sleep: heap used after a full GC (`--expose-gc`), minus " +
    "the same before the tasks were created, over N. Includes the array that holds the N handles. Python: " +
    "tracemalloc's traced bytes after gc.collect().",
  metrics: [{ key: "bytesPerTask", label: "bytes/task", unit: "B/task" }],
  baseline: "raw-pending",
  params: { n: 100_000, seed: 1, sleepMs: 3_600_000 },
  quickParams: { n: 10_000, seed: 1, sleepMs: 3_600_000 },
  warmup: false,
  exposeGc: true,
  impls: [
    impl(here, "raw-pending.ts", {
      id: "raw-pending",
      label: "raw async fn, awaiting a never-settling promise",
      anchor: 400,
      note: "the floor: no timer at all",
    }),
    impl(here, "raw-sleep.ts", { id: "raw-sleep", label: "raw async fn in timers/promises setTimeout" }),
    impl(here, "aio.ts", { id: "aio", label: "aio createTask + sleep", aio: true }),
    impl(here, "effect.ts", { id: "effect", label: "Effect forkChild + Effect.sleep", anchor: 1195 }),
    impl(here, "effection.ts", { id: "effection", label: "Effection spawn + sleep", anchor: 11_012 }),
    impl(here, "py.py", { id: "py", label: "Python asyncio create_task + sleep", anchor: 820 }),
  ],
  targets: [atMost("aio: at most 800 bytes per pending task", "aio", "bytesPerTask", 800, "B/task")],
};
