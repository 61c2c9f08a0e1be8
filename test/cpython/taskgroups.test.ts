// Behaviour cases translated from CPython's Lib/test/test_asyncio/test_taskgroups.py.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CancelledError,
  createTask,
  currentTask,
  ExceptionGroup,
  Future,
  gather,
  InvalidStateError,
  now,
  sleep,
  type Task,
  TaskGroup,
  TimeoutError,
  taskGroup,
  timeout,
  waitFor,
} from "aio-ts";
import { rejection, runVirtual, SWALLOWED_CANCEL } from "../helpers.ts";

class MyExc extends Error {
  override name = "MyExc";
}
class ZeroDivision extends Error {
  override name = "ZeroDivision";
}
class ValueErr extends Error {
  override name = "ValueErr";
}

/** The set of error class names in a group, as CPython's get_error_types. */
function errorTypes(eg: unknown): Set<string> {
  assert.ok(eg instanceof ExceptionGroup, `expected an ExceptionGroup, got ${String(eg)}`);
  return new Set(eg.errors.map((e) => (e as Error).constructor.name));
}

function expectGroup(e: unknown, ...names: string[]): ExceptionGroup {
  assert.deepEqual(errorTypes(e), new Set(names));
  return e as ExceptionGroup;
}

function expectCancelled(e: unknown): void {
  assert.ok(e instanceof CancelledError, `expected CancelledError, got ${String(e)}`);
}

const crashAfter = (ms: number, make: () => Error) => async () => {
  await sleep(ms);
  throw make();
};

// test_taskgroups.py: test_taskgroup_01, test_taskgroup_02
test("the group waits for every child, including one created after the body slept", async () => {
  await runVirtual(async () => {
    let t1: Task<number> | undefined;
    let t2: Task<number> | undefined;
    await taskGroup(async (g) => {
      t1 = g.createTask(async () => {
        await sleep(100);
        return 42;
      });
      await sleep(150);
      t2 = g.createTask(async () => {
        await sleep(200);
        return 11;
      });
    });
    assert.equal(t1?.result(), 42);
    assert.equal(t2?.result(), 11);
    assert.equal(now(), 350);
  });
});

// test_taskgroups.py: test_taskgroup_03
test("cancelling one child explicitly leaves the group and the other children working", async () => {
  await runVirtual(async () => {
    let t1: Task<number> | undefined;
    let t2: Task<number> | undefined;
    await taskGroup(async (g) => {
      t1 = g.createTask(async () => {
        await sleep(1000);
        return 42;
      });
      await sleep(150);
      t1.cancel();
      t2 = g.createTask(async () => {
        await sleep(200);
        return 11;
      });
    });
    assert.equal(t1?.cancelled(), true);
    assert.equal(t2?.result(), 11);
  });
});

// test_taskgroups.py: test_taskgroup_04
test("a failing child cancels its sibling; the code after the group never runs", async () => {
  await runVirtual(async () => {
    let num = 0;
    let t2Cancel = false;
    let t2: Task<void> | undefined;
    const runner = createTask(async () => {
      await taskGroup(async (g) => {
        g.createTask(crashAfter(100, () => new ZeroDivision()));
        t2 = g.createTask(async () => {
          try {
            await sleep(1000);
          } catch (e) {
            t2Cancel = true;
            throw e;
          }
          num += 1;
        });
      });
      num += 10;
    });
    expectGroup(await rejection(runner), "ZeroDivision");
    assert.equal(num, 0);
    assert.equal(t2Cancel, true);
    assert.equal(t2?.cancelled(), true);
  });
});

// test_taskgroups.py: test_cancel_children_on_child_error
test("children failing together all end up in the group, and the body is cancelled", async () => {
  await runVirtual(async () => {
    let num = 0;
    let t2Cancel = false;
    let runnerCancel = false;
    const runner = createTask(async () => {
      await taskGroup(async (g) => {
        for (let i = 0; i < 3; i++) g.createTask(crashAfter(100, () => new ZeroDivision()));
        g.createTask(async () => {
          try {
            await sleep(5000);
          } catch (e) {
            t2Cancel = true;
            throw e;
          }
          num += 1;
        });
        try {
          await sleep(10_000);
        } catch (e) {
          runnerCancel = true;
          throw e;
        }
      });
      num += 10;
    });
    const eg = expectGroup(await rejection(runner), "ZeroDivision");
    assert.equal(eg.errors.length, 3);
    assert.equal(num, 0);
    assert.equal(t2Cancel, true);
    assert.equal(runnerCancel, true);
    assert.equal(now(), 100);
  });
});

// test_taskgroups.py: test_cancellation
test("a cancel from outside cancels every child and comes out as the CancelledError, message kept", async () => {
  await runVirtual(async () => {
    let num = 0;
    const r = createTask(async () => {
      await taskGroup(async (g) => {
        for (let i = 0; i < 5; i++) {
          g.createTask(async () => {
            try {
              await sleep(5000);
            } catch (e) {
              num += 1;
              throw e;
            }
          });
        }
      });
    });
    await sleep(100);
    assert.equal(r.done(), false);
    r.cancel("test");
    const e = await rejection(r);
    expectCancelled(e);
    assert.equal((e as Error).message, "test");
    assert.equal(num, 5);
  });
});

// test_taskgroups.py: test_taskgroup_07, test_taskgroup_17
test("a cancel from outside reaches the body as well as the children", async () => {
  await runVirtual(async () => {
    for (const children of [5, 0]) {
      let num = 0;
      const r = createTask(async () => {
        await taskGroup(async (g) => {
          for (let i = 0; i < children; i++) {
            g.createTask(async () => {
              try {
                await sleep(5000);
              } catch (e) {
                num += 1;
                throw e;
              }
            });
          }
          try {
            await sleep(10_000);
          } catch (e) {
            num += 10;
            throw e;
          }
        });
      });
      await sleep(100);
      assert.equal(r.done(), false);
      r.cancel();
      expectCancelled(await rejection(r));
      assert.equal(num, children + 10);
    }
  });
});

// test_taskgroups.py: test_taskgroup_08
test("children failing while a cancel from outside shuts the group give an ExceptionGroup", async () => {
  await runVirtual(async () => {
    const r = createTask(async () => {
      await taskGroup(async (g) => {
        for (let i = 0; i < 5; i++) {
          g.createTask(async () => {
            try {
              await sleep(10_000);
            } catch {
              // replaced by the error below, as a `raise` in `finally` does
            }
            throw new ZeroDivision();
          });
        }
        await sleep(10_000);
      });
    });
    await sleep(100);
    assert.equal(r.done(), false);
    r.cancel();
    expectGroup(await rejection(r), "ZeroDivision");
  });
});

// test_taskgroups.py: test_taskgroup_09, test_taskgroup_10
test("an error in the body cancels the children and comes out in an ExceptionGroup", async () => {
  await runVirtual(async () => {
    for (const bodySleeps of [true, false]) {
      let t1: Task<number> | undefined;
      let t2: Task<number> | undefined;
      const e = await rejection(
        taskGroup(async (g) => {
          t1 = g.createTask(async () => {
            await sleep(1000);
            return 42;
          });
          t2 = g.createTask(async () => {
            await sleep(2000);
            return 11;
          });
          if (bodySleeps) await sleep(100);
          throw new ZeroDivision();
        }),
      );
      expectGroup(e, "ZeroDivision");
      assert.equal(t1?.cancelled(), true);
      assert.equal(t2?.cancelled(), true);
    }
  });
});

// test_taskgroups.py: test_taskgroup_11
test("a cancel from outside through nested groups with failing children nests the ExceptionGroups", async () => {
  await runVirtual(async () => {
    const r = createTask(async () => {
      await taskGroup(async () => {
        await taskGroup(async (g2) => {
          for (let i = 0; i < 5; i++) {
            g2.createTask(async () => {
              try {
                await sleep(10_000);
              } catch {
                // replaced by the error below, as a `raise` in `finally` does
              }
              throw new ZeroDivision();
            });
          }
          await sleep(10_000);
        });
      });
    });
    await sleep(100);
    r.cancel();
    const e = expectGroup(await rejection(r), "ExceptionGroup");
    expectGroup(e.errors[0], "ZeroDivision");
  });
});

// test_taskgroups.py: test_taskgroup_12
test("a cancel from outside through nested groups, the outer one with a sleeping child, nests the ExceptionGroups", async () => {
  await runVirtual(async () => {
    const r = createTask(async () => {
      await taskGroup(async (g1) => {
        g1.createTask(() => sleep(10_000));
        await taskGroup(async (g2) => {
          for (let i = 0; i < 5; i++) {
            g2.createTask(async () => {
              try {
                await sleep(10_000);
              } catch {
                // replaced by the error below, as a `raise` in `finally` does
              }
              throw new ZeroDivision();
            });
          }
          await sleep(10_000);
        });
      });
    });
    await sleep(100);
    assert.ok(!r.done());
    r.cancel();
    const e = expectGroup(await rejection(r), "ExceptionGroup");
    expectGroup(e.errors[0], "ZeroDivision");
  });
});

// test_taskgroups.py: test_taskgroup_13
test("a child of the outer group failing cancels a nested group, which adds no error of its own", async () => {
  await runVirtual(async () => {
    const r = createTask(async () => {
      await taskGroup(async (g1) => {
        g1.createTask(crashAfter(100, () => new ValueErr()));
        await taskGroup(async (g2) => {
          g2.createTask(crashAfter(10_000, () => new ValueErr()));
        });
      });
    });
    const e = expectGroup(await rejection(r), "ValueErr");
    assert.equal(e.errors.length, 1);
  });
});

// test_taskgroups.py: test_taskgroup_14
test("a child of a nested group failing gives the outer group a nested ExceptionGroup", async () => {
  await runVirtual(async () => {
    const r = createTask(async () => {
      await taskGroup(async (g1) => {
        g1.createTask(crashAfter(10_000, () => new ValueErr()));
        await taskGroup(async (g2) => {
          g2.createTask(crashAfter(100, () => new ValueErr()));
        });
      });
    });
    const e = expectGroup(await rejection(r), "ExceptionGroup");
    expectGroup(e.errors[0], "ValueErr");
  });
});

// test_taskgroups.py: test_taskgroup_15, test_taskgroup_16
test("a child failing while the body cleans up after an outside cancel gives an ExceptionGroup", async () => {
  await runVirtual(async () => {
    for (const nested of [false, true]) {
      const inner = async () => {
        await taskGroup(async (g1) => {
          g1.createTask(crashAfter(300, () => new ZeroDivision()));
          try {
            await sleep(10_000);
          } catch (e) {
            await sleep(500);
            throw e;
          }
        });
      };
      const r = createTask(
        nested
          ? async () => {
              await createTask(inner);
            }
          : inner,
      );
      await sleep(100);
      assert.equal(r.done(), false);
      r.cancel();
      expectGroup(await rejection(r), "ZeroDivision");
    }
  });
});

// test_taskgroups.py: test_taskgroup_18
test("a body that turns the outside cancel into an error gets that error in an ExceptionGroup", async () => {
  await runVirtual(async () => {
    let num = 0;
    const r = createTask(async () => {
      await taskGroup(async () => {
        try {
          await sleep(10_000);
        } catch {
          num += 10;
          throw new MyExc();
        }
      });
    });
    await sleep(100);
    r.cancel();
    expectGroup(await rejection(r), "MyExc");
    assert.equal(num, 10);
  });
});

// test_taskgroups.py: test_taskgroup_19
test("an error raised by the body while it is cancelled joins the child's error", async () => {
  await runVirtual(async () => {
    const nested = async () => {
      try {
        await sleep(10_000);
      } catch {
        // replaced by the error below, as a `raise` in `finally` does
      }
      throw new MyExc();
    };
    const r = createTask(async () => {
      await taskGroup(async (g) => {
        g.createTask(crashAfter(100, () => new ZeroDivision()));
        await nested();
      });
    });
    expectGroup(await rejection(r), "MyExc", "ZeroDivision");
  });
});

// test_taskgroups.py: test_taskgroup_22
test("cancelling the task of a group early comes out as CancelledError", async () => {
  await runVirtual(async () => {
    const r = createTask(async () => {
      await taskGroup(async (g) => {
        g.createTask(() => sleep(1000));
        g.createTask(() => sleep(2000));
      });
    });
    await sleep(50);
    r.cancel();
    expectCancelled(await rejection(r));
    assert.equal(now(), 50);
  });
});

// test_taskgroups.py: test_taskgroup_23
test("finished children leave the group as they finish", async () => {
  await runVirtual(async () => {
    await taskGroup(async (g) => {
      for (let count = 0; count < 10; count++) {
        await sleep(100);
        g.createTask(() => sleep(300));
        if (count === 5) assert.ok(g.size < 5);
      }
      await sleep(1350);
      assert.equal(g.size, 0);
    });
  });
});

// test_taskgroups.py: test_taskgroup_24, test_taskgroup_25
test("children may start more children in their group, which waits for all of them", async () => {
  await runVirtual(async () => {
    let nhydras = 0;
    const hydra = (g: TaskGroup) => async (): Promise<void> => {
      nhydras += 1;
      await sleep(10);
      g.createTask(hydra(g));
      g.createTask(hydra(g));
    };
    const hercules = async () => {
      while (nhydras < 10) await sleep(15);
      throw new ZeroDivision();
    };
    const e = await rejection(
      taskGroup(async (g) => {
        g.createTask(hydra(g));
        g.createTask(hercules);
      }),
    );
    expectGroup(e, "ZeroDivision");
    assert.ok(nhydras >= 10);
  });
});

// test_taskgroups.py: test_taskgroup_task_name, test_name
test("a child created with a name carries it", async () => {
  await runVirtual(async () => {
    let seen: string | undefined;
    await taskGroup(async (g) => {
      const t = g.createTask(
        async () => {
          seen = currentTask()?.name;
          await sleep(0);
        },
        { name: "yolo" },
      );
      assert.equal(t.name, "yolo");
    });
    assert.equal(seen, "yolo");
  });
});

// test_taskgroups.py: test_taskgroup_no_create_task_after_failure
test("once a child failed, creating a task in the group is refused", async () => {
  await runVirtual(
    async () => {
      let refused: unknown;
      const coro1 = async () => {
        await sleep(1);
        throw new ZeroDivision();
      };
      const e = await rejection(
        taskGroup(async (g) => {
          g.createTask(coro1);
          g.createTask(async () => {
            try {
              await sleep(1000);
            } catch {
              try {
                g.createTask(coro1);
              } catch (err) {
                refused = err;
              }
            }
          });
        }),
      );
      expectGroup(e, "ZeroDivision");
      assert.ok(refused instanceof InvalidStateError);
    },
    { expectReports: [SWALLOWED_CANCEL] },
  );
});

// test_taskgroups.py: test_taskgroup_context_manager_exit_raises
test("a body whose cleanup throws while a child fails gives both errors and no leftover cancel", async () => {
  await runVirtual(async () => {
    class Custom extends Error {}
    const main = createTask(async () => {
      const task = currentTask() as Task<unknown>;
      try {
        await taskGroup(async (tg) => {
          try {
            tg.createTask(async () => {
              throw new Custom();
            });
            await sleep(1000);
          } catch {
            // replaced by the error below, as a `raise` in `finally` does
          }
          throw new Custom();
        });
      } catch (e) {
        assert.ok(e instanceof ExceptionGroup);
        assert.equal(e.errors.length, 2);
        assert.ok(e.errors.every((x) => x instanceof Custom));
        return task.cancelling();
      }
      assert.fail("Custom not raised");
    });
    assert.equal(await main, 0);
  });
});

// test_taskgroups.py: test_taskgroup_finished, test_coro_closed_when_tg_closed
test("creating a task in a finished group is refused and runs nothing", async () => {
  await runVirtual(async () => {
    let saved: TaskGroup | undefined;
    await taskGroup(async (tg) => {
      saved = tg;
    });
    let ran = false;
    assert.throws(
      () =>
        saved?.createTask(async () => {
          ran = true;
        }),
      (e) => e instanceof InvalidStateError && /finished/.test(e.message),
    );
    await sleep(0);
    assert.equal(ran, false);
  });
});

// test_taskgroups.py: test_taskgroup_not_entered
test("creating a task in a group that was never entered is refused", async () => {
  await runVirtual(async () => {
    const tg = new TaskGroup();
    assert.throws(
      () => tg.createTask(() => sleep(0)),
      (e) => e instanceof InvalidStateError && /not been entered/.test(e.message),
    );
  });
});

// test_taskgroups.py: test_cancelling_level_preserved, test_cancellation_does_not_leak_out_of_tg
test("after a group failed through a child, the caller's cancel count is back to 0 and it runs on", async () => {
  await runVirtual(async () => {
    const e = await rejection(
      taskGroup(async (tg) => {
        tg.createTask(crashAfter(0, () => new MyExc()));
      }),
    );
    expectGroup(e, "MyExc");
    assert.equal(currentTask()?.cancelling(), 0);
    await sleep(0);
    await sleep(10);
    assert.equal(now(), 10);
  });
});

// test_taskgroups.py: test_nested_groups_both_cancelled
test("nested groups that both fail restore the cancel count level by level", async () => {
  await runVirtual(async () => {
    let between: number | undefined;
    let innerCaught = false;
    const e = await rejection(
      taskGroup(async (outerTg) => {
        try {
          await taskGroup(async (innerTg) => {
            innerTg.createTask(crashAfter(0, () => new MyExc()));
            outerTg.createTask(crashAfter(0, () => new ValueErr()));
          });
        } catch (err) {
          expectGroup(err, "MyExc");
          innerCaught = true;
        }
        between = currentTask()?.cancelling();
      }),
    );
    assert.equal(innerCaught, true);
    assert.equal(between, 1);
    expectGroup(e, "ValueErr");
    assert.equal(currentTask()?.cancelling(), 0);
  });
});

// test_taskgroups.py: test_error_and_cancel
test("a child error and an outside cancel at once: the group raises its errors and the cancel survives", async () => {
  await runVirtual(async () => {
    const event = new Future<void>();
    const log: string[] = [];
    const inner = async () => {
      try {
        await taskGroup(async (tg) => {
          tg.createTask(async () => {
            event.setResult();
            await sleep(0);
            throw new MyExc();
          });
          await sleep(1000);
          log.push("sleep in group not cancelled");
        });
      } catch (e) {
        expectGroup(e, "MyExc");
        log.push(`caught, cancelling=${currentTask()?.cancelling()}`);
      }
      log.push(`after, cancelling=${currentTask()?.cancelling()}`);
      await sleep(1000);
      log.push("sleep after group not cancelled");
    };
    const t = createTask(inner);
    await event;
    assert.equal(t.cancelling(), 0);
    t.cancel();
    assert.equal(t.cancelling(), 1);
    expectCancelled(await rejection(t));
    assert.equal(t.cancelled(), true);
    assert.deepEqual(log, ["caught, cancelling=1", "after, cancelling=1"]);
  });
});

// test_taskgroups.py: test_cancels_task_if_created_during_creation
test("a child created by a child that then fails at once still gets its sibling cancelled", async () => {
  await runVirtual(
    async () => {
      let ran = false;
      let secondCancelled = false;
      const e = await rejection(
        taskGroup(async (tg) => {
          const third = async () => {
            throw new MyExc("third task failed");
          };
          tg.createTask(async () => {
            tg.createTask(third);
            try {
              await sleep(0);
              await sleep(0);
            } catch (err) {
              if (!(err instanceof CancelledError)) throw err;
              secondCancelled = true;
            }
            ran = true;
          });
        }),
      );
      expectGroup(e, "MyExc");
      assert.equal(ran, true);
      assert.equal(secondCancelled, true);
    },
    { expectReports: [SWALLOWED_CANCEL] },
  );
});

// test_taskgroups.py: test_exception_refcycles_propagate_cancellation_error (its observable part)
test("an expired timeout around a group throws TimeoutError whose cause is the CancelledError", async () => {
  await runVirtual(async () => {
    const e = await rejection(
      timeout(-1, () =>
        taskGroup(async () => {
          await sleep(0);
        }),
      ),
    );
    assert.ok(e instanceof TimeoutError, String(e));
    assert.ok(e.cause instanceof CancelledError, String(e.cause));
    assert.equal(currentTask()!.cancelling(), 0);
  });
});

// ── More cases from test_taskgroups.py and taskgroups.py's documented behaviour (3.13) ──

// taskgroups.py: _on_task_done (a child that ends cancelled is not an error)
test("a child that raises CancelledError on its own is not an error, and its siblings run on", async () => {
  await runVirtual(async () => {
    let t2: Task<number> | undefined;
    let selfCancelled: Task<void> | undefined;
    await taskGroup(async (g) => {
      selfCancelled = g.createTask(async () => {
        await sleep(10);
        throw new CancelledError("on my own");
      });
      t2 = g.createTask(async () => {
        await sleep(100);
        return 11;
      });
    });
    assert.equal(selfCancelled?.cancelled(), true);
    assert.equal(t2?.result(), 11);
    assert.equal(now(), 100);
    assert.equal(currentTask()?.cancelling(), 0);
  });
});

// test_taskgroups.py: test_taskgroup_24 (a child adds a sibling after the body has returned)
test("a child may add a sibling while the group waits at its end; the group waits for it too", async () => {
  await runVirtual(async () => {
    let late: Task<string> | undefined;
    await taskGroup(async (g) => {
      g.createTask(async () => {
        await sleep(100);
        late = g.createTask(async () => {
          await sleep(100);
          return "late";
        });
      });
    });
    assert.equal(late?.result(), "late");
    assert.equal(now(), 200);
  });
});

// taskgroups.py: create_task ("is shutting down" while aborting)
test("the body cannot add a child once a child failed and the group is shutting down", async () => {
  await runVirtual(async () => {
    let refused: unknown;
    const e = await rejection(
      taskGroup(async (g) => {
        g.createTask(crashAfter(10, () => new ZeroDivision()));
        try {
          await sleep(1000);
        } catch (err) {
          try {
            g.createTask(() => sleep(1));
          } catch (createError) {
            refused = createError;
          }
          throw err;
        }
      }),
    );
    expectGroup(e, "ZeroDivision");
    assert.ok(refused instanceof InvalidStateError);
    assert.match((refused as Error).message, /shutting down/);
  });
});

// test_taskgroups.py: test_taskgroup_09 (the body fails after its children finished)
test("an error in the body after every child finished comes out alone in an ExceptionGroup", async () => {
  await runVirtual(async () => {
    let t1: Task<number> | undefined;
    const e = await rejection(
      taskGroup(async (g) => {
        t1 = g.createTask(async () => {
          await sleep(10);
          return 42;
        });
        await sleep(50);
        throw new ValueErr("late");
      }),
    );
    expectGroup(e, "ValueErr");
    assert.equal(t1?.result(), 42);
    assert.equal(now(), 50);
  });
});

// test_taskgroups.py: test_taskgroup_19 (the error in the body comes after a child's error)
test("a body that fails after a child failed, with an error of its own, gives both in the group", async () => {
  await runVirtual(async () => {
    const e = await rejection(
      taskGroup(async (g) => {
        g.createTask(crashAfter(10, () => new ZeroDivision()));
        await sleep(1000).catch(() => {});
        throw new MyExc();
      }),
    );
    const eg = expectGroup(e, "ZeroDivision", "MyExc");
    // The children's errors come first, then the body's.
    assert.ok(eg.errors[0] instanceof ZeroDivision);
    assert.ok(eg.errors[1] instanceof MyExc);
    assert.equal(now(), 10);
  });
});

// test_taskgroups.py: test_taskgroup_16 (the group runs in a task awaited by the cancelled one)
test("a cancel reaching a group through an awaited task, with a child failing during cleanup, gives an ExceptionGroup", async () => {
  await runVirtual(async () => {
    const nestedRunner = () =>
      taskGroup(async (g1) => {
        g1.createTask(crashAfter(300, () => new ZeroDivision()));
        try {
          await sleep(10_000);
        } catch (err) {
          await sleep(500);
          throw err;
        }
      });
    const r = createTask(async () => {
      const t = createTask(nestedRunner);
      await t;
    });
    await sleep(100);
    assert.equal(r.done(), false);
    r.cancel();
    expectGroup(await rejection(r), "ZeroDivision");
  });
});

// test_taskgroups.py: test_taskgroup_task_context
test("children of a group start in the context of the body at the time they were created", async () => {
  const { AsyncLocalStorage } = await import("node:async_hooks");
  const cvar = new AsyncLocalStorage<number>();
  await runVirtual(async () => {
    const seen: (number | undefined)[] = [];
    await taskGroup(async (g) => {
      cvar.enterWith(1);
      await g.createTask(async () => {
        await sleep(0);
        seen.push(cvar.getStore());
        cvar.enterWith(100);
      });
      cvar.enterWith(2);
      await g.createTask(async () => {
        seen.push(cvar.getStore());
      });
      seen.push(cvar.getStore());
    });
    assert.deepEqual(seen, [1, 2, 2]);
  });
});

// test_taskgroups.py: test_taskgroup_25 (tasks that keep spawning until a sibling fails)
test("a child that keeps spawning siblings is stopped with all of them when another child fails", async () => {
  await runVirtual(async () => {
    let nhydras = 0;
    const hydra = (g: TaskGroup) => async (): Promise<void> => {
      nhydras++;
      await sleep(10);
      g.createTask(hydra(g));
      g.createTask(hydra(g));
    };
    const e = await rejection(
      taskGroup(async (g) => {
        g.createTask(hydra(g));
        g.createTask(async () => {
          while (nhydras < 10) await sleep(15);
          throw new ZeroDivision();
        });
      }),
    );
    expectGroup(e, "ZeroDivision");
    assert.ok(nhydras >= 10);
  });
});

// taskgroups.py: __aexit__ (the body returns a value; children's results do not change it)
test("taskGroup returns what the body returns once the children are done", async () => {
  await runVirtual(async () => {
    const result = await taskGroup(async (g) => {
      g.createTask(() => sleep(100, "child"));
      return "body";
    });
    assert.equal(result, "body");
    assert.equal(now(), 100);
  });
});

// test_taskgroups.py: test_taskgroup_18 (the body turns the group's own cancel into an error)
test("a body that turns the cancel caused by a failing child into an error of its own gets both errors", async () => {
  await runVirtual(async () => {
    const e = await rejection(
      taskGroup(async (g) => {
        g.createTask(crashAfter(10, () => new ZeroDivision()));
        try {
          await sleep(1000);
        } catch {
          throw new MyExc();
        }
      }),
    );
    expectGroup(e, "ZeroDivision", "MyExc");
    assert.equal(currentTask()?.cancelling(), 0);
  });
});

// test_taskgroups.py: test_taskgroup_07 (children that ignore the outside cancel finish first)
test("on a cancel from outside, the group waits for children that finish their cleanup slowly", async () => {
  await runVirtual(async () => {
    const log: string[] = [];
    const r = createTask(() =>
      taskGroup(async (g) => {
        for (const ms of [10, 30]) {
          g.createTask(async () => {
            try {
              await sleep(10_000);
            } finally {
              await sleep(ms);
              log.push(`child cleaned up at ${now()}`);
            }
          });
        }
        await sleep(10_000);
      }),
    );
    await sleep(100);
    r.cancel();
    expectCancelled(await rejection(r));
    assert.deepEqual(log, ["child cleaned up at 110", "child cleaned up at 130"]);
    assert.equal(now(), 130);
  });
});

// test_taskgroups.py: test_error_and_cancel (the group's errors come out, then the outside cancel reaches the next await)
test("an outside cancel that arrives while a group handles a child error is delivered at the caller's next await", async () => {
  await runVirtual(async () => {
    const ev = new Future<void>();
    const t = createTask(async () => {
      const e = await rejection(
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            ev.setResult(undefined);
            await sleep(0);
            throw new ValueErr();
          });
          await sleep(1000);
        }),
      );
      expectGroup(e, "ValueErr");
      assert.equal(currentTask()?.cancelling(), 1);
      await sleep(1000);
      assert.fail("the sleep after the group should have been cancelled");
    });
    await ev;
    t.cancel();
    expectCancelled(await rejection(t));
    assert.equal(t.cancelled(), true);
  });
});

// ── Task groups meeting timeouts and awaits ──

// taskgroups.py: _aexit (a timeout expires while the group waits for its children at the end)
test("a timeout expiring while the group waits for its children at the end cancels them and throws TimeoutError", async () => {
  await runVirtual(async () => {
    let child: Task<void> | undefined;
    const e = await rejection(
      timeout(100, () =>
        taskGroup(async (tg) => {
          child = tg.createTask(() => sleep(1000));
        }),
      ),
    );
    assert.ok(e instanceof TimeoutError, `expected TimeoutError, got ${String(e)}`);
    assert.equal(child?.cancelled(), true);
    assert.equal(now(), 100);
    assert.equal(currentTask()?.cancelling(), 0);
  });
});

// test_taskgroups.py + test_waitfor.py: a group run by waitFor in a task of its own
test("waitFor around a task group cancels the group's task, its children with it, and throws TimeoutError", async () => {
  await runVirtual(async () => {
    const children: Task<void>[] = [];
    const e = await rejection(
      waitFor(
        () =>
          taskGroup(async (tg) => {
            for (let i = 0; i < 3; i++) children.push(tg.createTask(() => sleep(1000)));
          }),
        50,
      ),
    );
    assert.ok(e instanceof TimeoutError);
    assert.ok(children.every((c) => c.cancelled()));
    assert.equal(now(), 50);
  });
});

// taskgroups.py: _on_task_done (the body awaiting a child that fails gets the group's cancel, not the error)
test("the body awaiting a child that fails sees CancelledError; the child's error comes out in the group", async () => {
  await runVirtual(async () => {
    let bodySaw: unknown;
    const e = await rejection(
      taskGroup(async (tg) => {
        const t = tg.createTask(crashAfter(10, () => new ZeroDivision()));
        try {
          await t;
        } catch (err) {
          bodySaw = err;
          throw err;
        }
      }),
    );
    assert.ok(bodySaw instanceof CancelledError, `expected CancelledError, got ${String(bodySaw)}`);
    const eg = expectGroup(e, "ZeroDivision");
    assert.equal(eg.errors.length, 1);
  });
});

// test_taskgroups.py: a child's own timeout is its own business
test("a child whose own timeout expires and who handles it leaves the group and its siblings alone", async () => {
  await runVirtual(async () => {
    const results = await taskGroup(async (tg) => {
      const a = tg.createTask(async () => {
        try {
          await timeout(10, () => sleep(1000));
        } catch (err) {
          if (err instanceof TimeoutError) return "timed out";
          throw err;
        }
        return "finished";
      });
      const b = tg.createTask(() => sleep(50, "b"));
      return [await a, await b];
    });
    assert.deepEqual(results, ["timed out", "b"]);
    assert.equal(now(), 50);
  });
});

// test_taskgroups.py: a child that fails with a TimeoutError of its own is an error like any other
test("a child's unhandled TimeoutError is an error of the group and cancels its siblings", async () => {
  await runVirtual(async () => {
    let sibling: Task<void> | undefined;
    const e = await rejection(
      taskGroup(async (tg) => {
        tg.createTask(() => timeout(10, () => sleep(1000)));
        sibling = tg.createTask(() => sleep(1000));
      }),
    );
    expectGroup(e, "TimeoutError");
    assert.equal(sibling?.cancelled(), true);
    assert.equal(now(), 10);
  });
});

// test_taskgroups.py: gather inside a child is cancelled with the child
test("a child awaiting a gather is cancelled with the group, and so are the gathered tasks", async () => {
  await runVirtual(async () => {
    const gathered: Task<void>[] = [];
    const e = await rejection(
      taskGroup(async (tg) => {
        tg.createTask(async () => {
          gathered.push(
            createTask(() => sleep(1000)),
            createTask(() => sleep(2000)),
          );
          await gather(...gathered);
        });
        tg.createTask(crashAfter(10, () => new ValueErr()));
      }),
    );
    expectGroup(e, "ValueErr");
    assert.ok(gathered.every((t) => t.cancelled()));
  });
});
