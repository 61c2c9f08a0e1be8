// Issue 16: bug classes that got through the suite when it was tried with
// hand-made bugs. Each test here fails with its bug applied (the commit that
// added it says how it was shown) and passes without it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  asCompleted,
  Condition,
  createTask,
  Event,
  Future,
  isCancelledError,
  now,
  run,
  sleep,
  type Task,
  TimeoutError,
  taskGroup,
  waitFor,
} from "aio-ts";
import { ClientSession } from "aio-ts/http";
import { VirtualClock } from "aio-ts/testing";
import { rejection, runVirtual } from "../helpers.ts";
import { startServer } from "../http/client-helpers.ts";

describe("TaskGroup cancelled from outside while its exit waits", () => {
  test("still waits for a child whose cleanup is slow, and ends after it", async () => {
    // The exit loop must keep waiting after the outside cancel interrupts its wait (a `while`, not an `if`).
    await runVirtual(async () => {
      const events: string[] = [];
      const outer = createTask(() =>
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            try {
              await sleep(Number.POSITIVE_INFINITY);
            } finally {
              await sleep(100); // slow cleanup, after the cancel
              events.push(`child cleaned up at ${now()}`);
            }
          });
          // The body ends at once: the group's exit now waits for the child.
        }),
      );
      await sleep(10);
      outer.cancel();
      const error = await rejection(outer);
      events.push(`group ended at ${now()}`);
      assert.ok(isCancelledError(error), String(error));
      assert.deepEqual(events, ["child cleaned up at 110", "group ended at 110"]);
    });
  });
});

describe("asCompleted with several tasks finished before the first next()", () => {
  test("yields them in the order they finished, not last-first nor in start order", async () => {
    await runVirtual(async () => {
      const make = (name: string, ms: number): Task<string> => createTask(() => sleep(ms, name));
      const tasks = [make("c", 30), make("a", 10), make("d", 40), make("b", 20)];
      const it = asCompleted(tasks);
      await sleep(50); // every one is done before the first next()
      const order: string[] = [];
      for await (const t of it) order.push(await t);
      assert.deepEqual(order, ["a", "b", "c", "d"]);
    });
  });

  test("the same with functions, started by asCompleted itself", async () => {
    await runVirtual(async () => {
      const it = asCompleted([() => sleep(20, "b"), () => sleep(10, "a"), () => sleep(30, "c")]);
      await sleep(50);
      const order: string[] = [];
      for await (const t of it) order.push(await t);
      assert.deepEqual(order, ["a", "b", "c"]);
    });
  });
});

describe("Event.clear()", () => {
  test("does not wake the tasks waiting for the event", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      const woken: string[] = [];
      const waiters = ["a", "b"].map((name) =>
        createTask(async () => {
          await ev.wait();
          woken.push(`${name} at ${now()}`);
        }),
      );
      await sleep(10);
      ev.clear();
      await sleep(10); // room for a wrongly woken waiter to run
      assert.deepEqual(woken, []);
      assert.equal(ev.statistics().waiters, 2);
      ev.set();
      await Promise.all(waiters);
      assert.deepEqual(woken, ["a at 20", "b at 20"]);
    });
  });

  test("after a set() that woke them, the woken waiters still return true", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      const waiter = createTask(() => ev.wait());
      await sleep(1);
      ev.set();
      ev.clear(); // before the waiter ran: it was woken by the set, and stays woken
      assert.equal(await waiter, true);
      assert.equal(ev.isSet(), false);
    });
  });
});

describe("Condition.wait() called outside any task", () => {
  test("is not cancelled with the task that notified it while it waits for the lock", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      let outside: Promise<string> | undefined;
      // A loop callback: outside any task, as asyncio's call_soon.
      const callback = new Future<void>();
      callback.addDoneCallback(() => {
        void cond.acquire(); // free: taken at once
        outside = cond.wait().then(
          () => "notified",
          (e: unknown) => `failed: ${String(e)}`,
        );
      });
      callback.setResult();
      await sleep(1);
      const notifier = createTask(async () => {
        await using _ = await cond.hold();
        cond.notify(); // the woken wait now queues for the lock, which this task holds
        await sleep(10);
      });
      await sleep(1);
      notifier.cancel(); // its own business: the lock comes free as it unwinds
      assert.ok(isCancelledError(await rejection(notifier)));
      assert.equal(await outside, "notified");
      assert.ok(cond.locked(), "the wait ends holding the lock");
      cond.release();
    });
  });
});

describe("VirtualClock", () => {
  test("does not move time while the loop still has ready callbacks, even past the drain budget", async () => {
    // The loop hands control to Node (setImmediate) every 2048 callbacks; the clock's idle check runs in the same
    // phase, and must see that the loop is still busy.
    await runVirtual(async () => {
      let wokeAt = -1;
      const timer = createTask(async () => {
        await sleep(1);
        wokeAt = now();
      });
      const seen = new Set<number>();
      let spins = 0;
      const spinner = createTask(async () => {
        for (let i = 0; i < 10_000; i++) {
          await sleep(0);
          seen.add(now());
          spins++;
        }
      });
      await spinner;
      assert.deepEqual([...seen], [0], "time moved while a task was still ready to run");
      assert.equal(wokeAt, -1, "the sleeper woke while another task was never idle");
      assert.equal(spins, 10_000);
      await timer;
      assert.equal(wokeAt, 1);
    });
  });
});

describe("a cancelled sleep", () => {
  test("removes its timer at once: the clock has nothing left to fire", async () => {
    const clock = new VirtualClock();
    await run(
      async () => {
        await assert.rejects(
          waitFor(() => sleep(60_000), 10),
          TimeoutError,
        );
        assert.equal(now(), 10);
        assert.equal(clock.pendingTimers, 0, "the timed-out sleep left its timer in the heap");
        const t = createTask(() => sleep(5000));
        await sleep(1);
        t.cancel();
        await rejection(t);
        assert.equal(clock.pendingTimers, 0, "the cancelled sleep left its timer in the heap");
      },
      { clock, handleSignals: false },
    );
    assert.equal(clock.now(), 11, "time jumped to a cancelled sleep's deadline");
  });
});

describe("ClientSession", () => {
  test("releases the unread body of a task that fails in a later turn", async () => {
    // The response is made in one turn; the task fails turns later, once the lazy watch (one turn after the
    // response) has put the body in the task's unread set. The only slot must come back when the task ends.
    const srv = await startServer((_req, res) => res.end("w".repeat(100_000)));
    const reports: string[] = [];
    const held: unknown[] = []; // keeps the response reachable: only the task's end may release it, not the GC
    try {
      await run(
        async () => {
          await using session = new ClientSession({ limit: 1 });
          const later = new Event();
          const failing = createTask(async () => {
            held.push(await session.get(srv.url("/unread")));
            await later.wait();
            throw new Error("failed later");
          });
          // Real turns go by (the real clock): the lazy watch is set up meanwhile.
          for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
          await sleep(20);
          later.set();
          assert.equal((await rejection(failing)) instanceof Error, true);
          const next = await waitFor(session.get(srv.url("/next")), 10_000);
          assert.equal((await next.text()).length, 100_000);
          assert.equal(session.statistics().inFlight, 0);
        },
        { handleSignals: false, exceptionHandler: (r) => reports.push(r.message) },
      );
    } finally {
      await srv.close();
    }
    assert.equal(held.length, 1);
    assert.deepEqual(reports, []);
  });
});
