import type { WaitInfo } from "../core/index.ts";
import { type Waiter, WaiterList } from "../sync/index.ts";

/**
 * One cap (the session's `limit`, or one origin's `limitPerHost`): free
 * permits, and the requests waiting for one, first come first served. A
 * permit given back goes straight to the first waiter, so no newcomer can
 * take it first.
 */
class Cap {
  free: number;
  readonly waiters = new WaiterList<true>()._ownedBy(this);
  /** What it caps, for `captureCallGraph`: `the session's limit of 10`, `limitPerHost 2 of https://host`. */
  readonly what: string;
  /** Requests using it (holding or waiting): a per-origin cap is forgotten at 0. */
  users = 0;

  constructor(size: number, what: string) {
    this.free = size;
    this.what = what;
  }

  /** @internal For `captureCallGraph`. */
  _describeWaiters(): WaitInfo {
    return { kind: "http", label: `HTTP connection slot (${this.what}, ${this.waiters.size} waiting)` };
  }

  available(): boolean {
    return this.free > 0 && this.waiters.size === 0;
  }

  release(): void {
    if (!this.waiters.wakeFirst(true)) this.free++;
  }

  /**
   * Takes a permit if one is free now; else returns a waiter that is handed
   * a permit when one comes back. `handle` lets the request abort the wait
   * (a timeout, `session.close()`) without an `AbortSignal`.
   */
  take(handle: WaitHandle): Waiter<true> | undefined {
    if (this.available()) {
      this.free--;
      return undefined;
    }
    const w = this.waiters.push();
    handle.waiter = w;
    return w;
  }
}

/** What aborts a request's wait for a slot: its exchange, or its pool timeout. */
export class WaitHandle {
  waiter: Waiter<true> | undefined = undefined;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.waiter?.abort(reason);
  }
}

/**
 * A held connection slot: one of the session's `limit`, and one of its
 * origin's `limitPerHost`. Released once (later calls do nothing).
 */
export class Slot {
  private limits: ConnectionLimits | undefined;
  private readonly host: Cap | undefined;
  private readonly origin: string;

  /** @internal */
  constructor(limits: ConnectionLimits, origin: string, host: Cap | undefined) {
    this.limits = limits;
    this.origin = origin;
    this.host = host;
  }

  release(): void {
    const limits = this.limits;
    if (limits === undefined) return;
    this.limits = undefined;
    limits._release(this.origin, this.host);
  }
}

/**
 * The session's connection limits, as aiohttp's `TCPConnector(limit,
 * limit_per_host)`: at most `limit` requests hold a connection at once
 * across all hosts, and at most `limitPerHost` per origin. A request holds
 * its slot from the moment it is sent until its body has been read or
 * released, so a response you never read keeps its slot until it is
 * released (by you, by `await using`, by the end of the task that made it,
 * or by the garbage collector).
 *
 * The per-origin permit is taken first, so a request waiting for a busy
 * host does not hold one of the global permits that requests to other hosts
 * could use. Built on aio's `WaiterList`: waits are aio futures, which the
 * waiting task's cancellation cancels at once, and which a request's own
 * abort (its timeout, `session.close()`) fails directly.
 */
export class ConnectionLimits {
  private readonly global: Cap | undefined;
  private readonly perHost: number;
  private readonly hosts = new Map<string, Cap>();
  /** Requests holding a slot. */
  inFlight = 0;
  /** Requests waiting for one. */
  queued = 0;

  /**
   * @param limit the global cap (`Infinity` for none).
   * @param perHost the per-origin cap (0 for none).
   */
  constructor(limit: number, perHost: number) {
    this.global = limit === Number.POSITIVE_INFINITY ? undefined : new Cap(limit, `the session limit of ${limit}`);
    this.perHost = perHost;
  }

  /** Takes a slot for a request to `origin` if one is free now (and nobody waits), else returns `undefined`. */
  tryAcquire(origin: string): Slot | undefined {
    const global = this.global;
    if (global !== undefined && !global.available()) return undefined;
    let host: Cap | undefined;
    if (this.perHost > 0) {
      host = this.hosts.get(origin);
      if (host !== undefined && !host.available()) return undefined;
      if (host === undefined)
        this.hosts.set(origin, (host = new Cap(this.perHost, `limitPerHost ${this.perHost} for ${origin}`)));
      host.users++;
      host.free--;
    }
    if (global !== undefined) global.free--;
    this.inFlight++;
    return new Slot(this, origin, host);
  }

  /**
   * Waits for a slot for a request to `origin`; `handle.abort(reason)` fails
   * the wait with `reason`.
   *
   * **Cancel safety:** if the wait is cancelled or aborted, no slot is held.
   */
  async wait(origin: string, handle: WaitHandle): Promise<Slot> {
    let host: Cap | undefined;
    if (this.perHost > 0) {
      host = this.hosts.get(origin);
      if (host === undefined)
        this.hosts.set(origin, (host = new Cap(this.perHost, `limitPerHost ${this.perHost} for ${origin}`)));
      host.users++;
    }
    this.queued++;
    let hostHeld = false;
    // One function, no nested async helpers: each level would add a hop to
    // every wake-up, and thousands of requests may be waiting here.
    let w: Waiter<true> | undefined;
    try {
      if (handle.reason !== undefined) throw handle.reason;
      if (host !== undefined) {
        w = host.take(handle);
        if (w !== undefined) await w;
        hostHeld = true;
        w = undefined;
      }
      if (this.global !== undefined) {
        w = this.global.take(handle);
        if (w !== undefined) await w;
        w = undefined;
      }
    } catch (error) {
      // Handed a permit, then cancelled before running: pass it on.
      if (w?.woken() === true) (hostHeld ? this.global : host)?.release();
      if (hostHeld) host?.release();
      if (host !== undefined) this.forget(origin, host);
      throw error;
    } finally {
      handle.waiter = undefined;
      this.queued--;
    }
    this.inFlight++;
    return new Slot(this, origin, host);
  }

  /** @internal */
  _release(origin: string, host: Cap | undefined): void {
    this.inFlight--;
    this.global?.release();
    if (host !== undefined) {
      host.release();
      this.forget(origin, host);
    }
  }

  private forget(origin: string, host: Cap): void {
    if (--host.users === 0) this.hosts.delete(origin);
  }
}
