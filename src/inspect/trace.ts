import { Buffer } from "node:buffer";
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import {
  isDescribed,
  type Loop,
  RealClock,
  type Task,
  type Tracer,
  type Waiter,
  type WaitInfo,
} from "../core/index.ts";

/** Says what `task` waits on when it starts waiting on `waiter`. */
export type DescribeWait = (task: Task<unknown>, waiter: Waiter) => WaitInfo;

/**
 * What a task waits on when it parks on `waiter`, as `describeWait` says of a task's first waiter: the waiter's own
 * description (sleeps, futures and the waiters of primitives describe themselves), else its string form. Per waiter,
 * because a task may wait on several things at once and each wait is recorded.
 */
export function describeWaiter(_task: Task<unknown>, waiter: Waiter): WaitInfo {
  if (isDescribed(waiter)) return waiter._describeWait();
  return { kind: "other", label: String(waiter) };
}

// ── The buffer ──
// Events are kept as numbers in typed arrays, strings interned, and turned into JSON only when the file is written:
// 32 bytes per event (four int32, two float64) plus each distinct string once, with no object per event for the
// garbage collector to trace. Chunks of 16,384 events grow the buffer without ever copying it.

/** Record kinds (the low byte of a record's first int). */
const SPAWN = 1; // a: parent id (0: none); b: the function's name (-1: anonymous)
const END = 2; // high bits: the task's state (1 result, 2 error, 3 cancelled); a: name (-1: default); b: error text
const WAIT = 3; // a: kind; b: label; dur: NaN while open
/**
 * The kinds of wait that join other tasks (awaiting a task, a gather, a task group's exit, a shield), as their JSON
 * strings: written with `"cat":"await"`, so that a trace's `"wait"` events are the waits on time, I/O and
 * primitives, each once (the breakfast's two sleeps, not also main's wait for them).
 */
const JOINS: ReadonlySet<string> = new Set(['"task"', '"gather"', '"taskgroup"', '"shield"']);
const CANCEL = 4; // a: message (-1: none)
const GROUP = 5; // a: children (-1 while open); dur: NaN while open

const CHUNK_BITS = 14;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

class Chunk {
  /** Per event: kind (and extra bits), task id, a, b. */
  readonly ints = new Int32Array(CHUNK * 4);
  /** Per event: start and duration, in µs since the trace began. */
  readonly times = new Float64Array(CHUNK * 2);
}

const OUTCOMES = ["", "result", "error", "cancelled"] as const;

/**
 * @internal The recorder behind `run({ trace })`: the loop's `Tracer`, buffering events in a compact form, and the
 * writer of the Chrome trace-event file at the end.
 */
export class TraceRecorder implements Tracer {
  private readonly loop: Loop;
  private readonly path: string;
  private readonly describe: DescribeWait;
  /** Loop time (ms) at which the trace began: every `ts` counts from it. */
  private readonly t0: number;
  private readonly chunks: Chunk[] = [];
  private last: Chunk | undefined = undefined;
  private count = 0;
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  /** The open wait of each task on its first waiter (the usual one), as a record index. */
  private readonly openWaits = new Map<Task<unknown>, number>();
  /** Open waits on a task's further waiters (rare: several waits at once). */
  private readonly openExtraWaits = new Map<Task<unknown>, Map<Waiter, number>>();
  private finished = false;
  private readonly onExit = (): void => this.finish();

  constructor(loop: Loop, path: string, describe: DescribeWait) {
    this.loop = loop;
    this.path = path;
    this.describe = describe;
    this.t0 = loop.now();
  }

  /**
   * Starts recording: from now on the loop tells the recorder what happens. A process that exits before `finish()`
   * (`process.exit()` inside main, a second Ctrl-C) still writes its file, from Node's `exit` event.
   */
  start(): void {
    this.loop._tracer = this;
    process.on("exit", this.onExit);
  }

  /**
   * Stops recording and writes the file; once. A failure to write is reported to the loop's exception handler (the
   * file is then left as it was: nothing, or the previous trace), never thrown.
   */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    process.removeListener("exit", this.onExit);
    const loop = this.loop;
    try {
      writeAtomically(this.path, this.serialize());
    } catch (error) {
      // One line that says why; the fs error's stack would only point into this file.
      loop.report({ message: `Could not write the trace file ${this.path}: ${writeFailure(error, this.path)}` });
    } finally {
      if (loop._tracer === this) loop._tracer = undefined;
    }
  }

  // ── Hooks (the Tracer interface) ──

  spawn(task: Task<unknown>): void {
    const fn = task._fn?.name;
    const name = fn === undefined || fn === "" ? -1 : this.intern(fn);
    this.push(SPAWN, task._id, task._parentId, name, this.now(), 0);
  }

  end(task: Task<unknown>): void {
    const at = this.now();
    // Waits the task did not end itself (a sleep started and never awaited) end with it.
    if (task._waiter !== undefined) this.closeWait(this.openWaits, task, at);
    if (task._waiters !== undefined) {
      const extra = this.openExtraWaits.get(task);
      if (extra !== undefined) {
        this.openExtraWaits.delete(task);
        for (const index of extra.values()) this.setDuration(index, at);
      }
    }
    const state = task._state;
    const name = task._name === undefined ? -1 : this.intern(task._name);
    const error = state === 2 ? this.intern(errorText(task._value)) : -1;
    this.push(END | (state << 8), task._id, name, error, at, 0);
  }

  waitStart(task: Task<unknown>, waiter: Waiter, first: boolean): void {
    let kind: string;
    let label: string;
    try {
      ({ kind, label } = this.describe(task, waiter));
    } catch (error) {
      // A hook must not throw into the task's await: a waiter that cannot describe itself is recorded as such.
      kind = "other";
      label = `(no description: ${errorText(error)})`;
    }
    const index = this.push(WAIT, task._id, this.intern(kind), this.intern(label), this.now(), Number.NaN);
    if (first) this.openWaits.set(task, index);
    else {
      let extra = this.openExtraWaits.get(task);
      if (extra === undefined) this.openExtraWaits.set(task, (extra = new Map()));
      extra.set(waiter, index);
    }
  }

  waitEnd(task: Task<unknown>, waiter: Waiter, first: boolean): void {
    if (first) {
      this.closeWait(this.openWaits, task, this.now());
      return;
    }
    const extra = this.openExtraWaits.get(task);
    const index = extra?.get(waiter);
    if (extra === undefined || index === undefined) return;
    extra.delete(waiter);
    if (extra.size === 0) this.openExtraWaits.delete(task);
    this.setDuration(index, this.now());
  }

  cancel(task: Task<unknown>, message: string | undefined): void {
    this.push(CANCEL, task._id, message === undefined ? -1 : this.intern(message), 0, this.now(), 0);
  }

  groupEnter(task: Task<unknown>): number {
    return this.push(GROUP, task._id, -1, 0, this.now(), Number.NaN);
  }

  groupExit(mark: number, children: number): void {
    const chunk = this.chunks[mark >>> CHUNK_BITS] as Chunk;
    chunk.ints[(mark & MASK) * 4 + 2] = children;
    this.setDuration(mark, this.now());
  }

  // ── Recording ──

  /** Microseconds of loop time since the trace began. */
  private now(): number {
    return (this.loop.now() - this.t0) * 1000;
  }

  private push(kind: number, id: number, a: number, b: number, ts: number, dur: number): number {
    const index = this.count++;
    const offset = index & MASK;
    let chunk = this.last;
    if (offset === 0 || chunk === undefined) {
      chunk = this.last = new Chunk();
      this.chunks.push(chunk);
    }
    const ints = chunk.ints;
    const i = offset * 4;
    ints[i] = kind;
    ints[i + 1] = id;
    ints[i + 2] = a;
    ints[i + 3] = b;
    chunk.times[offset * 2] = ts;
    chunk.times[offset * 2 + 1] = dur;
    return index;
  }

  private setDuration(index: number, at: number): void {
    const chunk = this.chunks[index >>> CHUNK_BITS] as Chunk;
    const t = (index & MASK) * 2;
    chunk.times[t + 1] = at - (chunk.times[t] as number);
  }

  private closeWait(open: Map<Task<unknown>, number>, task: Task<unknown>, at: number): void {
    const index = open.get(task);
    if (index === undefined) return;
    open.delete(task);
    this.setDuration(index, at);
  }

  private intern(text: string): number {
    let id = this.stringIds.get(text);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(text);
      this.stringIds.set(text, id);
    }
    return id;
  }

  // ── Writing ──

  /**
   * The file's text, in pieces of about 64 KiB: the Chrome trace-event format (JSON object form), one event per
   * line. Tasks, waits and group scopes still open (the process is exiting without `run()` ending) end now, marked
   * `unfinished`.
   */
  *serialize(): Generator<string> {
    const at = this.now();
    const quoted = this.strings.map((s) => JSON.stringify(s));
    const str = (id: number): string => quoted[id] as string;
    // Where each task's END record is: its lifetime is written at its SPAWN, the lane's first event.
    const ends = new Map<number, number>();
    for (let index = 0; index < this.count; index++) {
      const ints = (this.chunks[index >>> CHUNK_BITS] as Chunk).ints;
      const o = (index & MASK) * 4;
      if (((ints[o] as number) & 0xff) === END) ends.set(ints[o + 1] as number, index);
    }
    // Names of the tasks still running, for the unfinished ones.
    const live = new Map<number, string>();
    for (const task of this.loop.liveTasks()) live.set(task._id, task.name);

    let out = '{"traceEvents":[';
    let sep = "\n";
    for (let index = 0; index < this.count; index++) {
      const { ints, times } = this.chunks[index >>> CHUNK_BITS] as Chunk;
      const o = index & MASK;
      const kind = (ints[o * 4] as number) & 0xff;
      const id = ints[o * 4 + 1] as number;
      const a = ints[o * 4 + 2] as number;
      const b = ints[o * 4 + 3] as number;
      const ts = times[o * 2] as number;
      const dur = times[o * 2 + 1] as number;
      const where = `"pid":1,"tid":${id},"ts":${us(ts)}`;
      let line: string;
      if (kind === SPAWN) {
        const endIndex = ends.get(id);
        let name: string;
        let args: string;
        let endTs = at;
        if (endIndex === undefined) {
          name = JSON.stringify(live.get(id) ?? `Task-${id}`);
          args = '"outcome":"cancelled","unfinished":true';
        } else {
          const end = this.chunks[endIndex >>> CHUNK_BITS] as Chunk;
          const e = endIndex & MASK;
          const nameId = end.ints[e * 4 + 2] as number;
          const errorId = end.ints[e * 4 + 3] as number;
          name = nameId < 0 ? `"Task-${id}"` : str(nameId);
          args = `"outcome":"${OUTCOMES[(end.ints[e * 4] as number) >>> 8]}"`;
          if (errorId >= 0) args += `,"error":${str(errorId)}`;
          endTs = end.times[e * 2] as number;
        }
        if (a !== 0) args += `,"parent":${a}`;
        if (b >= 0) args += `,"function":${str(b)}`;
        line =
          `{"ph":"M","name":"thread_name","pid":1,"tid":${id},"args":{"name":${name}}},\n` +
          `{"ph":"X","cat":"task","name":${name},${where},"dur":${us(endTs - ts)},"args":{${args}}}`;
      } else if (kind === WAIT) {
        const open = Number.isNaN(dur);
        const label = str(b);
        const kindText = str(a);
        line =
          `{"ph":"X","cat":"${JOINS.has(kindText) ? "await" : "wait"}","name":${label},${where},` +
          `"dur":${us(open ? at - ts : dur)},"args":{"kind":${kindText},"label":${label}${open ? ',"unfinished":true' : ""}}}`;
      } else if (kind === CANCEL) {
        line = `{"ph":"i","s":"t","cat":"cancel","name":"cancel",${where},"args":{${a < 0 ? "" : `"message":${str(a)}`}}}`;
      } else if (kind === GROUP) {
        const open = Number.isNaN(dur);
        line =
          `{"ph":"X","cat":"taskgroup","name":"TaskGroup",${where},"dur":${us(open ? at - ts : dur)},` +
          `"args":{"children":${Math.max(a, 0)}${open ? ',"unfinished":true' : ""}}}`;
      } else continue; // END: written with its SPAWN
      out += sep + line;
      sep = ",\n";
      if (out.length >= 1 << 16) {
        yield out;
        out = "";
      }
    }
    const other = {
      aio: aioVersion(),
      clock: this.loop.clock instanceof RealClock ? "real" : "virtual",
      pid: process.pid,
    };
    yield `${out}\n],\n"displayTimeUnit":"ms",\n"otherData":${JSON.stringify(other)}}\n`;
  }
}

/** Microseconds as the file shows them: at most three decimals (nanoseconds), integers as integers. */
function us(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** `Name: message` for an error, its string form for anything else thrown. */
function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Why writing the file at `path` failed, in words, with the system's error code. */
function writeFailure(error: unknown, path: string): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case "ENOENT":
      return `its folder ${dirname(path)} does not exist (ENOENT)`;
    case "ENOTDIR":
      return `a part of its folder ${dirname(path)} is not a folder (ENOTDIR)`;
    case "EACCES":
    case "EPERM":
      return `permission denied (${code})`;
    case "EISDIR":
      return `it is a folder (EISDIR)`;
    case "ENOSPC":
      return "no space left on the device (ENOSPC)";
    default:
      return errorText(error);
  }
}

let version: string | undefined;

/** aio's version, from its package.json (two levels up from here, in `src/` as in `dist/`). */
function aioVersion(): string {
  if (version === undefined) {
    try {
      const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
      version = String((JSON.parse(text) as { version?: unknown }).version ?? "unknown");
    } catch {
      version = "unknown";
    }
  }
  return version;
}

/**
 * Writes `pieces` to `path` atomically, as `aio fetch` saves a download: into a temporary file beside it, renamed
 * over `path` once complete. On any failure the temporary file is removed and `path` is left as it was.
 */
export function writeAtomically(path: string, pieces: Iterable<string>): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w");
  let open = true;
  try {
    for (const piece of pieces) {
      const bytes = Buffer.from(piece, "utf8");
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    }
    open = false;
    closeSync(fd);
    renameSync(temporary, path);
  } catch (error) {
    if (open) closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
}
