// Where a process's inspect channel lives: one Unix socket per process, named by its pid, in a folder that only its
// user can enter. The target (channel.ts) and `aio ps` (src/cli/ps) both compute it here, from the target's
// environment, so that they agree even when the two were started with different environments.
import { join } from "node:path";

/** The environment variables the path depends on. */
export interface ChannelEnv {
  readonly XDG_RUNTIME_DIR?: string | undefined;
  readonly TMPDIR?: string | undefined;
}

/**
 * The folders where the channels of user `uid` may be, in the order a process tries them: `$XDG_RUNTIME_DIR/aio-ts`
 * where the session has a runtime folder (it is already the user's own, mode 0700, and emptied at logout), then
 * `$TMPDIR/aio-ts-UID` (or `/tmp/aio-ts-UID`), created with mode 0700. A process uses the first it can; the second
 * serves where `XDG_RUNTIME_DIR` names a folder that is not there (a `su` session keeps the first user's). Only
 * absolute paths count: a relative one would depend on the working directory.
 */
export function channelDirs(env: ChannelEnv, uid: number): string[] {
  const dirs: string[] = [];
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime?.startsWith("/")) dirs.push(join(runtime, "aio-ts"));
  dirs.push(join(env.TMPDIR?.startsWith("/") ? env.TMPDIR : "/tmp", `aio-ts-${uid}`));
  return dirs;
}

/** The socket of process `pid` in `dir`. */
export function channelPath(dir: string, pid: number): string {
  return join(dir, `${pid}.sock`);
}

/** The key on `globalThis` under which the copies of aio-ts loaded in one process share one channel. */
export const CHANNEL_KEY: unique symbol = Symbol.for("aio-ts.inspect");

/** The channel's protocol version, sent in every answer; `aio ps` refuses an answer of a version it does not know. */
export const PROTOCOL = 1;
