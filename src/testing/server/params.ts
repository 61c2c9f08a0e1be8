import type { Exchange } from "./exchange.ts";
import type { Reply } from "./reply.ts";

/** Largest synthetic body the server generates (`/bytes`, `/range`, `/files`...): 1 GiB. */
export const MAX_SIZE = 2 ** 30;

/** A route: answers a request (path segments after the route's name in `params`), or `undefined` if the client left. */
export type Route = (ex: Exchange, params: readonly string[]) => Reply | undefined | Promise<Reply | undefined>;

/** Thrown by a route for a bad path or query parameter: answered with 400 and the message. */
export class BadRequest extends Error {
  override readonly name = "BadRequest";
}

/** A whole number within `[min, max]`, from a path segment or query value. */
export function intParam(name: string, text: string | null | undefined, min: number, max: number): number {
  const value = text === null || text === undefined || text.trim() === "" ? Number.NaN : Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BadRequest(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text ?? "")}`);
  }
  return value;
}

/** A number within `[min, max]` (seconds, rates). */
export function numberParam(name: string, text: string | null | undefined, min: number, max: number): number {
  const value = text === null || text === undefined || text.trim() === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new BadRequest(`${name} must be a number from ${min} to ${max}, got ${JSON.stringify(text ?? "")}`);
  }
  return value;
}

/** An optional query parameter: `fallback` when absent, else parsed by `parse`. */
export function optional<T>(ex: Exchange, name: string, fallback: T, parse: (text: string) => T): T {
  if (ex.rawQuery === "") return fallback;
  const text = ex.query.get(name);
  return text === null ? fallback : parse(text);
}

/** Exactly one path segment after the route's name (as in `/bytes/:n`). */
export function oneParam(params: readonly string[], what: string): string {
  if (params.length !== 1 || params[0] === "") throw new BadRequest(`expected /${what}`);
  return params[0] as string;
}
