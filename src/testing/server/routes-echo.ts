import { randomUUID } from "node:crypto";
import { type OutgoingHttpHeaders, validateHeaderName, validateHeaderValue } from "node:http";
import { brotliCompressSync, constants, deflateSync, gzipSync } from "node:zlib";
import type { Exchange } from "./exchange.ts";
import { BadRequest, intParam, numberParam, oneParam, type Route } from "./params.ts";
import { pause } from "./pause.ts";
import { emptyReply, errorReply, jsonReply, type Reply, textReply } from "./reply.ts";

/** `/delay/:s` waits at most this long, as httpbin does. */
export const MAX_DELAY_SECONDS = 10;

/** httpbin's `/get` shape (also the body of `/cache` and `/etag`). */
export function getBody(ex: Exchange): Record<string, unknown> {
  return { args: ex.args(), headers: ex.headers(), origin: ex.origin(), url: ex.url() };
}

/** Reads the body and answers httpbin's echo; `method` adds the method (as `/anything` does). */
async function echo(ex: Exchange, withMethod: boolean): Promise<Reply | undefined> {
  const body = await ex.readBody();
  if (body === undefined) return undefined;
  if (body === "too-large") return errorReply(413, "request body too large");
  const { data, files, form, json } = ex.echoBody(body);
  const out: Record<string, unknown> = { args: ex.args(), data, files, form, headers: ex.headers(), json };
  if (withMethod) out.method = ex.req.method;
  out.origin = ex.origin();
  out.url = ex.url();
  return jsonReply(out);
}

/** Only `method` (and HEAD for GET) is allowed, as on httpbin's method routes. */
function only(method: string, route: Route): Route {
  return (ex, params) => {
    const m = ex.req.method ?? "GET";
    if (m === method || (method === "GET" && m === "HEAD")) return route(ex, params);
    return emptyReply(405, { allow: method === "GET" ? "GET, HEAD, OPTIONS" : `${method}, OPTIONS` });
  };
}

const SLIDESHOW = {
  slideshow: {
    author: "Yours Truly",
    date: "date of publication",
    slides: [
      { title: "Wake up to WonderWidgets!", type: "all" },
      {
        items: ["Why <em>WonderWidgets</em> are great", "Who <em>buys</em> WonderWidgets"],
        title: "Overview",
        type: "all",
      },
    ],
    title: "Sample Slide Show",
  },
};

/** Parses `/status/200`, `/status/200,500` or weighted `/status/200:0.9,500:0.1` and picks one. */
function pickStatus(spec: string): number {
  const choices = spec.split(",").map((part) => {
    const [code = "", weight] = part.split(":");
    return {
      code: intParam("status code", code, 100, 599),
      weight: weight === undefined ? 1 : numberParam("weight", weight, 0, Number.MAX_SAFE_INTEGER),
    };
  });
  const total = choices.reduce((sum, c) => sum + c.weight, 0);
  if (choices.length === 1 || total === 0) return (choices[0] as { code: number }).code;
  let roll = Math.random() * total;
  for (const c of choices) {
    roll -= c.weight;
    if (roll < 0) return c.code;
  }
  return (choices[choices.length - 1] as { code: number }).code;
}

function statusReply(code: number): Reply {
  if (code === 301 || code === 302 || code === 303 || code === 305 || code === 307) {
    return emptyReply(code, { location: "/redirect/1" });
  }
  if (code === 401) return emptyReply(401, { "www-authenticate": 'Basic realm="Fake Realm"' });
  if (code === 407) return emptyReply(407, { "proxy-authenticate": 'Basic realm="Fake Realm"' });
  if (code === 418) return textReply("I'm a teapot\n", 418, { "x-more-info": "http://tools.ietf.org/html/rfc2324" });
  return emptyReply(code);
}

function encoded(ex: Exchange, flag: string, encoding: string, compress: (b: Buffer) => Buffer): Reply {
  const value = { [flag]: true, headers: ex.headers(), method: ex.req.method, origin: ex.origin() };
  const body = compress(Buffer.from(`${JSON.stringify(value, null, 2)}\n`));
  return { status: 200, headers: { "content-type": "application/json", "content-encoding": encoding }, body };
}

/** `/gzip-bomb/:n` never decompresses to more than this: 16 GiB, from a 16 MB body. */
export const MAX_BOMB_SIZE = 2 ** 34;

/** One gzip member of 1 MiB of zeros (about 1 KB), made once: a bomb repeats it. */
let megabyteMember: Buffer | undefined;

/**
 * `/gzip-bomb/:n`: a gzip body that decompresses to `n` zero bytes, about a
 * thousandth of that as sent (1 MB for 1 GiB), for testing a client's size
 * limits. gzip allows members one after another; repeating one member of 1 MiB
 * costs the server no compression work and no memory for the output.
 */
function gzipBomb(params: readonly string[]): Reply {
  const n = intParam("n", oneParam(params, "gzip-bomb/:n"), 0, MAX_BOMB_SIZE);
  const mib = 2 ** 20;
  megabyteMember ??= gzipSync(Buffer.alloc(mib), { level: constants.Z_BEST_COMPRESSION });
  const whole = Math.floor(n / mib);
  const parts: Buffer[] = new Array<Buffer>(whole).fill(megabyteMember);
  if (n % mib !== 0 || n === 0) parts.push(gzipSync(Buffer.alloc(n % mib)));
  return {
    status: 200,
    headers: { "content-type": "application/octet-stream", "content-encoding": "gzip" },
    body: Buffer.concat(parts),
  };
}

/** `/response-headers?k=v`: sets the headers and echoes them, Content-Length included, as httpbin does. */
function responseHeaders(ex: Exchange): Reply {
  const headers: OutgoingHttpHeaders = {};
  const echoed: Record<string, string | string[]> = { "Content-Type": "application/json" };
  for (const [key, value] of Object.entries(ex.args())) {
    headers[key] = value;
    echoed[key] = value;
  }
  // The body states its own length: iterate until the number stops changing its width.
  let length = 0;
  let text = "";
  for (let i = 0; i < 5; i++) {
    text = `${JSON.stringify({ ...echoed, "Content-Length": String(length) }, null, 2)}\n`;
    const next = Buffer.byteLength(text);
    if (next === length) break;
    length = next;
  }
  try {
    for (const [key, value] of Object.entries(headers)) {
      validateHeaderName(key);
      for (const v of Array.isArray(value) ? value : [String(value)]) validateHeaderValue(key, v);
    }
  } catch (error) {
    throw new BadRequest(`bad header: ${(error as Error).message}`);
  }
  ex.res.setHeader("content-type", "application/json");
  for (const [key, value] of Object.entries(headers)) ex.res.setHeader(key, value as string | string[]);
  return { status: 200, headers: {}, body: Buffer.from(text) };
}

/** httpbin's request-inspection and response-format routes. */
export const echoRoutes: Record<string, Route> = {
  get: only("GET", (ex) => jsonReply(getBody(ex))),
  post: only("POST", (ex) => echo(ex, false)),
  put: only("PUT", (ex) => echo(ex, false)),
  patch: only("PATCH", (ex) => echo(ex, false)),
  delete: only("DELETE", (ex) => echo(ex, false)),
  anything: (ex) => echo(ex, true),
  ip: (ex) => jsonReply({ origin: ex.origin() }),
  uuid: () => jsonReply({ uuid: randomUUID() }),
  headers: (ex) => jsonReply({ headers: ex.headers() }),
  "user-agent": (ex) => jsonReply({ "user-agent": ex.req.headers["user-agent"] ?? null }),
  json: () => jsonReply(SLIDESHOW),
  gzip: (ex) => encoded(ex, "gzipped", "gzip", (b) => gzipSync(b)),
  deflate: (ex) => encoded(ex, "deflated", "deflate", (b) => deflateSync(b)),
  brotli: (ex) => encoded(ex, "brotli", "br", (b) => brotliCompressSync(b)),
  "gzip-bomb": (_ex, params) => gzipBomb(params),
  "response-headers": responseHeaders,
  status: (_ex, params) => statusReply(pickStatus(oneParam(params, "status/:code"))),
  delay: async (ex, params) => {
    const seconds = Math.min(numberParam("delay", oneParam(params, "delay/:seconds"), 0, 1e9), MAX_DELAY_SECONDS);
    const body = await ex.readBody();
    if (body === undefined || !(await pause(seconds * 1000, ex.signal))) return undefined;
    if (body === "too-large") return errorReply(413, "request body too large");
    const { data, files, form, json } = ex.echoBody(body);
    return jsonReply({
      args: ex.args(),
      data,
      files,
      form,
      headers: ex.headers(),
      json,
      origin: ex.origin(),
      url: ex.url(),
    });
  },
};
