// Run a command with a timeout and capture its output: asyncio's create_subprocess_exec and communicate inside
// wait_for, or Trio's run_process inside fail_after.
//
//   async def main():
//       proc = await asyncio.create_subprocess_exec("echo", "hello", stdout=PIPE, stderr=PIPE)
//       out, err = await asyncio.wait_for(proc.communicate(), 5)
//       ...
//       await asyncio.wait_for(proc.wait(), 1)  # TimeoutError, and the child runs on
//
// With aio the timed-out child does not run on: `runProcess` ends it (SIGTERM, then SIGKILL after a grace) before
// the TimeoutError comes out, so the program exits at once instead of 60 s later.
//
// Run it: node examples/run-process.ts              (the three cases below)
//         node examples/run-process.ts ls -l /tmp   (your command, given 10 s)
import { ProcessError, run, runProcess, TimeoutError, timeout } from "aio-ts";

async function main(): Promise<void> {
  const [program, ...args] = process.argv.slice(2);
  if (program !== undefined) {
    const { stdout } = await timeout(10_000, () => runProcess(program, args, { capture: true }));
    process.stdout.write(stdout ?? new Uint8Array());
    return;
  }

  // 1. Capture what a command prints.
  const { stdout } = await timeout(5000, () => runProcess("echo", ["hello", "from", "echo"], { capture: true }));
  console.log(`echo printed: ${String(stdout).trim()}`);

  // 2. A command that fails: ProcessError carries its status and what it wrote on stderr.
  try {
    await runProcess("sh", ["-c", "echo 'disk full' >&2; exit 3"], { capture: true });
  } catch (error) {
    if (!(error instanceof ProcessError)) throw error;
    console.log(`sh failed with status ${error.returncode}: ${String(error.stderr).trim()}`);
  }

  // 3. A command that hangs: given 1 s, then stopped.
  try {
    await timeout(1000, () => runProcess("sleep", ["60"]));
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    console.log("sleep 60 timed out after 1 second and was stopped");
  }
}

await run(main);
