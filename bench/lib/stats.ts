// Medians and spreads over repetitions.
import type { ImplSummary, MetricDef } from "./types.ts";

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Median, min and max of every metric over the runs that succeeded. */
export function summarise(
  id: string,
  label: string,
  runs: readonly Record<string, number>[],
  metrics: readonly MetricDef[],
): Omit<ImplSummary, "ratio"> {
  const out: Omit<ImplSummary, "ratio"> = { id, label, median: {}, min: {}, max: {} };
  for (const m of metrics) {
    const values = runs.map((r) => r[m.key]).filter((v): v is number => typeof v === "number" && !Number.isNaN(v));
    if (values.length === 0) continue;
    out.median[m.key] = median(values);
    out.min[m.key] = Math.min(...values);
    out.max[m.key] = Math.max(...values);
  }
  return out;
}
