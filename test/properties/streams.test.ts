// Property: whatever the chunking of the input, the mix of reads, and the reads cancelled by timeouts while they
// wait, a StreamReader hands out every byte exactly once, in order: a cancelled read loses nothing, and a
// LimitOverrunError consumes nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  createTask,
  IncompleteReadError,
  isCancelledError,
  LimitOverrunError,
  StreamReader,
  sleep,
  TimeoutError,
  timeout,
} from "aio-ts";
import fc from "fast-check";
import { runVirtual } from "../helpers.ts";
import { fcParams } from "./fc-config.ts";

type Op =
  | { kind: "read"; n: number }
  | { kind: "readexactly"; n: number }
  | { kind: "readuntil"; sep: string }
  | { kind: "readline" };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("read" as const), n: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("readexactly" as const), n: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant("readuntil" as const), sep: fc.constantFrom("\n", "ab", "aab", "b\n") }),
  fc.constant({ kind: "readline" as const }),
);

const input = fc.array(fc.constantFrom("a", "b", "\n", "x"), { minLength: 0, maxLength: 200 }).map((c) => c.join(""));

test("a reader hands out every byte once, in order, whatever the chunks, reads and cancels", async () => {
  await fc.assert(
    fc.asyncProperty(
      input,
      fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 30 }),
      fc.array(fc.tuple(op, fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined })), { maxLength: 60 }),
      fc.integer({ min: 8, max: 64 }),
      async (data, cuts, ops, limit) => {
        const out = await runVirtual(async () => {
          const reader = new StreamReader({ limit });
          // The feeder: one chunk per ms of virtual time, then EOF.
          createTask(async () => {
            let at = 0;
            for (let i = 0; at < data.length; i++) {
              const size = cuts[i % cuts.length] as number;
              reader.feedData(data.slice(at, at + size));
              at += size;
              await sleep(1);
            }
            reader.feedEof();
          });
          const got: string[] = [];
          let lossy = false;
          for (const [o, deadline] of ops) {
            const call = (): Promise<Buffer> => {
              switch (o.kind) {
                case "read":
                  return reader.read(o.n);
                case "readexactly":
                  return reader.readexactly(o.n);
                case "readuntil":
                  return reader.readuntil(o.sep);
                case "readline":
                  return reader.readline();
              }
            };
            try {
              got.push((deadline === undefined ? await call() : await timeout(deadline, call)).toString());
            } catch (e) {
              if (e instanceof TimeoutError) continue; // cancelled while waiting: nothing taken
              if (e instanceof IncompleteReadError) got.push(Buffer.from(e.partial).toString());
              else if (e instanceof LimitOverrunError) got.push((await reader.readexactly(e.consumed)).toString());
              else if (
                e instanceof RangeError &&
                (e as RangeError & { code?: string }).code === "ERR_AIO_LINE_TOO_LONG"
              ) {
                // readline past the limit consumed the line (asyncio's rule): the property cannot see those bytes.
                lossy = true;
              } else if (isCancelledError(e)) throw e;
              else throw e;
            }
          }
          got.push((await reader.read()).toString());
          return lossy ? undefined : got.join("");
        });
        if (out !== undefined) assert.equal(out, data);
      },
    ),
    fcParams(200),
  );
});
