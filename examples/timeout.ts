// The lesson's third program, `slow_api` with `asyncio.wait_for`: the call is
// given 3 s. On expiry it is cancelled (its 10 s sleep stops), so the program
// prints its message and exits at 3 s, not 10 s.
//
//   async def main():
//       try:
//           result = await asyncio.wait_for(slow_api(), timeout=3.0)
//       except asyncio.TimeoutError:
//           print("Request timed out after 3 seconds")
//   asyncio.run(main())
//
// Run it: node examples/timeout.ts
import { run, sleep, TimeoutError, waitFor } from "aio-ts";

async function slowApi(): Promise<string> {
  await sleep(10_000); // pretend this takes forever
  return "data";
}

async function main(): Promise<void> {
  try {
    const result = await waitFor(slowApi, 3000);
    console.log(result);
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    console.log("Request timed out after 3 seconds");
  }
}

await run(main);
