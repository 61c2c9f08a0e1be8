import { impl } from "../../lib/define.ts";
import { ahead, worstAtMost } from "../../lib/targets.ts";
import type { WorkloadDef } from "../../lib/types.ts";

const here = import.meta.url;

export const timers: WorkloadDef = {
  id: "timers",
  number: "3",
  title: "timers",
  description:
    "N concurrent sleeps of 1-50 ms (integer delays from a seeded LCG, the same in every column). Wall time from " +
    "the first sleep scheduled to the last wake; lateness = wake time minus (clock before scheduling + delay); " +
    "inversions = pairs that woke in the opposite order of their deadlines (beyond the clock readings that " +
    "bracket each deadline), worst of all repetitions. Scheduling 100k sleeps takes longer than the longest " +
    "delay, so lateness here measures how fast sleeps are created and woken more than timer precision.",
  metrics: [
    { key: "wallMs", label: "wall", unit: "ms", digits: 1 },
    { key: "p50LateMs", label: "p50 late", unit: "ms", digits: 1 },
    { key: "p99LateMs", label: "p99 late", unit: "ms", digits: 1 },
    { key: "maxLateMs", label: "max late", unit: "ms", digits: 1 },
    { key: "inversions", label: "inversions", unit: "", agg: "max" },
    { key: "inversions1ms", label: "inversions > 1 ms", unit: "", agg: "max" },
  ],
  baseline: "raw",
  params: { n: 100_000, seed: 42 },
  quickParams: { n: 20_000, seed: 42 },
  warmup: true,
  impls: [
    impl(here, "raw.ts", { id: "raw", label: "raw timers/promises setTimeout", anchor: 256 }),
    impl(here, "aio-inline.ts", {
      id: "aio-inline",
      label: "aio sleep",
      aio: true,
      note: "the raw column's shape: an async function per sleep, joined with Promise.all, inside run()",
    }),
    impl(here, "aio.ts", {
      id: "aio",
      label: "aio createTask + sleep",
      aio: true,
      note: "a task per sleep: the sleeps plus 100k task spawns (workload 1's cost)",
    }),
    impl(here, "effect.ts", {
      id: "effect",
      label: "Effect forEach + Effect.sleep",
      note: "Effect and Python schedule the timer lazily, so their deadline bracket is one-sided (hi = lo)",
    }),
    impl(here, "py.py", { id: "py", label: "Python asyncio create_task + sleep" }),
  ],
  targets: [
    ahead("aio sleep: total wall time no worse than raw timers/promises", "aio-inline", "raw", "wallMs", 1, 1),
    ahead("aio sleep: p99 lateness no worse than raw's", "aio-inline", "raw", "p99LateMs", 1, 1),
    worstAtMost("aio sleep: deadline order kept (0 inversions)", "aio-inline", "inversions", 0, "inversions"),
    ahead("aio createTask + sleep: total wall time no worse than raw timers/promises", "aio", "raw", "wallMs", 1, 1),
    worstAtMost("aio createTask + sleep: deadline order kept (0 inversions)", "aio", "inversions", 0, "inversions"),
  ],
};
