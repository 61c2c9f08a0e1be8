// The timeline page: one self-contained HTML file. Its style and script are inline
// and allowed by their hashes in a Content-Security-Policy that forbids everything
// else (no network, no other script, no inline handler), so a task named
// `<img src=x onerror=...>` could not run even if it reached the markup; it does
// not, as the data travels as JSON with `<`, `>` and `&` escaped.
import { createHash } from "node:crypto";
import { basename } from "node:path";
import { TIMELINE_SCRIPT } from "./timeline-script.ts";
import type { TimelineModel } from "./trace-file.ts";

/** One colour per wait kind, in `WAIT_KINDS` order (Tableau's palettes; red is kept for errors and cancels). */
export const KIND_COLORS: readonly string[] = [
  "#4e79a7", // sleep
  "#f28e2b", // task
  "#76b7b2", // future
  "#59a14f", // gather
  "#edc948", // taskgroup
  "#b07aa1", // timeout
  "#ff9da7", // shield
  "#9c755f", // queue
  "#499894", // lock
  "#86bcb6", // semaphore
  "#d4a6c8", // event
  "#a0cbe8", // condition
  "#ffbe7d", // barrier
  "#8cd17d", // limiter
  "#17becf", // http
  "#d37295", // stream
  "#9d7660", // process
  "#bab0ac", // other
];

const STYLE = `
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { display: flex; flex-direction: column; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; background: #fff; }
header { padding: 6px 10px; border-bottom: 1px solid #ddd; background: #fafafa; }
h1 { font-size: 14px; margin: 0 12px 0 0; display: inline; }
#summary { color: #555; }
#controls { float: right; }
#controls button { font: inherit; min-width: 28px; margin-left: 4px; padding: 1px 8px; border: 1px solid #bbb; border-radius: 3px; background: #fff; cursor: pointer; }
#controls button:hover { background: #eef; }
#filter { font: inherit; width: 220px; padding: 1px 6px; border: 1px solid #bbb; border-radius: 3px; }
#hint { float: right; color: #777; }
#legend { margin-top: 4px; font-size: 12px; color: #333; }
#legend span.item { display: inline-block; margin-right: 12px; white-space: nowrap; }
#legend i { display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: -1px; border: 1px solid rgba(0,0,0,.15); }
#legend i.cancel { border: 0; width: 0; height: 0; border-left: 5px solid transparent; border-right: 5px solid transparent; border-top: 9px solid #d62728; }
#legend i.group { height: 4px; border: 0; border-top: 2px solid #333; border-left: 2px solid #333; border-right: 2px solid #333; }
#legend i.life { background: #d9d9d9; }
#view { position: relative; flex: 1; overflow-y: auto; overflow-x: hidden; }
#canvas { position: sticky; top: 0; display: block; cursor: grab; }
#canvas.dragging { cursor: grabbing; }
#empty { padding: 40px; color: #777; }
#tip { position: fixed; display: none; max-width: 480px; padding: 6px 8px; background: #222; color: #fff; border-radius: 4px; font-size: 12px; pointer-events: none; white-space: pre-wrap; word-break: break-word; z-index: 10; }
#tip b { display: block; margin-bottom: 2px; }
`;

/** `<`, `>` and `&` as JSON escapes: the JSON cannot close its script element, open a comment or name an entity. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const sha256 = (s: string): string => `'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`;

/** The page for a model. */
export function timelineHtml(model: TimelineModel): string {
  const data = jsonForScript({ ...model, source: basename(model.source), colors: KIND_COLORS });
  // The data element is not a script the browser runs, so the policy needs only the code's hash.
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(TIMELINE_SCRIPT)}`,
    `style-src ${sha256(STYLE)}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(basename(model.source))}: aio timeline</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<span id="controls"><input id="filter" type="search" placeholder="filter tasks: name or #id" aria-label="Show only the tasks whose name or #id holds this text"><button id="zoom-out" title="Zoom out (-)">&minus;</button><button id="zoom-in" title="Zoom in (+)">+</button><button id="zoom-fit" title="Show everything (0)">fit</button></span>
<h1 id="title"></h1><span id="summary"></span>
<div id="legend"><span id="hint">wheel: scroll &middot; wheel on the axis, ctrl/alt + wheel, +/&minus;: zoom &middot; shift + wheel, drag, &larr;/&rarr;: pan &middot; hover: details</span></div>
</header>
<div id="view"><canvas id="canvas"></canvas><div id="spacer"></div></div>
<div id="tip" role="tooltip"></div>
<script type="application/json" id="aio-data">${data}</script>
<script>${TIMELINE_SCRIPT}</script>
</body>
</html>
`;
}
