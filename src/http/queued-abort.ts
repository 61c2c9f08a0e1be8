/**
 * undici's hook for aborting a request that still waits for a connection.
 *
 * A request dispatched while its pool is connecting sits in undici's queue,
 * and its handler has no controller yet (`onRequestStart` comes once a
 * connection is ready). Without this hook an abort can only be noted and
 * applied when the connection arrives, so a cancelled request to a host whose
 * TCP or TLS connect hangs keeps that connect alive until `connect` times out
 * (30 s by default), and even `agent.destroy()` leaves it. undici's own
 * `request({ signal })` avoids this through an option keyed by the
 * `kQueuedAbort` symbol: each dispatcher that queues the request calls the
 * hook with a function that takes the request out of the queue, and the
 * client then destroys a connect no request waits for any more.
 *
 * The symbol is not exported by undici's entry point (undici has no exports
 * map, so its module is reachable by path). It is loaded through `undici.ts`,
 * from the same undici instance as the `Agent` (a symbol of another copy
 * would never match). It is looked up once; if a later
 * undici drops it, the hook is simply never called and aborts fall back to
 * the `onRequestStart` path (test/http/client-cancel.test.ts then fails on
 * "cancelling during a hanging connect").
 */
import { undiciFile } from "./undici.ts";

function lookUp(): symbol | undefined {
  try {
    const symbols = undiciFile("lib/core/symbols.js") as Record<string, unknown>;
    const key = symbols.kQueuedAbort;
    return typeof key === "symbol" ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The dispatch-option key of undici's queued-abort hook, if this undici has one. */
export const QUEUED_ABORT: symbol | undefined = lookUp();

/** What undici hands the hook: a function that fails the queued request with `reason` and dequeues it. */
export type CancelQueued = (reason: Error) => void;
