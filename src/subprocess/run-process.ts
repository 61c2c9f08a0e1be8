import { argumentError } from "../core/index.ts";
import { spawnChecked } from "./create-subprocess.ts";
import { ProcessError } from "./errors.ts";
import {
  checkArgs,
  checkProcessOptions,
  checkProgram,
  type ProcessOptions,
  type SpawnPlan,
} from "./process-options.ts";

/** Options of `runProcess`: those of `createSubprocessExec`, and what to feed, capture and check. */
export interface RunProcessOptions extends ProcessOptions {
  /**
   * Bytes (or a string, UTF-8 encoded) written to the child's stdin, which is then closed. Without it the child's
   * stdin is empty (`"ignore"`, Trio's default) unless `stdin` says `"inherit"`.
   */
  input?: Uint8Array | string | undefined;
  /**
   * Collect what the child writes on stdout and stderr and return it (default false: they go where `stdout` and
   * `stderr` say, inherited by default). With `stderr: "stdout"`, both land in `stdout`.
   */
  capture?: boolean | undefined;
  /** Throw `ProcessError` if the child exits with a non-zero status or is killed (default true). */
  check?: boolean | undefined;
}

/** What `runProcess` returns. */
export interface CompletedProcess {
  /** The exit status: 0, another code if `check` is off, or `-N` if signal N killed the child. */
  returncode: number;
  /** What the child wrote on stdout, if `capture` was on; else `null`. */
  stdout: Uint8Array | null;
  /** What the child wrote on stderr, if `capture` was on and stderr was not sent to stdout; else `null`. */
  stderr: Uint8Array | null;
}

/**
 * Runs a program to its end and returns its status and (with `capture`) its output: Trio's `run_process`, on
 * asyncio's `create_subprocess_exec` and `communicate`.
 *
 * With `check` (the default) a non-zero exit throws `ProcessError`, which carries what was captured. The child's
 * stdin is empty unless `input` gives it bytes (or `stdin: "inherit"` gives it this process's).
 *
 * **Cancel safety:** cancelled or timed out (inside `timeout()`), it ends the child before the `CancelledError`
 * (or `TimeoutError`) comes out: SIGTERM, then SIGKILL after `killGrace` ms (default 5000), and it waits until the
 * child has exited. A second cancel during that grace sends SIGKILL at once.
 *
 * @throws TypeError or RangeError (synchronously) for a bad argument, as `createSubprocessExec`; also for
 *   `stdout`/`stderr: "pipe"` (nothing could read them: use `capture`), `stdin: "pipe"` (use `input`), or `input`
 *   given with `stdin`, or `capture` with `stdout` or `stderr` (other than `"stdout"`).
 * @throws ProcessError if `check` is on and the child did not exit with 0.
 * @throws Node's spawn error (`code: "ENOENT"`...) if the program cannot be started.
 *
 * @example
 * ```ts
 * import { run, runProcess, timeout } from "aio-ts";
 * await run(async () => {
 *   const { stdout } = await timeout(10_000, () => runProcess("git", ["rev-parse", "HEAD"], { capture: true }));
 *   console.log(`at commit ${String(stdout).trim()}`);
 * });
 * ```
 */
export function runProcess(
  program: string,
  args?: readonly string[],
  options?: RunProcessOptions,
): Promise<CompletedProcess> {
  checkProgram("program", program);
  const argv = [...checkArgs(args)];
  const plan = checkProcessOptions(options);
  const o: RunProcessOptions = options ?? {};
  const { input } = o;
  if (input !== undefined && typeof input !== "string" && !(input instanceof Uint8Array)) {
    throw argumentError("input", "a string or a Uint8Array", input);
  }
  const capture = checkFlag("capture", o.capture, false);
  const check = checkFlag("check", o.check, true);
  if (input !== undefined) {
    if (o.stdin !== undefined) throw conflict("input", "stdin", o.stdin, "give one or the other");
    plan.stdin = "pipe";
  } else if (o.stdin === undefined) plan.stdin = "ignore";
  else if (o.stdin === "pipe") throw conflict("stdin", "", o.stdin, "pass the bytes as `input`");
  if (capture) {
    if (o.stdout !== undefined) throw conflict("capture", "stdout", o.stdout, "give one or the other");
    if (o.stderr !== undefined && o.stderr !== "stdout") {
      throw conflict("capture", "stderr", o.stderr, 'give one or the other (or `stderr: "stdout"` to merge them)');
    }
    plan.stdout = "pipe";
    plan.stderr = o.stderr ?? "pipe";
  } else {
    for (const name of ["stdout", "stderr"] as const) {
      if (o[name] === "pipe") throw conflict(name, "", "pipe", "nothing could read it: use `capture: true`");
    }
  }
  return runChecked(program, argv, plan, input, check);
}

function checkFlag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw argumentError(name, "a boolean", value);
  return value;
}

/** The TypeError of two options that exclude each other (or of a value runProcess cannot use). */
function conflict(name: string, other: string, value: unknown, advice: string): TypeError {
  const what = other === "" ? `\`${name}: ${JSON.stringify(value)}\`` : `both \`${name}\` and \`${other}\``;
  const error = new TypeError(`runProcess() cannot take ${what}: ${advice}`);
  (error as TypeError & { code: string }).code = "ERR_AIO_INVALID_ARGUMENT";
  return error;
}

async function runChecked(
  program: string,
  args: string[],
  plan: SpawnPlan,
  input: Uint8Array | string | undefined,
  check: boolean,
): Promise<CompletedProcess> {
  const proc = await spawnChecked(program, args, plan, false);
  let stdout: Uint8Array | null;
  let stderr: Uint8Array | null;
  try {
    [stdout, stderr] = await proc.communicate(input);
  } finally {
    // Cancelled, timed out, or a pipe failed: the child is ended before anything comes out of here. Either way its
    // pipes are released now (read to their end, or no longer wanted), not when Node gets round to it.
    try {
      if (proc.returncode === null) await proc.end();
    } finally {
      proc.closePipes();
    }
  }
  const returncode = proc.returncode as number;
  if (check && returncode !== 0) throw new ProcessError(proc.command, returncode, stdout, stderr);
  return { returncode, stdout, stderr };
}
