/**
 * The module piscina loads in every worker thread of a `WorkerPool`: it
 * imports the pool's module (once per thread; Node caches it) and calls the
 * function a job names with the job's arguments.
 *
 * Why an entry of our own rather than piscina's `filename`/`name`: piscina
 * passes one value to the function, where `pool.run(name, ...args)` spreads
 * several, as `run_in_executor(executor, fn, *args)` does; and the entry is
 * where a function's error is packed so that it crosses back whole.
 *
 * This runs in worker threads, apart from aio's loop: it imports no kernel.
 */
import { packError } from "./remote-error.ts";

/** One job, as `WorkerPool.run()` posts it. */
export interface Job {
  /** The module's file URL. */
  filename: string;
  name: string;
  args: unknown[];
}

type Module = Record<string, unknown>;

function describe(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return `\`${text}\` (${value === null ? "null" : typeof value})`;
}

export default async function runJob(job: Job): Promise<unknown> {
  try {
    const module = (await import(job.filename)) as Module;
    const fn = module[job.name];
    if (typeof fn !== "function") {
      // The message shape of aio's argument checks (core/validate.ts, not imported: see above).
      const error = new TypeError(
        `Expected \`name\` to be the name of a function exported by ${job.filename}, got ${describe(job.name)}` +
          (job.name in module ? `, which is ${describe(fn)}` : ", which it does not export"),
      );
      (error as TypeError & { code: string }).code = "ERR_AIO_INVALID_ARGUMENT";
      throw error;
    }
    return await (fn as (...args: unknown[]) => unknown)(...job.args);
  } catch (error) {
    throw packError(error);
  }
}
