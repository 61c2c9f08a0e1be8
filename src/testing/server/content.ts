import { randomBytes } from "node:crypto";

/**
 * A response body that can be read in slices, so that a large body streams in
 * chunks and a Range request reads just its part without building the rest.
 */
export interface Content {
  /** Length in bytes. */
  readonly length: number;
  /** The bytes `[start, end)`; `0 <= start <= end <= length`. */
  read(start: number, end: number): Buffer;
}

/** 32-bit FNV-1a of a string: turns a `seed`, a file name or a version into a generator seed. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's finaliser: a good 32-bit mix, used as a counter-based generator. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Deterministic pseudo-random bytes: word `w` (bytes `4w..4w+3`, little
 * endian) is `mix32(seed + w * golden)`. Counter-based, so any slice is
 * computed directly (a Range request at 9 MB does not generate the first 9 MB),
 * and the same seed gives the same bytes in any process.
 */
export class SeededContent implements Content {
  readonly length: number;
  private readonly seed: number;

  constructor(seed: number, length: number) {
    this.seed = seed >>> 0;
    this.length = length;
  }

  read(start: number, end: number): Buffer {
    const first = start - (start & 3);
    const words = Math.ceil((end - first) / 4);
    const buf = Buffer.allocUnsafe(words * 4);
    let w = first / 4;
    const seed = this.seed;
    for (let off = 0; off < buf.length; off += 4, w++) {
      buf.writeUInt32LE(mix32((seed + Math.imul(w, 0x9e3779b9)) | 0), off);
    }
    return buf.subarray(start - first, end - first);
  }
}

const ALPHABET_PERIOD = 26;
// A block of whole alphabets, so a slice is a copy of part of it (or several).
const ALPHABET = Buffer.from("abcdefghijklmnopqrstuvwxyz".repeat(2521)); // 65,546 bytes

/** httpbin's `/range` body: `abcd...xyzabc...`, byte `i` is `a + i % 26`. */
export class AlphabetContent implements Content {
  readonly length: number;

  constructor(length: number) {
    this.length = length;
  }

  read(start: number, end: number): Buffer {
    const n = end - start;
    const phase = start % ALPHABET_PERIOD;
    if (n + phase <= ALPHABET.length) return ALPHABET.subarray(phase, phase + n);
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    let offset = phase;
    while (written < n) {
      const take = Math.min(n - written, ALPHABET.length - offset);
      ALPHABET.copy(out, written, offset, offset + take);
      written += take;
      offset = (offset + take) % ALPHABET_PERIOD;
    }
    return out;
  }
}

/** Fresh random bytes on every read (`/bytes/:n` without a seed): nothing to verify, nothing to resume. */
export class RandomContent implements Content {
  readonly length: number;

  constructor(length: number) {
    this.length = length;
  }

  read(start: number, end: number): Buffer {
    return randomBytes(end - start);
  }
}

/** The same byte repeated (`/drip` sends `*`). */
export class FillContent implements Content {
  readonly length: number;
  private readonly byte: number;

  constructor(byte: number, length: number) {
    this.byte = byte;
    this.length = length;
  }

  read(start: number, end: number): Buffer {
    return Buffer.alloc(end - start, this.byte);
  }
}

/** A slice `[start, end)` of another content, as a content (what a 206 sends). */
export class SliceContent implements Content {
  readonly length: number;
  private readonly inner: Content;
  private readonly start: number;

  constructor(inner: Content, start: number, end: number) {
    this.inner = inner;
    this.start = start;
    this.length = end - start;
  }

  read(start: number, end: number): Buffer {
    return this.inner.read(this.start + start, this.start + end);
  }
}
