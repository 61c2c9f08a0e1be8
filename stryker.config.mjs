// Mutation testing with StrykerJS: `npm run mutate` mutates one folder of src/ at a time (src/sync by default;
// `MUTATE=src/queues npm run mutate` for another). The tests are node:test files run one file per process by
// Stryker's TAP runner, which records which files reach which mutant: each mutant is then tried only against the
// test files that execute its code (a mutant in module-level code, against all of them). Incremental: a second run
// only tries the mutants whose code or tests changed; the state is kept in reports/mutation/<folder>.incremental.json.
const folder = (process.env.MUTATE ?? "src/sync").replace(/\/$/, "");
const area = folder.replace(/^src\//, "");

/**
 * The test files that may reach the kernel's folders: each folder's own, the CPython cases, the regressions and the
 * properties. Files that drive real sockets, child processes or the CLI are left out: they reach these folders only
 * through code the files here test directly, and each costs seconds per mutant.
 */
const TEST_FILES = [
  "test/core/*.test.ts",
  "test/combinators/*.test.ts",
  "test/structure/*.test.ts",
  "test/sync/*.test.ts",
  "test/queues/*.test.ts",
  "test/limit/*.test.ts",
  "test/cpython/*.test.ts",
  "test/regressions/*.test.ts",
  "test/properties/*.test.ts",
  "test/trio/*.test.ts",
  "test/runner/*.test.ts",
  // The await graph and traces read every primitive's description of its waits.
  "test/inspect/*.test.ts",
  "test/public-api.test.ts",
];

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  mutate: [`${folder}/**/*.ts`],
  testRunner: "tap",
  tap: {
    testFiles: TEST_FILES,
    // A mutant that makes a test wait forever fails that test after 15 s (the longest property test takes 7 s on a
    // loaded machine), and the file then exits even if the mutant left a timer or a socket keeping it alive, rather
    // than waiting out Stryker's timeout.
    nodeArgs: [
      "--conditions=aio-ts-source",
      "--test-reporter=tap",
      "--test-timeout=15000",
      "--test-force-exit",
      // The linear-time guards time 20,000 tasks: seconds per mutant, for no mutant the other tests would miss, and
      // instrumented code under four runners is no place to compare timings.
      "--test-skip-pattern=linear time",
      "-r",
      "{{hookFile}}",
      "{{testFile}}",
    ],
  },
  coverageAnalysis: "perTest",
  incremental: true,
  incrementalFile: `reports/mutation/${area}.incremental.json`,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: `reports/mutation/${area}.html` },
  jsonReporter: { fileName: `reports/mutation/${area}.json` },
  // Four runners on two cores: most of a run is spent waiting for a hanging mutant to time out, not computing.
  concurrency: 4,
  // A mutant that livelocks the loop (no test timeout can fire) is stopped this long past the file's normal run time.
  timeoutMS: 5000,
  timeoutFactor: 2,
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
