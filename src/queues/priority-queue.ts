import { argumentError } from "../core/index.ts";
import { Queue, type QueueOptions } from "./queue.ts";

/** Options of `PriorityQueue`. */
export interface PriorityQueueOptions<T> extends QueueOptions {
  /**
   * Orders two items: negative if `a` comes out first, positive if `b` does,
   * 0 if they rank the same (they then come out in the order they were put).
   * Default: the natural order of numbers, strings and arrays of them.
   */
  compare?: ((a: T, b: T) => number) | undefined;
}

/**
 * A queue that hands out its lowest item first: asyncio's `PriorityQueue`.
 *
 * Everything else is `Queue`'s (maxsize, waiting, `join`, `shutdown`, cancel
 * safety, `for await`). Items are ordered by `options.compare`, or naturally:
 * numbers (and bigints) by value, strings by UTF-16 code units, booleans
 * `false` first, and arrays lexicographically, element by element, a shorter
 * prefix first, as Python compares `(priority, item)` tuples. So
 * `put([2, "write"])` comes out after `put([1, "read"])`.
 *
 * Two differences from asyncio, both in the user's favour: items that rank
 * the same come out in the order they were put (asyncio's `heapq` gives no
 * such promise), and in the natural order two values that have no order of
 * their own (objects, `null`, `undefined`) rank the same instead of failing,
 * so `[priority, { job }]` works without a tie-breaking counter. Values of
 * different orderable kinds (a number against a string) are a mistake, and
 * `put` throws a `TypeError` naming them; so does a throwing comparator, and
 * the queue is left as it was.
 *
 * A binary heap: `put` and `get` are O(log n), with no allocation per item.
 *
 * @typeParam T the items' type.
 * @throws TypeError if `maxsize` is not an integer or `compare` not a function.
 *
 * @example
 * ```ts
 * import { PriorityQueue } from "aio-ts";
 * const jobs = new PriorityQueue<[number, string]>();
 * jobs.putNowait([2, "compress"]);
 * jobs.putNowait([1, "download"]);
 * console.log(await jobs.get()); // [1, "download"]
 *
 * const byDeadline = new PriorityQueue<{ deadline: number }>(0, { compare: (a, b) => a.deadline - b.deadline });
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  private readonly compare: (a: T, b: T) => number;
  private readonly heap: T[] = [];
  /** Insertion numbers, parallel to `heap`: the tie-break that keeps equal items in put order. */
  private readonly seqs: number[] = [];
  private seq = 0;

  /**
   * @param maxsize the most items the queue holds; absent, 0 or negative: no limit.
   * @param options.compare the order; default: numbers, strings and arrays, naturally.
   * @throws TypeError if `maxsize` is not an integer or `compare` not a function.
   */
  constructor(maxsize?: number, options: PriorityQueueOptions<T> = {}) {
    if (typeof options !== "object" || options === null) throw argumentError("options", "an object", options);
    super(maxsize, options);
    const compare = options.compare;
    if (compare !== undefined && typeof compare !== "function") throw argumentError("compare", "a function", compare);
    this.compare = compare ?? (naturalCompare as (a: T, b: T) => number);
  }

  /** Whether the entry (a, sa) comes out before (b, sb). */
  private before(a: T, sa: number, b: T, sb: number): boolean {
    const c = this.compare(a, b);
    if (c < 0) return true;
    if (c > 0) return false;
    // Stryker disable next-line EqualityOperator: equivalent for `<=`, two entries never share an insertion number (`seq` grows by one per put), so sa === sb cannot happen
    return sa < sb; // a tie, or NaN from a sloppy comparator
  }

  // Both heap operations first find the final slot by comparing only, then
  // move entries. A comparison that throws therefore leaves the heap intact.

  protected override _put(item: T): void {
    const heap = this.heap;
    const seqs = this.seqs;
    const seq = this.seq;
    const end = heap.length;
    let slot = end;
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (!this.before(item, seq, heap[parent] as T, seqs[parent] as number)) break;
      slot = parent;
    }
    // The new entry's number is the largest, so it never rises past an equal item.
    for (let i = end; i > slot; ) {
      const parent = (i - 1) >> 1;
      heap[i] = heap[parent] as T;
      seqs[i] = seqs[parent] as number;
      i = parent;
    }
    heap[slot] = item;
    seqs[slot] = seq;
    this.seq = seq + 1;
  }

  protected override _get(): T {
    const heap = this.heap;
    const seqs = this.seqs;
    const top = heap[0] as T;
    const size = heap.length - 1; // after the removal
    const last = heap[size] as T;
    const lastSeq = seqs[size] as number;
    if (size > 0) {
      // Sift the last entry down from the root, comparing only.
      let slot = 0;
      for (;;) {
        let child = 2 * slot + 1;
        if (child >= size) break;
        const right = child + 1;
        if (
          right < size &&
          this.before(heap[right] as T, seqs[right] as number, heap[child] as T, seqs[child] as number)
        ) {
          child = right;
        }
        if (!this.before(heap[child] as T, seqs[child] as number, last, lastSeq)) break;
        slot = child;
      }
      // The path the entry went down is `slot`'s chain of ancestors: move
      // each of them up one level, top first, then drop the entry in.
      const depth = 31 - Math.clz32(slot + 1);
      for (let level = 1; level <= depth; level++) {
        const i = ((slot + 1) >> (depth - level)) - 1;
        const parent = (i - 1) >> 1;
        heap[parent] = heap[i] as T;
        seqs[parent] = seqs[i] as number;
      }
      heap[slot] = last;
      seqs[slot] = lastSeq;
    }
    heap.pop();
    seqs.pop();
    return top;
  }

  protected override _clear(): void {
    this.heap.length = 0;
    this.seqs.length = 0;
  }
}

// ── The natural order ──

const NUMBER = 1;
const STRING = 2;
const BOOLEAN = 3;
const ARRAY = 4;
const UNORDERED = 5;

function kindOf(value: unknown): number {
  switch (typeof value) {
    case "number":
    case "bigint":
      return NUMBER;
    case "string":
      return STRING;
    case "boolean":
      return BOOLEAN;
    default:
      return Array.isArray(value) ? ARRAY : UNORDERED;
  }
}

function describe(value: unknown): string {
  let text: string;
  if (typeof value === "string") text = JSON.stringify(value);
  else if (typeof value === "bigint") text = `${value}n`;
  else if (Array.isArray(value)) text = "[Array]";
  else if (typeof value === "object" && value !== null) text = Object.prototype.toString.call(value);
  else text = String(value);
  return `\`${text}\` (${value === null ? "null" : Array.isArray(value) ? "array" : typeof value})`;
}

/**
 * @internal PriorityQueue's default order: numbers and bigints by value (NaN
 * last), strings by code units, `false` before `true`, arrays element by
 * element with a shorter prefix first. Values with no order of their own
 * rank the same; values of two different orderable kinds throw.
 */
export function naturalCompare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") {
    if (a < b) return -1;
    if (a > b) return 1;
    return compareNaN(a, b);
  }
  // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, a fast path: two strings skipping it (condition false, or typeof against "") reach the general path below, which orders them with the same < and > and returns 0 on a tie
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = naturalCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  const kind = kindOf(a);
  if (kind === kindOf(b)) {
    if (kind === UNORDERED) return 0;
    // Mixed number and bigint, or booleans: both compare with < and >.
    const x = a as number;
    const y = b as number;
    if (x < y) return -1;
    if (x > y) return 1;
    // NaN against a bigint is neither < nor >; it still goes last. (Number.isNaN is false for bigints and booleans.)
    return compareNaN(x, y);
  }
  throw new TypeError(
    `PriorityQueue cannot order ${describe(a)} against ${describe(b)}: priorities must be numbers, strings or arrays of them (pass a \`compare\` option for anything else)`,
  );
}

/** Orders NaN after every number (and equal to itself), so a NaN priority cannot corrupt the heap. */
function compareNaN(a: number, b: number): number {
  const na = Number.isNaN(a);
  const nb = Number.isNaN(b);
  if (na === nb) return 0;
  return na ? 1 : -1;
}
