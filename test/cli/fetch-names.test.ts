// The pieces of `aio fetch` that decide names and read options, tested directly.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseDuration, parseFetchArgs, parseSize, UsageError } from "../../src/cli/fetch/args.ts";
import {
  mirrorPath,
  NameClaims,
  nameFromContentDisposition,
  nameFromUrl,
  sanitizeName,
  sanitizePath,
  staysInside,
} from "../../src/cli/fetch/names.ts";

describe("file names", () => {
  test("sanitizeName removes separators, control characters, dot names and reserved names", () => {
    assert.equal(sanitizeName("../../etc/passwd"), ".._.._etc_passwd");
    assert.equal(sanitizeName("a\u0000b\nc\td"), "a_b_c_d");
    assert.equal(sanitizeName(".."), "download");
    assert.equal(sanitizeName("..."), "download");
    assert.equal(sanitizeName(""), "download");
    assert.equal(sanitizeName("name. . "), "name");
    assert.equal(sanitizeName("CON"), "_CON");
    assert.equal(sanitizeName("lpt1.txt"), "_lpt1.txt");
    assert.equal(sanitizeName('C:\\x "y" <z>|?*'), "C__x _y_ _z____");
    assert.equal(sanitizeName("file.part"), "file.part_");
    assert.equal(sanitizeName("file.part.json"), "file.part.json_");
    assert.equal(sanitizeName("file.part.lock"), "file.part.lock_");
    assert.equal(sanitizeName("file.part.4242"), "file.part.4242_");
    assert.equal(sanitizeName(".bashrc"), ".bashrc");
  });

  test("a long name is cut to 200 UTF-8 bytes, on a character boundary, keeping its extension", () => {
    const long = sanitizeName(`${"é".repeat(300)}.tar`);
    assert.ok(Buffer.byteLength(long) <= 200);
    assert.ok(long.endsWith("é.tar"));
    assert.ok(!long.includes("\ufffd"));
  });

  test("names from URLs: the last segment, decoded; a folder is index.html", () => {
    assert.equal(nameFromUrl(new URL("http://h/a/b/report%20final.pdf?x=1")), "report final.pdf");
    assert.equal(nameFromUrl(new URL("http://h/a/b/")), "index.html");
    assert.equal(nameFromUrl(new URL("http://h")), "index.html");
    assert.equal(nameFromUrl(new URL("http://h/a/%2e%2e")), "index.html");
    assert.equal(nameFromUrl(new URL("http://h/%E0%A4%A")), "%E0%A4%A");
  });

  test("--mirror paths keep the host, the port and the folders, never a ..", () => {
    assert.equal(mirrorPath(new URL("http://example.com:8080/a/b/c.txt")), "example.com_8080/a/b/c.txt");
    assert.equal(mirrorPath(new URL("http://example.com/a/")), "example.com/a/index.html");
    assert.equal(mirrorPath(new URL("http://example.com/a/%2e%2e/%2e%2e/x")), "example.com/x"); // the URL parser resolves them first
    assert.equal(mirrorPath(new URL("http://example.com/q?a=1/2")), "example.com/q_a=1_2");
  });

  test("Content-Disposition: filename* wins, only the last path segment is kept", () => {
    assert.equal(nameFromContentDisposition('attachment; filename="../x"'), "x");
    assert.equal(nameFromContentDisposition("attachment; filename=plain.txt"), "plain.txt");
    assert.equal(
      nameFromContentDisposition("attachment; filename=\"r_sum_.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"),
      "résumé.txt",
    );
    assert.equal(nameFromContentDisposition("attachment; filename*=iso-8859-1''caf%E9.txt"), "café.txt");
    assert.equal(nameFromContentDisposition('attachment; filename="say \\"hi\\".txt"'), "say _hi_.txt");
    assert.equal(nameFromContentDisposition('attachment; filename="C:\\\\Windows\\\\win.ini"'), "win.ini");
    assert.equal(nameFromContentDisposition("attachment"), undefined);
    assert.equal(nameFromContentDisposition('attachment; filename=""'), undefined);
    assert.equal(nameFromContentDisposition(undefined), undefined);
  });

  test("format characters are removed: a right-to-left override cannot disguise an extension", () => {
    assert.equal(sanitizeName("\u202Etxt.exe"), "txt.exe");
    assert.equal(sanitizeName("a\u200Bb\u2066c\u2069\uFEFFd\u00ADe"), "abcde");
    assert.equal(nameFromContentDisposition("attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe"), "invoicefdp.exe");
    assert.equal(nameFromUrl(new URL("http://h/%E2%80%AEtxt.exe")), "txt.exe");
    assert.equal(sanitizeName("\u202E"), "download");
  });

  test("Content-Disposition: a raw UTF-8 filename is read as UTF-8, a raw ISO-8859-1 one as that", () => {
    // Header values arrive one character per byte: the UTF-8 bytes of é are the two characters Ã©.
    const utf8 = Buffer.from("é.txt", "utf8").toString("latin1");
    assert.equal(nameFromContentDisposition(`attachment; filename="${utf8}"`), "é.txt");
    assert.equal(nameFromContentDisposition('attachment; filename="\u00e9.txt"'), "é.txt");
    assert.equal(nameFromContentDisposition('filename="no-type.txt"'), "no-type.txt");
    assert.equal(
      nameFromContentDisposition("attachment; filename*=UTF-8''%ZZ.txt; filename=\"fallback.txt\""),
      "fallback.txt",
    );
  });

  test("out= paths keep folders but drop every .. and absolute root", () => {
    assert.equal(sanitizePath("/etc/passwd"), "etc/passwd");
    assert.equal(sanitizePath("../../x/./y"), "x/y");
    assert.equal(sanitizePath(".."), "download");
    assert.ok(staysInside("/out", sanitizePath("../../../x")));
    assert.ok(!staysInside("/out", "../x"));
    assert.ok(staysInside("/out", ".._x"));
  });

  test("claims give a numeric suffix to a name taken twice, ignoring case", () => {
    const claims = new NameClaims();
    assert.equal(claims.claim("a.txt"), "a.txt");
    assert.equal(claims.claim("a.txt"), "a-1.txt");
    assert.equal(claims.claim("A.TXT"), "A-2.TXT");
    assert.equal(claims.claim("a-1.txt"), "a-1-1.txt");
    assert.equal(claims.claim("dir/file"), "dir/file");
    assert.equal(claims.claim("dir/file"), "dir/file-1");
  });

  test("a file and a folder never share a name: the one claimed second gets the suffix", () => {
    const claims = new NameClaims();
    // --mirror of /dir (a file: the server's listing) then of /dir/a.txt and /dir/sub/b.txt.
    assert.equal(claims.claim("h/dir"), "h/dir");
    assert.equal(claims.claim("h/dir/a.txt"), "h/dir-1/a.txt");
    assert.equal(claims.claim("h/DIR/sub/b.txt"), "h/dir-1/sub/b.txt", "the whole folder moves, once");
    assert.equal(claims.claim("h/dir-1"), "h/dir-1-1", "a file never takes a renamed folder's name");
    // The other order: the folder first, then the file.
    assert.equal(claims.claim("h/v1.2/x"), "h/v1.2/x");
    assert.equal(claims.claim("h/v1.2"), "h/v1-1.2");
    assert.equal(claims.claim("h/x/y/z"), "h/x/y/z");
    assert.equal(claims.claim("h/x/y"), "h/x/y-1");
    assert.equal(claims.claim("h/x"), "h/x-1");
  });
});

describe("options", () => {
  test("durations are seconds unless they name a unit", () => {
    assert.equal(parseDuration("--timeout", "30"), 30_000);
    assert.equal(parseDuration("--timeout", "1.5s"), 1500);
    assert.equal(parseDuration("--timeout", "500ms"), 500);
    assert.equal(parseDuration("--timeout", "2m"), 120_000);
    assert.throws(() => parseDuration("--timeout", "0"), UsageError);
    assert.throws(() => parseDuration("--timeout", "-1"), /--timeout needs a duration/);
  });

  test("sizes take decimal and binary suffixes", () => {
    assert.equal(parseSize("--max-size", "1000"), 1000);
    assert.equal(parseSize("--max-size", "10k"), 10_000);
    assert.equal(parseSize("--max-size", "5M"), 5_000_000);
    assert.equal(parseSize("--max-size", "2KiB"), 2048);
    assert.equal(parseSize("--max-size", "1GB"), 1e9);
    assert.throws(() => parseSize("--max-size", "lots"), /--max-size needs a size/);
  });

  test("defaults: 16 at once, 6 per host, 3 retries, no total timeout", () => {
    const args = parseFetchArgs(["http://127.0.0.1/x"], "1.0.0");
    assert.equal(args.concurrency, 16);
    assert.equal(args.perHost, 6);
    assert.equal(args.retries, 3);
    assert.equal(args.timeout, null);
    assert.equal(args.userAgent, "aio-fetch/1.0.0");
    assert.equal(args.output, ".");
  });
});
