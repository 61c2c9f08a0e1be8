// ClientSession: methods, URLs, bodies, headers, redirects, status errors,
// size limits, decompression and error messages, against real servers on
// 127.0.0.1.
import assert from "node:assert/strict";
import dns from "node:dns";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { AioError, InvalidStateError, run, sleep } from "aio-ts";
import {
  ClientResponse,
  ClientSession,
  HttpConnectError,
  HttpError,
  HttpRedirectError,
  HttpResponseTooLargeError,
  HttpStatusError,
  HttpTooManyRedirectsError,
} from "aio-ts/http";
import { serve } from "aio-ts/testing";
import { rejection } from "../helpers.ts";
import { readBody, startServer, type TestServer } from "./client-helpers.ts";

const opts = { handleSignals: false } as const;

/** The documented default ceiling of bytes(), text() and json(): 64 MiB. */
const DEFAULT_MAX_BUFFERED = 64 * 2 ** 20;

/** An echo server with a few routes of its own. */
let srv: TestServer;
before(async () => {
  srv = await startServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname;
    if (path.startsWith("/redirect/")) {
      const n = Number(path.slice("/redirect/".length));
      res.writeHead(302, { location: n > 1 ? `/redirect/${n - 1}` : "/echo?from=redirect" });
      res.end();
      return;
    }
    if (path.startsWith("/moved/")) {
      res.writeHead(Number(path.slice("/moved/".length)), { location: "/echo?moved" });
      res.end();
      return;
    }
    if (path === "/bomb") {
      // 1 KB as sent, 1 MB once decompressed.
      res.writeHead(200, { "content-encoding": "gzip" });
      res.end(gzipSync(Buffer.alloc(1_000_000)));
      return;
    }
    if (path === "/loop") {
      res.writeHead(302, { location: "/loop" });
      res.end();
      return;
    }
    if (path.startsWith("/status/")) {
      res.writeHead(Number(path.slice("/status/".length)), { "x-why": "asked" });
      res.end("status body");
      return;
    }
    if (path === "/big") {
      res.writeHead(200, { "content-length": "100000" });
      res.end(Buffer.alloc(100_000, 97));
      return;
    }
    if (path === "/big-chunked") {
      res.writeHead(200); // no content-length: chunked
      for (let i = 0; i < 10; i++) res.write(Buffer.alloc(10_000, 98));
      res.end();
      return;
    }
    if (path === "/compressed") {
      const encoding = url.searchParams.get("e") ?? "gzip";
      const text = Buffer.from("compressed hello ".repeat(100));
      const body =
        encoding === "gzip" ? gzipSync(text) : encoding === "deflate" ? deflateSync(text) : brotliCompressSync(text);
      res.writeHead(200, {
        "content-encoding": encoding,
        "content-type": "text/plain",
        "x-accept": String(req.headers["accept-encoding"]),
      });
      res.end(body);
      return;
    }
    if (path === "/latin1") {
      res.writeHead(200, { "content-type": "text/plain; charset=iso-8859-1" });
      res.end(Buffer.from([0x63, 0x61, 0x66, 0xe9])); // "café" in latin-1
      return;
    }
    if (path === "/cookies") {
      res.setHeader("set-cookie", ["a=1", "b=2"]);
      res.end("ok");
      return;
    }
    const body = await readBody(req);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
  });
});
after(() => srv.close());

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

describe("requests", () => {
  test("get returns the status, headers, url and body", async () => {
    await run(async () => {
      await using session = new ClientSession();
      const response = await session.get(srv.url("/echo"));
      assert.ok(response instanceof ClientResponse);
      assert.equal(response.status, 200);
      assert.equal(response.ok, true);
      assert.equal(response.statusText, "OK");
      assert.equal(response.method, "GET");
      assert.equal(response.url, srv.url("/echo"));
      assert.equal(response.headers["content-type"], "application/json");
      assert.equal(response.header("Content-Type"), "application/json");
      const echo = await response.json<Echo>();
      assert.equal(echo.method, "GET");
      assert.equal(echo.url, "/echo");
      assert.equal(response.bodyUsed, true);
      // The bytes are kept: reading again gives the same body.
      assert.equal((await response.json<Echo>()).url, "/echo");
    }, opts);
  });

  test("each method helper sends its method", async () => {
    await run(async () => {
      await using session = new ClientSession();
      for (const method of ["get", "post", "put", "patch", "delete"] as const) {
        const echo = await (await session[method](srv.url("/echo"))).json<Echo>();
        assert.equal(echo.method, method.toUpperCase());
      }
      const head = await session.head(srv.url("/echo"));
      assert.equal(head.status, 200);
      assert.equal(await head.text(), "");
      const custom = await (await session.request("options", srv.url("/echo"))).json<Echo>();
      assert.equal(custom.method, "OPTIONS");
    }, opts);
  });

  test("params are appended to the query, arrays repeat the key, nullish values are left out", async () => {
    await run(async () => {
      await using session = new ClientSession();
      const response = await session.get(srv.url("/echo?keep=1"), {
        params: { q: "a b", n: 2, tags: ["x", "y"], skip: undefined, none: null, ok: true },
      });
      assert.equal((await response.json<Echo>()).url, "/echo?keep=1&q=a+b&n=2&tags=x&tags=y&ok=true");
      const pairs = await session.get(srv.url("/echo"), { params: new URLSearchParams([["a", "1"]]) });
      assert.equal((await pairs.json<Echo>()).url, "/echo?a=1");
    }, opts);
  });

  test("relative URLs resolve against baseUrl, whose path must end with a slash", async () => {
    await run(async () => {
      await using session = new ClientSession({ baseUrl: `${srv.origin}/api/` });
      assert.equal((await (await session.get("users")).json<Echo>()).url, "/api/users");
      assert.equal((await (await session.get("/root")).json<Echo>()).url, "/root");
    }, opts);
    assert.throws(
      () => new ClientSession({ baseUrl: `${srv.origin}/api` }),
      /Expected `baseUrl` to be a URL whose path ends with `\/`/,
    );
    await run(async () => {
      await using session = new ClientSession();
      assert.throws(() => session.get("relative"), /Expected `url` to be an absolute URL \(or set `baseUrl`\)/);
      assert.throws(() => session.get("ftp://x/"), /an http: or https: URL/);
    }, opts);
  });

  test("json is sent as JSON with its content type", async () => {
    await run(async () => {
      await using session = new ClientSession();
      const echo = await (await session.post(srv.url("/echo"), { json: { a: [1, 2] } })).json<Echo>();
      assert.equal(echo.body, '{"a":[1,2]}');
      assert.equal(echo.headers["content-type"], "application/json");
      const typed = await (
        await session.post(srv.url("/echo"), { json: 1, headers: { "Content-Type": "application/vnd+json" } })
      ).json<Echo>();
      assert.equal(typed.headers["content-type"], "application/vnd+json");
      assert.throws(() => session.post(srv.url("/echo"), { json: 1, body: "x" }), /either `json` or `body`/);
    }, opts);
  });

  test("bodies: string, bytes, Readable, async iterable and web stream", async () => {
    await run(async () => {
      await using session = new ClientSession();
      const send = async (body: Parameters<ClientSession["post"]>[1]) =>
        (await (await session.post(srv.url("/echo"), body)).json<Echo>()).body;
      assert.equal(await send({ body: "text" }), "text");
      assert.equal(await send({ body: new TextEncoder().encode("bytes") }), "bytes");
      assert.equal(await send({ body: Readable.from(["rea", "dable"]) }), "readable");
      async function* chunks() {
        yield "as";
        yield new TextEncoder().encode("ync");
      }
      assert.equal(await send({ body: chunks() }), "async");
      const web = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("web"));
          controller.close();
        },
      });
      assert.equal(await send({ body: web }), "web");
    }, opts);
  });

  test("request headers are laid over the session's, names without case", async () => {
    await run(async () => {
      await using session = new ClientSession({ headers: { "X-Session": "s", "X-Both": "session" } });
      const echo = await (
        await session.get(srv.url("/echo"), { headers: new Headers({ "x-both": "request", "x-req": "r" }) })
      ).json<Echo>();
      assert.equal(echo.headers["x-session"], "s");
      assert.equal(echo.headers["x-both"], "request");
      assert.equal(echo.headers["x-req"], "r");
    }, opts);
  });

  test("repeated response headers are arrays, joined by header()", async () => {
    await run(async () => {
      await using session = new ClientSession();
      const response = await session.get(srv.url("/cookies"));
      assert.deepEqual(response.headers["set-cookie"], ["a=1", "b=2"]);
      assert.equal(response.header("set-cookie"), "a=1, b=2");
      await response.text();
    }, opts);
  });

  test("the body can be iterated, or read as a web stream", async () => {
    await run(async () => {
      await using session = new ClientSession();
      const response = await session.get(srv.url("/big"));
      let size = 0;
      for await (const chunk of response.body) {
        assert.ok(chunk instanceof Uint8Array);
        size += chunk.length;
      }
      assert.equal(size, 100_000);
      assert.throws(() => response.body, InvalidStateError);
      const streamed = await session.get(srv.url("/big"));
      let total = 0;
      for await (const chunk of streamed.stream()) total += chunk.length;
      assert.equal(total, 100_000);
      assert.equal(session.statistics().inFlight, 0);
    }, opts);
  });

  test("text() decodes the charset of content-type", async () => {
    await run(async () => {
      await using session = new ClientSession();
      assert.equal(await (await session.get(srv.url("/latin1"))).text(), "café");
    }, opts);
  });
});

describe("redirects", () => {
  test("are followed, and url is the final one", async () => {
    await run(async () => {
      await using session = new ClientSession();
      const response = await session.get(srv.url("/redirect/3"));
      assert.equal(response.status, 200);
      assert.equal(response.url, srv.url("/echo?from=redirect"));
      assert.equal((await response.json<Echo>()).url, "/echo?from=redirect");
    }, opts);
  });

  test("more than maxRedirects throws HttpTooManyRedirectsError", async () => {
    await run(async () => {
      await using session = new ClientSession({ maxRedirects: 2 });
      const error = await rejection(session.get(srv.url("/redirect/3")));
      assert.ok(error instanceof HttpTooManyRedirectsError, String(error));
      assert.equal(error.code, "ERR_AIO_HTTP_TOO_MANY_REDIRECTS");
      assert.equal(error.maxRedirects, 2);
      assert.match(error.message, /too many redirects \(more than 2\) from GET http:\/\/127\.0\.0\.1:\d+\/redirect\/3/);
      // Exactly the limit is fine.
      const ok = await session.get(srv.url("/redirect/2"));
      assert.equal(ok.status, 200);
      await ok.text();
      assert.equal(session.statistics().inFlight, 0);
    }, opts);
  });

  test("a redirect loop is a HttpTooManyRedirectsError that says loop", async () => {
    await run(async () => {
      await using session = new ClientSession();
      const error = await rejection(session.get(srv.url("/loop")));
      assert.ok(error instanceof HttpTooManyRedirectsError, String(error));
      assert.match(error.message, /^redirect loop: .* from GET http:\/\/127\.0\.0\.1:\d+\/loop$/);
      assert.equal(session.statistics().inFlight, 0);
    }, opts);
  });

  test("303 turns a POST into a GET without its body; 307 and 308 send the method and body again", async () => {
    await run(async () => {
      await using session = new ClientSession();
      const seen = await (await session.post(srv.url("/moved/303"), { json: { a: 1 } })).json<Echo>();
      assert.deepEqual([seen.method, seen.url, seen.body], ["GET", "/echo?moved", ""]);
      for (const status of [307, 308]) {
        const response = await session.post(srv.url(`/moved/${status}`), { json: { a: 1 } });
        assert.equal(response.url, srv.url("/echo?moved"));
        const echo = await response.json<Echo>();
        assert.deepEqual([echo.method, echo.body], ["POST", '{"a":1}']);
      }
    }, opts);
  });

  test("a 307 to a request whose body is a stream is returned as is: the body cannot be sent again", async () => {
    await run(async () => {
      await using session = new ClientSession();
      const response = await session.put(srv.url("/moved/307"), { body: Readable.from(["once"]) });
      assert.equal(response.status, 307);
      assert.equal(response.url, srv.url("/moved/307"));
      assert.equal(response.headers.location, "/echo?moved");
      response.release();
      assert.equal(session.statistics().inFlight, 0);
    }, opts);
  });

  test("a connection refused after a redirect names the origin that refused, not the first one", async () => {
    await using server = await serve();
    await run(async () => {
      await using session = new ClientSession({ retry: false });
      const url = `${server.url}/redirect-to?url=${encodeURIComponent("http://127.0.0.1:9/x")}`;
      const error = await rejection(session.get(url));
      assert.ok(error instanceof HttpConnectError, String(error));
      assert.equal(error.kind, "refused");
      assert.equal(error.url, url);
      assert.equal(
        error.message,
        `connection refused to http://127.0.0.1:9: ECONNREFUSED (GET ${url}, redirected to http://127.0.0.1:9/x)`,
      );
      // A retry starts again from the first URL, and fails at the same hop.
      const retried = await rejection(
        session.get(url, { retry: { attempts: 2, backoff: { base: 1, max: 1, jitter: false } } }),
      );
      assert.ok(retried instanceof HttpConnectError, String(retried));
      assert.equal(
        retried.message,
        `connection refused to http://127.0.0.1:9: ECONNREFUSED (GET ${url}, 2 attempts, redirected to http://127.0.0.1:9/x)`,
      );
      // Without a redirect, the message is as before.
      const direct = await rejection(session.get("http://127.0.0.1:9/y"));
      assert.equal(
        (direct as Error).message,
        "connection refused to http://127.0.0.1:9: ECONNREFUSED (GET http://127.0.0.1:9/y)",
      );
    }, opts);
  });

  test("a TLS failure after a redirect names the https origin that failed", async () => {
    await using server = await serve();
    await run(async () => {
      await using session = new ClientSession({ retry: false });
      // http: to the server, which redirects to https: on its own plain-HTTP port: the handshake fails.
      const target = `${server.url.replace("http:", "https:")}/get`;
      const url = `${server.url}/redirect-to?url=${encodeURIComponent(target)}`;
      const error = await rejection(session.get(url));
      assert.ok(error instanceof HttpConnectError, String(error));
      assert.equal(error.kind, "tls");
      assert.match(
        error.message,
        new RegExp(
          `^TLS with ${server.url.replace("http:", "https:")} failed: .*\\(GET .*, redirected to ${target}\\)$`,
        ),
      );
    }, opts);
  });

  for (const location of ["file:///etc/passwd", "data:text/plain,hello", "ftp://127.0.0.1/x"]) {
    const scheme = location.slice(0, location.indexOf(":") + 1);
    test(`a redirect to a ${scheme} URL throws HttpRedirectError with a code`, async () => {
      await using server = await serve();
      await run(async () => {
        await using session = new ClientSession();
        const url = `${server.url}/redirect-to?url=${encodeURIComponent(location)}`;
        const error = await rejection(session.get(url));
        assert.ok(error instanceof HttpRedirectError, String(error));
        assert.ok(error instanceof HttpError);
        assert.equal(error.code, "ERR_AIO_HTTP_BAD_REDIRECT");
        assert.equal(error.url, url);
        assert.equal(error.attempts, 1, "not retried");
        assert.match(error.message, /only http: and https: redirects are followed/);
        assert.ok(error.message.includes(`from ${url}`), error.message);
        assert.equal(session.statistics().inFlight, 0);
      }, opts);
    });
  }

  test("maxRedirects: 0 returns the redirect itself", async () => {
    await run(async () => {
      await using session = new ClientSession();
      const response = await session.get(srv.url("/redirect/1"), { maxRedirects: 0 });
      assert.equal(response.status, 302);
      assert.equal(response.headers.location, "/echo?from=redirect");
      response.release();
    }, opts);
  });
});

describe("raiseForStatus", () => {
  test("a session with raiseForStatus throws HttpStatusError for 4xx and 5xx", async () => {
    await run(async () => {
      await using session = new ClientSession({ raiseForStatus: true, retry: false });
      const error = await rejection(session.get(srv.url("/status/404")));
      assert.ok(error instanceof HttpStatusError);
      assert.ok(error instanceof HttpError);
      assert.ok(error instanceof AioError);
      assert.equal(error.status, 404);
      assert.equal(error.statusText, "Not Found");
      assert.equal(error.headers["x-why"], "asked");
      assert.equal(error.code, "ERR_AIO_HTTP_STATUS");
      assert.equal(error.attempts, 1);
      assert.match(error.message, /^HTTP 404 Not Found from GET http:\/\/127\.0\.0\.1:\d+\/status\/404$/);
      const ok = await session.get(srv.url("/status/204"));
      assert.equal(ok.status, 204);
      // Per request, the session's setting can be turned off.
      const kept = await session.get(srv.url("/status/500"), { raiseForStatus: false });
      assert.equal(kept.status, 500);
      assert.equal(kept.ok, false);
      assert.equal(await kept.text(), "status body");
      assert.equal(session.statistics().inFlight, 0);
    }, opts);
  });

  test("response.raiseForStatus() releases the body and throws", async () => {
    await run(async () => {
      await using session = new ClientSession({ retry: false });
      const response = await session.get(srv.url("/status/503"));
      assert.throws(() => response.raiseForStatus(), HttpStatusError);
      await assert.rejects(response.text(), { code: "ERR_AIO_HTTP_BODY_RELEASED" });
      const fine = await session.get(srv.url("/status/200"));
      fine.raiseForStatus();
      assert.equal(await fine.text(), "status body");
    }, opts);
  });
});

describe("maxResponseSize", () => {
  test("a declared Content-Length over the limit fails the request itself", async () => {
    await run(async () => {
      await using session = new ClientSession({ maxResponseSize: 50_000 });
      const error = await rejection(session.get(srv.url("/big")));
      assert.ok(error instanceof HttpResponseTooLargeError, String(error));
      assert.equal(error.limit, 50_000);
      assert.equal(error.code, "ERR_AIO_HTTP_RESPONSE_TOO_LARGE");
      assert.equal(session.statistics().inFlight, 0);
    }, opts);
  });

  test("a chunked body that grows over the limit fails its read", async () => {
    await run(async () => {
      await using session = new ClientSession({ maxResponseSize: 50_000 });
      const response = await session.get(srv.url("/big-chunked"));
      const error = await rejection(response.bytes());
      assert.ok(error instanceof HttpResponseTooLargeError, String(error));
      const small = await session.get(srv.url("/echo"));
      assert.equal(small.status, 200);
      await small.text();
    }, opts);
  });

  test("a body small as sent but over the limit once decompressed fails its read", async () => {
    await run(async () => {
      await using session = new ClientSession({ maxResponseSize: 100_000 });
      const response = await session.get(srv.url("/bomb"));
      const error = await rejection(response.bytes());
      assert.ok(error instanceof HttpResponseTooLargeError, String(error));
      assert.equal(error.limit, 100_000);
      assert.equal(session.statistics().inFlight, 0);
      // Without decompression, the 1 KB as sent is under the limit.
      const raw = await session.get(srv.url("/bomb"), { decompress: false });
      assert.ok((await raw.bytes()).length < 100_000);
    }, opts);
  });
});

describe("maxBufferedSize", () => {
  // A 16 MiB gzip bomb from `serve` (16 KB as sent), against ceilings far below it.
  const BOMB = "/gzip-bomb/16777216";

  test("bytes(), text() and json() stop a decompression bomb at the default ceiling, naming the option", async () => {
    await using server = await serve();
    await run(async () => {
      await using session = new ClientSession();
      const response = await session.get(`${server.url}/gzip-bomb/${DEFAULT_MAX_BUFFERED + 1}`);
      const error = await rejection(response.bytes());
      assert.ok(error instanceof HttpResponseTooLargeError, String(error));
      assert.equal(error.code, "ERR_AIO_HTTP_RESPONSE_TOO_LARGE");
      assert.equal(error.option, "maxBufferedSize");
      assert.equal(error.limit, DEFAULT_MAX_BUFFERED);
      assert.match(error.message, /maxBufferedSize/);
      assert.equal(session.statistics().inFlight, 0);
      // Just under the ceiling is read in full.
      const under = await session.get(`${server.url}/gzip-bomb/${2 ** 20}`);
      assert.equal((await under.bytes()).length, 2 ** 20);
    }, opts);
  });

  test("a session's or a request's maxBufferedSize lowers, raises or lifts the ceiling", async () => {
    await using server = await serve();
    await run(async () => {
      await using session = new ClientSession({ maxBufferedSize: 100_000 });
      for (const read of ["bytes", "text", "json"] as const) {
        const response = await session.get(server.url + BOMB);
        const error = await rejection(response[read]());
        assert.ok(error instanceof HttpResponseTooLargeError, `${read}: ${String(error)}`);
        assert.equal(error.limit, 100_000);
        assert.equal(error.option, "maxBufferedSize");
        assert.match(error.message, /maxBufferedSize \(100000 bytes\)/);
      }
      assert.equal(session.statistics().inFlight, 0);
      // A body that arrived in full before the read (under the socket's high-water mark) is held to it as well.
      const tiny = await session.get(`${server.url}/gzip-bomb/5000`, { maxBufferedSize: 1000 });
      await sleep(50);
      assert.equal(((await rejection(tiny.bytes())) as HttpResponseTooLargeError).limit, 1000);
      const raised = await session.get(server.url + BOMB, { maxBufferedSize: 2 ** 25 });
      assert.equal((await raised.bytes()).length, 2 ** 24);
      for (const lifted of [null, Number.POSITIVE_INFINITY]) {
        const response = await session.get(server.url + BOMB, { maxBufferedSize: lifted });
        assert.equal((await response.bytes()).length, 2 ** 24);
      }
    }, opts);
    await run(async () => {
      await using session = new ClientSession({ maxBufferedSize: null });
      assert.equal((await (await session.get(server.url + BOMB)).bytes()).length, 2 ** 24);
    }, opts);
    assert.throws(() => new ClientSession({ maxBufferedSize: 0 }), /Expected `maxBufferedSize` to be a positive/);
    assert.throws(() => new ClientSession({ maxBufferedSize: -5 }), /Expected `maxBufferedSize` to be a positive/);
  });

  test("streaming reads are not bounded by it; maxResponseSize bounds them", async () => {
    await using server = await serve();
    await run(async () => {
      await using session = new ClientSession({ maxBufferedSize: 100_000 });
      let streamed = 0;
      for await (const chunk of (await session.get(server.url + BOMB)).body) streamed += chunk.length;
      assert.equal(streamed, 2 ** 24);
      await using bounded = new ClientSession({ maxBufferedSize: 100_000, maxResponseSize: 1_000_000 });
      const response = await bounded.get(server.url + BOMB);
      const error = await rejection(
        (async () => {
          for await (const _ of response.body);
        })(),
      );
      assert.ok(error instanceof HttpResponseTooLargeError, String(error));
      assert.equal(error.option, "maxResponseSize");
      assert.equal(error.limit, 1_000_000);
    }, opts);
  });
});

describe("decompression", () => {
  for (const encoding of ["gzip", "deflate", "br"]) {
    test(`a ${encoding} body is decompressed`, async () => {
      await run(async () => {
        await using session = new ClientSession();
        const response = await session.get(srv.url(`/compressed?e=${encoding}`));
        assert.equal(response.headers["x-accept"], "gzip, deflate, br");
        assert.equal(response.headers["content-encoding"], undefined);
        assert.equal(await response.text(), "compressed hello ".repeat(100));
      }, opts);
    });
  }

  test("decompress: false keeps the bytes as sent and asks for no encoding", async () => {
    await run(async () => {
      await using session = new ClientSession({ decompress: false });
      const response = await session.get(srv.url("/compressed?e=gzip"));
      assert.equal(response.headers["x-accept"], "undefined");
      assert.equal(response.headers["content-encoding"], "gzip");
      const bytes = await response.bytes();
      assert.deepEqual(bytes.subarray(0, 2), Uint8Array.of(0x1f, 0x8b));
    }, opts);
    await run(async () => {
      await using session = new ClientSession();
      const response = await session.get(srv.url("/compressed?e=gzip"), { decompress: false });
      assert.equal(response.headers["content-encoding"], "gzip");
      response.release();
    }, opts);
  });
});

describe("errors", () => {
  test("a refused connection says so, with the origin and the code", async () => {
    await run(async () => {
      await using session = new ClientSession({ retry: false });
      const error = await rejection(session.get("http://127.0.0.1:9/x"));
      assert.ok(error instanceof HttpConnectError, String(error));
      assert.equal(error.kind, "refused");
      assert.equal(error.code, "ERR_AIO_HTTP_CONNECT");
      assert.equal(error.method, "GET");
      assert.equal(error.url, "http://127.0.0.1:9/x");
      assert.equal(error.attempts, 1);
      assert.equal(error.message, "connection refused to http://127.0.0.1:9: ECONNREFUSED (GET http://127.0.0.1:9/x)");
      assert.doesNotMatch(error.message, /fetch failed/);
      assert.equal((error.cause as { code?: string }).code, "ECONNREFUSED");
    }, opts);
  });

  test("a DNS failure says so, naming the host, and is not retried", async () => {
    // No resolver is asked: names under `.invalid` (reserved, RFC 2606) fail
    // here as getaddrinfo fails them; Node's net looks `dns.lookup` up per call.
    const lookup = dns.lookup;
    let lookups = 0;
    (dns as { lookup: unknown }).lookup = (host: string, options: unknown, callback?: unknown) => {
      if (!host.endsWith(".invalid")) return (lookup as (...args: unknown[]) => void)(host, options, callback);
      lookups++;
      const done = (typeof options === "function" ? options : callback) as (error: Error) => void;
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
        code: "ENOTFOUND",
        syscall: "getaddrinfo",
        hostname: host,
      });
      process.nextTick(done, error);
    };
    try {
      await run(async () => {
        await using session = new ClientSession();
        const error = await rejection(session.get("http://no-such-host.invalid/x"));
        assert.ok(error instanceof HttpConnectError, String(error));
        assert.equal(error.kind, "dns");
        assert.equal(error.code, "ERR_AIO_HTTP_CONNECT");
        assert.equal(error.attempts, 1);
        assert.equal(
          error.message,
          "DNS lookup failed for no-such-host.invalid: ENOTFOUND (GET http://no-such-host.invalid/x)",
        );
        assert.equal((error.cause as { code?: string }).code, "ENOTFOUND");
      }, opts);
    } finally {
      dns.lookup = lookup;
    }
    assert.equal(lookups, 1);
  });

  test("a TLS failure says so in words, on one line, and is not retried", async () => {
    await run(async () => {
      await using session = new ClientSession();
      // https: to a plain HTTP server: the handshake fails.
      const url = srv.url("/echo").replace("http:", "https:");
      const error = await rejection(session.get(url));
      assert.ok(error instanceof HttpConnectError, String(error));
      assert.equal(error.kind, "tls");
      assert.equal(error.attempts, 1);
      assert.equal(
        error.message,
        `TLS with ${srv.origin.replace("http:", "https:")} failed: ERR_SSL_WRONG_VERSION_NUMBER: wrong version number (GET ${url})`,
      );
      assert.doesNotMatch(error.message, /\n|openssl/);
    }, opts);
  });

  test("bad arguments fail at once", async () => {
    await run(async () => {
      await using session = new ClientSession();
      assert.throws(() => session.request("BAD METHOD", srv.url()), /Expected `method` to be an HTTP method/);
      assert.throws(() => session.get(srv.url(), { timeout: { total: -1 } }), /Expected `timeout.total`/);
      assert.throws(() => session.get(srv.url(), { timeout: { connect: 5 } } as never), /set on the ClientSession/);
      assert.throws(() => session.get(srv.url(), { retry: { attempts: 0 } }), /Expected `retry.attempts`/);
    }, opts);
    assert.throws(
      () => new ClientSession({ limit: -1 }),
      /Expected `limit` to be a non-negative integer or Infinity, got `-1` \(number\)/,
    );
  });

  test("a closed session refuses new requests; close() is idempotent", async () => {
    await run(async () => {
      const session = new ClientSession();
      await (await session.get(srv.url("/echo"))).text();
      await session.close();
      await session.close();
      assert.equal(session.closed, true);
      assert.throws(() => session.get(srv.url()), { code: "ERR_AIO_HTTP_SESSION_CLOSED" });
    }, opts);
  });

  test("works outside run(), with no task", async () => {
    const session = new ClientSession();
    const response = await session.get(srv.url("/echo"));
    assert.equal((await response.json<Echo>()).method, "GET");
    await session.close();
  });
});
