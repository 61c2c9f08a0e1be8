// aio fetch: `node bin/aio.js fetch -i LIST -o OUT -j parallel --per-host perHost --quiet`, on the Node
// that runs the bench (the repo's pinned one).
import { fileURLToPath } from "node:url";
import { download } from "../../lib/download.ts";
import type { Params } from "../../lib/types.ts";

const aioBin = fileURLToPath(new URL("../../../bin/aio.js", import.meta.url));

export default function (params: Params) {
  return download(params, "aio-fetch", (job) => ({
    command: process.execPath,
    args: [
      aioBin,
      "fetch",
      "-i",
      job.list,
      "-o",
      job.out,
      "-j",
      String(params.parallel),
      "--per-host",
      String(params.perHost),
      "--quiet",
    ],
  }));
}
