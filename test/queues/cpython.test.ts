// Behaviour cases translated from CPython 3.13's Lib/test/test_asyncio/test_queues.py.
// Tests that poke at private attributes (q._putters, q._format(), ...) are
// skipped, or translated to the public equivalent (statistics(), toString()).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CancelledError,
  createTask,
  InvalidStateError,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  sleep,
  TimeoutError,
  taskGroup,
  waitFor,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

const isShutDown = (e: unknown): boolean => e instanceof QueueShutDown;

describe("QueueBasicTests", () => {
  // test_queues.py: QueueBasicTests._test_repr_or_str (test_repr, test_str)
  test("toString shows waiting getters and putters", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      assert.ok(String(q).startsWith("<Queue"));
      await taskGroup(async (tg) => {
        const getter = tg.createTask(() => q.get());
        await sleep(0);
        assert.ok(String(q).includes("getters[1]"), String(q));
        q.putNowait(0);
        assert.equal(await getter, 0);
      });
      const bounded = new Queue<number>(1);
      await taskGroup(async (tg) => {
        bounded.putNowait(1);
        const putter = tg.createTask(() => bounded.put(2));
        await sleep(0);
        assert.ok(String(bounded).includes("putters[1]"), String(bounded));
        bounded.getNowait();
        await putter;
      });
    });
  });

  // test_queues.py: QueueBasicTests.test_empty
  test("empty", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      assert.ok(q.empty());
      await q.put(1);
      assert.ok(!q.empty());
      assert.equal(await q.get(), 1);
      assert.ok(q.empty());
    });
  });

  // test_queues.py: QueueBasicTests.test_full
  test("full", async () => {
    await runVirtual(async () => {
      assert.ok(!new Queue().full());
      const q = new Queue<number>(1);
      await q.put(1);
      assert.ok(q.full());
    });
  });

  // test_queues.py: QueueBasicTests.test_order
  test("order", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      for (const i of [1, 3, 2]) await q.put(i);
      const items = [await q.get(), await q.get(), await q.get()];
      assert.deepEqual(items, [1, 3, 2]);
    });
  });

  // test_queues.py: QueueBasicTests.test_maxsize
  test("maxsize", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>(2);
      assert.equal(q.maxsize, 2);
      const haveBeenPut: number[] = [];
      const t = createTask(async () => {
        for (let i = 0; i < 3; i++) {
          await q.put(i);
          haveBeenPut.push(i);
        }
        return true;
      });
      for (let i = 0; i < 2; i++) await sleep(0);
      // The putter is blocked after putting two items.
      assert.deepEqual(haveBeenPut, [0, 1]);
      assert.equal(await q.get(), 0);
      // Let the putter resume and put the last item.
      await sleep(0);
      assert.deepEqual(haveBeenPut, [0, 1, 2]);
      assert.equal(await q.get(), 1);
      assert.equal(await q.get(), 2);
      assert.ok(t.done());
      assert.equal(t.result(), true);
    });
  });
});

describe("QueueGetTests", () => {
  // test_queues.py: QueueGetTests.test_blocking_get
  test("blocking get", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      assert.equal(await q.get(), 1);
    });
  });

  // test_queues.py: QueueGetTests.test_get_with_putters (public form: a real waiting putter, not a fake future)
  test("get with a waiting putter wakes the putter", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>(1);
      await q.put(1);
      const putter = createTask(() => q.put(2));
      await sleep(0);
      assert.equal(await q.get(), 1);
      await putter;
      assert.equal(q.getNowait(), 2);
    });
  });

  // test_queues.py: QueueGetTests.test_blocking_get_wait
  test("blocking get waits for a later put", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      let finished = false;
      let started = false;
      const task = createTask(async () => {
        started = true;
        const res = await q.get();
        finished = true;
        return res;
      });
      await sleep(0);
      assert.ok(started);
      assert.ok(!finished);
      createTask(async () => {
        await sleep(10);
        q.putNowait(1);
      });
      const res = await task;
      assert.ok(finished);
      assert.equal(res, 1);
    });
  });

  // test_queues.py: QueueGetTests.test_nonblocking_get
  test("nonblocking get", () => {
    const q = new Queue<number>();
    q.putNowait(1);
    assert.equal(q.getNowait(), 1);
  });

  // test_queues.py: QueueGetTests.test_nonblocking_get_exception
  test("nonblocking get exception", () => {
    assert.throws(() => new Queue().getNowait(), QueueEmpty);
  });

  // test_queues.py: QueueGetTests.test_get_cancelled_race
  test("get cancelled race", async () => {
    await runVirtual(async () => {
      const q = new Queue<string>();
      const t1 = createTask(() => q.get());
      const t2 = createTask(() => q.get());
      await sleep(0);
      t1.cancel();
      await sleep(0);
      assert.ok(t1.done());
      await q.put("a");
      await sleep(0);
      assert.equal(await t2, "a");
    });
  });

  // test_queues.py: QueueGetTests.test_get_with_waiting_putters
  test("get with waiting putters", async () => {
    await runVirtual(async () => {
      const q = new Queue<string>(1);
      createTask(() => q.put("a"));
      createTask(() => q.put("b"));
      assert.equal(await q.get(), "a");
      assert.equal(await q.get(), "b");
    });
  });

  // test_queues.py: QueueGetTests.test_why_are_getters_waiting
  test("why are getters waiting: producer and consumer over Queue(1) finish", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>(1);
      const n = 5;
      await taskGroup(async (tg) => {
        tg.createTask(async () => {
          for (let i = 0; i < n; i++) await q.put(i);
        });
        tg.createTask(async () => {
          for (let i = 0; i < n; i++) await q.get();
        });
      });
    });
  });

  // test_queues.py: QueueGetTests.test_cancelled_getters_not_being_held_in_self_getters
  test("cancelled getters are not held in the getters list", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>(5);
      assert.ok((await rejection(waitFor(() => q.get(), 100))) instanceof TimeoutError);
      assert.equal(q.statistics().getters, 0);
    });
  });
});

describe("QueuePutTests", () => {
  // test_queues.py: QueuePutTests.test_blocking_put
  test("blocking put", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      // No maxsize, won't block.
      await q.put(1);
      assert.equal(await q.get(), 1);
    });
  });

  // test_queues.py: QueuePutTests.test_blocking_put_wait
  test("blocking put waits for a later get", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>(1);
      let started = false;
      let finished = false;
      createTask(async () => {
        await sleep(10);
        q.getNowait();
      });
      const task = createTask(async () => {
        started = true;
        await q.put(1);
        await q.put(2);
        finished = true;
      });
      await sleep(0);
      assert.ok(started);
      assert.ok(!finished);
      await task;
      assert.ok(finished);
    });
  });

  // test_queues.py: QueuePutTests.test_nonblocking_put
  test("nonblocking put", () => {
    const q = new Queue<number>();
    q.putNowait(1);
    assert.equal(q.getNowait(), 1);
  });

  // test_queues.py: QueuePutTests.test_get_cancel_drop_one_pending_reader
  test("get cancel drops no item: one pending reader", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      let reader = createTask(() => q.get());
      await sleep(0);
      q.putNowait(1);
      q.putNowait(2);
      reader.cancel();
      try {
        await reader;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        // try again
        reader = createTask(() => q.get());
        await reader;
      }
      // if we get 2, it means 1 got dropped!
      assert.equal(reader.result(), 1);
    });
  });

  // test_queues.py: QueuePutTests.test_get_cancel_drop_many_pending_readers
  test("get cancel drops no item: many pending readers", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      let reader2: ReturnType<typeof createTask<number>> | undefined;
      let reader3: ReturnType<typeof createTask<number>> | undefined;
      await taskGroup(async (tg) => {
        const reader1 = tg.createTask(() => q.get());
        reader2 = tg.createTask(() => q.get());
        reader3 = tg.createTask(() => q.get());
        await sleep(0);
        q.putNowait(1);
        q.putNowait(2);
        reader1.cancel();
        assert.ok((await rejection(reader1)) instanceof CancelledError);
        await reader3;
      });
      // It is undefined in which order concurrent readers receive results.
      assert.deepEqual(new Set([reader2?.result(), reader3?.result()]), new Set([1, 2]));
    });
  });

  // test_queues.py: QueuePutTests.test_put_cancel_drop
  test("put cancel drops nothing", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>(1);
      q.putNowait(1);
      // putting a second item in the queue has to block (qsize=1)
      let writer = createTask(() => q.put(2));
      await sleep(0);
      assert.equal(q.getNowait(), 1);
      writer.cancel();
      try {
        await writer;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        // try again
        writer = createTask(() => q.put(2));
        await writer;
      }
      assert.equal(q.getNowait(), 2);
      assert.equal(q.qsize(), 0);
    });
  });

  // test_queues.py: QueuePutTests.test_nonblocking_put_exception
  test("nonblocking put exception", () => {
    const q = new Queue<number>(1);
    q.putNowait(1);
    assert.throws(() => q.putNowait(2), QueueFull);
  });

  // test_queues.py: QueuePutTests.test_float_maxsize. Deliberate difference:
  // asyncio accepts maxsize=1.3 (and then holds 2 items); aio refuses a
  // non-integer maxsize at once.
  test("float maxsize is refused", () => {
    assert.throws(() => new Queue(1.3), /Expected `maxsize` to be an integer, got `1.3` \(number\)/);
  });

  // test_queues.py: QueuePutTests.test_put_cancelled
  test("put into a waiting get", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      const t = createTask(async () => {
        await q.put(1);
        return true;
      });
      assert.equal(await q.get(), 1);
      assert.ok(t.done());
      assert.equal(t.result(), true);
    });
  });

  // test_queues.py: QueuePutTests.test_put_cancelled_race
  test("put cancelled race", async () => {
    await runVirtual(async () => {
      const q = new Queue<string>(1);
      const putA = createTask(() => q.put("a"));
      const putB = createTask(() => q.put("b"));
      const putC = createTask(() => q.put("X"));
      await sleep(0);
      assert.ok(putA.done());
      assert.ok(!putB.done());
      putC.cancel();
      await sleep(0);
      assert.ok(putC.done());
      assert.equal(q.getNowait(), "a");
      await sleep(0);
      assert.equal(q.getNowait(), "b");
      await putB;
    });
  });

  // test_queues.py: QueuePutTests.test_put_with_waiting_getters
  test("put with waiting getters", async () => {
    await runVirtual(async () => {
      const q = new Queue<string>();
      const t = createTask(() => q.get());
      await sleep(0);
      await q.put("a");
      assert.equal(await t, "a");
    });
  });

  // test_queues.py: QueuePutTests.test_why_are_putters_waiting
  test("why are putters waiting: a getter drains a full Queue(2) and four putters finish", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>(2);
      await taskGroup(async (tg) => {
        tg.createTask(async () => {
          await sleep(0);
          const num = q.qsize();
          for (let i = 0; i < num; i++) q.getNowait();
        });
        for (const item of [0, 1, 2, 3]) tg.createTask(() => q.put(item));
      });
    });
  });

  // test_queues.py: QueuePutTests.test_cancelled_puts_not_being_held_in_self_putters
  test("cancelled putters are not held in the putters list", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>(1);
      q.putNowait(1);
      const putTask = createTask(() => q.put(1));
      await sleep(0);
      assert.equal(q.statistics().putters, 1);
      putTask.cancel();
      assert.ok((await rejection(putTask)) instanceof CancelledError);
      assert.equal(q.statistics().putters, 0);
    });
  });

  // test_queues.py: QueuePutTests.test_cancelled_put_silence_value_error_exception
  test("a putter woken by getNowait then cancelled raises CancelledError (nothing else)", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>(1);
      q.putNowait(1);
      const putTask = createTask(() => q.put(1));
      await sleep(0);
      q.getNowait();
      putTask.cancel();
      assert.ok((await rejection(putTask)) instanceof CancelledError);
    });
  });
});

// test_queues.py: LifoQueueTests.test_order
test("LifoQueueTests: order", async () => {
  await runVirtual(async () => {
    const q = new LifoQueue<number>();
    for (const i of [1, 3, 2]) await q.put(i);
    assert.deepEqual([await q.get(), await q.get(), await q.get()], [2, 3, 1]);
  });
});

// test_queues.py: PriorityQueueTests.test_order
test("PriorityQueueTests: order", async () => {
  await runVirtual(async () => {
    const q = new PriorityQueue<number>();
    for (const i of [1, 3, 2]) await q.put(i);
    assert.deepEqual([await q.get(), await q.get(), await q.get()], [1, 2, 3]);
  });
});

const flavours = [
  ["Queue", (maxsize?: number) => new Queue<unknown>(maxsize)],
  ["LifoQueue", (maxsize?: number) => new LifoQueue<unknown>(maxsize)],
  ["PriorityQueue", (maxsize?: number) => new PriorityQueue<unknown>(maxsize)],
] as const;

for (const [name, make] of flavours) {
  describe(`${name}JoinTests`, () => {
    // test_queues.py: _QueueJoinTestMixin.test_task_done_underflow
    test("task_done underflow", () => {
      assert.throws(() => make().taskDone(), InvalidStateError);
    });

    // test_queues.py: _QueueJoinTestMixin.test_task_done
    test("task_done: two workers, join returns once every item is done", async () => {
      await runVirtual(async () => {
        const q = make();
        for (let i = 0; i < 100; i++) q.putNowait(i);
        let accumulator = 0;
        let running = true;
        // Two workers get items from the queue and call taskDone after each.
        // Join the queue and assert all items have been processed.
        await taskGroup(async (tg) => {
          const tasks = [0, 1].map(() =>
            tg.createTask(async () => {
              while (running) {
                const item = (await q.get()) as number;
                accumulator += item;
                q.taskDone();
              }
            }),
          );
          await q.join();
          assert.equal(accumulator, (99 * 100) / 2);
          // close running workers
          running = false;
          for (let i = 0; i < tasks.length; i++) q.putNowait(0);
        });
      });
    });

    // test_queues.py: _QueueJoinTestMixin.test_join_empty_queue
    test("join empty queue", async () => {
      await runVirtual(async () => {
        const q = make();
        // A queue join()s successfully, and before anything else (done twice for insurance).
        await q.join();
        await q.join();
      });
    });
  });

  describe(`${name}ShutdownTests`, () => {
    // test_queues.py: _QueueShutdownTestMixin.test_format (public form: toString)
    test("format says shutdown", () => {
      const q = make();
      q.shutdown();
      assert.ok(String(q).endsWith(" shutdown>"), String(q));
    });

    // test_queues.py: _QueueShutdownTestMixin.test_shutdown_empty
    test("shutdown empty", async () => {
      await runVirtual(async () => {
        const q = make();
        const getTask = createTask(() => q.get());
        await sleep(0); // want the get task pending before shutdown
        q.shutdown(false); // unfinished tasks: 0 -> 0
        assert.equal(q.qsize(), 0);
        // join() finishes
        await q.join();
        // the get task is finished, and raised QueueShutDown
        await sleep(0);
        assert.ok(getTask.done());
        assert.ok(isShutDown(await rejection(getTask)));
        // put() and get() raise QueueShutDown
        assert.ok(isShutDown(await rejection(q.put("data"))));
        assert.throws(() => q.putNowait("data"), QueueShutDown);
        assert.ok(isShutDown(await rejection(q.get())));
        assert.throws(() => q.getNowait(), QueueShutDown);
      });
    });

    // test_queues.py: _QueueShutdownTestMixin.test_shutdown_nonempty
    test("shutdown nonempty", async () => {
      await runVirtual(async () => {
        const q = make(1);
        q.putNowait("data");
        const joinTask = createTask(() => q.join());
        const putTask = createTask(() => q.put("data2"));
        // the put task is not finished
        await sleep(0);
        assert.ok(!putTask.done());
        q.shutdown(false); // unfinished tasks: 1 -> 1
        assert.equal(q.qsize(), 1);
        // the put task is finished, and raised QueueShutDown
        await sleep(0);
        assert.ok(putTask.done());
        assert.ok(isShutDown(await rejection(putTask)));
        // get() succeeds on the enqueued item
        assert.equal(await q.get(), "data");
        // the join task is not finished
        await sleep(0);
        assert.ok(!joinTask.done());
        // put() and get() raise QueueShutDown
        assert.ok(isShutDown(await rejection(q.put("data"))));
        assert.throws(() => q.putNowait("data"), QueueShutDown);
        assert.ok(isShutDown(await rejection(q.get())));
        assert.throws(() => q.getNowait(), QueueShutDown);
        // there is 1 unfinished task, and the join task succeeds
        q.taskDone();
        await sleep(0);
        assert.ok(joinTask.done());
        await joinTask;
        assert.throws(() => q.taskDone(), InvalidStateError, "Didn't appear to mark all tasks done");
      });
    });

    // test_queues.py: _QueueShutdownTestMixin.test_shutdown_immediate
    test("shutdown immediate", async () => {
      await runVirtual(async () => {
        const q = make();
        q.putNowait("data");
        const joinTask = createTask(() => q.join());
        q.shutdown(true); // unfinished tasks: 1 -> 0
        assert.equal(q.qsize(), 0);
        // the join task has finished
        await sleep(0);
        assert.ok(joinTask.done());
        await joinTask;
        // put() and get() raise QueueShutDown
        assert.ok(isShutDown(await rejection(q.put("data"))));
        assert.throws(() => q.putNowait("data"), QueueShutDown);
        assert.ok(isShutDown(await rejection(q.get())));
        assert.throws(() => q.getNowait(), QueueShutDown);
        // there are no unfinished tasks
        assert.throws(() => q.taskDone(), InvalidStateError);
      });
    });

    // test_queues.py: _QueueShutdownTestMixin.test_shutdown_immediate_with_unfinished
    test("shutdown immediate with unfinished", async () => {
      await runVirtual(async () => {
        const q = make();
        q.putNowait("data");
        q.putNowait("data");
        const joinTask = createTask(() => q.join());
        assert.equal(await q.get(), "data");
        q.shutdown(true); // unfinished tasks: 2 -> 1
        assert.equal(q.qsize(), 0);
        // the join task is not finished
        await sleep(0);
        assert.ok(!joinTask.done());
        // put() and get() raise QueueShutDown
        assert.ok(isShutDown(await rejection(q.put("data"))));
        assert.throws(() => q.putNowait("data"), QueueShutDown);
        assert.ok(isShutDown(await rejection(q.get())));
        assert.throws(() => q.getNowait(), QueueShutDown);
        // there is 1 unfinished task
        q.taskDone();
        assert.throws(() => q.taskDone(), InvalidStateError);
        // the join task has finished
        await sleep(0);
        assert.ok(joinTask.done());
        await joinTask;
      });
    });
  });
}

// ── Further shutdown cases, from queues.py's documented behaviour (3.13) ──

describe("QueueShutdownSemantics", () => {
  // queues.py: Queue.shutdown (every blocked getter wakes and raises QueueShutDown)
  test("shutdown wakes every blocked getter with QueueShutDown", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      const getters = [0, 1, 2].map(() => createTask(() => q.get()));
      await sleep(0);
      assert.equal(q.statistics().getters, 3);
      q.shutdown();
      for (const g of getters) assert.ok(isShutDown(await rejection(g)));
      assert.equal(q.statistics().getters, 0);
    });
  });

  // queues.py: Queue.shutdown(immediate=True) (blocked putters raise, and their items never enter)
  test("shutdown immediate wakes blocked putters with QueueShutDown and empties the queue", async () => {
    await runVirtual(async () => {
      const q = new Queue<string>(1);
      q.putNowait("a");
      const putters = ["b", "c"].map((x) => createTask(() => q.put(x)));
      await sleep(0);
      q.shutdown(true);
      for (const p of putters) assert.ok(isShutDown(await rejection(p)));
      assert.equal(q.qsize(), 0);
      assert.throws(() => q.taskDone(), InvalidStateError);
      await q.join();
    });
  });

  // queues.py: Queue.get (items left after a plain shutdown can still be taken, then get raises)
  test("after a plain shutdown the items left can be taken, in order, then get raises", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      for (const i of [1, 2, 3]) q.putNowait(i);
      q.shutdown();
      assert.equal(q.getNowait(), 1);
      assert.equal(await q.get(), 2);
      assert.equal(await q.get(), 3);
      assert.ok(isShutDown(await rejection(q.get())));
      assert.throws(() => q.getNowait(), QueueShutDown);
    });
  });

  // queues.py: Queue.shutdown (a second, immediate shutdown drains what a plain one left)
  test("shutdown immediate after a plain shutdown drains the rest and releases join", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      for (const i of [1, 2, 3]) q.putNowait(i);
      const joinTask = createTask(() => q.join());
      q.shutdown();
      assert.equal(await q.get(), 1);
      q.taskDone();
      await sleep(0);
      assert.equal(joinTask.done(), false);
      q.shutdown(true);
      assert.equal(q.qsize(), 0);
      await sleep(0);
      assert.equal(joinTask.done(), true);
      await joinTask;
    });
  });

  // queues.py: Queue.shutdown (shutdown twice is harmless)
  test("shutdown twice is harmless and keeps the items of a plain shutdown", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      q.shutdown();
      q.shutdown();
      assert.equal(q.qsize(), 1);
      assert.equal(q.getNowait(), 1);
    });
  });

  // queues.py: Queue.put (a full queue shut down refuses puts at once, even a put_nowait when there is room later)
  test("a shut-down queue refuses a put even when it has room", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>(5);
      q.shutdown();
      assert.equal(q.full(), false);
      assert.throws(() => q.putNowait(1), QueueShutDown);
      assert.ok(isShutDown(await rejection(q.put(1))));
      assert.equal(q.qsize(), 0);
    });
  });

  // queues.py: Queue.join (join on a shut-down queue with unfinished work still waits for taskDone)
  test("join after a plain shutdown still waits for taskDone of every item", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      q.shutdown();
      const joinTask = createTask(() => q.join());
      await sleep(0);
      assert.equal(joinTask.done(), false);
      q.getNowait();
      await sleep(0);
      assert.equal(joinTask.done(), false);
      q.taskDone();
      await sleep(0);
      assert.equal(joinTask.done(), true);
    });
  });

  // queues.py: Queue.get (a cancelled getter does not eat a wakeup at shutdown)
  test("a getter cancelled before the shutdown ends cancelled, the others with QueueShutDown", async () => {
    await runVirtual(async () => {
      const q = new Queue<number>();
      const g1 = createTask(() => q.get());
      const g2 = createTask(() => q.get());
      await sleep(0);
      g1.cancel();
      q.shutdown();
      assert.ok((await rejection(g1)) instanceof CancelledError);
      assert.ok(isShutDown(await rejection(g2)));
    });
  });

  // test_queues.py: QueueGetTests.test_get_with_putters + shutdown: a putter that got in before shutdown keeps its item
  test("an item put by a woken putter before a plain shutdown can still be taken", async () => {
    await runVirtual(async () => {
      const q = new Queue<string>(1);
      q.putNowait("a");
      const putter = createTask(() => q.put("b"));
      await sleep(0);
      assert.equal(q.getNowait(), "a"); // frees room and wakes the putter
      await putter;
      q.shutdown();
      assert.equal(q.getNowait(), "b");
      assert.throws(() => q.getNowait(), QueueShutDown);
    });
  });
});
