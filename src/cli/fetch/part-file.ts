// A download's part file, `NAME.part`, with what goes beside it: its lock
// (`NAME.part.lock`: one run writes it), its resume notes (`NAME.part.json`:
// the validator a later run needs to continue it), the digest of its bytes,
// and the move to its final name once it is complete. A small body written
// whole goes to a file of this process's own (`NAME.part.PID`) instead, and
// needs no lock: no other run ever writes that file.
import { createHash, type Hash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  linkSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { link, open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { PART, PART_META } from "./names.ts";
import { type Busy, lockPart, PART_LOCK } from "./part-lock.ts";
import { PartWriter } from "./part-writer.ts";
import { canResume, type Validator } from "./resume.ts";

/** A part at least this large gets its resume notes written at once, so that even a crash can be resumed. */
const NOTES_AT_START = 1024 * 1024;

/** The digest of the first `bytes` bytes of the part. */
interface Digest {
  hash: Hash;
  bytes: number;
}

/**
 * The part of one download. `offset` is the length of the part's bytes that
 * belong to the download (on disk, counting only writes that completed), and
 * what a retry or `--resume` continues from.
 */
export class PartFile {
  /** The final file, its part, its notes and its lock, absolute. */
  readonly final: string;
  readonly part: string;
  private readonly notes: string;
  private readonly lockPath: string;
  offset = 0;
  /** The validator of the part's bytes (for If-Range); `undefined` when they cannot be continued. */
  validator: Validator | undefined = undefined;
  /** Whether the part's notes are on disk (and must go with it). */
  private notesWritten = false;
  /** A digest of the part's first bytes, kept between tries; `undefined` to compute from the part. */
  private digest: Digest | undefined = undefined;
  private unlock: (() => void) | undefined = undefined;
  /** The file of a small body written whole (`NAME.part.PID`), until it is saved or dropped. */
  private whole: string | undefined = undefined;

  constructor(outDir: string, name: string) {
    this.final = join(outDir, name);
    this.part = this.final + PART;
    this.notes = this.final + PART_META;
    this.lockPath = this.final + PART_LOCK;
  }

  /**
   * Locks the part for this run; returns the holder if another live run
   * has it. Throws the system error if no lock can be made (a full disk).
   */
  async lock(): Promise<Busy | undefined> {
    if (this.unlock !== undefined) return undefined;
    const taken = await lockPart(this.lockPath);
    if (typeof taken !== "function") return taken;
    this.unlock = taken;
    return undefined;
  }

  /** Whether this run holds the part's lock: without it, the part is another run's to touch. */
  get locked(): boolean {
    return this.unlock !== undefined;
  }

  /**
   * Ends this run's hold on the part: a part holding bytes keeps (or gets)
   * its notes for `--resume`, then the lock goes. Synchronous, as it may be
   * the last thing a Ctrl-C lets run.
   */
  release(): void {
    if (this.whole !== undefined) removeFile(this.whole); // a small body never saved: nothing to resume
    this.whole = undefined;
    if (this.unlock === undefined) return;
    if (this.offset > 0 && existsSync(this.part)) this.writeNotes();
    this.unlock();
    this.unlock = undefined;
  }

  /** `--resume`: takes up the part an earlier run left, if its notes say it is `url`'s; returns its length. */
  load(url: URL): number {
    try {
      const size = statSync(this.part).size;
      const notes = JSON.parse(readFileSync(this.notes, "utf8")) as Validator;
      if (size > 0 && canResume(notes, url)) {
        this.offset = size;
        this.validator = notes;
        this.notesWritten = true;
        this.digest = undefined;
      }
    } catch {
      // No part, or no notes: start from the beginning (the part is overwritten).
    }
    return this.offset;
  }

  /** Forgets the part's bytes: the next body is written from the start. */
  restart(): void {
    if (this.whole !== undefined) removeFile(this.whole);
    this.whole = undefined;
    this.offset = 0;
    this.validator = undefined;
    this.digest = undefined;
  }

  /** Removes the part and its notes (bytes that are wrong, or can never be saved), and forgets them. */
  discard(): void {
    if (this.locked) {
      removeFile(this.part);
      removeFile(this.notes);
    }
    this.restart();
  }

  /** After a failure: a part holding nothing worth resuming is removed with its notes. */
  dropIfEmpty(): void {
    if (this.offset === 0 && this.locked) {
      removeFile(this.part);
      removeFile(this.notes);
    }
  }

  /** Writes the resume notes (synchronously: see `release`). */
  private writeNotes(): void {
    if (this.validator === undefined) return;
    try {
      writeFileSync(this.notes, JSON.stringify(this.validator));
      this.notesWritten = true;
    } catch {
      // Without notes the part is simply fetched again: nothing is lost.
    }
  }

  /**
   * A small body, whole: one synchronous write (for a small file, the thread
   * pool's round trips cost more than the write itself), to a file of this
   * process's own. The part and its lock are not touched: with 10,000 small
   * files, a lock file each (a create and an unlink) cost more than a tenth
   * of the run, and no other run can write into a file named for this pid.
   */
  writeWhole(bytes: Uint8Array, hashing: boolean): void {
    this.whole = `${this.part}.${process.pid}`;
    writeFileSync(this.whole, bytes);
    this.offset = bytes.length;
    this.digest = hashing ? { hash: createHash("sha256").update(bytes), bytes: bytes.length } : undefined;
  }

  /**
   * Streams a body into the part after its `offset` bytes, written behind
   * the reader (see PartWriter). `onChunk` sees each chunk before it is
   * queued, and may throw to stop. `expected` is the whole file's length,
   * when known: a part of 1 MiB or more gets its notes before its first byte.
   */
  async append(
    body: AsyncIterable<Uint8Array>,
    options: { hashing: boolean; expected: number | undefined; onChunk: (chunk: Uint8Array) => void },
  ): Promise<void> {
    let digest: Digest | undefined;
    if (options.hashing) {
      // A digest from an earlier try covers the part only if nothing was written since; else re-read.
      digest = this.digest?.bytes === this.offset ? this.digest : await digestOf(this.part, this.offset);
    }
    // The digest runs ahead of the disk while the body streams: it is kept only if the body is all written.
    this.digest = undefined;
    const handle = await open(this.part, this.offset > 0 ? "r+" : "w");
    try {
      if (this.offset > 0) await handle.truncate(this.offset);
      if (!this.notesWritten && (options.expected === undefined || options.expected >= NOTES_AT_START)) {
        this.writeNotes();
      }
      const writer = new PartWriter(handle, this.offset);
      try {
        for await (const chunk of body) {
          options.onChunk(chunk);
          digest?.hash.update(chunk);
          await writer.write(chunk);
        }
        await writer.flush();
      } finally {
        // Whatever happened, no write may be under way once the handle closes.
        await writer.settle();
        this.offset = writer.offset;
      }
      if (digest !== undefined) this.digest = { hash: digest.hash, bytes: this.offset };
    } finally {
      await handle.close();
    }
  }

  /** The SHA-256 of the part's bytes, in hex: from the digest kept while writing, or read back. */
  async sha256(): Promise<string> {
    const digest =
      this.digest?.bytes === this.offset ? this.digest : await digestOf(this.whole ?? this.part, this.offset);
    this.digest = undefined; // a digest can be read once
    return digest.hash.digest("hex");
  }

  /**
   * Gives the part its final name; throws EEXIST if a file is there and
   * `replace` is false. Without leave to replace, a link (which fails rather
   * than replace a file) and an unlink of the part: a file that appeared
   * under the name since the check at the start stays. A file system without
   * hard links (FAT, some network ones) gets a check and a rename instead.
   * Small files synchronously, as they were written.
   */
  async save(replace: boolean, small: boolean): Promise<void> {
    const from = this.whole ?? this.part;
    if (replace) {
      if (small) renameSync(from, this.final);
      else await rename(from, this.final);
    } else {
      try {
        if (small) linkSync(from, this.final);
        else await link(from, this.final);
        if (small) unlinkSync(from);
        else await unlink(from);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EXDEV") throw error;
        if (existsSync(this.final)) throw Object.assign(new Error(`${this.final} exists`), { code: "EEXIST" });
        renameSync(from, this.final);
      }
    }
    // A part this run holds, of an earlier try or run, that a small whole body replaced: obsolete now.
    if (this.whole !== undefined && this.locked) removeFile(this.part);
    this.whole = undefined;
    this.offset = 0; // nothing left to resume
    if (this.notesWritten) removeFile(this.notes);
    this.notesWritten = false;
  }
}

/** The digest of the first `length` bytes of a file. */
async function digestOf(path: string, length: number): Promise<Digest> {
  const hash = createHash("sha256");
  if (length > 0) {
    for await (const chunk of createReadStream(path, { start: 0, end: length - 1 })) hash.update(chunk as Buffer);
  }
  return { hash, bytes: length };
}

/** The SHA-256 of the first `length` bytes of a file, in hex. */
export async function hashFile(path: string, length: number): Promise<string> {
  return (await digestOf(path, length)).hash.digest("hex");
}

/**
 * Removes a file of ours if it is there. Never throws: it runs on the way out
 * of a failed URL (where its folder may be a file, ENOTDIR), and a leftover
 * part is only clutter, while a throw here would end the whole run.
 */
function removeFile(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Nothing to remove, or nothing we may remove.
  }
}
