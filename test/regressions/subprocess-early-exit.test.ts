// Issue 12: a child that exited before the task that started it resumed was never seen to exit: its Process
// attached the "exit" listener only when the task resumed after the "spawn" event, and the loop lets Node's I/O
// run every few thousand callbacks, so a child as quick as `true` could exit (and be reaped, its event emitted to
// no listener) in between. wait() then waited forever: `npm run bench` saw it as a run() that never settled.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createSubprocessExec, createTask, runProcess, sleep } from "aio-ts";
import { runVirtual } from "../helpers.ts";

test("children that exit at once are seen to exit while other tasks keep the loop busy", {
  timeout: 60_000,
}, async () => {
  // A task that yields in a loop makes the loop hand control to Node (setImmediate) every 2,048 callbacks, which is
  // when an exit can come in between a spawn and the resumption of the task that made it.
  const guard = AbortSignal.timeout(30_000);
  const hung = new Promise<never>((_, reject) =>
    guard.addEventListener("abort", () => reject(new Error("a child was never seen to exit")), { once: true }),
  );
  hung.catch(() => {});
  await runVirtual(async () => {
    let spinning = true;
    const spinner = createTask(async () => {
      while (spinning) await sleep(0);
    });
    try {
      for (let i = 0; i < 200; i++) {
        const proc = await createSubprocessExec("true");
        assert.equal(await Promise.race([proc.wait(), hung]), 0, `child ${i}`);
        assert.equal((await Promise.race([runProcess("true"), hung])).returncode, 0, `child ${i} of runProcess`);
      }
    } finally {
      spinning = false;
      await spinner;
    }
  });
});
