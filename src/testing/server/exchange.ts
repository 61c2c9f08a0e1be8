import { isUtf8 } from "node:buffer";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Requests bodies larger than this get 413 (they are echoed back as JSON). */
export const MAX_REQUEST_BODY = 16 * 1024 * 1024;

/** httpbin's `args`/`form`: a name seen once maps to its value, seen again to the list of values. */
export type MultiDict = Record<string, string | string[]>;

/** What httpbin echoes about a request body (`/anything`, `/post`, ...). */
export interface BodyEcho {
  data: string;
  files: MultiDict;
  form: MultiDict;
  json: unknown;
}

const titleCache = new Map<string, string>();

/** `x-request-id` -> `X-Request-Id`, as httpbin (werkzeug) shows header names. */
export function titleCase(name: string): string {
  let title = titleCache.get(name);
  if (title === undefined) {
    title = name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    if (titleCache.size < 1000) titleCache.set(name, title);
  }
  return title;
}

/** A query or form string as httpbin's multi-dict. */
export function multiDict(params: URLSearchParams): MultiDict {
  const out: MultiDict = {};
  for (const [key, value] of params) {
    const seen = out[key];
    if (seen === undefined) out[key] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else out[key] = [seen, value];
  }
  return out;
}

/**
 * One request and its response, with the lazily computed views the routes
 * share (path segments, query, httpbin's header map, an abort signal).
 * Laziness matters: `/get` is what client benchmarks hammer.
 */
export class Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The path, without the query string. */
  readonly path: string;
  /** The raw query string, without `?`. */
  readonly rawQuery: string;
  private queryParams: URLSearchParams | undefined;
  private controller: AbortController | undefined;
  private readonly counters: Map<string, number>;

  /** `counters` is the server's: how many requests each key has seen (faults, changing files). */
  constructor(req: IncomingMessage, res: ServerResponse, counters: Map<string, number>) {
    this.req = req;
    this.res = res;
    this.counters = counters;
    let target = req.url ?? "/";
    if (!target.startsWith("/")) {
      // Absolute form (`GET http://host/path`, as sent to proxies).
      try {
        const url = new URL(target);
        target = url.pathname + url.search;
      } catch {
        target = "/";
      }
    }
    const q = target.indexOf("?");
    this.path = q < 0 ? target : target.slice(0, q);
    this.rawQuery = q < 0 ? "" : target.slice(q + 1);
  }

  /** How many earlier requests counted `key` (0 for the first); counts this one. */
  count(key: string): number {
    const n = this.counters.get(key) ?? 0;
    this.counters.set(key, n + 1);
    return n;
  }

  /** The query parameters. */
  get query(): URLSearchParams {
    this.queryParams ??= new URLSearchParams(this.rawQuery);
    return this.queryParams;
  }

  /**
   * Aborts when the response is over: sent, or the connection closed (client
   * gone, server closing). Timed routes wait on it, so that nothing outlives
   * its connection.
   */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = (this.controller = new AbortController());
      if (this.res.closed || this.res.destroyed) controller.abort();
      else this.res.once("close", () => controller.abort());
    }
    return this.controller.signal;
  }

  /** Whether the response can still be written. */
  get open(): boolean {
    return !this.res.closed && !this.res.destroyed && !this.res.writableEnded;
  }

  /** httpbin's `headers`: Title-Case names, repeated headers joined by `, `. */
  headers(): Record<string, string> {
    const out: Record<string, string> = {};
    const raw = this.req.headers;
    for (const name in raw) {
      const value = raw[name];
      if (value !== undefined) out[titleCase(name)] = Array.isArray(value) ? value.join(", ") : value;
    }
    return out;
  }

  /** httpbin's `args`. */
  args(): MultiDict {
    return this.rawQuery === "" ? {} : multiDict(this.query);
  }

  /** httpbin's `origin`: the client's address. */
  origin(): string {
    const address = this.req.socket.remoteAddress ?? "";
    return address.startsWith("::ffff:") ? address.slice(7) : address;
  }

  /** The URL as the client addressed it (Host header + target). */
  url(): string {
    return `http://${this.host()}${this.req.url ?? "/"}`;
  }

  /** The Host header, or the socket's local address. */
  host(): string {
    const host = this.req.headers.host;
    if (host !== undefined && host !== "") return host;
    const socket = this.req.socket;
    const address = socket.localAddress ?? "127.0.0.1";
    return `${address.includes(":") ? `[${address}]` : address}:${socket.localPort}`;
  }

  /**
   * Reads the request body, up to `MAX_REQUEST_BODY`. Returns `undefined` if
   * the client went away (nothing to answer) and `"too-large"` past the limit.
   */
  async readBody(): Promise<Buffer | "too-large" | undefined> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of this.req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_REQUEST_BODY) return "too-large";
        chunks.push(chunk);
      }
    } catch {
      return undefined;
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  }

  /** httpbin's echo of a body: `data`, `form` (url-encoded bodies), `json` (if the data parses). */
  echoBody(body: Buffer): BodyEcho {
    const type = (this.req.headers["content-type"] ?? "").toLowerCase();
    if (type.startsWith("application/x-www-form-urlencoded")) {
      return { data: "", files: {}, form: multiDict(new URLSearchParams(body.toString("latin1"))), json: null };
    }
    let data: string;
    let json: unknown = null;
    if (isUtf8(body)) {
      data = body.toString("utf8");
      if (data !== "") {
        try {
          json = JSON.parse(data);
        } catch {
          json = null;
        }
      }
    } else {
      data = `data:application/octet-stream;base64,${body.toString("base64")}`;
    }
    return { data, files: {}, form: {}, json };
  }
}
