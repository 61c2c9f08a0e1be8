// The lock of a part file, so that two runs on one output folder never write
// one file: `NAME.part.lock`, created exclusively (O_EXCL), holding the pid
// of the process that writes the part; stale once that process is gone.
import { closeSync, existsSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { sleep } from "../../index.ts";

/** The suffix of a part's lock file. */
export const PART_LOCK = ".part.lock";

/** Another live process holds the lock. */
export interface Busy {
  pid: number;
}

/** Whether a process runs: signal 0 checks it exists without touching it (EPERM: it exists, not ours). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid a lock file holds; `undefined` if it holds none (empty, being written, or garbage). */
function holderOf(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How long a lock without a pid is given to get one: a lock is created, then
 * its pid written, so a run may see it empty for the microseconds between.
 * Still empty after this, it was left by a run killed between the two.
 */
const EMPTY_LOCK_GRACE = 100;

/**
 * Takes the lock at `path`: returns a function that releases it, or the
 * holder when another live process has it. A lock whose pid is gone is stale
 * (its run was killed) and is taken over; so is one holding this process's
 * own pid, since a run never locks one part twice (its names are claimed
 * once), so it was left by a dead process whose pid this one reuses.
 * Throws the system error if the lock cannot be created (a full disk, a
 * read-only folder).
 *
 * **Cancel safety:** it waits only for a lock found without a pid; if
 * cancelled then, it holds nothing.
 */
export async function lockPart(path: string): Promise<(() => void) | Busy> {
  for (let tries = 0; ; tries++) {
    // One exclusive create and one write: a lock costs two calls to the file system (and one to
    // release), which matters with 10,000 small files.
    let fd: number | undefined;
    try {
      fd = openSync(path, "wx");
      writeSync(fd, `${process.pid}\n`);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if (fd !== undefined) rmSync(path, { force: true }); // created, but no pid written (a full disk)
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || tries >= 3) throw error;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    let holder = holderOf(path);
    if (holder === undefined) {
      await sleep(EMPTY_LOCK_GRACE);
      if (!existsSync(path)) continue; // released meanwhile
      holder = holderOf(path);
    }
    if (holder !== undefined && holder !== process.pid && alive(holder)) return { pid: holder };
    breakStale(path, holder);
  }
}

/**
 * Removes a stale lock. Two runs may find the same stale lock at once: each
 * moves it aside under a name of its own (a rename is atomic, so only one
 * gets any given file) and checks that what it moved is the stale lock it
 * saw. If the other run was quicker and this one moved its fresh lock away,
 * that lock is put back (a link, which never replaces a file).
 */
function breakStale(path: string, stale: number | undefined): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return; // Someone else moved it first: try to create it again.
  }
  if (holderOf(aside) !== stale) {
    try {
      linkSync(aside, path);
    } catch {
      // A third run holds the lock now; the one moved aside lost it, as if it had been killed.
    }
  }
  rmSync(aside, { force: true });
}
