// The text of `aio ps` and `aio pstree` from answers made up here: cycles, a task awaited twice, truncation with the
// count of the rest, ages, and an answer from another version of aio-ts. test/cli/ps.test.ts reads real processes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseAnswer, ReachError, type RemoteProcess, type RemoteTask } from "../../src/cli/ps/remote.ts";
import { buildTree, formatAge, renderTable, renderTree } from "../../src/cli/ps/render.ts";

function task(id: number, name: string, more: Partial<RemoteTask> = {}): RemoteTask {
  return {
    id,
    name,
    state: "pending",
    waitsOn: undefined,
    awaitedBy: [],
    parent: undefined,
    ageMs: 1500,
    createdAt: undefined,
    cancelling: 0,
    ...more,
  };
}

const proc = (...tasks: RemoteTask[]): RemoteProcess => ({
  pid: 42,
  argv: ["node", "app.js"],
  loops: [{ time: 2500, tasks }],
});
const sleeping = { kind: "sleep", label: "sleep until 60 s" };

describe("aio ps's table", () => {
  test("has a header, aligned columns, and the awaiting tasks by name and id", () => {
    const text = renderTable(
      proc(
        task(1, "main", { waitsOn: { kind: "task", label: 'task "worker"' } }),
        task(2, "worker", { waitsOn: sleeping, awaitedBy: [1], ageMs: 250 }),
      ),
      { limit: 100 },
    );
    assert.equal(
      text,
      [
        "process 42: node app.js (1 loop, 2 tasks, loop time 2.5 s)",
        "id  name    state    waits on          awaited by     age",
        "--  ------  -------  ----------------  ----------  ------",
        ' 1  main    pending  task "worker"                  1.5 s',
        " 2  worker  pending  sleep until 60 s  main #1     250 ms",
        "",
      ].join("\n"),
    );
  });

  test("shows a task with a cancel requested as cancelling, and cuts long cells with an ellipsis", () => {
    const text = renderTable(proc(task(1, "x".repeat(50), { cancelling: 1 })), { limit: 100 });
    const row = text.split("\n")[3]!;
    assert.match(row, new RegExp(`^ 1  ${"x".repeat(31)}… {2}cancelling`));
  });

  test("prints `limit` rows, oldest first, then how many more by what they wait on", () => {
    const tasks = [task(3, "c", { waitsOn: sleeping }), task(1, "a"), task(2, "b", { waitsOn: sleeping })];
    tasks.push(task(4, "d", { waitsOn: { kind: "queue", label: "Queue.get" } }));
    const lines = renderTable(proc(...tasks), { limit: 1 })
      .trimEnd()
      .split("\n");
    assert.equal(lines.length, 5);
    assert.match(lines[3]!, /^ 1 {2}a /);
    assert.equal(
      lines[4],
      "… 3 more tasks not shown: 2 sleep, 1 queue (--all shows every task, --json prints them all)",
    );
    assert.equal(
      renderTable(proc(...tasks), { limit: Number.POSITIVE_INFINITY })
        .trimEnd()
        .split("\n").length,
      7,
    );
  });

  test("an empty process has only the header", () => {
    assert.equal(renderTable(proc(), { limit: 100 }), "process 42: node app.js (1 loop, 0 tasks, loop time 2.5 s)\n");
  });

  test("ages read as a person reads them", () => {
    assert.deepEqual([0, 999, 1000, 12_345, 59_999, 60_000, 200_000, 3_600_000, 7_500_000].map(formatAge), [
      "0 ms",
      "999 ms",
      "1.0 s",
      "12.3 s",
      "59.9 s",
      "1 min 0 s",
      "3 min 20 s",
      "1 h 0 min",
      "2 h 5 min",
    ]);
  });
});

describe("aio pstree's tree", () => {
  test("puts a task under each task that awaits it, and a task nobody awaits under its parent", () => {
    const text = renderTree(
      proc(
        task(1, "main", { waitsOn: { kind: "taskgroup", label: "TaskGroup (2 tasks)" } }),
        task(2, "a", { parent: 1, awaitedBy: [1] }),
        task(3, "b", { parent: 1, awaitedBy: [1], waitsOn: sleeping }),
        task(4, "shared", { awaitedBy: [2, 3], parent: 1 }),
        task(5, "loner", { parent: 1, state: "running" }),
        task(6, "orphan", { parent: 99 }),
      ),
      { limit: 100 },
    );
    assert.equal(
      text,
      [
        "process 42: node app.js (1 loop, 6 tasks, loop time 2.5 s)",
        "└── main #1 · TaskGroup (2 tasks)",
        "    ├── a #2",
        "    │   └── shared #4",
        "    ├── b #3 · sleep until 60 s",
        "    │   └── shared #4",
        "    └── loner #5 (running)",
        "└── orphan #6",
        "",
      ].join("\n"),
    );
  });

  test("stops at a task met again on its own path, and lists the cycle", () => {
    // 1 awaits 2, 2 awaits 3, 3 awaits 2: a cycle below a root.
    const p = proc(task(1, "main"), task(2, "x", { awaitedBy: [1, 3] }), task(3, "y", { awaitedBy: [2] }));
    const tree = buildTree(p);
    assert.deepEqual(tree.cycles, [[2, 3, 2]]);
    assert.equal(
      renderTree(p, { limit: 100 }),
      [
        "process 42: node app.js (1 loop, 3 tasks, loop time 2.5 s)",
        "└── main #1",
        "    └── x #2",
        "        └── y #3",
        "            └── x #2 · ↺ awaits a task above it: a cycle",
        "cycle: x #2 → y #3 → x #2 (these tasks await each other)",
        "",
      ].join("\n"),
    );
  });

  test("prints a cycle that nothing outside awaits from its oldest task, once", () => {
    const p = proc(task(7, "ping", { awaitedBy: [8] }), task(8, "pong", { awaitedBy: [7] }));
    const tree = buildTree(p);
    assert.equal(tree.roots.length, 1);
    assert.equal(tree.roots[0]!.id, 7);
    assert.deepEqual(tree.cycles, [[7, 8, 7]]);
    const self = buildTree(proc(task(1, "narcissus", { awaitedBy: [1] })));
    assert.deepEqual(self.cycles, [[1, 1]]);
  });

  test("prints `limit` task lines, then how many tasks were not shown", () => {
    const tasks = [task(1, "main", { waitsOn: { kind: "gather", label: "gather of 500" } })];
    for (let i = 2; i <= 501; i++) tasks.push(task(i, `t${i}`, { awaitedBy: [1], waitsOn: sleeping }));
    const lines = renderTree(proc(...tasks), { limit: 10 })
      .trimEnd()
      .split("\n");
    assert.equal(lines.length, 1 + 10 + 1);
    assert.equal(
      lines.at(-1),
      "… 491 more tasks not shown: 491 sleep (--all shows the whole tree, --json prints it all)",
    );
  });
});

describe("an answer from the channel", () => {
  const answer = (data: object): string => JSON.stringify({ protocol: 1, pid: 42, argv: ["node"], loops: [], ...data });

  test("keeps the fields it knows and fills in what another version left out", () => {
    const p = parseAnswer(42, answer({ loops: [{ time: 5, tasks: [{ id: 3, extra: true }, "junk"] }] }));
    assert.deepEqual(p.loops[0]!.tasks, [task(3, "Task-3", { ageMs: 0 })]);
  });

  test("is refused with one line when it is not JSON, of another protocol, for another pid, or an error", () => {
    const refused = (text: string): string => {
      try {
        parseAnswer(42, text);
      } catch (error) {
        assert.ok(error instanceof ReachError);
        return error.message;
      }
      assert.fail("accepted");
    };
    assert.equal(refused("{"), "process 42 sent an answer that is not JSON (1 bytes)");
    assert.match(refused(answer({ protocol: 2 })), /^process 42 speaks channel protocol 2, this aio speaks 1/);
    assert.equal(refused(answer({ pid: 7 })), "the channel of process 42 answered for process 7");
    assert.equal(refused(answer({ error: "boom" })), "process 42 could not list its tasks: boom");
    assert.equal(refused(answer({ loops: null })), "process 42 sent an answer without loops");
  });
});
