// The settings of every fast-check property in the suite: repeatable by
// default, replayable and widenable from the environment.
//
//   FC_SEED=1234 npm run test:unit      replay a failure (fast-check prints its seed and path)
//   FC_SEED=random npm run test:unit    a fresh seed for each property, printed if it fails
//   FC_RUNS=5000 npm run test:unit      that many runs for every property (npm run test:long does this)
import type { Parameters } from "fast-check";

/** The seed used when FC_SEED is not set: a fixed one, so that a run is the same on every machine. */
export const DEFAULT_SEED = 16_016;

function seedFromEnv(): number {
  const raw = process.env.FC_SEED;
  if (raw === undefined || raw === "") return DEFAULT_SEED;
  if (raw === "random") return (Math.random() * 2 ** 31) | 0;
  const seed = Number(raw);
  if (!Number.isInteger(seed)) throw new TypeError(`Expected FC_SEED to be an integer or "random", got "${raw}"`);
  return seed;
}

function runsFromEnv(): number | undefined {
  const raw = process.env.FC_RUNS;
  if (raw === undefined || raw === "") return undefined;
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 1)
    throw new TypeError(`Expected FC_RUNS to be a positive integer, got "${raw}"`);
  return runs;
}

/**
 * fast-check parameters for one property: the fixed seed (or FC_SEED) and `numRuns` runs (or FC_RUNS). On failure,
 * fast-check's error begins `Property failed after N tests { seed: S, path: "P", ... }`: `FC_SEED=S` replays the
 * run, and adding `path: "P"` in `extra` goes straight to the shrunk counterexample.
 */
export function fcParams<T>(numRuns: number, extra: Parameters<T> = {}): Parameters<T> {
  const seed = seedFromEnv();
  return {
    seed,
    numRuns: runsFromEnv() ?? numRuns,
    ...extra,
  };
}
