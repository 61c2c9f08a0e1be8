// Text for `aio ps` (a table, as `python -m asyncio ps` prints) and `aio pstree` (a tree of awaiting relations, as
// `python -m asyncio pstree`), both cut at a number of task lines with a count of the rest by what they wait on.
import type { RemoteProcess, RemoteTask } from "./remote.ts";

/** How to print. */
export interface RenderOptions {
  /** Most task lines printed; the rest is counted. `Infinity` prints all. */
  limit: number;
}

// ── Shared pieces ──

/** `1,234`: counts are read at a glance. */
function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** A duration as a person reads it: `350 ms`, `12.5 s`, `3 min 20 s`, `2 h 5 min`. */
export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Loop time as the wait labels print it (`12.5 s`). */
function formatLoopTime(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function allTasks(process: RemoteProcess): RemoteTask[] {
  return process.loops.flatMap((loop) => loop.tasks);
}

function header(process: RemoteProcess, tasks: number): string {
  const command = process.argv.length > 0 ? `: ${process.argv.join(" ")}` : "";
  const loops = process.loops.length === 1 ? "1 loop" : `${count(process.loops.length)} loops`;
  // With one loop, its time reads the "sleep until" labels, which are in loop time.
  const time = process.loops.length === 1 ? `, loop time ${formatLoopTime(process.loops[0]!.time)}` : "";
  return `process ${process.pid}${command} (${loops}, ${count(tasks)} ${tasks === 1 ? "task" : "tasks"}${time})`;
}

function state(task: RemoteTask): string {
  return task.cancelling > 0 && task.state === "pending" ? "cancelling" : task.state;
}

function waits(task: RemoteTask): string {
  return task.waitsOn === undefined ? "" : task.waitsOn.label || task.waitsOn.kind;
}

/** "… 9,900 more tasks not shown: 9,899 sleep, 1 queue (...)", or nothing when every task was shown. */
function rest(hidden: readonly RemoteTask[], hint: string): string[] {
  if (hidden.length === 0) return [];
  const kinds = new Map<string, number>();
  for (const task of hidden) {
    const kind = task.waitsOn?.kind || "not waiting";
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const byKind = [...kinds].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${count(n)} ${kind}`);
  const noun = hidden.length === 1 ? "task" : "tasks";
  return [`… ${count(hidden.length)} more ${noun} not shown: ${byKind.join(", ")} (${hint})`];
}

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

// ── aio ps ──

const COLUMNS = [
  { title: "id", max: 10, right: true },
  { title: "name", max: 32, right: false },
  { title: "state", max: 10, right: false },
  { title: "waits on", max: 64, right: false },
  { title: "awaited by", max: 40, right: false },
  { title: "age", max: 12, right: true },
] as const;

/** `aio ps`: one line per task, oldest first. */
export function renderTable(process: RemoteProcess, options: RenderOptions): string {
  const tasks = allTasks(process).sort((a, b) => a.id - b.id);
  const names = new Map(tasks.map((t) => [t.id, t.name]));
  const shown = tasks.slice(0, options.limit);
  const rows = shown.map((t) => [
    String(t.id),
    t.name,
    state(t),
    waits(t),
    t.awaitedBy.map((id) => `${names.get(id) ?? "?"} #${id}`).join(", "),
    formatAge(t.ageMs),
  ]);
  const widths = COLUMNS.map((c, i) => Math.min(c.max, Math.max(c.title.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const text = cut(cell, widths[i]!);
        return COLUMNS[i]!.right ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
      })
      .join("  ")
      .trimEnd();
  const out = [header(process, tasks.length)];
  if (tasks.length > 0) {
    out.push(
      line(COLUMNS.map((c) => c.title)),
      widths.map((w) => "-".repeat(w)).join("  "),
      ...rows.map(line),
      ...rest(tasks.slice(shown.length), "--all shows every task, --json prints them all"),
    );
  }
  return `${out.join("\n")}\n`;
}

// ── aio pstree ──

/** A line of the tree, or of `--json`'s nested form. */
export interface TreeNode {
  id: number;
  name: string;
  state: string;
  waitsOn: string | undefined;
  /** Set on a task met again on its own path: the awaiting relations form a cycle, and the tree stops there. */
  cycle?: true;
  children: TreeNode[];
}

/** The await tree: roots, and the cycles found (each a list of ids, first id repeated at the end). */
export interface Tree {
  roots: TreeNode[];
  cycles: number[][];
}

/**
 * Builds the tree: under each task, the tasks it awaits (through `await`, gather or a task group), and the live
 * tasks it created that nobody awaits. A task awaited by two tasks appears under both, as in asyncio's pstree. The
 * roots are the tasks nobody awaits and no live task created; a group of tasks that only await each other (a
 * cycle) has no root, so its oldest task is taken as one.
 */
export function buildTree(process: RemoteProcess): Tree {
  const tasks = allTasks(process).sort((a, b) => a.id - b.id);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const children = new Map<number, number[]>();
  const above = new Set<number>();
  const link = (from: number, to: number): void => {
    let list = children.get(from);
    if (list === undefined) children.set(from, (list = []));
    if (!list.includes(to)) list.push(to);
    above.add(to);
  };
  for (const t of tasks) {
    const awaiters = t.awaitedBy.filter((id) => byId.has(id));
    for (const id of awaiters) link(id, t.id);
    if (awaiters.length === 0 && t.parent !== undefined && byId.has(t.parent)) link(t.parent, t.id);
  }
  const cycles: number[][] = [];
  const seen = new Set<number>();
  const path: number[] = [];
  const visit = (id: number): TreeNode => {
    const t = byId.get(id)!;
    const node: TreeNode = { id, name: t.name, state: state(t), waitsOn: waits(t) || undefined, children: [] };
    const at = path.indexOf(id);
    if (at >= 0) {
      cycles.push([...path.slice(at), id]);
      node.cycle = true;
      return node;
    }
    seen.add(id);
    path.push(id);
    for (const child of children.get(id) ?? []) node.children.push(visit(child));
    path.pop();
    return node;
  };
  const roots: TreeNode[] = [];
  for (const t of tasks) if (!above.has(t.id)) roots.push(visit(t.id));
  for (const t of tasks) if (!seen.has(t.id)) roots.push(visit(t.id));
  return { roots, cycles: dedupeCycles(cycles) };
}

/** The same cycle is met once from each of its tasks that appears in the tree; keep one per set of tasks. */
function dedupeCycles(cycles: number[][]): number[][] {
  const keys = new Set<string>();
  return cycles.filter((c) => {
    const key = [...new Set(c)].sort((a, b) => a - b).join(",");
    if (keys.has(key)) return false;
    keys.add(key);
    return true;
  });
}

/** One task's line in the tree: name, id, state when not pending, and what it waits on. */
function treeLabel(node: TreeNode): string {
  const state = node.state === "pending" ? "" : ` (${node.state})`;
  const what = node.cycle === true ? "↺ awaits a task above it: a cycle" : node.waitsOn;
  return `${node.name} #${node.id}${state}${what === undefined ? "" : ` · ${what}`}`;
}

/** `aio pstree`: the tree, then the cycles. */
export function renderTree(process: RemoteProcess, options: RenderOptions): string {
  const tasks = allTasks(process);
  const tree = buildTree(process);
  const out = [header(process, tasks.length)];
  const printed = new Set<number>();
  let budget = options.limit;
  // Python's pstree draws every root with "└── ", and each level below with the usual guides.
  const draw = (node: TreeNode, prefix: string, last: boolean): void => {
    if (budget <= 0) return;
    budget--;
    printed.add(node.id);
    out.push(`${prefix}${last ? "└── " : "├── "}${treeLabel(node)}`);
    const inner = `${prefix}${last ? "    " : "│   "}`;
    for (let i = 0; i < node.children.length; i++) draw(node.children[i]!, inner, i === node.children.length - 1);
  };
  for (const root of tree.roots) draw(root, "", true);
  out.push(
    ...rest(
      tasks.filter((t) => !printed.has(t.id)),
      "--all shows the whole tree, --json prints it all",
    ),
  );
  const names = new Map(tasks.map((t) => [t.id, t.name]));
  for (const cycle of tree.cycles) {
    out.push(
      `cycle: ${cycle.map((id) => `${names.get(id) ?? "?"} #${id}`).join(" → ")} (these tasks await each other)`,
    );
  }
  return `${out.join("\n")}\n`;
}
