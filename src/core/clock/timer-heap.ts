/**
 * A binary min-heap of timers ordered by deadline, then by insertion order,
 * so timers that share a deadline fire first-in, first-out. Each timer keeps
 * its own index, which makes removal O(log n): cancelling 100k sleeps leaves
 * no garbage behind and the heap's size is always the count of live timers.
 */

/** Something the clock fires at `due`. The heap owns `seq` and `index`. */
export interface Timer {
  /** Loop time, in ms, at which `fire()` is due. */
  due: number;
  /** Tie-breaker: insertion order. Set by the heap. */
  seq: number;
  /** Position in the heap, or -1 when not in it. Set by the heap. */
  index: number;
  /** Called by the clock, in deadline order, once the deadline has passed. */
  fire(): void;
}

function before(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

export class TimerHeap {
  private readonly items: Timer[] = [];
  private counter = 0;

  /** The timers, in heap order (not deadline order): for inspection, which must not change the heap. */
  toArray(): readonly Timer[] {
    return this.items;
  }

  get size(): number {
    return this.items.length;
  }

  peek(): Timer | undefined {
    return this.items[0];
  }

  push(timer: Timer): void {
    timer.seq = this.counter++;
    timer.index = this.items.length;
    this.items.push(timer);
    this.up(timer.index);
  }

  /** Removes and returns the earliest timer. */
  pop(): Timer | undefined {
    const items = this.items;
    const top = items[0];
    if (top === undefined) return undefined;
    const last = items.pop() as Timer;
    if (last !== top) {
      items[0] = last;
      last.index = 0;
      this.down(0);
    }
    top.index = -1;
    return top;
  }

  /** Removes a timer wherever it is; a timer not in the heap is ignored. */
  remove(timer: Timer): void {
    const i = timer.index;
    const items = this.items;
    if (i < 0 || items[i] !== timer) return;
    const last = items.pop() as Timer;
    timer.index = -1;
    if (last === timer) return;
    items[i] = last;
    last.index = i;
    if (i > 0 && before(last, items[(i - 1) >> 1] as Timer)) this.up(i);
    else this.down(i);
  }

  clear(): void {
    for (const timer of this.items) timer.index = -1;
    this.items.length = 0;
  }

  private up(i: number): void {
    const items = this.items;
    const timer = items[i] as Timer;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p] as Timer;
      if (!before(timer, parent)) break;
      items[i] = parent;
      parent.index = i;
      i = p;
    }
    items[i] = timer;
    timer.index = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const timer = items[i] as Timer;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(items[r] as Timer, items[l] as Timer)) c = r;
      const child = items[c] as Timer;
      if (!before(child, timer)) break;
      items[i] = child;
      child.index = i;
      i = c;
    }
    items[i] = timer;
    timer.index = i;
  }
}
