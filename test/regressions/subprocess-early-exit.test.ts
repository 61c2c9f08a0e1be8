// Issue 12: a child that exited before the task that started it resumed was never seen to exit: its Process
// attached the "exit" listener only when the task resumed after the "spawn" event, and the loop lets Node's I/O
// run every few thousand callbacks, so a child as quick as `true` could exit (and be reaped, its event emitted to
// no listener) in between. wait() then waited forever: `npm run bench` saw it as a run() that never settled.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createSubprocessExec, createTask, runProcess, sleep } from "aio-ts";
import { runVirtual } from "../helpers.ts";

/** Rejects if `p` has not settled 30 s after the call: a hang guard per child, far above what a loaded machine takes. */
function withinHalfAMinute<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} was never seen to exit`)), 30_000);
  });
  return Promise.race([p, hung]).finally(() => clearTimeout(timer));
}

// The guard is per child, not on the whole loop: 400 spawns take 8 s on a quiet machine and over 30 s on a busy one.
test("children that exit at once are seen to exit while other tasks keep the loop busy", {
  timeout: 600_000,
}, async () => {
  // A task that yields in a loop makes the loop hand control to Node (setImmediate) every 2,048 callbacks, which is
  // when an exit can come in between a spawn and the resumption of the task that made it.
  await runVirtual(async () => {
    let spinning = true;
    const spinner = createTask(async () => {
      while (spinning) await sleep(0);
    });
    try {
      for (let i = 0; i < 200; i++) {
        const proc = await createSubprocessExec("true");
        assert.equal(await withinHalfAMinute(proc.wait(), `child ${i}`), 0);
        const done = await withinHalfAMinute(runProcess("true"), `child ${i} of runProcess`);
        assert.equal(done.returncode, 0);
      }
    } finally {
      spinning = false;
      await spinner;
    }
  });
});
