// The in-process await graph: what each task waits on, who awaits it (captureCallGraph, formatCallGraph,
// printCallGraph), and the snapshot of every task that `aio ps` and traces build on. Virtual time throughout;
// streams, child processes and HTTP use real loopback peers.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  asCompleted,
  Barrier,
  BoundedSemaphore,
  type CallGraph,
  CapacityLimiter,
  Condition,
  captureCallGraph,
  createSubprocessExec,
  createTask,
  currentTask,
  Event,
  Future,
  formatCallGraph,
  gather,
  Lock,
  openConnection,
  printCallGraph,
  Queue,
  Semaphore,
  shield,
  sleep,
  startServer,
  type Task,
  taskGroup,
  timeout,
  wait,
  waitFor,
} from "aio-ts";
import { ClientSession } from "aio-ts/http";
import { serve } from "aio-ts/testing";
import { inspection } from "../../src/core/index.ts";
import { deadlinesOf, describeWait as describeNow } from "../../src/inspect/describe.ts";
import { snapshotTasks } from "../../src/inspect/snapshot.ts";
import { runVirtual } from "../helpers.ts";
import { sockets } from "../streams/helpers.ts";

/** What `task` waits on, with the deadlines in force (as a snapshot gives it). */
const describeWait = (task: Task<unknown>) => describeNow(task, deadlinesOf(task._loop));

/** Lets every task started so far run up to its first real wait. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await sleep(0);
}

/** Waits (in loop time) until `task` waits on something of `kind`: for waits that real I/O starts. */
async function until(task: Task<unknown>, kind: string): Promise<void> {
  for (let i = 0; i < 200 && describeWait(task)?.kind !== kind; i++) await sleep(50);
}

const label = (task: Task<unknown>): string | undefined => describeWait(task)?.label;
const names = (graph: CallGraph | undefined): string[] =>
  (graph?.awaitedBy ?? []).map((g) => (g.future as Task<unknown>).name);

/** runVirtual without debug mode: no `createdAt`, so formatted graphs are exact. */
const plain = { debug: false } as const;

describe("what a task waits on", () => {
  test("a sleep says until when, in loop time", async () => {
    await runVirtual(async () => {
      const t = createTask(() => sleep(12_500), { name: "sleeper" });
      await settle();
      assert.deepEqual(describeWait(t), { kind: "sleep", label: "sleep until 12.5 s" });
      await sleep(1000);
      const u = createTask(() => sleep(250), { name: "short" });
      await settle();
      assert.equal(label(u), "sleep until 1.25 s");
      const forever = createTask(() => sleep(Number.POSITIVE_INFINITY));
      await settle();
      assert.equal(label(forever), "sleep forever");
      t.cancel();
      forever.cancel();
      await u;
      await assert.rejects(t, { name: "CancelledError" });
      await assert.rejects(forever, { name: "CancelledError" });
    });
  });

  test("nothing while running, before the first step, once done, or on a foreign promise", async () => {
    await runVirtual(async () => {
      const { promise, resolve } = Promise.withResolvers<void>();
      const foreign = createTask(() => promise, { name: "foreign" });
      const fresh = createTask(() => sleep(10));
      assert.equal(describeWait(fresh), undefined); // not started yet
      await settle();
      assert.equal(describeWait(foreign), undefined);
      assert.equal(describeWait(createTask(async () => {})), undefined);
      const self = captureCallGraph();
      assert.equal(self?.waitsOn, undefined); // main is running
      await fresh;
      assert.equal(describeWait(fresh), undefined);
      resolve();
      await foreign;
    });
  });

  test("another task, by name", async () => {
    await runVirtual(async () => {
      const worker = createTask(() => sleep(1000), { name: "fetch-3" });
      const boss = createTask(async () => await worker, { name: "boss" });
      await settle();
      assert.deepEqual(describeWait(boss), { kind: "task", label: 'task "fetch-3"' });
      await boss;
    });
  });

  test("a plain future", async () => {
    await runVirtual(async () => {
      const f = new Future<number>();
      const t = createTask(async () => await f);
      await settle();
      assert.deepEqual(describeWait(t), { kind: "future", label: "Future pending" });
      f.setResult(1);
      await t;
    });
  });

  test("gather of N, with how many are done", async () => {
    await runVirtual(async () => {
      const t = createTask(() => gather(sleep(100), sleep(200), sleep(300)), { name: "g" });
      await settle();
      assert.deepEqual(describeWait(t), { kind: "gather", label: "gather of 3 (0 done)" });
      await sleep(150);
      assert.equal(label(t), "gather of 3 (1 done)");
      await t;
    });
  });

  test("a task group's exit waits for its children, by name", async () => {
    await runVirtual(async () => {
      const t = createTask(
        () =>
          taskGroup(async (tg) => {
            tg.createTask(() => sleep(100), { name: "a" });
            tg.createTask(() => sleep(200), { name: "b" });
          }),
        { name: "group" },
      );
      await settle();
      assert.deepEqual(describeWait(t), { kind: "taskgroup", label: 'TaskGroup exit (waiting for 2 tasks: "a", "b")' });
      await sleep(150);
      assert.equal(label(t), 'TaskGroup exit (waiting for 1 task: "b")');
      await t;
    });
  });

  test("a task group's exit names its first five children and marks the rest", async () => {
    await runVirtual(async () => {
      const t = createTask(
        () =>
          taskGroup(async (tg) => {
            for (let i = 0; i < 6; i++) tg.createTask(() => sleep(100 * (i + 1)), { name: `c${i}` });
          }),
        { name: "group" },
      );
      await settle();
      assert.equal(label(t), 'TaskGroup exit (waiting for 6 tasks: "c0", "c1", "c2", "c3", "c4", ...)');
      await sleep(150);
      assert.equal(label(t), 'TaskGroup exit (waiting for 5 tasks: "c1", "c2", "c3", "c4", "c5")');
      await t;
    });
  });

  test("until started(), a tg.start child is awaited by the task that called start()", async () => {
    await runVirtual(async () => {
      await taskGroup(async (tg) => {
        let child: Task | undefined;
        const starter = createTask(
          () =>
            tg.start<number>(async (started) => {
              child = currentTask();
              await sleep(100);
              started(1);
              await sleep(100);
            }),
          { name: "starter" },
        );
        await settle();
        assert.deepEqual(names(captureCallGraph(child)), ["starter"]);
        assert.equal(await starter, 1);
      });
    });
  });

  test("a lock released to a woken waiter says so to the next in line; the woken one is about to resume", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      await lock.acquire();
      const take = async (): Promise<void> => {
        await lock.acquire();
        lock.release();
      };
      const first = createTask(take, { name: "first" });
      const second = createTask(take, { name: "second" });
      await settle();
      lock.release(); // first is woken, and has not run yet
      assert.deepEqual(describeWait(first), { kind: "other", label: "woken, about to resume" });
      assert.equal(label(second), "Lock.acquire (handed to a woken waiter)");
      await gather(first, second);
    });
  });

  test("shield says what it shields", async () => {
    await runVirtual(async () => {
      const inner = createTask(() => sleep(100), { name: "inner" });
      const outer = createTask(() => shield(inner), { name: "outer" });
      await settle();
      assert.deepEqual(describeWait(outer), { kind: "shield", label: 'shield(task "inner")' });
      await outer;
    });
  });

  test("a wait under timeout() or waitFor says when its deadline expires", async () => {
    await runVirtual(async () => {
      const viaWaitFor = createTask(() => waitFor(() => sleep(10_000), 3000), { name: "wf" });
      const viaTimeout = createTask(() => timeout(3000, () => sleep(10_000)), { name: "to" });
      const inline = createTask(() => waitFor(sleep(10_000), 3000), { name: "inline" });
      await settle();
      assert.match(label(viaWaitFor) ?? "", /^task "Task-\d+" \(waitFor at 3 s\)$/);
      assert.deepEqual(describeWait(viaTimeout), { kind: "sleep", label: "sleep until 10 s (timeout at 3 s)" });
      assert.equal(describeNow(viaTimeout)?.label, "sleep until 10 s"); // O(1): no scan of the timers unless asked
      assert.deepEqual(describeWait(inline), {
        kind: "sleep",
        label: "sleep until 10 s (waitFor at 3 s)",
      });
      const nested = createTask(() => timeout(5000, () => timeout(4000, () => sleep(10_000))), { name: "nested" });
      await settle();
      assert.equal(label(nested), "sleep until 10 s (timeout at 4 s, timeout at 5 s)");
      await assert.rejects(nested, { name: "TimeoutError" });
      await assert.rejects(inline, { name: "TimeoutError" });
      await assert.rejects(viaWaitFor, { name: "TimeoutError" });
      await assert.rejects(viaTimeout, { name: "TimeoutError" });
    });
  });

  test("wait() says which condition and how many are pending", async () => {
    await runVirtual(async () => {
      const a = createTask(() => sleep(100));
      const b = createTask(() => sleep(200));
      const t = createTask(() => wait([a, b], { returnWhen: "FIRST_COMPLETED" }), { name: "w" });
      await settle();
      assert.deepEqual(describeWait(t), { kind: "future", label: "wait(FIRST_COMPLETED, 2 pending)" });
      await t;
      await b;
    });
  });

  test("asCompleted says how many are to come, and its inputs are awaited by its consumer", async () => {
    await runVirtual(async () => {
      const a = createTask(() => sleep(100), { name: "a" });
      const b = createTask(() => sleep(200), { name: "b" });
      const consumer = createTask(
        async () => {
          for await (const done of asCompleted([a, b])) await done;
        },
        { name: "consumer" },
      );
      await settle();
      assert.deepEqual(describeWait(consumer), { kind: "future", label: "asCompleted (2 to come)" });
      assert.deepEqual(names(captureCallGraph(b)), ["consumer"]);
      await sleep(150);
      assert.equal(label(consumer), "asCompleted (1 to come)");
      await consumer;
    });
  });

  test("queues: get, put and join, with the queue's name and state", async () => {
    await runVirtual(async () => {
      const jobs = new Queue<number>(1, { name: "jobs" });
      const getter = createTask(() => jobs.get());
      await settle();
      assert.deepEqual(describeWait(getter), { kind: "queue", label: 'Queue.get (queue "jobs", 0 items)' });
      jobs.putNowait(1);
      await getter;
      jobs.putNowait(2);
      const putter = createTask(() => jobs.put(3));
      const joiner = createTask(() => jobs.join());
      await settle();
      assert.equal(label(putter), 'Queue.put (queue "jobs", full: 1 of 1)');
      assert.equal(label(joiner), 'Queue.join (queue "jobs", 2 unfinished)');
      const anonymous = new Queue<number>();
      const other = createTask(() => anonymous.get());
      await settle();
      assert.equal(label(other), "Queue.get (0 items)");
      other.cancel();
      joiner.cancel();
      await jobs.get();
      await putter;
      await assert.rejects(other, { name: "CancelledError" });
      await assert.rejects(joiner, { name: "CancelledError" });
      assert.throws(() => new Queue(0, { name: 42 as unknown as string }), /Expected `name` to be a string/);
    });
  });

  test("a lock names the task that holds it", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      const writer = createTask(
        async () => {
          await lock.acquire();
          try {
            await sleep(100);
          } finally {
            lock.release();
          }
        },
        { name: "writer" },
      );
      const reader = createTask(async () => {
        await lock.acquire();
        lock.release();
      });
      await settle();
      assert.deepEqual(describeWait(reader), { kind: "lock", label: 'Lock.acquire (held by task "writer")' });
      const late = createTask(() => lock.acquire(), { name: "late" });
      await settle();
      assert.equal(label(late), 'Lock.acquire (held by task "writer")');
      await writer;
      await reader;
      await late;
      const third = createTask(() => lock.acquire());
      await settle();
      assert.equal(label(third), 'Lock.acquire (held by task "late")');
      lock.release();
      await third;
    });
  });

  test("a lock's holder is recorded from the first look inside the process on (or in debug mode)", async () => {
    await runVirtual(async () => {
      const was = inspection.on;
      inspection.on = false; // as in a process nothing has inspected yet
      try {
        const lock = new Lock();
        const before = createTask(() => lock.acquire(), { name: "before" });
        await settle();
        const waiter = createTask(() => lock.acquire());
        await settle();
        assert.equal(label(waiter), "Lock.acquire (held)"); // the look turns recording on...
        lock.release();
        await waiter;
        lock.release();
        const after = createTask(() => lock.acquire(), { name: "after" });
        await settle();
        const next = createTask(() => lock.acquire());
        await settle();
        assert.equal(label(next), 'Lock.acquire (held by task "after")'); // ...for what follows
        lock.release();
        await next;
        await after;
        await before;
      } finally {
        inspection.on = was;
      }
    }, plain);
  });

  test("semaphores say how many permits are free of how many", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(3);
      for (let i = 0; i < 3; i++) await sem.acquire();
      const t = createTask(() => sem.acquire());
      await settle();
      assert.deepEqual(describeWait(t), { kind: "semaphore", label: "Semaphore.acquire (0 of 3 free)" });
      const bounded = new BoundedSemaphore(1);
      await bounded.acquire();
      const u = createTask(() => bounded.acquire());
      await settle();
      assert.equal(label(u), "BoundedSemaphore.acquire (0 of 1 free)");
      sem.release();
      bounded.release();
      await t;
      await u;
    });
  });

  test("event, condition, barrier and capacity limiter", async () => {
    await runVirtual(async () => {
      const event = new Event();
      const onEvent = createTask(() => event.wait());
      const cond = new Condition();
      const onCond = createTask(async () => {
        await cond.acquire();
        try {
          await cond.wait();
        } finally {
          cond.release();
        }
      });
      const barrier = new Barrier(3);
      const atBarrier = createTask(() => barrier.wait());
      const limiter = new CapacityLimiter(1);
      await limiter.acquire();
      const onLimiter = createTask(() => limiter.acquire());
      await settle();
      assert.deepEqual(describeWait(onEvent), { kind: "event", label: "Event.wait" });
      assert.deepEqual(describeWait(onCond), { kind: "condition", label: "Condition.wait (1 waiting)" });
      assert.deepEqual(describeWait(atBarrier), { kind: "barrier", label: "Barrier.wait (1 of 3 arrived)" });
      assert.deepEqual(describeWait(onLimiter), {
        kind: "limiter",
        label: "CapacityLimiter.acquire (0 of 1 tokens free)",
      });
      event.set();
      await cond.acquire();
      cond.notifyAll();
      cond.release();
      await barrier.abort();
      limiter.release();
      await onEvent;
      await onCond;
      await assert.rejects(atBarrier, { name: "BrokenBarrierError" });
      await onLimiter;
    });
  });
});

describe("waits on the outside world", () => {
  test("a stream read names the read and the peer", async () => {
    await runVirtual(async () => {
      const served = new Future<void>();
      await using server = await startServer(
        async (reader, writer) => {
          await reader.readline();
          served.setResult();
          writer.close();
        },
        "127.0.0.1",
        0,
      );
      const { port } = server.address() as { port: number };
      const [reader, writer] = await openConnection("127.0.0.1", port);
      const t = createTask(() => reader.readexactly(4), { name: "reading" });
      await until(t, "stream");
      assert.deepEqual(describeWait(t), { kind: "stream", label: `readexactly(4) on 127.0.0.1:${port}` });
      writer.write("hi\n");
      await served;
      await assert.rejects(t, { name: "IncompleteReadError" });
      writer.close();
    }, sockets());
  });

  test("a child process wait names the pid", async () => {
    await runVirtual(async () => {
      const proc = await createSubprocessExec("sleep", ["5"], { stdin: "ignore", stdout: "ignore" });
      try {
        const t = createTask(() => proc.wait(), { name: "waiting" });
        await settle();
        assert.deepEqual(describeWait(t), { kind: "process", label: `Process.wait (pid ${proc.pid})` });
        proc.kill();
        assert.equal(await t, -9);
      } finally {
        if (proc.returncode === null) proc.kill();
      }
    }, sockets());
  });

  test("an HTTP request names the method and the URL", async () => {
    await using server = await serve({ quiet: true });
    await runVirtual(async () => {
      await using session = new ClientSession();
      const url = `${server.url}/delay/10`;
      const t = createTask(() => session.get(url), { name: "fetch" });
      await until(t, "http");
      assert.deepEqual(describeWait(t), { kind: "http", label: `HTTP GET ${url}` });
      t.cancel();
      await assert.rejects(t, { name: "CancelledError" });
    }, sockets());
  });
});

describe("captureCallGraph", () => {
  test("follows the awaiters up the chain", async () => {
    await runVirtual(async () => {
      const leaf = createTask(() => sleep(1000), { name: "leaf" });
      const mid = createTask(async () => await leaf, { name: "mid" });
      const top = createTask(async () => await mid, { name: "top" });
      await settle();
      const graph = captureCallGraph(leaf);
      assert.equal(graph?.future, leaf);
      assert.deepEqual(graph?.waitsOn, { kind: "sleep", label: "sleep until 1 s" });
      assert.deepEqual(names(graph), ["mid"]);
      assert.deepEqual(names(graph?.awaitedBy[0]), ["top"]);
      assert.deepEqual(graph?.awaitedBy[0]?.awaitedBy[0]?.awaitedBy, []);
      await top;
    });
  });

  test("a gather's children are awaited by the task that awaits the gather", async () => {
    await runVirtual(async () => {
      const a = createTask(() => sleep(100), { name: "a" });
      const b = createTask(() => sleep(100), { name: "b" });
      const parent = createTask(() => gather(a, b), { name: "parent" });
      await settle();
      assert.deepEqual(names(captureCallGraph(a)), ["parent"]);
      assert.deepEqual(names(captureCallGraph(b)), ["parent"]);
      await parent;
    });
  });

  test("a task group's children are awaited by the group's task, even while its body runs", async () => {
    await runVirtual(async () => {
      let kid: Task<unknown> | undefined;
      let seen: string[] = [];
      const owner = createTask(
        () =>
          taskGroup(async (tg) => {
            kid = tg.createTask(() => sleep(100), { name: "kid" });
            seen = names(captureCallGraph(kid));
          }),
        { name: "owner" },
      );
      await owner;
      assert.deepEqual(seen, ["owner"]);
      assert.ok(kid?.done());
    });
  });

  test("a shielded task is awaited by the task that awaits the shield", async () => {
    await runVirtual(async () => {
      const inner = createTask(() => sleep(100), { name: "inner" });
      const outer = createTask(() => shield(inner), { name: "outer" });
      await settle();
      assert.deepEqual(names(captureCallGraph(inner)), ["outer"]);
      outer.cancel();
      await assert.rejects(outer, { name: "CancelledError" });
      assert.deepEqual(names(captureCallGraph(inner)), []);
      await inner;
    });
  });

  test("a future awaited by several tasks", async () => {
    await runVirtual(async () => {
      const f = new Future<void>();
      const one = createTask(async () => await f, { name: "one" });
      const two = createTask(async () => await f, { name: "two" });
      await settle();
      const graph = captureCallGraph(f);
      assert.equal(graph?.waitsOn, undefined);
      assert.deepEqual(names(graph), ["one", "two"]);
      f.setResult();
      await gather(one, two);
    });
  });

  test("depth and limit cut the graph and count what they leave out", async () => {
    await runVirtual(async () => {
      const f = new Future<void>();
      const waiters = [1, 2, 3, 4].map((n) => createTask(async () => await f, { name: `w${n}` }));
      const top = createTask(async () => await waiters[0], { name: "top" });
      await settle();
      const limited = captureCallGraph(f, { limit: 2 });
      assert.deepEqual(names(limited), ["w1", "w2"]);
      assert.equal(limited?.moreAwaitedBy, 2);
      const shallow = captureCallGraph(f, { depth: 1 });
      assert.equal(shallow?.awaitedBy.length, 4);
      assert.deepEqual(shallow?.awaitedBy[0]?.awaitedBy, []);
      assert.equal(shallow?.awaitedBy[0]?.moreAwaitedBy, 1); // "top", not followed
      const alone = captureCallGraph(f, { depth: 0 });
      assert.deepEqual(alone?.awaitedBy, []);
      assert.equal(alone?.moreAwaitedBy, 4);
      f.setResult();
      await top;
      await gather(...waiters);
    });
  });

  test("marks a circle of tasks awaiting each other", async () => {
    await runVirtual(async () => {
      const tasks: Task<unknown>[] = [];
      // a awaits b through a shield (so that cancelling a ends the circle), b awaits a.
      tasks.push(createTask(async () => await shield(tasks[1] as Task<unknown>), { name: "a" }));
      tasks.push(createTask(async () => await tasks[0], { name: "b" }));
      await settle();
      const [a, b] = tasks as [Task<unknown>, Task<unknown>];
      const graph = captureCallGraph(a);
      assert.deepEqual(names(graph), ["b"]);
      assert.equal(graph?.awaitedBy[0]?.awaitedBy[0]?.future, a);
      assert.equal(graph?.awaitedBy[0]?.awaitedBy[0]?.cycle, true);
      assert.match(formatCallGraph(a), /\+ Deadlock: this task is already in the chain above/);
      a.cancel();
      await assert.rejects(a, { name: "CancelledError" });
      await assert.rejects(b, { name: "CancelledError" });
    });
  });

  test("defaults to the current task; undefined outside any task", async () => {
    assert.equal(captureCallGraph(), undefined);
    assert.equal(formatCallGraph(), "");
    await runVirtual(async () => {
      const graph = captureCallGraph();
      assert.equal((graph?.future as Task<unknown> | undefined)?.name, "main");
    });
  });

  test("checks its arguments", () => {
    assert.throws(() => captureCallGraph({} as Task<unknown>), {
      name: "TypeError",
      code: "ERR_AIO_INVALID_ARGUMENT",
      message: /Expected `task` to be a Task or a Future/,
    });
    assert.throws(() => captureCallGraph(undefined, { depth: -1 }), { name: "RangeError", message: /`depth`/ });
    assert.throws(() => captureCallGraph(undefined, { depth: 1.5 }), { name: "RangeError", message: /`depth`/ });
    assert.throws(() => captureCallGraph(undefined, { depth: "2" as unknown as number }), {
      name: "TypeError",
      message: /`depth`/,
    });
    assert.throws(() => captureCallGraph(undefined, { limit: 0 }), { name: "RangeError", message: /`limit`/ });
    assert.throws(() => formatCallGraph(42 as unknown as Task<unknown>), { name: "TypeError", message: /`task`/ });
    assert.throws(() => printCallGraph(undefined, { file: {} as { write(t: string): void } }), {
      name: "TypeError",
      message: /`file`/,
    });
  });

  test("debug mode adds where the task was created", async () => {
    await runVirtual(
      async () => {
        const t = createTask(() => sleep(10), { name: "traced" });
        const graph = captureCallGraph(t);
        assert.match(graph?.createdAt ?? "", /graph\.test\.ts/);
        // The frames, one a line; aio's own are left out where the stack names them as file URLs (Node 24).
        assert.match(formatCallGraph(t), /\n {2}\+ Created at:\n( {2}\| {3}at .*\n)*? {2}\| {3}at .*graph\.test\.ts/);
        await t;
      },
      { debug: true },
    );
  });
});

describe("formatCallGraph and printCallGraph", () => {
  test("lay the graph out as asyncio does, with the waits-on line", async () => {
    await runVirtual(async () => {
      const child = createTask(() => sleep(5000), { name: "child" });
      const parent = createTask(async () => await child, { name: "parent" });
      const boss = createTask(() => gather(parent), { name: "boss" });
      await settle();
      const expected = [
        `* Task(name="child", id=${child._id})`,
        "  + Waits on: sleep until 5 s",
        "  + Awaited by:",
        `    * Task(name="parent", id=${parent._id})`,
        '      + Waits on: task "child"',
        "      + Awaited by:",
        `        * Task(name="boss", id=${boss._id})`,
        "          + Waits on: gather of 1 (0 done)",
      ].join("\n");
      assert.equal(formatCallGraph(child), expected);
      let written = "";
      printCallGraph(child, { file: { write: (text: string) => (written += text) } });
      assert.equal(written, `${expected}\n`);
      boss.cancel();
      await assert.rejects(boss, { name: "CancelledError" });
    }, plain);
  });

  test("a future, a running task and a cancelling one", async () => {
    await runVirtual(async () => {
      const f = new Future<void>();
      const t = createTask(
        async () => {
          try {
            await f;
          } finally {
            await sleep(10);
          }
        },
        { name: "t" },
      );
      await settle();
      assert.match(
        formatCallGraph(f),
        /^\* Future\(id=\d+\)\n {2}\+ Awaited by:\n {4}\* Task\(name="t", id=\d+\)\n {6}\+ Waits on: Future pending$/,
      );
      assert.match(formatCallGraph(), /^\* Task\(name="main", id=\d+, running\)$/);
      t.cancel();
      await sleep(0);
      assert.match(
        formatCallGraph(t),
        /^\* Task\(name="t", id=\d+, cancelling\)\n {2}\+ Waits on: sleep until 0\.01 s$/,
      );
      await assert.rejects(t, { name: "CancelledError" });
      assert.match(formatCallGraph(t), /^\* Task\(name="t", id=\d+, cancelled\)$/);
    }, plain);
  });

  test("printCallGraph writes nothing outside a task", () => {
    let written = "";
    printCallGraph(undefined, { file: { write: (text: string) => (written += text) } });
    assert.equal(written, "");
  });
});

describe("snapshotTasks", () => {
  test("every live task, with its state, wait, awaiters, parent and age", async () => {
    await runVirtual(async () => {
      await sleep(1000);
      const lock = new Lock();
      await lock.acquire();
      const child = createTask(() => lock.acquire(), { name: "child" });
      const parent = createTask(async () => await child, { name: "parent" });
      await sleep(500);
      const { loops } = snapshotTasks();
      const mine = loops.find((l) => l.tasks.some((t) => t.id === child._id));
      assert.ok(mine);
      assert.equal(mine.time, 1500);
      const rows = new Map(mine.tasks.map((r) => [r.name, r]));
      assert.deepEqual([...rows.keys()], ["main", "child", "parent"]);
      assert.deepEqual(rows.get("main"), {
        id: rows.get("main")?.id,
        name: "main",
        state: "running",
        waitsOn: undefined,
        awaitedBy: [],
        parent: undefined,
        ageMs: 1500,
        createdAt: rows.get("main")?.createdAt,
        cancelling: 0,
      });
      const childRow = rows.get("child");
      assert.equal(childRow?.state, "pending");
      assert.deepEqual(childRow?.waitsOn, { kind: "lock", label: 'Lock.acquire (held by task "main")' });
      assert.deepEqual(childRow?.awaitedBy, [parent._id]);
      assert.equal(childRow?.parent, rows.get("main")?.id);
      assert.equal(childRow?.ageMs, 500);
      parent.cancel();
      const after = snapshotTasks().loops.find((l) => l.tasks.some((t) => t.id === parent._id));
      assert.equal(after?.tasks.find((t) => t.id === parent._id)?.cancelling, 1);
      await assert.rejects(parent, { name: "CancelledError" });
      assert.ok(child.cancelled());
      lock.release();
    });
  });

  test("10,000 tasks: every one, each once, with the right waits and awaiters", async () => {
    await runVirtual(async () => {
      const gate = new Event();
      const sleepers = Array.from({ length: 5000 }, (_, i) => createTask(() => sleep(60_000 + i)));
      const waiters = Array.from({ length: 4999 }, () => createTask(() => gate.wait()));
      const joiner = createTask(() => gather(...sleepers), { name: "joiner" });
      await settle();
      const { loops } = snapshotTasks();
      const mine = loops.find((l) => l.tasks.some((t) => t.id === joiner._id));
      assert.ok(mine);
      assert.equal(mine.tasks.length, 10_001); // and main
      assert.equal(new Set(mine.tasks.map((t) => t.id)).size, 10_001);
      const kinds = new Map<string, number>();
      for (const row of mine.tasks) kinds.set(row.waitsOn?.kind ?? "-", (kinds.get(row.waitsOn?.kind ?? "-") ?? 0) + 1);
      assert.deepEqual(Object.fromEntries(kinds), { "-": 1, sleep: 5000, event: 4999, gather: 1 });
      const awaitedByJoiner = mine.tasks.filter((r) => r.awaitedBy.length === 1 && r.awaitedBy[0] === joiner._id);
      assert.equal(awaitedByJoiner.length, 5000);
      gate.set();
      joiner.cancel();
      await assert.rejects(joiner, { name: "CancelledError" });
      await gather(...waiters);
    });
  });

  test("a closed loop is left out", async () => {
    let id = 0;
    await runVirtual(async () => {
      const t = createTask(() => sleep(10));
      id = t._id;
      await t;
    });
    const all = snapshotTasks().loops.flatMap((l) => l.tasks.map((t) => t.id));
    assert.ok(!all.includes(id));
  });
});
