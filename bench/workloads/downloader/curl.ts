// curl --parallel --parallel-max `parallel`: every URL in a config file (`url = "..."` lines), each saved
// under its remote name in the output folder (--remote-name-all --output-dir); --fail makes a bad status an error.
// curl has no per-host cap: all the URLs are on one host, so the overall cap is the per-host one.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { download } from "../../lib/download.ts";
import type { Params } from "../../lib/types.ts";

export default function (params: Params) {
  return download(params, "curl", (job) => {
    const config = join(job.dir, "curl.cfg");
    writeFileSync(config, `${job.urls.map((u) => `url = "${u}"`).join("\n")}\n`);
    return {
      command: "curl",
      args: [
        "--parallel",
        "--parallel-max",
        String(params.parallel),
        "--remote-name-all",
        "--output-dir",
        job.out,
        "--fail",
        "--silent",
        "--show-error",
        "--config",
        config,
      ],
    };
  });
}
