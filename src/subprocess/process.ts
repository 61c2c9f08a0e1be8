import type { ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { gather } from "../combinators/gather.ts";
import { argumentError, isCancelledError, type Loop, loopOf, type WaitInfo } from "../core/index.ts";
import { readerFrom, type StreamReader } from "../streams/reader.ts";
import { type StreamWriter, writerFor } from "../streams/writer.ts";
import { WaiterList } from "../sync/index.ts";
import { checkSignal, signalName } from "./process-options.ts";

/** What `new Process` takes: the started child and what its owner needs to end it. */
export interface ProcessInit {
  child: ChildProcess & { pid: number };
  /** The command, for messages: the program and its arguments. */
  command: readonly string[];
  killGrace: number;
  /** The buffer limit of the stdout and stderr readers. */
  limit: number;
  /** The loop the child was started on: if it is a `run()` loop, its end ends the child. */
  loop: Loop;
}

/** Errors of a pipe whose reader is gone: `communicate()` ignores them, as asyncio ignores BrokenPipeError. */
const BROKEN_PIPE = new Set(["EPIPE", "ECONNRESET", "ERR_STREAM_DESTROYED", "ERR_AIO_CONNECTION_LOST"]);

/** `communicate()`'s writer: the input, then EOF; a child that stopped reading is not an error. */
async function feed(stdin: StreamWriter, input: Uint8Array | string | undefined): Promise<void> {
  try {
    if (input !== undefined && input.length > 0) {
      stdin.write(input);
      await stdin.drain();
    }
  } catch (error) {
    if (!BROKEN_PIPE.has((error as { code?: string } | null)?.code ?? "")) throw error;
  }
  stdin.close();
  try {
    await stdin.waitClosed();
  } catch (error) {
    if (!BROKEN_PIPE.has((error as { code?: string } | null)?.code ?? "")) throw error;
  }
}

/**
 * @internal Sends `sig` to a child that has not been seen to exit. Through `process.kill`, not `child.kill()`: Deno's
 * `child.kill()` ignores every call after the first, so SIGKILL after SIGTERM never went out. A child reaped a moment
 * ago, whose exit event is still on its way, is ESRCH: nothing to do.
 */
export function signalChild(pid: number, sig: NodeJS.Signals | number): void {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** Node's error for a pid that is gone, as `process.kill` throws it (asyncio's `ProcessLookupError`). */
function noSuchProcess(pid: number): Error {
  const error = new Error(`kill ESRCH: process ${pid} has exited`) as NodeJS.ErrnoException;
  error.code = "ESRCH";
  error.errno = -constants.errno.ESRCH;
  error.syscall = "kill";
  return error;
}

/**
 * A child process started by `createSubprocessExec` or `createSubprocessShell`: asyncio's `Process`.
 *
 * `returncode` is `null` while the child runs, then its exit status, or `-N` if signal N killed it (asyncio's
 * rule). Its pipes, where the options asked for them, are aio streams: `stdin` a `StreamWriter`, `stdout` and
 * `stderr` `StreamReader`s.
 *
 * Cancelling `wait()` or `communicate()` leaves the child running, as in asyncio; but no child outlives its owner:
 * `await using` a process, a cancelled `runProcess`, and `run()` ending each end a child still running: SIGTERM,
 * then SIGKILL after `killGrace` ms, and wait until it has exited.
 *
 * @example
 * ```ts
 * import { createSubprocessExec, run } from "aio-ts";
 * await run(async () => {
 *   await using proc = await createSubprocessExec("sleep", ["60"]);
 *   console.log(proc.pid, proc.returncode); // 12345 null
 *   proc.terminate();
 *   console.log(await proc.wait()); // -15: killed by SIGTERM
 * });
 * ```
 */
export class Process {
  /** The child's process id. */
  readonly pid: number;
  /** The program and its arguments (for a shell command: `/bin/sh`, `-c`, the command). */
  readonly command: readonly string[];
  /** Milliseconds between SIGTERM and SIGKILL when the child's owner ends it. */
  readonly killGrace: number;
  /** The child's stdin, if the options said `stdin: "pipe"`; else `null`. */
  readonly stdin: StreamWriter | null;
  /** The child's stdout, if the options said `stdout: "pipe"`; else `null`. */
  readonly stdout: StreamReader | null;
  /** The child's stderr, if the options said `stderr: "pipe"`; else `null`. */
  readonly stderr: StreamReader | null;

  private readonly child: ChildProcess;
  private code: number | null = null;
  private readonly exitWaiters = new WaiterList<number>()._ownedBy(this);
  /** Resolves when the child has exited and been reaped; a plain promise, for waits that must not be cancelled. */
  private readonly exited: Promise<number>;
  private readonly loop: Loop;
  private readonly closer: (() => Promise<void>) | undefined;

  /** @internal Use `createSubprocessExec` or `createSubprocessShell`. */
  constructor(init: ProcessInit) {
    this.child = init.child;
    this.pid = init.child.pid;
    this.command = init.command;
    this.killGrace = init.killGrace;
    this.loop = init.loop;
    const { stdin, stdout, stderr } = init.child;
    this.stdin = stdin === null ? null : writerFor(stdin, { extra: (name) => this.extra(name) });
    this.stdout = stdout === null ? null : readerFrom(stdout, { limit: init.limit });
    this.stderr = stderr === null ? null : readerFrom(stderr, { limit: init.limit });
    if (this.stdin !== null) this.stdin._where = `stdin of pid ${this.pid}`;
    if (this.stdout !== null) this.stdout._where = `stdout of pid ${this.pid}`;
    if (this.stderr !== null) this.stderr._where = `stderr of pid ${this.pid}`;
    // Node emits "exit" once libuv has reaped the child (waitpid): from then on its pid is gone.
    this.exited = new Promise((resolve) => {
      init.child.once("exit", (code, signal) => {
        const rc = code ?? -((signal === null ? 0 : constants.signals[signal]) as number);
        this.code = rc;
        for (let w = this.exitWaiters.shift(); w !== undefined; w = this.exitWaiters.shift()) w.setResult(rc);
        if (this.closer !== undefined) this.loop.closers.delete(this.closer);
        resolve(rc);
      });
    });
    // A ChildProcess emits "error" after its start only for a failed kill() or IPC message, neither of which aio
    // uses; with no listener a stray one would crash the process.
    init.child.on("error", () => {});
    // On a run() loop the child is a resource of the run: ended with the loop unless it exits first.
    if (!init.loop.isDefault && !init.loop.closed) {
      this.closer = async () => {
        try {
          await this.end();
        } finally {
          this.closePipes();
        }
      };
      init.loop.closers.add(this.closer);
    }
  }

  /** @internal For `captureCallGraph`. */
  _describeWaiters(): WaitInfo {
    return { kind: "process", label: `Process.wait (pid ${this.pid})` };
  }

  /** The exit status: `null` while the child runs, `-N` if signal N killed it. */
  get returncode(): number | null {
    return this.code;
  }

  /**
   * Waits for the child to exit and returns its `returncode`; at once if it has exited.
   *
   * **Cancel safety:** cancelling the wait leaves the child running (asyncio's rule); wait again, or end it.
   *
   * @example
   * ```ts
   * import { createSubprocessShell, run } from "aio-ts";
   * await run(async () => {
   *   const proc = await createSubprocessShell("exit 7");
   *   console.log(await proc.wait()); // 7
   * });
   * ```
   */
  async wait(): Promise<number> {
    if (this.code !== null) return this.code;
    return await this.exitWaiters.push(loopOf());
  }

  /**
   * Writes `input` (if given) to the child's stdin and closes it, reads its stdout and stderr to their end, all
   * at once, then waits for the child to exit: asyncio's `communicate`. Returns `[stdout, stderr]`, each `null`
   * where that stream is not a pipe. Writing and reading side by side is what keeps a child that writes a lot
   * while it reads from blocking on a full pipe: 100 MB each way go through.
   *
   * The child closing its stdin early (EPIPE) is no error, as in asyncio: its output is still read. `input` is
   * ignored when stdin is not a pipe (asyncio's rule).
   *
   * **Cancel safety:** cancelling leaves the child running (asyncio's rule); the output not yet read stays in
   * `proc.stdout` and `proc.stderr`, and input not yet written is dropped.
   *
   * @throws TypeError if `input` is not a string or a `Uint8Array`.
   *
   * @example
   * ```ts
   * import { createSubprocessExec, run } from "aio-ts";
   * await run(async () => {
   *   const proc = await createSubprocessExec("sort", [], { stdin: "pipe", stdout: "pipe" });
   *   const [out] = await proc.communicate("b\na\n");
   *   console.log(String(out)); // "a\nb\n"
   * });
   * ```
   */
  communicate(input?: Uint8Array | string): Promise<[Buffer | null, Buffer | null]> {
    if (input !== undefined && typeof input !== "string" && !(input instanceof Uint8Array)) {
      throw argumentError("input", "a string or a Uint8Array", input);
    }
    return this.communicateChecked(input);
  }

  private async communicateChecked(input: Uint8Array | string | undefined): Promise<[Buffer | null, Buffer | null]> {
    const { stdin, stdout, stderr } = this;
    // No pipe (runProcess's default): nothing to feed or read, so no tasks to gather; only the exit to wait for.
    if (stdin === null && stdout === null && stderr === null) {
      await this.wait();
      return [null, null];
    }
    const [, out, err] = await gather(
      () => (stdin === null ? Promise.resolve() : feed(stdin, input)),
      () => (stdout === null ? Promise.resolve(null) : stdout.read()),
      () => (stderr === null ? Promise.resolve(null) : stderr.read()),
    );
    await this.wait();
    return [out, err];
  }

  /** What the stdin writer's `getExtraInfo` knows: `"subprocess"` (this process) and `"pid"`. */
  private extra(name: string): unknown {
    if (name === "subprocess") return this;
    if (name === "pid") return this.pid;
    return undefined;
  }

  /**
   * Sends a signal to the child, named as Node names it (`"SIGHUP"`) or by number.
   *
   * @throws TypeError if `sig` is not a known signal.
   * @throws Error with code `"ESRCH"` if the child has exited (asyncio's `ProcessLookupError`).
   */
  sendSignal(sig: NodeJS.Signals | number): void {
    const { name } = checkSignal(sig);
    if (this.code !== null) throw noSuchProcess(this.pid);
    signalChild(this.pid, name);
  }

  /**
   * Sends SIGTERM: asks the child to exit.
   *
   * @throws Error with code `"ESRCH"` if the child has exited.
   */
  terminate(): void {
    this.sendSignal("SIGTERM");
  }

  /**
   * Sends SIGKILL: the child is killed at once.
   *
   * @throws Error with code `"ESRCH"` if the child has exited.
   */
  kill(): void {
    this.sendSignal("SIGKILL");
  }

  /**
   * @internal Ends the child if it still runs: SIGTERM, then SIGKILL after `killGrace` ms, and waits until it has
   * exited (`returncode` set, pid gone). A cancel during the grace sends SIGKILL at once; the wait for the killed
   * child then still happens (it takes no time to speak of) before the `CancelledError` comes out, so no caller
   * ever sees a child running after this returns or throws.
   */
  async end(): Promise<void> {
    if (this.code !== null) return;
    signalChild(this.pid, "SIGTERM");
    if (this.killGrace > 0) {
      const loop = loopOf();
      const waiter = this.exitWaiters.push(loop);
      const timer = loop.callLater(this.killGrace, () => {
        if (waiter.done()) return;
        this.exitWaiters.remove(waiter);
        waiter.setResult(Number.NaN);
      });
      try {
        await waiter;
      } catch (error) {
        if (!isCancelledError(error)) throw error;
        if (this.code === null) signalChild(this.pid, "SIGKILL");
        await this.exited;
        throw error;
      } finally {
        timer.cancel();
      }
    }
    if (this.code === null) {
      signalChild(this.pid, "SIGKILL");
      await this.exited;
    }
  }

  /** @internal SIGKILL, then waits (not cancellably: it takes no time) until the child is gone. */
  async killAndWait(): Promise<void> {
    try {
      if (this.code === null) signalChild(this.pid, "SIGKILL");
      await this.exited;
    } finally {
      this.closePipes();
    }
  }

  /**
   * Ends the child if it still runs (SIGTERM, then SIGKILL after `killGrace`) and waits until it has exited:
   * what `await using proc = await createSubprocessExec(...)` does at the end of the block.
   *
   * **Cancel safety:** cancelled during the grace, it sends SIGKILL at once, still waits for the child to be gone,
   * then throws `CancelledError`.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.end();
    } finally {
      this.closePipes();
    }
  }

  /**
   * @internal Releases the pipes of a child that has been ended: what is still buffered is dropped. A grandchild
   * that inherited them could otherwise keep them (and their file descriptors) open.
   */
  closePipes(): void {
    this.stdin?.close();
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
  }

  /** A snapshot of the child's state. */
  statistics(): {
    /** The child's process id. */
    pid: number;
    /** `null` while the child runs, then its exit status (`-N` for signal N). */
    returncode: number | null;
    /** Tasks waiting for the exit (`wait()`, `communicate()`, an owner ending the child). */
    waiters: number;
  } {
    return { pid: this.pid, returncode: this.code, waiters: this.exitWaiters.size };
  }

  /** As asyncio's repr: `<Process 1234 running>`, `<Process 1234 exited 0>`, `<Process 1234 killed by SIGKILL>`. */
  toString(): string {
    const rc = this.code;
    if (rc === null) return `<Process ${this.pid} running>`;
    if (rc >= 0) return `<Process ${this.pid} exited ${rc}>`;
    return `<Process ${this.pid} killed by ${signalName(-rc) ?? `signal ${-rc}`}>`;
  }
}
