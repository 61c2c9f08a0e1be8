// The floor of a Node downloader (node-floor-client.ts): undici + node:fs with aio fetch's file guarantees,
// none of aio, run as a command on the Node that runs the bench, `parallel` downloads at once.
import { fileURLToPath } from "node:url";
import { download } from "../../lib/download.ts";
import type { Params } from "../../lib/types.ts";

const client = fileURLToPath(new URL("./node-floor-client.ts", import.meta.url));

export default function (params: Params) {
  return download(params, "node-floor", (job) => ({
    command: process.execPath,
    args: [client, job.list, job.out, String(params.parallel)],
  }));
}
