// Why a try failed, in words for the user, and whether another try may heal it.
import { HttpError, HttpResponseTooLargeError, type RetryPolicy } from "../../http.ts";
import { TimeoutError } from "../../index.ts";

/** A failure of one try, and whether another try may help. */
export class TryFailure extends Error {
  readonly retryable: boolean;
  /** How long the server asked us to wait (Retry-After), in ms. */
  readonly retryAfter: number | undefined;

  constructor(message: string, retryable: boolean, retryAfter?: number) {
    super(message);
    this.retryable = retryable;
    this.retryAfter = retryAfter;
  }
}

/**
 * A system error in words: `read-only file system (EROFS)`. Node's message
 * is `EROFS: read-only file system, open '/abs/out/a.bin.part'`; the path
 * may be one of our own temporary files, so the caller names the file.
 */
export function systemErrorText(error: NodeJS.ErrnoException): string {
  const code = error.code ?? "";
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(error.message);
  return m === null ? error.message : `${m[1]} (${code})`;
}

/** A system error (a file's): it has a code such as `ENOSPC` and the call that failed. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === "string" &&
    typeof (error as NodeJS.ErrnoException).syscall === "string"
  );
}

/**
 * Turns whatever a try threw into a `TryFailure`, in the user's words: the
 * options they gave (`--timeout`, `--max-size`), not the session's names
 * for them, and the file a system error was about.
 */
export function classify(
  error: unknown,
  settings: { timeout: number | null; maxSize: number; retry: RetryPolicy },
  file: string | undefined,
): TryFailure {
  if (error instanceof TryFailure) return error;
  if (error instanceof TimeoutError) {
    return new TryFailure(`timed out after ${(settings.timeout ?? 0) / 1000} s (--timeout)`, true);
  }
  if (error instanceof HttpResponseTooLargeError) {
    return new TryFailure(`the body is over --max-size (${settings.maxSize} bytes)`, false);
  }
  if (isSystemError(error) && !(error instanceof HttpError)) {
    // A full disk, a read-only folder, a permission: the network is not at fault, no retry heals it.
    const what = file === undefined ? "the file" : file;
    return new TryFailure(`cannot write ${what}: ${systemErrorText(error)}`, false);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TryFailure(message, settings.retry.isRetryableError(error));
}
