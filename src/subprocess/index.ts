// Child processes (asyncio.subprocess, plus Trio's run_process): re-exports only.
export { createSubprocessExec, createSubprocessShell } from "./create-subprocess.ts";
export { ProcessError } from "./errors.ts";
export { Process } from "./process.ts";
export type { ProcessOptions, StdioOption } from "./process-options.ts";
export { type CompletedProcess, type RunProcessOptions, runProcess } from "./run-process.ts";
