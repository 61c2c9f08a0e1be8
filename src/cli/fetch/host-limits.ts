// Politeness per host: at most `perHost` downloads from one origin at once,
// and, with `--rate`, at most that many requests per second to it.
import { now, Semaphore, sleep } from "../../index.ts";

interface Host {
  slots: Semaphore;
  /** Tasks holding or waiting for a slot: the entry is dropped when none is left. */
  users: number;
  /** Loop time before which the next request to this host may not start. */
  next: number;
}

/**
 * The per-host bounds of a run. They are aio's own, not the session's
 * `limitPerHost`, so that `--timeout` bounds a request and not also its wait
 * for a turn behind the other downloads from the same host.
 */
export class HostLimits {
  private readonly hosts = new Map<string, Host>();
  private readonly perHost: number;
  private readonly interval: number;

  /** @param rate requests per second per host; 0 for no bound. */
  constructor(perHost: number, rate: number) {
    this.perHost = perHost;
    this.interval = rate > 0 ? 1000 / rate : 0;
  }

  /**
   * Runs `fn` holding one of `origin`'s slots, once its rate allows.
   *
   * **Cancel safety:** if cancelled while waiting, no slot is held (a start
   * time it booked stays booked: the pace errs on the slow side).
   */
  async run<T>(origin: string, fn: () => Promise<T>): Promise<T> {
    let host = this.hosts.get(origin);
    if (host === undefined) {
      host = { slots: new Semaphore(this.perHost), users: 0, next: 0 };
      this.hosts.set(origin, host);
    }
    host.users++;
    try {
      await host.slots.acquire();
      try {
        if (this.interval > 0) {
          // Each request books the next free start time, so the host sees an even pace.
          const at = Math.max(now(), host.next);
          host.next = at + this.interval;
          if (at > now()) await sleep(at - now());
        }
        return await fn();
      } finally {
        host.slots.release();
      }
    } finally {
      if (--host.users === 0 && host.next <= now()) this.hosts.delete(origin);
    }
  }
}
