import { validateHeaderValue } from "node:http";
import { hashString, SeededContent } from "./content.ts";
import type { Exchange } from "./exchange.ts";
import { BadRequest, intParam, MAX_SIZE, optional, type Route } from "./params.ts";
import type { Reply } from "./reply.ts";

/**
 * Names a downloader must not trust, for `/content-disposition/:preset`.
 * Each is what a hostile or careless server really sends.
 */
export const HOSTILE_NAMES: Readonly<Record<string, string>> = {
  plain: "report.pdf",
  traversal: "../x",
  "deep-traversal": "../../../../etc/passwd",
  absolute: "/etc/passwd",
  "windows-absolute": "C:\\Windows\\win.ini",
  "backslash-traversal": "..\\..\\x.txt",
  long: `${"a".repeat(300)}.txt`,
  unicode: "résumé-文件-🚀.txt",
  control: "bad\nname\t.txt",
  nul: "a\0b.txt",
  reserved: "CON.txt",
  dots: "..",
  hidden: ".bashrc",
  empty: "",
  quote: 'say "hi".txt',
};

function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** RFC 8187 `ext-value` encoding: UTF-8, percent-encoded beyond the attribute characters. */
function extValue(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `attachment; filename="..."`, escaping `"` and `\`; a name that is not
 * printable ASCII also gets `filename*=UTF-8''...` (RFC 6266), with an ASCII
 * fallback in `filename` where each other character becomes `_`.
 */
export function contentDisposition(type: string, name: string): string {
  const quoted = (text: string) => `"${text.replace(/[\\"]/g, "\\$&")}"`;
  if (isPrintableAscii(name)) return `${type}; filename=${quoted(name)}`;
  let fallback = "";
  for (const c of name) fallback += isPrintableAscii(c) ? c : "_";
  return `${type}; filename=${quoted(fallback)}; filename*=UTF-8''${extValue(name)}`;
}

/**
 * `/content-disposition/:preset`, `/content-disposition?filename=NAME`, or
 * `?value=RAW` (the header verbatim): a small deterministic body served under
 * the name, for downloaders' `--content-disposition` tests.
 */
function named(ex: Exchange, params: readonly string[]): Reply {
  let value: string;
  const type = optional(ex, "type", "attachment", (v) => v);
  const raw = ex.rawQuery === "" ? null : ex.query.get("value");
  if (params.length > 0) {
    const preset = params.join("/");
    const name = HOSTILE_NAMES[preset];
    if (name === undefined) {
      throw new BadRequest(`unknown preset ${JSON.stringify(preset)}; one of ${Object.keys(HOSTILE_NAMES).join(", ")}`);
    }
    value = contentDisposition(type, name);
  } else if (raw !== null) {
    try {
      validateHeaderValue("content-disposition", raw);
    } catch {
      throw new BadRequest("value= is not a valid header value");
    }
    value = raw;
  } else {
    const name = ex.rawQuery === "" ? null : ex.query.get("filename");
    if (name === null) throw new BadRequest("use /content-disposition/:preset, ?filename=NAME or ?value=RAW");
    value = contentDisposition(type, name);
  }
  const size = optional(ex, "size", 32, (v) => intParam("size", v, 0, MAX_SIZE));
  return {
    status: 200,
    headers: { "content-type": "application/octet-stream", "content-disposition": value },
    body: new SeededContent(hashString(`name:${value}`), size),
  };
}

/** `/content-disposition`: served names, hostile ones included. */
export const nameRoutes: Record<string, Route> = { "content-disposition": named };
