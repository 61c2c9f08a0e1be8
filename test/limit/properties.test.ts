// Properties: random acquire/release/cancel/abort/resize sequences on a
// CapacityLimiter never exceed the token count, never lose or double a token,
// serve waiters first-in first-out, and never leave a waiter stuck while a
// token is free. Random maps keep their bound, their order, and their cleanup.
import assert from "node:assert/strict";
import { test } from "node:test";
import { allTasks, CapacityLimiter, createTask, isCancelledError, map, sleep, type Task } from "aio-ts";
import fc from "fast-check";
import { runVirtual } from "../helpers.ts";
import { fcParams } from "../properties/fc-config.ts";

type Op =
  | { kind: "acquire"; actor: number }
  | { kind: "release"; actor: number }
  | { kind: "cancel"; actor: number }
  | { kind: "abort"; actor: number }
  | { kind: "releaseThenCancelFirst"; actor: number }
  | { kind: "resize"; total: number };

const ACTORS = 6;
const actor = fc.nat(ACTORS - 1);
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("acquire" as const), actor }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant("release" as const), actor }), weight: 3 },
  fc.record({ kind: fc.constant("cancel" as const), actor }),
  fc.record({ kind: fc.constant("abort" as const), actor }),
  fc.record({ kind: fc.constant("releaseThenCancelFirst" as const), actor }),
  fc.record({ kind: fc.constant("resize" as const), total: fc.integer({ min: 1, max: 5 }) }),
);

type State =
  | { kind: "idle" }
  | { kind: "waiting"; task: Task<void>; controller: AbortController }
  | { kind: "holding" };

test("random acquire/release/cancel on a CapacityLimiter keep every token accounted for", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.array(op, { minLength: 5, maxLength: 80 }),
      async (initial, ops) => {
        await runVirtual(async () => {
          const limiter = new CapacityLimiter(initial);
          const states: State[] = Array.from({ length: ACTORS }, () => ({ kind: "idle" }));
          const queue: number[] = []; // the model's FIFO of waiting actors
          const violations: string[] = [];

          const startAcquire = (a: number): void => {
            const controller = new AbortController();
            const task = createTask(async () => {
              await limiter.acquireOnBehalfOf(`actor${a}`, { signal: controller.signal });
              // At the moment a waiter resumes, the sack was not over-full when it got its token.
              if (limiter.borrowedTokens > limiter.totalTokens) {
                violations.push(`actor${a} resumed with ${limiter.borrowedTokens}/${limiter.totalTokens}`);
              }
              const at = queue.indexOf(a);
              if (at !== 0) violations.push(`actor${a} served out of FIFO order (position ${at})`);
              queue.splice(at, 1);
              states[a] = { kind: "holding" };
            });
            states[a] = { kind: "waiting", task, controller };
            queue.push(a);
            task.addDoneCallback(() => {
              if (task.cancelled() || task.exception() !== undefined) {
                const at = queue.indexOf(a);
                if (at >= 0) queue.splice(at, 1);
                states[a] = { kind: "idle" };
              }
            });
          };

          // An op names an actor by its rank among those it applies to, so that most ops do something.
          const pick = (n: number, kind: State["kind"]): number => {
            const candidates = states.flatMap((s, i) => (s.kind === kind ? [i] : []));
            return candidates.length === 0 ? -1 : (candidates[n % candidates.length] as number);
          };
          for (const raw of ops) {
            const o = { ...raw };
            if (o.kind === "acquire") o.actor = pick(o.actor, "idle");
            else if (o.kind === "cancel" || o.kind === "abort") o.actor = pick(o.actor, "waiting");
            else if (o.kind !== "resize") o.actor = pick(o.actor, "holding");
            switch (o.kind) {
              case "acquire":
                if (states[o.actor]?.kind === "idle") startAcquire(o.actor);
                break;
              case "release":
                if (states[o.actor]?.kind === "holding") {
                  limiter.releaseOnBehalfOf(`actor${o.actor}`);
                  states[o.actor] = { kind: "idle" };
                }
                break;
              case "cancel": {
                const s = states[o.actor];
                if (s?.kind === "waiting") s.task.cancel();
                break;
              }
              case "abort": {
                const s = states[o.actor];
                if (s?.kind === "waiting") s.controller.abort(new Error("aborted"));
                break;
              }
              case "releaseThenCancelFirst": {
                // Woken then cancelled before it runs: its token must go on.
                if (states[o.actor]?.kind !== "holding") break;
                const first = queue[0];
                limiter.releaseOnBehalfOf(`actor${o.actor}`);
                states[o.actor] = { kind: "idle" };
                const s = first === undefined ? undefined : states[first];
                if (s?.kind === "waiting") s.task.cancel();
                break;
              }
              case "resize":
                limiter.totalTokens = o.total;
                break;
            }
            await sleep(1); // every task runs until it waits

            const holding = states.filter((s) => s.kind === "holding").length;
            const waiting = states.filter((s) => s.kind === "waiting").length;
            const stats = limiter.statistics();
            assert.deepEqual(violations, []);
            assert.equal(stats.borrowedTokens, holding, "borrowed tokens = holders, no token lost or doubled");
            assert.deepEqual(
              new Set(stats.borrowers),
              new Set(states.flatMap((s, i) => (s.kind === "holding" ? [`actor${i}`] : []))),
            );
            assert.equal(stats.tasksWaiting, waiting);
            if (waiting > 0) {
              assert.ok(stats.borrowedTokens >= stats.totalTokens, "a waiter is stuck while a token is free");
            }
          }
          // Wind down: release everything; every waiter must get through.
          for (let a = 0; a < ACTORS; a++) {
            const s = states[a];
            if (s?.kind === "waiting") s.task.cancel();
          }
          await sleep(1);
          for (let a = 0; a < ACTORS; a++) if (states[a]?.kind === "holding") limiter.releaseOnBehalfOf(`actor${a}`);
          assert.equal(limiter.borrowedTokens, 0);
        });
      },
    ),
    fcParams(300),
  );
});

type Item = { ms: number; fail: boolean };
const item: fc.Arbitrary<Item> = fc.record({ ms: fc.integer({ min: 0, max: 20 }), fail: fc.boolean() });

test("random maps keep their bound and their order, and clean up every call", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(item, { maxLength: 30 }),
      fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(Number.POSITIVE_INFINITY)),
      fc.boolean(),
      fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
      fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      fc.boolean(),
      async (items, concurrency, returnExceptions, cancelAt, tokens, asyncInput) => {
        await runVirtual(async () => {
          let inFlight = 0;
          let max = 0;
          let started = 0;
          let finished = 0;
          const limiter = tokens === undefined ? undefined : new CapacityLimiter(tokens);
          async function* asAsync() {
            for (const it of items) yield it;
          }
          const caller = createTask(() =>
            map(
              asyncInput ? asAsync() : items,
              async (it, i) => {
                started++;
                inFlight++;
                max = Math.max(max, inFlight);
                try {
                  await sleep(it.ms);
                  if (it.fail) throw new Error(`item ${i}`);
                  return i;
                } finally {
                  inFlight--;
                  finished++;
                }
              },
              { concurrency, returnExceptions, limiter },
            ),
          );
          if (cancelAt !== undefined) {
            await sleep(cancelAt);
            caller.cancel();
          }
          let outcome: unknown[] | undefined;
          let error: unknown;
          try {
            outcome = await caller;
          } catch (e) {
            error = e;
          }
          assert.ok(max <= concurrency, `max ${max} > concurrency ${concurrency}`);
          if (tokens !== undefined) assert.ok(max <= tokens, `max ${max} > tokens ${tokens}`);
          assert.equal(finished, started, "every started call finished (its finally ran) before map settled");
          assert.equal(allTasks().size, 1, "no worker left behind");
          if (limiter !== undefined) assert.equal(limiter.borrowedTokens, 0, "every token came back");
          const firstFailure = items.findIndex((it) => it.fail);
          if (outcome !== undefined) {
            assert.equal(outcome.length, items.length);
            outcome.forEach((r, i) => {
              if (items[i]?.fail) assert.equal((r as Error).message, `item ${i}`);
              else assert.equal(r, i);
            });
            assert.ok(returnExceptions || firstFailure === -1);
          } else if (!isCancelledError(error)) {
            assert.ok(!returnExceptions && firstFailure !== -1, String(error));
            assert.match((error as Error).message, /^item \d+$/);
          } else {
            assert.notEqual(cancelAt, undefined, "a CancelledError without a cancel");
          }
        });
      },
    ),
    fcParams(300),
  );
});
