/**
 * How an error thrown by a worker function crosses back to the caller.
 *
 * Worker threads send values by structured clone, which keeps an `Error`'s
 * `message`, `stack` and `cause`, and its class when it is a built-in one
 * (`TypeError`, `RangeError`...), but drops its own properties (`code`,
 * `errno`...) and turns any other class into `Error`. So the worker sends a
 * packet: the error, plus its `name` and own properties cloned one by one
 * (those that cannot be cloned are left out). The caller gets the error back
 * with them restored: `instanceof TypeError`, `error.code` and
 * `error.name === "MyError"` work as in the worker; `instanceof MyError`
 * cannot, the class itself does not travel. The `cause` travels as a packet
 * of its own: Bun's structured clone (JavaScriptCore's) drops it, and its
 * name and properties deserve the same restoring.
 *
 * The packet is a plain object, thrown instead of the error, so the main
 * thread can tell the function's own error from a failure around it (a
 * thread that died, a pool that closed), which piscina reports as plain
 * errors too.
 *
 * This file runs in worker threads: it imports nothing.
 */

const TAG = "aio.workers.RemoteError";

/** What a worker throws in place of its function's error. */
export interface RemoteError {
  [TAG]: true;
  /** The error, or the thrown value if it was not an `Error`. */
  error: unknown;
  /** The error's `name`, which cloning loses for classes that are not built in. */
  name?: string;
  /** The error's own enumerable properties that could be cloned. */
  props?: Record<string, unknown>;
  /** The error's `cause`, packed the same way, if it has one. */
  cause?: RemoteError;
}

/** Causes packed below an error: a deeper chain (or a cycle) is cut there. */
const MAX_CAUSES = 8;

/** Whether structured clone (what carries values between threads) can copy `value`. */
export function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** Worker side: wraps a thrown value so that it crosses to the caller whole. */
export function packError(error: unknown, depth = 0): RemoteError {
  if (!(error instanceof Error)) {
    return { [TAG]: true, error: cloneable(error) ? error : String(error) };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (cloneable(value)) props[key] = value;
  }
  // An error whose `cause` (or anything else the clone walks) cannot be
  // cloned would fail the whole reply and kill the thread: send a copy
  // with what can be kept.
  let sent: unknown = error;
  if (!cloneable(error)) {
    const copy = new Error(error.message);
    copy.stack = error.stack ?? `${error.name}: ${error.message}`;
    sent = copy;
  }
  const packet: RemoteError = { [TAG]: true, error: sent, name: error.name, props };
  if (error.cause !== undefined && depth < MAX_CAUSES) packet.cause = packError(error.cause, depth + 1);
  return packet;
}

/** Main side: whether a rejection came from the worker function (a packet). */
export function isRemoteError(value: unknown): value is RemoteError {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[TAG] === true;
}

/** Main side: the function's error, with its name and own properties back. */
export function unpackError(packet: RemoteError): unknown {
  const error = packet.error;
  if (!(error instanceof Error)) return error;
  if (packet.props !== undefined) Object.assign(error, packet.props);
  if (packet.name !== undefined && error.name !== packet.name) {
    Object.defineProperty(error, "name", { value: packet.name, writable: true, configurable: true });
  }
  if (packet.cause !== undefined) {
    Object.defineProperty(error, "cause", { value: unpackError(packet.cause), writable: true, configurable: true });
  }
  return error;
}
