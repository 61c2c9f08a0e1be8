// Cases that pin details of the kernel (futures, tasks, the loop's reports, ensureFuture) which the other
// tests of the folder do not reach: each was added because a mutation of the code went unnoticed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  CancelledError,
  createTask,
  currentTask,
  ensureFuture,
  Future,
  getRunningLoop,
  InvalidStateError,
  isCancelledError,
  type LoopReport,
  run,
  sleep,
  type Task,
} from "aio-ts";
import { VirtualClock } from "aio-ts/testing";
import { formatReport } from "../../src/core/index.ts";
import { rejection, runVirtual } from "../helpers.ts";

const invalid = (message: string) => (e: unknown) =>
  e instanceof TypeError &&
  (e as TypeError & { code?: string }).code === "ERR_AIO_INVALID_ARGUMENT" &&
  e.message === message;

/** Runs `fn` with process.stderr.write captured, and returns what was written. */
async function captureStderr(fn: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const original = process.stderr.write;
  process.stderr.write = ((chunk: string) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = original;
  }
  return chunks.join("");
}

describe("formatReport", () => {
  test("prints the message, the task, where it was created, and the error's stack indented", () => {
    const error = new Error("boom");
    error.stack = "Error: boom\n    at here";
    const task = { toString: () => '<Task "t" pending>', createdAt: "\n    at creator" } as unknown as Task<unknown>;
    assert.equal(
      formatReport({ message: "Something", task, error }),
      'aio: Something\n  task: <Task "t" pending>\n  created at:\n    at creator\n  Error: boom\n      at here\n',
    );
  });

  test("prints a future when there is no task, and no created-at line for a task without one", () => {
    const future = { toString: () => "<Future pending>" } as unknown as Future<unknown>;
    assert.equal(formatReport({ message: "M", future }), "aio: M\n  future: <Future pending>\n");
    const task = { toString: () => "<Task>", createdAt: undefined } as unknown as Task<unknown>;
    assert.equal(formatReport({ message: "M", task, future }), "aio: M\n  task: <Task>\n");
    assert.equal(formatReport({ message: "M" }), "aio: M\n");
  });

  test("prints an Error without a stack as name: message, and any other value as a string", () => {
    const error = new RangeError("out");
    Object.defineProperty(error, "stack", { value: undefined });
    assert.equal(formatReport({ message: "M", error }), "aio: M\n  RangeError: out\n");
    assert.equal(formatReport({ message: "M", error: "two\nlines" }), "aio: M\n  two\n  lines\n");
  });
});

describe("the loop's exception handler", () => {
  test("a handler that throws is reported on stderr, followed by the report it was given", async () => {
    const thrown = new Error("handler broke");
    thrown.stack = "Error: handler broke";
    const failure = new Error("callback broke");
    failure.stack = "Error: callback broke";
    const text = await captureStderr(() =>
      run(
        async () => {
          getRunningLoop().callSoon(() => {
            throw failure;
          });
          await sleep(0);
        },
        {
          clock: new VirtualClock(),
          handleSignals: false,
          exceptionHandler: () => {
            throw thrown;
          },
        },
      ),
    );
    assert.equal(
      text,
      "aio: The exception handler threw\n  Error: handler broke\n" +
        "aio: Exception in callback <anonymous>()\n  Error: callback broke\n",
    );
  });
});

describe("Future callbacks", () => {
  test("addDoneCallback rejects a non-function, naming it", () => {
    assert.throws(
      () => new Future().addDoneCallback(42 as never),
      (e: unknown) => e instanceof TypeError && e.message === "Expected `fn` to be a function, got `42`",
    );
  });

  test("removeDoneCallback removes a single registration of that function only", async () => {
    await runVirtual(async () => {
      const seen: string[] = [];
      const a = () => seen.push("a");
      const b = () => seen.push("b");
      const f = new Future<void>();
      f.addDoneCallback(a);
      assert.equal(f.removeDoneCallback(b), 0);
      const g = new Future<void>();
      g.addDoneCallback(b);
      assert.equal(g.removeDoneCallback(b), 1);
      assert.equal(g.removeDoneCallback(b), 0);
      f.setResult();
      g.setResult();
      await sleep(0);
      assert.deepEqual(seen, ["a"]);
    });
  });

  test("removeDoneCallback leaves alone a task awaiting the future", async () => {
    await runVirtual(async () => {
      const f = new Future<number>();
      const waiter = createTask(async () => await f);
      await sleep(0);
      assert.equal(
        f.removeDoneCallback(() => {}),
        0,
      );
      f.setResult(7);
      assert.equal(await waiter, 7);
    });
  });

  test("catch and finally behave as a promise's", async () => {
    await runVirtual(async () => {
      const f = new Future<number>();
      f.setException(new Error("x"));
      assert.equal(await f.catch((e) => (e as Error).message), "x");
      const g = new Future<number>();
      g.setResult(3);
      let ran = false;
      assert.equal(
        await g.finally(() => {
          ran = true;
        }),
        3,
      );
      assert.equal(ran, true);
    });
  });

  test("a task awaiting itself: a throwing onRejected rejects the promise then() returned", async () => {
    await runVirtual(async () => {
      const boom = new Error("from onRejected");
      const task: Task<unknown> = createTask(async () =>
        rejection(
          task.then(undefined, () => {
            throw boom;
          }),
        ),
      );
      assert.equal(await task, boom);
    });
  });

  test("the repr of a long result is cut at 80 characters", () => {
    const f = new Future<string>();
    f.setResult("x".repeat(100));
    assert.equal(f.toString(), `<Future finished result='${"x".repeat(60)}'... 40 more cha...>`);
  });
});

describe("ensureFuture", () => {
  test("rejects what is not awaitable, naming the argument `aw`", async () => {
    await runVirtual(async () => {
      const what = "an awaitable (a promise, task, future or function)";
      assert.throws(() => ensureFuture(42 as never), invalid(`Expected \`aw\` to be ${what}, got \`42\` (number)`));
      assert.throws(() => ensureFuture(null as never), invalid(`Expected \`aw\` to be ${what}, got \`null\` (null)`));
      assert.throws(
        () => ensureFuture(undefined as never),
        invalid(`Expected \`aw\` to be ${what}, got \`undefined\` (undefined)`),
      );
    });
  });

  test("a promise that rejects with CancelledError cancels the future, keeping the message", async () => {
    await runVirtual(async () => {
      const f = ensureFuture(Promise.reject(new CancelledError("why")));
      const error = await rejection(f);
      assert.equal(f.cancelled(), true);
      assert.ok(isCancelledError(error));
      assert.equal((error as CancelledError).message, "why");
    });
  });

  test("a promise settling after its future was cancelled is ignored, not an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", listener);
    try {
      await runVirtual(async () => {
        const { promise, reject } = Promise.withResolvers<number>();
        const f = ensureFuture(promise);
        f.cancel();
        reject(new Error("late"));
        await rejection(f);
        await sleep(0);
      });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("unhandledRejection", listener);
    }
    assert.deepEqual(unhandled, []);
  });
});

describe("a task's function", () => {
  test("a plain function's value or thrown error settles the task; a thenable it returns is followed", async () => {
    await runVirtual(async () => {
      const boom = new Error("sync");
      assert.equal(await createTask((() => 5) as never), 5);
      assert.equal(
        await rejection(
          createTask((() => {
            throw boom;
          }) as never),
        ),
        boom,
      );
      // biome-ignore lint/suspicious/noThenProperty: a function that is also a thenable is the case under test.
      const thenable = Object.assign(() => {}, { then: (ok: (v: number) => void) => ok(8) });
      const follower = createTask((() => thenable) as never);
      await sleep(0);
      assert.equal(follower.result(), 8);
    });
  });

  test("a task cancelled by the future it awaits aborts the signal it handed out", async () => {
    await runVirtual(async () => {
      const f = new Future<void>();
      let signal: AbortSignal | undefined;
      const task = createTask(async () => {
        signal = (currentTask() as Task<unknown>).signal;
        await f;
      });
      await sleep(0);
      f.cancel("gone");
      await rejection(task);
      assert.equal(task.cancelled(), true);
      assert.equal(signal?.aborted, true);
      assert.ok(isCancelledError(signal?.reason));
    });
  });
});

describe("Future's internal callbacks", () => {
  /** An internal callback that records its name when the future is done. */
  const runnable = (seen: string[], name: string) => ({ run: () => seen.push(name) });

  test("_removeCallback removes that callback among several, wherever it is, and nothing else", async () => {
    await runVirtual(async () => {
      const seen: string[] = [];
      const f = new Future<void>();
      const first = runnable(seen, "first");
      const middle = runnable(seen, "middle");
      f._addCallback(first);
      f.addDoneCallback(() => seen.push("user"));
      f._addCallback(middle);
      f._addCallback(runnable(seen, "last"));
      f._removeCallback(first);
      f._removeCallback(middle);
      f._removeCallback(runnable(seen, "never added"));
      f.setResult();
      await sleep(0);
      assert.deepEqual(seen, ["user", "last"]);
    });
  });
});

describe("the loop's drain", () => {
  test("hands Node a turn after 2048 callbacks in a row, and runs every queued callback once, in order", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      let turned = false;
      setImmediate(() => {
        turned = true;
      });
      const ran: number[] = [];
      const turnedAt: boolean[] = [];
      for (let i = 0; i < 3000; i++) {
        loop.callSoon(() => {
          ran.push(i);
          turnedAt.push(turned);
        });
      }
      await sleep(1);
      assert.deepEqual(
        ran,
        Array.from({ length: 3000 }, (_, i) => i),
      );
      assert.equal(turnedAt.indexOf(true) > 0, true, "Node never got a turn while the loop drained");
      assert.equal(turnedAt.indexOf(true) <= 2048, true);
    });
  });
});

describe("debug mode's blocked-loop report", () => {
  /** Keeps the thread busy for `ms` real milliseconds. */
  function block(ms: number): void {
    const clock = new VirtualClock();
    const end = clock.realNow() + ms;
    while (clock.realNow() < end) {
      // busy
    }
  }

  test("names the task that blocked the loop, and carries it", async () => {
    const reports: LoopReport[] = [];
    await runVirtual(
      async () => {
        const hog = createTask(
          async () => {
            block(120);
          },
          { name: "hog" },
        );
        await hog;
        assert.equal(reports.length, 1);
        assert.match(
          reports[0]?.message ?? "",
          /^The event loop was blocked for \d+ ms by <Task "hog" finished result=undefined>$/,
        );
        assert.equal(reports[0]?.task, hog);
      },
      { debug: true, reports },
    );
  });

  test("a blocking callback is reported without a task", async () => {
    const reports: LoopReport[] = [];
    await runVirtual(
      async () => {
        getRunningLoop().callSoon(() => block(120));
        await sleep(1);
        assert.equal(reports.length, 1);
        assert.match(reports[0]?.message ?? "", /^The event loop was blocked for \d+ ms$/);
        assert.equal("task" in (reports[0] as object), false);
      },
      { debug: true, reports },
    );
  });
});

describe("the loop's ready queue", () => {
  test("drops its consumed prefix once, when that prefix passes 1024 callbacks and half the queue", async () => {
    await runVirtual(async () => {
      // White-box: the compaction changes no order or outcome, only how much memory a long drain holds.
      const loop = getRunningLoop() as unknown as { queue: unknown[]; head: number };
      // Each time the queue's length changes: the length, and the position of the callback running in it.
      const seen: string[] = [];
      let length = -1;
      for (let i = 0; i < 2999; i++) {
        getRunningLoop().callSoon(() => {
          if (loop.queue.length === length) return;
          length = loop.queue.length;
          seen.push(`${length} at ${loop.head - 1}`);
        });
      }
      await sleep(1);
      // 3000 entries (one was there before): compacted after the 1501st, then the 1025th of the 1499 left.
      assert.deepEqual(seen, ["3000 at 1", "1499 at 0", "474 at 0"]);
    });
  });
});

describe("the default loop", () => {
  test("reports an error nobody retrieved once its future is garbage-collected", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const error = new Error("lost on the default loop");
    error.stack = "Error: lost on the default loop";
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const text = await captureStderr(async () => {
      new Future().setException(error); // on the default loop, and dropped at once
      for (let i = 0; i < 5; i++) {
        await turn();
        gc();
        await turn();
      }
    });
    assert.equal(
      text,
      'aio: Future exception was never retrieved: <Future finished exception=Error("lost on the default loop")>\n' +
        "  Error: lost on the default loop\n",
    );
  });
});

describe("Future's errors and repr", () => {
  const invalidState = (message: string) => (e: unknown) =>
    e instanceof InvalidStateError && e.code === "ERR_AIO_INVALID_STATE" && e.message === message;

  test("a future given something other than a loop names the `loop` argument and what it expects", () => {
    assert.throws(() => new Future(42 as never), invalid("Expected `loop` to be an event loop, got `42` (number)"));
  });

  test("result() and exception() of a pending future say which is not set", () => {
    const f = new Future<number>();
    assert.throws(() => f.result(), invalidState("Result is not set."));
    assert.throws(() => f.exception(), invalidState("Exception is not set."));
  });

  test("setResult and setException on a done future name the future in their error", () => {
    const f = new Future<number>();
    f.setResult(1);
    assert.throws(() => f.setResult(2), invalidState("invalid state: <Future finished result=1>"));
    assert.throws(() => f.setException(new Error("late")), invalidState("invalid state: <Future finished result=1>"));
  });

  test("Object.prototype.toString names a Future and a Task", async () => {
    assert.equal(Object.prototype.toString.call(new Future()), "[object Future]");
    await runVirtual(async () => {
      const task = createTask(async () => 1);
      assert.equal(Object.prototype.toString.call(task), "[object Task]");
      await task;
    });
  });

  test("a repr of exactly 80 characters is kept whole; one more is cut", () => {
    const f = new Future<Error>();
    f.setResult(new Error("x".repeat(71))); // Error("xxx...") is 9 + 71 = 80 characters
    assert.equal(f.toString(), `<Future finished result=Error("${"x".repeat(71)}")>`);
    const g = new Future<Error>();
    g.setResult(new Error("x".repeat(72)));
    assert.equal(g.toString(), `<Future finished result=Error("${"x".repeat(70)}...>`);
  });

  test("a task awaiting itself without onRejected: the promise then() returned rejects with the InvalidStateError", async () => {
    await runVirtual(async () => {
      const task: Task<unknown> = createTask(async () => rejection(task.then((v) => v)));
      const error = await task;
      assert.ok(error instanceof InvalidStateError);
      assert.match(error.message, /^<Task .*> cannot await itself$/);
    });
  });
});

describe("Task's details", () => {
  test("signal is the same object on every read while the task is not cancelled", async () => {
    await runVirtual(async () => {
      const task = createTask(async () => {
        await sleep(10);
      });
      const signal = task.signal;
      assert.equal(task.signal, signal);
      await task;
      assert.equal(task.signal, signal);
      assert.equal(signal.aborted, false);
    });
  });

  test("uncancel() with no cancel to withdraw throws InvalidStateError with code ERR_AIO_UNCANCEL", async () => {
    await runVirtual(async () => {
      const task = currentTask() as Task<unknown>;
      assert.throws(
        () => task.uncancel(),
        (e: unknown) =>
          e instanceof InvalidStateError &&
          e.code === "ERR_AIO_UNCANCEL" &&
          /^uncancel\(\) called on <Task .*> more times than cancel\(\)$/.test(e.message),
      );
    });
  });

  test("createTask outside any loop throws InvalidStateError with code ERR_AIO_NO_RUNNING_LOOP", () => {
    assert.throws(
      () => createTask(async () => {}),
      (e: unknown) => e instanceof InvalidStateError && e.code === "ERR_AIO_NO_RUNNING_LOOP",
    );
  });

  test("a task name that is not a string, number or bigint is rejected, naming it", async () => {
    await runVirtual(async () => {
      assert.throws(
        () => createTask(async () => {}, { name: {} as never }),
        (e: unknown) =>
          e instanceof TypeError && e.message === "Expected `name` to be a string, got `[object Object]` (object)",
      );
    });
  });

  test("a cancel delivered to a future the task only registered on is not delivered again at its next await", async () => {
    await runVirtual(async () => {
      const events: string[] = [];
      const first = new Future<void>();
      const second = new Future<void>();
      const gate = Promise.withResolvers<void>();
      const task = createTask(async () => {
        // Both futures become the task's waiters; once `first` is done only `second` is left to cancel.
        void first.then(() => events.push("first done"));
        const outcome = second.then(
          () => "second done",
          (e: unknown) => `second ${isCancelledError(e) ? "cancelled" : "failed"}`,
        );
        await gate.promise;
        await sleep(10); // the cancel went to `second`, so this sleep is not cancelled
        events.push(`slept until ${getRunningLoop().time()}`);
        events.push(await outcome);
        currentTask()?.uncancel();
      });
      await sleep(0);
      first.setResult();
      await sleep(0);
      assert.equal(task.cancel(), true);
      assert.equal(second.cancelled(), true);
      gate.resolve();
      await task;
      assert.deepEqual(events, ["first done", "slept until 10", "second cancelled"]);
    });
  });

  test("a sleep started by a task that has since returned still resolves with its value", async () => {
    await runVirtual(async () => {
      let later: Promise<string> | undefined;
      const task = createTask(async () => {
        later = sleep(10, "value");
        return 1;
      });
      assert.equal(await task, 1);
      assert.equal(await later, "value");
    });
  });
});

describe("the loop's reports", () => {
  test("a done callback that throws is reported with its message and error", async () => {
    const reports: LoopReport[] = [];
    const boom = new Error("callback broke");
    await runVirtual(
      async () => {
        const f = new Future<void>();
        f.addDoneCallback(() => {
          throw boom;
        });
        f.setResult();
        await sleep(0);
      },
      { reports },
    );
    assert.deepEqual(
      reports.map((r) => [r.message, r.error]),
      [["Exception in a callback of the event loop", boom]],
    );
  });

  test("a future whose error nobody retrieved is reported with the future", async () => {
    const reports: LoopReport[] = [];
    const boom = new Error("lost");
    let future: Future<void> | undefined;
    await runVirtual(
      async () => {
        future = new Future<void>();
        future.setException(boom);
      },
      { reports },
    );
    assert.equal(reports.length, 1);
    assert.equal(reports[0]?.message, "Future exception was never retrieved");
    assert.equal(reports[0]?.error, boom);
    assert.equal(reports[0]?.future, future);
    assert.equal(reports[0]?.task, undefined);
  });
});

describe("the default loop's details", () => {
  const gc = () => {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  };
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  test("is not in debug mode", () => {
    assert.equal(new Future()._loop.debug, false);
  });

  test("reports a collected future's error with its stack", async () => {
    const collect = gc();
    const error = new Error("lost with a stack");
    error.stack = "Error: lost with a stack\n    at somewhere";
    const text = await captureStderr(async () => {
      new Future().setException(error);
      for (let i = 0; i < 5; i++) {
        await turn();
        collect();
        await turn();
      }
    });
    assert.equal(
      text,
      'aio: Future exception was never retrieved: <Future finished exception=Error("lost with a stack")>\n' +
        "  Error: lost with a stack\n      at somewhere\n",
    );
  });

  test("does not report a collected future whose error was retrieved", async () => {
    const collect = gc();
    const failAndRetrieve = () => {
      const f = new Future();
      f.setException(new Error("seen"));
      assert.equal((f.exception() as Error).message, "seen");
    };
    const text = await captureStderr(async () => {
      failAndRetrieve(); // on the default loop, and dropped at once
      for (let i = 0; i < 5; i++) {
        await turn();
        collect();
        await turn();
      }
    });
    assert.equal(text, "");
  });
});
