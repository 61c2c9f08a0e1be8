// Every workload, in the order of issue 6. Adding one: a folder with a workload.ts and one file per implementation.
import type { WorkloadDef } from "../lib/types.ts";
import { bounded } from "./bounded/workload.ts";
import { cancelAll } from "./cancel-all/workload.ts";
import { contention } from "./contention/workload.ts";
import { downloadLarge, downloadSmall } from "./downloader/workload.ts";
import { downloadFleet } from "./fleet/workload.ts";
import { httpLarge, httpSmall } from "./http/workload.ts";
import { memory } from "./memory/workload.ts";
import { queueOne, queueTen } from "./queue/workload.ts";
import { spawnJoin } from "./spawn-join/workload.ts";
import { streamsEcho1, streamsEcho100, streamsLatency } from "./streams/workload.ts";
import { subprocess } from "./subprocess/workload.ts";
import { timeoutsAtOnce, timeoutsSequential } from "./timeouts/workload.ts";
import { timers } from "./timers/workload.ts";

export const workloads: WorkloadDef[] = [
  spawnJoin,
  bounded,
  timers,
  cancelAll,
  timeoutsAtOnce,
  timeoutsSequential,
  queueOne,
  queueTen,
  contention,
  memory,
  httpSmall,
  httpLarge,
  downloadSmall,
  downloadLarge,
  downloadFleet,
  subprocess,
  streamsEcho1,
  streamsEcho100,
  streamsLatency,
];
