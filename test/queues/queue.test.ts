import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  AioError,
  CancelledError,
  createTask,
  Future,
  InvalidStateError,
  type LoopReport,
  now,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  sleep,
  TimeoutError,
  timeout,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

/** Runs `main` on a VirtualClock and checks the loop reported nothing (no failed task left unawaited). */
async function runClean<T>(main: () => Promise<T>): Promise<T> {
  const reports: LoopReport[] = [];
  const result = await runVirtual(main, { reports });
  assert.deepEqual(
    reports.map((r) => r.message),
    [],
  );
  return result;
}

/** Takes every item left, without waiting. */
function drain<T>(q: Queue<T>): T[] {
  const items: T[] = [];
  while (!q.empty()) items.push(q.getNowait());
  return items;
}

class Reason extends Error {}

describe("Queue: order and size", () => {
  test("hands items out first in, first out", async () => {
    await runClean(async () => {
      const q = new Queue<number>();
      for (const i of [1, 3, 2]) q.putNowait(i);
      await q.put(5);
      assert.deepEqual([await q.get(), q.getNowait(), await q.get(), q.getNowait()], [1, 3, 2, 5]);
    });
  });

  test("keeps FIFO order across many wrap-arounds of its buffer", async () => {
    await runClean(async () => {
      const q = new Queue<number>(5);
      const out: number[] = [];
      let next = 0;
      for (let round = 0; round < 200; round++) {
        for (let i = 0; i < 1 + (round % 5) && !q.full(); i++) q.putNowait(next++);
        for (let i = 0; i < 1 + ((round * 7) % 3) && !q.empty(); i++) out.push(q.getNowait());
      }
      out.push(...drain(q));
      assert.deepEqual(
        out,
        Array.from({ length: next }, (_, i) => i),
      );
    });
  });

  test("keeps order through a burst larger than its buffer, and after shrinking back", async () => {
    await runClean(async () => {
      const q = new Queue<number>();
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 10_000; i++) q.putNowait(i);
        assert.equal(q.qsize(), 10_000);
        for (let i = 0; i < 10_000; i++) assert.equal(q.getNowait(), i);
        assert.ok(q.empty());
      }
    });
  });

  test("gives its buffer back when it empties after a burst", async () => {
    await runClean(async () => {
      const q = new Queue<number>();
      // White-box: the buffer's size is visible only as memory held, so the test reads the private field.
      const capacity = (): number => (q as unknown as { ring: unknown[] }).ring.length;
      for (let i = 0; i < 10_000; i++) q.putNowait(i);
      assert.ok(capacity() >= 10_000);
      for (let i = 0; i < 9_999; i++) q.getNowait();
      assert.ok(capacity() >= 10_000, "kept while an item is left");
      q.getNowait();
      assert.ok(capacity() <= 16, `a buffer of ${capacity()} slots was kept`);
      q.putNowait(1);
      q.putNowait(2);
      assert.deepEqual(drain(q), [1, 2]);
    });
  });

  test("reports qsize, empty, full and maxsize", async () => {
    await runClean(async () => {
      const q = new Queue<string>(2);
      assert.equal(q.maxsize, 2);
      assert.ok(q.empty());
      assert.ok(!q.full());
      q.putNowait("a");
      assert.equal(q.qsize(), 1);
      assert.ok(!q.empty());
      assert.ok(!q.full());
      q.putNowait("b");
      assert.ok(q.full());
    });
  });

  test("is unbounded when maxsize is absent, 0 or negative", async () => {
    await runClean(async () => {
      for (const q of [new Queue<number>(), new Queue<number>(0), new Queue<number>(-3)]) {
        for (let i = 0; i < 1000; i++) await q.put(i);
        assert.equal(q.qsize(), 1000);
        assert.ok(!q.full());
      }
      assert.equal(new Queue().maxsize, 0);
      assert.equal(new Queue(-3).maxsize, -3);
    });
  });

  test("putNowait on a full queue throws QueueFull and changes nothing", async () => {
    await runClean(async () => {
      const q = new Queue<number>(1);
      q.putNowait(1);
      const error = (() => {
        try {
          q.putNowait(2);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(error instanceof QueueFull);
      assert.ok(error instanceof AioError);
      assert.equal(error.code, "ERR_AIO_QUEUE_FULL");
      assert.match(error.message, /full \(maxsize 1\)/);
      assert.equal(q.qsize(), 1);
      assert.equal(q.statistics().unfinishedTasks, 1);
    });
  });

  test("getNowait on an empty queue throws QueueEmpty", async () => {
    await runClean(async () => {
      const q = new Queue<number>();
      assert.throws(
        () => q.getNowait(),
        (e: unknown) => e instanceof QueueEmpty && e instanceof AioError && e.code === "ERR_AIO_QUEUE_EMPTY",
      );
    });
  });

  test("statistics() is a plain snapshot and toString() sums it up", async () => {
    await runClean(async () => {
      const q = new Queue<number>(1);
      q.putNowait(1);
      const putter = createTask(() => q.put(2));
      await sleep(0);
      assert.deepEqual(q.statistics(), {
        size: 1,
        maxsize: 1,
        getters: 0,
        putters: 1,
        unfinishedTasks: 1,
        shutdown: false,
      });
      assert.equal(String(q), "<Queue maxsize=1 size=1 putters[1] tasks=1>");
      q.getNowait();
      await putter;
      q.getNowait();
      const getter = createTask(() => q.get());
      await sleep(0);
      assert.equal(q.statistics().getters, 1);
      assert.equal(String(q), "<Queue maxsize=1 size=0 getters[1] tasks=2>");
      q.shutdown();
      assert.ok((await rejection(getter)) instanceof QueueShutDown);
      assert.equal(String(q), "<Queue maxsize=1 size=0 tasks=2 shutdown>");
      assert.equal(String(new PriorityQueue()), "<PriorityQueue maxsize=0 size=0>");
    });
  });
});

describe("Queue: waiting", () => {
  test("get waits for an item", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      createTask(async () => {
        await sleep(10);
        q.putNowait("late");
      });
      assert.equal(await q.get(), "late");
      assert.equal(now(), 10);
    });
  });

  test("put waits while the queue is full, and goes in when a get frees a slot", async () => {
    await runClean(async () => {
      const q = new Queue<number>(2);
      const put: number[] = [];
      const producer = createTask(async () => {
        for (const i of [0, 1, 2]) {
          await q.put(i);
          put.push(i);
        }
      });
      await sleep(5);
      assert.deepEqual(put, [0, 1]);
      assert.equal(q.statistics().putters, 1);
      assert.equal(q.getNowait(), 0);
      await producer;
      assert.deepEqual(put, [0, 1, 2]);
      assert.deepEqual(drain(q), [1, 2]);
    });
  });

  test("serves waiting getters in the order they came", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      const log: string[] = [];
      const getters = ["g1", "g2", "g3"].map((name) =>
        createTask(async () => {
          log.push(`${name}:${await q.get()}`);
        }),
      );
      await sleep(0);
      for (const item of ["a", "b", "c"]) q.putNowait(item);
      for (const g of getters) await g;
      assert.deepEqual(log, ["g1:a", "g2:b", "g3:c"]);
    });
  });

  test("serves waiting putters in the order they came", async () => {
    await runClean(async () => {
      const q = new Queue<string>(1);
      q.putNowait("first");
      const putters = ["a", "b", "c"].map((item) => createTask(() => q.put(item)));
      await sleep(0);
      const out: string[] = [];
      for (let i = 0; i < 4; i++) out.push(await q.get());
      for (const p of putters) await p;
      assert.deepEqual(out, ["first", "a", "b", "c"]);
    });
  });

  test("a producer and a consumer move 1000 items through a small queue in order", async () => {
    await runClean(async () => {
      const q = new Queue<number>(3);
      const consumer = createTask(async () => {
        const out: number[] = [];
        for (let i = 0; i < 1000; i++) out.push(await q.get());
        return out;
      });
      for (let i = 0; i < 1000; i++) await q.put(i);
      assert.deepEqual(
        await consumer,
        Array.from({ length: 1000 }, (_, i) => i),
      );
    });
  });
});

describe("Queue: join and taskDone", () => {
  test("join returns at once when nothing is unfinished", async () => {
    await runClean(async () => {
      const q = new Queue<number>();
      await q.join();
      await q.join();
      assert.equal(now(), 0);
    });
  });

  test("join waits until taskDone was called for every item put", async () => {
    await runClean(async () => {
      const q = new Queue<number>();
      for (let i = 0; i < 3; i++) q.putNowait(i);
      const worker = createTask(async () => {
        for (;;) {
          await q.get();
          await sleep(10);
          q.taskDone();
        }
      });
      await q.join();
      assert.equal(now(), 30);
      assert.equal(q.statistics().unfinishedTasks, 0);
      worker.cancel();
    });
  });

  test("an item taken but not marked done still holds join", async () => {
    await runClean(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      q.getNowait();
      const joiner = createTask(() => q.join());
      await sleep(5);
      assert.ok(!joiner.done());
      q.taskDone();
      await joiner;
    });
  });

  test("taskDone called more often than items were put throws InvalidStateError", async () => {
    await runClean(async () => {
      const q = new Queue<number>();
      assert.throws(
        () => q.taskDone(),
        (e: unknown) =>
          e instanceof InvalidStateError && e.code === "ERR_AIO_TASK_DONE_TOO_OFTEN" && /taskDone\(\)/.test(e.message),
      );
      q.putNowait(1);
      q.taskDone();
      assert.throws(() => q.taskDone(), InvalidStateError);
    });
  });

  test("a cancelled join changes nothing, and a signal abandons a join", async () => {
    await runClean(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      const joiner = createTask(() => q.join());
      await sleep(0);
      joiner.cancel();
      assert.ok((await rejection(joiner)) instanceof CancelledError);
      const controller = new AbortController();
      const reason = new Reason("stop");
      const aborted = createTask(() => q.join({ signal: controller.signal }));
      await sleep(0);
      controller.abort(reason);
      assert.equal(await rejection(aborted), reason);
      q.getNowait();
      q.taskDone();
      await q.join();
    });
  });
});

describe("Queue: cancellation", () => {
  test("a cancelled get takes nothing and leaves no waiter behind", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      const getter = createTask(() => q.get());
      await sleep(0);
      assert.equal(q.statistics().getters, 1);
      getter.cancel();
      assert.equal(q.statistics().getters, 0);
      assert.ok((await rejection(getter)) instanceof CancelledError);
      q.putNowait("kept");
      assert.deepEqual(drain(q), ["kept"]);
    });
  });

  test("a getter woken by a put and cancelled before it ran leaves the item to the next getter", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      const first = createTask(() => q.get());
      const second = createTask(() => q.get());
      await sleep(0);
      q.putNowait("item");
      first.cancel(); // its wakeup is already out: it must pass it on
      assert.ok((await rejection(first)) instanceof CancelledError);
      assert.equal(await second, "item");
      assert.ok(q.empty());
    });
  });

  test("a getter woken and cancelled before it ran leaves the item in the queue when nobody else waits", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      const getter = createTask(() => q.get());
      await sleep(0);
      q.putNowait("item");
      getter.cancel();
      assert.ok((await rejection(getter)) instanceof CancelledError);
      assert.deepEqual(drain(q), ["item"]);
    });
  });

  test("several woken getters, one cancelled: every item still reaches a getter", async () => {
    await runClean(async () => {
      const q = new Queue<number>();
      const getters = [0, 1, 2, 3].map(() => createTask(() => q.get()));
      await sleep(0);
      q.putNowait(1);
      q.putNowait(2);
      q.putNowait(3);
      (getters[1] as (typeof getters)[number]).cancel();
      const results = await Promise.allSettled(getters);
      const values = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      assert.deepEqual(
        values.sort((a, b) => a - b),
        [1, 2, 3],
      );
      assert.equal(results[1]?.status, "rejected");
    });
  });

  test("a cancelled put on a full queue inserts nothing, and the next putter proceeds", async () => {
    await runClean(async () => {
      const q = new Queue<string>(1);
      q.putNowait("a");
      const cancelled = createTask(() => q.put("never"));
      const next = createTask(() => q.put("b"));
      await sleep(0);
      cancelled.cancel();
      assert.ok((await rejection(cancelled)) instanceof CancelledError);
      assert.equal(q.statistics().putters, 1);
      assert.equal(q.getNowait(), "a");
      await next;
      assert.deepEqual(drain(q), ["b"]);
      assert.equal(q.statistics().unfinishedTasks, 2);
    });
  });

  test("a putter woken by a get and cancelled before it ran hands the free slot to the next putter", async () => {
    await runClean(async () => {
      const q = new Queue<string>(1);
      q.putNowait("a");
      const first = createTask(() => q.put("never"));
      const second = createTask(() => q.put("b"));
      await sleep(0);
      assert.equal(q.getNowait(), "a"); // wakes `first`
      first.cancel();
      assert.ok((await rejection(first)) instanceof CancelledError);
      await second;
      assert.deepEqual(drain(q), ["b"]);
    });
  });

  test("a putter cancelled before any wakeup leaves the putters behind it their order", async () => {
    await runClean(async () => {
      const q = new Queue<string>(1);
      q.putNowait("a");
      const first = createTask(() => q.put("b"));
      const cancelled = createTask(() => q.put("never"));
      const third = createTask(() => q.put("c"));
      const fourth = createTask(() => q.put("d"));
      await sleep(0);
      cancelled.cancel();
      assert.equal(q.getNowait(), "a"); // wakes `first`; `cancelled` has no wakeup to pass on, though a slot is free
      assert.ok((await rejection(cancelled)) instanceof CancelledError);
      const out: string[] = [];
      for (let i = 0; i < 3; i++) out.push(await q.get());
      await Promise.all([first, third, fourth]);
      assert.deepEqual(out, ["b", "c", "d"]);
    });
  });

  test("a get under timeout() gives up with TimeoutError and takes nothing", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      const error = await rejection(timeout(50, () => q.get()));
      assert.ok(error instanceof TimeoutError);
      assert.equal(now(), 50);
      assert.equal(q.statistics().getters, 0);
      q.putNowait("kept");
      assert.equal(q.qsize(), 1);
    });
  });
});

describe("Queue: signals", () => {
  test("an aborted get throws the signal's reason, takes nothing, and leaves no waiter", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      const controller = new AbortController();
      const reason = new Reason("stop");
      const getter = createTask(() => q.get({ signal: controller.signal }));
      await sleep(0);
      controller.abort(reason);
      assert.equal(q.statistics().getters, 0);
      assert.equal(await rejection(getter), reason);
      q.putNowait("kept");
      assert.equal(q.qsize(), 1);
    });
  });

  test("a get with an already aborted signal on an empty queue throws at once", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      const reason = new Reason("already");
      assert.equal(await rejection(q.get({ signal: AbortSignal.abort(reason) })), reason);
      assert.equal(q.statistics().getters, 0);
    });
  });

  test("a get that need not wait ignores its signal, as an uncontended wait is no cancellation point", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      q.putNowait("ready");
      assert.equal(await q.get({ signal: AbortSignal.abort() }), "ready");
    });
  });

  test("a getter woken and then aborted before it ran passes the item to the next getter", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      const controller = new AbortController();
      const reason = new Reason("late abort");
      const first = createTask(() => q.get({ signal: controller.signal }));
      const second = createTask(() => q.get());
      await sleep(0);
      q.putNowait("item");
      controller.abort(reason);
      assert.equal(await rejection(first), reason);
      assert.equal(await second, "item");
    });
  });

  test("an aborted put inserts nothing and the next putter proceeds", async () => {
    await runClean(async () => {
      const q = new Queue<string>(1);
      q.putNowait("a");
      const controller = new AbortController();
      const reason = new Reason("stop");
      const aborted = createTask(() => q.put("never", { signal: controller.signal }));
      const next = createTask(() => q.put("b"));
      await sleep(0);
      controller.abort(reason);
      assert.equal(await rejection(aborted), reason);
      assert.equal(q.getNowait(), "a");
      await next;
      assert.deepEqual(drain(q), ["b"]);
    });
  });

  test("a putter woken and then aborted before it ran passes the slot on", async () => {
    await runClean(async () => {
      const q = new Queue<string>(1);
      q.putNowait("a");
      const controller = new AbortController();
      const first = createTask(() => q.put("never", { signal: controller.signal }));
      const second = createTask(() => q.put("b"));
      await sleep(0);
      q.getNowait();
      controller.abort(new Reason("late"));
      assert.ok((await rejection(first)) instanceof Reason);
      await second;
      assert.deepEqual(drain(q), ["b"]);
    });
  });

  test("a signal that is not an AbortSignal is refused at once", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      assert.throws(() => q.get({ signal: "soon" as never }), /Expected `signal` to be an AbortSignal/);
      assert.throws(() => q.put("x", { signal: 1 as never }), TypeError);
      assert.throws(() => q.join({ signal: {} as never }), TypeError);
    });
  });
});

describe("Queue: shutdown", () => {
  test("after shutdown, puts throw QueueShutDown and gets drain what is left, then throw", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      q.putNowait("a");
      q.putNowait("b");
      q.shutdown();
      assert.throws(
        () => q.putNowait("c"),
        (e: unknown) => e instanceof QueueShutDown && e instanceof AioError && e.code === "ERR_AIO_QUEUE_SHUT_DOWN",
      );
      assert.ok((await rejection(q.put("c"))) instanceof QueueShutDown);
      assert.equal(await q.get(), "a");
      assert.equal(q.getNowait(), "b");
      assert.ok((await rejection(q.get())) instanceof QueueShutDown);
      assert.throws(() => q.getNowait(), QueueShutDown); // not QueueEmpty
      assert.equal(q.statistics().shutdown, true);
    });
  });

  test("shutdown wakes every blocked getter with QueueShutDown", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      const getters = [0, 1, 2].map(() => createTask(() => q.get()));
      await sleep(0);
      q.shutdown();
      for (const g of getters) assert.ok((await rejection(g)) instanceof QueueShutDown);
      assert.equal(q.statistics().getters, 0);
    });
  });

  test("shutdown wakes every blocked putter with QueueShutDown, inserting nothing", async () => {
    await runClean(async () => {
      const q = new Queue<string>(1);
      q.putNowait("a");
      const putters = ["b", "c"].map((item) => createTask(() => q.put(item)));
      await sleep(0);
      q.shutdown();
      for (const p of putters) assert.ok((await rejection(p)) instanceof QueueShutDown);
      assert.deepEqual(drain(q), ["a"]);
      assert.equal(q.statistics().unfinishedTasks, 1);
    });
  });

  test("a putter woken by a get, then by shutdown, throws QueueShutDown", async () => {
    await runClean(async () => {
      const q = new Queue<string>(1);
      q.putNowait("a");
      const putter = createTask(() => q.put("b"));
      await sleep(0);
      q.getNowait();
      q.shutdown();
      assert.ok((await rejection(putter)) instanceof QueueShutDown);
      assert.ok(q.empty());
    });
  });

  test("shutdown(true) discards the items, makes gets throw at once and releases join", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      q.putNowait("a");
      q.putNowait("b");
      const joiner = createTask(() => q.join());
      await sleep(0);
      q.shutdown(true);
      assert.equal(q.qsize(), 0);
      await joiner;
      assert.equal(q.statistics().unfinishedTasks, 0);
      assert.ok((await rejection(q.get())) instanceof QueueShutDown);
      assert.throws(() => q.getNowait(), QueueShutDown);
      assert.throws(() => q.taskDone(), InvalidStateError);
    });
  });

  test("shutdown(true) counts only the discarded items as done: join still waits for items taken", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      q.putNowait("a");
      q.putNowait("b");
      assert.equal(await q.get(), "a");
      const joiner = createTask(() => q.join());
      q.shutdown(true);
      await sleep(5);
      assert.ok(!joiner.done());
      q.taskDone();
      await joiner;
      assert.throws(() => q.taskDone(), InvalidStateError);
    });
  });

  test("shutdown(true) wakes blocked getters and putters", async () => {
    await runClean(async () => {
      const q = new Queue<string>(1);
      q.putNowait("a");
      const putter = createTask(() => q.put("b"));
      await sleep(0);
      q.shutdown(true);
      assert.ok((await rejection(putter)) instanceof QueueShutDown);
      const getter = createTask(() => q.get());
      assert.ok((await rejection(getter)) instanceof QueueShutDown);
      assert.equal(q.qsize(), 0);
    });
  });

  test("shutdown can be made immediate by a second call", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      q.putNowait("a");
      q.shutdown();
      assert.equal(q.qsize(), 1);
      q.shutdown(true);
      assert.equal(q.qsize(), 0);
      await q.join();
    });
  });

  test("shutdown refuses a non-boolean", async () => {
    await runClean(async () => {
      assert.throws(
        () => new Queue().shutdown("yes" as never),
        /Expected `immediate` to be a boolean, got `"yes"` \(string\)/,
      );
    });
  });
});

describe("Queue: for await", () => {
  test("consumes items until the queue is shut down and drained, then ends normally", async () => {
    await runClean(async () => {
      const q = new Queue<number>(2);
      const consumer = createTask(async () => {
        const seen: number[] = [];
        for await (const item of q) {
          seen.push(item);
          q.taskDone();
        }
        return seen;
      });
      for (let i = 0; i < 10; i++) await q.put(i);
      await q.join();
      q.shutdown();
      assert.deepEqual(
        await consumer,
        Array.from({ length: 10 }, (_, i) => i),
      );
    });
  });

  test("drains the items left at shutdown before ending", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      q.putNowait("a");
      q.putNowait("b");
      q.shutdown();
      const seen: string[] = [];
      for await (const item of q) seen.push(item);
      assert.deepEqual(seen, ["a", "b"]);
    });
  });

  test("leaving the loop early loses no item", async () => {
    await runClean(async () => {
      const q = new Queue<number>();
      for (let i = 0; i < 5; i++) q.putNowait(i);
      const seen: number[] = [];
      for await (const item of q) {
        seen.push(item);
        if (item === 1) break;
      }
      assert.deepEqual(seen, [0, 1]);
      assert.deepEqual(drain(q), [2, 3, 4]);
    });
  });

  test("a consumer cancelled while waiting in the loop takes no item", async () => {
    await runClean(async () => {
      const q = new Queue<string>();
      const seen: string[] = [];
      const consumer = createTask(async () => {
        for await (const item of q) seen.push(item);
      });
      await sleep(0);
      q.putNowait("x");
      consumer.cancel(); // woken, not yet run
      assert.ok((await rejection(consumer)) instanceof CancelledError);
      assert.deepEqual(seen, []);
      assert.deepEqual(drain(q), ["x"]);
    });
  });

  test("several consumers share the items, each taken once", async () => {
    await runClean(async () => {
      const q = new Queue<number>(4);
      const seen: number[] = [];
      const consumers = [0, 1, 2].map(() =>
        createTask(async () => {
          for await (const item of q) {
            seen.push(item);
            await sleep(item % 3);
          }
        }),
      );
      for (let i = 0; i < 50; i++) await q.put(i);
      q.shutdown();
      for (const c of consumers) await c;
      assert.deepEqual(
        seen.sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i),
      );
    });
  });

  test("yields a thenable item as it is, where await q.get() would unwrap it", async () => {
    await runClean(async () => {
      const q = new Queue<Future<number>>();
      const pending = new Future<number>();
      q.putNowait(pending);
      q.shutdown();
      const seen: Future<number>[] = [];
      for await (const item of q) seen.push(item);
      assert.equal(seen[0], pending);
      pending.cancel();
    });
  });
});

describe("Queue: bad arguments", () => {
  test("a maxsize that is not an integer is refused at once", () => {
    for (const [value, shown] of [
      [1.5, "`1.5` (number)"],
      [Number.NaN, "`NaN` (number)"],
      [Number.POSITIVE_INFINITY, "`Infinity` (number)"],
      ["3", '`"3"` (string)'],
      [null, "`null` (null)"],
    ] as const) {
      assert.throws(
        () => new Queue(value as never),
        (e: unknown) =>
          e instanceof TypeError &&
          e.message === `Expected \`maxsize\` to be an integer, got ${shown}` &&
          (e as TypeError & { code: string }).code === "ERR_AIO_INVALID_ARGUMENT",
      );
    }
  });

  test("the error classes have asyncio's default messages and stable codes", () => {
    for (const [error, message, code] of [
      [new QueueEmpty(), "Queue is empty", "ERR_AIO_QUEUE_EMPTY"],
      [new QueueFull(), "Queue is full", "ERR_AIO_QUEUE_FULL"],
      [new QueueShutDown(), "Queue is shut down", "ERR_AIO_QUEUE_SHUT_DOWN"],
    ] as const) {
      assert.equal(error.message, message);
      assert.equal(error.code, code);
    }
  });

  test("the error classes keep instanceof across two copies of aio (Symbol.for brands)", () => {
    for (const [cls, name] of [
      [QueueEmpty, "QueueEmpty"],
      [QueueFull, "QueueFull"],
      [QueueShutDown, "QueueShutDown"],
    ] as const) {
      const foreign = Object.create({ [Symbol.for(`aio.${name}`)]: true, [Symbol.for("aio.AioError")]: true });
      assert.ok(foreign instanceof cls, name);
      assert.ok(foreign instanceof AioError, name);
      assert.ok(!(new QueueEmpty() instanceof (name === "QueueEmpty" ? QueueFull : cls)));
      assert.equal(new cls().name, name);
    }
  });
});
