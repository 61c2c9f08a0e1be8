import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { describe, test } from "node:test";
import { park, type Waiter, WaiterList } from "aio-ts";
import { runVirtual } from "../helpers.ts";

describe("WaiterList", () => {
  test("iterates front to back, past a cancelled waiter; peek shows the front and leaves it", async () => {
    await runVirtual(async () => {
      const list = new WaiterList<string>();
      assert.equal(list.peek(), undefined);
      const a = list.push();
      const b = list.push();
      const c = list.push();
      const names = new Map<Waiter<string>, string>([
        [a, "a"],
        [b, "b"],
        [c, "c"],
      ]);
      b.cancel();
      assert.deepEqual(
        [...list].map((w) => names.get(w)),
        ["a", "c"],
      );
      assert.equal(list.peek(), a);
      assert.equal(list.size, 2);
      list.wakeFirst("first");
      list.wakeFirst("second");
      assert.deepEqual([await a, await c], ["first", "second"]);
      assert.deepEqual([...list], []);
    });
  });

  test("remove ignores a waiter of another list, and one already removed", async () => {
    await runVirtual(async () => {
      const mine = new WaiterList<number>();
      const other = new WaiterList<number>();
      const w = mine.push();
      const stranger = other.push();
      mine.remove(stranger);
      assert.equal(mine.size, 1);
      assert.equal(mine.peek(), w);
      mine.remove(w);
      mine.remove(w);
      assert.equal(mine.size, 0);
      assert.equal(other.size, 1);
      assert.equal(other.shift(), stranger);
      stranger.cancel();
      w.cancel();
    });
  });

  test("a waiter shifted off its list can still be cancelled", async () => {
    await runVirtual(async () => {
      const list = new WaiterList<number>();
      const w = list.push();
      assert.equal(list.shift(), w);
      assert.equal(w.cancel(), true);
      assert.ok(w.cancelled());
      assert.equal(list.size, 0);
    });
  });
});

describe("park", () => {
  test("removes its abort listener when the wait ends, so a long-lived signal collects none", async () => {
    await runVirtual(async () => {
      const list = new WaiterList<string>();
      const controller = new AbortController();
      for (const value of ["a", "b", "c"]) {
        const parked = park(list.push(), controller.signal);
        assert.equal(getEventListeners(controller.signal, "abort").length, 1);
        list.wakeFirst(value);
        assert.equal(await parked, value);
      }
      assert.equal(getEventListeners(controller.signal, "abort").length, 0);
    });
  });
});
