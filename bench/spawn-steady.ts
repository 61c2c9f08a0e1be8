// Spawn + join in steady state (docs/design.md, "What a task costs"): CPU ns per task for `n` tasks that each await
// a settled promise and are joined, the median of the last 15 of `rounds` rounds in this process (the JIT warm, the
// heap grown). `npm run bench` measures the cold shape instead (a fresh process, one round). Run it in fresh
// processes, interleaving the modes, and take medians:
//
//   NODE_OPTIONS=--conditions=aio-ts-source node_modules/.bin/node bench/spawn-steady.ts aio|raw|raw-als|effect [n] [rounds]
import { AsyncLocalStorage } from "node:async_hooks";
import { createTask, gather, run, type Task } from "aio-ts";
import { Effect, Fiber } from "effect";

const ready = Promise.resolve();
const mix = (i: number): number => (i * 7919) % 10007;
async function work(i: number): Promise<number> {
  await ready;
  return mix(i);
}
const als = new AsyncLocalStorage<number>();

const [mode = "aio", nArg = "100000", roundsArg = "25"] = process.argv.slice(2);
const n = Number(nArg);
const rounds = Number(roundsArg);

async function round(): Promise<void> {
  if (mode === "aio") {
    const tasks = new Array<Task<number>>(n);
    for (let i = 0; i < n; i++) tasks[i] = createTask(() => work(i));
    await gather(tasks);
  } else if (mode === "effect") {
    await Effect.runPromise(
      Effect.gen(function* () {
        const fibers = new Array<Fiber.Fiber<number>>(n);
        for (let i = 0; i < n; i++)
          fibers[i] = yield* Effect.forkChild(
            Effect.as(
              Effect.promise(() => ready),
              mix(i),
            ),
          );
        yield* Fiber.joinAll(fibers);
      }),
    );
  } else {
    const ps = new Array<Promise<number>>(n);
    if (mode === "raw-als") for (let i = 0; i < n; i++) ps[i] = als.run(i, work, i);
    else for (let i = 0; i < n; i++) ps[i] = work(i);
    await Promise.all(ps);
  }
}

const cpu: number[] = [];
async function measure(): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    await round();
    const c = process.cpuUsage(c0);
    cpu.push(((c.user + c.system) * 1000) / n);
  }
}
if (mode === "aio") await run(measure, { handleSignals: false });
else await measure();
const tail = cpu.slice(-15).sort((a, b) => a - b);
console.log(`${mode} ${Math.round(tail[Math.floor(tail.length / 2)] as number)} ns/task CPU (steady)`);
