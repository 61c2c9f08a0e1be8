// What a run records of its URLs, whether it is a local `aio fetch` or a fleet
// worker: the tally, the `--report` file, the progress display, and the
// summary line at the end.
import { now } from "../../index.ts";
import { type FetchArgs, UsageError } from "./args.ts";
import type { Downloader } from "./download.ts";
import { systemErrorText } from "./failure.ts";
import type { InputProgress } from "./input.ts";
import { type Display, makeDisplay } from "./progress.ts";
import { type Outcome, ReportFile, summaryLine, Tally } from "./report.ts";

/** `--report`'s file (appended to with `append`), or a usage error naming it; undefined without `--report`. */
export function openReport(args: FetchArgs, options: { append?: boolean } = {}): ReportFile | undefined {
  if (args.report === undefined) return undefined;
  try {
    return new ReportFile(args.report, options);
  } catch (error) {
    throw new UsageError(`cannot write the report ${args.report}: ${systemErrorText(error as Error)}`);
  }
}

/** The record of one run's URLs: each outcome counted, written to the report and shown, then the summary. */
export class RunRecord {
  readonly tally = new Tally();
  private readonly started = now();
  private readonly display: Display;
  private readonly downloader: Downloader;
  private readonly report: ReportFile | undefined;

  constructor(args: FetchArgs, downloader: Downloader, report: ReportFile | undefined, input: InputProgress) {
    this.downloader = downloader;
    this.report = report;
    this.display = makeDisplay(args.quiet, {
      tally: this.tally,
      input,
      active: downloader.active,
      received: () => downloader.received,
      started: this.started,
    });
  }

  /** A URL ended: recorded at once, in the task that did the work, so that a Ctrl-C loses no finished URL. */
  finished(outcome: Outcome): void {
    this.tally.add(outcome);
    this.report?.write(outcome);
    this.display.finished(outcome);
  }

  /** The run ended (`interrupted` by Ctrl-C or SIGTERM, or not): closes the report and prints the summary. */
  close(interrupted: boolean): void {
    this.report?.close();
    this.display.stop(summaryLine(this.tally, this.downloader.received, now() - this.started, interrupted));
  }

  /** The run's exit code: 1 if a URL failed, else 0. */
  exitCode(): number {
    return this.tally.failed > 0 ? 1 : 0;
  }
}
