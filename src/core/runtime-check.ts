/**
 * Refuses to load on a Node.js older than aio-ts supports, with one line that
 * says what it needs, before any other module of aio-ts runs.
 *
 * Every entry file imports this module first: ES modules are evaluated in
 * import order, so this check runs before undici or the kernel touch an API
 * that an older Node lacks (where the failure would be a stack trace from deep
 * inside). It imports nothing, for the same reason. Bun and Deno report a
 * Node version of their own compatibility layer, not the runtime's: they are
 * not checked here (docs/runtimes.md says which versions are tested).
 *
 * @module
 */

const MINIMUM = [22, 19] as const;

const globals = globalThis as { Bun?: unknown; Deno?: unknown };
const node = typeof process === "object" ? process.versions?.node : undefined;
if (node !== undefined && globals.Bun === undefined && globals.Deno === undefined) {
  const [major = 0, minor = 0] = node.split(".").map(Number);
  if (major < MINIMUM[0] || (major === MINIMUM[0] && minor < MINIMUM[1])) {
    const error = new Error(
      `aio-ts needs Node.js ${MINIMUM.join(".")} or newer (this is Node.js ${node}); ` +
        "update Node.js, or pin one as a devDependency (the `node` package)",
    );
    Object.assign(error, { code: "ERR_AIO_UNSUPPORTED_RUNTIME" });
    // The stack would only show this file: keep the report to the one line that helps.
    error.stack = `Error [ERR_AIO_UNSUPPORTED_RUNTIME]: ${error.message}`;
    throw error;
  }
}
