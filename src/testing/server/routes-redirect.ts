import type { Exchange } from "./exchange.ts";
import { BadRequest, intParam, oneParam, optional, type Route } from "./params.ts";
import { emptyReply, type Reply } from "./reply.ts";

/** Longest redirect chain `/redirect/:n` builds. */
export const MAX_REDIRECTS = 1000;

function hops(params: readonly string[], what: string): number {
  return intParam("n", oneParam(params, `${what}/:n`), 1, MAX_REDIRECTS);
}

function relative(n: number): Reply {
  return emptyReply(302, { location: n > 1 ? `/relative-redirect/${n - 1}` : "/get" });
}

function absolute(ex: Exchange, n: number): Reply {
  const base = `http://${ex.host()}`;
  return emptyReply(302, { location: n > 1 ? `${base}/absolute-redirect/${n - 1}` : `${base}/get` });
}

/** httpbin's redirect routes, plus `/redirect-loop` (a redirect to itself, forever). */
export const redirectRoutes: Record<string, Route> = {
  redirect: (ex, params) => {
    const n = hops(params, "redirect");
    return optional(ex, "absolute", false, (v) => v.toLowerCase() === "true") ? absolute(ex, n) : relative(n);
  },
  "relative-redirect": (_ex, params) => relative(hops(params, "relative-redirect")),
  "absolute-redirect": (ex, params) => absolute(ex, hops(params, "absolute-redirect")),
  "redirect-to": (ex) => {
    const url = ex.query.get("url");
    if (url === null || url === "") throw new BadRequest("redirect-to needs ?url=");
    const code = optional(ex, "status_code", 302, (v) => intParam("status_code", v, 100, 599));
    return emptyReply(code >= 300 && code < 400 ? code : 302, { location: url });
  },
  "redirect-loop": () => emptyReply(302, { location: "/redirect-loop" }),
};
