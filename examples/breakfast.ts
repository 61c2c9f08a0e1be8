// The lesson's first program, `make_breakfast` with `asyncio.gather`: tea and
// toast are made at the same time, so breakfast is ready at 3 s, not 5 s.
//
//   async def make_breakfast():
//       tea, bread = await asyncio.gather(brew_tea(), toast_bread())
//       print(f"Breakfast: {tea} + {bread}")
//   asyncio.run(make_breakfast())
//
// Run it: node examples/breakfast.ts
import { gather, run, sleep } from "aio-ts";

async function brewTea(): Promise<string> {
  console.log("Boiling water...");
  await sleep(3000); // wait 3 seconds
  console.log("Tea is ready!");
  return "chai";
}

async function toastBread(): Promise<string> {
  console.log("Toasting bread...");
  await sleep(2000); // wait 2 seconds
  console.log("Toast is ready!");
  return "toast";
}

async function makeBreakfast(): Promise<void> {
  // Both run at the SAME time, not one after the other.
  const [tea, bread] = await gather(brewTea, toastBread);
  console.log(`Breakfast: ${tea} + ${bread}`);
}

await run(makeBreakfast);
