
import { gather, run, sleep } from "aio-ts";
import { VirtualClock } from "aio-ts/testing";
const [tasks, distinct] = [Number(process.argv[2]), process.argv[3] === "distinct"];
const gc = () => { globalThis.gc(); globalThis.gc(); };
const used = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
gc();
const before = used();
let recorded = 0;
let mainEnded = 0;
const t0 = performance.now();
await run(async () => {
  // Each task: its lifetime (two events: M and X) and two sleeps; main: one wait on the gather.
  await gather(Array.from({ length: tasks }, (_, i) => async () => {
    await sleep(distinct ? i + 1 : 1);
    await sleep(1);
  }));
  gc();
  recorded = used() - before;
  mainEnded = performance.now();
}, { clock: new VirtualClock(), handleSignals: false });
const t1 = performance.now();
console.log(JSON.stringify({ recorded, runMs: mainEnded - t0, writeMs: t1 - mainEnded }));
