import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CancelledError, createTask, LifoQueue, Queue, QueueShutDown, sleep } from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

describe("LifoQueue", () => {
  test("hands out the item put most recently first", async () => {
    await runVirtual(async () => {
      const q = new LifoQueue<number>();
      for (const i of [1, 3, 2]) await q.put(i);
      assert.deepEqual([await q.get(), q.getNowait(), await q.get()], [2, 3, 1]);
    });
  });

  test("interleaved puts and gets behave as a stack", async () => {
    await runVirtual(async () => {
      const q = new LifoQueue<string>();
      q.putNowait("a");
      q.putNowait("b");
      assert.equal(q.getNowait(), "b");
      q.putNowait("c");
      assert.deepEqual([q.getNowait(), q.getNowait()], ["c", "a"]);
      assert.ok(q.empty());
    });
  });

  test("maxsize blocks put; a waiting get receives the newest item", async () => {
    await runVirtual(async () => {
      const q = new LifoQueue<number>(1);
      q.putNowait(1);
      const putter = createTask(() => q.put(2));
      await sleep(1);
      assert.ok(!putter.done());
      assert.equal(q.getNowait(), 1);
      await putter;
      assert.equal(await q.get(), 2);
      const getter = createTask(() => q.get());
      await sleep(0);
      q.putNowait(9);
      assert.equal(await getter, 9);
    });
  });

  test("a cancelled get takes nothing, and shutdown drains in stack order", async () => {
    await runVirtual(async () => {
      const q = new LifoQueue<number>();
      const getter = createTask(() => q.get());
      await sleep(0);
      q.putNowait(1);
      getter.cancel();
      assert.ok((await rejection(getter)) instanceof CancelledError);
      q.putNowait(2);
      q.shutdown();
      const seen: number[] = [];
      for await (const x of q) seen.push(x);
      assert.deepEqual(seen, [2, 1]);
      assert.ok((await rejection(q.get())) instanceof QueueShutDown);
    });
  });

  test("shutdown(true) discards the stack and releases join", async () => {
    await runVirtual(async () => {
      const q = new LifoQueue<number>();
      q.putNowait(1);
      q.putNowait(2);
      q.shutdown(true);
      assert.equal(q.qsize(), 0);
      await q.join();
    });
  });

  test("is a Queue, and refuses a non-integer maxsize", () => {
    assert.ok(new LifoQueue() instanceof Queue);
    assert.throws(() => new LifoQueue(Number.NaN), /Expected `maxsize` to be an integer, got `NaN` \(number\)/);
  });
});
