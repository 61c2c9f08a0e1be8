/**
 * The clock's timers, ordered by deadline, then by insertion order, so timers
 * that share a deadline fire first-in, first-out. Two structures share the
 * work. Most programs add timers in deadline order (the same timeout or sleep
 * for every request): those go to the **run**, a queue in which adding,
 * removing and taking the first are O(1). A timer due before the run's last
 * one goes to a binary min-heap, where they are O(log n). The earliest timer
 * is the earlier of the heap's top and the run's front.
 *
 * Each timer keeps its own position (`index`), so removal needs no search:
 * cancelling 100k sleeps leaves no timer behind and the size is always the
 * count of live timers. A timer removed from inside the run leaves an empty
 * slot (no reference) until the front passes it; slots are compacted once
 * they outnumber the live timers.
 *
 * Why a run: with 100,000 timeouts of 10 s pending (bench 5a), removing one
 * from the heap took about 550 ns, a sift through 17 levels of objects spread
 * over the whole heap, as much as the rest of a `waitFor`.
 */

/** Something the clock fires at `due`. The heap owns `seq` and `index`. */
export interface Timer {
  /** Loop time, in ms, at which `fire()` is due. */
  due: number;
  /** Tie-breaker: insertion order. Set by the heap. */
  seq: number;
  /**
   * Where the timer is, set by the heap: -1 when it is not scheduled; its
   * position in the binary heap when 0 or more; `-2 - i` for slot `i` of the run.
   */
  index: number;
  /** Called by the clock, in deadline order, once the deadline has passed. */
  fire(): void;
}

function before(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

/** Empty slots at the run's front are dropped once there are this many (and more than live slots after them). */
const RUN_SLACK = 1024;

export class TimerHeap {
  private readonly items: Timer[] = [];
  /** The run: timers added in deadline order, with empty slots where one was removed. */
  private run: (Timer | undefined)[] = [];
  /** The run's first slot still in use: always a live timer while `runLive > 0`. */
  private runHead = 0;
  /** Live timers in the run. */
  private runLive = 0;
  /** The deadline of the last timer added to the run: a timer due no earlier can join it. */
  private runLast = Number.NEGATIVE_INFINITY;
  private counter = 0;

  /** The timers, in no particular order: for inspection, which must not change the heap. */
  toArray(): readonly Timer[] {
    if (this.runLive === 0) return this.items;
    const all = [...this.items];
    for (let i = this.runHead; i < this.run.length; i++) {
      const timer = this.run[i];
      if (timer !== undefined) all.push(timer);
    }
    return all;
  }

  get size(): number {
    return this.items.length + this.runLive;
  }

  peek(): Timer | undefined {
    const top = this.items[0];
    if (this.runLive === 0) return top;
    const front = this.run[this.runHead] as Timer;
    return top !== undefined && before(top, front) ? top : front;
  }

  push(timer: Timer): void {
    timer.seq = this.counter++;
    if (timer.due >= this.runLast) {
      this.runLast = timer.due;
      timer.index = -2 - this.run.length;
      this.run.push(timer);
      this.runLive++;
      return;
    }
    timer.index = this.items.length;
    this.items.push(timer);
    this.up(timer.index);
  }

  /** Removes and returns the earliest timer. */
  pop(): Timer | undefined {
    const top = this.peek();
    if (top === undefined) return undefined;
    if (top.index < -1) this.removeFromRun(top);
    else this.removeFromHeap(top);
    return top;
  }

  /** Removes a timer wherever it is; a timer not scheduled here is ignored. */
  remove(timer: Timer): void {
    if (timer.index < -1) this.removeFromRun(timer);
    else if (timer.index >= 0) this.removeFromHeap(timer);
  }

  clear(): void {
    for (const timer of this.items) timer.index = -1;
    this.items.length = 0;
    for (const timer of this.run) if (timer !== undefined) timer.index = -1;
    this.resetRun();
  }

  private removeFromHeap(timer: Timer): void {
    const i = timer.index;
    const items = this.items;
    if (items[i] !== timer) return;
    const last = items.pop() as Timer;
    timer.index = -1;
    if (last === timer) return;
    items[i] = last;
    last.index = i;
    if (i > 0 && before(last, items[(i - 1) >> 1] as Timer)) this.up(i);
    else this.down(i);
  }

  private removeFromRun(timer: Timer): void {
    const i = -2 - timer.index;
    const run = this.run;
    if (run[i] !== timer) return;
    run[i] = undefined;
    timer.index = -1;
    if (--this.runLive === 0) {
      this.resetRun();
      return;
    }
    if (i === this.runHead) {
      let head = i + 1;
      while (run[head] === undefined) head++;
      this.runHead = head;
    }
    // Compact once empty slots dominate: each compaction is paid for by the removals that made its slots empty.
    if (run.length - this.runLive > RUN_SLACK && run.length - this.runLive > 2 * this.runLive) this.compactRun();
  }

  private compactRun(): void {
    const live: Timer[] = [];
    for (let i = this.runHead; i < this.run.length; i++) {
      const timer = this.run[i];
      if (timer === undefined) continue;
      timer.index = -2 - live.length;
      live.push(timer);
    }
    this.run = live;
    this.runHead = 0;
  }

  private resetRun(): void {
    this.run = [];
    this.runHead = 0;
    this.runLive = 0;
    this.runLast = Number.NEGATIVE_INFINITY;
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
