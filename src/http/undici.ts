/**
 * The one door to undici: every module of `src/http` and `src/cli` imports
 * undici from here, never by its bare name.
 *
 * Bun answers the bare specifier `"undici"` (both `import` and `require`,
 * even through an absolute path that `require.resolve` returns) with a module
 * built into Bun: its `Agent` has no `compose()` and its `interceptors` are
 * empty shells, so a `ClientSession` built on it fails with "this.agent.compose
 * is not a function". A path inside the package, `undici/index.js`, is not
 * replaced: Bun then loads the real undici from node_modules, as Node and Deno
 * do for either form (measured on Bun 1.4.4, Deno 2.9.6, Node 22 and 24; see
 * docs/runtimes.md). undici has no exports map, so the path is public, and
 * TypeScript reads its types from the `index.d.ts` beside it.
 *
 * Internal files of undici (its symbols, see `queued-abort.ts`) are loaded by
 * `undiciFile()` with the same resolution, so that they come from the very
 * instance of undici that the `Agent` comes from: one module cache, one
 * `Symbol('queued abort')`.
 *
 * @module
 */
import { createRequire } from "node:module";
import { Agent } from "undici/index.js";
import { AioError } from "../core/index.ts";

export type { Dispatcher } from "undici/index.js";
export { Agent, errors, interceptors } from "undici/index.js";

/** Loads a CommonJS file inside the undici package, e.g. `"lib/core/symbols.js"`. */
export function undiciFile(path: string): unknown {
  return createRequire(import.meta.url)(`undici/${path}`);
}

/**
 * Throws if the undici that was loaded is not the real one (a runtime that
 * replaced it with a built-in module of its own), naming the cause, rather
 * than letting `ClientSession` fail later on a missing method.
 *
 * @throws {AioError} `ERR_AIO_UNSUPPORTED_RUNTIME` when undici's `Agent` lacks `compose()`.
 */
export function assertRealUndici(): void {
  if (typeof (Agent.prototype as Partial<typeof Agent.prototype>).compose === "function") return;
  throw new AioError(
    "aio-ts/http needs the undici package from node_modules, but this runtime " +
      `(${runtimeName()}) gave its own built-in undici instead, which lacks Agent.compose(); ` +
      "install undici next to aio-ts, or use Node.js 22.19+, Bun 1.4 or Deno 2.9 (docs/runtimes.md)",
    { code: "ERR_AIO_UNSUPPORTED_RUNTIME" },
  );
}

function runtimeName(): string {
  const globals = globalThis as { Bun?: { version?: string }; Deno?: { version?: { deno?: string } } };
  if (globals.Bun !== undefined) return `Bun ${globals.Bun.version ?? ""}`.trim();
  if (globals.Deno !== undefined) return `Deno ${globals.Deno.version?.deno ?? ""}`.trim();
  return `Node.js ${process.versions.node}`;
}
