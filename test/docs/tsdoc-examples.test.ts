// The API reference is the TSDoc of the public exports (npm run docs). This
// pins its two promises: every export is documented, and every `@example`
// (of an export or of a public member) compiles as a user's module would,
// against the sources, with the repo's strict options.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkExamples, readPublicApi } from "./tsdoc.ts";

const api = readPublicApi();

test("every public export has a summary, and every exported value an example", (t) => {
  const values = api.exports.filter((e) => e.isValue).length;
  t.diagnostic(`${api.exports.length} exports (${values} values), ${api.examples.length} examples`);
  const missing = api.exports.flatMap((e) => {
    const lacks = [
      ...(e.hasSummary ? [] : ["a summary"]),
      ...(e.isValue && e.exampleCount === 0 ? ["an @example"] : []),
    ];
    return lacks.length === 0 ? [] : [`${e.file}:${e.line} ${e.name} (${e.entry}) lacks ${lacks.join(" and ")}`];
  });
  assert.ok(api.exports.length > 0, "found no exports");
  if (missing.length > 0) assert.fail(`${missing.length} undocumented exports:\n${missing.join("\n")}`);
});

test("every @example has a ```ts block", () => {
  if (api.unfenced.length > 0) assert.fail(`@example tags without a \`\`\`ts block:\n${api.unfenced.join("\n")}`);
});

test("every @example type-checks as a user's module", () => {
  const errors = checkExamples(api.examples, api.program);
  const report = errors.map((e) => `${e.at} (example of ${e.example.owner}): ${e.message}`);
  assert.ok(api.examples.length > 0, "found no examples");
  if (report.length > 0) assert.fail(`${report.length} type errors in examples:\n${report.join("\n")}`);
});
