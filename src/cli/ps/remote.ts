// What `aio ps` receives from a process, checked field by field: the target may run another version of aio-ts, so
// the answer is data from outside, never trusted to have the shape this version writes.
import { PROTOCOL } from "../../inspect/channel-path.ts";

/** One task of the target, as `aio ps` shows it. */
export interface RemoteTask {
  id: number;
  name: string;
  state: string;
  /** What the task waits on: a kind (`sleep`, `queue`, `lock`...) and a label that says which one. */
  waitsOn: { kind: string; label: string } | undefined;
  /** Ids of the tasks that await this one. */
  awaitedBy: number[];
  /** Id of the task that created it (its task group's owner), if that task is alive. */
  parent: number | undefined;
  ageMs: number;
  /** Where it was created, with debug mode on. */
  createdAt: string | undefined;
  cancelling: number;
}

/** One loop of the target (a `run()`, or the default loop used outside `run()`). */
export interface RemoteLoop {
  /** The loop's time, in ms. */
  time: number;
  tasks: RemoteTask[];
}

/** A target's whole answer. */
export interface RemoteProcess {
  pid: number;
  argv: string[];
  loops: RemoteLoop[];
}

/** A failure to read a process: `message` is the whole line `aio ps` prints. */
export class ReachError extends Error {}

/** Parses and checks the answer of process `pid`. */
export function parseAnswer(pid: number, text: string): RemoteProcess {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ReachError(`process ${pid} sent an answer that is not JSON (${text.length} bytes)`);
  }
  if (!isObject(data) || data.protocol !== PROTOCOL) {
    const got = isObject(data) ? JSON.stringify(data.protocol) : "none";
    throw new ReachError(
      `process ${pid} speaks channel protocol ${got}, this aio speaks ${PROTOCOL}: use the aio of the same aio-ts version`,
    );
  }
  if (typeof data.error === "string") throw new ReachError(`process ${pid} could not list its tasks: ${data.error}`);
  if (data.pid !== pid) throw new ReachError(`the channel of process ${pid} answered for process ${String(data.pid)}`);
  if (!Array.isArray(data.loops)) throw new ReachError(`process ${pid} sent an answer without loops`);
  return {
    pid,
    argv: Array.isArray(data.argv) ? data.argv.map(String) : [],
    loops: data.loops.filter(isObject).map((loop) => ({
      time: num(loop.time),
      tasks: Array.isArray(loop.tasks) ? loop.tasks.filter(isObject).map(task) : [],
    })),
  };
}

function task(row: Record<string, unknown>): RemoteTask {
  const waits = row.waitsOn;
  return {
    id: num(row.id),
    name: typeof row.name === "string" ? row.name : `Task-${num(row.id)}`,
    state: typeof row.state === "string" ? row.state : "pending",
    waitsOn: isObject(waits)
      ? { kind: String(waits.kind ?? ""), label: String(waits.label ?? waits.kind ?? "") }
      : undefined,
    awaitedBy: Array.isArray(row.awaitedBy) ? row.awaitedBy.filter((id) => typeof id === "number") : [],
    parent: typeof row.parent === "number" ? row.parent : undefined,
    ageMs: num(row.ageMs),
    createdAt: typeof row.createdAt === "string" ? row.createdAt : undefined,
    cancelling: num(row.cancelling),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
