// What `aio fetch` shows while it works. On a terminal, a live display that
// redraws itself (files done of total, bytes, rate, ETA, failures, the
// active downloads), with failures printed above it as they happen; not on
// a terminal (a pipe, a log file), one plain line per finished URL;
// `--quiet`, only failures, on stderr. A small renderer of our own: a few
// ANSI sequences do it, and no terminal library would earn its place here.
import { createTask, now, sleep, type Task } from "../../index.ts";
import type { ActiveDownload } from "./download.ts";
import type { InputProgress } from "./input.ts";
import { formatBytes, formatDuration, type Outcome, type Tally } from "./report.ts";

/** What the display reads: shared with the run, never copied. */
export interface ProgressSource {
  tally: Tally;
  input: InputProgress;
  active: ReadonlySet<ActiveDownload>;
  /** Bytes received so far. */
  received(): number;
  /** Loop time when the run started. */
  started: number;
}

export interface Display {
  /** A URL is done. */
  finished(outcome: Outcome): void;
  /** The run is over: clear what is live, print the summary. */
  stop(summary: string): void;
}

/** One line for a finished URL: `OK   out/a.bin  12.3 kB  45 ms  http://...`. */
export function outcomeLine(outcome: Outcome): string {
  const tries = outcome.attempts > 1 ? `, ${outcome.attempts} attempts` : "";
  switch (outcome.result) {
    case "ok":
      return `OK    ${outcome.path}  ${formatBytes(outcome.bytes)}  ${formatDuration(outcome.ms)}${tries}  ${outcome.url}`;
    case "skipped":
      return `SKIP  ${outcome.path}  already downloaded  ${outcome.url}`;
    default:
      return `FAIL  ${outcome.url}  ${outcome.error ?? "failed"}${tries} (${outcome.source})`;
  }
}

/**
 * A writer to a stream that may be closed under us (`aio fetch ... | head`):
 * from its first error (EPIPE) on, text is dropped. What is printed only
 * reports the downloads, so they go on, and the exit code still tells.
 * Without this, the stream's unhandled `error` event would end the process
 * with parts half-written.
 */
function writerTo(stream: NodeJS.WritableStream): (text: string) => void {
  let open = true;
  stream.on("error", () => {
    open = false;
  });
  return (text) => {
    if (open) stream.write(text);
  };
}

/** Not on a terminal: a line per URL on stdout, the summary last. */
class PlainDisplay implements Display {
  private readonly write = writerTo(process.stdout);

  finished(outcome: Outcome): void {
    this.write(`${outcomeLine(outcome)}\n`);
  }

  stop(summary: string): void {
    this.write(`${summary}\n`);
  }
}

/** `--quiet`: failures on stderr, nothing else. */
class QuietDisplay implements Display {
  private readonly write = writerTo(process.stderr);

  finished(outcome: Outcome): void {
    if (outcome.result === "failed") this.write(`${outcomeLine(outcome)}\n`);
  }

  stop(): void {}
}

/**
 * How long the rest of the run should take, in ms; `undefined` while it
 * cannot be told (the list not read to its end, nothing done yet). When every
 * URL left is under way and its size is known (a few large files), from the
 * bytes left and the rate so far; otherwise from the files left and the time
 * per file so far, which a few large files would make far too short.
 */
export function estimateRemaining(source: ProgressSource, elapsed: number): number | undefined {
  const { tally, input, active } = source;
  const done = tally.finished;
  if (!input.exhausted || done >= input.seen || elapsed <= 0) return undefined;
  const byFiles = done > 0 ? ((input.seen - done) * elapsed) / done : undefined;
  const received = source.received();
  if (input.seen - done !== active.size || received === 0) return byFiles;
  let bytesLeft = 0;
  for (const download of active) {
    if (download.total === undefined) return byFiles;
    bytesLeft += Math.max(0, download.total - download.received);
  }
  return (bytesLeft * elapsed) / received;
}

const SHOWN_ACTIVE = 6;
const REDRAW_MS = 150;

/** On a terminal: a live block at the bottom, redrawn in place; failures scroll above it. */
class LiveDisplay implements Display {
  private readonly source: ProgressSource;
  private readonly out: NodeJS.WriteStream;
  private readonly write: (text: string) => void;
  private lines = 0;
  private readonly ticker: Task<void>;

  constructor(source: ProgressSource, out: NodeJS.WriteStream) {
    this.source = source;
    this.out = out;
    this.write = writerTo(out);
    this.ticker = createTask(
      async () => {
        for (;;) {
          this.render();
          await sleep(REDRAW_MS);
        }
      },
      { name: "aio fetch progress" },
    );
  }

  /** Moves the cursor back over the live block and clears it. */
  private clear(): string {
    return this.lines > 0 ? `\x1b[${this.lines}F\x1b[J` : "";
  }

  private fit(line: string): string {
    const width = this.out.columns || 100; // 0 when the terminal reports no size
    return line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line;
  }

  private block(): string[] {
    const { tally, input, active, started } = this.source;
    const elapsed = now() - started;
    const received = this.source.received();
    const rate = elapsed > 0 ? (received * 1000) / elapsed : 0;
    const done = tally.finished;
    const total = input.exhausted ? `${input.seen}` : `${input.seen}+`;
    const left = estimateRemaining(this.source, elapsed);
    const eta = left === undefined ? "ETA --" : `ETA ${formatDuration(left)}`;
    const failed = tally.failed > 0 ? `  ${tally.failed} failed` : "";
    const lines = [
      `${done}/${total} files  ${formatBytes(received)}  ${formatBytes(Math.round(rate))}/s  ${eta}${failed}`,
    ];
    let shown = 0;
    for (const download of active) {
      if (shown++ === SHOWN_ACTIVE) {
        lines.push(`  … and ${active.size - SHOWN_ACTIVE} more`);
        break;
      }
      const size =
        download.total === undefined
          ? formatBytes(download.received)
          : `${Math.floor((download.received * 100) / Math.max(1, download.total))
              .toString()
              .padStart(3)}%  ${formatBytes(download.received)} / ${formatBytes(download.total)}`;
      lines.push(`  ${download.name}  ${size}`);
    }
    return lines.map((line) => this.fit(line));
  }

  private render(above = ""): void {
    const lines = this.block();
    this.write(`${this.clear()}${above}${lines.join("\n")}\n`);
    this.lines = lines.length;
  }

  finished(outcome: Outcome): void {
    if (outcome.result === "failed") this.render(`${outcomeLine(outcome)}\n`);
  }

  stop(summary: string): void {
    this.ticker.cancel();
    this.write(`${this.clear()}${summary}\n`);
    this.lines = 0;
  }
}

/** The display for this run: quiet, live on a terminal, or plain lines. */
export function makeDisplay(quiet: boolean, source: ProgressSource): Display {
  if (quiet) return new QuietDisplay();
  if (process.stdout.isTTY === true) return new LiveDisplay(source, process.stdout);
  return new PlainDisplay();
}
