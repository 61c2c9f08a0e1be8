// node:test as the test files see it when `npm run test:deno` runs them:
// test/runtimes/deno-imports.json maps "node:test" to this module. The same
// functions, except that a test that test/runtimes.json excludes on this
// runtime is registered with `skip: <reason>`, so that the runner reports it
// as ignored (not as passed, not silently), and the test files stay as they
// are. Deno's `--filter` cannot do this: it sees the top-level tests only,
// and a `describe` is one top-level test whose tests are its steps.
// (Bun's `-t` does see full names: scripts/test-runtime.ts uses it there.)
import { readFileSync } from "node:fs";
import * as nodeTest from "node:test";

interface Exclusion {
  file: string;
  test?: string;
  reason: string;
}

const runtime =
  "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : `node${process.versions.node.split(".")[0]}`;
const list = JSON.parse(readFileSync(new URL("../runtimes.json", import.meta.url), "utf8")) as Record<
  string,
  Exclusion[] | undefined
>;
/** Full names ("describe > test") excluded on this runtime, with their reasons. */
const excluded = new Map<string, string>();
for (const entry of list[runtime] ?? []) {
  if (entry.test !== undefined) excluded.set(entry.test, `excluded on ${runtime}: ${entry.reason}`);
}

type Body = (...args: never[]) => unknown;
type Options = Record<string, unknown>;

/** The names of the `describe` blocks whose bodies are running (they register their tests synchronously). */
const suites: string[] = [];

function split(a: unknown, b: unknown): [Options, Body | undefined] {
  return typeof a === "function" ? [{}, a as Body] : [(a ?? {}) as Options, b as Body | undefined];
}

function wrappedTest(name: string, a?: unknown, b?: unknown): unknown {
  const [options, fn] = split(a, b);
  const reason = excluded.get([...suites, name].join(" > "));
  const register = nodeTest.test as unknown as (name: string, options: Options, fn?: Body) => unknown;
  return register(name, reason === undefined ? options : { ...options, skip: reason }, fn);
}

function wrappedDescribe(name: string, a?: unknown, b?: unknown): unknown {
  const [options, fn] = split(a, b);
  const register = nodeTest.describe as unknown as (name: string, options: Options, fn?: Body) => unknown;
  return register(name, options, (...args: never[]) => {
    suites.push(name);
    try {
      return fn?.(...args);
    } finally {
      suites.pop();
    }
  });
}

export const test = wrappedTest as unknown as typeof nodeTest.test;
export const it = test;
export const describe = wrappedDescribe as unknown as typeof nodeTest.describe;
export const suite = describe;
export const { after, afterEach, before, beforeEach, mock } = nodeTest;
export default test;
