// Where a download goes: every naming decision of `aio fetch` is here. Names
// from `out=`, from URLs (`--mirror` or not) and from Content-Disposition,
// sanitised so that no name a server or a list can give escapes the output
// folder or hides what it is, and claimed so that two URLs of one run never
// share a file.
import { isAbsolute, join, relative, sep } from "node:path";
import { decodeExtended, parse as parseContentDisposition } from "content-disposition";
import type { Entry } from "./input.ts";

/** The suffix of a download in progress, and of its resume notes. */
export const PART = ".part";
export const PART_META = ".part.json";

/** A name's budget in UTF-8 bytes: 255 is the usual limit, less room for `-NN` and `.part.json`. */
const MAX_NAME_BYTES = 200;
const MAX_EXTENSION = 16;

// Windows' reserved device names, with or without an extension: harmless on
// Linux, but a downloaded folder should open anywhere.
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
// Control characters (C0, DEL, C1) and the characters some file system refuses.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
const UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\:*?"<>|]/g;
// Format characters (Unicode's Cf: bidirectional overrides and isolates, zero-width
// characters, the soft hyphen, a BOM) are invisible or reorder what is shown:
// U+202E makes `\u202Etxt.exe` display as `exe.txt`. They are removed, not replaced.
const FORMAT = /\p{Cf}/gu;
// Our own temporary names must never be a final name.
const OURS = /\.part(\.json|\.lock|\.\d+)?$/i;

/** Percent-decodes a URL path segment; a malformed escape is kept as it is. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Cuts `text` to at most `bytes` UTF-8 bytes, on a code point boundary. */
function truncateUtf8(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  let out = "";
  let used = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (used + size > bytes) break;
    out += ch;
    used += size;
  }
  return out;
}

/**
 * One safe file name from any text: no separators, no control characters,
 * not `.` or `..`, no trailing dot or space, not a reserved device name, not
 * one of our `.part` names, at most 200 UTF-8 bytes (keeping the extension).
 * Returns `fallback` when nothing usable is left.
 */
export function sanitizeName(raw: string, fallback = "download"): string {
  let name = raw.normalize("NFC").replace(FORMAT, "").replace(UNSAFE, "_").trim();
  name = name.replace(/[. ]+$/, "");
  if (name === "" || /^\.+$/.test(name)) return fallback;
  if (RESERVED.test(name)) name = `_${name}`;
  if (OURS.test(name)) name = `${name}_`;
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    const dot = name.lastIndexOf(".");
    const extension = dot > 0 && name.length - dot <= MAX_EXTENSION ? name.slice(dot) : "";
    const stem = extension === "" ? name : name.slice(0, dot);
    name = truncateUtf8(stem, MAX_NAME_BYTES - Buffer.byteLength(extension)).replace(/[. ]+$/, "") + extension;
  }
  return name;
}

/** A relative path whose every segment is sanitised; `..`, `.` and empty segments are dropped. */
export function sanitizePath(raw: string, fallback = "download"): string {
  const segments = raw
    .split(/[/\\]+/)
    .filter((s) => s !== "" && s !== "." && s !== "..")
    .map((s) => sanitizeName(s));
  return segments.length === 0 ? fallback : segments.join(sep);
}

/** The file name a URL gives: its last path segment, or `index.html` for a folder. */
export function nameFromUrl(url: URL): string {
  const segments = url.pathname.split("/");
  const last = segments.at(-1) ?? "";
  return last === "" ? "index.html" : sanitizeName(decodeSegment(last), "index.html");
}

/** `--mirror`'s path: host (and port) folder, then every path segment; a folder's file is `index.html`. */
export function mirrorPath(url: URL): string {
  const host = sanitizeName(url.port === "" ? url.hostname : `${url.hostname}_${url.port}`, "host");
  const segments = url.pathname.split("/").slice(1).map(decodeSegment);
  const file = segments.pop() ?? "";
  const folders = segments.filter((s) => s !== "" && s !== "." && s !== "..").map((s) => sanitizeName(s));
  let name = file === "" ? "index.html" : sanitizeName(file, "index.html");
  if (url.search !== "") name = sanitizeName(name + url.search.replace(/\//g, "_"));
  return join(host, ...folders, name);
}

/**
 * A `filename` parameter's bytes as the sender meant them. Header values
 * arrive as ISO-8859-1 (one character per byte), but servers send raw
 * UTF-8 (`filename="é"` as the bytes C3 A9, which read as `Ã©`): bytes that
 * form valid UTF-8 are read as UTF-8, as browsers read them; others stay
 * ISO-8859-1 (a lone E9 is `é` in it, and never valid UTF-8).
 */
function utf8IfValid(text: string): string {
  if (!/[\u0080-\u00ff]/.test(text) || /[^\x20-\xff]/.test(text)) return text;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(text, "latin1"));
  } catch {
    return text;
  }
}

/**
 * The file name a `Content-Disposition` header gives (RFC 6266: `filename*`
 * wins over `filename`), reduced to its last path segment and sanitised;
 * `undefined` if the header names none. Parsed by the `content-disposition`
 * package (lenient: a malformed parameter is skipped, not an error); a
 * header that forgot its type (`filename="a.txt"` alone) is read as an
 * attachment, as browsers read it.
 */
export function nameFromContentDisposition(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const text = /^\s*filename\*?\s*=/i.test(header) ? `attachment; ${header}` : header;
  let parameters: Record<string, string>;
  try {
    parameters = parseContentDisposition(text, { extended: false }).parameters;
  } catch {
    return undefined;
  }
  const extended = parameters["filename*"];
  const decoded = extended === undefined ? undefined : decodeExtended(extended);
  const plain = parameters.filename;
  const raw = decoded ?? (plain === undefined ? undefined : utf8IfValid(plain));
  if (raw === undefined) return undefined;
  const base = raw.split(/[/\\]/).at(-1) ?? "";
  const name = sanitizeName(base, "");
  return name === "" ? undefined : name;
}

/** Whether `path` (relative) stays inside its folder: the last guard, after sanitising. */
export function staysInside(folder: string, path: string): boolean {
  const rel = relative(folder, join(folder, path));
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * The names taken in one run. A name claimed twice gets a numeric suffix
 * before its extension (`a.txt`, `a-1.txt`, `a-2.txt`), so a URL never
 * overwrites another URL's file. Claims are made in input order for names
 * known before the request, which makes them the same in every run (and so
 * `--resume` finds the files of an earlier run).
 *
 * Files and folders share one namespace: `--mirror` of `/dir` (a file) and
 * `/dir/a.txt` (a file in a folder) would need `dir` to be both, so the one
 * claimed second gets a suffix (`dir-1`). A folder renamed so is renamed for
 * every later path under it, so the files of one folder stay together.
 */
export class NameClaims {
  /** Files claimed, by their path in lower case. */
  private readonly taken = new Set<string>();
  /** Folders claimed: the lower-case folder a path asked for, to the folder it got (with a trailing separator). */
  private readonly folders = new Map<string, string>();
  /** The folders given out, in lower case, so that no file or other folder takes their name. */
  private readonly folderNames = new Set<string>();
  /** Per name, the next suffix to try: without it, n URLs of one name would cost n² probes. */
  private readonly nextSuffix = new Map<string, number>();

  /** Claims `path` (relative), or the first free suffixed form of it; returns what was claimed. */
  claim(path: string): string {
    const segments = path.split(sep);
    const file = segments.pop() ?? "";
    let dir = "";
    let asked = "";
    for (const segment of segments) {
      asked += `${segment.toLowerCase()}${sep}`;
      let got = this.folders.get(asked);
      if (got === undefined) {
        got = `${this.free(dir, segment, false)}${sep}`;
        this.folders.set(asked, got);
        this.folderNames.add(got.slice(0, -1).toLowerCase());
      }
      dir = got;
    }
    const claimed = this.free(dir, file, true);
    this.taken.add(claimed.toLowerCase());
    return claimed;
  }

  private isTaken(path: string): boolean {
    const key = path.toLowerCase();
    return this.taken.has(key) || this.folderNames.has(key);
  }

  /** `dir + name`, or its first suffixed form that no file or folder has taken. */
  private free(dir: string, name: string, isFile: boolean): string {
    const path = dir + name;
    if (!this.isTaken(path)) return path;
    // A folder's name has no extension to keep: `v1.2` is `v1.2-1`.
    const dot = isFile ? name.lastIndexOf(".") : -1;
    const stem = dot > 0 ? name.slice(0, dot) : name;
    const extension = dot > 0 ? name.slice(dot) : "";
    const key = path.toLowerCase();
    for (let n = this.nextSuffix.get(key) ?? 1; ; n++) {
      const candidate = `${dir}${stem}-${n}${extension}`;
      if (!this.isTaken(candidate)) {
        this.nextSuffix.set(key, n + 1);
        return candidate;
      }
    }
  }
}

/**
 * Names the downloads of one run, as its options say: `out=` first, then
 * `--mirror`'s host and path, then `--content-disposition`'s server name
 * (known only from the response), else the URL's last segment. Every name
 * is claimed, so none is given twice.
 */
export class Namer {
  private readonly claims = new NameClaims();
  private readonly mirror: boolean;
  private readonly contentDisposition: boolean;

  constructor(options: { mirror: boolean; contentDisposition: boolean }) {
    this.mirror = options.mirror;
    this.contentDisposition = options.contentDisposition;
  }

  /**
   * The name of an entry known before its request, claimed; `undefined` for
   * a bad line, or when the response is to name it. Called in input order,
   * so that the same list gives the same names in every run.
   */
  beforeRequest(entry: Entry): string | undefined {
    const url = entry.url;
    if (url === undefined) return undefined;
    if (entry.out !== undefined) return this.claims.claim(entry.out);
    if (this.mirror) return this.claims.claim(mirrorPath(url));
    if (this.contentDisposition) return undefined;
    return this.claims.claim(nameFromUrl(url));
  }

  /** `--content-disposition`: the name the response gives (the URL's, if it gives none), claimed. */
  fromResponse(url: URL, contentDisposition: string | undefined): string {
    return this.claims.claim(nameFromContentDisposition(contentDisposition) ?? nameFromUrl(url));
  }
}
