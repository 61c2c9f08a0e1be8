// `aio fetch --queue URL ...`: one checked connection to Redis, the queue
// checked to be aio fetch's, then the mode asked for.
import { resolve } from "node:path";
import type { FetchArgs, FleetArgs } from "../args.ts";
import { UsageError } from "../args.ts";
import { systemErrorText } from "../failure.ts";
import { makeFolder } from "../make-folder.ts";
import { enqueueAll } from "./enqueue.ts";
import { bullConnection, claimQueue, connectRedis, loadBullmq } from "./redis.ts";
import { printStatus, waitDrained } from "./status.ts";

/** Runs the `--queue` mode of `args`; returns the exit code. */
export async function fleetCommand(args: FetchArgs, fleet: FleetArgs): Promise<number> {
  const modules = await loadBullmq();
  const client = await connectRedis(modules, fleet, args.connectTimeout);
  try {
    // A worker may start before anything is enqueued (it claims the queue); --status and --wait need one.
    await claimQueue(client, fleet, fleet.mode === "enqueue" || fleet.mode === "worker");
    const connection = bullConnection(modules, fleet, args.connectTimeout);
    switch (fleet.mode) {
      case "enqueue": {
        const enqueued = await enqueueAll(modules, client, args, fleet, connection);
        if (!fleet.waitAfterEnqueue) return enqueued;
        return Math.max(enqueued, await waitDrained(modules, client, fleet, connection));
      }
      case "status":
        return await printStatus(modules, client, fleet, connection);
      case "wait":
        return await waitDrained(modules, client, fleet, connection);
      case "worker": {
        try {
          makeFolder(resolve(args.output));
        } catch (error) {
          throw new UsageError(`cannot create the output folder ${args.output}: ${systemErrorText(error as Error)}`);
        }
        const { runFetchWorker } = await import("./worker.ts");
        return await runFetchWorker(modules, args, fleet, connection);
      }
    }
  } finally {
    client.disconnect();
  }
}
