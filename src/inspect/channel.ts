// The target's end of `aio ps` / `aio pstree`: a Unix socket per process that answers each connection with one JSON
// snapshot of the process's aio tasks and closes it. docs/inspect.md ("how they reach a process") says why this
// channel and not the Node inspector; the rules that follow from that choice:
// - same user only: the socket sits in a folder of mode 0700 owned by the user, checked before use (a folder that
//   someone else made or opened up disables the channel rather than exposing it);
// - read only: the socket reads no request and runs nothing it is sent, it only writes the snapshot;
// - invisible: nothing printed, no signal handler, the server and its connections are unref()ed so they never keep
//   the process alive, and the socket file is removed at exit;
// - never fatal: any failure (read-only /tmp, no Unix sockets, the permission model) leaves the channel closed and
//   the program running as if aio-ts had no channel.
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { isMainThread } from "node:worker_threads";
import { envVar, granted } from "../core/permissions.ts";
import { CHANNEL_KEY, channelDirs, channelPath, PROTOCOL } from "./channel-path.ts";

/** What one copy of aio-ts contributes to an answer: its loops and their tasks. */
export type SnapshotProvider = () => { loops: readonly object[] };

/** Shared by every copy of aio-ts loaded in the process (two installed versions answer through one socket). */
interface Hook {
  readonly providers: Set<SnapshotProvider>;
  /** The socket's path while it is open. */
  path: string | undefined;
}

/**
 * Adds `provider` to the process's channel, opening the channel on the first call of the process: in the main
 * thread, on a Unix system, unless `AIO_INSPECT=0`. Returns the socket's path, or `undefined` when there is none.
 */
export function installChannel(provider: SnapshotProvider): string | undefined {
  const global = globalThis as { [CHANNEL_KEY]?: Hook };
  let hook = global[CHANNEL_KEY];
  if (hook === undefined) {
    hook = { providers: new Set(), path: undefined };
    // Not enumerable: a program that lists globalThis sees nothing new.
    Object.defineProperty(globalThis, CHANNEL_KEY, { value: hook, enumerable: false });
    // Under Deno, only with every permission the channel needs already granted: never a prompt, never an error.
    const allowed =
      ["env", "read", "write"].every((name) => granted({ name })) && granted({ name: "sys", kind: "uid" });
    if (isMainThread && process.platform !== "win32" && allowed && envVar("AIO_INSPECT") !== "0")
      hook.path = open(hook);
  }
  hook.providers.add(provider);
  return hook.path;
}

function open(hook: Hook): string | undefined {
  try {
    const uid = process.getuid?.();
    if (uid === undefined) return undefined;
    const dir = channelDirs(process.env, uid).find((d) => ownFolder(d, uid));
    if (dir === undefined) return undefined;
    const path = channelPath(dir, process.pid);
    // A socket left by an earlier process with this pid (killed before it could remove it): listen() needs the name.
    unlinkQuietly(path);
    const server = createServer({ pauseOnConnect: false }, (socket) => answer(hook, socket));
    // An error after listen() (none is known) closes the channel, never the program.
    server.on("error", () => server.close());
    // The folder already keeps other users out; the socket's own mode says so too, for anyone who copies the path.
    server.listen(path, () => chmodQuietly(path));
    server.unref();
    process.once("exit", () => unlinkQuietly(path));
    return path;
  } catch {
    return undefined;
  }
}

/** Makes `dir` (mode 0700) if it is not there, and says whether it is the user's alone. */
function ownFolder(dir: string, uid: number): boolean {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") return false;
  }
  try {
    // lstat, not stat: a symlink planted in place of the folder is refused, not followed.
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === uid && (stat.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

function answer(hook: Hook, socket: Socket): void {
  socket.unref();
  // A reader that goes away mid-answer is its own business.
  socket.on("error", () => socket.destroy());
  let body: string;
  try {
    const loops: object[] = [];
    for (const provider of hook.providers) loops.push(...provider().loops);
    body = JSON.stringify({ protocol: PROTOCOL, pid: process.pid, argv: process.argv, loops });
  } catch (error) {
    body = JSON.stringify({ protocol: PROTOCOL, pid: process.pid, error: String(error) });
  }
  socket.end(body);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function chmodQuietly(path: string): void {
  try {
    chmodSync(path, 0o600);
  } catch {
    // Removed already (the process is exiting).
  }
}
