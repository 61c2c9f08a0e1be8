// Reads a Chrome trace-event file (the one `run(main, { trace })` writes) into the
// compact model the timeline page draws. Only the file format is known here, not
// the recorder: any valid trace-event JSON is accepted, in its object form
// (`{ traceEvents: [...] }`) or its array form, and the events that are not aio's
// (other categories, other phases) are counted and left out.
import { readFileSync } from "node:fs";

/** What a task waits on, as the recorder names it; anything else is drawn as "other". */
export const WAIT_KINDS = [
  "sleep",
  "task",
  "future",
  "gather",
  "taskgroup",
  "timeout",
  "shield",
  "queue",
  "lock",
  "semaphore",
  "event",
  "condition",
  "barrier",
  "limiter",
  "http",
  "stream",
  "process",
  "other",
] as const;

/** How a task ended; "running" for a task whose end the trace does not hold. */
export const OUTCOMES = ["result", "error", "cancelled", "running"] as const;

/** A lane: one task. Times are µs from the trace's first event. */
export type LaneRow = [
  id: number | string,
  name: string,
  start: number,
  end: number,
  outcome: number,
  error: string | null,
  parent: number,
  depth: number,
];
/** A wait of the task in lane `lane`; `level` is how many of the task's waits enclose it. */
export type WaitRow = [lane: number, start: number, dur: number, kind: number, label: number, level: number];
/** A cancel request delivered to the task in lane `lane`. */
export type CancelRow = [lane: number, ts: number, message: string | null];
/** A task-group scope opened by the task in lane `lane`. */
export type GroupRow = [lane: number, start: number, dur: number, children: number | null];

/**
 * The page's data: arrays of rows rather than objects, and labels interned, since a trace of 10,000 tasks repeats
 * the same few labels (`sleep 100 ms`) thousands of times and the page must parse it fast.
 */
export interface TimelineModel {
  /** The input's file name, for the title. */
  source: string;
  clock: string | null;
  aio: string | null;
  pid: number | null;
  /** µs from the first event to the end of the last. */
  span: number;
  kinds: readonly string[];
  outcomes: readonly string[];
  labels: string[];
  /** In lane order: by spawn, each task's children right under it. */
  tasks: LaneRow[];
  /** Sorted by lane, then start. */
  waits: WaitRow[];
  cancels: CancelRow[];
  groups: GroupRow[];
  /** Events the timeline does not draw (other phases or categories, or malformed). */
  ignored: number;
}

/** A trace file that cannot be read; its message is the one line the CLI prints. */
export class TraceFileError extends Error {}

interface RawTask {
  key: string;
  id: number | string;
  name: string | undefined;
  start: number;
  end: number;
  /** From the task's own event; a lane built from waits alone has none. */
  ended: boolean;
  outcome: number;
  error: string | null;
  parentKey: string | undefined;
}

type Raw = Record<string, unknown>;

const isRecord = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
/** Thousandths of a µs are below anything the page can show; rounding keeps the embedded JSON short. */
const round = (us: number): number => Math.round(us * 1000) / 1000;

/** Reads and checks a trace file; throws `TraceFileError` with one line naming what is wrong. */
export function readTraceFile(path: string): unknown {
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : (error as Error).message;
    throw new TraceFileError(`cannot read ${path}: ${why}`);
  }
  try {
    return JSON.parse(source);
  } catch (error) {
    // V8 quotes the text around the fault, newlines included: keep the message on one line, and short.
    const why = (error as Error).message.replace(/\s+/g, " ").trim();
    throw new TraceFileError(`${path} is not JSON (${why.length > 120 ? `${why.slice(0, 119)}…` : why})`);
  }
}

/** The trace's events: the object form's `traceEvents`, or the array form itself. */
function eventsOf(trace: unknown, path: string): { events: unknown[]; other: Raw } {
  if (Array.isArray(trace)) return { events: trace, other: {} };
  if (isRecord(trace) && Array.isArray(trace.traceEvents)) {
    return { events: trace.traceEvents, other: isRecord(trace.otherData) ? trace.otherData : {} };
  }
  throw new TraceFileError(`${path} has no traceEvents: not a Chrome trace-event file`);
}

/** Builds the page's model from a parsed trace; `path` names the file in messages and in the page's title. */
export function buildTimeline(trace: unknown, path: string): TimelineModel {
  const { events, other } = eventsOf(trace, path);
  const names = new Map<string, string>();
  const tasks = new Map<string, RawTask>();
  const waits: { key: string; start: number; dur: number; kind: number; label: string }[] = [];
  const cancels: { key: string; ts: number; message: string | null }[] = [];
  const groups: { key: string; start: number; dur: number; children: number | null }[] = [];
  let ignored = 0;
  let t0 = Number.POSITIVE_INFINITY;
  let t1 = Number.NEGATIVE_INFINITY;

  // A lane for every task any event names, so that a task whose end the trace lacks still gets one.
  const lane = (key: string, id: number | string, ts: number, end: number): RawTask => {
    let task = tasks.get(key);
    if (task === undefined) {
      task = {
        key,
        id,
        name: undefined,
        start: ts,
        end,
        ended: false,
        outcome: 3,
        error: null,
        parentKey: undefined,
      };
      tasks.set(key, task);
    } else if (!task.ended) {
      task.start = Math.min(task.start, ts);
      task.end = Math.max(task.end, end);
    }
    return task;
  };

  for (const event of events) {
    if (!isRecord(event)) {
      ignored++;
      continue;
    }
    const { ph, cat, tid, ts, dur } = event;
    const args = isRecord(event.args) ? event.args : {};
    if (!finite(tid) && typeof tid !== "string") {
      ignored++;
      continue;
    }
    // Lanes are threads of one process in Chrome's model; keep pids apart should a file hold several.
    const key = `${String(event.pid ?? "")}:${tid}`;
    if (ph === "M") {
      const name = text(args.name);
      if (event.name === "thread_name" && name !== undefined) names.set(key, name);
      else ignored++;
      continue;
    }
    if (!finite(ts)) {
      ignored++;
      continue;
    }
    if (
      ph === "X" &&
      finite(dur) &&
      dur >= 0 &&
      (cat === "task" || cat === "wait" || cat === "await" || cat === "taskgroup")
    ) {
      t0 = Math.min(t0, ts);
      t1 = Math.max(t1, ts + dur);
      if (cat === "task") {
        const task = lane(key, tid, ts, ts + dur);
        const outcome = OUTCOMES.indexOf(text(args.outcome) as (typeof OUTCOMES)[number]);
        Object.assign(task, {
          start: ts,
          end: ts + dur,
          ended: true,
          outcome: outcome < 0 ? 3 : outcome,
          error: text(args.error) ?? null,
          parentKey:
            finite(args.parent) || typeof args.parent === "string"
              ? `${String(event.pid ?? "")}:${args.parent}`
              : undefined,
        });
        task.name ??= text(event.name);
      } else if (cat === "wait" || cat === "await") {
        lane(key, tid, ts, ts + dur);
        const kind = WAIT_KINDS.indexOf(text(args.kind) as (typeof WAIT_KINDS)[number]);
        const label = text(args.label) ?? text(event.name) ?? "";
        waits.push({ key, start: ts, dur, kind: kind < 0 ? WAIT_KINDS.length - 1 : kind, label });
      } else {
        lane(key, tid, ts, ts + dur);
        groups.push({ key, start: ts, dur, children: finite(args.children) ? args.children : null });
      }
      continue;
    }
    if ((ph === "i" || ph === "I") && cat === "cancel") {
      t0 = Math.min(t0, ts);
      t1 = Math.max(t1, ts);
      lane(key, tid, ts, ts);
      cancels.push({ key, ts, message: text(args.message) ?? null });
      continue;
    }
    ignored++;
  }
  if (t0 > t1) t0 = t1 = 0;

  const order = laneOrder(tasks);
  const index = new Map<string, number>(order.map((t, i) => [t.key, i]));
  const depth: number[] = [];
  const rows: LaneRow[] = order.map((t, i) => {
    const parent = t.parentKey === undefined ? -1 : (index.get(t.parentKey) ?? -1);
    depth[i] = parent < 0 ? 0 : (depth[parent] ?? 0) + 1;
    const name = names.get(t.key) ?? t.name ?? `Task-${t.id}`;
    return [t.id, name, round(t.start - t0), round(t.end - t0), t.outcome, t.error, parent, depth[i] ?? 0];
  });

  const labels: string[] = [];
  const labelIndex = new Map<string, number>();
  const intern = (label: string): number => {
    let i = labelIndex.get(label);
    if (i === undefined) {
      i = labels.push(label) - 1;
      labelIndex.set(label, i);
    }
    return i;
  };
  // Sorted by lane, then start, outer before inner: a stack of open waits gives each its nesting level.
  const sorted = waits
    .map((w) => ({ ...w, lane: index.get(w.key) ?? 0 }))
    .sort((a, b) => a.lane - b.lane || a.start - b.start || b.dur - a.dur);
  const waitRows: WaitRow[] = [];
  const open: number[] = [];
  let current = -1;
  for (const w of sorted) {
    if (w.lane !== current) {
      current = w.lane;
      open.length = 0;
    }
    while (open.length > 0 && (open.at(-1) as number) <= w.start) open.pop();
    waitRows.push([w.lane, round(w.start - t0), round(w.dur), w.kind, intern(w.label), open.length]);
    open.push(w.start + w.dur);
  }

  return {
    source: path,
    clock: text(other.clock) ?? null,
    aio: text(other.aio) ?? null,
    pid: finite(other.pid) ? other.pid : null,
    span: round(t1 - t0),
    kinds: WAIT_KINDS,
    outcomes: OUTCOMES,
    labels,
    tasks: rows,
    waits: waitRows,
    cancels: cancels
      .map((c): CancelRow => [index.get(c.key) ?? 0, round(c.ts - t0), c.message])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]),
    groups: groups
      .map((g): GroupRow => [index.get(g.key) ?? 0, round(g.start - t0), round(g.dur), g.children])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]),
    ignored,
  };
}

/**
 * Lanes in spawn order, each task's children right under it (depth first). Iterative: a chain of 10,000 tasks each
 * awaiting a child of its own must not overflow the stack. A parent the trace does not hold makes a root, and so
 * does a cycle (a malformed file), which is broken where it is met.
 */
function laneOrder(tasks: Map<string, RawTask>): RawTask[] {
  const bySpawn = [...tasks.values()].sort((a, b) => a.start - b.start || compareIds(a.id, b.id));
  const children = new Map<string, RawTask[]>();
  const roots: RawTask[] = [];
  for (const t of bySpawn) {
    const parent = t.parentKey === undefined || t.parentKey === t.key ? undefined : tasks.get(t.parentKey);
    if (parent === undefined) roots.push(t);
    else {
      const list = children.get(parent.key);
      if (list === undefined) children.set(parent.key, [t]);
      else list.push(t);
    }
  }
  const order: RawTask[] = [];
  const seen = new Set<string>();
  const visit = (root: RawTask): void => {
    const stack = [root];
    while (stack.length > 0) {
      const t = stack.pop() as RawTask;
      if (seen.has(t.key)) continue;
      seen.add(t.key);
      order.push(t);
      const kids = children.get(t.key);
      if (kids !== undefined) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i] as RawTask);
    }
  };
  for (const root of roots) visit(root);
  // Tasks only reachable through a cycle: each one left becomes a root of its own.
  for (const t of bySpawn) {
    if (!seen.has(t.key)) {
      t.parentKey = undefined;
      visit(t);
    }
  }
  return order;
}

function compareIds(a: number | string, b: number | string): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b));
}
