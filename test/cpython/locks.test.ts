// Behaviour cases translated from CPython 3.13's Lib/test/test_asyncio/test_locks.py.
// Tests that poke at private attributes (lock._waiters, sem._value) use the
// public equivalent (statistics(), locked()); tests of Python-only matters
// (the removed `loop` parameter, `await lock` / `with await lock`, loop
// mismatch) are skipped. `async with x` becomes acquire/release in a
// try/finally, or `await using`.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  CancelledError,
  Condition,
  createTask,
  Event,
  Future,
  gather,
  InvalidStateError,
  Lock,
  Semaphore,
  sleep,
  type Task,
  TimeoutError,
  taskGroup,
  timeout,
  wait,
  waitFor,
} from "aio-ts";
import { rejection, runVirtual } from "../helpers.ts";

/** asyncio's `loop.call_soon(fn)`: runs `fn` from the loop, outside any task. */
function callSoon(fn: () => void): void {
  const f = new Future<void>();
  f.addDoneCallback(() => fn());
  f.setResult();
}

const isLockNotHeld = (e: unknown): boolean => e instanceof InvalidStateError && e.code === "ERR_AIO_LOCK_NOT_HELD";

async function expectCancelled(aw: PromiseLike<unknown>, message?: string): Promise<CancelledError> {
  const e = await rejection(aw);
  assert.ok(e instanceof CancelledError, `expected CancelledError, got ${String(e)}`);
  if (message !== undefined) assert.equal(e.message, message);
  return e;
}

// ── Lock ──

describe("LockTests", () => {
  // test_locks.py: LockTests.test_repr
  test("toString says locked or unlocked", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      assert.ok(String(lock).endsWith("[unlocked]>"), String(lock));
      await lock.acquire();
      assert.ok(String(lock).endsWith("[locked]>"), String(lock));
    });
  });

  // test_locks.py: LockTests.test_acquire
  test("acquire: waiters get the lock one release at a time, in FIFO order", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      const result: number[] = [];
      assert.equal(await lock.acquire(), true);
      const c = (n: number) => async () => {
        if (await lock.acquire()) result.push(n);
        return true;
      };
      const t1 = createTask(c(1));
      const t2 = createTask(c(2));
      await sleep(0);
      assert.deepEqual(result, []);
      lock.release();
      await sleep(0);
      assert.deepEqual(result, [1]);
      await sleep(0);
      assert.deepEqual(result, [1]);
      const t3 = createTask(c(3));
      lock.release();
      await sleep(0);
      assert.deepEqual(result, [1, 2]);
      lock.release();
      await sleep(0);
      assert.deepEqual(result, [1, 2, 3]);
      for (const t of [t1, t2, t3]) {
        assert.ok(t.done());
        assert.equal(t.result(), true);
      }
    });
  });

  // test_locks.py: LockTests.test_acquire_cancel
  test("a cancelled acquire leaves no waiter behind", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      assert.equal(await lock.acquire(), true);
      const task = createTask(() => lock.acquire());
      callSoon(() => task.cancel());
      await expectCancelled(task);
      assert.equal(lock.statistics().waiters, 0);
    });
  });

  // test_locks.py: LockTests.test_cancel_race
  test("cancel race: a waiter cancelled as the lock is released passes it to the next waiter", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      const lockit = (blocker: Future<void> | undefined) => async () => {
        await lock.acquire();
        try {
          if (blocker !== undefined) await blocker;
        } finally {
          lock.release();
        }
      };
      const fa = new Future<void>();
      const ta = createTask(lockit(fa));
      await sleep(0);
      assert.ok(lock.locked());
      const tb = createTask(lockit(undefined));
      await sleep(0);
      assert.equal(lock.statistics().waiters, 1);
      const tc = createTask(lockit(undefined));
      await sleep(0);
      assert.equal(lock.statistics().waiters, 2);

      fa.setResult();
      tb.cancel();
      await sleep(0);
      assert.ok(!lock.locked());
      assert.ok(ta.done());
      assert.ok(tb.cancelled());
      await tc;
    });
  });

  // test_locks.py: LockTests.test_cancel_release_race
  test("cancel-release race (bpo-32734): cancelling a waiter and releasing hands the lock to one task only", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      let lockCount = 0;
      let callCount = 0;
      const lockit = async () => {
        callCount++;
        await lock.acquire();
        lockCount++;
      };
      await lock.acquire();
      const t1 = createTask(lockit);
      const t2 = createTask(lockit);
      const t3 = createTask(lockit);
      await sleep(0);
      callSoon(() => {
        t1.cancel();
        lock.release();
      });
      await expectCancelled(t1);
      assert.equal(lockCount, 1);
      assert.equal(callCount, 3);
      assert.ok(t1.cancelled() && t2.done());
      t3.cancel();
      await sleep(0);
      assert.ok(t3.cancelled());
    });
  });

  // test_locks.py: LockTests.test_finished_waiter_cancelled
  test("a woken waiter that is cancelled does not strand the next one", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      await lock.acquire();
      assert.ok(lock.locked());
      const tb = createTask(() => lock.acquire());
      await sleep(0);
      assert.equal(lock.statistics().waiters, 1);
      const tc = createTask(() => lock.acquire());
      tb.cancel();
      lock.release();
      await sleep(0);
      assert.ok(lock.locked());
      assert.ok(tb.cancelled());
      await tc;
    });
  });

  // test_locks.py: LockTests.test_release_not_acquired
  test("release without acquire throws", () => {
    assert.throws(() => new Lock().release(), isLockNotHeld);
  });

  // test_locks.py: LockTests.test_release_no_waiters
  test("release with no waiters unlocks", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      await lock.acquire();
      assert.ok(lock.locked());
      lock.release();
      assert.ok(!lock.locked());
    });
  });

  // test_locks.py: LockTests.test_context_manager
  test("await using holds the lock for the block", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      assert.ok(!lock.locked());
      {
        await using _ = await lock.hold();
        assert.ok(lock.locked());
      }
      assert.ok(!lock.locked());
    });
  });
});

// ── Event ──

describe("EventTests", () => {
  // test_locks.py: EventTests.test_repr
  test("toString says set or unset, and counts waiters", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      assert.ok(String(ev).endsWith("[unset]>"), String(ev));
      const t = createTask(() => ev.wait());
      await sleep(0);
      assert.ok(String(ev).includes("waiters:1"), String(ev));
      ev.set();
      assert.ok(String(ev).endsWith("[set]>"), String(ev));
      await t;
    });
  });

  // test_locks.py: EventTests.test_wait
  test("wait: set() wakes every waiter, in the order they began waiting", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      assert.ok(!ev.isSet());
      const result: number[] = [];
      const c = (n: number) => async () => {
        if (await ev.wait()) result.push(n);
      };
      const t1 = createTask(c(1));
      const t2 = createTask(c(2));
      await sleep(0);
      assert.deepEqual(result, []);
      const t3 = createTask(c(3));
      ev.set();
      await sleep(0);
      assert.deepEqual(result, [3, 1, 2]);
      for (const t of [t1, t2, t3]) {
        assert.ok(t.done());
        assert.equal(t.result(), undefined);
      }
    });
  });

  // test_locks.py: EventTests.test_wait_on_set
  test("wait on a set event returns true at once", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      ev.set();
      assert.equal(await ev.wait(), true);
    });
  });

  // test_locks.py: EventTests.test_wait_cancel
  test("a cancelled wait leaves no waiter behind", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      const w = createTask(() => ev.wait());
      callSoon(() => w.cancel());
      await expectCancelled(w);
      assert.equal(ev.statistics().waiters, 0);
    });
  });

  // test_locks.py: EventTests.test_clear
  test("clear unsets", () => {
    const ev = new Event();
    assert.ok(!ev.isSet());
    ev.set();
    assert.ok(ev.isSet());
    ev.clear();
    assert.ok(!ev.isSet());
  });

  // test_locks.py: EventTests.test_clear_with_waiters
  test("a waiter woken by set() returns true even if the event is cleared before it runs", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      const result: number[] = [];
      const t = createTask(async () => {
        if (await ev.wait()) result.push(1);
        return true;
      });
      await sleep(0);
      assert.deepEqual(result, []);
      ev.set();
      ev.clear();
      assert.ok(!ev.isSet());
      ev.set();
      ev.set();
      await sleep(0);
      assert.deepEqual(result, [1]);
      assert.equal(ev.statistics().waiters, 0);
      assert.ok(t.done());
      assert.equal(t.result(), true);
    });
  });
});

// ── Condition ──

describe("ConditionTests", () => {
  // test_locks.py: ConditionTests.test_wait
  test("wait: notify(n) wakes n waiters, each returning once it holds the lock again", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      const result: number[] = [];
      const c = (n: number) => async () => {
        await cond.acquire();
        if (await cond.wait()) result.push(n);
        return true;
      };
      const t1 = createTask(c(1));
      const t2 = createTask(c(2));
      const t3 = createTask(c(3));
      await sleep(0);
      assert.deepEqual(result, []);
      assert.ok(!cond.locked());

      assert.equal(await cond.acquire(), true);
      cond.notify();
      await sleep(0);
      assert.deepEqual(result, []);
      assert.ok(cond.locked());

      cond.release();
      await sleep(0);
      assert.deepEqual(result, [1]);
      assert.ok(cond.locked());

      cond.notify(2);
      await sleep(0);
      assert.deepEqual(result, [1]);
      assert.ok(cond.locked());

      cond.release();
      await sleep(0);
      assert.deepEqual(result, [1, 2]);
      assert.ok(cond.locked());

      cond.release();
      await sleep(0);
      assert.deepEqual(result, [1, 2, 3]);
      assert.ok(cond.locked());

      for (const t of [t1, t2, t3]) {
        assert.ok(t.done());
        assert.equal(t.result(), true);
      }
    });
  });

  // test_locks.py: ConditionTests.test_wait_cancel
  test("a cancelled wait leaves no waiter behind and holds the lock again", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      await cond.acquire();
      const w = createTask(() => cond.wait());
      callSoon(() => w.cancel());
      await expectCancelled(w);
      assert.equal(cond.statistics().waiters, 0);
      assert.ok(cond.locked());
    });
  });

  // test_locks.py: ConditionTests.test_wait_cancel_contested
  test("a waiter notified, then cancelled while the lock is contested, still ends holding the lock", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      await cond.acquire();
      assert.ok(cond.locked());
      const waitTask = createTask(() => cond.wait());
      await sleep(0);
      assert.ok(!cond.locked());

      // Notify, but contest the lock before cancelling.
      await cond.acquire();
      assert.ok(cond.locked());
      cond.notify();
      callSoon(() => waitTask.cancel());
      callSoon(() => cond.release());
      try {
        await waitTask;
      } catch (error) {
        // asyncio: "Should not happen, since no cancellation points", but allowed.
        if (!(error instanceof CancelledError)) throw error;
      }
      assert.ok(cond.locked());
    });
  });

  // test_locks.py: ConditionTests.test_wait_cancel_after_notify
  test("cancel after notify (bpo-32841): the waiter ends cancelled", async () => {
    await runVirtual(async () => {
      let waited = false;
      const cond = new Condition();
      const waiter = createTask(async () => {
        await using _ = await cond.hold();
        waited = true;
        await cond.wait();
      });
      await sleep(0); // start waiting
      await cond.acquire();
      cond.notify();
      await sleep(0); // get to acquire()
      waiter.cancel();
      await sleep(0); // activate cancellation
      cond.release();
      await sleep(0); // cancellation should occur
      assert.ok(waiter.cancelled());
      assert.ok(waited);
    });
  });

  // test_locks.py: ConditionTests.test_wait_unacquired
  test("wait without the lock throws", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      assert.ok(isLockNotHeld(await rejection(cond.wait())));
    });
  });

  // test_locks.py: ConditionTests.test_wait_for
  test("waitFor re-checks the predicate after each notification", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      let presult = false;
      const result: number[] = [];
      const t = createTask(async () => {
        await cond.acquire();
        if (await cond.waitFor(() => presult)) {
          result.push(1);
          cond.release();
        }
        return true;
      });
      await sleep(0);
      assert.deepEqual(result, []);

      await cond.acquire();
      cond.notify();
      cond.release();
      await sleep(0);
      assert.deepEqual(result, []);

      presult = true;
      await cond.acquire();
      cond.notify();
      cond.release();
      await sleep(0);
      assert.deepEqual(result, [1]);
      assert.ok(t.done());
      assert.equal(t.result(), true);
    });
  });

  // test_locks.py: ConditionTests.test_wait_for_unacquired
  test("waitFor returns a true predicate at once even without the lock; otherwise it throws", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      assert.deepEqual(await cond.waitFor(() => [1, 2, 3]), [1, 2, 3]);
      assert.ok(isLockNotHeld(await rejection(cond.waitFor(() => false))));
    });
  });

  // test_locks.py: ConditionTests.test_notify
  test("notify(1) wakes one waiter; notify(2048) wakes the rest", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      const result: number[] = [];
      const c = (n: number) => async () => {
        await cond.acquire();
        if (await cond.wait()) {
          result.push(n);
          cond.release();
        }
        return true;
      };
      const tasks = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
      await sleep(0);
      assert.deepEqual(result, []);

      await cond.acquire();
      cond.notify(1);
      cond.release();
      await sleep(0);
      assert.deepEqual(result, [1]);

      await cond.acquire();
      cond.notify(1);
      cond.notify(2048);
      cond.release();
      await sleep(0);
      assert.deepEqual(result, [1, 2, 3]);
      for (const t of tasks) {
        assert.ok(t.done());
        assert.equal(t.result(), true);
      }
    });
  });

  // test_locks.py: ConditionTests.test_notify_all
  test("notifyAll wakes every waiter", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      const result: number[] = [];
      const c = (n: number) => async () => {
        await cond.acquire();
        if (await cond.wait()) {
          result.push(n);
          cond.release();
        }
        return true;
      };
      const tasks = [createTask(c(1)), createTask(c(2))];
      await sleep(0);
      assert.deepEqual(result, []);
      await cond.acquire();
      cond.notifyAll();
      cond.release();
      await sleep(0);
      assert.deepEqual(result, [1, 2]);
      for (const t of tasks) {
        assert.ok(t.done());
        assert.equal(t.result(), true);
      }
    });
  });

  // test_locks.py: ConditionTests.test_notify_unacquired, test_notify_all_unacquired
  test("notify and notifyAll without the lock throw", () => {
    const cond = new Condition();
    assert.throws(() => cond.notify(), isLockNotHeld);
    assert.throws(() => cond.notifyAll(), isLockNotHeld);
  });

  // test_locks.py: ConditionTests.test_repr
  test("toString says locked or unlocked, and counts waiters", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      assert.ok(String(cond).includes("unlocked"), String(cond));
      await cond.acquire();
      assert.ok(String(cond).includes("locked"), String(cond));
      const t1 = createTask(async () => {
        await cond.acquire();
        await cond.wait();
        cond.release();
      });
      const t2 = createTask(async () => {
        await cond.acquire();
        await cond.wait();
        cond.release();
      });
      cond.release();
      await sleep(0);
      await sleep(0);
      assert.ok(String(cond).includes("waiters:2"), String(cond));
      await cond.acquire();
      cond.notifyAll();
      cond.release();
      await gather(t1, t2);
    });
  });

  // test_locks.py: ConditionTests.test_context_manager
  test("await using holds the condition's lock for the block", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      assert.ok(!cond.locked());
      {
        await using _ = await cond.hold();
        assert.ok(cond.locked());
      }
      assert.ok(!cond.locked());
    });
  });

  // test_locks.py: ConditionTests.test_explicit_lock
  test("a condition over an explicit lock shares it both ways", async () => {
    await runVirtual(async () => {
      const f = async (lock = new Lock(), cond = new Condition(lock)) => {
        assert.ok(!lock.locked());
        assert.ok(!cond.locked());
        {
          await using _ = await cond.hold();
          assert.ok(lock.locked());
          assert.ok(cond.locked());
        }
        assert.ok(!lock.locked());
        assert.ok(!cond.locked());
        {
          await using _ = await lock.hold();
          assert.ok(lock.locked());
          assert.ok(cond.locked());
        }
        assert.ok(!lock.locked());
        assert.ok(!cond.locked());
      };
      await f();
      await f(new Lock());
      const lock = new Lock();
      await f(lock, new Condition(lock));
    });
  });

  // test_locks.py: ConditionTests.test_timeout_in_block
  test("waitFor around a wait in the lock's block times out", async () => {
    await runVirtual(async () => {
      const condition = new Condition();
      await using _ = await condition.hold();
      assert.ok((await rejection(waitFor(() => condition.wait(), 500))) instanceof TimeoutError);
      assert.ok(condition.locked());
    });
  });

  // test_locks.py: ConditionTests.test_cancelled_error_wakeup
  test("a CancelledError received while waiting for the wakeup is re-thrown unchanged", async () => {
    await runVirtual(async () => {
      const wake = false;
      let raised: unknown;
      const cond = new Condition();
      const task = createTask(async () => {
        await using _ = await cond.hold();
        raised = await rejection(cond.waitFor(() => wake));
        assert.ok(raised instanceof CancelledError);
        throw raised;
      });
      await sleep(0);
      task.cancel("foo");
      const e = await expectCancelled(task, "foo");
      assert.equal(e, raised);
    });
  });

  // test_locks.py: ConditionTests.test_cancelled_error_re_aquire
  test("a CancelledError received while re-acquiring the lock is re-thrown unchanged", async () => {
    await runVirtual(async () => {
      let wake = false;
      let raised: unknown;
      const cond = new Condition();
      const task = createTask(async () => {
        await using _ = await cond.hold();
        raised = await rejection(cond.waitFor(() => wake));
        assert.ok(raised instanceof CancelledError);
        throw raised;
      });
      await sleep(0);
      await cond.acquire();
      wake = true;
      cond.notify();
      await sleep(0);
      // The task now tries to re-acquire the lock: cancel it there.
      task.cancel("foo");
      cond.release();
      const e = await expectCancelled(task, "foo");
      assert.equal(e, raised);
    });
  });

  // test_locks.py: ConditionTests.test_cancelled_wakeup, test_cancelled_wakeup_relock
  for (const relock of [false, true]) {
    test(`a waiter cancelled as it is notified${relock ? ", while re-acquiring the lock," : ""} loses no wakeup`, async () => {
      await runVirtual(async () => {
        const condition = new Condition();
        let state = 0;
        const consumer = async () => {
          await using _ = await condition.hold();
          for (;;) {
            await condition.waitFor(() => state !== 0);
            if (state < 0) return;
            state -= 1;
          }
        };
        const c = [createTask(consumer), createTask(consumer)];
        await sleep(0);
        {
          await using _ = await condition.hold();
          state += 1;
          condition.notify(1);
          // relock: let the target wake up and settle on re-acquiring the lock.
          if (relock) await sleep(0);
          c[0]!.cancel();
          try {
            await timeout(10, () => condition.waitFor(() => state === 0));
          } catch (error) {
            if (!(error instanceof TimeoutError)) throw error;
          }
          assert.equal(state, 0);
          state = -1;
          condition.notifyAll();
        }
        await c[1];
        await rejection(c[0]!);
      });
    });
  }
});

// ── Semaphore ──

describe("SemaphoreTests", () => {
  // test_locks.py: SemaphoreTests.test_initial_value_zero
  test("a semaphore of value 0 is locked", () => {
    assert.ok(new Semaphore(0).locked());
  });

  // test_locks.py: SemaphoreTests.test_repr
  test("toString shows the value while unlocked, and the waiters", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore();
      assert.ok(String(sem).endsWith("[unlocked, value:1]>"), String(sem));
      await sem.acquire();
      assert.ok(String(sem).endsWith("[locked]>"), String(sem));
      assert.ok(!String(sem).includes("waiters"), String(sem));
      const t1 = createTask(() => sem.acquire());
      const t2 = createTask(() => sem.acquire());
      await sleep(0);
      assert.ok(String(sem).includes("waiters:2"), String(sem));
      sem.release();
      sem.release();
      await gather(t1, t2);
    });
  });

  // test_locks.py: SemaphoreTests.test_semaphore
  test("a new semaphore has value 1 and is unlocked", () => {
    const sem = new Semaphore();
    assert.equal(sem.statistics().value, 1);
    assert.ok(!sem.locked());
  });

  // test_locks.py: SemaphoreTests.test_semaphore_value
  test("a negative value is refused", () => {
    assert.throws(() => new Semaphore(-1), TypeError);
  });

  // test_locks.py: SemaphoreTests.test_acquire
  test("acquire: released permits go to the waiters in order", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(3);
      const result: number[] = [];
      assert.equal(await sem.acquire(), true);
      assert.equal(await sem.acquire(), true);
      assert.ok(!sem.locked());
      const c = (n: number) => async () => {
        await sem.acquire();
        result.push(n);
        return true;
      };
      const t1 = createTask(c(1));
      const t2 = createTask(c(2));
      const t3 = createTask(c(3));
      await sleep(0);
      assert.deepEqual(result, [1]);
      assert.ok(sem.locked());
      assert.equal(sem.statistics().waiters, 2);
      assert.equal(sem.statistics().value, 0);

      const t4 = createTask(c(4));
      sem.release();
      sem.release();
      assert.equal(sem.statistics().value, 0);
      await sleep(0);
      assert.equal(sem.statistics().value, 0);
      assert.equal(result.length, 3);
      assert.ok(sem.locked());
      assert.equal(sem.statistics().waiters, 1);
      assert.equal(sem.statistics().value, 0);

      assert.ok(t1.done());
      assert.equal(t1.result(), true);
      const raceTasks = [t2, t3, t4];
      assert.equal(raceTasks.filter((t) => t.done() && t.result()).length, 2);
      sem.release();
      await gather(...raceTasks);
    });
  });

  // test_locks.py: SemaphoreTests.test_acquire_cancel
  test("a cancelled acquire leaves no live waiter", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore();
      await sem.acquire();
      const acquire = createTask(() => sem.acquire());
      callSoon(() => acquire.cancel());
      await expectCancelled(acquire);
      assert.equal(sem.statistics().waiters, 0);
    });
  });

  // test_locks.py: SemaphoreTests.test_acquire_cancel_before_awoken
  test("waiters cancelled before a release are skipped: the permit goes to the next", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(0);
      const [t1, t2, t3, t4] = [1, 2, 3, 4].map(() => createTask(() => sem.acquire())) as [
        Task<true>,
        Task<true>,
        Task<true>,
        Task<true>,
      ];
      await sleep(0);
      t1.cancel();
      t2.cancel();
      sem.release();
      await sleep(0);
      await sleep(0);
      assert.equal([t3, t4].filter((t) => t.done()).length, 1);
      assert.ok(t3.done());
      assert.ok(!t4.done());
      t3.cancel();
      t4.cancel();
      await sleep(0);
      await Promise.allSettled([t1, t2, t3, t4]);
    });
  });

  // test_locks.py: SemaphoreTests.test_acquire_hang
  test("acquire does not hang when the first waiter is cancelled as a permit is released", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(0);
      const t1 = createTask(() => sem.acquire());
      const t2 = createTask(() => sem.acquire());
      await sleep(0);
      t1.cancel();
      sem.release();
      await sleep(0);
      await sleep(0);
      assert.ok(sem.locked());
      assert.ok(t2.done());
      await rejection(t1);
    });
  });

  // test_locks.py: SemaphoreTests.test_acquire_no_hang
  test("a waiter cancelled after its permit was handed over gives it back", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(1);
      let t2: Task<void> | undefined;
      const t1 = createTask(async () => {
        {
          await using _ = await sem.hold();
          await sleep(0);
        }
        t2!.cancel();
      });
      t2 = createTask(async () => {
        await using _ = await sem.hold();
        assert.fail("t2 must not get the permit");
      });
      const [r1, r2] = await gather([t1, t2], { returnExceptions: true });
      assert.equal(r1, undefined);
      assert.ok(r2 instanceof CancelledError);
      await waitFor(sem.acquire(), 1000);
    });
  });

  // test_locks.py: SemaphoreTests.test_release_not_acquired
  test("a BoundedSemaphore released more than acquired throws", () => {
    const sem = new BoundedSemaphore();
    assert.throws(
      () => sem.release(),
      (e: unknown) => e instanceof InvalidStateError && e.code === "ERR_AIO_SEMAPHORE_RELEASED_TOO_OFTEN",
    );
  });

  // test_locks.py: SemaphoreTests.test_release_no_waiters
  test("release with no waiters unlocks", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore();
      await sem.acquire();
      assert.ok(sem.locked());
      sem.release();
      assert.ok(!sem.locked());
    });
  });

  // test_locks.py: SemaphoreTests.test_acquire_fifo_order
  test("FIFO: tasks that acquire twice each get the permit in turn", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(1);
      const result: string[] = [];
      const coro = (tag: string) => async () => {
        await sem.acquire();
        result.push(`${tag}_1`);
        await sleep(10);
        sem.release();
        await sem.acquire();
        result.push(`${tag}_2`);
        await sleep(10);
        sem.release();
      };
      await taskGroup(async (tg) => {
        tg.createTask(coro("c1"));
        tg.createTask(coro("c2"));
        tg.createTask(coro("c3"));
      });
      assert.deepEqual(result, ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"]);
    });
  });

  // test_locks.py: SemaphoreTests.test_acquire_fifo_order_2
  test("FIFO: a task that releases and re-acquires queues behind the others", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(1);
      const result: number[] = [];
      const t1 = createTask(async () => {
        await sem.acquire();
        result.push(1);
        return true;
      });
      const t2 = createTask(async () => {
        await sem.acquire();
        result.push(2);
        sem.release();
        await sem.acquire();
        result.push(4);
        return true;
      });
      const t3 = createTask(async () => {
        await sem.acquire();
        result.push(3);
        return true;
      });
      await sleep(0);
      sem.release();
      sem.release();
      await gather(t1, t2, t3);
      assert.deepEqual(result, [1, 2, 3, 4]);
    });
  });

  // test_locks.py: SemaphoreTests.test_acquire_fifo_order_3
  test("FIFO: a waiter cancelled before the releases takes no permit", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(0);
      const result: number[] = [];
      const c = (n: number) => async () => {
        await sem.acquire();
        result.push(n);
        return true;
      };
      const tasks = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
      await sleep(0);
      tasks[0]!.cancel();
      await sleep(0);
      sem.release();
      sem.release();
      await gather(tasks, { returnExceptions: true });
      assert.deepEqual(result, [2, 3]);
    });
  });

  // test_locks.py: SemaphoreTests.test_acquire_fifo_order_4
  test("FIFO: a successful acquire wakes the waiters that queued behind it while permits were free", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(0);
      const result: number[] = [];
      let t4: Task<boolean> | undefined;
      const c4 = async () => {
        result.push(4);
        return true;
      };
      const t1 = createTask(async () => {
        // Waits at once; woken by t2.
        assert.equal(sem.statistics().value, 0);
        await sem.acquire();
        // Every waiting task has been woken now.
        assert.equal(sem.statistics().value, 0);
        // A fourth task: it runs after t3, not t2.
        t4 = createTask(c4);
        result.push(1);
        return true;
      });
      const t2 = createTask(async () => {
        // Releases three times, for t1, t2 and t3.
        sem.release();
        sem.release();
        sem.release();
        assert.equal(sem.statistics().value, 2);
        // Locked, because t1 has not woken up yet.
        assert.ok(sem.locked());
        await sem.acquire();
        result.push(2);
        return true;
      });
      const t3 = createTask(async () => {
        await sem.acquire();
        assert.ok(sem.locked());
        result.push(3);
        return true;
      });
      await sleep(0);
      // Three tasks are in the queue; the first has not woken up yet.
      assert.equal(sem.statistics().value, 2);
      assert.equal(sem.statistics().waiters, 3);
      await sleep(0);
      await gather(t1, t2, t3, t4!);
      assert.deepEqual(result, [1, 2, 3, 4]);
    });
  });
});

// ── Barrier ──

describe("BarrierTests", () => {
  const N = 5;
  const makeTasks = <T>(n: number, fn: () => Promise<T>): Task<T>[] => Array.from({ length: n }, () => createTask(fn));
  const gatherTasks = async <T>(n: number, fn: () => Promise<T>): Promise<T[]> => gather(makeTasks(n, fn));
  const isBroken = (e: unknown): boolean => e instanceof BrokenBarrierError;

  // test_locks.py: BarrierTests.test_barrier
  test("a new barrier is filling", () => {
    assert.ok(String(new Barrier(N)).includes("filling"));
  });

  // test_locks.py: BarrierTests.test_repr
  test("toString follows the states: filling, draining, resetting, broken", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      assert.ok(String(barrier).includes("filling"));
      const waiters: Task<number>[] = [];
      const incr = 2;
      for (let i = 0; i < incr; i++) waiters.push(createTask(() => barrier.wait()));
      await sleep(0);
      assert.ok(String(barrier).includes(`waiters:${incr}/${N}`), String(barrier));
      assert.ok(String(barrier).includes("filling"));

      // The missing waiters.
      for (let i = barrier.parties - barrier.nWaiting; i > 0; i--) waiters.push(createTask(() => barrier.wait()));
      await sleep(0);
      assert.ok(String(barrier).includes("draining"), String(barrier));

      // Some waiters, then reset.
      for (let i = 0; i < incr; i++) waiters.push(createTask(() => barrier.wait()));
      await sleep(0);
      await barrier.reset();
      assert.ok(String(barrier).includes("resetting"), String(barrier));

      // Some waiters again, then abort.
      for (let i = 0; i < incr; i++) waiters.push(createTask(() => barrier.wait()));
      await sleep(0);
      await barrier.abort();
      assert.ok(String(barrier).includes("broken"), String(barrier));
      assert.ok(barrier.broken);
      await gather(waiters, { returnExceptions: true });
    });
  });

  // test_locks.py: BarrierTests.test_barrier_parties
  test("parties must be positive", () => {
    assert.throws(() => new Barrier(0), TypeError);
    assert.throws(() => new Barrier(-4), TypeError);
    assert.ok(new Barrier(N) instanceof Barrier);
  });

  // test_locks.py: BarrierTests.test_context_manager
  test("each party gets a distinct index", async () => {
    await runVirtual(async () => {
      const n = 3;
      const barrier = new Barrier(n);
      const results: number[] = [];
      await gatherTasks(n, async () => {
        results.push(await barrier.wait());
      });
      assert.deepEqual(
        results.sort((a, b) => a - b),
        [0, 1, 2],
      );
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!barrier.broken);
    });
  });

  // test_locks.py: BarrierTests.test_filling_one_task
  test("a barrier of one party lets its task through at once", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(1);
      assert.equal(await barrier.wait(), 0);
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!barrier.broken);
    });
  });

  // test_locks.py: BarrierTests.test_filling_one_task_twice
  test("a barrier of one party lets two tasks through one after the other", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(1);
      const t1 = createTask(() => barrier.wait());
      await sleep(0);
      assert.equal(barrier.nWaiting, 0);
      const t2 = createTask(() => barrier.wait());
      await sleep(0);
      assert.equal(t1.result(), t2.result());
      assert.equal(t1.done(), t2.done());
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!barrier.broken);
    });
  });

  // test_locks.py: BarrierTests.test_filling_task_by_task
  test("nWaiting counts the tasks as they arrive", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(3);
      const t1 = createTask(() => barrier.wait());
      await sleep(0);
      assert.equal(barrier.nWaiting, 1);
      assert.ok(String(barrier).includes("filling"));
      const t2 = createTask(() => barrier.wait());
      await sleep(0);
      assert.equal(barrier.nWaiting, 2);
      assert.ok(String(barrier).includes("filling"));
      const t3 = createTask(() => barrier.wait());
      await sleep(0);
      await wait([t1, t2, t3]);
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!barrier.broken);
    });
  });

  // test_locks.py: BarrierTests.test_filling_tasks_wait_twice
  test("the same tasks pass the barrier twice", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      await gatherTasks(N, async () => {
        await barrier.wait();
        results.push(true);
        await barrier.wait();
        results.push(false);
      });
      assert.equal(results.length, N * 2);
      assert.equal(results.filter((r) => r).length, N);
      assert.equal(results.filter((r) => !r).length, N);
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!barrier.broken);
    });
  });

  // test_locks.py: BarrierTests.test_filling_tasks_check_return_value
  test("the second pass also hands out every index once", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const res = await gatherTasks(N, async () => {
        await barrier.wait();
        results1.push(true);
        const i = await barrier.wait();
        results2.push(true);
        return i;
      });
      assert.equal(results1.length, N);
      assert.equal(results2.length, N);
      assert.deepEqual(
        res.sort((a, b) => a - b),
        [0, 1, 2, 3, 4],
      );
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!barrier.broken);
    });
  });

  // test_locks.py: BarrierTests.test_draining_state
  test("the barrier drains until the last task leaves it", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      await gatherTasks(N, async () => {
        await barrier.wait();
        // The state goes back to filling when the last task leaves.
        results.push(String(barrier).includes("draining"));
      });
      assert.equal(results.length, N);
      assert.equal(results.at(-1), false);
      assert.ok(results.slice(0, N - 1).every((r) => r));
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!barrier.broken);
    });
  });

  // test_locks.py: BarrierTests.test_blocking_tasks_while_draining
  test("tasks that wait again while the barrier drains are blocked until it refills", async () => {
    await runVirtual(async () => {
      const rewait = 2;
      const barrier = new Barrier(N);
      const barrierNoWaiting = new Barrier(N - rewait);
      let rewaitN = rewait;
      const events: string[] = [];
      await gatherTasks(N, async () => {
        await barrier.wait();
        if (rewaitN > 0) {
          rewaitN--;
          events.push("rewaits");
          await barrier.wait(); // blocked while the barrier drains: it waits for the refill
          events.push("rewaiter through");
        } else {
          await barrierNoWaiting.wait();
          events.push("past the other barrier");
          await barrier.wait();
          events.push("through");
        }
      });
      // As CPython's comment says, success means barrierNoWaiting was waited for exactly N - rewait times (it let
      // them through), and the rewaiters got through only once those had joined them.
      assert.equal(events.filter((e) => e === "past the other barrier").length, N - rewait);
      const firstThrough = events.findIndex((e) => e.endsWith("through"));
      assert.equal(events.lastIndexOf("past the other barrier") < firstThrough, true, events.join(", "));
      assert.equal(events.filter((e) => e === "rewaiter through").length, rewait);
      assert.equal(events.filter((e) => e === "through").length, N - rewait);
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  // test_locks.py: BarrierTests.test_filling_tasks_cancel_one
  test("a cancelled waiter no longer counts", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(3);
      const results: boolean[] = [];
      const coro = async () => {
        await barrier.wait();
        results.push(true);
      };
      const t1 = createTask(coro);
      await sleep(0);
      assert.equal(barrier.nWaiting, 1);
      const t2 = createTask(coro);
      await sleep(0);
      assert.equal(barrier.nWaiting, 2);
      t1.cancel();
      await sleep(0);
      assert.equal(barrier.nWaiting, 1);
      await expectCancelled(t1);
      assert.ok(t1.cancelled());
      const t3 = createTask(coro);
      await sleep(0);
      assert.equal(barrier.nWaiting, 2);
      const t4 = createTask(coro);
      await gather(t2, t3, t4);
      assert.equal(results.length, 3);
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!barrier.broken);
    });
  });

  // test_locks.py: BarrierTests.test_reset_barrier
  test("reset of an empty barrier leaves it filling", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(1);
      createTask(() => barrier.reset());
      await sleep(0);
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!barrier.broken);
    });
  });

  // test_locks.py: BarrierTests.test_reset_barrier_while_tasks_waiting
  test("reset while tasks wait breaks their wait, then the barrier fills again", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      const tasks = makeTasks(N - 1, async () => {
        try {
          await barrier.wait();
        } catch (error) {
          if (!isBroken(error)) throw error;
          results.push(true);
        }
      });
      await sleep(0);
      createTask(() => barrier.reset());
      await gather(tasks);
      assert.equal(results.length, N - 1);
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!String(barrier).includes("resetting"), String(barrier));
      assert.ok(!barrier.broken);
    });
  });

  // test_locks.py: BarrierTests.test_reset_barrier_when_tasks_half_draining
  test("reset while half the tasks are still draining breaks the ones still inside", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const restOfTasks = Math.floor(N / 2);
      let passed = 0;
      await gatherTasks(N, async () => {
        try {
          await barrier.wait();
        } catch (error) {
          if (!isBroken(error)) throw error;
          results1.push(true);
          return;
        }
        // asyncio compares barrier._count (the tasks still inside) to the
        // rest; the tasks leave one by one, so this is the same moment.
        passed++;
        if (N - passed === restOfTasks) await barrier.reset();
      });
      // The tasks still draining when the barrier is reset break.
      assert.deepEqual(results1, Array(restOfTasks).fill(true));
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!String(barrier).includes("resetting"), String(barrier));
      assert.ok(!barrier.broken);
    });
  });

  // test_locks.py: BarrierTests.test_reset_barrier_when_tasks_half_draining_half_blocking
  test("reset while tasks drain and others block: only the waiting ones break", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blockingTasks = Math.floor(N / 2);
      let count = 0;
      await gatherTasks(N, async () => {
        try {
          await barrier.wait();
        } catch (error) {
          if (!isBroken(error)) throw error;
          results1.push(true);
          await barrier.wait();
          return;
        }
        count++;
        if (count > blockingTasks) {
          await barrier.reset();
          await barrier.wait();
        } else {
          try {
            await barrier.wait();
          } catch (error) {
            if (!isBroken(error)) throw error;
            results2.push(true);
          }
        }
      });
      assert.deepEqual(results1, Array(blockingTasks).fill(true));
      assert.deepEqual(results2, []);
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!String(barrier).includes("resetting"), String(barrier));
      assert.ok(!barrier.broken);
    });
  });

  // test_locks.py: BarrierTests.test_reset_barrier_while_tasks_waiting_and_waiting_again
  test("tasks broken by a reset can wait again and pass", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const tasks = makeTasks(N - 1, async () => {
        try {
          await barrier.wait();
        } catch (error) {
          if (!isBroken(error)) throw error;
          results1.push(true);
        } finally {
          await barrier.wait();
          results2.push(true);
        }
      });
      createTask(() => barrier.reset());
      await sleep(0);
      const last = createTask(async () => {
        await barrier.wait();
        results2.push(true);
      });
      await gather(tasks);
      await last;
      assert.ok(!barrier.broken);
      assert.equal(results1.length, N - 1);
      assert.equal(results2.length, N);
      assert.equal(barrier.nWaiting, 0);
    });
  });

  // test_locks.py: BarrierTests.test_reset_barrier_while_tasks_draining
  test("reset by the last task out while others wait again: nobody breaks", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const results3: boolean[] = [];
      let count = 0;
      await gatherTasks(N, async () => {
        await barrier.wait();
        count++;
        if (count === N) {
          // The last task out of the barrier.
          await barrier.reset();
          await barrier.wait();
        } else {
          try {
            await barrier.wait();
            results1.push(true);
          } catch {
            results2.push(true);
          }
        }
        await barrier.wait();
        results3.push(true);
      });
      assert.ok(!barrier.broken);
      assert.equal(results1.length, N - 1);
      assert.equal(results2.length, 0);
      assert.equal(results3.length, N);
      assert.equal(barrier.nWaiting, 0);
    });
  });

  // test_locks.py: BarrierTests.test_abort_barrier
  test("abort of an empty barrier breaks it", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(1);
      createTask(() => barrier.abort());
      await sleep(0);
      assert.equal(barrier.nWaiting, 0);
      assert.ok(barrier.broken);
    });
  });

  // test_locks.py: BarrierTests.test_abort_barrier_when_tasks_half_draining_half_blocking
  test("abort while tasks drain and others block breaks every wait", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blockingTasks = Math.floor(N / 2);
      let count = 0;
      await gatherTasks(N, async () => {
        try {
          await barrier.wait();
        } catch (error) {
          if (!isBroken(error)) throw error;
          results1.push(true);
          return;
        }
        count++;
        if (count > blockingTasks) await barrier.abort();
        else {
          try {
            await barrier.wait();
          } catch (error) {
            if (!isBroken(error)) throw error;
            results2.push(true);
          }
        }
      });
      assert.ok(barrier.broken);
      assert.deepEqual(results1, Array(blockingTasks).fill(true));
      assert.deepEqual(results2, Array(N - blockingTasks - 1).fill(true));
      assert.equal(barrier.nWaiting, 0);
      assert.ok(!String(barrier).includes("resetting"), String(barrier));
    });
  });

  // test_locks.py: BarrierTests.test_abort_barrier_when_exception
  test("a task that fails inside the barrier aborts it; the others break", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      await gatherTasks(N, async () => {
        try {
          const i = await barrier.wait();
          if (i === Math.floor(N / 2)) throw new RangeError("boom");
          await barrier.wait();
          results1.push(true);
        } catch (error) {
          if (isBroken(error)) results2.push(true);
          else if (error instanceof RangeError) await barrier.abort();
          else throw error;
        }
      });
      assert.ok(barrier.broken);
      assert.equal(results1.length, 0);
      assert.equal(results2.length, N - 1);
      assert.equal(barrier.nWaiting, 0);
    });
  });

  // test_locks.py: BarrierTests.test_abort_barrier_when_exception_then_resetting
  test("an aborted barrier, once reset, works again", async () => {
    await runVirtual(async () => {
      const barrier1 = new Barrier(N);
      const barrier2 = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const results3: boolean[] = [];
      await gatherTasks(N, async () => {
        try {
          const i = await barrier1.wait();
          if (i === Math.floor(N / 2)) throw new RangeError("boom");
          await barrier1.wait();
          results1.push(true);
        } catch (error) {
          if (isBroken(error)) results2.push(true);
          else if (error instanceof RangeError) await barrier1.abort();
          else throw error;
        }
        // Synchronise and reset barrier1: synchronise first so that everyone
        // has left it when it is reset, and after so that nobody enters it
        // before the reset.
        const i = await barrier2.wait();
        if (i === Math.floor(N / 2)) await barrier1.reset();
        await barrier2.wait();
        await barrier1.wait();
        results3.push(true);
      });
      assert.ok(!barrier1.broken);
      assert.equal(results1.length, 0);
      assert.equal(results2.length, N - 1);
      assert.equal(results3.length, N);
      assert.equal(barrier1.nWaiting, 0);
    });
  });
});

// ── Waits given up on by a timeout (asyncio's wait_for around each primitive) ──

describe("TimedOutWaits", () => {
  // test_locks.py: LockTests.test_acquire_cancel (through wait_for)
  test("a lock acquire that times out leaves the lock to its holder and then to the next waiter", async () => {
    await runVirtual(async () => {
      const lock = new Lock();
      await lock.acquire();
      assert.ok((await rejection(waitFor(lock.acquire(), 10))) instanceof TimeoutError);
      assert.equal(lock.locked(), true);
      assert.equal(lock.statistics().waiters, 0);
      const next = createTask(async () => {
        await lock.acquire();
        return "got it";
      });
      await sleep(0);
      lock.release();
      assert.equal(await next, "got it");
      assert.equal(lock.locked(), true);
    });
  });

  // test_locks.py: SemaphoreTests.test_acquire_cancel (through wait_for)
  test("a semaphore acquire that times out takes no permit", async () => {
    await runVirtual(async () => {
      const sem = new Semaphore(1);
      await sem.acquire();
      assert.ok((await rejection(waitFor(sem.acquire(), 10))) instanceof TimeoutError);
      assert.deepEqual(sem.statistics(), { value: 0, waiters: 0 });
      sem.release();
      assert.deepEqual(sem.statistics(), { value: 1, waiters: 0 });
      assert.equal(sem.locked(), false);
    });
  });

  // test_locks.py: EventTests.test_wait_cancel (through wait_for)
  test("an event wait that times out leaves no waiter, and a later set wakes only the live ones", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      assert.ok((await rejection(waitFor(ev.wait(), 10))) instanceof TimeoutError);
      assert.equal(ev.statistics().waiters, 0);
      const live = createTask(() => ev.wait());
      await sleep(0);
      ev.set();
      assert.equal(await live, true);
    });
  });

  // test_locks.py: ConditionTests.test_timeout_in_block
  test("a condition wait that times out holds the lock again when the TimeoutError comes out", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      await cond.acquire();
      const e = await rejection(waitFor(cond.wait(), 500));
      assert.ok(e instanceof TimeoutError);
      assert.equal(cond.locked(), true);
      assert.equal(cond.statistics().waiters, 0);
      cond.release();
      assert.equal(cond.locked(), false);
    });
  });

  // test_locks.py: ConditionTests.test_wait_for (with a deadline that passes first)
  test("a condition waitFor whose predicate never holds times out holding the lock", async () => {
    await runVirtual(async () => {
      const cond = new Condition();
      let checks = 0;
      await cond.acquire();
      const notifier = createTask(async () => {
        for (let i = 0; i < 3; i++) {
          await sleep(10);
          await cond.acquire();
          cond.notifyAll();
          cond.release();
        }
      });
      const e = await rejection(
        timeout(100, () =>
          cond.waitFor(() => {
            checks++;
            return false;
          }),
        ),
      );
      assert.ok(e instanceof TimeoutError);
      assert.equal(checks, 4); // once at first, once per notification
      assert.equal(cond.locked(), true);
      cond.release();
      await notifier;
    });
  });

  // test_locks.py: BarrierTests.test_filling_tasks_cancel_one (through a timeout)
  test("a barrier wait that times out leaves the barrier counting one task fewer, and unbroken", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(2);
      assert.ok((await rejection(waitFor(barrier.wait(), 10))) instanceof TimeoutError);
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
      const [a, b] = await gather(
        () => barrier.wait(),
        () => barrier.wait(),
      );
      assert.deepEqual(new Set([a, b]), new Set([0, 1]));
    });
  });

  // test_locks.py: BarrierTests.test_abort_barrier (abort while a task waits under a timeout)
  test("abort while a task waits under a timeout: the task gets BrokenBarrierError, not TimeoutError", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(3);
      const waiter = createTask(() => timeout(1000, () => barrier.wait()));
      await sleep(10);
      await barrier.abort();
      assert.ok((await rejection(waiter)) instanceof BrokenBarrierError);
      assert.equal(barrier.broken, true);
    });
  });
});

describe("EventSemantics", () => {
  // test_locks.py: EventTests.test_wait (set before anyone waits, then clear, then wait)
  test("clear() after set() makes new waits block until the next set()", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      ev.set();
      assert.equal(await ev.wait(), true);
      ev.clear();
      const w = createTask(() => ev.wait());
      await sleep(100);
      assert.equal(w.done(), false);
      ev.set();
      assert.equal(await w, true);
    });
  });

  // test_locks.py: EventTests.test_wait_cancel (cancelling one waiter leaves the others waiting)
  test("cancelling one of several event waiters leaves the others to be woken by set()", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      const [w1, w2, w3] = [0, 1, 2].map(() => createTask(() => ev.wait())) as [Task<true>, Task<true>, Task<true>];
      await sleep(0);
      w2.cancel();
      await expectCancelled(w2);
      assert.equal(ev.statistics().waiters, 2);
      ev.set();
      assert.equal(await w1, true);
      assert.equal(await w3, true);
    });
  });
});

describe("CancelAfterWakeup", () => {
  // locks.py: Event.wait (woken by set(), cancelled before it resumed: the cancel wins)
  test("an event waiter cancelled after set() but before it resumed ends cancelled and leaves no waiter", async () => {
    await runVirtual(async () => {
      const ev = new Event();
      const w = createTask(() => ev.wait());
      await sleep(0);
      ev.set();
      w.cancel();
      await expectCancelled(w);
      assert.equal(ev.statistics().waiters, 0);
      assert.equal(ev.isSet(), true);
    });
  });

  // locks.py: Barrier.wait (a waiter released by the last party but cancelled before it resumed)
  test("a barrier waiter cancelled as the last party releases it ends cancelled; the last party passes and the barrier refills", async () => {
    await runVirtual(async () => {
      const barrier = new Barrier(2);
      const w = createTask(() => barrier.wait());
      await sleep(0);
      const last = createTask(() => barrier.wait());
      await sleep(0);
      w.cancel();
      await expectCancelled(w);
      assert.equal(await last, 1);
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
      assert.ok(String(barrier).includes("filling"));
    });
  });
});
