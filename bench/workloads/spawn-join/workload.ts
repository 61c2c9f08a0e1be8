import { impl } from "../../lib/define.ts";
import { ahead, atMost, withinOfBaseline } from "../../lib/targets.ts";
import type { WorkloadDef } from "../../lib/types.ts";

const here = import.meta.url;

export const spawnJoin: WorkloadDef = {
  id: "spawn-join",
  number: "1",
  title: "spawn + join",
  description:
    "N tasks that each await once and return a number, all joined. JavaScript tasks await an already-resolved " +
    "promise; Python tasks `await asyncio.sleep(0)` (awaiting a done future does not suspend in Python).",
  metrics: [{ key: "nsPerTask", label: "ns/task", unit: "ns/task" }],
  baseline: "raw",
  params: { n: 100_000, seed: 1 },
  quickParams: { n: 10_000, seed: 1 },
  warmup: true,
  impls: [
    impl(here, "raw.ts", { id: "raw", label: "raw Promise.all", anchor: 267 }),
    impl(here, "raw-als.ts", {
      id: "raw-als",
      label: "raw + AsyncLocalStorage.run",
      anchor: 761,
      note: "reference point, not a library: the least an ambient current task costs",
    }),
    impl(here, "aio-gather.ts", { id: "aio-gather", label: "aio createTask + gather", aio: true }),
    impl(here, "aio-task-group.ts", { id: "aio-task-group", label: "aio taskGroup", aio: true }),
    impl(here, "effect-fork-join.ts", {
      id: "effect-fork-join",
      label: "Effect forkChild + Fiber.joinAll",
      anchor: 4664,
    }),
    impl(here, "effect-for-each.ts", { id: "effect-for-each", label: 'Effect forEach (concurrency "unbounded")' }),
    impl(here, "effection.ts", { id: "effection", label: "Effection spawn + join", anchor: 63_251 }),
    impl(here, "py-gather.py", { id: "py-gather", label: "Python asyncio create_task + gather", anchor: 12_970 }),
    impl(here, "py-task-group.py", { id: "py-task-group", label: "Python asyncio TaskGroup" }),
  ],
  targets: [
    atMost("aio createTask + gather: at most 1,000 ns/task", "aio-gather", "nsPerTask", 1000, "ns/task"),
    withinOfBaseline("aio createTask + gather: within 4x of raw Promise.all", "aio-gather", 4),
    ahead("aio createTask + gather: 13x faster than Python asyncio gather", "aio-gather", "py-gather", "nsPerTask", 13),
    ahead(
      "aio createTask + gather: 4.5x faster than Effect fork + join",
      "aio-gather",
      "effect-fork-join",
      "nsPerTask",
      4.5,
    ),
    atMost("aio taskGroup: at most 1,000 ns/task", "aio-task-group", "nsPerTask", 1000, "ns/task"),
  ],
};
