// node:tls, loaded at its first use rather than at aio's import: it brings node:crypto with it, about 0.65 MB of
// heap and 5 MB of RSS that a program without TLS would carry for nothing (every GC marks the heap, and a bigger
// process spawns children more slowly: see docs/subprocess.md, "Performance").

import type { Socket } from "node:net";
import type * as Tls from "node:tls";

let loaded: typeof Tls | undefined;

/** @internal `node:tls`, loaded once, at the first call. */
export function nodeTls(): typeof Tls {
  loaded ??= process.getBuiltinModule("node:tls") as typeof Tls;
  return loaded;
}

/** @internal Whether `socket` is a TLS socket; false while node:tls was never loaded (no socket can be one then). */
export function isTlsSocket(socket: Socket): socket is Tls.TLSSocket {
  return loaded !== undefined && socket instanceof loaded.TLSSocket;
}
