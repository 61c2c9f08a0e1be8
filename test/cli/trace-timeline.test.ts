// `aio trace`'s page in a real headless Chromium (Debian's, installed by
// scripts/ensure-chromium.sh when missing): the CLI is spawned as a user runs it,
// the page is opened from disk, and what it draws is read back from screenshots.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { KIND_COLORS } from "../../src/cli/trace/timeline-html.ts";
import { WAIT_KINDS } from "../../src/cli/trace/trace-file.ts";
import { Browser, countColor, type Image, type Page } from "./chromium.ts";
import { BIN } from "./fetch-helpers.ts";

const CRAWL = fileURLToPath(new URL("../fixtures/traces/crawl.json", import.meta.url));
const BREAKFAST = fileURLToPath(new URL("../fixtures/breakfast-virtual.ts", import.meta.url));
const WIDTH = 1000;
const HEIGHT = 600;

const color = (kind: (typeof WAIT_KINDS)[number]): string => KIND_COLORS[WAIT_KINDS.indexOf(kind)] as string;

/** Runs `aio trace ARGS` to its end. */
function aioTrace(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, "trace", ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Layout {
  /** Client y of lane 0's top. */
  lanesTop: number;
  nameWidth: number;
  laneHeight: number;
  lanes: number;
}

/** Renders `trace` with the CLI into `folder` and opens the page; returns the page's layout. */
async function open(page: Page, folder: string, trace: string): Promise<Layout> {
  const out = join(folder, `${Math.random().toString(36).slice(2)}.html`);
  const r = aioTrace([trace, "-o", out]);
  assert.equal(r.code, 0, r.stderr);
  await page.navigate(pathToFileURL(out).href);
  return page.evaluate<Layout>(`(() => {
    const t = window.aioTimeline, c = document.getElementById("canvas").getBoundingClientRect();
    return { lanesTop: c.top + t.layout.axisHeight, nameWidth: t.layout.nameWidth, laneHeight: t.layout.laneHeight, lanes: t.lanes };
  })()`);
}

/** The timeline part of lane `i`'s row. */
function laneBox(layout: Layout, i: number) {
  return {
    x: layout.nameWidth,
    y: layout.lanesTop + i * layout.laneHeight,
    width: WIDTH - layout.nameWidth,
    height: layout.laneHeight,
  };
}

/** How many pixels of each wait kind's colour the rectangle holds, for the kinds with any. */
function kindsIn(image: Image, box: { x: number; y: number; width: number; height: number }): Record<string, number> {
  const found: Record<string, number> = {};
  for (const kind of WAIT_KINDS) {
    const n = countColor(image, color(kind), box);
    if (n > 0) found[kind] = n;
  }
  return found;
}

describe("aio trace's timeline page in Chromium", () => {
  let browser: Browser;
  let folder: string;
  before(async () => {
    folder = mkdtempSync(join(tmpdir(), "aio-timeline-test-"));
    browser = await Browser.launch();
  });
  after(async () => {
    await browser?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test("draws one lane per task, in spawn order under its parent, each wait in its kind's colour", async () => {
    const page = await browser.newPage(WIDTH, HEIGHT);
    const layout = await open(page, folder, CRAWL);
    assert.equal(layout.lanes, 6);
    assert.match(
      await page.evaluate<string>(`document.getElementById("summary").textContent`),
      /^6 tasks, 8 waits, 1 cancel/,
    );
    // Nothing blocked by the page's own policy (its style and script match their hashes), nothing thrown.
    assert.deepEqual(page.log, []);
    const shot = await page.screenshot();
    // Lane order: main, then its children by spawn, fetch-1's child right under fetch-1.
    const expected: Record<string, string>[] = [
      { taskgroup: "main" },
      { queue: "producer" },
      { timeout: "fetch-1", http: "fetch-1" },
      { stream: "writer" },
      { lock: "fetch-2", http: "fetch-2" },
      { sleep: "fetch-3" },
    ];
    for (const [i, kinds] of expected.entries()) {
      const found = kindsIn(shot, laneBox(layout, i));
      assert.deepEqual(Object.keys(found).sort(), Object.keys(kinds).sort(), `lane ${i} (${Object.values(kinds)[0]})`);
      // A wait of 170 ms in 5 s is about 25 px wide, by the lane's height: far more than a stray pixel.
      for (const [kind, n] of Object.entries(found)) assert.ok(n >= 100, `lane ${i}: only ${n} pixels of ${kind}`);
    }
    // Below the last lane, nothing.
    assert.deepEqual(kindsIn(shot, { ...laneBox(layout, 6), height: 5 * layout.laneHeight }), {});
    // The lifetime bar of a task that waited only part of its life shows in its lane (producer's, after its put).
    assert.ok(countColor(shot, "#d9d9d9", laneBox(layout, 1)) > 100);
    // The cancel mark on fetch-3.
    assert.ok(countColor(shot, "#d62728", laneBox(layout, 5)) > 10);
  });

  test("the screenshot check fails on a blank page", async () => {
    const page = await browser.newPage(WIDTH, HEIGHT);
    const layout = await open(page, folder, CRAWL);
    // The same page with its canvas cleared: what a script that threw before drawing would leave.
    await page.evaluate(
      `(() => { const c = document.getElementById("canvas"); c.getContext("2d").clearRect(0, 0, c.width, c.height); })()`,
    );
    const shot = await page.screenshot();
    for (let i = 0; i < layout.lanes; i++) assert.deepEqual(kindsIn(shot, laneBox(layout, i)), {});
  });

  test("hovering a wait shows its label, kind, task, start and duration", async () => {
    const page = await browser.newPage(WIDTH, HEIGHT);
    await open(page, folder, CRAWL);
    const waits = await page.evaluate<[number, number, number, number, number, number][]>(
      `JSON.parse(document.getElementById("aio-data").textContent).waits`,
    );
    // The inner HTTP wait of fetch-1 (lane 2), drawn over its timeout.
    const index = waits.findIndex((w) => w[0] === 2 && w[5] === 1);
    const point = await page.evaluate<{ x: number; y: number }>(`window.aioTimeline.waitPoint(${index})`);
    await page.mouse("mouseMoved", point.x, point.y);
    const tip = await page.evaluate<{ text: string; display: string }>(
      `(() => { const t = document.getElementById("tip"); return { text: t.textContent, display: getComputedStyle(t).display }; })()`,
    );
    assert.equal(tip.display, "block");
    assert.equal(
      tip.text,
      "HTTP GET http://127.0.0.1:8080/delay/2" + "kind: http\ntask: fetch-1 #3\nstart: 250 µs\nduration: 2.100 s\n",
    );
    // Over the cancel mark: the cancel's message.
    const layout = await page.evaluate<{ x: number; y: number }>(`(() => {
      const t = window.aioTimeline, c = document.getElementById("canvas").getBoundingClientRect();
      const data = JSON.parse(document.getElementById("aio-data").textContent);
      const v = t.view(), x = t.layout.nameWidth + (data.cancels[0][1] - v.start) * (c.width - t.layout.nameWidth) / v.span;
      return { x: c.left + x, y: c.top + t.layout.axisHeight + 5 * t.layout.laneHeight + 3 };
    })()`);
    await page.mouse("mouseMoved", layout.x, layout.y);
    assert.match(
      await page.evaluate<string>(`document.getElementById("tip").textContent`),
      /^cancel requested.*message: a sibling failed/s,
    );
    // Off every lane, the tip goes.
    await page.mouse("mouseMoved", WIDTH / 2, HEIGHT - 5);
    assert.equal(await page.evaluate<string>(`getComputedStyle(document.getElementById("tip")).display`), "none");
  });

  test("the buttons, the wheel over the axis and ctrl + wheel zoom, keeping the time under the pointer; dragging pans", async () => {
    const page = await browser.newPage(WIDTH, HEIGHT);
    const layout = await open(page, folder, CRAWL);
    const view = () => page.evaluate<{ start: number; span: number }>("window.aioTimeline.view()");
    const center = (id: string) =>
      page.evaluate<{ x: number; y: number }>(
        `(() => { const r = document.getElementById("${id}").getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; })()`,
      );
    const fitted = await view();
    const zoomIn = await center("zoom-in");
    await page.click(zoomIn.x, zoomIn.y);
    assert.equal((await view()).span, fitted.span / 2);
    const zoomFit = await center("zoom-fit");
    await page.click(zoomFit.x, zoomFit.y);
    assert.deepEqual(await view(), fitted);

    // Ctrl + wheel at x: 4x closer, and the time at x stays at x.
    const x = layout.nameWidth + 300;
    const y = layout.lanesTop + 2;
    const timeAt = (v: { start: number; span: number }) =>
      v.start + ((x - layout.nameWidth) * v.span) / (WIDTH - layout.nameWidth);
    await page.wheel(x, y, 0, -600, 2 /* ctrl */);
    const zoomed = await view();
    assert.ok(Math.abs(zoomed.span - fitted.span / 4) < 1e-6, `span ${zoomed.span}`);
    assert.ok(Math.abs(timeAt(zoomed) - timeAt(fitted)) < 1e-3);

    // A plain wheel over the lanes scrolls them (there is nothing to scroll here), over the axis it zooms.
    await page.wheel(x, y, 0, -300);
    assert.deepEqual(await view(), zoomed);
    await page.wheel(x, layout.lanesTop - 10, 0, 300);
    assert.ok(Math.abs((await view()).span - zoomed.span * 2) < 1e-6);
    await page.wheel(x, layout.lanesTop - 10, 0, -300);
    assert.ok(Math.abs((await view()).span - zoomed.span) < 1e-6);

    // Dragging 200 px to the right shows what was 200 px to the left.
    await page.mouse("mouseMoved", x, y);
    await page.mouse("mousePressed", x, y);
    await page.mouse("mouseMoved", x + 200, y, { buttons: 1 });
    await page.mouse("mouseReleased", x + 200, y);
    const panned = await view();
    const perPixel = zoomed.span / (WIDTH - layout.nameWidth);
    assert.ok(Math.abs(panned.start - (zoomed.start - 200 * perPixel)) < 1e-3, `start ${panned.start}`);
  });

  test("typing in the filter shows only the matching lanes, in their order; its keys do not zoom", async () => {
    const page = await browser.newPage(WIDTH, HEIGHT);
    const layout = await open(page, folder, CRAWL);
    const before = await page.evaluate<{ start: number; span: number }>("window.aioTimeline.view()");
    const input = await page.evaluate<{ x: number; y: number }>(
      `(() => { const r = document.getElementById("filter").getBoundingClientRect(); return { x: r.left + 20, y: r.top + r.height / 2 }; })()`,
    );
    await page.click(input.x, input.y);
    await page.send("Input.insertText", { text: "FETCH-" });
    for (const key of ["-", "+"]) {
      await page.send("Input.dispatchKeyEvent", { type: "keyDown", key, text: key });
      await page.send("Input.dispatchKeyEvent", { type: "keyUp", key });
    }
    assert.equal(await page.evaluate<string>(`document.getElementById("filter").value`), "FETCH--+");
    await page.evaluate(
      `(() => { const f = document.getElementById("filter"); f.value = "FETCH-"; f.dispatchEvent(new Event("input")); })()`,
    );
    assert.equal(await page.evaluate<number>("window.aioTimeline.rows"), 3);
    assert.deepEqual(await page.evaluate("window.aioTimeline.view()"), before);
    const shot = await page.screenshot();
    const expected = [["http", "timeout"], ["http", "lock"], ["sleep"], []];
    for (const [row, kinds] of expected.entries()) {
      assert.deepEqual(Object.keys(kindsIn(shot, laneBox(layout, row))).sort(), kinds, `row ${row}`);
    }
    // Hover follows the rows: the second row is fetch-2.
    await page.mouse("mouseMoved", 60, layout.lanesTop + 1.5 * layout.laneHeight);
    assert.match(await page.evaluate<string>(`document.getElementById("tip").textContent`), /^fetch-2 #4/);
    // By id, and back to every lane.
    await page.evaluate(
      `(() => { const f = document.getElementById("filter"); f.value = "#6"; f.dispatchEvent(new Event("input")); })()`,
    );
    assert.equal(await page.evaluate<number>("window.aioTimeline.rows"), 1);
    await page.evaluate(
      `(() => { const f = document.getElementById("filter"); f.value = ""; f.dispatchEvent(new Event("input")); })()`,
    );
    assert.equal(await page.evaluate<number>("window.aioTimeline.rows"), 6);
  });

  test("a task named like markup is drawn as text and runs nothing; the page reaches no network", async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end("x");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const evil = `<img src="http://127.0.0.1:${port}/img" onerror="window.pwned = 1">`;
      const closer = `</script><script>window.pwned = 2</script><!--`;
      const trace = join(folder, "evil.json");
      writeFileSync(
        trace,
        JSON.stringify({
          traceEvents: [
            { ph: "M", name: "thread_name", pid: 1, tid: 1, args: { name: evil } },
            { ph: "X", cat: "task", name: evil, pid: 1, tid: 1, ts: 0, dur: 1000, args: { outcome: "result" } },
            {
              ph: "X",
              cat: "wait",
              name: closer,
              pid: 1,
              tid: 1,
              ts: 100,
              dur: 800,
              args: { kind: "sleep", label: closer },
            },
          ],
        }),
      );
      const page = await browser.newPage(WIDTH, HEIGHT);
      const layout = await open(page, folder, trace);
      assert.equal(layout.lanes, 1);
      assert.deepEqual(
        await page.evaluate(
          `({ pwned: window.pwned ?? null, scripts: document.scripts.length, images: document.images.length })`,
        ),
        { pwned: null, scripts: 2, images: 0 },
      );
      // Its name and label come back as plain text.
      await page.mouse("mouseMoved", 60, layout.lanesTop + layout.laneHeight / 2);
      assert.ok((await page.evaluate<string>(`document.getElementById("tip").textContent`)).startsWith(`${evil} #1`));
      const point = await page.evaluate<{ x: number; y: number }>("window.aioTimeline.waitPoint(0)");
      await page.mouse("mouseMoved", point.x, point.y);
      assert.ok(
        (await page.evaluate<string>(`document.getElementById("tip").textContent`)).startsWith(`${closer}kind: sleep`),
      );
      // The page's policy forbids any request: fetch fails, and the server sees nothing.
      const fetched = await page.evaluate<string>(
        `fetch("http://127.0.0.1:${port}/x").then(() => "fetched", (e) => e.name)`,
      );
      assert.equal(fetched, "TypeError");
      assert.equal(requests, 0);
      assert.match(
        page.log.join("\n"),
        /^error \(security\): Connecting to 'http:\/\/127\.0\.0\.1:\d+\/x' violates the following Content Security Policy directive: "default-src 'none'"/,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test("a trace without aio's events gives a page that says so", async () => {
    const trace = join(folder, "foreign.json");
    writeFileSync(
      trace,
      JSON.stringify([
        { ph: "B", name: "x", pid: 1, tid: 1, ts: 0 },
        { ph: "E", pid: 1, tid: 1, ts: 5 },
      ]),
    );
    const page = await browser.newPage(WIDTH, HEIGHT);
    assert.equal(aioTrace([trace, "-o", join(folder, "foreign.html")]).code, 0);
    await page.navigate(pathToFileURL(join(folder, "foreign.html")).href);
    assert.deepEqual(
      await page.evaluate(`({
        summary: document.getElementById("summary").textContent,
        empty: document.getElementById("empty")?.textContent ?? null,
        canvas: document.getElementById("canvas") !== null,
      })`),
      {
        summary: "0 tasks, 0 waits, 0 cancels · 0 µs · 2 other events not shown",
        empty: "This trace holds no aio task.",
        canvas: false,
      },
    );
  });

  test("a trace run() recorded: the seed's breakfast on a VirtualClock, its two sleeps of 3 s and 2 s", async () => {
    const trace = join(folder, "breakfast.json");
    const r = spawnSync(process.execPath, [BREAKFAST], { encoding: "utf8", env: { ...process.env, AIO_TRACE: trace } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "Breakfast: chai + toast\n");
    const page = await browser.newPage(WIDTH, HEIGHT);
    const layout = await open(page, folder, trace);
    assert.equal(layout.lanes, 3);
    assert.match(
      await page.evaluate<string>(`document.getElementById("summary").textContent`),
      /^3 tasks, 3 waits, 0 cancels · 3\.000 s · virtual clock/,
    );
    const sleeps = await page.evaluate<string[]>(`(() => {
        const data = JSON.parse(document.getElementById("aio-data").textContent);
        return data.waits.map((w, i) => [w, i]).filter(([w]) => data.kinds[w[3]] === "sleep").map(([, i]) => i);
      })()`);
    const tips: string[] = [];
    for (const i of sleeps) {
      const point = await page.evaluate<{ x: number; y: number }>(`window.aioTimeline.waitPoint(${i})`);
      await page.mouse("mouseMoved", point.x, point.y);
      tips.push((await page.evaluate<string>(`document.getElementById("tip").textContent`)).replace(/task: .*\n/, ""));
    }
    assert.deepEqual(tips.sort(), [
      "sleep until 2 skind: sleep\nstart: 0 µs\nduration: 2.000 s\n",
      "sleep until 3 skind: sleep\nstart: 0 µs\nduration: 3.000 s\n",
    ]);
  });

  test("10,000 tasks load, and scrolling reaches the last lane", async (t) => {
    const trace = join(folder, "big.json");
    const events: object[] = [
      { ph: "X", cat: "task", name: "main", pid: 1, tid: 1, ts: 0, dur: 60e6, args: { outcome: "result" } },
    ];
    let tid = 2;
    for (let g = 0; g < 99; g++) {
      const group = tid++;
      events.push({
        ph: "X",
        cat: "task",
        name: `worker-${g}`,
        pid: 1,
        tid: group,
        ts: g * 1000,
        dur: 59e6,
        args: { outcome: "result", parent: 1 },
      });
      events.push({
        ph: "X",
        cat: "taskgroup",
        name: "TaskGroup",
        pid: 1,
        tid: group,
        ts: g * 1000 + 10,
        dur: 58e6,
        args: { children: 100 },
      });
      for (let j = 0; j < 100; j++) {
        const id = tid++;
        const ts = g * 1000 + j * 500_000;
        const outcome = j % 10 === 9 ? "cancelled" : "result";
        events.push({
          ph: "X",
          cat: "task",
          name: `job-${g}-${j}`,
          pid: 1,
          tid: id,
          ts,
          dur: 1_000_000,
          args: { outcome, parent: group },
        });
        events.push({
          ph: "X",
          cat: "wait",
          name: "sleep",
          pid: 1,
          tid: id,
          ts: ts + 10,
          dur: 400_000,
          args: { kind: "sleep", label: "sleep 400 ms" },
        });
        events.push({
          ph: "X",
          cat: "wait",
          name: "GET",
          pid: 1,
          tid: id,
          ts: ts + 500_000,
          dur: 490_000,
          args: { kind: "http", label: `HTTP GET http://127.0.0.1:8080/bytes/${j}` },
        });
        if (outcome === "cancelled")
          events.push({ ph: "i", s: "t", cat: "cancel", name: "cancel", pid: 1, tid: id, ts: ts + 990_000, args: {} });
      }
    }
    writeFileSync(trace, JSON.stringify({ traceEvents: events }));
    const page = await browser.newPage(WIDTH, HEIGHT);
    const started = performance.now();
    const layout = await open(page, folder, trace);
    const opened = performance.now() - started;
    assert.equal(layout.lanes, 10_000);
    assert.match(
      await page.evaluate<string>(`document.getElementById("summary").textContent`),
      /^10000 tasks, 19800 waits, 990 cancels/,
    );
    const loadMs = await page.evaluate<number>("window.aioTimeline.readyAt");
    // Measured, not asserted: the machine's load decides these. The page's own clock starts at navigation.
    const html = readdirSync(folder).find((f) => f.endsWith(".html") && statSync(join(folder, f)).size > 1e6) ?? "";
    t.diagnostic(
      `10,000 tasks: trace ${(statSync(trace).size / 1e6).toFixed(1)} MB, page ${(statSync(join(folder, html)).size / 1e6).toFixed(1)} MB; ` +
        `drawn ${loadMs.toFixed(0)} ms after navigation; aio trace + load ${opened.toFixed(0)} ms`,
    );
    // The last job is the last lane; scroll to the end and it is drawn at the bottom.
    await page.evaluate(`document.getElementById("view").scrollTop = 1e9`);
    await page.evaluate("new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))");
    const last = await page.evaluate<{ top: number; name: string }>(`(() => {
      const t = window.aioTimeline, v = document.getElementById("view"), c = document.getElementById("canvas").getBoundingClientRect();
      return { top: c.top + t.layout.axisHeight + 9999 * t.layout.laneHeight - v.scrollTop,
               name: JSON.parse(document.getElementById("aio-data").textContent).tasks[9999][1] };
    })()`);
    assert.equal(last.name, "job-98-99");
    const shot = await page.screenshot();
    assert.ok(last.top + layout.laneHeight <= HEIGHT, `last lane at ${last.top}, below the viewport`);
    const box = {
      x: layout.nameWidth,
      y: Math.round(last.top),
      width: WIDTH - layout.nameWidth,
      height: layout.laneHeight,
    };
    // Zoomed out to 60 s, the job's 1 s is about 12 px: sleep and HTTP both show.
    const found = kindsIn(shot, box);
    assert.ok((found.sleep ?? 0) > 10 && (found.http ?? 0) > 10, JSON.stringify(found));
  });
});
