// Writes a streamed body into its `.part` file behind the reader (see PartWriter).
import type { FileHandle } from "node:fs/promises";

/**
 * Bytes of a body allowed to wait for the disk before the reader waits too.
 * 256 KiB, not more: with 16 large downloads, 4 MiB each (64 MiB in flight)
 * cost nearly twice the kernel time of 256 KiB each (the bytes had left the
 * CPU's caches by the time `writev` copied them) and more wall time; below
 * 256 KiB the reader waits too often (docs/fetch.md, "Measured").
 */
const WRITE_BEHIND = 256 * 1024;

/**
 * Writes a body into its part behind the reader. One write to the thread
 * pool per chunk, with the reader waiting for each, halved the large-file
 * rate: here the chunks that arrive while a write is under way are written
 * together by the next one (`writev`), and the reader waits only when
 * `WRITE_BEHIND` bytes are queued. `offset` counts the bytes on disk, so a
 * retry or a resume continues from what was really written.
 */
export class PartWriter {
  private readonly handle: FileHandle;
  /** Where the next write goes: the part's length on disk, counting only writes that completed. */
  offset: number;
  private queued: Uint8Array[] = [];
  private queuedBytes = 0;
  /** The write loop, while one runs; it never rejects (see `failure`). */
  private writing: Promise<void> | undefined = undefined;
  private failure: { error: unknown } | undefined = undefined;

  constructor(handle: FileHandle, offset: number) {
    this.handle = handle;
    this.offset = offset;
  }

  /** Queues a chunk; waits only while too much is queued. Throws the error of an earlier write. */
  async write(chunk: Uint8Array): Promise<void> {
    this.check();
    this.queued.push(chunk);
    this.queuedBytes += chunk.length;
    this.writing ??= this.drain();
    if (this.queuedBytes >= WRITE_BEHIND) await this.writing;
    this.check();
  }

  /** Waits until every queued chunk is on disk. Throws the error of a failed write. */
  async flush(): Promise<void> {
    await this.settle();
    this.check();
  }

  /**
   * Writes what is still queued and waits for it; never throws. After a
   * failed try (a dropped connection, a cancel) the bytes received are a
   * true prefix of the file: on disk, the next try or `--resume` need not
   * fetch them again. A failed write stops it (its error was recorded).
   */
  async settle(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }

  /**
   * Writes `chunks` (`bytes` in all) at the offset, and moves the offset by
   * what the disk took. libuv's `writev` returns a short count with no error
   * when a write fails part-way (ENOSPC, EFBIG, EDQUOT: the file system took
   * what it had room for), so the rest is written again; that second write
   * is the one that reports the error. Counting the bytes queued instead of
   * those written is how a full disk once gave a truncated file its final name.
   */
  private async writeAll(chunks: Uint8Array[], bytes: number): Promise<void> {
    let left = chunks;
    let remaining = bytes;
    while (remaining > 0) {
      const { bytesWritten } = await this.handle.writev(left, this.offset);
      this.offset += bytesWritten;
      remaining -= bytesWritten;
      if (remaining === 0) return;
      if (bytesWritten === 0) throw new Error(`wrote 0 of ${remaining} bytes to the part file, and no error`);
      left = skipBytes(left, bytesWritten);
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        const chunks = this.queued;
        const bytes = this.queuedBytes;
        this.queued = [];
        this.queuedBytes = 0;
        await this.writeAll(chunks, bytes);
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.writing = undefined;
    }
  }
}

/** `chunks` without their first `n` bytes (views, no copies). */
function skipBytes(chunks: readonly Uint8Array[], n: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  let skip = n;
  for (const chunk of chunks) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    rest.push(skip === 0 ? chunk : chunk.subarray(skip));
    skip = 0;
  }
  return rest;
}
