// The lesson's second program, `send_email` with `asyncio.create_task`: the
// tasks are scheduled at once and start when `main` first yields; both emails
// are sent together, after 1 s.
//
//   async def main():
//       t1 = asyncio.create_task(send_email("riya@shurai.com"))
//       t2 = asyncio.create_task(send_email("arjun@shurai.com"))
//       print("Tasks created, doing other work...")
//       await asyncio.sleep(0.1)  # yield control so tasks can start
//       await t1
//       await t2
//   asyncio.run(main())
//
// Run it: node examples/emails.ts
import { createTask, run, sleep } from "aio-ts";

async function sendEmail(to: string): Promise<void> {
  console.log(`Sending email to ${to}...`);
  await sleep(1000);
  console.log(`Email sent to ${to}`);
}

async function main(): Promise<void> {
  // Schedule tasks: they start in the background as soon as main yields.
  const t1 = createTask(() => sendEmail("riya@shurai.com"));
  const t2 = createTask(() => sendEmail("arjun@shurai.com"));
  console.log("Tasks created, doing other work...");
  await sleep(100); // yield control so the tasks can start
  await t1; // wait for task 1
  await t2; // wait for task 2
}

await run(main);
