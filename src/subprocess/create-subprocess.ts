import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import { delimiter, resolve } from "node:path";
import { Future, loopOf } from "../core/index.ts";
import { Process } from "./process.ts";
import {
  checkArgs,
  checkProcessOptions,
  checkProgram,
  type ProcessOptions,
  type SpawnPlan,
} from "./process-options.ts";

/** The shell of `createSubprocessShell`, as asyncio's (`/bin/sh -c`). */
const SHELL = "/bin/sh";

/**
 * Starts `program` with `args` as a child process (no shell): asyncio's `create_subprocess_exec`.
 *
 * The program is looked up on the `PATH` (of `options.env` if given) unless it contains a `/`. Standard streams
 * are inherited unless the options say `"pipe"` (the child's pipe becomes `proc.stdin`, `proc.stdout` or
 * `proc.stderr`) or `"ignore"`.
 *
 * **Cancel safety:** starting is a cancellation point; a child started by a call that is cancelled is killed and
 * waited for before the `CancelledError` comes out.
 *
 * @throws TypeError if `program` is not a non-empty string, `args` not an array of strings, or an option is
 *   not one of its values; RangeError if `killGrace` is negative or not finite (all synchronously).
 * @throws Node's spawn error (rejecting), such as `code: "ENOENT"` with the program named in its message and
 *   `path` when the program does not exist (asyncio's `FileNotFoundError`).
 *
 * @example
 * ```ts
 * import { createSubprocessExec, run } from "aio-ts";
 * await run(async () => {
 *   await using proc = await createSubprocessExec("ls", ["-l"], { stdout: "pipe" });
 *   const [out] = await proc.communicate();
 *   console.log(new TextDecoder().decode(out ?? new Uint8Array()));
 * });
 * ```
 */
export function createSubprocessExec(
  program: string,
  args?: readonly string[],
  options?: ProcessOptions,
): Promise<Process> {
  checkProgram("program", program);
  const argv = [...checkArgs(args)];
  const plan = checkProcessOptions(options);
  return spawnChecked(program, argv, plan, false);
}

/**
 * Runs `command` in the shell (`/bin/sh -c command`): asyncio's `create_subprocess_shell`.
 *
 * As with any shell, quoting is the caller's job: never build the command from untrusted text; use
 * `createSubprocessExec` with separate arguments instead.
 *
 * **Cancel safety:** as `createSubprocessExec`.
 *
 * @throws TypeError or RangeError (synchronously) for a bad command or option, as `createSubprocessExec`.
 *
 * @example
 * ```ts
 * import { createSubprocessShell, run } from "aio-ts";
 * await run(async () => {
 *   const proc = await createSubprocessShell("echo hello | tr a-z A-Z", { stdout: "pipe" });
 *   const [out] = await proc.communicate();
 *   console.log(new TextDecoder().decode(out ?? new Uint8Array())); // "HELLO\n"
 * });
 * ```
 */
export function createSubprocessShell(command: string, options?: ProcessOptions): Promise<Process> {
  checkProgram("command", command);
  const plan = checkProcessOptions(options);
  return spawnChecked(SHELL, ["-c", command], plan, true);
}

/**
 * Node's spawn error for a program that is not found (as libuv reports it), for the one case where aio runs the
 * program through the shell and must find it itself first.
 */
function notFound(program: string, args: readonly string[]): Error {
  const error = new Error(`spawn ${program} ENOENT`) as NodeJS.ErrnoException & { spawnargs: string[] };
  error.code = "ENOENT";
  error.errno = -2;
  error.syscall = `spawn ${program}`;
  error.path = program;
  error.spawnargs = [...args];
  return error;
}

/** Looks `program` up as execvp does (on the child's `PATH` unless it has a `/`); the path found, or `undefined`. */
function findProgram(program: string, plan: SpawnPlan): string | undefined {
  const cwd = plan.cwd ?? process.cwd();
  const candidates = program.includes("/")
    ? [resolve(cwd, program)]
    : ((plan.env ?? process.env).PATH ?? "/usr/bin:/bin")
        .split(delimiter)
        .map((dir) => resolve(cwd, dir === "" ? "." : dir, program));
  for (const file of candidates) {
    try {
      accessSync(file, fsConstants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}

/**
 * The program, arguments and stdio array for Node's spawn. stderr to stdout's pipe has no form in Node's stdio
 * array (an fd number there is one of *this* process's fds), so that case runs the program through the shell
 * with `2>&1`, after finding the program as execvp would, so that a missing one still fails with ENOENT.
 */
function spawnArgs(
  program: string,
  args: string[],
  plan: SpawnPlan,
  shell: boolean,
): { file: string; argv: string[]; stdio: SpawnOptions["stdio"] } {
  const { stdin, stdout, stderr } = plan;
  if (stderr !== "stdout") return { file: program, argv: args, stdio: [stdin, stdout, stderr] };
  if (stdout === "inherit") return { file: program, argv: args, stdio: [stdin, "inherit", 1] };
  if (stdout === "ignore") return { file: program, argv: args, stdio: [stdin, "ignore", "ignore"] };
  if (shell) return { file: program, argv: ["-c", `exec 2>&1\n${args[1]}`], stdio: [stdin, "pipe", "inherit"] };
  const found = findProgram(program, plan);
  if (found === undefined) throw notFound(program, args);
  return {
    file: SHELL,
    argv: ["-c", 'exec "$0" "$@" 2>&1', found, ...args],
    stdio: [stdin, "pipe", "inherit"],
  };
}

/** @internal Starts a child from checked arguments and waits until it is up (or failed to start). */
export async function spawnChecked(program: string, args: string[], plan: SpawnPlan, shell: boolean): Promise<Process> {
  const loop = loopOf();
  const { file, argv, stdio } = spawnArgs(program, args, plan, shell);
  const child = spawn(file, argv, {
    stdio,
    ...(plan.cwd === undefined ? {} : { cwd: plan.cwd }),
    ...(plan.env === undefined ? {} : { env: plan.env }),
  });
  // The Process (its exit listener, its readers) is made in the tick of the spawn, not when the task resumes: a
  // child as quick as `true` can exit in between (the loop lets Node's I/O run every few thousand callbacks), and
  // an exit with no listener yet is lost for good. No pid means the spawn failed; the "error" event says why.
  const proc =
    child.pid === undefined
      ? undefined
      : new Process({
          child: child as ChildProcess & { pid: number },
          command: [program, ...args],
          killGrace: plan.killGrace,
          limit: plan.limit,
          loop,
        });
  // Spawning is a cancellation point, as asyncio's create_subprocess_exec awaits the transport.
  const started = new Future<void>(loop);
  const onSpawn = (): void => {
    if (!started.done()) started.setResult(undefined);
  };
  const onError = (error: Error): void => {
    if (!started.done()) started.setException(error);
  };
  child.once("spawn", onSpawn);
  child.once("error", onError);
  try {
    await started;
  } catch (error) {
    // Cancelled with the child started: killed (as asyncio's transport close does) and waited for.
    if (proc !== undefined) await proc.killAndWait();
    throw error;
  } finally {
    child.removeListener("spawn", onSpawn);
    child.removeListener("error", onError);
  }
  return proc as Process;
}
