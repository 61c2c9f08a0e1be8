import assert from "node:assert/strict";
import { test } from "node:test";
import { now, sleep } from "aio";
import { runVirtual } from "../helpers.ts";

test("a one-hour sleep on the virtual clock ends at loop time 3,600,000", async () => {
  const t = await runVirtual(async () => {
    await sleep(3_600_000);
    return now();
  });
  assert.equal(t, 3_600_000);
});
