// Cases that pin details of the kernel (futures, tasks, the loop's reports, ensureFuture) which the other
// tests of the folder do not reach: each was added because a mutation of the code went unnoticed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CancelledError,
  createTask,
  currentTask,
  ensureFuture,
  Future,
  getRunningLoop,
  isCancelledError,
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
