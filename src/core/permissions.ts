/**
 * What aio reads from its environment on its own (`AIO_DEBUG`, `AIO_TRACE`, `AIO_INSPECT`, the `aio ps` channel),
 * without making a Deno program ask for a permission it did not grant. Under Deno, reading an environment variable
 * or opening a socket that the program has no permission for throws, or, at a terminal, stops at a prompt; aio
 * treats such a read as unset and leaves such a feature off. On Node and Bun, where there are no such permissions,
 * everything is granted.
 */

interface DenoPermissions {
  querySync?(descriptor: { name: string; variable?: string; kind?: string }): { state: string };
}

const deno = (globalThis as { Deno?: { permissions?: DenoPermissions } }).Deno;

/** @internal Whether the runtime grants `descriptor` (Deno's permission names) without asking: always on Node and Bun. */
export function granted(descriptor: { name: string; variable?: string; kind?: string }): boolean {
  if (deno === undefined) return true;
  try {
    return deno.permissions?.querySync?.(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/** @internal The environment variable `name`, or `undefined` if it is unset or the runtime does not let aio read it. */
export function envVar(name: string): string | undefined {
  if (!granted({ name: "env", variable: name })) return undefined;
  try {
    return process.env[name];
  } catch {
    return undefined;
  }
}
