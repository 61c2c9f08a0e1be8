// Shared by the streams tests: a VirtualClock that waits for loopback I/O, the test-only TLS certificate, temp paths.
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VirtualClock } from "aio-ts/testing";
import { REAL_IDLE } from "../http/client-helpers.ts";

/** runVirtual options for tests with real sockets: time jumps only after REAL_IDLE real ms of quiet. */
export const sockets = (): { clock: VirtualClock } => ({ clock: new VirtualClock({ realIdle: REAL_IDLE }) });

const dir = new URL("../fixtures/tls/", import.meta.url);
/** The test-only self-signed certificate for localhost / 127.0.0.1 (test/fixtures/tls/README.md). */
export const CERT: string = readFileSync(new URL("cert.pem", dir), "utf8");
export const KEY: string = readFileSync(new URL("key.pem", dir), "utf8");

let n = 0;
/** A fresh Unix socket path in the temp directory. */
export function socketPath(): string {
  return join(tmpdir(), `aio-streams-${process.pid}-${++n}.sock`);
}

export const text = (b: Uint8Array): string => Buffer.from(b).toString();
