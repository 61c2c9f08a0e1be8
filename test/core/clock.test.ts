import assert from "node:assert/strict";
import { createServer, get } from "node:http";
import { performance } from "node:perf_hooks";
import { describe, type Mock, type TestContext, test } from "node:test";
import { setTimeout as realDelay } from "node:timers/promises";
import { createTask, ensureFuture, now, run, sleep, TimeoutError, waitFor } from "aio-ts";
import { VirtualClock } from "aio-ts/testing";
import fc from "fast-check";
import type { Timer } from "../../src/core/clock/timer-heap.ts";
import { TimerHeap } from "../../src/core/clock/timer-heap.ts";
import { RealClock } from "../../src/core/index.ts";
import { rejection, runVirtual } from "../helpers.ts";
import { fcParams } from "../properties/fc-config.ts";

/** A bare timer that records the clock's time when it fires, for driving a clock without a loop. */
function recorder(clock: { now(): number }, due: number, log: [number, number][], then?: () => void): Timer {
  return {
    due,
    seq: 0,
    index: -1,
    fire() {
      log.push([due, clock.now()]);
      then?.();
    },
  };
}

/**
 * Runs `body` with `performance.now` replaced, and puts it back when `body` ends, in a `finally`: Deno's node:test
 * neither restores a `t.mock.method` by itself nor runs a `t.after` hook of a test inside a `describe`, and a clock
 * frozen by a previous test hangs the next one that waits for real time.
 */
async function withNow(
  t: TestContext,
  impl: () => number,
  body: (now: Mock<() => number>) => void | Promise<void>,
): Promise<void> {
  const now = t.mock.method(performance, "now", impl) as Mock<() => number>;
  try {
    await body(now);
  } finally {
    now.mock.restore();
  }
}

describe("sleep", () => {
  test("wakes sleepers in deadline order, first-in first-out for equal deadlines", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 60 }), async (delays) => {
        const woke: number[] = [];
        await runVirtual(async () => {
          const tasks = delays.map((d, i) =>
            createTask(async () => {
              await sleep(d);
              woke.push(i);
            }),
          );
          for (const t of tasks) await t;
        });
        const expected = delays.map((d, i) => [d, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        assert.deepEqual(
          woke,
          expected.map(([, i]) => i),
        );
      }),
      fcParams(100),
    );
  });

  test("resolves with the given value", async () => {
    assert.equal(await runVirtual(() => sleep(10, "v")), "v");
  });

  test("sleep(0) and negative delays yield once to the other ready tasks", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      const t = createTask(async () => {
        log.push("other");
      });
      await sleep(-5);
      log.push("main");
      await t;
      assert.equal(now(), 0);
    });
    assert.deepEqual(log, ["other", "main"]);
  });

  test("rejects a delay that is not a number", () => {
    assert.throws(() => sleep(Number.NaN), /Expected `ms` to be a number of milliseconds, got `NaN` \(number\)/);
    assert.throws(() => sleep("10" as never), /Expected `ms` to be a number of milliseconds, got `"10"` \(string\)/);
  });

  test("sleep(Infinity) waits until cancelled and does not move virtual time to infinity", async () => {
    await runVirtual(async () => {
      const forever = createTask(() => sleep(Number.POSITIVE_INFINITY));
      await sleep(5);
      forever.cancel();
      await rejection(forever);
      assert.equal(now(), 5);
    });
  });

  test("on the real clock, waits at least the delay", async () => {
    const elapsed = await run(
      async () => {
        const start = now();
        await sleep(30);
        return now() - start;
      },
      { handleSignals: false },
    );
    assert.ok(elapsed >= 30, `woke after ${elapsed} ms`);
  });

  test("a cancelled long sleep does not keep the process alive", async () => {
    // Outside run(): the default loop, on the real clock; the cancel must remove the timer. What keeps a process
    // alive is a referenced handle: count Node's, rather than time anything.
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    await assert.rejects(
      waitFor(() => sleep(60_000), 10),
      TimeoutError,
    );
    // The clock lets its Node timer go after a turn of Node's event loop with no timer left.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(timers(), before, "a timer still keeps the process alive after the sleep was cancelled");
  });
});

describe("VirtualClock", () => {
  test("advance() fires due timers in order outside run()", () => {
    const clock = new VirtualClock({ start: 100 });
    assert.equal(clock.now(), 100);
    clock.advance(50);
    assert.equal(clock.now(), 150);
    assert.throws(() => clock.advance(-1), /Expected `ms` to be a non-negative number/);
    assert.throws(() => new VirtualClock({ realIdle: -1 }), /Expected `realIdle`/);
  });

  test("without realIdle, a wait on real I/O is overtaken by virtual time", async () => {
    const server = createServer((_req, res) => {
      setTimeout(() => res.end("late"), 40);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const fetchText = () =>
      new Promise<string>((resolve, reject) => {
        get({ host: "127.0.0.1", port, path: "/" }, (res) => {
          let body = "";
          res.on("data", (c) => {
            body += c;
          });
          res.on("end", () => resolve(body));
        }).on("error", reject);
      });
    try {
      const overtaken = await run(() => rejection(waitFor(ensureFuture(fetchText()), 1000)), {
        clock: new VirtualClock(),
        handleSignals: false,
      });
      assert.ok(overtaken instanceof TimeoutError);
      // The reply comes 40 real ms after the request; 2 s of quiet is room for a busy machine to deliver it, and
      // costs nothing when it comes sooner (time never needs to jump).
      const text = await run(() => waitFor(ensureFuture(fetchText()), 1000), {
        clock: new VirtualClock({ realIdle: 2000 }),
        handleSignals: false,
      });
      assert.equal(text, "late");
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("VirtualClock.advance and its timers", () => {
  test("rejects a start that is not a finite number", () => {
    assert.throws(
      () => new VirtualClock({ start: Number.NaN }),
      (e) => e instanceof TypeError && e.message === "Expected `start` to be a finite number, got `NaN` (number)",
    );
    assert.throws(() => new VirtualClock({ start: "5" as never }), /got `5` \(string\)/);
  });

  test("advance() fires each due timer at its own deadline, including ones added meanwhile and ones due now", () => {
    const clock = new VirtualClock();
    const log: [number, number][] = [];
    clock.add(recorder(clock, 30, log));
    clock.add(recorder(clock, 10, log, () => clock.add(recorder(clock, 25, log))));
    clock.add(recorder(clock, 60, log));
    clock.advance(30);
    assert.deepEqual(log, [
      [10, 10],
      [25, 25],
      [30, 30],
    ]);
    assert.equal(clock.now(), 30);
    clock.add(recorder(clock, 30, log));
    clock.advance(0);
    assert.deepEqual(log.slice(3), [[30, 30]]);
    assert.equal(clock.pendingTimers, 1);
    clock.advance(45);
    assert.deepEqual(log.slice(4), [[60, 60]]);
    assert.equal(clock.now(), 75);
    assert.throws(
      () => clock.advance(-1),
      (e) => e instanceof TypeError && e.message === "Expected `ms` to be a non-negative number, got `-1` (number)",
    );
    assert.throws(() => clock.advance(Number.NaN), /got `NaN` \(number\)/);
    assert.equal(clock.now(), 75);
  });

  test("outside any run(), before and after one, jumps to the next timer on its own", async () => {
    const clock = new VirtualClock();
    const log: [number, number][] = [];
    clock.add(recorder(clock, 40, log));
    await realDelay(20);
    assert.deepEqual(log, [[40, 40]]);
    await run(() => sleep(10), { clock, handleSignals: false });
    clock.add(recorder(clock, 100, log));
    await realDelay(20);
    assert.deepEqual(log, [
      [40, 40],
      [100, 100],
    ]);
  });

  test("with realIdle, each burst of real activity restarts the quiet window", async () => {
    // Four real waits of 100 ms, each well inside the 300 ms window: time must not jump while they go on, although
    // together they last longer than one window.
    const steps = async () => {
      for (let i = 0; i < 4; i++) await ensureFuture(realDelay(100));
      return "done";
    };
    const result = await run(() => waitFor(steps, 1000), {
      clock: new VirtualClock({ realIdle: 300 }),
      handleSignals: false,
    });
    assert.equal(result, "done");
  });
});

describe("TimerHeap", () => {
  test("after any removals, pops the rest in deadline order, first-in first-out for equal deadlines", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.boolean()), { minLength: 1, maxLength: 40 }),
        (entries) => {
          const heap = new TimerHeap();
          const clock = { now: () => 0 };
          const timers = entries.map(([due]) => recorder(clock, due, []));
          for (const t of timers) heap.push(t);
          const kept = timers.filter((t, i) => {
            if (!(entries[i] as [number, boolean])[1]) return true;
            heap.remove(t);
            return false;
          });
          const popped: Timer[] = [];
          for (let t = heap.pop(); t !== undefined; t = heap.pop()) popped.push(t);
          assert.deepEqual(
            popped,
            [...kept].sort((a, b) => a.due - b.due || a.seq - b.seq),
          );
        },
      ),
      fcParams(200),
    );
  });

  test("keeps deadline order when a removal moves a later-added timer up", () => {
    const heap = new TimerHeap();
    const log: [number, number][] = [];
    const clock = { now: () => 0 };
    const timers = [16, 2, 9, 3, 10, 1, 2].map((due) => recorder(clock, due, log));
    for (const t of timers) heap.push(t);
    heap.remove(timers[0] as Timer);
    heap.remove(timers[5] as Timer); // the last timer (2) takes its place, under a 3: it must move up
    assert.equal((timers[5] as Timer).index, -1);
    const order: number[] = [];
    for (let t = heap.pop(); t !== undefined; t = heap.pop()) {
      order.push(t.due);
      assert.equal(t.index, -1);
    }
    assert.deepEqual(order, [2, 2, 3, 9, 10]);
  });

  test("any mix of pushes, removals and pops takes timers out in deadline order, first-in first-out for equal deadlines", () => {
    // Runs of rising deadlines go to the O(1) queue, the others to the heap: the mix exercises both and their merge.
    const op = fc.oneof(
      fc.record({ kind: fc.constant("push" as const), step: fc.integer({ min: -6, max: 12 }).map((x) => x / 4) }),
      fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("pop" as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const heap = new TimerHeap();
        const clock = { now: () => 0 };
        const live: Timer[] = [];
        let due = 10;
        const inOrder = (a: Timer, b: Timer): number => a.due - b.due || a.seq - b.seq;
        for (const o of ops) {
          if (o.kind === "push") {
            due += o.step;
            const t = recorder(clock, due, []);
            heap.push(t);
            live.push(t);
          } else if (o.kind === "remove") {
            if (live.length === 0) continue;
            const [t] = live.splice(o.pick % live.length, 1) as [Timer];
            heap.remove(t);
            assert.equal(t.index, -1);
            heap.remove(t); // a second removal is ignored
          } else {
            live.sort(inOrder);
            const expected = live.shift();
            assert.equal(heap.pop(), expected);
            if (expected !== undefined) assert.equal(expected.index, -1);
          }
          assert.equal(heap.size, live.length);
          assert.equal(heap.peek(), [...live].sort(inOrder)[0]);
          assert.equal(heap.toArray().length, live.length);
        }
      }),
      fcParams(300),
    );
  });

  test("timers added in deadline order and removed in any order leave nothing behind, however many", () => {
    const heap = new TimerHeap();
    const clock = { now: () => 0 };
    const n = 5000;
    const timers = Array.from({ length: n }, (_, i) => recorder(clock, 1000 + i, []));
    for (const t of timers) heap.push(t);
    // Remove all but every 100th from the middle out, then the front half in order: empty slots get compacted.
    for (let i = n - 1; i >= 0; i--) if (i % 100 !== 0) heap.remove(timers[i] as Timer);
    assert.equal(heap.size, n / 100);
    assert.deepEqual(
      heap.toArray().map((t) => t.due),
      timers.filter((_, i) => i % 100 === 0).map((t) => t.due),
    );
    // An earlier deadline goes to the heap and comes out first.
    const early = recorder(clock, 5, []);
    heap.push(early);
    assert.equal(heap.peek(), early);
    const order: number[] = [];
    for (let t = heap.pop(); t !== undefined; t = heap.pop()) order.push(t.due);
    assert.deepEqual(order, [5, ...timers.filter((_, i) => i % 100 === 0).map((t) => t.due)]);
    assert.equal(heap.size, 0);
    assert.ok(timers.every((t) => t.index === -1));
  });

  test("clear() marks every timer as out of the heap", () => {
    const heap = new TimerHeap();
    const clock = { now: () => 0 };
    const timers = [5, 3, 9, 12].map((due) => recorder(clock, due, [])); // 5, 9, 12 in the run, 3 in the heap
    for (const t of timers) heap.push(t);
    heap.clear();
    assert.equal(heap.size, 0);
    assert.deepEqual(
      timers.map((t) => t.index),
      [-1, -1, -1, -1],
    );
  });
});

/** How many of Node's resources of a kind keep the process alive (unref'd timers are not counted). */
function alive(kind: "Timeout" | "Immediate"): number {
  return process.getActiveResourcesInfo().filter((r) => r === kind).length;
}

describe("RealClock", () => {
  test("one Node timer keeps the process alive while a timer is pending, and one turn of Node's loop after", async () => {
    const clock = new RealClock();
    const base = alive("Timeout");
    const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    const log: [number, number][] = [];
    try {
      const a = recorder(clock, clock.now() + 10_000, log);
      clock.add(a);
      assert.equal(alive("Timeout"), base + 1);
      clock.remove(a); // kept for the next timer, and unref'd after this turn
      assert.deepEqual([alive("Timeout"), alive("Immediate")], [base + 1, 1]);
      clock.add(recorder(clock, clock.now() + 10_000, log)); // in the same turn: still referenced, no call to ref()
      clock.remove(a);
      clock.remove(clock._timers()[0] as Timer);
      await turn();
      assert.deepEqual([alive("Timeout"), alive("Immediate")], [base, 0]);
      const b = recorder(clock, clock.now() + 20_000, log);
      clock.add(b); // the kept Node timer is early enough: ref'd again
      assert.equal(alive("Timeout"), base + 1);
      clock.remove(b);
      const c = recorder(clock, clock.now() + 20_000, log);
      clock.add(c); // a timer pending when the turn ends keeps it referenced
      await turn();
      assert.deepEqual([alive("Timeout"), alive("Immediate")], [base + 1, 0]);
      clock.remove(c);
      await turn();
      assert.equal(alive("Timeout"), base);
      clock.add(recorder(clock, clock.now() + 30_000, log));
      clock.add(recorder(clock, clock.now() + 5_000, log)); // earlier: the Node timer is replaced, not added
      assert.equal(alive("Timeout"), base + 1);
      assert.equal(alive("Immediate"), 0);
      clock.detach();
      assert.equal(clock.pendingTimers, 0);
      assert.deepEqual([alive("Timeout"), alive("Immediate")], [base, 0]);
      clock.add(recorder(clock, clock.now() + 30_000, log));
      clock.remove(clock._timers()[0] as Timer);
      clock.detach(); // drops the pending unref check too
      assert.deepEqual([alive("Timeout"), alive("Immediate")], [base, 0]);
      assert.deepEqual(log, []);
    } finally {
      clock.detach();
    }
  });

  test("waits out a timer due within a millisecond with setImmediate, dropped with the timer", async () => {
    const clock = new RealClock();
    const base = alive("Immediate");
    const timeouts = alive("Timeout");
    const log: [number, number][] = [];
    try {
      const due = recorder(clock, clock.now(), log);
      clock.add(due);
      assert.deepEqual([alive("Immediate"), alive("Timeout")], [base + 1, timeouts]);
      clock.remove(due);
      assert.equal(alive("Immediate"), base);
      clock.add(recorder(clock, clock.now(), log));
      clock.detach();
      assert.equal(alive("Immediate"), base);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(log.length, 0);
      const fired = recorder(clock, clock.now() - 5, log);
      clock.add(fired);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        log.map(([d]) => d),
        [fired.due],
      );
      assert.equal(alive("Immediate"), base);
    } finally {
      clock.detach();
    }
  });

  test("a timer due in exactly one millisecond gets a Node timer, not setImmediate", (t) =>
    withNow(
      t,
      () => 5000,
      () => {
        const clock = new RealClock();
        const base = [alive("Immediate"), alive("Timeout")];
        try {
          clock.add(recorder(clock, 5001, []));
          assert.deepEqual([alive("Immediate"), alive("Timeout")], [base[0], (base[1] as number) + 1]);
          clock.detach();
          clock.add(recorder(clock, 5000.5, []));
          assert.deepEqual([alive("Immediate"), alive("Timeout")], [(base[0] as number) + 1, base[1]]);
        } finally {
          clock.detach();
        }
      },
    ));

  test("a timer that is never due still holds one Node timer, at the longest delay Node allows", () => {
    const clock = new RealClock();
    const base = alive("Timeout");
    try {
      clock.add(recorder(clock, Number.POSITIVE_INFINITY, []));
      assert.equal(alive("Timeout"), base + 1);
    } finally {
      clock.detach();
    }
    assert.equal(alive("Timeout"), base);
  });

  test("a detached clock never wakes up again", (t) =>
    withNow(
      t,
      () => 5000,
      async (now) => {
        const clock = new RealClock();
        clock.add(recorder(clock, 5010, []));
        clock.detach();
        const calls = now.mock.callCount();
        await realDelay(60);
        assert.equal(now.mock.callCount(), calls);
      },
    ));

  test("watchBlocking() reports a tick later than the threshold, by how much, until stopped", async (t) => {
    let fake = 1000;
    await withNow(
      t,
      () => fake,
      async (now) => {
        const clock = new RealClock();
        const reports: number[] = [];
        const timeouts = alive("Timeout");
        const stop = clock.watchBlocking(100, (ms) => reports.push(ms)); // ticks every 25 ms
        assert.equal(alive("Timeout"), timeouts, "the watcher must not keep the process alive");
        /** Moves the fake time so that the next tick sees it `late` ms after its period, and waits for that tick. */
        const tickLate = async (late: number) => {
          fake += 25 + late;
          const calls = now.mock.callCount();
          while (now.mock.callCount() === calls) await realDelay(5);
        };
        try {
          await tickLate(0);
          await tickLate(100);
          assert.deepEqual(reports, []);
          await tickLate(101);
          assert.deepEqual(reports, [101]);
          await tickLate(500);
          assert.deepEqual(reports, [101, 500]);
        } finally {
          stop();
        }
        const calls = now.mock.callCount();
        await realDelay(80);
        assert.equal(now.mock.callCount(), calls, "the watcher still ticks after stop()");
      },
    );
  });
});

describe("the loop and Node's event loop", () => {
  test("tasks that keep yielding to each other do not starve timers and I/O", async () => {
    const spins = await run(
      async () => {
        let n = 0;
        try {
          await waitFor(async () => {
            for (;;) {
              await sleep(0);
              n++;
            }
          }, 30);
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
        }
        return n;
      },
      { handleSignals: false },
    );
    assert.ok(spins > 0);
  });
});
