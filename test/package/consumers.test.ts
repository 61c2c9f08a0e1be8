// The packed tarball, installed into a fresh project outside the repo, used as
// users use it: plain ESM and `require` on Node 22 and 24, TypeScript with
// `tsc --init`'s defaults (nodenext, and bundler resolution), `npx aio`, Bun
// and Deno, and a Node older than the floor, which must get one clear line.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { serve } from "aio-ts/testing";
import { olderNode } from "../old-node.ts";
import { startRedis } from "../redis.ts";
import {
  type ConsumerProject,
  installFromRepo,
  makeConsumerProject,
  mustSucceed,
  REPO,
  RUNTIMES,
  runIn,
  runInBackground,
  userEnv,
} from "./consumer-project.ts";

/** Every entry point, used for real: a gather on VirtualClock, a GET, a worker job. */
const APP = `
import { gather, run, sleep } from "aio-ts";
import { ClientSession } from "aio-ts/http";
import { serve, VirtualClock } from "aio-ts/testing";
import { WorkerPool } from "aio-ts/workers";

const breakfast = await run(() => gather(() => sleep(3000, "tea"), () => sleep(2000, "toast")), {
  clock: new VirtualClock(),
});
// try/finally rather than \`await using\`, which Node 22 does not parse.
const server = await serve();
let got;
try {
  got = await run(async () => {
    const session = new ClientSession();
    try {
      return (await session.get(server.url + "/get", { params: { from: "consumer" } })).json();
    } finally {
      await session.close();
    }
  });
} finally {
  await server.close();
}
const square = await run(async () => {
  const pool = new WorkerPool({ filename: new URL("./jobs.mjs", import.meta.url) });
  try {
    return await pool.run("square", 7);
  } finally {
    await pool.close();
  }
});
console.log(JSON.stringify({ breakfast, args: got.args, square }));
`;

const JOBS = "export function square(n) { return n * n; }\n";

/** require() of every entry point, from CommonJS (Node's require(esm)). */
const REQUIRE_APP = `
const aio = require("aio-ts");
const http = require("aio-ts/http");
const testing = require("aio-ts/testing");
const workers = require("aio-ts/workers");
aio.run(() => aio.gather(() => aio.sleep(20, 1), () => aio.sleep(10, 2)), { clock: new testing.VirtualClock() })
  .then((results) => console.log(JSON.stringify({
    results,
    session: typeof http.ClientSession,
    pool: typeof workers.WorkerPool,
  })));
`;

/** Typed use: the gather tuple, a generic queue, classes from each entry point. */
const TYPED = `
import { gather, Queue, run, sleep, type Task, TimeoutError, waitFor } from "aio-ts";
import { ClientSession, HttpError } from "aio-ts/http";
import { VirtualClock } from "aio-ts/testing";
import { WorkerPool } from "aio-ts/workers";

const [count, label] = await run(() => gather(() => sleep(10, 1), () => sleep(5, "x")), { clock: new VirtualClock() });
const total: number = count + 1;
const upper: string = label.toUpperCase();
const queue = new Queue<number>(10);
queue.putNowait(total);
export async function late(session: ClientSession): Promise<number | undefined> {
  try {
    return (await waitFor(session.get("http://127.0.0.1:1/"), 1000)).status;
  } catch (error) {
    if (error instanceof TimeoutError || error instanceof HttpError) return undefined;
    throw error;
  }
}
export type Job = Task<string>;
export const pool: typeof WorkerPool = WorkerPool;
export { upper };
`;

/** The same use with one deliberate mistake: the types must be real, not any. */
const MISTYPED = `
import { gather, run, sleep } from "aio-ts";

const [count] = await run(() => gather(() => sleep(10, 1)));
export const wrong: string = count;
`;

let project: ConsumerProject;

before(() => {
  project = makeConsumerProject();
  project.write("app.mjs", APP);
  project.write("jobs.mjs", JOBS);
  project.write("app.cjs", REQUIRE_APP);
  project.write("import-only.mjs", 'import { run } from "aio-ts";\nconsole.log(typeof run);\n');
  project.write(
    "no-permissions.mjs",
    'import { run, sleep } from "aio-ts";\nconsole.log(await run(async () => { await sleep(5); return "slept"; }));\n',
  );
});

after(() => project?.[Symbol.dispose]());

function assertApp(output: string): void {
  assert.deepEqual(JSON.parse(output), { breakfast: ["tea", "toast"], args: { from: "consumer" }, square: 49 });
}

describe("the packed tarball", () => {
  test("ships compiled JavaScript with types and declaration maps, and exports no .ts file", () => {
    const manifest = JSON.parse(readFileSync(join(project.dir, "node_modules/aio-ts/package.json"), "utf8")) as {
      name: string;
      exports: Record<string, Record<string, string> | string | null>;
      bin: Record<string, string>;
    };
    assert.equal(manifest.name, "aio-ts");
    assert.deepEqual(manifest.bin, { aio: "./bin/aio.js" });
    for (const entry of [".", "./http", "./testing", "./workers", "./bullmq"]) {
      const target = manifest.exports[entry];
      assert.ok(typeof target === "object" && target !== null, entry);
      assert.match(target.types ?? "", /^\.\/dist\/.*\.d\.ts$/, `${entry} types`);
      assert.match(target.default ?? "", /^\.\/dist\/.*\.js$/, `${entry} default`);
      for (const file of [target.types, target.default, `${target.types}.map`]) {
        assert.ok(readFileSync(join(project.dir, "node_modules/aio-ts", file ?? "")).length > 0, file);
      }
    }
  });

  test("passes publint (strict) and Are the Types Wrong (ESM-only profile) with no problem", () => {
    const bin = (name: string) => join(REPO, "node_modules/.bin", name);
    const publint = runIn(REPO, bin("publint"), ["--strict", project.tarball]);
    assert.equal(publint.status, 0, publint.stdout + publint.stderr);
    assert.match(publint.stdout, /All good!/);
    const attw = runIn(REPO, bin("attw"), ["--profile", "esm-only", "--format", "table-flipped", project.tarball]);
    assert.equal(attw.status, 0, attw.stdout + attw.stderr);
    // The ESM-only profile ignores node10 and CommonJS resolution; every problem in the summary
    // above the table must say so.
    const summary = attw.stdout.split("\n").filter((line) => !/[│┌└├]/u.test(line));
    const problems = summary.filter((line) => /💀|⚠️|❌|🐛|🥴|❗|🚭|🎭/u.test(line));
    assert.deepEqual(
      problems.filter((line) => !line.startsWith("(ignored per resolution)")),
      [],
      attw.stdout,
    );
  });
});

describe("plain JavaScript", () => {
  for (const runtime of ["node24", "node22"] as const) {
    test(`ESM imports every entry point and runs it on ${runtime}`, () => {
      const ran = mustSucceed(runIn(project.dir, RUNTIMES[runtime], ["app.mjs"]), `${runtime} app.mjs`);
      assertApp(ran.stdout);
    });

    test(`require() loads every entry point on ${runtime}`, () => {
      const ran = mustSucceed(runIn(project.dir, RUNTIMES[runtime], ["app.cjs"]), `${runtime} app.cjs`);
      assert.deepEqual(JSON.parse(ran.stdout), { results: [1, 2], session: "function", pool: "function" });
      assert.doesNotMatch(ran.stderr, /ExperimentalWarning|Error/);
    });
  }
});

describe("TypeScript", () => {
  const tsc = join(REPO, "node_modules/typescript/bin/tsc");
  before(() => {
    project.write("typed/main.ts", TYPED);
    project.write("mistyped/main.ts", MISTYPED);
    // `tsc --init` writes this TypeScript's defaults (nodenext, strict, skipLibCheck, types: []).
    mustSucceed(runIn(project.dir, RUNTIMES.node24, [tsc, "--init"]), "tsc --init");
  });

  const variants: Record<string, Record<string, unknown>> = {
    "tsc --init defaults (nodenext)": {},
    "bundler resolution": { module: "preserve", moduleResolution: "bundler" },
    "skipLibCheck off, so aio-ts's declarations are checked too": { skipLibCheck: false, types: ["node"] },
  };
  for (const [index, [name, overrides]] of Object.entries(variants).entries()) {
    test(`type-checks a typed consumer, and reports its mistake, under ${name}`, () => {
      // A config per folder that extends the generated one, which has no "include" of its own.
      const check = (folder: string) => {
        const config = `tsconfig.${index}.${folder}.json`;
        const compilerOptions = { ...overrides, noEmit: true };
        project.write(config, JSON.stringify({ extends: "./tsconfig.json", compilerOptions, include: [folder] }));
        return runIn(project.dir, RUNTIMES.node24, [tsc, "-p", config]);
      };
      const typed = check("typed");
      assert.equal(typed.status, 0, `${typed.stdout}${typed.stderr}`);
      const mistyped = check("mistyped");
      assert.equal(mistyped.status, 2, mistyped.stdout);
      assert.match(mistyped.stdout, /mistyped\/main\.ts\(5,14\): error TS2322: Type 'number' is not assignable/);
    });
  }
});

describe("the aio command", () => {
  test("npx aio --help prints the usage", () => {
    const ran = mustSucceed(runIn(project.dir, "npx", ["--offline", "aio", "--help"]), "npx aio --help");
    assert.match(ran.stdout, /Usage:/);
    assert.match(ran.stdout, /fetch/);
  });

  test("npx aio fetch downloads a file with the compiled code", async () => {
    await using server = await serve();
    // Asynchronously: the server answers from this very process.
    const ran = mustSucceed(
      await runInBackground(project.dir, "npx", ["--offline", "aio", "fetch", "-o", "out", `${server.url}/bytes/4096`]),
      "npx aio fetch",
    );
    assert.equal(ran.stderr, "");
    const saved = readFileSync(join(project.dir, "out", "4096"));
    assert.equal(saved.length, 4096);
  });
});

describe("Bun and Deno", () => {
  test("Bun runs every entry point, ClientSession and WorkerPool included", () => {
    const ran = mustSucceed(runIn(project.dir, RUNTIMES.bun, ["app.mjs"]), "bun app.mjs");
    assertApp(ran.stdout);
  });

  test("Deno runs every entry point, ClientSession and WorkerPool included", () => {
    const ran = mustSucceed(
      runIn(project.dir, RUNTIMES.deno, ["run", "--allow-all", "--no-prompt", "app.mjs"]),
      "deno run app.mjs",
    );
    assertApp(ran.stdout);
  });

  test("Deno runs aio-ts with no permission granted: nothing asks for one, nothing fails", () => {
    // aio reads AIO_DEBUG, AIO_TRACE and AIO_INSPECT and opens the `aio ps` channel only where Deno already allows it.
    const ran = mustSucceed(
      runIn(project.dir, RUNTIMES.deno, ["run", "--no-prompt", "no-permissions.mjs"]),
      "deno run",
    );
    assert.equal(ran.stdout, "slept\n");
    assert.equal(ran.stderr, "");
  });
});

/** aio-ts/bullmq used for real: two jobs enqueued, run by a worker that stops once both are done. */
const BULLMQ_APP = `
import { run } from "aio-ts";
import { enqueue, runWorker } from "aio-ts/bullmq";

const connection = process.env.REDIS_URL;
const summary = await run(async () => {
  await enqueue("consumer", [{ name: "square", data: 3 }, { name: "square", data: 4 }], { connection });
  const stop = new AbortController();
  let done = 0;
  return runWorker("consumer", (job) => {
    if (++done === 2) stop.abort();
    return job.data * job.data;
  }, { connection, signal: stop.signal });
});
console.log(JSON.stringify(summary));
`;

/** aio-ts/bullmq from CommonJS. */
const BULLMQ_REQUIRE = `
const bullmq = require("aio-ts/bullmq");
console.log(JSON.stringify(bullmq.parseRedisUrl("redis://127.0.0.1:6380/1")), typeof bullmq.runWorker);
`;

describe("aio-ts/bullmq, whose bullmq and ioredis are optional peer dependencies", () => {
  test("without them, aio-ts works and importing aio-ts/bullmq says what to install", () => {
    project.write(
      "bullmq-missing.mjs",
      'import { run } from "aio-ts";\nconsole.log(typeof run);\nawait import("aio-ts/bullmq");\n',
    );
    const ran = runIn(project.dir, RUNTIMES.node24, ["bullmq-missing.mjs"]);
    assert.equal(ran.status, 1);
    assert.equal(ran.stdout, "function\n");
    assert.match(
      ran.stderr,
      /aio-ts\/bullmq needs the packages bullmq \(6\.x\) and ioredis, and bullmq is not installed: npm install bullmq ioredis/,
    );
  });

  test("with them installed, a worker runs jobs against a real redis-server on Node 24 and 22 (ESM and require()), Bun and Deno", async () => {
    installFromRepo(project, ["bullmq", "ioredis"]);
    project.write("bullmq-app.mjs", BULLMQ_APP);
    project.write("bullmq-require.cjs", BULLMQ_REQUIRE);
    await using redis = await startRedis();
    for (const runtime of ["node24", "node22"] as const) {
      const env = { ...userEnv(RUNTIMES[runtime]), REDIS_URL: redis.url };
      const ran = mustSucceed(
        runIn(project.dir, RUNTIMES[runtime], ["bullmq-app.mjs"], { env }),
        `${runtime} bullmq-app`,
      );
      assert.deepEqual(JSON.parse(ran.stdout), { completed: 2, failed: 0, returned: 0, lost: 0 });
      const required = mustSucceed(runIn(project.dir, RUNTIMES[runtime], ["bullmq-require.cjs"], { env }), runtime);
      assert.equal(required.stdout, '{"host":"127.0.0.1","port":6380,"db":1} function\n');
    }
    const env = { ...userEnv(), REDIS_URL: redis.url };
    for (const [runtime, args] of [
      ["bun", ["bullmq-app.mjs"]],
      ["deno", ["run", "--allow-all", "--no-prompt", "bullmq-app.mjs"]],
    ] as const) {
      const ran = mustSucceed(runIn(project.dir, RUNTIMES[runtime], args, { env }), `${runtime} bullmq-app`);
      assert.deepEqual(JSON.parse(ran.stdout), { completed: 2, failed: 0, returned: 0, lost: 0 });
    }
  });
});

const old = olderNode();
describe("a Node.js older than 22.19", {
  skip: old === undefined ? "no older Node.js on this machine's PATH" : false,
}, () => {
  test("importing aio-ts fails with one line that names the Node it needs", () => {
    const ran = runIn(project.dir, old ?? "", ["import-only.mjs"], { env: userEnv(old) });
    assert.equal(ran.status, 1);
    assert.match(
      ran.stderr,
      /ERR_AIO_UNSUPPORTED_RUNTIME\]: aio-ts needs Node\.js 22\.19 or newer \(this is Node\.js \d+\./,
    );
    assert.doesNotMatch(ran.stderr, /\n\s+at /, "no stack trace");
  });

  test("the aio command says which Node it needs and exits 2", () => {
    const ran = runIn(project.dir, old ?? "", ["node_modules/aio-ts/bin/aio.js", "--help"], { env: userEnv(old) });
    assert.equal(ran.status, 2);
    assert.match(ran.stderr, /^aio needs Node\.js 22\.19 or newer \(this is v\d+\.[\d.]+\)\.\n$/);
  });
});
