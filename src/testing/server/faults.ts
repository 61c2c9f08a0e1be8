import { argumentError } from "../../core/index.ts";
import { hashString, mix32 } from "./content.ts";
import type { Exchange } from "./exchange.ts";
import { BadRequest, intParam, numberParam } from "./params.ts";

/**
 * The ways a response can go wrong on the wire:
 * - `reset`: the connection is reset (TCP RST) before any response byte.
 * - `close`: the connection is closed cleanly (FIN) before any response byte.
 * - `stall`: the request is read and never answered.
 * - `reset-mid-body`: the headers (with the full Content-Length) and half the body, then a reset.
 * - `stall-mid-body`: the headers and half the body, then nothing more.
 * - `wrong-length`: Content-Length larger than the body; the body, then the connection is closed.
 *   (A chunked body loses its final chunk instead.)
 * - `slow-drip`: the whole body, a `chunk` of bytes every `interval` ms.
 *
 * @example
 * ```ts
 * import { type FaultKind, serve } from "aio-ts/testing";
 * const fault: FaultKind = "reset-mid-body";
 * await using server = await serve({ faults: { fault } });
 * ```
 */
export type FaultKind =
  | "reset"
  | "close"
  | "stall"
  | "reset-mid-body"
  | "stall-mid-body"
  | "wrong-length"
  | "slow-drip";

/**
 * Every fault kind, in the order of the docs.
 *
 * @example
 * ```ts
 * import { FAULT_KINDS, serve } from "aio-ts/testing";
 * await using server = await serve();
 * for (const fault of FAULT_KINDS) console.log(`${server.url}/bytes/1000?fault=${fault}`);
 * ```
 */
export const FAULT_KINDS: readonly FaultKind[] = [
  "reset",
  "close",
  "stall",
  "reset-mid-body",
  "stall-mid-body",
  "wrong-length",
  "slow-drip",
];

/**
 * Faults to inject: what goes wrong (`fault`, or an error `status` with an
 * optional `retryAfter`) and when (always, or `failRate`/`failTimes`). The
 * same fields exist as query parameters (`fault`, `status`, `retry-after`,
 * `fail-rate`, `fail-seed`, `fail-times`, `fault-interval`, `fault-chunk`),
 * which override the server-wide ones field by field.
 *
 * "What" and "when" combine: `{ status: 429, retryAfter: 2, failTimes: 1 }`
 * answers the first request to each URL with 429 and `Retry-After: 2`, and
 * the next ones normally; `{ fault: "reset-mid-body", failRate: 0.3 }`
 * cuts about 30% of the responses, the same ones in every run.
 *
 * @example
 * ```ts
 * import { serve } from "aio-ts/testing";
 * await using server = await serve({ faults: { status: 503, retryAfter: 1, failTimes: 2 } });
 * // The first two requests to each URL get 503 + Retry-After: 1, the third gets the page.
 * // Per request instead: `${server.url}/get?status=503&retry-after=1&fail-times=2`
 * ```
 */
export interface FaultOptions {
  /** A wire-level fault. */
  fault?: FaultKind | undefined;
  /** Answer this status (400-599) instead of the route; 503 when only `retryAfter` or a rate is given. */
  status?: number | undefined;
  /** `Retry-After` for the error status: seconds, or an HTTP date. */
  retryAfter?: number | string | undefined;
  /** Probability (0-1) that a request fails; per URL, deterministic for a given `failSeed`. */
  failRate?: number | undefined;
  /** Seed of `failRate`'s draws (default 0). */
  failSeed?: number | string | undefined;
  /** Only the first `failTimes` requests to each URL fail; later ones are answered normally. */
  failTimes?: number | undefined;
  /** `slow-drip`: milliseconds between writes (default 100). */
  interval?: number | undefined;
  /** `slow-drip`: bytes per write (default: a twentieth of the body, at least 1). */
  chunk?: number | undefined;
}

/** What to do to one request, once the "when" part has decided that it fails. */
export interface Fault {
  kind: FaultKind | undefined;
  status: number | undefined;
  retryAfter: string | undefined;
  interval: number;
  chunk: number | undefined;
}

/** `reset`, `close` and `stall` (and error statuses) happen before the route runs; the rest while sending its reply. */
export function isBeforeResponse(kind: FaultKind | undefined): boolean {
  return kind === "reset" || kind === "close" || kind === "stall";
}

function checkKind(value: unknown, name: string): FaultKind {
  if (!FAULT_KINDS.includes(value as FaultKind)) {
    throw new BadRequest(`unknown ${name} ${JSON.stringify(value)}; one of ${FAULT_KINDS.join(", ")}`);
  }
  return value as FaultKind;
}

function checkRetryAfter(value: string): string {
  if (/^\d+$/.test(value) || (/^[\x20-\x7e]+$/.test(value) && !Number.isNaN(new Date(value).getTime()))) return value;
  throw new BadRequest(`retry-after must be seconds or an HTTP date, got ${JSON.stringify(value)}`);
}

/** Checks server-wide fault options (throws `TypeError` in the library's message shape). */
export function checkFaultOptions(options: FaultOptions): FaultOptions {
  if (options === null || typeof options !== "object") throw argumentError("faults", "an object", options);
  try {
    if (options.fault !== undefined) checkKind(options.fault, "fault");
    if (options.status !== undefined) intParam("status", String(options.status), 400, 599);
    if (options.retryAfter !== undefined) checkRetryAfter(String(options.retryAfter));
    if (options.failRate !== undefined) numberParam("failRate", String(options.failRate), 0, 1);
    if (options.failTimes !== undefined) intParam("failTimes", String(options.failTimes), 0, 2 ** 31 - 1);
    if (options.interval !== undefined) numberParam("interval", String(options.interval), 0, 3_600_000);
    if (options.chunk !== undefined) intParam("chunk", String(options.chunk), 1, 2 ** 31 - 1);
  } catch (error) {
    throw argumentError("faults", `valid fault options (${(error as Error).message})`, options);
  }
  return { ...options };
}

/**
 * Decides whether this request fails and how: server-wide `defaults`,
 * overridden by the request's query parameters. Returns `undefined` for a
 * normal answer. Throws `BadRequest` for a bad fault parameter.
 *
 * `fail-rate` draws are a hash of (seed, method and URL, how many requests
 * that URL has had), so the n-th request to a URL fails or not the same way
 * in every run, however requests to other URLs interleave with it.
 */
export function planFault(ex: Exchange, defaults: FaultOptions | undefined): Fault | undefined {
  const q = ex.rawQuery === "" ? undefined : ex.query;
  const get = (name: string): string | undefined => q?.get(name) ?? undefined;
  const kindText = get("fault");
  const kind = kindText !== undefined ? checkKind(kindText, "fault") : defaults?.fault;
  // `status` is also an ordinary word in query strings: only an error code counts as a fault.
  const statusText = get("status");
  const statusQuery = statusText !== undefined && /^[45]\d\d$/.test(statusText) ? Number(statusText) : undefined;
  let status = statusQuery ?? defaults?.status;
  const retryText = get("retry-after");
  const retryAfter = retryText !== undefined ? checkRetryAfter(retryText) : defaults?.retryAfter?.toString();
  const rateText = get("fail-rate");
  const failRate = rateText !== undefined ? numberParam("fail-rate", rateText, 0, 1) : defaults?.failRate;
  const timesText = get("fail-times");
  const failTimes = timesText !== undefined ? intParam("fail-times", timesText, 0, 2 ** 31 - 1) : defaults?.failTimes;
  if (kind === undefined && status === undefined && retryAfter === undefined) {
    if (failRate === undefined && failTimes === undefined) return undefined;
  }
  if (failRate !== undefined || failTimes !== undefined) {
    const key = `${ex.req.method} ${ex.req.url}`;
    const n = ex.count(`fault\0${key}`);
    if (failTimes !== undefined && n >= failTimes) return undefined;
    if (failRate !== undefined) {
      const seed = get("fail-seed") ?? String(defaults?.failSeed ?? 0);
      const draw = mix32(hashString(key, hashString(seed)) ^ mix32(n)) / 2 ** 32;
      if (draw >= failRate) return undefined;
    }
  }
  if (kind === undefined && status === undefined) status = 503;
  const intervalText = get("fault-interval");
  const chunkText = get("fault-chunk");
  return {
    kind,
    status: kind === undefined ? status : undefined,
    retryAfter: kind === undefined ? retryAfter : undefined,
    interval:
      intervalText !== undefined
        ? numberParam("fault-interval", intervalText, 0, 3_600_000)
        : (defaults?.interval ?? 100),
    chunk: chunkText !== undefined ? intParam("fault-chunk", chunkText, 1, 2 ** 31 - 1) : defaults?.chunk,
  };
}
