// Small builders for the targets of issue 6, so that each workload states them in one line each.
import type { ImplSummary, Target, TargetVerdict } from "./types.ts";

type Get = (id: string) => ImplSummary | undefined;

export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `impl`'s median `metric` is at most `limit`. */
export function atMost(text: string, id: string, metric: string, limit: number, unit: string, digits = 0): Target {
  return {
    text,
    check(get: Get): TargetVerdict | undefined {
      const s = get(id);
      const v = s?.median[metric];
      if (s === undefined || v === undefined) return undefined;
      return { ok: v <= limit, measured: `${s.label}: ${fmt(v, digits)} ${unit}` };
    },
  };
}

/** `impl`'s worst `metric` over all repetitions is at most `limit`. */
export function worstAtMost(text: string, id: string, metric: string, limit: number, unit: string): Target {
  return {
    text,
    check(get: Get): TargetVerdict | undefined {
      const s = get(id);
      const v = s?.max[metric];
      if (s === undefined || v === undefined) return undefined;
      return { ok: v <= limit, measured: `${s.label}: ${fmt(v)} ${unit} (worst of all repetitions)` };
    },
  };
}

/**
 * `other`'s median `metric` divided by `id`'s is at least `factor` (for
 * "Nx faster/smaller than"); factor 1 reads "no worse than".
 */
export function ahead(text: string, id: string, other: string, metric: string, factor: number, digits = 0): Target {
  return {
    text,
    check(get: Get): TargetVerdict | undefined {
      const a = get(id);
      const b = get(other);
      const va = a?.median[metric];
      const vb = b?.median[metric];
      if (a === undefined || b === undefined || va === undefined || vb === undefined) return undefined;
      const ratio = vb / va;
      return {
        ok: ratio >= factor,
        measured: `${a.label} ${fmt(va, digits)} vs ${b.label} ${fmt(vb, digits)}: ${ratio >= 1 ? `${fmt(ratio, 2)}x ahead` : `${fmt(1 / ratio, 2)}x behind`}`,
      };
    },
  };
}

/** `id`'s ratio to the workload's baseline is at most `factor`. */
export function withinOfBaseline(text: string, id: string, factor: number): Target {
  return {
    text,
    check(get: Get): TargetVerdict | undefined {
      const s = get(id);
      if (s === undefined) return undefined;
      return { ok: s.ratio <= factor, measured: `${s.label}: ${fmt(s.ratio, 2)}x the baseline` };
    },
  };
}
