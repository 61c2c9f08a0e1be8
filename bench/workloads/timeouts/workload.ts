import { impl } from "../../lib/define.ts";
import { ahead } from "../../lib/targets.ts";
import type { ImplDef, Target, WorkloadDef } from "../../lib/types.ts";

const here = import.meta.url;

function impls(atOnce: boolean): ImplDef[] {
  return [
    impl(here, "raw-race.ts", {
      id: "raw-race",
      label: "raw Promise.race + setTimeout/clearTimeout",
      ...(atOnce ? { anchor: 2689 } : {}),
    }),
    impl(here, "raw-abort-signal.ts", {
      id: "raw-abort-signal",
      label: "raw AbortSignal.timeout",
      ...(atOnce ? { anchor: 4284 } : {}),
    }),
    impl(here, "p-timeout.ts", { id: "p-timeout", label: "p-timeout", ...(atOnce ? { anchor: 9786 } : {}) }),
    impl(here, "aio-timeout.ts", {
      id: "aio-timeout",
      label: "aio timeout()",
      aio: true,
      ...(atOnce
        ? { note: "all at once, each operation is its own task (asyncio's model): the column includes a task per op" }
        : {}),
    }),
    impl(here, "aio-wait-for.ts", {
      id: "aio-wait-for",
      label: "aio waitFor(fn)",
      aio: true,
      note: atOnce
        ? "two tasks per op: the gathered one, and the one waitFor starts for its function (as Python 3.11's wait_for)"
        : "one task per op: the one waitFor starts for its function",
    }),
    impl(here, "effect.ts", { id: "effect", label: "Effect.timeout" }),
    impl(here, "py-timeout.py", {
      id: "py-timeout",
      label: "Python asyncio.timeout",
      ...(atOnce ? { anchor: 23_137 } : {}),
    }),
    impl(here, "py-wait-for.py", { id: "py-wait-for", label: "Python asyncio.wait_for" }),
  ];
}

function targets(): Target[] {
  return [
    ahead(
      "aio timeout(): no dearer than Promise.race + setTimeout/clearTimeout",
      "aio-timeout",
      "raw-race",
      "nsPerOp",
      1,
    ),
    ahead(
      "aio waitFor(): no dearer than Promise.race + setTimeout/clearTimeout",
      "aio-wait-for",
      "raw-race",
      "nsPerOp",
      1,
    ),
  ];
}

const description =
  "N operations, each awaiting an already-resolved promise (Python: `sleep(0)`) under a 10 s timeout that never fires.";

export const timeoutsAtOnce: WorkloadDef = {
  id: "timeouts-at-once",
  number: "5a",
  title: "timeouts that never fire, all at once",
  description: `${description} All N started together and joined (gather / Promise.all / forEach unbounded).`,
  metrics: [{ key: "nsPerOp", label: "ns/op", unit: "ns/op" }],
  baseline: "raw-race",
  params: { n: 100_000, seed: 1, timeoutMs: 10_000, mode: "at-once" },
  quickParams: { n: 10_000, seed: 1, timeoutMs: 10_000, mode: "at-once" },
  warmup: true,
  impls: impls(true),
  targets: targets(),
};

export const timeoutsSequential: WorkloadDef = {
  id: "timeouts-sequential",
  number: "5b",
  title: "timeouts that never fire, one after another",
  description: `${description} One after another, in one task.`,
  metrics: [{ key: "nsPerOp", label: "ns/op", unit: "ns/op" }],
  baseline: "raw-race",
  params: { n: 100_000, seed: 1, timeoutMs: 10_000, mode: "sequential" },
  quickParams: { n: 10_000, seed: 1, timeoutMs: 10_000, mode: "sequential" },
  warmup: true,
  impls: impls(false),
  targets: targets(),
};
