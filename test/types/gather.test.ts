// Type-level tests: checked by `tsc` (npm run typecheck), and run as a plain test.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createTask, type Future, gather, run, sleep, type Task, waitFor } from "aio-ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_ok: T): void {}

test("gather resolves to a typed tuple", async () => {
  await run(
    async () => {
      const t: Task<number> = createTask(async () => 1);
      const r = await gather(t, () => sleep(1, "s"), Promise.resolve(true));
      expectType<Equal<typeof r, [number, string, boolean]>>(true);
      const arr = await gather([1, 2].map((n) => () => sleep(0, n)));
      expectType<Equal<typeof arr, number[]>>(true);
      const settled = await gather([t, Promise.resolve("x")] as const, { returnExceptions: true });
      expectType<Equal<typeof settled, [number | Error, string | Error]>>(true);
      const g = gather(t);
      expectType<Equal<typeof g, Future<[number]>>>(true);
      const w = await waitFor(() => sleep(1, 5n), 10);
      expectType<Equal<typeof w, bigint>>(true);
      assert.deepEqual(r, [1, "s", true]);
    },
    { handleSignals: false },
  );
});
