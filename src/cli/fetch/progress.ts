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

/** The window of the recent rate, in ms: long enough to smooth bursts, short enough to follow a change. */
const RATE_WINDOW = 5000;

/**
 * The recent rate of a byte count that grows: samples taken as the display
 * redraws, the rate over the last `RATE_WINDOW` ms of them. The rate of the
 * whole run would keep a fast start (small files, a cache) in the ETA long
 * after the downloads slowed down.
 */
export class RateMeter {
  private readonly samples: [at: number, bytes: number][] = [];

  /** Records the count at loop time `at`. */
  sample(at: number, bytes: number): void {
    this.samples.push([at, bytes]);
    // Keep the newest sample that is a whole window old, as the window's start.
    while (this.samples.length > 2 && (this.samples[1] as [number, number])[0] <= at - RATE_WINDOW) {
      this.samples.shift();
    }
  }

  /** Bytes per ms over the recent window; `undefined` before two samples. */
  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (first === undefined || last === undefined || last[0] <= first[0]) return undefined;
    return (last[1] - first[1]) / (last[0] - first[0]);
  }
}

/**
 * How long the rest of the run should take, in ms: the bytes left at the
 * recent rate (bytes per ms). The bytes left are those of the downloads
 * under way (their size less what arrived) and, for the URLs not started
 * yet, the mean size of the files known so far. `undefined` while it cannot
 * be told: the list not read to its end, a download under way of unknown
 * size, no size known at all, no rate yet. Counting files instead of bytes
 * once said "ETA 1 s" with two 30-second downloads most of the way to go.
 */
export function estimateRemaining(source: ProgressSource, rate: number | undefined): number | undefined {
  const { tally, input, active } = source;
  const left = input.seen - tally.finished;
  if (!input.exhausted || left <= 0 || rate === undefined || rate <= 0) return undefined;
  let bytesLeft = 0;
  let knownBytes = tally.okBytes;
  let known = tally.ok;
  for (const download of active) {
    if (download.total === undefined) return undefined;
    bytesLeft += Math.max(0, download.total - download.received);
    knownBytes += download.total;
    known++;
  }
  const waiting = left - active.size;
  if (waiting > 0) {
    if (known === 0) return undefined;
    bytesLeft += (waiting * knownBytes) / known;
  }
  return bytesLeft / rate;
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
  private readonly meter = new RateMeter();

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
    this.meter.sample(now(), received);
    const left = estimateRemaining(this.source, this.meter.rate());
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
