import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CancelledError, createTask, PriorityQueue, Queue, QueueShutDown, sleep } from "aio-ts";
import fc from "fast-check";
import { rejection, runVirtual } from "../helpers.ts";
import { fcParams } from "../properties/fc-config.ts";

function drain<T>(q: Queue<T>): T[] {
  const items: T[] = [];
  while (!q.empty()) items.push(q.getNowait());
  return items;
}

function fill<T>(q: Queue<T>, items: readonly T[]): Queue<T> {
  for (const item of items) q.putNowait(item);
  return q;
}

describe("PriorityQueue: natural order", () => {
  test("hands out the lowest number first", () => {
    assert.deepEqual(drain(fill(new PriorityQueue<number>(), [5, 1, 4, 1, 3, -2, 0.5])), [-2, 0.5, 1, 1, 3, 4, 5]);
  });

  test("orders strings by code units", () => {
    assert.deepEqual(drain(fill(new PriorityQueue<string>(), ["pear", "apple", "Zebra", "app", ""])), [
      "",
      "Zebra",
      "app",
      "apple",
      "pear",
    ]);
  });

  test("orders arrays as Python orders tuples: element by element, a shorter prefix first", () => {
    const items: (number | string)[][] = [[2, "b"], [1, "z"], [2, "a"], [1], [1, "a", 0], [1, "a"], []];
    assert.deepEqual(drain(fill(new PriorityQueue<(number | string)[]>(), items)), [
      [],
      [1],
      [1, "a"],
      [1, "a", 0],
      [1, "z"],
      [2, "a"],
      [2, "b"],
    ]);
  });

  test("nested arrays compare recursively", () => {
    const items = [
      [[1, 2], "x"],
      [[1, 1], "y"],
      [[0, 9], "z"],
    ];
    assert.deepEqual(
      drain(fill(new PriorityQueue<unknown[]>(), items)).map((e) => e[1]),
      ["z", "y", "x"],
    );
  });

  test("items that rank the same come out in the order they were put, even with unordered payloads", () => {
    const a = { job: "a" };
    const b = { job: "b" };
    const c = { job: "c" };
    const d = { job: "d" };
    const q = fill<[number, { job: string }]>(new PriorityQueue(), [
      [2, a],
      [1, b],
      [2, c],
      [1, d],
    ]);
    assert.deepEqual(
      drain(q).map(([, payload]) => payload.job),
      ["b", "d", "a", "c"],
    );
  });

  test("mixes numbers and bigints, orders booleans false first, and puts NaN last", () => {
    assert.deepEqual(drain(fill(new PriorityQueue<number | bigint>(), [3n, 1, 2n, 0])), [0, 1, 2n, 3n]);
    assert.deepEqual(drain(fill(new PriorityQueue<boolean>(), [true, false, true])), [false, true, true]);
    assert.deepEqual(drain(fill(new PriorityQueue<number>(), [Number.NaN, 2, Number.NaN, 1])), [
      1,
      2,
      Number.NaN,
      Number.NaN,
    ]);
  });

  test("puts NaN after every number and bigint, however they were put", () => {
    assert.deepEqual(drain(fill(new PriorityQueue<number | bigint>(), [Number.NaN, 3n, 1, 2n, Number.NaN, 0])), [
      0,
      1,
      2n,
      3n,
      Number.NaN,
      Number.NaN,
    ]);
    assert.deepEqual(drain(fill(new PriorityQueue<number | bigint>(), [Number.NaN, 1n])), [1n, Number.NaN]);
  });

  test("equal strings, booleans, and a number equal to a bigint rank the same: they come out in put order", () => {
    const a = { job: "a" };
    const b = { job: "b" };
    const c = { job: "c" };
    const byName = fill<[string, { job: string }]>(new PriorityQueue(), [
      ["x", a],
      ["x", b],
      ["x", c],
    ]);
    assert.deepEqual(
      drain(byName).map(([, payload]) => payload.job),
      ["a", "b", "c"],
    );
    const byFlag = fill<[boolean, { job: string }]>(new PriorityQueue(), [
      [true, a],
      [true, b],
      [true, c],
    ]);
    assert.deepEqual(
      drain(byFlag).map(([, payload]) => payload.job),
      ["a", "b", "c"],
    );
    assert.deepEqual(drain(fill(new PriorityQueue<number | bigint>(), [1n, 1, 1n, 1, 1n, 1])), [1n, 1, 1n, 1, 1n, 1]);
  });

  test("objects rank the same even when they convert to numbers: Dates come out in put order", () => {
    const late = new Date(2_000);
    const early = new Date(1_000);
    assert.deepEqual(
      drain(
        fill(new PriorityQueue<[number, Date]>(), [
          [1, late],
          [1, early],
        ]),
      ),
      [
        [1, late],
        [1, early],
      ],
    );
  });

  test("names each value it cannot order by its kind, without calling its toString", () => {
    class Job {
      toString(): string {
        return "job #1";
      }
    }
    for (const [queued, put, shown] of [
      [1n, "x", '`"x"` (string) against `1n` (bigint)'],
      [1, null, "`null` (null) against `1` (number)"],
      [[1], new Job(), "`[object Object]` (object) against `[Array]` (array)"],
      [1, [1], "`[Array]` (array) against `1` (number)"],
      [true, "x", '`"x"` (string) against `true` (boolean)'],
      [new Job(), "x", '`"x"` (string) against `[object Object]` (object)'],
    ] as const) {
      const q = fill(new PriorityQueue<unknown>(), [queued]);
      assert.throws(
        () => q.putNowait(put),
        (e: unknown) =>
          e instanceof TypeError &&
          e.message ===
            `PriorityQueue cannot order ${shown}: priorities must be numbers, strings or arrays of them (pass a \`compare\` option for anything else)`,
      );
      assert.deepEqual(drain(q), [queued]);
    }
  });

  test("refuses to order values of different kinds, naming them, and leaves the queue as it was", () => {
    const q = fill(new PriorityQueue<unknown>(), [1, 2]);
    assert.throws(
      () => q.putNowait("three"),
      (e: unknown) =>
        e instanceof TypeError &&
        /PriorityQueue cannot order `"three"` \(string\) against `1` \(number\)/.test(e.message) &&
        /`compare` option/.test(e.message),
    );
    assert.equal(q.qsize(), 2);
    assert.equal(q.statistics().unfinishedTasks, 2);
    assert.deepEqual(drain(q), [1, 2]);
    const tuples = fill(new PriorityQueue<unknown[]>(), [[1, "a"]]);
    assert.throws(() => tuples.putNowait([1, 2]), TypeError);
    assert.throws(() => tuples.putNowait([{}]), TypeError);
    assert.deepEqual(drain(tuples), [[1, "a"]]);
  });

  test("put() rejects (does not throw) when the order fails", async () => {
    await runVirtual(async () => {
      const q = fill(new PriorityQueue<unknown>(), [1]);
      const pending = q.put("x");
      assert.ok((await rejection(pending)) instanceof TypeError);
      assert.equal(q.qsize(), 1);
    });
  });
});

describe("PriorityQueue: comparator", () => {
  test("orders by the compare option", () => {
    const q = new PriorityQueue<{ deadline: number; name: string }>(0, {
      compare: (a, b) => b.deadline - a.deadline, // latest deadline first
    });
    fill(q, [
      { deadline: 1, name: "a" },
      { deadline: 3, name: "b" },
      { deadline: 2, name: "c" },
      { deadline: 3, name: "d" },
    ]);
    assert.deepEqual(
      drain(q).map((x) => x.name),
      ["b", "d", "c", "a"],
    );
  });

  test("a comparator that throws fails the put or get and leaves the heap intact", () => {
    let armed = false;
    const q = new PriorityQueue<number>(0, {
      compare: (a, b) => {
        if (armed) throw new Error("boom");
        return a - b;
      },
    });
    fill(q, [5, 3, 8, 1, 9, 2]);
    armed = true;
    assert.throws(() => q.putNowait(0), /boom/);
    assert.throws(() => q.getNowait(), /boom/);
    assert.equal(q.qsize(), 6);
    armed = false;
    assert.deepEqual(drain(q), [1, 2, 3, 5, 8, 9]);
  });

  test("a get() or a for-await step whose comparison throws fails with that error, and does not try again", async () => {
    await runVirtual(async () => {
      let failures = 0;
      const q = new PriorityQueue<number>(0, {
        compare: (a, b) => {
          if (failures > 0) {
            failures--;
            throw new Error("boom");
          }
          return a - b;
        },
      });
      fill(q, [3, 1, 2]);
      failures = 1;
      assert.equal(((await rejection(q.get())) as Error).message, "boom");
      failures = 1;
      assert.equal(((await rejection(q[Symbol.asyncIterator]().next())) as Error).message, "boom");
      assert.equal(q.qsize(), 3);
      assert.deepEqual(drain(q), [1, 2, 3]);
    });
  });

  test("a comparator returning NaN counts as a tie", () => {
    const q = fill(new PriorityQueue<string>(0, { compare: () => Number.NaN }), ["c", "a", "b"]);
    assert.deepEqual(drain(q), ["c", "a", "b"]);
  });

  test("comes out sorted, ties in put order, for any sequence of puts and gets", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ put: fc.integer({ min: 0, max: 20 }) }), fc.constant({ get: true as const })), {
          maxLength: 200,
        }),
        (ops) => {
          const q = new PriorityQueue<[number, number]>(0, { compare: (a, b) => a[0] - b[0] });
          const model: [number, number][] = [];
          let seq = 0;
          for (const op of ops) {
            if ("put" in op) {
              const entry: [number, number] = [op.put, seq++];
              q.putNowait(entry);
              model.push(entry);
            } else if (model.length > 0) {
              model.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
              assert.deepEqual(q.getNowait(), model.shift());
            }
          }
          model.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          assert.deepEqual(drain(q), model);
        },
      ),
      fcParams(300),
    );
  });
});

describe("PriorityQueue: queue behaviour", () => {
  test("a waiting get receives the lowest item put", async () => {
    await runVirtual(async () => {
      const q = new PriorityQueue<number>();
      const getter = createTask(() => q.get());
      await sleep(0);
      q.putNowait(7);
      q.putNowait(3);
      assert.equal(await getter, 3);
    });
  });

  test("maxsize blocks put until a get frees a slot", async () => {
    await runVirtual(async () => {
      const q = new PriorityQueue<number>(2);
      q.putNowait(5);
      q.putNowait(6);
      const putter = createTask(() => q.put(1));
      await sleep(1);
      assert.ok(!putter.done());
      assert.equal(q.getNowait(), 5);
      await putter;
      assert.deepEqual(drain(q), [1, 6]);
    });
  });

  test("a cancelled get takes nothing", async () => {
    await runVirtual(async () => {
      const q = new PriorityQueue<number>();
      const getter = createTask(() => q.get());
      await sleep(0);
      q.putNowait(1);
      getter.cancel();
      assert.ok((await rejection(getter)) instanceof CancelledError);
      assert.deepEqual(drain(q), [1]);
    });
  });

  test("shutdown(true) empties the heap; for await ends", async () => {
    await runVirtual(async () => {
      const q = fill(new PriorityQueue<number>(), [3, 1, 2]);
      q.shutdown(true);
      assert.equal(q.qsize(), 0);
      assert.ok((await rejection(q.get())) instanceof QueueShutDown);
      const seen: number[] = [];
      for await (const x of q) seen.push(x);
      assert.deepEqual(seen, []);
    });
  });

  test("for await hands items out in priority order and drains after shutdown", async () => {
    await runVirtual(async () => {
      const q = fill(new PriorityQueue<number>(), [3, 1, 2]);
      q.shutdown();
      const seen: number[] = [];
      for await (const x of q) seen.push(x);
      assert.deepEqual(seen, [1, 2, 3]);
    });
  });

  test("is a Queue", () => {
    assert.ok(new PriorityQueue() instanceof Queue);
  });
});

describe("PriorityQueue: bad arguments", () => {
  test("refuses a non-integer maxsize", () => {
    assert.throws(() => new PriorityQueue(2.5), /Expected `maxsize` to be an integer, got `2.5` \(number\)/);
  });

  test("refuses a compare that is not a function", () => {
    assert.throws(
      () => new PriorityQueue(0, { compare: "desc" as never }),
      /Expected `compare` to be a function, got `"desc"` \(string\)/,
    );
  });

  test("refuses options that are not an object (a comparator passed in their place)", () => {
    assert.throws(
      () => new PriorityQueue<number>(0, ((a: number, b: number) => a - b) as never),
      /Expected `options` to be an object, got `\[Function\]` \(function\)/,
    );
  });
});
