// aio: runProcess for each, `concurrency` at a time through map.
import { map, run, runProcess } from "aio-ts";
import type { Params } from "../../lib/types.ts";
import { clock } from "../../lib/work.ts";

export default function ({ n, concurrency, program }: Params) {
  const ids = Array.from({ length: n }, (_, i) => i);
  return run(
    async () => {
      const t0 = clock();
      const results = await map(
        ids,
        async () => (await runProcess(String(program), [], { stdout: "ignore", stderr: "ignore" })).returncode,
        { concurrency: Number(concurrency) },
      );
      const t1 = clock();
      return { checksum: results.filter((rc) => rc === 0).length, metrics: { usPerProcess: ((t1 - t0) * 1000) / n } };
    },
    { handleSignals: false },
  );
}
