import { runningLoop } from "./context.ts";
import { InvalidStateError } from "./errors.ts";
import type { Loop } from "./loop.ts";

/**
 * The event loop of the running `run()`: asyncio's `get_running_loop()`.
 * It answers in a task and in a callback of the loop (`callSoon`, a done
 * callback); its `callSoon`, `callLater`, `callAt`, `createFuture`,
 * `createTask` and signal handlers work on that loop and its clock.
 *
 * Outside `run()` there is no running loop, even though code there (a test,
 * a server handler) uses a default loop for sleeps and futures: asyncio's
 * `RuntimeError("no running event loop")` is thrown.
 *
 * @throws InvalidStateError (code `ERR_AIO_NO_RUNNING_LOOP`) outside `run()`.
 *
 * @example
 * ```ts
 * import { getRunningLoop, run, sleep } from "aio-ts";
 * await run(async () => {
 *   const loop = getRunningLoop();
 *   loop.callLater(1000, () => console.log("a second of loop time:", loop.time()));
 *   await sleep(1500);
 * });
 * ```
 */
export function getRunningLoop(): Loop {
  const loop = runningLoop();
  if (loop === undefined || loop.isDefault) {
    throw new InvalidStateError("no running event loop: getRunningLoop() works inside run(), in a task or a callback", {
      code: "ERR_AIO_NO_RUNNING_LOOP",
    });
  }
  return loop;
}
