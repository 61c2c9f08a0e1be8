// Pins the public surface: a change to it must be deliberate (update the list).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as aio from "aio";
import * as testing from "aio/testing";

test("aio exports exactly these names", () => {
  assert.deepEqual(Object.keys(aio).sort(), [
    "ALL_COMPLETED",
    "AioError",
    "CancelledError",
    "ExceptionGroup",
    "FIRST_COMPLETED",
    "FIRST_EXCEPTION",
    "Future",
    "InvalidStateError",
    "Task",
    "TaskGroup",
    "Timeout",
    "TimeoutError",
    "allTasks",
    "asCompleted",
    "createTask",
    "currentTask",
    "ensureFuture",
    "gather",
    "isCancelledError",
    "isFuture",
    "now",
    "run",
    "shield",
    "sleep",
    "taskGroup",
    "timeout",
    "timeoutAt",
    "wait",
    "waitFor",
  ]);
});

test("aio/testing exports exactly these names", () => {
  assert.deepEqual(Object.keys(testing).sort(), ["VirtualClock"]);
});

test("internals are not importable", async () => {
  await assert.rejects(() => import("aio/internal/core/task.ts" as string), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" });
});
