import { hashString } from "./content.ts";
import type { Exchange } from "./exchange.ts";
import { intParam, oneParam, type Route } from "./params.ts";
import { etagMatches } from "./ranges.ts";
import { emptyReply, jsonReply } from "./reply.ts";
import { getBody } from "./routes-echo.ts";

/** `/cache`'s Last-Modified: fixed, so that tests are deterministic (httpbin uses the current time). */
export const CACHE_LAST_MODIFIED = "Mon, 01 Jan 2024 00:00:00 GMT";

/** `"abc"`, `W/"abc"` and `abc` all name the tag `abc`. */
function quote(tag: string): string {
  const bare = tag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
  return `"${bare}"`;
}

function cacheBody(ex: Exchange, maxAge: number | undefined) {
  const etag = `"${hashString(ex.path).toString(16).padStart(8, "0")}"`;
  const headers: Record<string, string> = { "last-modified": CACHE_LAST_MODIFIED, etag };
  if (maxAge !== undefined) headers["cache-control"] = `public, max-age=${maxAge}`;
  return jsonReply(getBody(ex), 200, headers);
}

/** httpbin's `/cache`, `/cache/:n` and `/etag/:etag`. */
export const cacheRoutes: Record<string, Route> = {
  cache: (ex, params) => {
    if (params.length > 0) return cacheBody(ex, intParam("n", oneParam(params, "cache/:n"), 0, 2 ** 31 - 1));
    const h = ex.req.headers;
    // As httpbin: any validator at all means "you have it", whatever its value.
    if (h["if-modified-since"] !== undefined || h["if-none-match"] !== undefined) return emptyReply(304);
    return cacheBody(ex, undefined);
  },
  etag: (ex, params) => {
    const etag = quote(oneParam(params, "etag/:etag"));
    const h = ex.req.headers;
    const ifNoneMatch = h["if-none-match"];
    const ifMatch = h["if-match"];
    // httpbin compares bare tags: `If-None-Match: abc` and `"abc"` both match `/etag/abc`.
    const list = (header: string) => header.split(",").map((t) => quote(t.trim()));
    if (ifNoneMatch !== undefined) {
      if (ifNoneMatch.trim() === "*" || etagMatches(list(ifNoneMatch).join(","), etag)) {
        return emptyReply(304, { etag });
      }
    } else if (ifMatch !== undefined) {
      if (!(ifMatch.trim() === "*" || etagMatches(list(ifMatch).join(","), etag))) return emptyReply(412);
    }
    return jsonReply(getBody(ex), 200, { etag });
  },
};
