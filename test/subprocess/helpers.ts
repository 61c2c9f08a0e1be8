// Shared helpers of the subprocess tests: real children, and virtual time that waits for them.
import { execFileSync } from "node:child_process";
import { constants } from "node:os";
import { VirtualClock } from "aio-ts/testing";
import { REAL_IDLE } from "../http/client-helpers.ts";

/**
 * A VirtualClock for tests whose children exit on their own time: virtual time jumps only after REAL_IDLE real ms
 * in which nothing happened, so a child's exit (an outside event, like a socket's reply) is seen before a grace
 * period or a timeout "passes".
 */
export const childClock = (): VirtualClock => new VirtualClock({ realIdle: REAL_IDLE });

/** Whether `pid` is gone: `process.kill(pid, 0)` throws ESRCH (it exited and was reaped). */
export function pidGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return true;
    throw error;
  }
}

/** The command lines of this process's children (from `ps`), to find a child the test never got a pid of. */
export function childCommands(): string[] {
  const out = execFileSync("ps", ["-o", "args=", "--ppid", String(process.pid)], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("ps "));
}

/** Node's number of a signal (`-SIGNALS.SIGTERM` is the returncode of a child it killed). */
export const SIGNALS = constants.signals;

/** The pids of this process's children whose command line is `args`, the program named with or without its path. */
export function childPids(args: string): number[] {
  const out = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], { encoding: "utf8" });
  return (
    out
      .split("\n")
      .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
      // Deno starts a program by its full path, which `ps` then shows as argv[0] (`/usr/bin/sleep 3601`).
      .filter((m) => m !== null && (m[2] === args || m[2]?.endsWith(`/${args}`)))
      .map((m) => Number(m?.[1]))
  );
}

/** A shell command that ignores SIGTERM from its first line on, then becomes `sleep <seconds>` (still ignoring it). */
export const IGNORES_SIGTERM = (seconds: number): string => `trap '' TERM; echo ready; exec sleep ${seconds}`;
