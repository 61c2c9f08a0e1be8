// `aio ps`'s end of the channel (src/inspect/channel.ts): finds process PID's socket, reads its one JSON answer, and
// turns every way that can fail into one line that says what is wrong with that process.
import { lstatSync, readFileSync, readlinkSync, statSync, unlinkSync } from "node:fs";
import { basename } from "node:path";
import { timeout } from "../../combinators/timeout.ts";
import { isCancelledError, TimeoutError } from "../../core/index.ts";
import { type ChannelEnv, channelDirs, channelPath } from "../../inspect/channel-path.ts";
import { run } from "../../runner/run.ts";
import { openUnixConnection } from "../../streams/index.ts";
import { parseAnswer, ReachError, type RemoteProcess } from "./remote.ts";

export { ReachError };

/** How long a process may take to answer by default before `aio ps` gives up: its loop is blocked, or it is stopped. */
export const ANSWER_TIMEOUT_MS = 10_000;

/** Reads the aio tasks of process `pid`, or throws `ReachError` saying why not. */
export function readProcess(pid: number, timeoutMs = ANSWER_TIMEOUT_MS): Promise<RemoteProcess> {
  checkAlive(pid);
  const name = processName(pid);
  const who = `process ${pid}${name === undefined ? "" : ` (${name})`}`;
  const notNode = name !== undefined && !looksLikeNode(name);
  const paths = candidatePaths(pid);
  const sockets = paths.filter(isSocket);
  if (sockets.length === 0) {
    if (notNode) throw new ReachError(`${who} is not a Node.js process`);
    throw new ReachError(
      `${who} does not use aio-ts: it has no aio-ts channel ` +
        `(looked for ${paths.join(" and ")}; a program started with AIO_INSPECT=0 has none either)`,
    );
  }
  return run(async () => {
    let stale = false;
    for (const path of sockets) {
      try {
        return parseAnswer(pid, await ask(path, timeoutMs));
      } catch (error) {
        if (isCancelledError(error) || error instanceof ReachError) throw error;
        if (error instanceof TimeoutError) {
          throw new ReachError(
            `process ${pid} did not answer within ${timeoutMs / 1000} s: its event loop is blocked ` +
              "(a long synchronous call) or the process is stopped",
          );
        }
        if ((error as NodeJS.ErrnoException).code !== "ECONNREFUSED") {
          throw new ReachError(`the channel to process ${pid} failed: ${(error as Error).message}`);
        }
        // Nobody listens: the socket was left by an earlier process that had this pid and was killed before it
        // could remove it. It is the user's own file in the user's own folder; removing it is what that process
        // would have done. The live channel may still be in the next folder.
        unlinkQuietly(path);
        stale = true;
      }
    }
    const removed = stale ? ` (removed a stale channel left by an earlier process ${pid})` : "";
    throw new ReachError(
      notNode ? `${who} is not a Node.js process${removed}` : `${who} does not use aio-ts${removed}`,
    );
  });
}

/** Connects to the socket at `path` and reads its whole answer. */
async function ask(path: string, timeoutMs: number): Promise<string> {
  const answer = await timeout(timeoutMs, async () => {
    const [reader, writer] = await openUnixConnection(path);
    try {
      return await reader.read();
    } finally {
      writer.close();
    }
  });
  return new TextDecoder().decode(answer);
}

/** Throws for a pid that is not running or not the user's. */
function checkAlive(pid: number): void {
  // The owner of /proc/PID is the process's user. Checked before kill(2), which lets root signal anyone: even root
  // reads only its own processes, since the channel of another user is in that user's folder (and root reading it
  // would be a way round the folder's 0700).
  const uid = process.getuid?.();
  let owner: number | undefined;
  try {
    owner = statSync(`/proc/${pid}`).uid;
  } catch {
    // No /proc (macOS), or no such process: kill(2) below tells which.
  }
  if (owner !== undefined && uid !== undefined && owner !== uid) {
    throw new ReachError(`process ${pid} belongs to another user (uid ${owner}): aio ps reads only your own processes`);
  }
  try {
    process.kill(pid, 0); // signal 0: nothing is sent, only existence and permission are checked
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ESRCH") throw new ReachError(`no process with pid ${pid}`);
    if (code === "EPERM") {
      throw new ReachError(`process ${pid} belongs to another user: aio ps reads only your own processes`);
    }
    throw new ReachError(`cannot check process ${pid}: ${(error as Error).message}`);
  }
}

/** The program's file name (Linux's /proc), or `undefined` where it cannot be read. */
function processName(pid: number): string | undefined {
  try {
    return basename(readlinkSync(`/proc/${pid}/exe`));
  } catch {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim() || undefined;
    } catch {
      return undefined;
    }
  }
}

/** node, nodejs, node24, and the runtimes whose Node compatibility runs aio-ts (Bun, Deno). */
function looksLikeNode(name: string): boolean {
  return /^(node|nodejs|bun|deno)([\d.-].*)?$/i.test(name.replace(/ \(deleted\)$/, ""));
}

/**
 * Where the target's socket may be: the folder computed from the target's own environment first (Linux lets the
 * same user read it), then from this command's.
 */
function candidatePaths(pid: number): string[] {
  const uid = process.getuid?.() ?? 0;
  const envs: ChannelEnv[] = [];
  try {
    const env: Record<string, string> = {};
    for (const entry of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
      const eq = entry.indexOf("=");
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    envs.push(env);
  } catch {
    // No /proc (macOS): this command's environment is the best guess.
  }
  envs.push(process.env);
  return [...new Set(envs.flatMap((env) => channelDirs(env, uid).map((dir) => channelPath(dir, pid))))];
}

function isSocket(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already.
  }
}
