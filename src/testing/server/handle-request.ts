import type { Exchange } from "./exchange.ts";
import { type Fault, type FaultOptions, isBeforeResponse, planFault } from "./faults.ts";
import { BadRequest, type Route } from "./params.ts";
import { errorReply, jsonReply, type Reply } from "./reply.ts";
import { bytesRoutes } from "./routes-bytes.ts";
import { cacheRoutes } from "./routes-cache.ts";
import { echoRoutes } from "./routes-echo.ts";
import { nameRoutes } from "./routes-names.ts";
import { redirectRoutes } from "./routes-redirect.ts";
import { sendReply } from "./send-reply.ts";

/** Every built-in route, by the first segment of its path. */
const ROUTES: ReadonlyMap<string, Route> = new Map(
  Object.entries({ ...echoRoutes, ...redirectRoutes, ...cacheRoutes, ...bytesRoutes, ...nameRoutes }),
);

const NO_PARAMS: readonly string[] = [];

/** `/bytes/10` -> the `bytes` route with params `["10"]`. */
function findRoute(path: string): { route: Route; params: readonly string[] } | undefined {
  const slash = path.indexOf("/", 1);
  const name = slash < 0 ? path.slice(1) : path.slice(1, slash);
  const route = ROUTES.get(name);
  if (route === undefined) return undefined;
  if (slash < 0 || slash === path.length - 1) return { route, params: NO_PARAMS };
  return { route, params: path.slice(slash + 1).split("/") };
}

/** The answer to an error-status fault: JSON naming the fault, with `Retry-After` if asked. */
function statusFault(fault: Fault): Reply {
  const status = fault.status ?? 503;
  const headers = fault.retryAfter === undefined ? {} : { "retry-after": fault.retryAfter };
  return jsonReply({ error: "injected fault", status }, status, headers);
}

/** A fault that leaves no response at all. */
function cutConnection(ex: Exchange, fault: Fault): void {
  const socket = ex.req.socket;
  if (fault.kind === "reset") socket.resetAndDestroy();
  else if (fault.kind === "close") socket.end(() => socket.destroy());
  // `stall`: nothing is sent; the connection closing (client, or server close()) ends it.
}

/** Counters the request handler updates, read by `statistics()`. */
export interface FaultCounter {
  faults: number;
}

/**
 * Answers one request: decides on a fault (server-wide options, overridden by
 * the query), runs the route, and sends its reply. Bad parameters answer 400.
 * Never rejects for a client that left; an unexpected error rejects (the
 * server turns it into a 500 or a closed connection).
 */
export async function handleRequest(
  ex: Exchange,
  faults: FaultOptions | undefined,
  counter: FaultCounter,
): Promise<void> {
  let fault: Fault | undefined;
  try {
    fault = planFault(ex, faults);
    if (fault !== undefined) {
      counter.faults++;
      if (isBeforeResponse(fault.kind)) return cutConnection(ex, fault);
      if (fault.kind === undefined) return await sendReply(ex, statusFault(fault));
    }
    const found = findRoute(ex.path);
    const reply =
      found === undefined
        ? errorReply(404, `no route ${JSON.stringify(ex.path)}; see the route table in docs/serve.md`)
        : await found.route(ex, found.params);
    if (reply !== undefined) await sendReply(ex, reply, fault);
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    if (ex.open && !ex.res.headersSent) await sendReply(ex, errorReply(400, error.message));
  }
}
