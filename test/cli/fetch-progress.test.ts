// The live display's arithmetic, tested directly (the display itself needs a terminal).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ActiveDownload } from "../../src/cli/fetch/download.ts";
import { estimateRemaining, type ProgressSource } from "../../src/cli/fetch/progress.ts";
import { Tally } from "../../src/cli/fetch/report.ts";

function source(options: { seen: number; exhausted: boolean; ok: number; received: number; active: ActiveDownload[] }) {
  const tally = new Tally();
  tally.ok = options.ok;
  return {
    tally,
    input: { seen: options.seen, exhausted: options.exhausted },
    active: new Set(options.active),
    received: () => options.received,
    started: 0,
  } satisfies ProgressSource;
}

describe("the ETA", () => {
  test("with a few large files under way, it comes from the bytes left, not from the files left", () => {
    // Seen with nginx: a 6 kB file done in no time, a 50 MB one at 12% after 3 s. Files left
    // said "ETA 3 s"; the bytes say 22 s.
    const big = { name: "big50.bin", received: 6_000_000, total: 50_000_000 };
    const s = source({ seen: 2, exhausted: true, ok: 1, received: 6_000_006, active: [big] });
    const eta = estimateRemaining(s, 3000) as number;
    assert.ok(eta > 21_000 && eta < 23_000, `${eta}`);
  });

  test("with URLs still waiting for their turn, or sizes unknown, it comes from the files left", () => {
    const sized = { name: "a", received: 10, total: 100 };
    const waiting = source({ seen: 10, exhausted: true, ok: 5, received: 1000, active: [sized] });
    assert.equal(estimateRemaining(waiting, 1000), 1000);
    const unsized = { name: "b", received: 10, total: undefined };
    assert.equal(
      estimateRemaining(source({ seen: 2, exhausted: true, ok: 1, received: 10, active: [unsized] }), 1000),
      1000,
    );
  });

  test("is unknown while the list is being read, or before anything is known", () => {
    assert.equal(
      estimateRemaining(source({ seen: 5, exhausted: false, ok: 2, received: 10, active: [] }), 1000),
      undefined,
    );
    assert.equal(
      estimateRemaining(source({ seen: 5, exhausted: true, ok: 0, received: 0, active: [] }), 1000),
      undefined,
    );
    assert.equal(
      estimateRemaining(source({ seen: 5, exhausted: true, ok: 5, received: 10, active: [] }), 1000),
      undefined,
    );
  });
});
