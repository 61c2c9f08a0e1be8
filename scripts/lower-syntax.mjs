// Runs the repo's TypeScript on Node 22, whose V8 does not parse `using` and
// `await using` declarations (Node 24's does). Loaded with
// `--import=./scripts/lower-syntax.mjs` (see `npm run test:node22`), it compiles
// each .ts file of the repo with TypeScript's `transpileModule` to ES2022,
// which turns those declarations into try/finally, as `npm run build` does for
// what ships. Everything else runs as written, on Node 22's own runtime.
// It also maps the test files' "node:test" to test/runtimes/node-test.ts,
// which skips (with its reason) a test that test/runtimes.json excludes on
// Node 22, as the Deno run does.
import { readFileSync } from "node:fs";
import module from "node:module";
import { fileURLToPath } from "node:url";

const require = module.createRequire(import.meta.url);
const ts = require("typescript");
const repo = new URL("../", import.meta.url).href;
const nodeTest = new URL("../test/runtimes/node-test.ts", import.meta.url).href;
const options = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  verbatimModuleSyntax: true,
  inlineSourceMap: true,
  inlineSources: true,
};

module.registerHooks({
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
    const path = fileURLToPath(url);
    const { outputText } = ts.transpileModule(readFileSync(path, "utf8"), { compilerOptions: options, fileName: path });
    return { format: "module", source: outputText, shortCircuit: true };
  },
});
process.setSourceMapsEnabled(true);
