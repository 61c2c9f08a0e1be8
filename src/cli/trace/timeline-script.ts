// The timeline page's script, as the text the page embeds (the page is one file
// and may load nothing, so the script cannot be a module of its own). It draws on
// one canvas the lanes in view only, so 10,000 tasks cost what 50 do once the data
// is parsed. Names and labels reach the page only through canvas text and
// `textContent`, never as markup. `window.aioTimeline` is the page's state for
// tests and for a curious user's console.
//
// It is plain browser JavaScript (JSDoc casts where the DOM's types need them):
// test/cli/trace-command.test.ts type-checks it with tsc against the DOM's types,
// and test/cli/trace-timeline.test.ts drives it in a real Chromium.
export const TIMELINE_SCRIPT = String.raw`
"use strict";
(function () {
  var M = JSON.parse(document.getElementById("aio-data").textContent);
  var NAME_W = 240, AXIS_H = 26, LANE_H = 20, MIN_SPAN = 0.001;
  var OUTCOME_COLORS = ["#2ca02c", "#d62728", "#ff7f0e", null];
  var OUTCOME_GLYPHS = ["\u2713", "\u2717", "\u2298", "\u2026"];
  var tasks = M.tasks, waits = M.waits, cancels = M.cancels, groups = M.groups;
  var n = tasks.length;

  // Per lane, where its rows start in the (lane-sorted) row arrays: lane i owns [first[i], first[i + 1]).
  function firsts(rows) {
    var first = new Int32Array(n + 1), r = 0;
    for (var i = 0; i <= n; i++) {
      while (r < rows.length && rows[r][0] < i) r++;
      first[i] = r;
    }
    return first;
  }
  var waitFirst = firsts(waits), cancelFirst = firsts(cancels), groupFirst = firsts(groups);

  var view = document.getElementById("view");
  var canvas = /** @type {HTMLCanvasElement} */ (document.getElementById("canvas"));
  var spacer = document.getElementById("spacer");
  var tip = document.getElementById("tip");
  var ctx = canvas.getContext("2d");
  var width = 0, height = 0, dpr = 1;
  // The time in view: [start, start + span], µs from the trace's first event.
  var start = 0, span = 1;

  function fmt(us, digits) {
    var a = Math.abs(us);
    if (a >= 1e6) return (us / 1e6).toFixed(digits) + " s";
    if (a >= 1e3) return (us / 1e3).toFixed(digits) + " ms";
    return Number(us.toFixed(1)) + " \u00b5s";
  }
  function scale() { return (width - NAME_W) / span; }
  function xOf(t) { return NAME_W + (t - start) * scale(); }
  function tOf(x) { return start + (x - NAME_W) / scale(); }
  // The lanes shown, top to bottom (all of them unless a filter is typed), and each lane's row (-1: hidden).
  var rows = new Int32Array(n), rowOf = new Int32Array(n), rowCount = n;
  for (var li = 0; li < n; li++) rows[li] = rowOf[li] = li;
  function rowTop(r) { return AXIS_H + r * LANE_H - view.scrollTop; }

  // ── Header and legend ──
  document.title = M.source + ": aio timeline";
  document.getElementById("title").textContent = M.source;
  var summary = n + (n === 1 ? " task, " : " tasks, ") + waits.length + (waits.length === 1 ? " wait, " : " waits, ") +
    cancels.length + (cancels.length === 1 ? " cancel" : " cancels") + " \u00b7 " + fmt(M.span, 3);
  if (M.clock) summary += " \u00b7 " + M.clock + " clock";
  if (M.aio) summary += " \u00b7 aio " + M.aio;
  if (M.ignored) summary += " \u00b7 " + M.ignored + " other events not shown";
  document.getElementById("summary").textContent = summary;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "Timeline of " + summary);
  var legend = document.getElementById("legend");
  function legendItem(cls, color, label) {
    var item = document.createElement("span");
    item.className = "item";
    var sw = document.createElement("i");
    if (cls) sw.className = cls;
    if (color) sw.style.background = color;
    item.appendChild(sw);
    item.appendChild(document.createTextNode(label));
    legend.appendChild(item);
  }
  var used = new Set(waits.map(function (w) { return w[3]; }));
  M.kinds.forEach(function (kind, k) { if (used.has(k)) legendItem("", M.colors[k], kind); });
  legendItem("life", "", "task alive, not waiting");
  legendItem("cancel", "", "cancel requested");
  legendItem("group", "", "task group");
  legendItem("", OUTCOME_COLORS[1], "ended by an error");
  legendItem("", OUTCOME_COLORS[2], "ended cancelled");
  if (n === 0) {
    var empty = document.createElement("div");
    empty.id = "empty";
    empty.textContent = "This trace holds no aio task.";
    view.replaceWith(empty);
  }

  // ── Drawing ──
  var pending = false;
  function redraw() {
    if (!pending) {
      pending = true;
      requestAnimationFrame(function () { pending = false; draw(); });
    }
  }
  function resize() {
    dpr = window.devicePixelRatio || 1;
    width = Math.max(NAME_W + 100, view.clientWidth);
    height = Math.max(AXIS_H + LANE_H, view.clientHeight);
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    spacer.style.height = Math.max(0, AXIS_H + rowCount * LANE_H + LANE_H - height) + "px";
    draw();
  }
  function tickStep() {
    var raw = span / Math.max(1, (width - NAME_W) / 110), p = Math.pow(10, Math.floor(Math.log10(raw)));
    var m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  function draw() {
    var k = scale(), top = view.scrollTop;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    var first = Math.max(0, Math.floor(top / LANE_H)), last = Math.min(rowCount - 1, Math.floor((top + height - AXIS_H) / LANE_H));
    var step = tickStep(), t = Math.ceil(start / step) * step;
    // Grid, then lanes over it.
    ctx.fillStyle = "#eee";
    for (var g = t; g <= start + span; g += step) ctx.fillRect(Math.round(xOf(g)), AXIS_H, 1, height - AXIS_H);
    ctx.save();
    ctx.beginPath();
    ctx.rect(NAME_W, AXIS_H, width - NAME_W, height - AXIS_H);
    ctx.clip();
    for (var r = first; r <= last; r++) drawLane(rows[r], rowTop(r), k, r % 2 === 1);
    ctx.restore();
    drawNames(first, last);
    drawAxis(step, t);
    api.frames++;
  }
  function clampX(x) { return Math.max(NAME_W - 2, Math.min(width + 2, x)); }
  function drawLane(i, y, k, striped) {
    var row = tasks[i];
    if (striped) { ctx.fillStyle = "#f7f7f9"; ctx.fillRect(NAME_W, y, width - NAME_W, LANE_H); }
    var x0 = clampX(xOf(row[2])), x1 = clampX(xOf(row[3]));
    ctx.fillStyle = "#d9d9d9";
    ctx.fillRect(x0, y + 6, Math.max(1, x1 - x0), LANE_H - 12);
    var end = OUTCOME_COLORS[row[4]];
    if (end) { ctx.fillStyle = end; ctx.fillRect(x1 - 1, y + 2, 3, LANE_H - 4); }
    // Waits: inner ones drawn thinner over outer ones. Runs of waits under a pixel wide are drawn once per pixel.
    var lastPx = -1, lastLevel = -1, tMin = tOf(NAME_W - 2), tMax = tOf(width + 2);
    for (var wi = waitFirst[i]; wi < waitFirst[i + 1]; wi++) {
      var w = waits[wi];
      if (w[1] > tMax || w[1] + w[2] < tMin) continue;
      var a = clampX(xOf(w[1])), b = clampX(xOf(w[1] + w[2])), level = Math.min(w[5], 3);
      if (b - a < 1) {
        var px = Math.floor(a);
        if (px === lastPx && level === lastLevel) continue;
        lastPx = px;
        lastLevel = level;
      }
      var inset = 2 + level * 3;
      ctx.fillStyle = M.colors[w[3]];
      ctx.fillRect(a, y + inset, Math.max(1, b - a), LANE_H - 2 * inset);
    }
    for (var gi = groupFirst[i]; gi < groupFirst[i + 1]; gi++) {
      var gr = groups[gi], g0 = clampX(xOf(gr[1])), g1 = clampX(xOf(gr[1] + gr[2]));
      ctx.fillStyle = "#333";
      ctx.fillRect(g0, y + LANE_H - 3, Math.max(1, g1 - g0), 2);
      ctx.fillRect(g0, y + LANE_H - 8, 2, 6);
      ctx.fillRect(g1 - 2, y + LANE_H - 8, 2, 6);
    }
    for (var ci = cancelFirst[i]; ci < cancelFirst[i + 1]; ci++) {
      var cx = xOf(cancels[ci][1]);
      if (cx < NAME_W - 6 || cx > width + 6) continue;
      ctx.fillStyle = "#d62728";
      ctx.beginPath();
      ctx.moveTo(cx - 5, y);
      ctx.lineTo(cx + 5, y);
      ctx.lineTo(cx, y + 9);
      ctx.closePath();
      ctx.fill();
    }
  }
  function drawNames(first, last) {
    ctx.fillStyle = "#fafafa";
    ctx.fillRect(0, AXIS_H, NAME_W, height - AXIS_H);
    ctx.fillStyle = "#ddd";
    ctx.fillRect(NAME_W - 1, 0, 1, height);
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, AXIS_H, NAME_W - 4, height - AXIS_H);
    ctx.clip();
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    for (var r = first; r <= last; r++) {
      var row = tasks[rows[r]], y = rowTop(r) + LANE_H / 2, x = 6 + Math.min(row[7], 16) * 10;
      ctx.fillStyle = OUTCOME_COLORS[row[4]] || "#888";
      ctx.fillText(OUTCOME_GLYPHS[row[4]], x, y);
      x += 14;
      ctx.fillStyle = "#222";
      ctx.fillText(row[1], x, y);
      x += ctx.measureText(row[1]).width + 5;
      ctx.fillStyle = "#999";
      ctx.fillText("#" + row[0], x, y);
    }
    ctx.restore();
  }
  function drawAxis(step, t) {
    ctx.fillStyle = "#fafafa";
    ctx.fillRect(0, 0, width, AXIS_H);
    ctx.fillStyle = "#ccc";
    ctx.fillRect(0, AXIS_H - 1, width, 1);
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    ctx.fillStyle = "#555";
    ctx.fillText((rowCount < n ? rowCount + " of " : "") + n + (n === 1 ? " task" : " tasks"), 6, AXIS_H / 2);
    for (; t <= start + span; t += step) {
      var x = Math.round(xOf(t));
      if (x < NAME_W) continue;
      // As many decimals as the step needs in the label's own unit: 1.5 s, 250 ms, 12 µs.
      var a = Math.abs(t), unit = a >= 1e6 ? 1e6 : a >= 1e3 ? 1e3 : 1;
      var digits = Math.max(0, Math.ceil(-Math.log10(step / unit) - 1e-9));
      ctx.fillStyle = "#999";
      ctx.fillRect(x, AXIS_H - 6, 1, 5);
      ctx.fillStyle = "#333";
      ctx.fillText(Math.abs(t) < step / 1e6 ? "0" : fmt(t, digits), x + 3, AXIS_H / 2 - 1);
    }
  }

  // ── Zoom and pan ──
  function setView(s, sp) {
    sp = Math.max(MIN_SPAN, Math.min(sp, Math.max(M.span, 1) * 4));
    var pad = sp * 0.9;
    start = Math.max(-pad, Math.min(s, M.span + pad - sp));
    span = sp;
    redraw();
  }
  function zoom(factor, x) {
    var at = x === undefined ? start + span / 2 : tOf(x), sp = span / factor;
    setView(at - (at - start) / factor, sp);
  }
  function fit() {
    var sp = Math.max(M.span, 1);
    setView(-sp * 0.01, sp * 1.02);
  }
  document.getElementById("zoom-in").addEventListener("click", function () { zoom(2); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(0.5); });
  document.getElementById("zoom-fit").addEventListener("click", fit);
  view.addEventListener("scroll", redraw);
  canvas.addEventListener("wheel", function (e) {
    var dx = e.deltaX, dy = e.deltaY;
    if (e.deltaMode === 1) { dx *= 16; dy *= 16; }
    var rect = canvas.getBoundingClientRect();
    // Over the lanes the wheel scrolls them, as on any page; over the time axis, or with a modifier, it zooms.
    if (e.ctrlKey || e.metaKey || e.altKey || e.clientY - rect.top < AXIS_H) {
      e.preventDefault();
      zoom(Math.pow(2, -dy / 300), Math.max(NAME_W, e.clientX - rect.left));
    } else if (e.shiftKey || Math.abs(dx) > Math.abs(dy)) {
      e.preventDefault();
      setView(start + (e.shiftKey && dx === 0 ? dy : dx) / scale(), span);
    }
  }, { passive: false });
  var drag = null;
  canvas.addEventListener("mousedown", function (e) {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, start: start, top: view.scrollTop };
    canvas.classList.add("dragging");
    e.preventDefault();
  });
  window.addEventListener("mousemove", function (e) {
    if (drag) {
      setView(drag.start - (e.clientX - drag.x) / scale(), span);
      view.scrollTop = drag.top - (e.clientY - drag.y);
      hideTip();
    }
  });
  window.addEventListener("mouseup", function () { drag = null; canvas.classList.remove("dragging"); });
  window.addEventListener("keydown", function (e) {
    if (e.target === filter || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "+" || e.key === "=") zoom(2);
    else if (e.key === "-" || e.key === "_") zoom(0.5);
    else if (e.key === "0") fit();
    else if (e.key === "ArrowLeft") setView(start - span / 10, span);
    else if (e.key === "ArrowRight") setView(start + span / 10, span);
    else return;
    e.preventDefault();
  });
  window.addEventListener("resize", resize);

  // ── Filter ──
  // Lanes whose "name #id" holds the typed text, ignoring case; the tree's indentation stays as it was.
  var filter = /** @type {HTMLInputElement} */ (document.getElementById("filter"));
  function setFilter(text) {
    var needle = text.trim().toLowerCase();
    rowCount = 0;
    for (var i = 0; i < n; i++) {
      var shown = needle === "" || (tasks[i][1] + " #" + tasks[i][0]).toLowerCase().indexOf(needle) >= 0;
      rowOf[i] = shown ? rowCount : -1;
      if (shown) rows[rowCount++] = i;
    }
    api.rows = rowCount;
    hideTip();
    view.scrollTop = 0;
    resize();
  }
  filter.addEventListener("input", function () { setFilter(filter.value); });

  // ── Hover ──
  // What is under a point of the canvas: the innermost wait, else a cancel mark, else the task.
  function hit(x, y) {
    if (y < AXIS_H) return null;
    var r = Math.floor((y - AXIS_H + view.scrollTop) / LANE_H);
    if (r < 0 || r >= rowCount) return null;
    var i = rows[r];
    if (x < NAME_W) return { type: "task", lane: i };
    // A cancel mark is drawn over the waits, and so wins over them.
    for (var ci = cancelFirst[i]; ci < cancelFirst[i + 1]; ci++) {
      if (Math.abs(xOf(cancels[ci][1]) - x) <= 5 && y - rowTop(r) <= 10) return { type: "cancel", lane: i, index: ci };
    }
    var t = tOf(x), slack = 3 / scale(), best = -1;
    for (var wi = waitFirst[i]; wi < waitFirst[i + 1]; wi++) {
      var w = waits[wi];
      if (w[1] - slack <= t && t <= w[1] + w[2] + slack && (best < 0 || w[5] >= waits[best][5])) best = wi;
    }
    if (best >= 0) return { type: "wait", lane: i, index: best };
    var row = tasks[i];
    if (t >= row[2] - slack && t <= row[3] + slack) return { type: "task", lane: i };
    return null;
  }
  function line(label, value) {
    tip.appendChild(document.createTextNode(label + ": " + value + "\n"));
  }
  function taskLine(i) {
    return tasks[i][1] + " #" + tasks[i][0];
  }
  function showTip(h, cx, cy) {
    tip.textContent = "";
    var title = document.createElement("b"), row = tasks[h.lane];
    if (h.type === "wait") {
      var w = waits[h.index];
      title.textContent = M.labels[w[4]];
      tip.appendChild(title);
      line("kind", M.kinds[w[3]]);
      line("task", taskLine(h.lane));
      line("start", fmt(w[1], 3));
      line("duration", fmt(w[2], 3));
    } else if (h.type === "cancel") {
      var c = cancels[h.index];
      title.textContent = "cancel requested";
      tip.appendChild(title);
      line("task", taskLine(h.lane));
      line("at", fmt(c[1], 3));
      if (c[2] !== null) line("message", c[2]);
    } else {
      title.textContent = taskLine(h.lane);
      tip.appendChild(title);
      line("outcome", M.outcomes[row[4]] === "running" ? "still running at the end of the trace" : M.outcomes[row[4]]);
      if (row[5] !== null) line("error", row[5]);
      if (row[6] >= 0) line("parent", taskLine(row[6]));
      line("start", fmt(row[2], 3));
      line("lifetime", fmt(row[3] - row[2], 3));
      var count = waitFirst[h.lane + 1] - waitFirst[h.lane];
      line("waits", String(count));
      for (var gi = groupFirst[h.lane]; gi < groupFirst[h.lane + 1]; gi++) {
        var gr = groups[gi];
        line("task group", fmt(gr[1], 3) + " for " + fmt(gr[2], 3) + (gr[3] === null ? "" : ", " + gr[3] + " children"));
      }
    }
    tip.style.display = "block";
    var r = tip.getBoundingClientRect();
    tip.style.left = Math.max(0, Math.min(cx + 14, window.innerWidth - r.width - 4)) + "px";
    tip.style.top = Math.max(0, cy + 16 + r.height > window.innerHeight ? cy - r.height - 8 : cy + 16) + "px";
    api.hovered = h;
  }
  function hideTip() { tip.style.display = "none"; api.hovered = null; }
  canvas.addEventListener("mousemove", function (e) {
    if (drag) return;
    var rect = canvas.getBoundingClientRect(), h = hit(e.clientX - rect.left, e.clientY - rect.top);
    if (h) showTip(h, e.clientX, e.clientY); else hideTip();
  });
  canvas.addEventListener("mouseleave", hideTip);

  // ── For tests and the console ──
  var api = window["aioTimeline"] = {
    lanes: n,
    rows: n,
    layout: { nameWidth: NAME_W, axisHeight: AXIS_H, laneHeight: LANE_H },
    frames: 0,
    hovered: null,
    ready: false,
    readyAt: 0,
    view: function () { return { start: start, span: span }; },
    // The client point at the middle of wait i (after scrolling its lane into view), or null if it is out of view.
    waitPoint: function (wi) {
      var w = waits[wi], lane = w[0];
      var r = rowOf[lane];
      if (r < 0) return null;
      var y = rowTop(r);
      if (y < AXIS_H || y + LANE_H > height) { view.scrollTop = r * LANE_H; draw(); y = rowTop(r); }
      var a = Math.max(NAME_W, xOf(w[1])), b = Math.min(width, xOf(w[1] + w[2]));
      if (b < a) return null;
      var rect = canvas.getBoundingClientRect();
      return { x: rect.left + (a + b) / 2, y: rect.top + y + LANE_H / 2 };
    },
    zoom: zoom,
    fit: fit,
  };
  if (n > 0) {
    fit();
    resize();
  }
  api.ready = true;
  api.readyAt = performance.now();
})();
`;
