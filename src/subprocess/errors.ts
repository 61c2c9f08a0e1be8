import { AioError, brandClass } from "../core/index.ts";
import { signalName } from "./process-options.ts";

/**
 * Thrown by `runProcess` (with `check`, the default) when the child exits with a non-zero status or is killed by a
 * signal: Python's `CalledProcessError`, as Trio's `run_process` raises it.
 *
 * It carries the `returncode` (`-N` for signal N), what was captured of `stdout` and `stderr` (`null` unless
 * `capture` was on), and the `command`. Its `code` is `"ERR_AIO_PROCESS"`.
 *
 * @example
 * ```ts
 * import { ProcessError, run, runProcess } from "aio-ts";
 * await run(async () => {
 *   try {
 *     await runProcess("ls", ["/no/such/dir"], { capture: true });
 *   } catch (e) {
 *     if (!(e instanceof ProcessError)) throw e;
 *     console.log(e.returncode, new TextDecoder().decode(e.stderr ?? new Uint8Array()));
 *   }
 * });
 * ```
 */
export class ProcessError extends AioError {
  /** The child's exit status, or `-N` if signal N killed it. */
  readonly returncode: number;
  /** What the child wrote on stdout, if `capture` was on; else `null`. */
  readonly stdout: Uint8Array | null;
  /** What the child wrote on stderr, if `capture` was on (and stderr was not sent to stdout); else `null`. */
  readonly stderr: Uint8Array | null;
  /** The program and its arguments. */
  readonly command: readonly string[];

  constructor(command: readonly string[], returncode: number, stdout: Uint8Array | null, stderr: Uint8Array | null) {
    const shown = JSON.stringify(command.join(" "));
    const how =
      returncode < 0
        ? `was killed by ${signalName(-returncode) ?? "signal"} (signal ${-returncode})`
        : `exited with status ${returncode}`;
    super(`Command ${shown} ${how}`, { code: "ERR_AIO_PROCESS" });
    this.command = command;
    this.returncode = returncode;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}
brandClass(ProcessError, "ProcessError");
