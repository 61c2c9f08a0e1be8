// run()'s handling of SIGINT and SIGTERM, and loop.addSignalHandler replacing it, with real signals sent to real child
// processes. loop.addSignalHandler itself, in this process: test/core/signals.test.ts.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string[];
  err: string;
}

/**
 * Runs a fixture; each step's signal goes out once its trigger line appears on the child's stdout (after the
 * previous step's). A child still running after 60 s is killed (the test then fails on its exit code), so a wrong
 * "exits at once" cannot hang the suite.
 */
async function drive(args: string[], steps: [trigger: string, signal: NodeJS.Signals][]): Promise<Exit> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let next = 0;
  let seen = 0;
  child.stderr.on("data", (d) => {
    err += d;
  });
  child.stdout.on("data", (d) => {
    out += d;
    const lines = out.split("\n");
    // Count complete lines only; send each step's signal once its trigger line arrived.
    while (next < steps.length) {
      const [trigger, signal] = steps[next] as [string, NodeJS.Signals];
      const at = lines.slice(seen, -1).indexOf(trigger);
      if (at < 0) break;
      seen += at + 1;
      next++;
      child.kill(signal);
    }
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    return await new Promise<Exit>((resolve) => {
      child.on("close", (code, signal) => resolve({ code, signal, out: out.trim().split("\n"), err }));
    });
  } finally {
    clearTimeout(killer);
  }
}

describe("run() and signals", () => {
  test("SIGTERM cancels main, every finally runs, and the process exits 143", async () => {
    const r = await drive([fixture("sigint.ts")], [["ready", "SIGTERM"]]);
    assert.equal(r.code, 143, r.err);
    assert.deepEqual(r.out, ["ready", "child cleanup done", "main finally ran"]);
    assert.equal(r.err, "");
  });

  test("a second SIGTERM during cleanup exits at once with 143", async () => {
    const r = await drive(
      [fixture("signals.ts"), "stubborn"],
      [
        ["ready", "SIGTERM"],
        ["cleaning", "SIGTERM"],
      ],
    );
    assert.equal(r.code, 143, r.err);
    assert.deepEqual(r.out, ["ready", "cleaning"]);
  });

  test("a SIGINT during a SIGTERM's cleanup exits at once with 130", async () => {
    const r = await drive(
      [fixture("signals.ts"), "stubborn"],
      [
        ["ready", "SIGTERM"],
        ["cleaning", "SIGINT"],
      ],
    );
    assert.equal(r.code, 130, r.err);
    assert.deepEqual(r.out, ["ready", "cleaning"]);
  });

  test("addSignalHandler replaces run()'s default; removing it brings the default back", async () => {
    const r = await drive(
      [fixture("signals.ts"), "handler"],
      [
        ["ready", "SIGTERM"],
        ["ready again", "SIGTERM"],
      ],
    );
    assert.equal(r.code, 143, r.err);
    assert.deepEqual(r.out, [
      "ready",
      "handler: tag, in a task: false",
      "got first",
      "removed: true",
      "ready again",
      "main finally ran",
    ]);
  });

  test("handlers still set when run() ends are removed: no listener is left and the process exits", async () => {
    const r = await drive([fixture("signals.ts"), "left-behind"], []);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out, ["listening: 2 1", "after run: 0"]);
  });

  test("handleSignals: false leaves SIGTERM to Node, which ends the process without cleanup", async () => {
    const r = await drive([fixture("signals.ts"), "unhandled"], [["ready", "SIGTERM"]]);
    assert.equal(r.code, null);
    assert.equal(r.signal, "SIGTERM");
    assert.deepEqual(r.out, ["ready"]);
  });
});
