// Effection 4: the tasks are children of one task; halting it halts them all (structured concurrency).
import { run, sleep, spawn, suspend } from "effection";
import type { Params } from "../../lib/types.ts";
import { clock, mix, nsPer } from "../../lib/work.ts";

export default async function ({ n, sleepMs }: Params) {
  let checksum = 0;
  return run(function* () {
    const t0 = clock();
    const group = yield* spawn(function* () {
      for (let i = 0; i < n; i++) {
        yield* spawn(function* () {
          try {
            yield* sleep(Number(sleepMs));
          } finally {
            checksum += mix(i);
          }
        });
      }
      yield* suspend();
    });
    yield* sleep(0); // every task has started and sleeps
    const t1 = clock();
    yield* group.halt();
    const t2 = clock();
    return { checksum, metrics: { cancelNsPerTask: nsPer(t1, t2, n), setupNsPerTask: nsPer(t0, t1, n) } };
  });
}
