// Mutation testing with StrykerJS: `npm run mutate` mutates one folder of src/ at a time (src/sync by default;
// `MUTATE=src/queues npm run mutate` for another) and runs the tests that cover it with `node --test`, through the
// command runner (node:test has no Stryker plugin). Incremental: a second run only tries the mutants whose code or
// tests changed; the state is kept in reports/mutation/<folder>.incremental.json.
const folder = (process.env.MUTATE ?? "src/sync").replace(/\/$/, "");
const area = folder.replace(/^src\//, "");

/** The tests of each folder: its own, and the CPython cases of the same module. */
const TESTS = {
  sync: "test/sync/*.test.ts test/cpython/locks.test.ts test/regressions/bug-classes.test.ts",
  queues: "test/queues/*.test.ts",
  limit: "test/limit/*.test.ts",
  core: "test/core/*.test.ts test/cpython/futures.test.ts test/cpython/tasks.test.ts test/cpython/events.test.ts test/regressions/*.test.ts",
  combinators:
    "test/combinators/*.test.ts test/cpython/tasks.test.ts test/cpython/waitfor.test.ts test/cpython/timeouts.test.ts test/trio/timeouts.test.ts",
  structure: "test/structure/*.test.ts test/cpython/taskgroups.test.ts test/trio/task-group-start.test.ts",
};
const tests = TESTS[area] ?? `test/${area}/*.test.ts`;

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  mutate: [`${folder}/**/*.ts`],
  testRunner: "command",
  commandRunner: {
    // The linear-time guards time 20,000 tasks: seconds per mutant for no mutant they alone would kill. A mutant that
    // makes a test wait forever fails that test after 10 s, rather than waiting out Stryker's timeout.
    command: `NODE_OPTIONS=--conditions=aio-ts-source node --test --test-reporter=dot --test-skip-pattern="linear time" --test-timeout=10000 ${tests}`,
  },
  coverageAnalysis: "off",
  incremental: true,
  incrementalFile: `reports/mutation/${area}.incremental.json`,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: `reports/mutation/${area}.html` },
  jsonReporter: { fileName: `reports/mutation/${area}.json` },
  concurrency: 2,
  // A mutant that livelocks the loop (no test timeout can fire) is stopped this long past the normal run time.
  timeoutMS: 5000,
  timeoutFactor: 1.25,
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
