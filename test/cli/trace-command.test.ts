// `aio trace` without a browser: the command as a user runs it (its messages,
// exit codes and output file), and the model it builds from a trace file.
// test/cli/trace-timeline.test.ts opens the page in Chromium.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { jsonForScript } from "../../src/cli/trace/timeline-html.ts";
import { TIMELINE_SCRIPT } from "../../src/cli/trace/timeline-script.ts";
import { buildTimeline, TraceFileError } from "../../src/cli/trace/trace-file.ts";
import { BIN } from "./fetch-helpers.ts";

const CRAWL = fileURLToPath(new URL("../fixtures/traces/crawl.json", import.meta.url));
const TSC = fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url));
const folder = mkdtempSync(join(tmpdir(), "aio-trace-test-"));
after(() => rmSync(folder, { recursive: true, force: true }));

function aioTrace(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, "trace", ...args], { encoding: "utf8", cwd: folder });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, content: string): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

/** The JSON the page embeds. */
function embedded(html: string): Record<string, unknown> {
  const m = /<script type="application\/json" id="aio-data">(.*?)<\/script>/s.exec(html);
  assert.ok(m?.[1] !== undefined, "no data element");
  return JSON.parse(m[1]) as Record<string, unknown>;
}

describe("aio trace", () => {
  test("writes FILE.html beside FILE.json and says what it drew", () => {
    const input = file("crawl.json", readFileSync(CRAWL, "utf8"));
    const r = aioTrace([input]);
    assert.equal(r.code, 0, r.stderr);
    const output = join(folder, "crawl.html");
    assert.equal(r.stdout, `aio trace: wrote ${output}: 6 tasks, 8 waits, 1 cancel (2 other events left out)\n`);
    assert.equal(r.stderr, "");
    const html = readFileSync(output, "utf8");
    assert.match(html, /^<!doctype html>/);
    assert.equal(embedded(html).source, "crawl.json");
  });

  test("-o and --output= choose the page's path; a name without .json gets .html appended", () => {
    const input = file("trace.data", readFileSync(CRAWL, "utf8"));
    assert.equal(aioTrace([input]).code, 0);
    assert.ok(existsSync(join(folder, "trace.data.html")));
    mkdirSync(join(folder, "out"), { recursive: true });
    assert.equal(aioTrace([input, "-o", "out/a.html"]).code, 0);
    assert.equal(aioTrace(["--output=out/b.html", input]).code, 0);
    assert.ok(existsSync(join(folder, "out/a.html")) && existsSync(join(folder, "out/b.html")));
  });

  test("the page is self-contained: no URL to load, and a policy that forbids the network", () => {
    const r = aioTrace([CRAWL, "-o", "self.html"]);
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(join(folder, "self.html"), "utf8");
    assert.doesNotMatch(html, /\b(src|href)\s*=/i);
    assert.doesNotMatch(html, /https?:\/\/(?!127\.0\.0\.1:)/);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-/);
    assert.equal(html.match(/<script\b/g)?.length, 2);
  });

  for (const [what, content, message] of [
    ["a file that is not JSON", "{ not json", /^aio trace: \S+bad\.json is not JSON \(.+\)\n$/],
    ["text with newlines", "hello\nworld\n", /^aio trace: \S+bad\.json is not JSON \(.+\)\n$/],
    ["a long broken file", `[${"1,".repeat(10_000)}`, /^aio trace: \S+bad\.json is not JSON \(.{1,120}\)\n$/],
    [
      "JSON without traceEvents",
      `{ "events": [] }`,
      /^aio trace: \S+bad\.json has no traceEvents: not a Chrome trace-event file\n$/,
    ],
    ["traceEvents that is not an array", `{ "traceEvents": 3 }`, /has no traceEvents/],
    ["a JSON string", `"traceEvents"`, /has no traceEvents/],
  ] as const) {
    test(`rejects ${what} with one line and exit code 1, and writes nothing`, () => {
      const input = file("bad.json", content);
      rmSync(join(folder, "bad.html"), { force: true });
      const r = aioTrace([input]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "");
      assert.ok(!existsSync(join(folder, "bad.html")));
    });
  }

  test("a missing file or a folder: one line, exit code 1", () => {
    let r = aioTrace(["nowhere.json"]);
    assert.deepEqual([r.code, r.stderr], [1, "aio trace: cannot read nowhere.json: no such file\n"]);
    r = aioTrace([folder]);
    assert.deepEqual([r.code, r.stderr], [1, `aio trace: cannot read ${folder}: it is a directory\n`]);
  });

  test("bad usage exits 2 with a hint; --help prints the usage", () => {
    for (const args of [[], ["a.json", "b.json"], ["--zoom", "a.json"], ["a.json", "-o"]]) {
      const r = aioTrace(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /^aio trace: .+\nRun `aio trace --help` for usage\.\n$/);
    }
    const help = aioTrace(["--help"]);
    assert.equal(help.code, 0);
    assert.match(
      help.stdout,
      /^aio trace: draw a trace of tasks as a timeline page\n\nUsage:\n {2}aio trace FILE\.json \[-o OUT\.html\]/,
    );
    const top = spawnSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
    assert.match(top.stdout, /\n {2}aio trace FILE\.json \[-o OUT\.html\] +draw a trace of tasks as a timeline page/);
  });

  test("a page that cannot be written: one line, exit code 1", () => {
    let r = aioTrace([CRAWL, "-o", "no/such/folder/t.html"]);
    assert.deepEqual(
      [r.code, r.stdout, r.stderr],
      [1, "", "aio trace: cannot write no/such/folder/t.html: its folder does not exist\n"],
    );
    r = aioTrace([CRAWL, "-o", folder]);
    assert.deepEqual([r.code, r.stderr], [1, `aio trace: cannot write ${folder}: it is a directory\n`]);
  });

  test("refuses to overwrite the trace with the page", () => {
    const input = file("same.json", readFileSync(CRAWL, "utf8"));
    const r = aioTrace([input, "-o", input]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /would overwrite the trace/);
    assert.equal(readFileSync(input, "utf8"), readFileSync(CRAWL, "utf8"));
  });
});

describe("the timeline model", () => {
  const model = buildTimeline(JSON.parse(readFileSync(CRAWL, "utf8")), CRAWL);

  test("lanes are tasks in spawn order, each task's children right under it", () => {
    assert.deepEqual(
      model.tasks.map(([id, name, , , , , parent, depth]) => [id, name, parent, depth]),
      [
        [1, "main", -1, 0],
        [2, "producer", 0, 1],
        [3, "fetch-1", 0, 1],
        [6, "writer", 2, 2],
        [4, "fetch-2", 0, 1],
        [5, "fetch-3", 0, 1],
      ],
    );
    // writer has no thread_name event: its task event names it.
    assert.deepEqual(
      model.tasks.map(([, , start, end, outcome, error]) => [start, end, model.outcomes[outcome], error]),
      [
        [0, 5_000_000, "result", null],
        [100, 1_200_000, "result", null],
        [150, 2_400_000, "result", null],
        [2_200_000, 2_390_000, "result", null],
        [160, 3_000_000, "error", "ConnectionError: connection reset by peer"],
        [170, 3_000_100, "cancelled", null],
      ],
    );
    assert.equal(model.span, 5_000_000);
    assert.deepEqual([model.clock, model.aio, model.pid, model.ignored], ["virtual", "0.2.0", 4242, 2]);
  });

  test("waits are sorted by lane and start, with how deep each is nested in its task's other waits", () => {
    assert.deepEqual(
      model.waits.map(([lane, start, dur, kind, label, level]) => [
        lane,
        start,
        dur,
        model.kinds[kind],
        model.labels[label],
        level,
      ]),
      [
        [0, 100, 4_799_900, "taskgroup", "TaskGroup (4 children)", 0],
        [1, 300_000, 600_000, "queue", 'Queue.put (queue "urls", 2 items)', 0],
        [2, 200, 2_199_800, "timeout", "timeout 3 s", 0],
        [2, 250, 2_099_750, "http", "HTTP GET http://127.0.0.1:8080/delay/2", 1],
        [3, 2_210_000, 170_000, "stream", "drain() on 127.0.0.1:5000", 0],
        [4, 200, 599_800, "lock", 'Lock.acquire (held by task "fetch-1")', 0],
        [4, 900_000, 2_090_000, "http", "HTTP GET http://127.0.0.1:8080/bytes/1000", 0],
        [5, 200, 2_999_900, "sleep", "sleep until 10 s", 0],
      ],
    );
    assert.deepEqual(model.cancels, [[5, 3_000_050, "a sibling failed"]]);
    assert.deepEqual(model.groups, [[0, 50, 4_899_950, 4]]);
  });

  test("times count from the first event; the array form is read too; a wait of a kind it does not know is other", () => {
    const m = buildTimeline(
      [
        { ph: "X", cat: "task", name: "a", pid: 1, tid: 7, ts: 1_000_500, dur: 10, args: { outcome: "result" } },
        { ph: "X", cat: "wait", name: "w", pid: 1, tid: 7, ts: 1_000_501, dur: 5, args: { kind: "teleport" } },
        { ph: "B", name: "begin", pid: 1, tid: 7, ts: 1_000_000 },
        "not an event",
      ],
      "a.json",
    );
    assert.deepEqual(m.tasks, [[7, "a", 0, 10, 0, null, -1, 0]]);
    assert.deepEqual(
      m.waits.map((w) => [m.kinds[w[3]], m.labels[w[4]]]),
      [["other", "w"]],
    );
    assert.equal(m.ignored, 2);
  });

  test("a task whose end the trace lacks gets a lane from its events, marked running", () => {
    const m = buildTimeline(
      {
        traceEvents: [
          { ph: "M", name: "thread_name", pid: 1, tid: 3, args: { name: "stuck" } },
          { ph: "X", cat: "wait", pid: 1, tid: 3, ts: 10, dur: 90, args: { kind: "lock", label: "Lock.acquire" } },
          { ph: "i", s: "t", cat: "cancel", name: "cancel", pid: 1, tid: 3, ts: 120 },
        ],
      },
      "t.json",
    );
    assert.deepEqual(m.tasks, [[3, "stuck", 0, 110, 3, null, -1, 0]]);
    assert.equal(m.outcomes[3], "running");
    assert.deepEqual(m.cancels, [[0, 110, null]]);
  });

  test("parents that form a cycle or a chain 10,000 deep neither hang nor overflow the stack", () => {
    const cycle = buildTimeline(
      [
        { ph: "X", cat: "task", pid: 1, tid: 1, ts: 0, dur: 5, args: { parent: 2 } },
        { ph: "X", cat: "task", pid: 1, tid: 2, ts: 1, dur: 5, args: { parent: 1 } },
      ],
      "c.json",
    );
    assert.deepEqual(
      cycle.tasks.map((t) => [t[0], t[6], t[7]]),
      [
        [1, -1, 0],
        [2, 0, 1],
      ],
    );
    const chain = buildTimeline(
      Array.from({ length: 10_000 }, (_, i) => ({
        ph: "X",
        cat: "task",
        pid: 1,
        tid: i + 1,
        ts: i,
        dur: 1,
        args: i === 0 ? {} : { parent: i },
      })),
      "chain.json",
    );
    assert.equal(chain.tasks.length, 10_000);
    assert.deepEqual(chain.tasks[9_999]?.slice(6), [9_998, 9_999]);
  });

  test("events with a missing or non-numeric time are left out, not drawn at zero", () => {
    const m = buildTimeline(
      {
        traceEvents: [
          { ph: "X", cat: "task", pid: 1, tid: 1, ts: 5, dur: 10 },
          { ph: "X", cat: "wait", pid: 1, tid: 1, ts: "7", dur: 1 },
          { ph: "X", cat: "wait", pid: 1, tid: 1, ts: 7, dur: -1 },
          { ph: "X", cat: "wait", pid: 1, ts: 7, dur: 1 },
        ],
      },
      "t.json",
    );
    assert.equal(m.waits.length, 0);
    assert.equal(m.ignored, 3);
  });

  test("throws TraceFileError for a value that is no trace", () => {
    assert.throws(() => buildTimeline({ traceEvents: {} }, "x.json"), TraceFileError);
    assert.throws(() => buildTimeline(null, "x.json"), /x\.json has no traceEvents/);
  });
});

describe("the page's data and script", () => {
  test("the embedded JSON cannot end its element or hide markup, and reads back the same", () => {
    const value = { name: "</script><img src=x onerror=alert(1)><!-- & \u2028\u2029" };
    const json = jsonForScript(value);
    assert.doesNotMatch(json, /[<>&\u2028\u2029]/);
    assert.deepEqual(JSON.parse(json), value);
  });

  test("the script parses, and holds nothing a template literal would have swallowed", () => {
    assert.doesNotThrow(() => new Function(TIMELINE_SCRIPT));
    assert.doesNotMatch(TIMELINE_SCRIPT, /`|\$\{/);
  });

  test("the script type-checks as browser JavaScript (tsc, checkJs, the DOM's types)", () => {
    // Loose about implicit any (it is JavaScript), strict about the rest: an unknown name, a DOM method that does
    // not exist, a call with the wrong arguments.
    const dir = mkdtempSync(join(folder, "page-js-"));
    writeFileSync(join(dir, "page.js"), TIMELINE_SCRIPT);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          allowJs: true,
          checkJs: true,
          noEmit: true,
          target: "ES2022",
          lib: ["ES2022", "DOM"],
          types: [],
        },
        files: ["page.js"],
      }),
    );
    const r = spawnSync(process.execPath, [TSC, "-p", dir], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
