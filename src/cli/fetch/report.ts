// What happened to each URL: the record of one download, the `--report`
// file (JSON lines, written as each URL finishes, so that it survives a
// crash), and the run's tally.
import { closeSync, openSync, writeSync } from "node:fs";

/** How one URL ended. */
export type Result = "ok" | "failed" | "skipped";

/** One URL's record: a line of the report. */
export interface Outcome {
  url: string;
  /** The file written (or that would have been), relative to the working folder; `null` for a bad line. */
  path: string | null;
  result: Result;
  /** The last HTTP status received; `null` if none arrived. */
  status: number | null;
  /** Bytes of the file (for a resumed download, the whole file). */
  bytes: number;
  /** Time spent on this URL, waiting for its turn excluded. */
  ms: number;
  /** Requests made for it. */
  attempts: number;
  /** The body's SHA-256 in hex, when it was computed (`--report`, or a `sha256=` option). */
  sha256: string | null;
  /** Why it failed, in words; `null` when it did not. */
  error: string | null;
  /** Where the URL came from: `argument 2`, `line 17 of urls.txt`. */
  source: string;
}

/** Appends one JSON object per finished URL to a file, synchronously: a crash loses nothing written. */
export class ReportFile {
  private fd: number | undefined;

  /** Opens `path`, truncated (or appended to, for a fleet worker that may be restarted); throws the system error if it cannot. */
  constructor(path: string, options: { append?: boolean } = {}) {
    this.fd = openSync(path, options.append === true ? "a" : "w");
  }

  write(outcome: Outcome): void {
    if (this.fd !== undefined) writeSync(this.fd, `${JSON.stringify(outcome)}\n`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The run's counts. */
export class Tally {
  ok = 0;
  failed = 0;
  skipped = 0;
  /** Bytes of the files saved: their mean size guesses the size of files not started yet. */
  okBytes = 0;

  add(outcome: Outcome): void {
    this[outcome.result]++;
    if (outcome.result === "ok") this.okBytes += outcome.bytes;
  }

  get finished(): number {
    return this.ok + this.failed + this.skipped;
  }
}

/** `1.5 MB`, `320 B`: sizes for people (powers of 1000, as curl and wget print them). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = "B";
  for (const u of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = u;
  }
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ${unit}`;
}

/** `850 ms`, `12.3 s`, `4 min 05 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

/** The summary printed at the end of a run. */
export function summaryLine(tally: Tally, received: number, wallMs: number, interrupted: boolean): string {
  const rate = wallMs > 0 ? (received * 1000) / wallMs : 0;
  return (
    `${interrupted ? "interrupted: " : ""}${tally.ok} ok, ${tally.failed} failed, ${tally.skipped} skipped; ` +
    `${formatBytes(received)} in ${formatDuration(wallMs)} (${formatBytes(Math.round(rate))}/s)`
  );
}
