// Pins the public surface: a change to it must be deliberate (update the list).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as aio from "aio-ts";
import * as bullmq from "aio-ts/bullmq";
import * as http from "aio-ts/http";
import * as testing from "aio-ts/testing";
import * as workers from "aio-ts/workers";

test("aio exports exactly these names", () => {
  assert.deepEqual(Object.keys(aio).sort(), [
    "ALL_COMPLETED",
    "AioError",
    "Barrier",
    "BoundedSemaphore",
    "BrokenBarrierError",
    "CancelledError",
    "CapacityLimiter",
    "Condition",
    "Event",
    "ExceptionGroup",
    "FIRST_COMPLETED",
    "FIRST_EXCEPTION",
    "Future",
    "Handle",
    "Held",
    "IncompleteReadError",
    "InvalidStateError",
    "LifoQueue",
    "LimitOverrunError",
    "Lock",
    "PriorityQueue",
    "Process",
    "ProcessError",
    "Queue",
    "QueueEmpty",
    "QueueFull",
    "QueueShutDown",
    "Semaphore",
    "Server",
    "StreamReader",
    "StreamWriter",
    "Task",
    "TaskGroup",
    "Timeout",
    "TimeoutError",
    "TimerHandle",
    "Waiter",
    "WaiterList",
    "WouldBlock",
    "allTasks",
    "asCompleted",
    "captureCallGraph",
    "createSubprocessExec",
    "createSubprocessShell",
    "createTask",
    "currentTask",
    "ensureFuture",
    "formatCallGraph",
    "gather",
    "getRunningLoop",
    "isCancelledError",
    "isFuture",
    "map",
    "mapUnordered",
    "moveOnAfter",
    "moveOnAt",
    "now",
    "openConnection",
    "openUnixConnection",
    "park",
    "printCallGraph",
    "run",
    "runProcess",
    "shield",
    "sleep",
    "startServer",
    "startUnixServer",
    "taskGroup",
    "timeout",
    "timeoutAt",
    "wait",
    "waitFor",
  ]);
});

test("aio/http exports exactly these names", () => {
  assert.deepEqual(Object.keys(http).sort(), [
    "ClientResponse",
    "ClientSession",
    "HttpConnectError",
    "HttpError",
    "HttpRedirectError",
    "HttpResponseTooLargeError",
    "HttpStatusError",
    "HttpTimeoutError",
    "HttpTooManyRedirectsError",
    "RetryPolicy",
    "isTransientError",
  ]);
});

test("aio/testing exports exactly these names", () => {
  assert.deepEqual(Object.keys(testing).sort(), ["FAULT_KINDS", "VirtualClock", "serve"]);
});

test("aio/workers exports exactly these names", () => {
  assert.deepEqual(Object.keys(workers).sort(), ["WorkerError", "WorkerPool"]);
});

test("aio/bullmq exports exactly these names", () => {
  assert.deepEqual(Object.keys(bullmq).sort(), ["RedisConnectionError", "enqueue", "parseRedisUrl", "runWorker"]);
});

test("internals are not importable", async () => {
  await assert.rejects(() => import("aio-ts/internal/core/task.ts" as string), {
    code: "ERR_PACKAGE_PATH_NOT_EXPORTED",
  });
});
