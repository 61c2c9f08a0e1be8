// Floor: child_process.spawn, `concurrency` hand-written workers, each waiting for the 'exit' event.
import { spawn } from "node:child_process";
import type { Params } from "../../lib/types.ts";
import { clock } from "../../lib/work.ts";

function once(program: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, [], { stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal === null ? 0 : -1)));
  });
}

export default async function ({ n, concurrency, program }: Params) {
  const t0 = clock();
  let next = 0;
  let ok = 0;
  async function worker(): Promise<void> {
    while (next < n) {
      next++;
      if ((await once(String(program))) === 0) ok++;
    }
  }
  const workers: Promise<void>[] = [];
  for (let w = 0; w < Number(concurrency); w++) workers.push(worker());
  await Promise.all(workers);
  const t1 = clock();
  return { checksum: ok, metrics: { usPerProcess: ((t1 - t0) * 1000) / n } };
}
