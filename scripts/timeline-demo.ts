// The program whose trace docs/images/timeline.png shows (scripts/timeline-screenshot.ts
// records it with AIO_TRACE): a small crawler against the embedded server. A producer
// fills a bounded queue; four workers fetch under a 1.5 s timeout each (one URL hangs
// for 5 s) and note results under a lock; a heartbeat gathers two sleeps, then sleeps;
// at 2.5 s a deadline task fails, and the task group cancels everything still running.
import { Event, gather, Lock, Queue, run, sleep, TimeoutError, taskGroup, timeout } from "aio-ts";
import { ClientSession } from "aio-ts/http";
import { serve } from "aio-ts/testing";

const PATHS = ["/delay/0.3", "/bytes/2000", "/delay/1", "/get", "/delay/5", "/status/500"];
const MORE = ["/delay/0.5", "/uuid", "/delay/0.2", "/ip", "/bytes/50000", "/delay/0.4"];

await run(async () => {
  await using server = await serve({ port: 0, quiet: true });
  await using session = new ClientSession();
  const urls = new Queue<string | null>(3);
  const results = new Lock();
  const ready = new Event();
  try {
    await taskGroup(async (tg) => {
      tg.createTask(
        async () => {
          await sleep(100);
          ready.set();
          for (const path of [...PATHS, ...MORE]) await urls.put(`${server.url}${path}`);
          for (let i = 0; i < 4; i++) await urls.put(null);
        },
        { name: "producer" },
      );
      for (let w = 1; w <= 4; w++) {
        tg.createTask(
          async () => {
            await ready.wait();
            for (let url = await urls.get(); url !== null; url = await urls.get()) {
              try {
                await timeout(1500, async () => (await session.get(url)).text());
              } catch (error) {
                if (!(error instanceof TimeoutError)) throw error;
              }
              await results.acquire();
              try {
                await sleep(30);
              } finally {
                results.release();
              }
            }
          },
          { name: `worker-${w}` },
        );
      }
      tg.createTask(
        async () => {
          await gather(sleep(200), sleep(400));
          await sleep(10_000);
        },
        { name: "heartbeat" },
      );
      tg.createTask(
        async () => {
          await sleep(2500);
          throw new Error("deadline passed");
        },
        { name: "deadline" },
      );
    });
  } catch (error) {
    console.log(`stopped: ${(error as Error).message}`);
  }
});
