// Runs one implementation in this (fresh) process and prints its outcome as one line:
//   node bench/lib/child.ts <impl.ts> <params.json> [<warm-up params.json>]
import { pathToFileURL } from "node:url";
import type { Implementation, Outcome, Params } from "./types.ts";
import { gc } from "./work.ts";

const [file, paramsJson, warmJson] = process.argv.slice(2);
if (file === undefined || paramsJson === undefined) {
  process.stderr.write("usage: node bench/lib/child.ts <impl.ts> <params.json> [<warm-up params.json>]\n");
  process.exit(2);
}
const mod = (await import(pathToFileURL(file).href)) as { default: Implementation };
if (warmJson !== undefined && warmJson !== "") {
  await mod.default(JSON.parse(warmJson) as Params);
  gc();
}
const outcome: Outcome = await mod.default(JSON.parse(paramsJson) as Params);
process.stdout.write(`@@RESULT ${JSON.stringify(outcome)}\n`, () => {
  // Some implementations leave hour-long timers behind on purpose (memory): do not wait for them.
  process.exit(0);
});
