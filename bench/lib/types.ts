// The contract between the harness (bench/run.ts), the workloads and their implementations.

/** What every implementation receives: the same numbers for every column of a workload. */
export interface Params {
  /** Tasks (or operations) in the workload. */
  n: number;
  /** Seed of the PRNG that draws delays, where a workload needs some. */
  seed: number;
  /** Workload-specific knobs (concurrency, mode...). */
  [knob: string]: number | string;
}

/**
 * What an implementation returns: a checksum of the work it did (the harness
 * checks it is identical in every column) and its measurements.
 */
export interface Outcome {
  checksum: number;
  metrics: Record<string, number>;
}

/** The default export of a Node implementation file. */
export type Implementation = (params: Params) => Promise<Outcome>;

/** A column of a table: one measurement. The first metric of a workload is its headline. */
export interface MetricDef {
  key: string;
  label: string;
  /** Printed after the numbers ("ns/task", "ms", "B/task"). */
  unit: string;
  /** Decimal places; default 0. */
  digits?: number;
  /** How repetitions combine in the table: the median (default) or the worst (max). */
  agg?: "median" | "max";
}

export interface ImplDef {
  id: string;
  label: string;
  /** Absolute path of the implementation file (.ts run by Node, .py run by python3). */
  file: string;
  runtime: "node" | "python";
  /** Whether this is one of aio's own columns (highlighted, checked against targets). */
  aio?: boolean;
  /** The number issue 6 quotes for this comparator, in the headline unit, for context. */
  anchor?: number;
  /** One line shown under the table. */
  note?: string;
  /**
   * Asked once per run, after the workload's `setup`: why this column cannot run on this machine (a tool
   * or module missing), or `undefined` if it can. A skipped column shows the reason instead of numbers.
   */
  skip?: () => string | undefined;
  /** The Python interpreter for a Python implementation (default `python3` on the PATH). */
  python?: () => string | undefined;
}

/** Medians (and spreads) of one implementation, as the targets see them. */
export interface ImplSummary {
  id: string;
  label: string;
  median: Record<string, number>;
  min: Record<string, number>;
  max: Record<string, number>;
  /** Headline median divided by the baseline's headline median. */
  ratio: number;
}

export interface TargetVerdict {
  ok: boolean;
  /** The measured numbers behind the verdict, in words. */
  measured: string;
}

export interface Target {
  text: string;
  check(get: (id: string) => ImplSummary | undefined): TargetVerdict | undefined;
}

export interface WorkloadDef {
  id: string;
  /** Number in issue 6 ("1", "5a"...). */
  number: string;
  title: string;
  /** What each implementation does, in a sentence or two. */
  description: string;
  metrics: MetricDef[];
  /** The raw-promise implementation every ratio is taken against. */
  baseline: string;
  params: Params;
  quickParams: Params;
  /**
   * Run a smaller untimed round first in the same process (JIT warm-up): `true` for N/10 (at least 1,000),
   * or a function giving that round's params.
   */
  warmup: boolean | ((params: Params) => Params);
  /** Start children with --expose-gc (memory workloads). */
  exposeGc?: boolean;
  impls: ImplDef[];
  targets: Target[];
  /**
   * Started before the workload's first repetition and stopped after its last (a server in a process of
   * its own, say): its `params` are added to what every implementation receives.
   */
  setup?: (params: Params) => Promise<Fixture>;
}

/** What a workload's `setup` started. */
export interface Fixture {
  /** Knobs added to every implementation's params (`url`...); not recorded in the results. */
  params: Record<string, number | string>;
  /** Versions of the tools the fixture found or installed (`curl`, `aria2c`...), recorded with the machine. */
  versions?: Record<string, string>;
  teardown(): Promise<void>;
}
