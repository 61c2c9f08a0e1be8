// Type-level tests of the loop's callbacks and Trio's forms: checked by `tsc` (npm run typecheck), and run as a plain
// test.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Future, getRunningLoop, type Handle, moveOnAfter, moveOnAt, type TimerHandle, taskGroup } from "aio-ts";
import { runVirtual } from "../helpers.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_ok: T): void {}

test("callSoon/callLater/callAt check the arguments against the callback's parameters", async () => {
  const seen: unknown[] = [];
  await runVirtual(async () => {
    const loop = getRunningLoop();
    const h = loop.callSoon((n: number, s: string) => seen.push(n, s), 1, "a");
    expectType<Equal<typeof h, Handle>>(true);
    const t = loop.callLater(5, (b: boolean) => seen.push(b), true);
    expectType<Equal<typeof t, TimerHandle>>(true);
    loop.callAt(loop.time() + 5, () => seen.push("no args"));
    // @ts-expect-error: a string where the callback takes a number
    loop.callSoon((_n: number) => {}, "x").cancel();
    // @ts-expect-error: an argument missing
    loop.callLater(1, (_n: number) => {}).cancel();
    const f = loop.createFuture<string>();
    expectType<Equal<typeof f, Future<string>>>(true);
    f.cancel();
    await loop.createTask(async () => {}, { name: "typed" });
    await new Promise<void>((resolve) => loop.callLater(10, resolve));
  });
  assert.deepEqual(seen, [1, "a", true, "no args"]);
});

test("moveOnAfter/moveOnAt add undefined to the body's type; tg.start returns the started() value's type", async () => {
  await runVirtual(async () => {
    const a = await moveOnAfter(10, async () => 1);
    expectType<Equal<typeof a, number | undefined>>(true);
    const b = await moveOnAt(null, async () => "s");
    expectType<Equal<typeof b, string | undefined>>(true);
    await taskGroup(async (tg) => {
      const port = await tg.start<number>(async (started) => started(8080));
      expectType<Equal<typeof port, number>>(true);
      const none = await tg.start(async (started) => started());
      expectType<Equal<typeof none, undefined>>(true);
      assert.equal(port, 8080);
    });
  });
});
