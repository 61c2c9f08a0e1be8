// Ported from CPython's Lib/test/test_asyncio/test_graph.py (3.14): the "awaited by" half of each case. JavaScript
// offers no frames of a suspended async function, so the call stacks asyncio checks have no counterpart (see
// docs/differences-from-asyncio.md); aio shows what each task waits on instead, checked here where asyncio checks
// the innermost frame. test_stack_async_gen checks only a call stack: nothing to port.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type CallGraph,
  captureCallGraph,
  createTask,
  Future,
  formatCallGraph,
  gather,
  shield,
  sleep,
  type Task,
  taskGroup,
  timeout,
  wait,
} from "aio-ts";
import { runVirtual } from "../helpers.ts";

/** As the test's `walk`: the task's name (`T<anon>` for a default one) or `F`, then its awaiters, sorted. */
type Walked = [string, Walked[]];

function walk(graph: CallGraph): Walked {
  const f = graph.future;
  const name =
    "name" in f ? ((f as Task<unknown>).name.startsWith("Task-") ? "T<anon>" : `T<${(f as Task<unknown>).name}>`) : "F";
  const by = graph.awaitedBy.map(walk).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return [name, by];
}

/** As the test's `capture_test_stack`: the walked graph of the current task (or `future`), and its text. */
function captureTestStack(future?: Future<unknown>): [Walked, string] {
  const graph = captureCallGraph(future);
  assert.ok(graph !== undefined);
  return [walk(graph), formatCallGraph(future)];
}

// asyncio names main's task after nothing; aio's run() calls it "main".
const MAIN: Walked = ["T<main>", []];

describe("test_graph.CallStackTestBase", () => {
  test("test_stack_tgroup", async () => {
    await runVirtual(async () => {
      let stackForC5: [Walked, string] | undefined;
      const c5 = (): void => {
        stackForC5 = captureTestStack();
      };
      const c4 = async (): Promise<void> => {
        await sleep(0);
        c5();
      };
      const c3 = () => c4();
      const c2 = () => c3();
      const c1 = async (task: Task<unknown>): Promise<void> => {
        await task;
      };
      await taskGroup(async (tg) => {
        const task = tg.createTask(c2, { name: "c2_root" });
        tg.createTask(() => c1(task), { name: "sub_main_1" });
        tg.createTask(() => c1(task), { name: "sub_main_2" });
      });
      assert.deepEqual(stackForC5?.[0], ["T<c2_root>", [MAIN, ["T<sub_main_1>", [MAIN]], ["T<sub_main_2>", [MAIN]]]]);
      // Where asyncio prints the call stack, aio prints the task's creation site in debug mode (runVirtual's).
      assert.match(stackForC5?.[1] ?? "", /^\* Task\(name="c2_root", id=\d+, running\)\n {2}\+ Created at:/);
    });
  });

  test("test_stack_gather", async () => {
    await runVirtual(async () => {
      let stackForDeep: [Walked, string] | undefined;
      const deep = async (): Promise<void> => {
        await sleep(0);
        stackForDeep = captureTestStack();
      };
      const c1 = async (): Promise<void> => {
        await sleep(0);
        await deep();
      };
      const c2 = async (): Promise<void> => {
        await sleep(0);
      };
      await gather(c1, c2);
      assert.deepEqual(stackForDeep?.[0], ["T<anon>", [MAIN]]);
    });
  });

  test("test_stack_shield", async () => {
    await runVirtual(async () => {
      let stackForShield: [Walked, string] | undefined;
      const deep = async (): Promise<void> => {
        await sleep(0);
        stackForShield = captureTestStack();
      };
      const c1 = async (): Promise<void> => {
        await sleep(0);
        await deep();
      };
      await shield(c1);
      assert.deepEqual(stackForShield?.[0], ["T<anon>", [MAIN]]);
    });
  });

  test("test_stack_timeout", async () => {
    await runVirtual(async () => {
      let stackForInner: [Walked, string] | undefined;
      const inner = async (): Promise<void> => {
        await sleep(0);
        stackForInner = captureTestStack();
      };
      const c1 = () =>
        timeout(1000, async () => {
          await sleep(0);
          await inner();
        });
      await shield(c1);
      assert.deepEqual(stackForInner?.[0], ["T<anon>", [MAIN]]);
    });
  });

  test("test_stack_wait", async () => {
    await runVirtual(async () => {
      let stackForInner: [Walked, string] | undefined;
      const inner = async (): Promise<void> => {
        await sleep(0);
        stackForInner = captureTestStack();
      };
      const c1 = () =>
        timeout(1000, async () => {
          await sleep(0);
          await inner();
        });
      const c2 = async (): Promise<void> => {
        for (let i = 0; i < 3; i++) await sleep(0);
      };
      const t1 = createTask(c1);
      const t2 = createTask(c2);
      try {
        for (;;) {
          const { pending } = await wait([t1, t2]);
          if (pending.size === 0) break;
        }
      } finally {
        await t1;
        await t2;
      }
      assert.deepEqual(stackForInner?.[0], ["T<anon>", [MAIN]]);
    });
  });

  test("test_stack_task", async () => {
    await runVirtual(async () => {
      let stackForInner: [Walked, string] | undefined;
      const inner = async (): Promise<void> => {
        await sleep(0);
        stackForInner = captureTestStack();
      };
      const c1 = () => inner();
      const c2 = async (): Promise<void> => {
        await createTask(c1, { name: "there there" });
      };
      await c2();
      assert.deepEqual(stackForInner?.[0], ["T<there there>", [MAIN]]);
    });
  });

  test("test_stack_future", async () => {
    await runVirtual(async () => {
      let stackForFut: [Walked, string] | undefined;
      const a2 = async (fut: Future<void>): Promise<void> => {
        await fut;
      };
      const a1 = (fut: Future<void>) => a2(fut);
      const b1 = async (fut: Future<void>): Promise<void> => {
        await fut;
      };
      const fut = new Future<void>();
      await taskGroup(async (g) => {
        g.createTask(() => a1(fut), { name: "task A" });
        g.createTask(() => b1(fut), { name: "task B" });
        for (let i = 0; i < 5; i++) await sleep(0);
        stackForFut = captureTestStack(fut);
        fut.setResult();
      });
      assert.deepEqual(stackForFut?.[0], [
        "F",
        [
          ["T<task A>", [MAIN]],
          ["T<task B>", [MAIN]],
        ],
      ]);
      assert.ok(stackForFut?.[1].startsWith("* Future(id="));
    });
  });
});
