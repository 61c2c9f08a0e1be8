// The route and fault tables, in one place, for `aio serve --help` (docs/serve.md has the long form).

/** One line of help: a usage pattern and what it does. */
export interface HelpEntry {
  readonly usage: string;
  readonly summary: string;
}

/** Every built-in route. */
export const ROUTE_HELP: readonly HelpEntry[] = [
  { usage: "/get", summary: "GET: args, headers, origin, url (as JSON)" },
  { usage: "/post /put /patch /delete", summary: "that method: args, data, form, json, headers, origin, url" },
  { usage: "/anything[/...]", summary: "any method: echoes method, args, headers, data, form, json" },
  { usage: "/ip /uuid /headers /user-agent", summary: "origin / a fresh UUID4 / the headers / the User-Agent" },
  { usage: "/status/:codes", summary: "that status (200,500 or 200:0.9,500:0.1 picks one)" },
  { usage: "/delay/:s", summary: "answers after s seconds (at most 10)" },
  { usage: "/bytes/:n[?seed=]", summary: "n random bytes; a seed makes them deterministic" },
  { usage: "/stream-bytes/:n[?seed=&chunk_size=]", summary: "n bytes, chunked transfer encoding" },
  { usage: "/drip?duration=&numbytes=&delay=&code=", summary: "numbytes '*' spread over duration seconds" },
  { usage: "/range/:n[?duration=&chunk_size=]", summary: "n bytes a-z repeating; Range, ETag, Accept-Ranges" },
  { usage: "/no-range/:n", summary: "as /range/:n, but ignores Range (always 200, whole body)" },
  {
    usage: "/files/:name?size=&version=&change-every=",
    summary: "a deterministic file: ETag, Last-Modified, Range, If-Range",
  },
  {
    usage: "/content-disposition/:preset  ?filename=  ?value=",
    summary: "hostile download names: traversal, absolute, long, unicode...",
  },
  { usage: "/redirect/:n[?absolute=true]", summary: "302 n times, then /get" },
  { usage: "/relative-redirect/:n /absolute-redirect/:n", summary: "302 chains with relative / absolute Location" },
  { usage: "/redirect-to?url=&status_code=", summary: "redirects to url (302 by default)" },
  { usage: "/redirect-loop", summary: "redirects to itself forever" },
  { usage: "/json /gzip /deflate /brotli", summary: "a JSON document / JSON compressed with that encoding" },
  { usage: "/gzip-bomb/:n", summary: "gzip that decompresses to n zero bytes (~n/1000 sent)" },
  { usage: "/response-headers?k=v", summary: "sets the headers from the query and echoes them" },
  { usage: "/cache /cache/:n", summary: "304 given If-Modified-Since or If-None-Match / max-age=n" },
  { usage: "/etag/:etag", summary: "ETag; If-None-Match -> 304, failed If-Match -> 412" },
];

/** Every fault parameter (query parameter; the `serve({ faults })` field in brackets). */
export const FAULT_HELP: readonly HelpEntry[] = [
  { usage: "fault=reset", summary: "reset the connection (RST) before answering" },
  { usage: "fault=close", summary: "close the connection (FIN) before answering" },
  { usage: "fault=stall", summary: "never answer (until the client or the server closes)" },
  { usage: "fault=reset-mid-body", summary: "headers and half the body, then reset" },
  { usage: "fault=stall-mid-body", summary: "headers and half the body, then nothing" },
  { usage: "fault=wrong-length", summary: "Content-Length larger than the body, then close" },
  { usage: "fault=slow-drip", summary: "the body in small, slow writes (see fault-interval)" },
  { usage: "status=4xx|5xx", summary: "answer that status instead of the route" },
  { usage: "retry-after=S|HTTP-DATE", summary: "with status (503 by default): a Retry-After header" },
  { usage: "fail-rate=P&fail-seed=S", summary: "fail with probability P, deterministic per URL and seed" },
  { usage: "fail-times=N", summary: "fail only the first N requests to the URL, then answer normally" },
  { usage: "fault-interval=MS fault-chunk=N", summary: "slow-drip pacing (default 100 ms and 1/20 of the body)" },
];
