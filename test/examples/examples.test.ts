// The seed lesson's programs, examples/workers.ts and examples/run-process.ts, run as a user runs
// them (`node examples/x.ts`), with their output compared line for line.
// Real clock, so the only timing checks are generous guards that catch
// sequential running or a process kept alive by timed-out work; the exact
// timing is tested on VirtualClock elsewhere. Those guards time the program
// from its own lines (when each reached us), never from the spawn: Node's
// start-up on a busy machine is no part of what they check.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

interface Outcome {
  lines: string[];
  /** When each line of `lines` reached this process (performance.now()). */
  at: number[];
  /** When the program's stdout closed and it exited (performance.now()). */
  exitedAt: number;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Milliseconds between the arrival of line `from` and line `to` (program time, start-up excluded). */
function between(outcome: Outcome, from: string, to: string): number {
  const a = outcome.at[outcome.lines.indexOf(from)];
  const b = outcome.at[outcome.lines.indexOf(to)];
  assert.ok(a !== undefined && b !== undefined, `missing ${from} or ${to}`);
  return b - a;
}

/**
 * Runs a repo file with this Node, as `node <file> [args]` would, and collects what it printed. With `killAfter`
 * (ms), a program still running then is killed (SIGTERM), which fails the test rather than hanging it.
 */
async function runFile(relative: string, args: readonly string[] = [], killAfter?: number): Promise<Outcome> {
  const file = fileURLToPath(new URL(`../../${relative}`, import.meta.url));
  const child = spawn(process.execPath, [file, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    ...(killAfter === undefined ? {} : { timeout: killAfter }),
  });
  let pending = "";
  const lines: string[] = [];
  const at: number[] = [];
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    const arrived = performance.now();
    const parts = (pending + chunk).split("\n");
    pending = parts.pop() ?? "";
    for (const line of parts) {
      if (line === "") continue;
      lines.push(line);
      at.push(arrived);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  const exitedAt = performance.now();
  if (pending !== "") {
    lines.push(pending);
    at.push(exitedAt);
  }
  return { lines, at, exitedAt, stderr, code, signal };
}

function assertSucceeded(outcome: Outcome): void {
  assert.equal(outcome.signal, null);
  assert.equal(outcome.code, 0, `exit code ${outcome.code}; stderr:\n${outcome.stderr}`);
  assert.equal(outcome.stderr, "");
}

const BREAKFAST = [
  "Boiling water...",
  "Toasting bread...",
  "Toast is ready!",
  "Tea is ready!",
  "Breakfast: chai + toast",
];
const EMAILS = [
  "Tasks created, doing other work...",
  "Sending email to riya@shurai.com...",
  "Sending email to arjun@shurai.com...",
  "Email sent to riya@shurai.com",
  "Email sent to arjun@shurai.com",
];
const TIMEOUT = ["Request timed out after 3 seconds"];
const DOWNLOAD = ["Downloaded 3 pages concurrently"];

// Each test waits on a child process for seconds of real time: run them side by side.
describe("the lesson's programs", { concurrency: true }, () => {
  test("breakfast: tea and toast are made concurrently (3 s, not 5 s)", async () => {
    const outcome = await runFile("examples/breakfast.ts");
    assertSucceeded(outcome);
    assert.deepEqual(outcome.lines, BREAKFAST);
    // From its first line to its last: 3 s if the two ran together, 5 s one after the other. The 1.5 s margin is only
    // for the lines' delivery to this process. No lower bound: on a busy machine the first line was seen 600 ms late.
    const ms = between(outcome, "Boiling water...", "Breakfast: chai + toast");
    assert.ok(ms < 4500, `made in ${Math.round(ms)} ms: did gather run them one after the other?`);
  });

  test("emails: tasks start when main yields, and both emails are sent together", async () => {
    const outcome = await runFile("examples/emails.ts");
    assertSucceeded(outcome);
    // Both are sending before either is sent: the order alone shows they ran concurrently.
    assert.deepEqual(outcome.lines, EMAILS);
  });

  test("timeout: waitFor gives up at 3 s and the process exits then, not at 10 s", async () => {
    const outcome = await runFile("examples/timeout.ts");
    assertSucceeded(outcome);
    assert.deepEqual(outcome.lines, TIMEOUT);
    // It prints its only line at 3 s, when waitFor gives up; the 10 s call, had it kept a timer armed, would keep the
    // process alive for 7 s more. Exit within 3 s of the line leaves room for teardown on a busy machine.
    const after = outcome.exitedAt - (outcome.at[0] ?? Number.NaN);
    assert.ok(after < 3000, `exited ${Math.round(after)} ms after its line: the timed-out call kept the process alive`);
  });

  test("download: a ClientSession fetches three pages from the embedded server at once", async () => {
    const outcome = await runFile("examples/download.ts");
    assertSucceeded(outcome);
    assert.deepEqual(outcome.lines, DOWNLOAD);
  });

  test("download: given URLs, it downloads those", async () => {
    const { serve } = await import("aio-ts/testing");
    await using server = await serve({ quiet: true });
    const urls = ["/json", "/bytes/100", "/uuid", "/get"].map((path) => server.url + path);
    const outcome = await runFile("examples/download.ts", urls);
    assertSucceeded(outcome);
    assert.deepEqual(outcome.lines, ["Downloaded 4 pages concurrently"]);
    assert.ok(server.statistics().requests >= 4);
  });

  test("workers: jobs run on a WorkerPool, and waitFor stops a job that would run for days", async () => {
    // The pool's `await using` waits for the jobs under way: had the timed-out job not been stopped, the program
    // would run for days. Killed after a minute, it would fail here with SIGTERM.
    const outcome = await runFile("examples/workers.ts", [], 60_000);
    assertSucceeded(outcome);
    assert.deepEqual(outcome.lines, [
      "9592 primes below 100000",
      "17984 primes below 200000",
      "25997 primes below 300000",
      "33860 primes below 400000",
      "Gave up on the primes below 10^12 after 1 second: its thread was stopped",
      "4 jobs completed, 1 cancelled",
    ]);
  });

  test("run-process: captures output, reports a failure, and stops a command that hangs past its timeout", async () => {
    // The hanging command is `sleep 60`: had its child not been ended at the 1 s timeout, the program would wait for
    // it (a child with inherited stdio keeps our pipes open too). Killed after 30 s, it would fail here.
    const outcome = await runFile("examples/run-process.ts", [], 30_000);
    assertSucceeded(outcome);
    assert.deepEqual(outcome.lines, [
      "echo printed: hello from echo",
      "sh failed with status 3: disk full",
      "sleep 60 timed out after 1 second and was stopped",
    ]);
    const given = await runFile("examples/run-process.ts", ["sh", "-c", "echo given"], 30_000);
    assertSucceeded(given);
    assert.deepEqual(given.lines, ["given"]);
  });

  test("npm start runs every program in order, each under its heading", async () => {
    const outcome = await runFile("scripts/start.ts");
    assertSucceeded(outcome);
    assert.deepEqual(outcome.lines, [
      "== breakfast (gather) ==",
      ...BREAKFAST,
      "== emails (createTask) ==",
      ...EMAILS,
      "== timeout (waitFor) ==",
      ...TIMEOUT,
      "== download (ClientSession + gather) ==",
      ...DOWNLOAD,
    ]);
  });
});

describe("the streams examples", () => {
  test("echo-client talks to echo-server: asyncio's documented TCP echo pair", async () => {
    const file = fileURLToPath(new URL("../../examples/echo-server.ts", import.meta.url));
    const server = spawn(process.execPath, [file, "0"], { stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    let out = "";
    let stderr = "";
    server.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const closed = once(server, "close");
    try {
      // The server prints its port first (0 asks the kernel for a free one).
      const port = await new Promise<string>((resolve, reject) => {
        server.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          out += chunk;
          const m = /^Serving on 127\.0\.0\.1:(\d+)\n/.exec(out);
          if (m?.[1] !== undefined) resolve(m[1]);
        });
        server.once("close", () => reject(new Error(`the server ended: ${out}${stderr}`)));
      });
      const client = await runFile("examples/echo-client.ts", [port], 60_000);
      assertSucceeded(client);
      assert.deepEqual(client.lines, ['Send: "Hello World!"', 'Received: "Hello World!"', "Close the connection"]);
      // The server's own last line may still be on its way; a server that died instead fails the test below.
      while (!out.includes("Close the connection\n") && server.exitCode === null) {
        await Promise.race([once(server.stdout, "data"), closed]);
      }
    } finally {
      server.kill("SIGINT"); // run() cancels main: serveForever() closes the server, the process exits 130
    }
    const [code] = (await closed) as [number | null];
    assert.equal(code, 130);
    assert.equal(stderr, "");
    assert.match(
      out,
      /^Serving on 127\.0\.0\.1:\d+\nReceived "Hello World!" from 127\.0\.0\.1:\d+\nSend: "Hello World!"\nClose the connection\n$/,
    );
  });
});
