// A real headless Chromium (Debian's /usr/bin/chromium), driven over the DevTools
// protocol with Node's global WebSocket: a few dozen lines instead of a browser
// automation dependency. The browser runs in a process group of its own, which
// `close()` (and, as a last resort, this process's exit) kills whole, so no
// renderer or zygote outlives a test, even a failed one.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inflateSync } from "node:zlib";

export const CHROMIUM = "/usr/bin/chromium";
const ENSURE = fileURLToPath(new URL("../../scripts/ensure-chromium.sh", import.meta.url));

/** Installs Chromium with scripts/ensure-chromium.sh when it is missing (its output goes to the test's stderr). */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const r = spawnSync("bash", [ENSURE], { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0 || !existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing and scripts/ensure-chromium.sh could not install it (exit ${r.status})`);
  }
}

type Json = Record<string, unknown>;
interface Pending {
  resolve: (v: Json) => void;
  reject: (e: Error) => void;
  method: string;
}

/** One tab, attached with a flat session. */
export class Page {
  readonly #browser: Browser;
  readonly sessionId: string;
  /** The console and log entries and uncaught exceptions of the page, one line each. */
  readonly log: string[] = [];
  constructor(browser: Browser, sessionId: string) {
    this.#browser = browser;
    this.sessionId = sessionId;
  }
  send(method: string, params: Json = {}): Promise<Json> {
    return this.#browser.send(method, params, this.sessionId);
  }
  /** Loads `url` and waits for its load event. */
  async navigate(url: string): Promise<void> {
    const loaded = this.#browser.once("Page.loadEventFired", this.sessionId);
    const r = await this.send("Page.navigate", { url });
    if (typeof r.errorText === "string") throw new Error(`navigating to ${url}: ${r.errorText}`);
    await loaded;
  }
  /** The value of a JavaScript expression in the page (awaited if a promise); throws what the page threw. */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
    const thrown = r.exceptionDetails as { exception?: { description?: string }; text?: string } | undefined;
    if (thrown !== undefined) throw new Error(`in the page: ${thrown.exception?.description ?? thrown.text}`);
    return (r.result as { value: T }).value;
  }
  async mouse(type: "mouseMoved" | "mousePressed" | "mouseReleased", x: number, y: number, extra: Json = {}) {
    await this.send("Input.dispatchMouseEvent", {
      type,
      x,
      y,
      button: type === "mouseMoved" ? "none" : "left",
      clickCount: 1,
      ...extra,
    });
  }
  async click(x: number, y: number): Promise<void> {
    await this.mouse("mouseMoved", x, y);
    await this.mouse("mousePressed", x, y);
    await this.mouse("mouseReleased", x, y);
  }
  async wheel(x: number, y: number, deltaX: number, deltaY: number, modifiers = 0): Promise<void> {
    await this.send("Input.dispatchMouseEvent", { type: "mouseWheel", x, y, deltaX, deltaY, modifiers });
  }
  /** A PNG of the viewport. */
  async screenshotPng(): Promise<Buffer> {
    const r = await this.send("Page.captureScreenshot", { format: "png" });
    return Buffer.from(r.data as string, "base64");
  }
  /** A PNG of the viewport, decoded. */
  async screenshot(): Promise<Image> {
    return decodePng(await this.screenshotPng());
  }
}

/** A headless Chromium with a fresh profile. */
export class Browser {
  readonly #child: ChildProcess;
  readonly #profile: string;
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(method: string, params: Json, sessionId: string | undefined) => void>();
  #nextId = 1;
  #closed = false;
  readonly #killOnExit = (): void => this.#kill();

  private constructor(child: ChildProcess, profile: string, ws: WebSocket) {
    this.#child = child;
    this.#profile = profile;
    this.#ws = ws;
    process.once("exit", this.#killOnExit);
    ws.addEventListener("message", (event) => {
      const msg = JSON.parse(String(event.data)) as {
        id?: number;
        result?: Json;
        error?: { message: string };
        method?: string;
        params?: Json;
        sessionId?: string;
      };
      if (msg.id !== undefined) {
        const p = this.#pending.get(msg.id);
        this.#pending.delete(msg.id);
        if (msg.error !== undefined) p?.reject(new Error(`${p.method}: ${msg.error.message}`));
        else p?.resolve(msg.result ?? {});
      } else if (msg.method !== undefined) {
        for (const l of this.#listeners) l(msg.method, msg.params ?? {}, msg.sessionId);
      }
    });
    ws.addEventListener("close", () => {
      for (const p of this.#pending.values()) p.reject(new Error(`${p.method}: the browser closed the connection`));
      this.#pending.clear();
    });
  }

  /** Starts Chromium (installing it first if it is missing) and connects to it. */
  static async launch(): Promise<Browser> {
    ensureChromium();
    const profile = mkdtempSync(join(tmpdir(), "aio-chromium-"));
    const child = spawn(
      CHROMIUM,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--font-render-hinting=none",
        `--user-data-dir=${profile}`,
        "--remote-debugging-port=0",
        "about:blank",
      ],
      { stdio: ["ignore", "ignore", "pipe"], detached: true },
    );
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {}
      rmSync(profile, { recursive: true, force: true });
    };
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stderr = "";
        const timer = setTimeout(() => reject(new Error(`Chromium did not start within 60 s:\n${stderr}`)), 60_000);
        child.stderr?.setEncoding("utf8").on("data", (d: string) => {
          stderr += d;
          const m = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
          if (m?.[1] !== undefined) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.on("error", (e) => {
          clearTimeout(timer);
          reject(e);
        });
        child.on("exit", (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`Chromium exited (${code ?? signal}) before it listened:\n${stderr}`));
        });
      });
      // Keep draining its stderr: a full pipe would stall it.
      child.stderr?.removeAllListeners("data").resume();
      child.removeAllListeners("exit");
      const ws = new WebSocket(url);
      await new Promise<void>((resolve, reject) => {
        ws.addEventListener("open", () => resolve(), { once: true });
        ws.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)), { once: true });
      });
      return new Browser(child, profile, ws);
    } catch (error) {
      kill();
      throw error;
    }
  }

  send(method: string, params: Json = {}, sessionId?: string): Promise<Json> {
    const id = this.#nextId++;
    return new Promise<Json>((resolve, reject) => {
      if (this.#closed) return reject(new Error(`${method}: the browser is closed`));
      this.#pending.set(id, { resolve, reject, method });
      this.#ws.send(JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) }));
    });
  }

  /** Calls `listener` with every event of session `sessionId` until the browser closes. */
  on(sessionId: string, listener: (method: string, params: Json) => void): void {
    this.#listeners.add((m, params, s) => {
      if (s === sessionId) listener(m, params);
    });
  }

  /** The next event `method` of session `sessionId`. */
  once(method: string, sessionId?: string): Promise<Json> {
    return new Promise<Json>((resolve) => {
      const listener = (m: string, params: Json, s: string | undefined): void => {
        if (m === method && s === sessionId) {
          this.#listeners.delete(listener);
          resolve(params);
        }
      };
      this.#listeners.add(listener);
    });
  }

  /** A new tab with a viewport of `width` x `height` CSS pixels at one device pixel each. */
  async newPage(width: number, height: number): Promise<Page> {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const page = new Page(this, sessionId as string);
    await page.send("Page.enable");
    // What the page logs (a policy violation, an uncaught error), for tests that want a quiet page.
    this.on(page.sessionId, (method, params) => {
      if (method === "Log.entryAdded") {
        const entry = params.entry as { level: string; source: string; text: string };
        page.log.push(`${entry.level} (${entry.source}): ${entry.text}`);
      } else if (method === "Runtime.exceptionThrown") {
        const details = params.exceptionDetails as { exception?: { description?: string }; text: string };
        page.log.push(`error (exception): ${details.exception?.description ?? details.text}`);
      }
    });
    await page.send("Runtime.enable");
    await page.send("Log.enable");
    await page.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: false });
    return page;
  }

  #kill(): void {
    this.#closed = true;
    try {
      if (this.#child.pid !== undefined) process.kill(-this.#child.pid, "SIGKILL");
    } catch {}
    rmSync(this.#profile, { recursive: true, force: true });
  }

  /** Kills the browser and every process it started, and removes its profile. */
  async close(): Promise<void> {
    if (this.#closed) return;
    process.off("exit", this.#killOnExit);
    const exited = new Promise<void>((resolve) => {
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) resolve();
      else this.#child.once("exit", () => resolve());
    });
    this.#ws.close();
    this.#kill();
    await exited;
    // Its renderers and zygotes got the same SIGKILL; wait until the last has gone.
    const pgid = this.#child.pid as number;
    for (let i = 0; i < 100 && groupAlive(pgid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pixels as RGBA bytes, row by row. */
export interface Image {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** Decodes the 8-bit RGB or RGBA, non-interlaced PNGs that Chromium's screenshots are. */
export function decodePng(png: Buffer): Image {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error("not a PNG");
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const length = png.readUInt32BE(pos);
    const type = png.toString("latin1", pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + length);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, color, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      channels = color === 6 ? 4 : color === 2 ? 3 : 0;
      if (depth !== 8 || channels === 0 || interlace !== 0) {
        throw new Error(`PNG of depth ${depth}, colour type ${color}, interlace ${interlace}: not decoded here`);
      }
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    pos += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? (out[y * stride + x - channels] as number) : 0;
      const b = y > 0 ? (out[(y - 1) * stride + x] as number) : 0;
      const c = x >= channels && y > 0 ? (out[(y - 1) * stride + x - channels] as number) : 0;
      let v = line[x] as number;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[y * stride + x] = v & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: out };
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < out.length; i += 3, j += 4) {
    rgba[j] = out[i] as number;
    rgba[j + 1] = out[i + 1] as number;
    rgba[j + 2] = out[i + 2] as number;
    rgba[j + 3] = 255;
  }
  return { width, height, rgba };
}

/** How many pixels in the rectangle have exactly colour `hex` (`#rrggbb`). */
export function countColor(
  image: Image,
  hex: string,
  box: { x: number; y: number; width: number; height: number },
): number {
  const r = Number.parseInt(hex.slice(1, 3), 16);
  const g = Number.parseInt(hex.slice(3, 5), 16);
  const b = Number.parseInt(hex.slice(5, 7), 16);
  const [x0, y0] = [Math.max(0, Math.round(box.x)), Math.max(0, Math.round(box.y))];
  const [x1, y1] = [
    Math.min(image.width, x0 + Math.round(box.width)),
    Math.min(image.height, y0 + Math.round(box.height)),
  ];
  let count = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * image.width + x) * 4;
      if (image.rgba[i] === r && image.rgba[i + 1] === g && image.rgba[i + 2] === b) count++;
    }
  }
  return count;
}
