// The shape of one bench run, as bench/results.json stores it.
import type { Machine } from "./machine.ts";
import type { ImplSummary, MetricDef, Params } from "./types.ts";

export interface RunRecord {
  rep: number;
  checksum?: number;
  metrics?: Record<string, number>;
  error?: string;
  /** Wall time of the whole child process, ms (start-up included). */
  processMs: number;
}

export interface ImplResult {
  id: string;
  label: string;
  file: string;
  runtime: "node" | "python";
  aio: boolean;
  anchor?: number;
  note?: string;
  skipped?: string;
  runs: RunRecord[];
  summary?: ImplSummary;
}

export interface TargetResult {
  text: string;
  ok?: boolean;
  measured?: string;
}

export interface WorkloadResult {
  id: string;
  number: string;
  title: string;
  description: string;
  metrics: MetricDef[];
  baseline: string;
  params: Params;
  reps: number;
  impls: ImplResult[];
  /** The checksum every column returned, or undefined if they differ (see `checksumErrors`). */
  checksum?: number;
  checksumErrors: string[];
  targets: TargetResult[];
  /** 1-minute load average when the workload started and when it ended (other processes skew the numbers). */
  load?: [number, number];
}

export interface BenchResult {
  machine: Machine;
  quick: boolean;
  reps: number;
  filter: string[];
  durationS: number;
  /** Load averages (1, 5, 15 min) when the run ended; the machine's are from its start. */
  loadAverageEnd?: number[];
  notes: string[];
  workloads: WorkloadResult[];
}
