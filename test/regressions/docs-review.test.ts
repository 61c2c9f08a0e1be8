// Bugs found while writing the docs (see the commit that added this file).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { createTask, currentTask, isCancelledError, sleep } from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

test("an unretrieved task error outside run() is reported when the task is collected", () => {
  const fixture = fileURLToPath(new URL("../fixtures/unretrieved-outside-run.ts", import.meta.url));
  const r = spawnSync(process.execPath, ["--expose-gc", fixture], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /Task exception was never retrieved: <Task/);
  assert.match(r.stderr, /failed outside run/);
});

test("a callback that outlives the task that set it up runs outside any task", async () => {
  // Node hands a task's async context to the timers it sets; once the task is
  // done, their callbacks must not count as running in it.
  let after: unknown = "unset";
  await runVirtual(async () => {
    const t = createTask(async () => {
      setTimeout(() => {
        after = currentTask();
      }, 20);
    });
    await t;
    await new Promise((resolve) => setTimeout(resolve, 40));
  });
  assert.equal(after, undefined);
});

test("a sleep started and not yet awaited does not crash the process when its task is cancelled", async () => {
  await runVirtual(async () => {
    const t = createTask(async () => {
      const later = sleep(1000);
      await sleep(10);
      return later;
    });
    await sleep(1);
    t.cancel();
    assert.ok(isCancelledError(await rejection(t)));
    await sleep(5); // an unhandled rejection would surface here and fail the test run
  });
});
