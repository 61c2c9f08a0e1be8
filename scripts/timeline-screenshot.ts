// Remakes docs/images/timeline.png, the README's picture of `aio trace`'s page:
// records scripts/timeline-demo.ts with AIO_TRACE (or takes the trace given with
// --trace), draws it with `aio trace`, opens the page in headless Chromium
// (scripts/ensure-chromium.sh installs it) with the pointer over the longest wait
// of worker-2, and saves a screenshot.
//
//   NODE_OPTIONS=--conditions=aio-ts-source node scripts/timeline-screenshot.ts [--trace FILE.json]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Browser } from "../test/cli/chromium.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "docs/images/timeline.png");
const work = mkdtempSync(join(tmpdir(), "aio-timeline-shot-"));
const given = process.argv.indexOf("--trace");
const trace = given < 0 ? join(work, "crawler.json") : (process.argv[given + 1] ?? "");
const page = join(work, "crawler.html");

function step(what: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  console.log(`timeline-screenshot: ${what}`);
  const r = spawnSync(process.execPath, args, { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal})`);
}

try {
  if (given < 0) {
    step("recording scripts/timeline-demo.ts", ["scripts/timeline-demo.ts"], { ...process.env, AIO_TRACE: trace });
    if (!existsSync(trace)) throw new Error(`the run wrote no trace to ${trace}: does run() read AIO_TRACE here?`);
  }
  step(`drawing ${trace}`, ["bin/aio.js", "trace", trace, "-o", page]);
  console.log("timeline-screenshot: taking the screenshot");
  const browser = await Browser.launch();
  try {
    const tab = await browser.newPage(1000, 340);
    await tab.navigate(pathToFileURL(page).href);
    const point = await tab.evaluate<{ x: number; y: number } | null>(`(() => {
      const data = JSON.parse(document.getElementById("aio-data").textContent);
      const lane = data.tasks.findIndex((t) => t[1] === "worker-2");
      let best = -1;
      data.waits.forEach((w, i) => { if (w[0] === lane && (best < 0 || w[2] > data.waits[best][2])) best = i; });
      return best < 0 ? null : window.aioTimeline.waitPoint(best);
    })()`);
    if (point !== null) await tab.mouse("mouseMoved", point.x, point.y);
    writeFileSync(out, await tab.screenshotPng());
  } finally {
    await browser.close();
  }
  console.log(`timeline-screenshot: wrote ${out}`);
} catch (error) {
  console.error(`timeline-screenshot: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
