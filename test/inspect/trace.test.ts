// Traces of a run: run({ trace }) and AIO_TRACE write the Chrome trace-event file that Perfetto opens and `aio trace`
// draws. In-process cases run on VirtualClock, so every ts and dur is exact; the AIO_TRACE, Ctrl-C and process.exit
// cases spawn a real program, as a user runs one, and check the file it leaves.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  createTask,
  currentTask,
  Event,
  ExceptionGroup,
  Future,
  gather,
  getRunningLoop,
  Lock,
  type LoopReport,
  Queue,
  type RunOptions,
  run,
  sleep,
  taskGroup,
} from "aio-ts";
import { VirtualClock } from "aio-ts/testing";

// ── The file's schema, checked on every trace a test reads ──

interface TraceEvent {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  cat?: string;
  ts?: number;
  dur?: number;
  s?: string;
  args: Record<string, unknown>;
}

interface TraceFile {
  traceEvents: TraceEvent[];
  displayTimeUnit: string;
  otherData: { aio: string; clock: string; pid: number };
}

const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

/** The keys each kind of event has, exactly (args checked apart). */
const SHAPES: Record<string, string[]> = {
  M: ["args", "name", "ph", "pid", "tid"],
  task: ["args", "cat", "dur", "name", "ph", "pid", "tid", "ts"],
  wait: ["args", "cat", "dur", "name", "ph", "pid", "tid", "ts"],
  await: ["args", "cat", "dur", "name", "ph", "pid", "tid", "ts"],
  cancel: ["args", "cat", "name", "ph", "pid", "s", "tid", "ts"],
  taskgroup: ["args", "cat", "dur", "name", "ph", "pid", "tid", "ts"],
};
/** The kinds of wait written as `"cat":"await"`: those that join other tasks. */
const JOINS = ["task", "gather", "taskgroup", "shield"];

/**
 * Checks `trace` against the schema `aio trace` reads: five kinds of event with exactly their keys, pid 1, times in
 * µs that are non-negative numbers, each lane named (M) before its first event and holding one task lifetime, every
 * task ended with an outcome, and the otherData block.
 */
function checkSchema(trace: TraceFile, clock: "real" | "virtual"): void {
  assert.deepEqual(Object.keys(trace).sort(), ["displayTimeUnit", "otherData", "traceEvents"]);
  assert.equal(trace.displayTimeUnit, "ms");
  assert.deepEqual(Object.keys(trace.otherData).sort(), ["aio", "clock", "pid"]);
  assert.equal(trace.otherData.aio, VERSION);
  assert.equal(trace.otherData.clock, clock);
  assert.equal(typeof trace.otherData.pid, "number");
  const named = new Set<number>();
  const lifetimes = new Map<number, number>();
  for (const e of trace.traceEvents) {
    const shape = e.ph === "M" ? "M" : (e.cat as string);
    assert.deepEqual(Object.keys(e).sort(), SHAPES[shape], `keys of ${JSON.stringify(e)}`);
    assert.equal(e.pid, 1);
    assert.ok(Number.isInteger(e.tid) && e.tid > 0);
    if (e.ph === "M") {
      assert.equal(e.name, "thread_name");
      assert.ok(!named.has(e.tid), `lane ${e.tid} named twice`);
      assert.deepEqual(Object.keys(e.args), ["name"]);
      assert.equal(typeof e.args.name, "string");
      named.add(e.tid);
      continue;
    }
    assert.ok(named.has(e.tid), `an event of lane ${e.tid} comes before the lane's name`);
    assert.ok(typeof e.ts === "number" && e.ts >= 0, `ts of ${JSON.stringify(e)}`);
    if (e.ph === "X") assert.ok(typeof e.dur === "number" && e.dur >= 0, `dur of ${JSON.stringify(e)}`);
    switch (e.cat) {
      case "task":
        assert.equal(e.ph, "X");
        assert.ok(["result", "error", "cancelled"].includes(e.args.outcome as string));
        assert.equal("error" in e.args, e.args.outcome === "error");
        lifetimes.set(e.tid, (lifetimes.get(e.tid) ?? 0) + 1);
        break;
      case "wait":
      case "await":
        assert.equal(e.ph, "X");
        assert.equal(e.name, e.args.label);
        assert.equal(typeof e.args.kind, "string");
        // A join (a task, a gather, a task group, a shield) is an "await"; every other wait a "wait".
        assert.equal(e.cat, JOINS.includes(e.args.kind as string) ? "await" : "wait", `cat of ${JSON.stringify(e)}`);
        break;
      case "cancel":
        assert.equal(e.ph, "i");
        assert.equal(e.s, "t");
        assert.equal(e.name, "cancel");
        break;
      case "taskgroup":
        assert.equal(e.ph, "X");
        assert.equal(e.name, "TaskGroup");
        assert.ok(Number.isInteger(e.args.children));
        break;
      default:
        assert.fail(`unknown event ${JSON.stringify(e)}`);
    }
  }
  for (const tid of named) assert.equal(lifetimes.get(tid), 1, `lane ${tid} has one task lifetime`);
}

/** A task's lane: its lifetime, waits, cancels and group scopes. */
interface Lane {
  tid: number;
  name: string;
  task: TraceEvent;
  waits: TraceEvent[];
  cancels: TraceEvent[];
  groups: TraceEvent[];
}

function lanes(trace: TraceFile): Lane[] {
  const byTid = new Map<number, Lane>();
  for (const e of trace.traceEvents) {
    if (e.ph === "M") continue;
    const lane = byTid.get(e.tid);
    if (e.cat === "task") byTid.set(e.tid, { tid: e.tid, name: e.name, task: e, waits: [], cancels: [], groups: [] });
    else if (e.cat === "wait" || e.cat === "await") lane?.waits.push(e);
    else if (e.cat === "cancel") lane?.cancels.push(e);
    else lane?.groups.push(e);
  }
  return [...byTid.values()];
}

function lane(trace: TraceFile, name: string): Lane {
  const found = lanes(trace).filter((l) => l.name === name || l.task.args.function === name);
  assert.equal(found.length, 1, `one lane named ${name}`);
  return found[0] as Lane;
}

/** A wait as the tests compare it: where, what, from when, how long (µs). */
function waitRow(e: TraceEvent): { kind: unknown; label: unknown; ts: unknown; dur: unknown } {
  return { kind: e.args.kind, label: e.args.label, ts: e.ts, dur: e.dur };
}

// ── Running traced programs ──

const scratch = mkdtempSync(join(tmpdir(), "aio-trace-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let files = 0;

/** A fresh folder in the scratch folder. */
function folder(): string {
  const dir = join(scratch, `case-${++files}`);
  mkdirSync(dir);
  return dir;
}

/**
 * Runs `main` on a fresh VirtualClock with a trace file, and returns main's value and the checked trace. Any report
 * of the loop fails the test (none is expected from these programs).
 */
async function traced<T>(
  main: () => Promise<T>,
  options: RunOptions = {},
): Promise<{ value: T; trace: TraceFile; path: string }> {
  const path = join(folder(), "trace.json");
  const reports: LoopReport[] = [];
  const value = await run(main, {
    clock: new VirtualClock(),
    handleSignals: false,
    exceptionHandler: (r) => reports.push(r),
    trace: path,
    ...options,
  });
  assert.deepEqual(
    reports.map((r) => r.message),
    [],
  );
  const trace = JSON.parse(readFileSync(path, "utf8")) as TraceFile;
  checkSchema(trace, "virtual");
  assert.deepEqual(readdirSync(join(path, "..")), ["trace.json"], "no temporary file is left");
  return { value, trace, path };
}

// ── In-process, on VirtualClock ──

describe("run({ trace }) on VirtualClock", () => {
  test("the seed's breakfast program has exactly its two sleeps, of 2 s and 3 s, under main's gather", async () => {
    // examples/breakfast.ts, with its prints collected: run on a VirtualClock it takes no real time.
    const printed: string[] = [];
    async function brewTea(): Promise<string> {
      printed.push("Boiling water...");
      await sleep(3000);
      printed.push("Tea is ready!");
      return "chai";
    }
    async function toastBread(): Promise<string> {
      printed.push("Toasting bread...");
      await sleep(2000);
      printed.push("Toast is ready!");
      return "toast";
    }
    async function makeBreakfast(): Promise<void> {
      const [tea, bread] = await gather(brewTea, toastBread);
      printed.push(`Breakfast: ${tea} + ${bread}`);
    }
    const { trace } = await traced(makeBreakfast);
    assert.deepEqual(printed, [
      "Boiling water...",
      "Toasting bread...",
      "Toast is ready!",
      "Tea is ready!",
      "Breakfast: chai + toast",
    ]);

    const all = lanes(trace);
    assert.deepEqual(
      all.map((l) => [l.name, l.task.args.function]),
      [
        ["main", "makeBreakfast"],
        [`Task-${all[1]?.tid}`, "brewTea"],
        [`Task-${all[2]?.tid}`, "toastBread"],
      ],
    );
    const [main, tea, toast] = all as [Lane, Lane, Lane];
    const sleeps = trace.traceEvents.filter((e) => e.args.kind === "sleep");
    assert.deepEqual(sleeps.map(waitRow), [
      { kind: "sleep", label: "sleep until 3 s", ts: 0, dur: 3_000_000 },
      { kind: "sleep", label: "sleep until 2 s", ts: 0, dur: 2_000_000 },
    ]);
    assert.deepEqual(
      sleeps.map((e) => e.tid),
      [tea.tid, toast.tid],
    );
    // Exactly its two waits; main's wait for them is an await of the gather, 3 s, not 5.
    assert.deepEqual(
      trace.traceEvents.filter((e) => e.cat === "wait"),
      sleeps,
    );
    assert.deepEqual(main.waits.map(waitRow), [
      { kind: "gather", label: "gather of 2 (0 done)", ts: 0, dur: 3_000_000 },
    ]);
    assert.deepEqual(
      main.waits.map((e) => e.cat),
      ["await"],
    );
    assert.deepEqual(
      all.map((l) => [l.task.ts, l.task.dur, l.task.args.outcome, l.task.args.parent]),
      [
        [0, 3_000_000, "result", undefined],
        [0, 3_000_000, "result", main.tid],
        [0, 2_000_000, "result", main.tid],
      ],
    );
    assert.equal(trace.otherData.pid, process.pid);
  });

  test("each task ends with its outcome: result, error with its name and message, cancelled; and names its parent", async () => {
    const { trace } = await traced(async () => {
      const ok = createTask(
        async () => {
          const inner = createTask(() => sleep(50, "x"), { name: "grandchild" });
          return await inner;
        },
        { name: "ok" },
      );
      const bad = createTask(
        async () => {
          await sleep(10);
          throw new TypeError("bad input");
        },
        { name: "bad" },
      );
      const slow = createTask(() => sleep(10_000), { name: "slow" });
      await sleep(20);
      slow.cancel();
      await gather([ok, bad, slow], { returnExceptions: true });
    });
    const main = lane(trace, "main");
    const rows = ["ok", "grandchild", "bad", "slow"].map((name) => {
      const { task } = lane(trace, name);
      return { name, ts: task.ts, dur: task.dur, args: task.args };
    });
    const ok = lane(trace, "ok");
    assert.deepEqual(rows, [
      { name: "ok", ts: 0, dur: 50_000, args: { outcome: "result", parent: main.tid } },
      { name: "grandchild", ts: 0, dur: 50_000, args: { outcome: "result", parent: ok.tid } },
      { name: "bad", ts: 0, dur: 10_000, args: { outcome: "error", error: "TypeError: bad input", parent: main.tid } },
      { name: "slow", ts: 0, dur: 20_000, args: { outcome: "cancelled", parent: main.tid } },
    ]);
    assert.deepEqual(main.task.args, { outcome: "result" });
    assert.deepEqual(ok.waits.map(waitRow), [{ kind: "task", label: 'task "grandchild"', ts: 0, dur: 50_000 }]);
  });

  test("main's own error ends its lane and still comes out of run()", async () => {
    const path = join(folder(), "trace.json");
    await assert.rejects(
      run(
        async () => {
          await sleep(5);
          throw new RangeError("out of cheese");
        },
        { clock: new VirtualClock(), handleSignals: false, trace: path },
      ),
      { name: "RangeError", message: "out of cheese" },
    );
    const trace = JSON.parse(readFileSync(path, "utf8")) as TraceFile;
    checkSchema(trace, "virtual");
    assert.deepEqual(lane(trace, "main").task.args, { outcome: "error", error: "RangeError: out of cheese" });
    assert.equal(lane(trace, "main").task.dur, 5000);
  });

  test("marks each cancel request reaching a task, with its time and message", async () => {
    const { trace } = await traced(async () => {
      const stubborn = createTask(
        async () => {
          try {
            await sleep(1000);
          } catch {
            // Swallows the first cancel (and takes it back), then is cancelled again.
            currentTask()?.uncancel();
          }
          await sleep(1000);
        },
        { name: "stubborn" },
      );
      const plain = createTask(() => sleep(1000), { name: "plain" });
      await sleep(100);
      stubborn.cancel("first");
      plain.cancel();
      await sleep(100);
      stubborn.cancel("second");
      await gather([stubborn, plain], { returnExceptions: true });
      plain.cancel("too late: done, no request"); // returns false, records nothing
    });
    const cancels = trace.traceEvents.filter((e) => e.cat === "cancel");
    const stubborn = lane(trace, "stubborn");
    const plain = lane(trace, "plain");
    assert.deepEqual(
      cancels.map((e) => [e.tid, e.ts, e.args]),
      [
        [stubborn.tid, 100_000, { message: "first" }],
        [plain.tid, 100_000, {}],
        [stubborn.tid, 200_000, { message: "second" }],
      ],
    );
    // The sleep a cancel interrupted ends at the cancel's time.
    assert.deepEqual(stubborn.waits.map(waitRow), [
      { kind: "sleep", label: "sleep until 1 s", ts: 0, dur: 100_000 },
      { kind: "sleep", label: "sleep until 1.1 s", ts: 100_000, dur: 100_000 },
    ]);
    assert.equal(stubborn.task.args.outcome, "cancelled");
  });

  test("a task group scope spans from its entry to its last child's end, on the lane of the task that entered it", async () => {
    const { trace } = await traced(async () => {
      await sleep(100);
      await taskGroup(async (tg) => {
        tg.createTask(() => sleep(100), { name: "a" });
        tg.createTask(() => sleep(300), { name: "b" });
        await tg.start(async (started) => {
          started();
          await sleep(200);
        });
      });
      const error = await taskGroup(async (tg) => {
        tg.createTask(
          async () => {
            await sleep(50);
            throw new Error("boom");
          },
          { name: "fails" },
        );
        tg.createTask(() => sleep(1000), { name: "sibling" });
      }).catch((e: unknown) => e);
      assert.ok(error instanceof ExceptionGroup);
    });
    const main = lane(trace, "main");
    assert.deepEqual(
      main.groups.map((e) => [e.ts, e.dur, e.args]),
      [
        [100_000, 300_000, { children: 3 }],
        [400_000, 50_000, { children: 2 }],
      ],
    );
    assert.equal(lane(trace, "sibling").task.args.outcome, "cancelled");
    assert.equal(lane(trace, "sibling").cancels.length, 1);
    // While the group waits for its children, main waits on the group's exit.
    assert.deepEqual(
      main.waits.map((e) => [e.args.kind, e.ts, e.dur]),
      [
        ["sleep", 0, 100_000],
        ["future", 100_000, 0], // tg.start() waiting for started(), called at once

        ["taskgroup", 100_000, 300_000],
        // The failing child wakes the group, which then waits for its cancelled sibling (no time: it ends at once).
        ["taskgroup", 400_000, 50_000],
        ["taskgroup", 450_000, 0],
      ],
    );
  });

  test("waits on a queue, a lock and an event say which, with their kind", async () => {
    const { trace } = await traced(async () => {
      const jobs = new Queue<string>(0, { name: "jobs" });
      const lock = new Lock();
      const ready = new Event();
      await taskGroup(async (tg) => {
        tg.createTask(async () => jobs.get(), { name: "consumer" });
        tg.createTask(
          async () => {
            await lock.acquire();
            await sleep(200);
            lock.release();
          },
          { name: "writer" },
        );
        tg.createTask(
          async () => {
            await sleep(1);
            await lock.acquire();
            lock.release();
          },
          { name: "reader" },
        );
        tg.createTask(() => ready.wait(), { name: "watcher" });
        await sleep(100);
        jobs.putNowait("job");
        ready.set();
      });
    });
    const row = (name: string) => lane(trace, name).waits.map(waitRow);
    assert.deepEqual(row("consumer"), [
      { kind: "queue", label: 'Queue.get (queue "jobs", 0 items)', ts: 0, dur: 100_000 },
    ]);
    assert.deepEqual(row("reader"), [
      { kind: "sleep", label: "sleep until 0.001 s", ts: 0, dur: 1000 },
      { kind: "lock", label: 'Lock.acquire (held by task "writer")', ts: 1000, dur: 199_000 },
    ]);
    assert.deepEqual(row("watcher"), [{ kind: "event", label: "Event.wait", ts: 0, dur: 100_000 }]);
  });

  test("tasks left running when main returns are cancelled by run() and end in the trace, their waits with them", async () => {
    const { trace } = await traced(async () => {
      createTask(() => sleep(Number.POSITIVE_INFINITY), { name: "forever" });
      await sleep(30);
    });
    const forever = lane(trace, "forever");
    assert.equal(forever.task.args.outcome, "cancelled");
    assert.equal(forever.task.dur, 30_000);
    assert.deepEqual(
      forever.waits.map((e) => [e.args.kind, e.ts, e.dur]),
      [["sleep", 0, 30_000]],
    );
    assert.deepEqual(
      forever.cancels.map((e) => e.ts),
      [30_000],
    );
  });

  test("a wait the task never finished awaiting ends with the task", async () => {
    let later: Promise<void> | undefined;
    const { trace } = await traced(async () => {
      await createTask(
        async () => {
          later = sleep(500); // started, not awaited here: the task's wait until it returns
          await sleep(10);
        },
        { name: "starter" },
      );
      await later;
    });
    assert.deepEqual(
      lane(trace, "starter").waits.map((e) => [e.name, e.ts, e.dur]),
      [
        ["sleep until 0.5 s", 0, 10_000],
        ["sleep until 0.01 s", 0, 10_000],
      ],
    );
  });

  test("a waiter that cannot describe itself is recorded as `other`, and the task goes on", async () => {
    class Odd extends Future<string> {
      override _describeWait(): never {
        throw new Error("no words");
      }
    }
    const { value, trace } = await traced(async () => {
      const odd = new Odd();
      getRunningLoop().callLater(10, () => odd.setResult("fine"));
      return await odd;
    });
    assert.equal(value, "fine");
    assert.deepEqual(lane(trace, "main").waits.map(waitRow), [
      { kind: "other", label: "(no description: Error: no words)", ts: 0, dur: 10_000 },
    ]);
  });

  test("the same program gives the same trace every run", async () => {
    const program = async (): Promise<void> => {
      const q = new Queue<number>(1);
      await taskGroup(async (tg) => {
        tg.createTask(async () => {
          for (let i = 0; i < 5; i++) await q.put(i);
        });
        tg.createTask(async () => {
          for (let i = 0; i < 5; i++) {
            await q.get();
            await sleep(7);
          }
        });
      });
    };
    // Task ids count up across runs: compare with ids renumbered by order of appearance (in names and labels too).
    const normal = (trace: TraceFile): string => {
      const ids = new Map<number, number>();
      const renumber = (tid: number): number => {
        if (!ids.has(tid)) ids.set(tid, ids.size + 1);
        return ids.get(tid) as number;
      };
      for (const e of trace.traceEvents) renumber(e.tid);
      const events = trace.traceEvents.map((e) =>
        e.args.parent === undefined
          ? { ...e, tid: renumber(e.tid) }
          : { ...e, tid: renumber(e.tid), args: { ...e.args, parent: renumber(e.args.parent as number) } },
      );
      return JSON.stringify(events).replace(/Task-(\d+)/g, (_, n: string) => `Task-${renumber(Number(n))}`);
    };
    const first = normal((await traced(program)).trace);
    const second = normal((await traced(program)).trace);
    assert.equal(first, second);
    assert.ok(first.includes('"kind":"queue"'));
  });

  test("a bad trace option is a TypeError naming it, and main never runs", async () => {
    let ran = false;
    const main = async () => {
      ran = true;
    };
    for (const bad of [42, "", null, { path: "t.json" }]) {
      await assert.rejects(run(main, { trace: bad as unknown as string, handleSignals: false }), (e: unknown) => {
        assert.ok(e instanceof TypeError);
        assert.match(e.message, /^Expected `trace` to be a file path, got `.*` \((number|string|null|object)\)$/);
        assert.equal((e as TypeError & { code: string }).code, "ERR_AIO_INVALID_ARGUMENT");
        return true;
      });
    }
    assert.equal(ran, false);
  });

  test("AIO_TRACE gives the file when the option is absent; the option wins; an empty one records nothing", async () => {
    const dir = folder();
    const saved = process.env.AIO_TRACE;
    try {
      process.env.AIO_TRACE = join(dir, "env.json");
      await run(() => sleep(5), { clock: new VirtualClock(), handleSignals: false });
      checkSchema(JSON.parse(readFileSync(join(dir, "env.json"), "utf8")) as TraceFile, "virtual");

      process.env.AIO_TRACE = join(dir, "not-this.json");
      await run(() => sleep(5), { clock: new VirtualClock(), handleSignals: false, trace: join(dir, "option.json") });
      process.env.AIO_TRACE = "";
      await run(() => sleep(5), { clock: new VirtualClock(), handleSignals: false });
      assert.deepEqual(readdirSync(dir).sort(), ["env.json", "option.json"]);
    } finally {
      if (saved === undefined) delete process.env.AIO_TRACE;
      else process.env.AIO_TRACE = saved;
    }
  });

  test("a folder that does not exist: one clear report, main's result still returned, no file anywhere", async () => {
    const dir = folder();
    const path = join(dir, "missing", "trace.json");
    const reports: LoopReport[] = [];
    const value = await run(async () => "the result", {
      clock: new VirtualClock(),
      handleSignals: false,
      exceptionHandler: (r) => reports.push(r),
      trace: path,
    });
    assert.equal(value, "the result");
    assert.deepEqual(
      reports.map((r) => r.message),
      [`Could not write the trace file ${path}: its folder ${join(dir, "missing")} does not exist (ENOENT)`],
    );
    assert.deepEqual(readdirSync(dir), []);
  });

  test("a write that fails at the end leaves no partial file, and main's own error still comes out", async () => {
    // The path is a folder: the temporary file is written, the rename over a folder fails.
    const dir = folder();
    const path = join(dir, "trace.json");
    mkdirSync(path);
    const reports: LoopReport[] = [];
    await assert.rejects(
      run(
        async () => {
          await sleep(1);
          throw new Error("main's own failure");
        },
        { clock: new VirtualClock(), handleSignals: false, exceptionHandler: (r) => reports.push(r), trace: path },
      ),
      { message: "main's own failure" },
    );
    assert.deepEqual(
      reports.map((r) => r.message),
      [`Could not write the trace file ${path}: it is a folder (EISDIR)`],
    );
    assert.deepEqual(readdirSync(dir), ["trace.json"]);
    assert.deepEqual(readdirSync(path), []);
  });

  test("an existing trace file is replaced whole", async () => {
    const { path } = await traced(() => sleep(1));
    await run(() => gather(sleep(1), sleep(2)), { clock: new VirtualClock(), handleSignals: false, trace: path });
    const trace = JSON.parse(readFileSync(path, "utf8")) as TraceFile;
    checkSchema(trace, "virtual");
    assert.equal(trace.traceEvents.filter((e) => e.args.kind === "sleep").length, 2);
  });
});

// ── Real programs, spawned as a user runs them ──

const repo = (relative: string) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));

interface Exit {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs `node <file>` with AIO_TRACE set; `onLine` sees each stdout line (to send a signal). A child still running
 * after 60 s is killed, which fails the test on its exit code rather than hanging it.
 */
async function runTraced(
  file: string,
  trace: string,
  onLine?: (line: string, kill: () => void) => void,
): Promise<Exit> {
  const child = spawn(process.execPath, [file], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, AIO_TRACE: trace },
  });
  let out = "";
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    const before = out.split("\n").length - 1;
    out += d;
    const lines = out.split("\n");
    for (const line of lines.slice(before, -1)) onLine?.(line, () => child.kill("SIGINT"));
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    const [code] = (await once(child, "close")) as [number | null];
    return { code, out, err };
  } finally {
    clearTimeout(killer);
  }
}

function readTrace(path: string, clock: "real" | "virtual"): TraceFile {
  const trace = JSON.parse(readFileSync(path, "utf8")) as TraceFile;
  checkSchema(trace, clock);
  return trace;
}

describe("AIO_TRACE in a real program", () => {
  test("`node examples/breakfast.ts` with AIO_TRACE writes a valid trace of its two sleeps", async () => {
    const dir = folder();
    const path = join(dir, "breakfast.json");
    const r = await runTraced(repo("examples/breakfast.ts"), path);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, "");
    assert.match(r.out, /Breakfast: chai \+ toast/);
    assert.deepEqual(readdirSync(dir), ["breakfast.json"], "no temporary file is left");
    const trace = readTrace(path, "real");
    assert.notEqual(trace.otherData.pid, process.pid);
    // Real time: which waits, on which lanes, in which order; no durations asserted.
    assert.deepEqual(
      lanes(trace).map((l) => [l.task.args.function, l.task.args.outcome, l.waits.map((w) => w.args.kind)]),
      [
        ["makeBreakfast", "result", ["gather"]],
        ["brewTea", "result", ["sleep"]],
        ["toastBread", "result", ["sleep"]],
      ],
    );
    const [, tea, toast] = lanes(trace) as [Lane, Lane, Lane];
    assert.ok((toast.waits[0]?.dur as number) < (tea.waits[0]?.dur as number), "toast is ready before tea");
  });

  test("Ctrl-C during a traced run: main's cleanup runs, the process exits 130, and the file is written", async () => {
    const dir = folder();
    const path = join(dir, "sigint.json");
    const r = await runTraced(repo("test/fixtures/sigint.ts"), path, (line, interrupt) => {
      if (line === "ready") interrupt();
    });
    assert.equal(r.code, 130, r.err);
    assert.deepEqual(r.out.trim().split("\n"), ["ready", "child cleanup done", "main finally ran"]);
    const trace = readTrace(path, "real");
    const main = lane(trace, "main");
    assert.equal(main.task.args.outcome, "cancelled");
    assert.deepEqual(
      main.cancels.map((e) => e.args),
      [{ message: "interrupted (SIGINT)" }],
    );
    // The child was cancelled through main's await on it; its cleanup sleep is in the trace.
    const child = lanes(trace).find((l) => l.task.args.parent === main.tid) as Lane;
    assert.equal(child.task.args.outcome, "cancelled");
    assert.deepEqual(
      child.waits.map((e) => e.args.kind),
      ["sleep", "sleep"],
    );
    assert.deepEqual(readdirSync(dir), ["sigint.json"]);
  });

  test("a second Ctrl-C while cleanup hangs exits at once, and the file is still written", async () => {
    const dir = folder();
    const path = join(dir, "twice.json");
    const r = await runTraced(repo("test/fixtures/trace-stuck-cleanup.ts"), path, (line, interrupt) => {
      if (line === "ready" || line === "cleaning up") interrupt();
    });
    assert.equal(r.code, 130, r.err);
    assert.deepEqual(r.out.trim().split("\n"), ["ready", "cleaning up"]);
    const trace = readTrace(path, "real");
    const main = lane(trace, "main");
    assert.deepEqual(main.task.args, { outcome: "cancelled", unfinished: true });
    assert.deepEqual(
      main.cancels.map((e) => e.args),
      [{ message: "interrupted (SIGINT)" }],
    );
    // The sleep Ctrl-C interrupted ended; the cleanup's sleep was cut short by the exit.
    assert.deepEqual(
      main.waits.map((e) => [e.args.kind, e.args.unfinished]),
      [
        ["sleep", undefined],
        ["sleep", true],
      ],
    );
    assert.deepEqual(readdirSync(dir), ["twice.json"]);
  });

  test("process.exit() inside main still writes the file, with the tasks it cut short marked unfinished", async () => {
    const dir = folder();
    const path = join(dir, "exit.json");
    const r = await runTraced(repo("test/fixtures/trace-exit.ts"), path);
    assert.equal(r.code, 3, r.err);
    assert.equal(r.err, "");
    const trace = readTrace(path, "real");
    const sleeper = lane(trace, "sleeper");
    assert.deepEqual(sleeper.task.args, { outcome: "cancelled", unfinished: true, parent: lane(trace, "main").tid });
    assert.deepEqual(
      sleeper.waits.map((e) => [e.args.kind, e.args.unfinished]),
      [["sleep", true]],
    );
    assert.equal(lane(trace, "main").task.args.unfinished, true);
  });

  test("a trace that cannot be written: one line on stderr, and the program's output and exit code unchanged", async () => {
    const dir = folder();
    const path = join(dir, "no-such-folder", "t.json");
    const r = await runTraced(repo("examples/breakfast.ts"), path);
    assert.equal(r.code, 0);
    assert.match(r.out, /Breakfast: chai \+ toast/);
    assert.equal(
      r.err,
      `aio: Could not write the trace file ${path}: its folder ${join(dir, "no-such-folder")} does not exist (ENOENT)\n`,
    );
    assert.ok(!existsSync(join(dir, "no-such-folder")));
    assert.deepEqual(readdirSync(dir), []);
  });
});
