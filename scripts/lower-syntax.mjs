// Runs the repo's TypeScript on Node 22, whose V8 does not parse `using` and
// `await using` declarations (Node 24's does). Loaded with
// `--import=./scripts/lower-syntax.mjs` (see `npm run test:node22`), it compiles
// each .ts file of the repo with TypeScript's `transpileModule` to ES2022,
// which turns those declarations into try/finally, as `npm run build` does for
// what ships. Everything else runs as written, on Node 22's own runtime.
// It also maps the test files' "node:test" to test/runtimes/node-test.ts,
// which skips (with its reason) a test that test/runtimes.json excludes on
// Node 22, as the Deno run does.
//
// Every process the tests start (the CLI, examples, fixtures) loads this too:
// compiled files are kept in node_modules/.cache, keyed by their source's hash,
// so that only the first process pays for loading TypeScript and compiling.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import module from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = new URL("../", import.meta.url).href;
const nodeTest = new URL("../test/runtimes/node-test.ts", import.meta.url).href;
const cache = fileURLToPath(new URL("../node_modules/.cache/aio-ts-lower-syntax/", import.meta.url));

let typescript;
function transpile(source, path) {
  typescript ??= module.createRequire(import.meta.url)("typescript");
  const compilerOptions = {
    target: typescript.ScriptTarget.ES2022,
    module: typescript.ModuleKind.ESNext,
    verbatimModuleSyntax: true,
    inlineSourceMap: true,
    inlineSources: true,
  };
  return typescript.transpileModule(source, { compilerOptions, fileName: path }).outputText;
}

/** The compiled form of `path`, from the cache when its source is unchanged. */
function compiled(path) {
  const source = readFileSync(path, "utf8");
  const key = createHash("sha256").update(path).update("\0").update(source).digest("hex");
  const cached = join(cache, `${key}.js`);
  try {
    return readFileSync(cached, "utf8");
  } catch {
    const output = transpile(source, path);
    // Written aside, then renamed: processes started at once never read a half-written file.
    mkdirSync(cache, { recursive: true });
    const temporary = `${cached}.${process.pid}.tmp`;
    writeFileSync(temporary, output);
    renameSync(temporary, cached);
    return output;
  }
}

// Loaded by an older Node too, when a test runs this machine's own Node with the same NODE_OPTIONS
// (bin/aio.js's re-run, the one-line refusal): that Node runs no TypeScript, and needs no hook.
module.registerHooks?.({
  resolve(specifier, context, nextResolve) {
    const parent = context.parentURL ?? "";
    if (specifier === "node:test" && parent.startsWith(`${repo}test/`) && parent !== nodeTest) {
      return { url: nodeTest, shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
  load(url, context, nextLoad) {
    if (!url.startsWith(repo) || !/\.m?ts$/.test(url) || url.includes("/node_modules/")) {
      return nextLoad(url, context);
    }
    return { format: "module", source: compiled(fileURLToPath(url)), shortCircuit: true };
  },
});
process.setSourceMapsEnabled(true);
