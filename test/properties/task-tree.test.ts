// Property: random trees of tasks, sleeps, cancels, timeouts and failures never
// leave a task running after run() returns, never run a finally twice, and
// every task ends done.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  createTask,
  currentTask,
  gather,
  isCancelledError,
  type LoopReport,
  shield,
  sleep,
  type Task,
  TimeoutError,
  taskGroup,
  timeout,
  waitFor,
} from "aio-ts";
import fc from "fast-check";
import { runVirtual, SWALLOWED_CANCEL } from "../helpers.ts";
import { fcParams } from "./fc-config.ts";

type Node =
  | { kind: "leaf"; ms: number; fail: boolean; swallow: boolean }
  | { kind: "group" | "gather" | "spawn" | "shield"; ms: number; fail: boolean; children: Node[] }
  | { kind: "timeout" | "waitFor"; ms: number; child: Node }
  | { kind: "cancel"; ms: number; target: number };

const ms = fc.integer({ min: 0, max: 50 });
const { node } = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ kind: fc.constant("leaf" as const), ms, fail: fc.boolean(), swallow: fc.boolean() }),
    fc.record({ kind: fc.constant("cancel" as const), ms, target: fc.nat(40) }),
    fc.record({
      kind: fc.constantFrom("group" as const, "gather" as const, "spawn" as const, "shield" as const),
      ms,
      fail: fc.boolean(),
      children: fc.array(tie("node"), { maxLength: 4 }),
    }),
    fc.record({ kind: fc.constantFrom("timeout" as const, "waitFor" as const), ms, child: tie("node") }),
  ),
}));

class Boom extends Error {}

function interpreter() {
  const finallies = new Map<number, number>();
  const entered = new Set<number>();
  const tasks = new Set<Task<unknown>>();
  let nextId = 0;

  async function exec(n: Node): Promise<void> {
    const id = nextId++;
    entered.add(id);
    tasks.add(currentTask() as Task<unknown>);
    try {
      switch (n.kind) {
        case "leaf":
          try {
            await sleep(n.ms);
          } catch (e) {
            if (!(n.swallow && isCancelledError(e))) throw e;
            (currentTask() as Task<unknown>).uncancel();
          }
          if (n.fail) throw new Boom(`leaf ${id}`);
          return;
        case "cancel": {
          await sleep(n.ms);
          const all = [...tasks];
          all[n.target % all.length]?.cancel();
          return;
        }
        case "group":
          await taskGroup(async (tg) => {
            for (const c of n.children) tg.createTask(() => exec(c));
            await sleep(n.ms);
            if (n.fail) throw new Boom(`group body ${id}`);
          });
          return;
        case "gather":
          await gather(
            n.children.map((c) => () => exec(c)),
            { returnExceptions: n.fail },
          );
          return;
        case "spawn":
          // Background tasks nobody awaits: run() must cancel and await them.
          for (const c of n.children) createTask(() => exec(c));
          await sleep(n.ms);
          return;
        case "shield":
          await shield(() => gather(n.children.map((c) => () => exec(c))));
          return;
        case "timeout":
          try {
            await timeout(n.ms, () => exec(n.child));
          } catch (e) {
            if (!(e instanceof TimeoutError)) throw e;
          }
          return;
        case "waitFor":
          try {
            await waitFor(() => exec(n.child), n.ms);
          } catch (e) {
            if (!(e instanceof TimeoutError)) throw e;
          }
          return;
      }
    } finally {
      finallies.set(id, (finallies.get(id) ?? 0) + 1);
      // Cleanup that awaits must work, even while being cancelled.
      await sleep(0).catch(() => {});
    }
  }
  return { exec, finallies, entered, tasks };
}

test("random task trees never leak a task, never run a finally twice, and end every task", async () => {
  await fc.assert(
    fc.asyncProperty(node, async (tree) => {
      const { exec, finallies, entered, tasks } = interpreter();
      const reports: LoopReport[] = [];
      try {
        await runVirtual(() => exec(tree), { reports, debug: true });
      } catch {
        // main may fail or be cancelled: the invariants hold either way
      }
      for (const t of tasks) assert.ok(t.done(), `${t} still running after run() returned`);
      for (const id of entered)
        assert.equal(finallies.get(id), 1, `finally of node ${id} ran ${finallies.get(id) ?? 0} times`);
      // A leaf that swallows, or a cancel node whose target returns before the cancel reaches it (itself, say).
      const swallows = /"swallow":true|"kind":"cancel"/.test(JSON.stringify(tree));
      for (const r of reports) {
        // Only failures nobody awaited, tasks a spawn left behind, and the cancels the tree's own leaves swallow
        // may be reported; never a kernel error.
        assert.match(
          r.message,
          /never retrieved|during run\(\) shutdown|still pending when main returned|swallowed its CancelledError/,
          r.message,
        );
        if (SWALLOWED_CANCEL.test(r.message))
          assert.ok(swallows, `${r.message}, with no leaf that swallows and no cancel`);
      }
    }),
    fcParams(300),
  );
});
