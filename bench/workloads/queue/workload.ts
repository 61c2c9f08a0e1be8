import { impl } from "../../lib/define.ts";
import { withinOfBaseline } from "../../lib/targets.ts";
import type { ImplDef, Target, WorkloadDef } from "../../lib/types.ts";

const here = import.meta.url;

function impls(consumers: number): ImplDef[] {
  const one = consumers === 1;
  return [
    impl(here, "raw.ts", {
      id: "raw",
      label: "hand-written async queue",
      ...(one ? { anchor: 84 } : {}),
      note: "an item array and two resolver arrays (`shift()`/`push()`), a sentinel per consumer to end: no library",
    }),
    impl(here, "aio-get.ts", { id: "aio-get", label: "aio Queue put/get", aio: true }),
    impl(here, "aio-for-await.ts", { id: "aio-for-await", label: "aio Queue put / for await", aio: true }),
    impl(here, "effect.ts", {
      id: "effect",
      label: "Effect Queue.bounded offer/take",
      ...(one ? { anchor: 647 } : {}),
    }),
    impl(here, "py.py", {
      id: "py",
      label: "Python asyncio.Queue put/get",
      ...(one ? { anchor: 587 } : {}),
      note: "ends with a None sentinel per consumer: Queue.shutdown is Python 3.13's",
    }),
  ];
}

function targets(): Target[] {
  return [
    withinOfBaseline("aio Queue put/get: at most 1.5x the hand-written async queue", "aio-get", 1.5),
    withinOfBaseline("aio Queue for await: at most 1.5x the hand-written async queue", "aio-for-await", 1.5),
  ];
}

const description = (consumers: number): string =>
  `N items (the numbers 0..N-1) through a queue of at most \`maxsize\` = 100, put by one producer (the main ` +
  `task) and taken by ${consumers === 1 ? "one consumer task" : `${consumers} consumer tasks`}; the checksum ` +
  "is the sum of the items consumed. Timed from creating the queue until every consumer has been joined.";

export const queueOne: WorkloadDef = {
  id: "queue-1",
  number: "6a",
  title: "queue, 1 producer and 1 consumer",
  description: description(1),
  metrics: [{ key: "nsPerItem", label: "ns/item", unit: "ns/item" }],
  baseline: "raw",
  params: { n: 1_000_000, seed: 1, maxsize: 100, consumers: 1 },
  quickParams: { n: 100_000, seed: 1, maxsize: 100, consumers: 1 },
  warmup: true,
  impls: impls(1),
  targets: targets(),
};

export const queueTen: WorkloadDef = {
  id: "queue-10",
  number: "6b",
  title: "queue, 1 producer and 10 consumers",
  description: description(10),
  metrics: [{ key: "nsPerItem", label: "ns/item", unit: "ns/item" }],
  baseline: "raw",
  params: { n: 1_000_000, seed: 1, maxsize: 100, consumers: 10 },
  quickParams: { n: 100_000, seed: 1, maxsize: 100, consumers: 10 },
  warmup: true,
  impls: impls(10),
  targets: targets(),
};
