// The import graph of aio-ts/http, read from the sources: no cycle among its
// modules (type imports included), and the entry point does not pull in the
// embedded test server.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));
const IMPORT = /^(?:import|export)\s[^;]*?\sfrom\s+"(\.[^"]+)";/gms;

/** The relative imports of a module (value and type), as absolute paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)].map((m) => resolve(dirname(file), m[1] as string));
}

/** Every module reachable from `entry`, with its imports. */
function graph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const deps = importsOf(file);
    seen.set(file, deps);
    for (const dep of deps) visit(dep);
  };
  visit(entry);
  return seen;
}

/** The first cycle found among `files` (following only imports that stay among them), as a path list. */
function findCycle(modules: Map<string, string[]>, inScope: (file: string) => boolean): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    state.set(file, "open");
    stack.push(file);
    for (const dep of modules.get(file) ?? []) {
      if (!inScope(dep)) continue;
      if (state.get(dep) === "open") return [...stack.slice(stack.indexOf(dep)), dep];
      if (state.get(dep) === undefined) {
        const found = visit(dep);
        if (found !== undefined) return found;
      }
    }
    stack.pop();
    state.set(file, "done");
    return undefined;
  };
  for (const file of modules.keys()) {
    if (!inScope(file) || state.has(file)) continue;
    const found = visit(file);
    if (found !== undefined) return found.map((f) => relative(SRC, f));
  }
  return undefined;
}

test("the modules of src/http import one another without a cycle, type imports included", () => {
  const modules = graph(resolve(SRC, "http.ts"));
  const http = resolve(SRC, "http");
  assert.ok(modules.has(resolve(http, "exchange.ts")) && modules.has(resolve(http, "auto-release.ts")));
  const cycle = findCycle(modules, (file) => file.startsWith(http));
  assert.equal(cycle, undefined, `import cycle: ${cycle?.join(" -> ")}`);
});

test("aio-ts/http does not load the embedded test server, which aio-ts/testing exports", () => {
  const server = resolve(SRC, "testing", "server");
  const loaded = [...graph(resolve(SRC, "http.ts")).keys()].filter((f) => f.startsWith(server));
  assert.deepEqual(loaded, []);
  assert.ok(graph(resolve(SRC, "testing.ts")).has(resolve(server, "serve.ts")));
});
