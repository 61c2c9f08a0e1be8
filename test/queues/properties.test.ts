// Property: random sequences of puts, gets, cancels, timeouts, aborts and
// shutdowns across several tasks never lose nor duplicate an item, and never
// leave a waiter asleep beside an item (or a putter beside a free slot).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  createTask,
  isCancelledError,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  sleep,
  type Task,
  TimeoutError,
  timeout,
} from "aio-ts";
import fc from "fast-check";
import { runVirtual } from "../helpers.ts";
import { fcParams } from "../properties/fc-config.ts";

type Op =
  | { kind: "put" | "get"; delay: number; limit: number | null }
  | { kind: "putNowait" | "getNowait"; delay: number }
  | { kind: "abortablePut" | "abortableGet"; delay: number; abortAfter: number }
  | { kind: "iterate"; delay: number; take: number }
  | { kind: "cancel"; delay: number; target: number }
  | { kind: "shutdown"; delay: number; immediate: boolean };

// Small delays on purpose: many operations share a virtual instant, which is
// where "woken, then cancelled before it ran" races happen.
const delay = fc.integer({ min: 0, max: 6 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constantFrom("put" as const, "get" as const), delay, limit: fc.option(delay) }),
    weight: 6,
  },
  { arbitrary: fc.record({ kind: fc.constantFrom("putNowait" as const, "getNowait" as const), delay }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constantFrom("abortablePut" as const, "abortableGet" as const),
      delay,
      abortAfter: delay,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("iterate" as const), delay, take: fc.integer({ min: 1, max: 4 }) }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant("cancel" as const), delay, target: fc.nat(20) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("shutdown" as const), delay, immediate: fc.boolean() }), weight: 1 },
);

const scenario = fc.record({
  flavour: fc.constantFrom("fifo" as const, "lifo" as const, "priority" as const),
  // Mostly small bounds, so putters wait as often as getters do.
  maxsize: fc.constantFrom(0, 1, 1, 2, 2, 3),
  scripts: fc.array(fc.array(op, { maxLength: 8 }), { minLength: 1, maxLength: 6 }),
});

class Abort extends Error {}

function expected(error: unknown): boolean {
  return (
    error instanceof QueueShutDown ||
    error instanceof QueueEmpty ||
    error instanceof QueueFull ||
    error instanceof TimeoutError ||
    error instanceof Abort
  );
}

test("random puts, gets, cancels and shutdowns across tasks never lose or duplicate an item", async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async ({ flavour, maxsize, scripts }) => {
      await runVirtual(async () => {
        const q =
          flavour === "fifo"
            ? new Queue<number>(maxsize)
            : flavour === "lifo"
              ? new LifoQueue<number>(maxsize)
              : new PriorityQueue<number>(maxsize);
        const inserted = new Set<number>();
        const got: number[] = [];
        let discarded = 0;
        let nextId = 0;
        const tasks: Task<void>[] = [];

        const abortLater = (ms: number): AbortSignal => {
          const controller = new AbortController();
          createTask(async () => {
            await sleep(ms);
            controller.abort(new Abort());
          });
          return controller.signal;
        };

        async function step(o: Op): Promise<void> {
          switch (o.kind) {
            case "put": {
              const id = nextId++;
              // Recorded in the body, right after the put returned: a put that
              // returns has inserted, one that throws has not.
              const body = async (): Promise<void> => {
                await q.put(id);
                inserted.add(id);
              };
              await (o.limit === null ? body() : timeout(o.limit, body));
              return;
            }
            case "get": {
              const body = async (): Promise<void> => {
                got.push(await q.get());
              };
              await (o.limit === null ? body() : timeout(o.limit, body));
              return;
            }
            case "putNowait": {
              const id = nextId++;
              q.putNowait(id);
              inserted.add(id);
              return;
            }
            case "getNowait":
              got.push(q.getNowait());
              return;
            case "abortablePut": {
              const id = nextId++;
              await q.put(id, { signal: abortLater(o.abortAfter) });
              inserted.add(id);
              return;
            }
            case "abortableGet":
              got.push(await q.get({ signal: abortLater(o.abortAfter) }));
              return;
            case "iterate": {
              let n = 0;
              for await (const item of q) {
                got.push(item);
                if (++n >= o.take) break;
              }
              return;
            }
            case "cancel":
              tasks[o.target % tasks.length]?.cancel();
              return;
            case "shutdown":
              if (o.immediate) discarded += q.qsize();
              q.shutdown(o.immediate);
              return;
          }
        }

        async function exec(script: Op[]): Promise<void> {
          for (const o of script) {
            await sleep(o.delay);
            try {
              await step(o);
            } catch (error) {
              if (isCancelledError(error) || !expected(error)) throw error;
            }
          }
        }

        // Liveness: nobody sleeps beside what they wait for. Operations happen
        // at whole milliseconds; half a millisecond later (the virtual clock
        // only moves once every task waits) every woken waiter has run, so the
        // check sees each quiet moment of the run.
        const checkQuiet = (): void => {
          const quiet = q.statistics();
          if (quiet.getters > 0) assert.equal(quiet.size, 0, `a getter waits beside ${quiet.size} item(s)`);
          if (quiet.putters > 0) assert.ok(q.full(), `a putter waits beside a free slot (${String(q)})`);
          if (quiet.shutdown) assert.equal(quiet.getters + quiet.putters, 0, "a waiter outlived shutdown");
        };
        for (const script of scripts) tasks.push(createTask(() => exec(script)));
        await sleep(0.5);
        for (let t = 0; t < 200; t++) {
          checkQuiet();
          await sleep(1);
        }
        await sleep(1000); // far past every operation
        checkQuiet();

        for (const t of tasks) t.cancel();
        for (const t of tasks) {
          try {
            await t;
          } catch (error) {
            if (!isCancelledError(error)) throw error;
          }
        }
        const after = q.statistics();
        assert.equal(after.getters, 0, "a cancelled getter stayed in the list");
        assert.equal(after.putters, 0, "a cancelled putter stayed in the list");

        // Safety: every item put was got exactly once, or is still queued,
        // or was discarded by an immediate shutdown.
        const remaining: number[] = [];
        while (!q.empty()) remaining.push(q.getNowait());
        assert.equal(new Set(got).size, got.length, `an item was got twice: ${got}`);
        for (const id of got) assert.ok(inserted.has(id), `got ${id}, which was never put`);
        for (const id of remaining) {
          assert.ok(inserted.has(id), `${id} is queued but its put failed`);
          assert.ok(!got.includes(id), `${id} is queued and was also got`);
        }
        assert.equal(
          got.length + remaining.length + discarded,
          inserted.size,
          `put ${inserted.size}, got ${got.length}, left ${remaining.length}, discarded ${discarded}`,
        );
        assert.equal(after.unfinishedTasks, inserted.size - discarded, "unfinished count drifted");
      });
    }),
    fcParams(1000),
  );
});
