// The live display's arithmetic, tested directly (the display itself needs a terminal).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ActiveDownload } from "../../src/cli/fetch/download.ts";
import { estimateRemaining, type ProgressSource, RateMeter } from "../../src/cli/fetch/progress.ts";
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

const MB = 1_000_000;

function big(received: number): ActiveDownload {
  return { name: "big.bin", received, total: 30 * MB };
}

describe("the ETA", () => {
  test("two 30-second downloads with most of their bytes to go: the bytes left at the recent rate", () => {
    // Issue 11: 8 small files done at once, two 30 MB downloads at 1 MB/s each, 2 more URLs waiting
    // their turn. Files left said "ETA 1.5 s"; the bytes say more than half a minute.
    const s = source({ seen: 12, exhausted: true, ok: 8, received: 6 * MB, active: [big(3 * MB), big(3 * MB)] });
    s.tally.okBytes = 8000;
    const eta = estimateRemaining(s, (2 * MB) / 1000) as number;
    // 54 MB under way, and 2 files of the mean known size ((8 kB + 60 MB) / 10), at 2 MB/s.
    assert.ok(Math.abs(eta - (54 * MB + (2 * (8000 + 60 * MB)) / 10) / ((2 * MB) / 1000)) < 1, `${eta}`);
    assert.ok(eta > 30_000, `${eta}`);
  });

  test("with every URL under way and sizes known, it is exactly the bytes left at the rate", () => {
    const s = source({ seen: 2, exhausted: true, ok: 1, received: 6 * MB, active: [big(6 * MB)] });
    assert.equal(estimateRemaining(s, (1 * MB) / 1000), 24_000);
  });

  test("is unknown while the list is being read, a size is unknown, or nothing is known", () => {
    const rate = 1;
    assert.equal(
      estimateRemaining(source({ seen: 5, exhausted: false, ok: 2, received: 10, active: [] }), rate),
      undefined,
    );
    const unsized = { name: "b", received: 10, total: undefined };
    assert.equal(
      estimateRemaining(source({ seen: 2, exhausted: true, ok: 1, received: 10, active: [unsized] }), rate),
      undefined,
    );
    assert.equal(
      estimateRemaining(source({ seen: 5, exhausted: true, ok: 0, received: 0, active: [] }), rate),
      undefined,
    );
    assert.equal(
      estimateRemaining(source({ seen: 5, exhausted: true, ok: 5, received: 10, active: [] }), rate),
      undefined,
    );
    assert.equal(
      estimateRemaining(source({ seen: 2, exhausted: true, ok: 1, received: 10, active: [big(0)] }), undefined),
      undefined,
    );
  });

  test("the rate is the recent one: a fast start does not stay in it", () => {
    const meter = new RateMeter();
    // 10 s at 10 MB/s, then 10 s at 1 MB/s, sampled every 150 ms as the display redraws.
    let bytes = 0;
    for (let at = 0; at <= 20_000; at += 150) {
      meter.sample(at, bytes);
      bytes += (at < 10_000 ? 10 * MB : 1 * MB) * 0.15;
    }
    const rate = meter.rate() as number;
    assert.ok(Math.abs(rate - MB / 1000) < 0.01 * (MB / 1000), `${rate * 1000} B/s`);
    assert.equal(new RateMeter().rate(), undefined);
  });
});
