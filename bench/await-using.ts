// What `await using` costs in this runtime (docs/design.md, "What a task costs"): CPU ns per call of an async
// function that holds a handle around one await, released by `await using`, by `using`, or by try/finally.
//
//   node_modules/.bin/node bench/await-using.ts try-finally|using|await-using
const ready = Promise.resolve();
const DONE = Promise.resolve();
class Handle {
  released = false;
  [Symbol.asyncDispose](): Promise<void> {
    this.released = true;
    return DONE;
  }
  [Symbol.dispose](): void {
    this.released = true;
  }
}
const hold = (): Promise<Handle> => Promise.resolve(new Handle());
async function tryFinally(i: number): Promise<number> {
  const h = await hold();
  try {
    await ready;
    return i;
  } finally {
    h[Symbol.dispose]();
  }
}
async function awaitUsing(i: number): Promise<number> {
  await using _ = await hold();
  await ready;
  return i;
}
async function syncUsing(i: number): Promise<number> {
  using _ = await hold();
  await ready;
  return i;
}
const mode = process.argv[2] ?? "await-using";
const f = mode === "await-using" ? awaitUsing : mode === "using" ? syncUsing : tryFinally;
const n = 100_000;
const cpu: number[] = [];
for (let r = 0; r < 15; r++) {
  const c0 = process.cpuUsage();
  const ps = new Array<Promise<number>>(n);
  for (let i = 0; i < n; i++) ps[i] = f(i);
  await Promise.all(ps);
  const c = process.cpuUsage(c0);
  cpu.push(((c.user + c.system) * 1000) / n);
}
const tail = cpu.slice(-9).sort((a, b) => a - b);
console.log(`${mode} ${Math.round(tail[4] as number)} ns/call CPU`);
