// bench/chart.svg: each workload's headline ratio to its baseline, one bar per implementation, log scale.
import type { BenchResult } from "./results.ts";
import { fmt } from "./targets.ts";

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function chartSvg(result: BenchResult): string {
  const width = 1040;
  const labelW = 330;
  const plotX = labelW + 10;
  const plotW = width - plotX - 80;
  const barH = 16;
  const rowH = 21;
  const groupGap = 34;
  const rows: { y: number; text: string }[] = [];
  const bars: string[] = [];
  let lo = 1;
  let hi = 1;
  for (const w of result.workloads) {
    for (const i of w.impls) {
      const r = i.summary?.ratio;
      if (r !== undefined && Number.isFinite(r) && r > 0) {
        lo = Math.min(lo, r);
        hi = Math.max(hi, r);
      }
    }
  }
  const minExp = Math.floor(Math.log10(lo));
  const maxExp = Math.ceil(Math.log10(hi));
  const span = Math.max(1, maxExp - minExp);
  const x = (ratio: number): number => plotX + ((Math.log10(ratio) - minExp) / span) * plotW;
  let y = 84;
  for (const w of result.workloads) {
    const head = w.metrics[0];
    const base = w.impls.find((i) => i.id === w.baseline)?.label ?? w.baseline;
    rows.push({
      y: y - 6,
      text: `${w.number}. ${w.title} (N = ${fmt(w.params.n)}) — ${head?.label ?? ""}, ratio to ${base}`,
    });
    y += 8;
    for (const i of w.impls) {
      const r = i.summary?.ratio;
      if (r === undefined || !Number.isFinite(r) || r <= 0) continue;
      const x0 = Math.min(x(1), x(r));
      const x1 = Math.max(x(1), x(r));
      const fill = i.aio ? "#2563eb" : i.id === w.baseline ? "#374151" : i.runtime === "python" ? "#ca8a04" : "#9ca3af";
      bars.push(
        `<text x="${labelW}" y="${y + barH - 4}" text-anchor="end" font-weight="${i.aio ? "bold" : "normal"}">${esc(i.label)}</text>`,
        `<rect x="${x0.toFixed(1)}" y="${y}" width="${Math.max(1.5, x1 - x0).toFixed(1)}" height="${barH}" fill="${fill}"/>`,
        `<text x="${(x1 + 4).toFixed(1)}" y="${y + barH - 4}">${fmt(r, r < 10 ? 2 : 1)}×</text>`,
      );
      y += rowH;
    }
    y += groupGap - rowH + 8;
  }
  const height = y + 20;
  const grid: string[] = [];
  for (let e = minExp; e <= maxExp; e++) {
    for (const k of e < maxExp ? [1, 2, 5] : [1]) {
      const v = k * 10 ** e;
      const gx = x(v).toFixed(1);
      const major = k === 1;
      grid.push(
        `<line x1="${gx}" y1="58" x2="${gx}" y2="${height - 20}" stroke="${v === 1 ? "#111827" : major ? "#d1d5db" : "#f3f4f6"}" stroke-width="${v === 1 ? 1.5 : 1}"/>`,
        `<text x="${gx}" y="54" text-anchor="middle" fill="${major ? "#374151" : "#9ca3af"}">${fmt(v, e < 0 ? -e : 0)}×</text>`,
      );
    }
  }
  const titles = rows.map((r) => `<text x="10" y="${r.y}" font-weight="bold" font-size="13">${esc(r.text)}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<title id="title">aio bench: ratios to the raw-promise baseline, per workload and implementation</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">aio bench: each implementation's median over the raw-promise baseline (log scale; left of 1× is faster or smaller)</text>`,
    `<text x="10" y="37" fill="#6b7280">${esc(`Node ${result.machine.node}, ${result.machine.cpu} x${result.machine.cores}, ${result.machine.date.slice(0, 10)}, ${result.reps} repetitions. Blue: aio; yellow: Python asyncio; grey: other JavaScript.`)}</text>`,
    ...grid,
    ...titles,
    ...bars,
    "</svg>",
    "",
  ].join("\n");
}
