// aria2c -i LIST -j `parallel`: `parallel` downloads at once, one connection each (-x 1 -s 1: no splitting,
// as the other columns), quiet, overwriting; its other defaults kept (file allocation: prealloc, which
// measured the same as none on this machine's ext4). aria2c's per-host cap (-x) is per download, so with
// one connection per file the overall cap is the per-host one.
import { download } from "../../lib/download.ts";
import type { Params } from "../../lib/types.ts";

export default function (params: Params) {
  return download(params, "aria2c", (job) => ({
    command: "aria2c",
    args: [
      "--input-file",
      job.list,
      "--dir",
      job.out,
      "--max-concurrent-downloads",
      String(params.parallel),
      "--max-connection-per-server=1",
      "--split=1",
      "--allow-overwrite=true",
      "--auto-file-renaming=false",
      "--quiet=true",
    ],
  }));
}
