// The embedded server (`aio serve`), over real sockets on 127.0.0.1: routes, faults, statistics, CLI.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { Agent, type IncomingHttpHeaders, request } from "node:http";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { currentTask, run, sleep, type Task } from "aio-ts";
import { type ServerHandle, serve, VirtualClock } from "aio-ts/testing";
import { defaultLoop } from "../../src/core/index.ts";

// ── Helpers ──

interface Got {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Set when the connection failed before or during the body. */
  error?: NodeJS.ErrnoException;
  /** Whether the response headers arrived. */
  responded: boolean;
}

interface Options {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  agent?: Agent | false;
}

/** One request with node:http; resolves (never rejects) with what arrived, and the error if the exchange broke. */
function get(url: string, options: Options = {}): Promise<Got> {
  return new Promise((resolve) => {
    const got: Got = { status: 0, headers: {}, body: Buffer.alloc(0), responded: false };
    const chunks: Buffer[] = [];
    const finish = (error?: NodeJS.ErrnoException): void => {
      got.body = Buffer.concat(chunks);
      if (error !== undefined) got.error = error;
      resolve(got);
    };
    const headers = { ...options.headers };
    // Node's client sends a DELETE body without framing unless told its length.
    if (options.body !== undefined) headers["content-length"] = String(Buffer.byteLength(options.body));
    const req = request(url, { method: options.method ?? "GET", headers, agent: options.agent ?? false }, (res) => {
      got.status = res.statusCode ?? 0;
      got.headers = res.headers;
      got.responded = true;
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => finish());
      res.on("error", (e) => finish(e));
      res.on("aborted", () => finish(Object.assign(new Error("aborted"), { code: "ECONNRESET" })));
    });
    req.on("error", (e) => finish(e));
    req.end(options.body);
  });
}

async function getJson(url: string, options: Options = {}): Promise<{ got: Got; json: Record<string, unknown> }> {
  const got = await get(url, options);
  assert.equal(got.headers["content-type"], "application/json");
  return { got, json: JSON.parse(got.body.toString()) as Record<string, unknown> };
}

/** Waits (polling) until `condition` holds; the test's own timeout bounds it. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 2));
}

const alphabet = (n: number, from = 0): string =>
  Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((from + i) % 26))).join("");

let server: ServerHandle;
let base: string;

before(async () => {
  server = await serve();
  base = server.url;
});
after(() => server.close());

// ── httpbin routes ──

describe("serve: httpbin's request-inspection routes", { timeout: 60_000 }, () => {
  test("/get echoes args (repeated names as lists), Title-Case headers, origin and url", async () => {
    const { got, json } = await getJson(`${base}/get?a=1&a=2&b=x`, { headers: { "x-test-header": "yes" } });
    assert.equal(got.status, 200);
    assert.deepEqual(Object.keys(json), ["args", "headers", "origin", "url"]);
    assert.deepEqual(json.args, { a: ["1", "2"], b: "x" });
    assert.equal((json.headers as Record<string, string>)["X-Test-Header"], "yes");
    assert.equal((json.headers as Record<string, string>).Host, new URL(base).host);
    assert.equal(json.origin, "127.0.0.1");
    assert.equal(json.url, `${base}/get?a=1&a=2&b=x`);
    assert.equal(got.headers["content-length"], String(got.body.length));
  });

  test("/get refuses other methods with 405; HEAD is allowed", async () => {
    const post = await get(`${base}/get`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    const head = await get(`${base}/get`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  });

  test("/ip, /uuid, /headers and /user-agent", async () => {
    assert.deepEqual((await getJson(`${base}/ip`)).json, { origin: "127.0.0.1" });
    const { uuid } = (await getJson(`${base}/uuid`)).json;
    assert.match(uuid as string, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual((await getJson(`${base}/uuid`)).json.uuid, uuid);
    const headers = (await getJson(`${base}/headers`, { headers: { accept: "text/x-test" } })).json;
    assert.deepEqual(Object.keys(headers), ["headers"]);
    assert.equal((headers.headers as Record<string, string>).Accept, "text/x-test");
    const ua = (await getJson(`${base}/user-agent`, { headers: { "user-agent": "probe/1" } })).json;
    assert.deepEqual(ua, { "user-agent": "probe/1" });
  });

  test("/anything echoes any method with its JSON body, under any sub-path", async () => {
    const { json } = await getJson(`${base}/anything/deep/path?q=1`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ hello: ["world"] }),
    });
    assert.deepEqual(Object.keys(json), [
      "args",
      "data",
      "files",
      "form",
      "headers",
      "json",
      "method",
      "origin",
      "url",
    ]);
    assert.equal(json.method, "PATCH");
    assert.deepEqual(json.args, { q: "1" });
    assert.equal(json.data, '{"hello":["world"]}');
    assert.deepEqual(json.json, { hello: ["world"] });
    assert.equal(json.url, `${base}/anything/deep/path?q=1`);
  });

  test("/anything parses url-encoded forms and shows binary bodies as a data URL", async () => {
    const form = await getJson(`${base}/anything`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "a=1&a=2&b=%C3%A9",
    });
    assert.deepEqual(form.json.form, { a: ["1", "2"], b: "é" });
    assert.equal(form.json.data, "");
    const binary = await getJson(`${base}/anything`, { method: "PUT", body: Buffer.from([0xff, 0x00, 0xfe]) });
    assert.equal(binary.json.data, "data:application/octet-stream;base64,/wD+");
    assert.equal(binary.json.json, null);
  });

  test("/post, /put, /patch and /delete accept only their method", async () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const path = `${base}/${method.toLowerCase()}`;
      const { got, json } = await getJson(path, { method, body: "[1,2]" });
      assert.equal(got.status, 200, method);
      assert.deepEqual(json.json, [1, 2]);
      assert.equal("method" in json, false, "httpbin's method routes do not echo the method");
      assert.equal((await get(path)).status, 405);
    }
  });

  test("an unknown path is 404 and a bad parameter is 400, both with a JSON error", async () => {
    const missing = await getJson(`${base}/nope`);
    assert.equal(missing.got.status, 404);
    assert.match(missing.json.error as string, /no route/);
    const bad = await getJson(`${base}/bytes/-1`);
    assert.equal(bad.got.status, 400);
    assert.match(bad.json.error as string, /n must be a whole number/);
  });
});

describe("serve: status, delay and response formats", { timeout: 60_000 }, () => {
  test("/status/:code answers that status, with httpbin's extras", async () => {
    assert.equal((await get(`${base}/status/204`)).status, 204);
    assert.equal((await get(`${base}/status/500`)).status, 500);
    const teapot = await get(`${base}/status/418`);
    assert.equal(teapot.status, 418);
    assert.match(teapot.body.toString(), /teapot/);
    const redirect = await get(`${base}/status/302`);
    assert.equal(redirect.headers.location, "/redirect/1");
    assert.match(String((await get(`${base}/status/401`)).headers["www-authenticate"]), /Basic/);
    const picked = (await get(`${base}/status/201,202`)).status;
    assert.ok(picked === 201 || picked === 202);
    assert.equal((await get(`${base}/status/200:0,503:1`)).status, 503);
    assert.equal((await get(`${base}/status/99`)).status, 400);
  });

  test("/delay/:s answers httpbin's shape after the delay", async () => {
    const { got, json } = await getJson(`${base}/delay/0.01?x=1`);
    assert.equal(got.status, 200);
    assert.deepEqual(Object.keys(json), ["args", "data", "files", "form", "headers", "json", "origin", "url"]);
    assert.deepEqual(json.args, { x: "1" });
  });

  test("/json is httpbin's slideshow", async () => {
    const { json } = await getJson(`${base}/json`);
    const slideshow = json.slideshow as { title: string; slides: unknown[] };
    assert.equal(slideshow.title, "Sample Slide Show");
    assert.equal(slideshow.slides.length, 2);
  });

  test("/gzip is gzip-encoded JSON with gzipped: true; fetch decodes /gzip, /deflate and /brotli", async () => {
    const raw = await get(`${base}/gzip`, { headers: { "accept-encoding": "gzip" } });
    assert.equal(raw.headers["content-encoding"], "gzip");
    const json = JSON.parse(gunzipSync(raw.body).toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), ["gzipped", "headers", "method", "origin"]);
    assert.equal(json.gzipped, true);
    assert.equal(json.method, "GET");
    assert.equal(((await (await fetch(`${base}/gzip`)).json()) as { gzipped: boolean }).gzipped, true);
    assert.equal(((await (await fetch(`${base}/deflate`)).json()) as { deflated: boolean }).deflated, true);
    assert.equal(((await (await fetch(`${base}/brotli`)).json()) as { brotli: boolean }).brotli, true);
  });

  test("/gzip-bomb/:n is a gzip body about n/1000 long that decompresses to n zero bytes", async () => {
    const n = 3 * 2 ** 20 + 123;
    const raw = await get(`${base}/gzip-bomb/${n}`, { headers: { "accept-encoding": "gzip" } });
    assert.equal(raw.status, 200);
    assert.equal(raw.headers["content-encoding"], "gzip");
    assert.ok(raw.body.length < n / 500, `${raw.body.length} bytes as sent`);
    const decoded = gunzipSync(raw.body);
    assert.equal(decoded.length, n);
    assert.ok(decoded.every((b) => b === 0));
    assert.equal(gunzipSync((await get(`${base}/gzip-bomb/0`)).body).length, 0);
    assert.equal((await get(`${base}/gzip-bomb/${2 ** 34 + 1}`)).status, 400);
  });

  test("/response-headers sets the query's headers and echoes them with the right Content-Length", async () => {
    const { got, json } = await getJson(`${base}/response-headers?X-One=1&X-Two=a&X-Two=b`);
    assert.equal(got.headers["x-one"], "1");
    assert.equal(got.headers["x-two"], "a, b");
    assert.deepEqual(json, {
      "Content-Type": "application/json",
      "X-One": "1",
      "X-Two": ["a", "b"],
      "Content-Length": String(got.body.length),
    });
    assert.equal((await get(`${base}/response-headers?X-Bad=%0Aevil`)).status, 400);
  });
});

describe("serve: redirects", { timeout: 60_000 }, () => {
  test("/redirect/:n chains relative redirects down to /get", async () => {
    assert.equal((await get(`${base}/redirect/3`)).headers.location, "/relative-redirect/2");
    assert.equal((await get(`${base}/relative-redirect/2`)).headers.location, "/relative-redirect/1");
    assert.equal((await get(`${base}/relative-redirect/1`)).headers.location, "/get");
    const followed = await fetch(`${base}/redirect/3`);
    assert.equal(followed.url, `${base}/get`);
    assert.equal(followed.redirected, true);
  });

  test("/absolute-redirect/:n and ?absolute=true use absolute URLs", async () => {
    assert.equal((await get(`${base}/absolute-redirect/2`)).headers.location, `${base}/absolute-redirect/1`);
    assert.equal((await get(`${base}/absolute-redirect/1`)).headers.location, `${base}/get`);
    assert.equal((await get(`${base}/redirect/2?absolute=true`)).headers.location, `${base}/absolute-redirect/1`);
  });

  test("/redirect-to?url= redirects with the asked 3xx status; /redirect-loop never ends", async () => {
    const to = await get(`${base}/redirect-to?url=${encodeURIComponent("/ip")}&status_code=307`);
    assert.equal(to.status, 307);
    assert.equal(to.headers.location, "/ip");
    assert.equal((await get(`${base}/redirect-to?url=/ip&status_code=200`)).status, 302);
    assert.equal((await get(`${base}/redirect-to`)).status, 400);
    const loop = await get(`${base}/redirect-loop`);
    assert.equal(loop.status, 302);
    assert.equal(loop.headers.location, "/redirect-loop");
  });
});

describe("serve: caching validators", { timeout: 60_000 }, () => {
  test("/cache sends Last-Modified and ETag, and 304 to any conditional request", async () => {
    const first = await get(`${base}/cache`);
    assert.equal(first.status, 200);
    assert.ok(first.headers["last-modified"]);
    assert.ok(first.headers.etag);
    const since = { "if-modified-since": String(first.headers["last-modified"]) };
    assert.equal((await get(`${base}/cache`, { headers: since })).status, 304);
    const match = { "if-none-match": String(first.headers.etag) };
    assert.equal((await get(`${base}/cache`, { headers: match })).status, 304);
    assert.equal((await get(`${base}/cache/60`)).headers["cache-control"], "public, max-age=60");
  });

  test("/etag/:etag honours If-None-Match (304) and If-Match (412)", async () => {
    const plain = await get(`${base}/etag/abc`);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.etag, '"abc"');
    assert.equal((await get(`${base}/etag/abc`, { headers: { "if-none-match": '"abc"' } })).status, 304);
    assert.equal((await get(`${base}/etag/abc`, { headers: { "if-none-match": 'W/"x", abc' } })).status, 304);
    assert.equal((await get(`${base}/etag/abc`, { headers: { "if-none-match": '"other"' } })).status, 200);
    assert.equal((await get(`${base}/etag/abc`, { headers: { "if-match": '"other"' } })).status, 412);
    assert.equal((await get(`${base}/etag/abc`, { headers: { "if-match": '"abc"' } })).status, 200);
  });
});

// ── Bytes, ranges and files ──

describe("serve: bytes and ranges", { timeout: 60_000 }, () => {
  test("/bytes/:n gives n bytes; a seed makes them the same on every request and server", async () => {
    const a = await get(`${base}/bytes/1000?seed=42`);
    assert.equal(a.status, 200);
    assert.equal(a.headers["content-type"], "application/octet-stream");
    assert.equal(a.body.length, 1000);
    assert.deepEqual((await get(`${base}/bytes/1000?seed=42`)).body, a.body);
    await using other = await serve();
    assert.deepEqual((await get(`${other.url}/bytes/1000?seed=42`)).body, a.body);
    assert.notDeepEqual((await get(`${base}/bytes/1000?seed=43`)).body, a.body);
    assert.equal((await get(`${base}/bytes/0`)).body.length, 0);
    assert.equal((await get(`${base}/bytes/77`)).body.length, 77);
  });

  test("/stream-bytes/:n is chunked, with the same bytes as /bytes for the same seed", async () => {
    const streamed = await get(`${base}/stream-bytes/50000?seed=7&chunk_size=1000`);
    assert.equal(streamed.headers["transfer-encoding"], "chunked");
    assert.equal(streamed.headers["content-length"], undefined);
    assert.deepEqual(streamed.body, (await get(`${base}/bytes/50000?seed=7`)).body);
  });

  test("/drip sends numbytes '*' with the asked status, after the delay", async () => {
    const drip = await get(`${base}/drip?duration=0.02&numbytes=5&code=201&delay=0.01`);
    assert.equal(drip.status, 201);
    assert.equal(drip.headers["content-length"], "5");
    assert.equal(drip.body.toString(), "*****");
  });

  test("/range/:n serves a-z repeating with ETag and Accept-Ranges", async () => {
    const full = await get(`${base}/range/30`);
    assert.equal(full.status, 200);
    assert.equal(full.body.toString(), alphabet(30));
    assert.equal(full.headers["accept-ranges"], "bytes");
    assert.equal(full.headers.etag, '"range-30"');
    const big = await get(`${base}/range/200000`);
    assert.equal(big.body.toString(), alphabet(200000));
  });

  test("a satisfiable Range answers 206 with Content-Range; past the end answers 416", async () => {
    const cases: [string, number, string, string][] = [
      ["bytes=0-3", 206, "abcd", "bytes 0-3/30"],
      ["bytes=27-", 206, "bcd", "bytes 27-29/30"],
      ["bytes=-3", 206, "bcd", "bytes 27-29/30"],
      ["bytes=28-100", 206, "cd", "bytes 28-29/30"],
      ["bytes=30-", 416, "", "bytes */30"],
    ];
    for (const [range, status, body, contentRange] of cases) {
      const got = await get(`${base}/range/30`, { headers: { range } });
      assert.equal(got.status, status, range);
      assert.equal(got.body.toString(), body, range);
      assert.equal(got.headers["content-range"], contentRange, range);
    }
    const large = await get(`${base}/range/1000000`, { headers: { range: "bytes=999990-" } });
    assert.equal(large.body.toString(), alphabet(10, 999990));
    // Several ranges and nonsense are ignored: the whole body.
    assert.equal((await get(`${base}/range/30`, { headers: { range: "bytes=0-1,4-5" } })).status, 200);
    assert.equal((await get(`${base}/range/30`, { headers: { range: "lines=1-2" } })).status, 200);
  });

  test("If-Range with the current ETag resumes (206); with another one sends everything (200)", async () => {
    const same = await get(`${base}/range/30`, { headers: { range: "bytes=10-", "if-range": '"range-30"' } });
    assert.equal(same.status, 206);
    const changed = await get(`${base}/range/30`, { headers: { range: "bytes=10-", "if-range": '"old"' } });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.length, 30);
  });

  test("/no-range/:n ignores Range and does not advertise it", async () => {
    const got = await get(`${base}/no-range/30`, { headers: { range: "bytes=5-9" } });
    assert.equal(got.status, 200);
    assert.equal(got.body.toString(), alphabet(30));
    assert.equal(got.headers["accept-ranges"], undefined);
  });

  test("HEAD gives the length and no body", async () => {
    const head = await get(`${base}/bytes/1234?seed=1`, { method: "HEAD" });
    assert.equal(head.headers["content-length"], "1234");
    assert.equal(head.body.length, 0);
  });
});

describe("serve: /files for downloaders", { timeout: 60_000 }, () => {
  test("a file is deterministic, with a strong ETag and Last-Modified, and resumes by Range", async () => {
    const url = `${base}/files/data.bin?size=100000`;
    const full = await get(url);
    assert.equal(full.status, 200);
    assert.equal(full.body.length, 100000);
    assert.match(String(full.headers.etag), /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.ok(!Number.isNaN(new Date(String(full.headers["last-modified"])).getTime()));
    assert.deepEqual((await get(url)).body, full.body);
    const etag = String(full.headers.etag);
    const tail = await get(url, { headers: { range: "bytes=60001-", "if-range": etag } });
    assert.equal(tail.status, 206);
    assert.deepEqual(tail.body, full.body.subarray(60001));
    const byDate = await get(url, {
      headers: { range: "bytes=1-", "if-range": String(full.headers["last-modified"]) },
    });
    assert.equal(byDate.status, 206);
    assert.equal((await get(url, { headers: { "if-none-match": etag } })).status, 304);
    assert.equal((await get(url, { headers: { "if-match": '"nope"' } })).status, 412);
    const head = await get(url, { method: "HEAD" });
    assert.equal(head.headers["content-length"], "100000");
    assert.equal(head.headers.etag, etag);
  });

  test("another version has other bytes and another ETag; the default size is 1 MiB", async () => {
    const v1 = await get(`${base}/files/a.bin?size=1000&version=1`);
    const v2 = await get(`${base}/files/a.bin?size=1000&version=2`);
    assert.notEqual(v1.headers.etag, v2.headers.etag);
    assert.notDeepEqual(v1.body, v2.body);
    assert.deepEqual((await get(`${base}/files/a.bin?size=1000`)).body, v1.body);
    assert.equal((await get(`${base}/files/b.bin`, { method: "HEAD" })).headers["content-length"], String(2 ** 20));
  });

  test("change-every=1: the file changes between attempts, so a resume with If-Range starts over", async () => {
    await using fresh = await serve();
    const url = `${fresh.url}/files/moving.bin?size=5000&change-every=1`;
    const first = await get(url);
    const second = await get(url, { headers: { range: "bytes=2500-", "if-range": String(first.headers.etag) } });
    assert.equal(second.status, 200, "changed: the whole new file, not a 206");
    assert.notEqual(second.headers.etag, first.headers.etag);
    assert.equal(second.body.length, 5000);
    assert.notDeepEqual(second.body, first.body);
  });

  test("/content-disposition presets send hostile names; ?filename= and ?value= send yours", async () => {
    const cd = async (path: string) =>
      String((await get(`${base}/content-disposition${path}`)).headers["content-disposition"]);
    assert.equal(await cd("/traversal"), 'attachment; filename="../x"');
    assert.equal(await cd("/absolute"), 'attachment; filename="/etc/passwd"');
    assert.equal(await cd("/windows-absolute"), 'attachment; filename="C:\\\\Windows\\\\win.ini"');
    assert.equal(await cd("/long"), `attachment; filename="${"a".repeat(300)}.txt"`);
    const unicode = await cd("/unicode");
    assert.match(unicode, /filename="r_sum_-__-_.txt"; filename\*=UTF-8''r%C3%A9sum%C3%A9-/);
    assert.match(await cd("/control"), /filename\*=UTF-8''bad%0Aname%09.txt/);
    assert.equal(await cd("?filename=a%22b.txt"), 'attachment; filename="a\\"b.txt"');
    assert.equal(await cd("?value=inline;%20filename=x.txt"), "inline; filename=x.txt");
    const body = await get(`${base}/content-disposition/traversal?size=100`);
    assert.equal(body.body.length, 100);
    assert.equal((await get(`${base}/content-disposition/nope`)).status, 400);
  });
});

// ── Faults ──

describe("serve: faults", { timeout: 60_000 }, () => {
  test("reset-mid-body: the full Content-Length, some bytes, then a connection reset", async () => {
    const got = await get(`${base}/bytes/200000?seed=1&fault=reset-mid-body`);
    assert.equal(got.status, 200);
    assert.equal(got.headers["content-length"], "200000");
    assert.equal(got.error?.code, "ECONNRESET");
    assert.ok(got.body.length > 0 && got.body.length < 200000, `got ${got.body.length} bytes`);
    const intact = await get(`${base}/bytes/200000?seed=1`);
    assert.deepEqual(got.body, intact.body.subarray(0, got.body.length), "the bytes that came are the right ones");
  });

  test("wrong-length: Content-Length larger than the body, then a premature close", async () => {
    const got = await get(`${base}/bytes/1000?seed=1&fault=wrong-length`);
    assert.equal(got.headers["content-length"], "2024");
    assert.equal(got.body.length, 1000);
    assert.ok(got.error !== undefined, "the client sees the body end early");
    const chunked = await get(`${base}/stream-bytes/1000?fault=wrong-length`);
    assert.ok(chunked.error !== undefined, "a chunked body without its last chunk is truncated too");
  });

  test("reset and close: no response at all", async () => {
    const reset = await get(`${base}/get?fault=reset`);
    assert.equal(reset.responded, false);
    assert.equal(reset.error?.code, "ECONNRESET");
    const closed = await get(`${base}/get?fault=close`);
    assert.equal(closed.responded, false);
    assert.ok(closed.error !== undefined);
  });

  test("slow-drip: the whole body arrives, in many writes", async () => {
    const got = await get(`${base}/bytes/20?seed=3&fault=slow-drip&fault-interval=1&fault-chunk=2`);
    assert.equal(got.error, undefined);
    assert.deepEqual(got.body, (await get(`${base}/bytes/20?seed=3`)).body);
  });

  test("status with retry-after: that status and header (seconds or an HTTP date), 503 by default", async () => {
    const limited = await get(`${base}/get?status=429&retry-after=2`);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers["retry-after"], "2");
    const date = "Wed, 21 Oct 2015 07:28:00 GMT";
    const dated = await get(`${base}/get?retry-after=${encodeURIComponent(date)}`);
    assert.equal(dated.status, 503);
    assert.equal(dated.headers["retry-after"], date);
    assert.equal((await get(`${base}/get?retry-after=soon`)).status, 400);
    assert.equal((await get(`${base}/get?status=ok`)).status, 200, "a status that is no error code is an ordinary arg");
  });

  test("fail-times=N fails the first N requests to a URL, then answers", async () => {
    const url = `${base}/get?status=503&retry-after=1&fail-times=2&k=first`;
    assert.deepEqual([(await get(url)).status, (await get(url)).status, (await get(url)).status], [503, 503, 200]);
    const reset = `${base}/bytes/10?fault=reset&fail-times=1&k=second`;
    assert.equal((await get(reset)).responded, false);
    assert.equal((await get(reset)).body.length, 10);
  });

  test("fail-rate with a seed fails the same requests on every server", async () => {
    const pattern = async (s: ServerHandle, seed: number): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < 30; i++) out.push((await get(`${s.url}/get?fail-rate=0.5&fail-seed=${seed}`)).status);
      return out;
    };
    await using a = await serve();
    await using b = await serve();
    const first = await pattern(a, 1);
    assert.deepEqual(await pattern(b, 1), first);
    assert.ok(first.includes(503) && first.includes(200), first.join());
    assert.notDeepEqual(await pattern(b, 2), first);
    assert.equal((await get(`${base}/get?fail-rate=0`)).status, 200);
    assert.equal((await get(`${base}/get?fail-rate=1`)).status, 503);
  });

  test("server-wide faults apply to every request, the query overrides them, setFaults changes them", async () => {
    await using s = await serve({ faults: { status: 500, failTimes: 1 } });
    assert.equal((await get(`${s.url}/ip`)).status, 500);
    assert.equal((await get(`${s.url}/ip`)).status, 200);
    assert.equal((await get(`${s.url}/uuid?status=502`)).status, 502);
    s.setFaults({ fault: "reset" });
    assert.equal((await get(`${s.url}/ip`)).error?.code, "ECONNRESET");
    s.setFaults(undefined);
    assert.equal((await get(`${s.url}/ip`)).status, 200);
    assert.equal(s.statistics().faults, 3);
  });

  test("a bad fault parameter answers 400 naming the problem", async () => {
    const bad = await getJson(`${base}/get?fault=explode`);
    assert.equal(bad.got.status, 400);
    assert.match(bad.json.error as string, /unknown fault "explode"; one of reset, close, stall/);
    assert.equal((await get(`${base}/get?fail-rate=2`)).status, 400);
  });

  test("bad options throw TypeError in the library's message shape", async () => {
    await assert.rejects(serve({ port: -1 }), /Expected `port` to be an integer from 0 to 65535, got `-1`/);
    await assert.rejects(serve({ host: "" }), TypeError);
    await assert.rejects(
      serve({ faults: { fault: "boom" as "reset" } }),
      /Expected `faults` to be valid fault options/,
    );
    await assert.rejects(serve({ faults: { failRate: 3 } }), TypeError);
  });
});

// ── Connections, closing, tasks ──

describe("serve: connections and closing", { timeout: 60_000 }, () => {
  test("statistics count open and peak connections and active requests", async () => {
    const held: (() => void)[] = [];
    await using s = await serve({
      routes: { "/hold": (_req, res) => held.push(() => res.end("ok")) },
    });
    const agent = new Agent({ keepAlive: true });
    const pending = Array.from({ length: 4 }, () => get(`${s.url}/hold`, { agent }));
    await until(() => s.statistics().activeRequests === 4);
    assert.equal(s.statistics().openConnections, 4);
    for (const release of held) release();
    await Promise.all(pending);
    const idle = s.statistics();
    assert.equal(idle.activeRequests, 0);
    assert.equal(idle.openConnections, 4, "keep-alive: the connections stay open");
    assert.equal((await get(`${s.url}/get`, { agent })).status, 200);
    assert.equal(s.statistics().connections, 4, "and are reused");
    agent.destroy();
    await until(() => s.statistics().openConnections === 0);
    assert.deepEqual(s.statistics(), {
      requests: 5,
      activeRequests: 0,
      peakActiveRequests: 4,
      openConnections: 0,
      peakConnections: 4,
      connections: 4,
      faults: 0,
    });
  });

  test("close() with stalled and delayed requests ends them at once and leaves no timer", async () => {
    const s = await serve();
    const stalled = get(`${s.url}/get?fault=stall`);
    const midBody = get(`${s.url}/bytes/1000?fault=stall-mid-body`);
    const delayed = get(`${s.url}/delay/10`);
    const dripping = get(`${s.url}/drip?duration=60&numbytes=10`);
    await until(() => s.statistics().activeRequests === 4);
    await s.close();
    const results = await Promise.all([stalled, midBody, delayed, dripping]);
    for (const r of results) assert.ok(r.error !== undefined);
    assert.equal(results[1]?.body.length, 500, "stall-mid-body sent half the body");
    assert.equal(s.statistics().openConnections, 0);
    assert.equal(defaultLoop().clock.pendingTimers, 0, "no delay or drip timer survives close()");
    await s.close(); // again: harmless
  });

  test("a client that hangs up ends its delayed response and its timer", async () => {
    await using s = await serve();
    const req = request(`${s.url}/delay/10`, { agent: false });
    req.on("error", () => {});
    req.end();
    await until(() => s.statistics().activeRequests === 1 && defaultLoop().clock.pendingTimers === 1);
    req.destroy();
    await until(() => s.statistics().activeRequests === 0);
    assert.equal(defaultLoop().clock.pendingTimers, 0);
  });

  test("a server started inside run() handles requests outside any task", async () => {
    const seen: { task: Task<unknown> | undefined; mainWaiters: number }[] = [];
    await run(
      async () => {
        const main = currentTask() as Task<unknown>;
        await using s = await serve({
          routes: {
            "/probe": (_req, res) => {
              const task = currentTask();
              // A sleep here would register with the run's main task if the handler ran in its context.
              const nap = sleep(1);
              seen.push({ task, mainWaiters: (main._waiter ? 1 : 0) + (main._waiters?.size ?? 0) });
              nap.then(
                () => res.end("ok"),
                () => res.destroy(),
              );
            },
          },
        });
        assert.equal(await (await fetch(`${s.url}/probe`)).text(), "ok");
        // Built-in delays run on the real clock even though this run uses a VirtualClock.
        assert.equal((await fetch(`${s.url}/delay/0.01`)).status, 200);
      },
      { clock: new VirtualClock(), handleSignals: false },
    );
    assert.deepEqual(seen, [{ task: undefined, mainWaiters: 0 }]);
  });

  test("binds 127.0.0.1 by default, on a free port", async () => {
    await using s = await serve();
    assert.equal(s.host, "127.0.0.1");
    assert.ok(s.port > 0);
    assert.equal(s.url, `http://127.0.0.1:${s.port}`);
    // The server side of the connection is the loopback address it bound.
    let local: string | undefined;
    await using probe = await serve({
      routes: {
        "/local": (req, res) => {
          local = req.socket.localAddress;
          res.end();
        },
      },
    });
    assert.equal((await get(`${probe.url}/local`)).status, 200);
    assert.equal(local, "127.0.0.1");
  });

  test("await using closes the server", async () => {
    let url = "";
    {
      await using s = await serve();
      url = s.url;
      assert.equal((await get(`${url}/get`)).status, 200);
    }
    const after = await get(`${url}/get`);
    assert.equal(after.error?.code, "ECONNREFUSED");
  });
});

// ── CLI ──

describe("aio serve (CLI)", { timeout: 60_000 }, () => {
  const bin = fileURLToPath(new URL("../../bin/aio.js", import.meta.url));

  test("prints its URL, serves, and exits 130 on Ctrl-C after closing", async () => {
    const child = spawn(process.execPath, [bin, "serve", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d) => {
        out += d;
        const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
        if (m) resolve(m[0]);
      });
      child.on("close", () => reject(new Error(`exited early: ${err}`)));
    });
    const got = await get(`${url}/get?from=cli`);
    assert.equal(got.status, 200);
    assert.deepEqual((JSON.parse(got.body.toString()) as { args: unknown }).args, { from: "cli" });
    const stalled = get(`${url}/get?fault=stall`);
    child.kill("SIGINT");
    assert.equal(await exited, 130, err);
    assert.ok((await stalled).error !== undefined, "the stalled request was cut by the close");
    assert.match(err, /GET \/get\?from=cli 200/);
    assert.match(err, /stopped/);
  });

  test("--help lists routes and faults; bad usage exits 2 with a clear message", () => {
    const help = spawnSync(process.execPath, [bin, "serve", "--help"], { encoding: "utf8" });
    assert.equal(help.status, 0);
    for (const word of ["/range/:n", "/files/:name", "fault=reset-mid-body", "fail-rate", "retry-after"]) {
      assert.ok(help.stdout.includes(word), word);
    }
    const badPort = spawnSync(process.execPath, [bin, "serve", "--port", "http"], { encoding: "utf8" });
    assert.equal(badPort.status, 2);
    assert.match(badPort.stderr, /--port needs a number from 0 to 65535, got "http"/);
    const unknown = spawnSync(process.execPath, [bin, "serve", "--prot", "1"], { encoding: "utf8" });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown argument "--prot"/);
    for (const [args, message] of [
      [["--port"], /--port needs a number from 0 to 65535, got ""/],
      [["--port=70000"], /--port needs a number from 0 to 65535, got "70000"/],
      [["--host"], /--host needs an address/],
      [["--quiet=yes"], /--quiet takes no value, got "--quiet=yes"/],
      [["--help=1"], /--help takes no value, got "--help=1"/],
      [["8080"], /unknown argument "8080"/],
    ] as const) {
      const r = spawnSync(process.execPath, [bin, "serve", ...args], { encoding: "utf8", timeout: 60_000 }); // a hang guard, not a bound
      assert.equal(r.status, 2, args.join(" "));
      assert.match(r.stderr, message);
      assert.match(r.stderr, /Run `aio serve --help` for usage/);
      assert.equal(r.stdout, "", "nothing was served");
    }
  });

  test("a port in use exits 1 naming the problem", async () => {
    const r = spawnSync(process.execPath, [bin, "serve", "--port", String(server.port)], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /port \d+ is already in use/);
  });
});
