import { constants } from "node:os";
import { argumentError, rangeError } from "../core/index.ts";
import { checkLimit } from "../streams/reader.ts";

/** Where one of the child's standard streams goes. */
export type StdioOption = "pipe" | "inherit" | "ignore";

/**
 * Options of `createSubprocessExec`, `createSubprocessShell` and `runProcess`: asyncio's `stdin`/`stdout`/`stderr`
 * (`PIPE`, inherit (`None`), `DEVNULL`, and `STDOUT` for stderr), `cwd`, `env`, and how long a child gets to exit on
 * SIGTERM before SIGKILL when its owner ends it.
 */
export interface ProcessOptions {
  /** The child's stdin: `"pipe"` (a `StreamWriter` in `proc.stdin`), `"inherit"` (default) or `"ignore"` (/dev/null). */
  stdin?: StdioOption | undefined;
  /** The child's stdout: `"pipe"` (a `StreamReader` in `proc.stdout`), `"inherit"` (default) or `"ignore"`. */
  stdout?: StdioOption | undefined;
  /** The child's stderr: as `stdout`, or `"stdout"` to send it where stdout goes (asyncio's `STDOUT`). */
  stderr?: StdioOption | "stdout" | undefined;
  /** The child's working directory; default this process's. */
  cwd?: string | undefined;
  /** The child's whole environment (it replaces this process's, as in asyncio); default `process.env`. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Milliseconds between SIGTERM and SIGKILL when the child's owner ends it (`await using`, a cancelled
   * `runProcess`, `run()` ending); default 5000 (Trio's `run_process` waits 5 s too).
   */
  killGrace?: number | undefined;
  /**
   * The buffer limit of the `stdout` and `stderr` readers, in bytes (asyncio's `limit`): a line or separator
   * longer than this fails `readline()`/`readuntil()`, and a reader holding twice this pauses the pipe until it is
   * read. Default 64 KiB.
   */
  limit?: number | undefined;
}

/** Options checked and filled in. */
export interface SpawnPlan {
  stdin: StdioOption;
  stdout: StdioOption;
  stderr: StdioOption | "stdout";
  cwd: string | undefined;
  env: Record<string, string | undefined> | undefined;
  killGrace: number;
  limit: number;
}

/** The default `killGrace`, in ms. */
export const KILL_GRACE = 5000;

const STDIO: readonly string[] = ["pipe", "inherit", "ignore"];

export function checkProgram(name: string, value: unknown): string {
  if (typeof value !== "string" || value === "") throw argumentError(name, "a non-empty string", value);
  return value;
}

export function checkArgs(value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw argumentError("args", "an array of strings", value);
  for (const [i, arg] of value.entries()) {
    if (typeof arg !== "string") throw argumentError(`args[${i}]`, "a string", arg);
  }
  return value as string[];
}

function checkStdio(name: string, value: unknown, extra?: string): StdioOption | "stdout" | undefined {
  if (value === undefined || STDIO.includes(value as string) || (extra !== undefined && value === extra)) {
    return value as StdioOption | undefined;
  }
  const choices = extra === undefined ? '"pipe", "inherit" or "ignore"' : '"pipe", "inherit", "ignore" or "stdout"';
  throw argumentError(name, choices, value);
}

/** Checks the options every way of starting a child shares; throws TypeError/RangeError naming the option. */
export function checkProcessOptions(options: unknown): SpawnPlan {
  if (options === undefined) options = {};
  if (options === null || typeof options !== "object") throw argumentError("options", "an object", options);
  const o = options as ProcessOptions;
  const stdin = (checkStdio("stdin", o.stdin) ?? "inherit") as StdioOption;
  const stdout = (checkStdio("stdout", o.stdout) ?? "inherit") as StdioOption;
  const stderr = checkStdio("stderr", o.stderr, "stdout") ?? "inherit";
  if (o.cwd !== undefined && typeof o.cwd !== "string") throw argumentError("cwd", "a string", o.cwd);
  let env: Record<string, string | undefined> | undefined;
  if (o.env !== undefined) {
    if (o.env === null || typeof o.env !== "object") throw argumentError("env", "an object of strings", o.env);
    for (const [key, v] of Object.entries(o.env)) {
      if (v !== undefined && typeof v !== "string") throw argumentError(`env.${key}`, "a string", v);
    }
    env = { ...o.env };
  }
  let killGrace = KILL_GRACE;
  if (o.killGrace !== undefined) {
    if (typeof o.killGrace !== "number") throw argumentError("killGrace", "a number of milliseconds", o.killGrace);
    if (!(o.killGrace >= 0) || !Number.isFinite(o.killGrace)) {
      throw rangeError("killGrace", "a finite number of milliseconds, 0 or more", o.killGrace);
    }
    killGrace = o.killGrace;
  }
  const limit = checkLimit(o.limit);
  return { stdin, stdout, stderr, cwd: o.cwd, env, killGrace, limit };
}

/** A signal as Node names it (`"SIGTERM"`) or its number; the number, checked. */
export function checkSignal(value: unknown): { name: NodeJS.Signals | number; number: number } {
  const signals = constants.signals as Record<string, number>;
  if (typeof value === "string" && Object.hasOwn(signals, value)) {
    return { name: value as NodeJS.Signals, number: signals[value] as number };
  }
  if (typeof value === "number" && Number.isInteger(value) && Object.values(signals).includes(value)) {
    return { name: value, number: value };
  }
  throw argumentError("sig", 'a signal name such as "SIGTERM" or its number', value);
}

/** The name of signal number `n` (`"SIGKILL"` for 9), or `undefined`. */
export function signalName(n: number): string | undefined {
  for (const [name, number] of Object.entries(constants.signals)) if (number === n) return name;
  return undefined;
}
