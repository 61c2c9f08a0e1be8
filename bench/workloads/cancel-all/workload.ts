import { impl } from "../../lib/define.ts";
import { atMost } from "../../lib/targets.ts";
import type { WorkloadDef } from "../../lib/types.ts";

const here = import.meta.url;

export const cancelAll: WorkloadDef = {
  id: "cancel-all",
  number: "4",
  title: "cancel-all",
  description:
    "N tasks blocked in a 1 h sleep, each with a `finally` that adds to the checksum. Headline: from the first " +
    "cancel to every `finally` having run, per task. Setup (start all and let them block) is shown apart.",
  metrics: [
    { key: "cancelNsPerTask", label: "cancel ns/task", unit: "ns/task" },
    { key: "setupNsPerTask", label: "setup ns/task", unit: "ns/task" },
  ],
  baseline: "raw-clear-timeout",
  params: { n: 100_000, seed: 1, sleepMs: 3_600_000 },
  quickParams: { n: 10_000, seed: 1, sleepMs: 3_600_000 },
  warmup: true,
  impls: [
    impl(here, "raw-clear-timeout.ts", { id: "raw-clear-timeout", label: "raw clearTimeout + reject", anchor: 3573 }),
    impl(here, "raw-abort-controller.ts", {
      id: "raw-abort-controller",
      label: "raw AbortController per task",
      anchor: 13_840,
    }),
    impl(here, "aio-gather.ts", { id: "aio-gather", label: "aio task.cancel() + gather", aio: true }),
    impl(here, "aio-task-group.ts", { id: "aio-task-group", label: "aio taskGroup tg.cancel()", aio: true }),
    impl(here, "effect.ts", { id: "effect", label: "Effect Fiber.interruptAll", anchor: 3015 }),
    impl(here, "effection.ts", { id: "effection", label: "Effection halt parent task" }),
    impl(here, "py.py", { id: "py", label: "Python asyncio cancel + gather", anchor: 10_041 }),
  ],
  targets: [
    atMost("aio task.cancel() + gather: at most 2,000 ns/task", "aio-gather", "cancelNsPerTask", 2000, "ns/task"),
    atMost("aio taskGroup tg.cancel(): at most 2,000 ns/task", "aio-task-group", "cancelNsPerTask", 2000, "ns/task"),
  ],
};
