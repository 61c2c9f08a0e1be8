import { impl } from "../../lib/define.ts";
import { ahead, withinOfBaseline } from "../../lib/targets.ts";
import type { WorkloadDef } from "../../lib/types.ts";

const here = import.meta.url;

export const subprocess: WorkloadDef = {
  id: "subprocess",
  number: "12d",
  title: "short child processes",
  description:
    "N runs of `true` (a child that exits at once), at most `concurrency` = 16 at a time, each waited for; " +
    "every standard stream is /dev/null. Timed from the first spawn to the last exit. The checksum counts the " +
    "children that exited with 0.",
  metrics: [{ key: "usPerProcess", label: "µs/process", unit: "µs/process" }],
  baseline: "raw-spawn",
  params: { n: 1000, seed: 1, concurrency: 16, program: "true" },
  quickParams: { n: 300, seed: 1, concurrency: 16, program: "true" },
  warmup: (params) => ({ ...params, n: 50 }),
  impls: [
    impl(here, "raw-spawn.ts", { id: "raw-spawn", label: "raw child_process.spawn (workers)" }),
    impl(here, "raw-spawn-loaded.ts", {
      id: "raw-spawn-loaded",
      label: "raw child_process.spawn, aio-ts loaded",
      note: "reference point: the floor in a process as big as aio's (fork's cost grows with the parent's memory)",
    }),
    impl(here, "aio-run-process.ts", { id: "aio-run-process", label: "aio runProcess + map", aio: true }),
    impl(here, "aio-exec.ts", { id: "aio-exec", label: "aio createSubprocessExec + wait, map", aio: true }),
    impl(here, "py-exec.py", { id: "py-exec", label: "Python asyncio create_subprocess_exec + wait" }),
  ],
  targets: [
    withinOfBaseline("aio runProcess: within 1.1x of raw spawn", "aio-run-process", 1.1),
    withinOfBaseline("aio createSubprocessExec: within 1.1x of raw spawn", "aio-exec", 1.1),
    ahead("aio runProcess: ahead of Python asyncio", "aio-run-process", "py-exec", "usPerProcess", 1),
  ],
};
