/**
 * No leaked connection, ever: a response body nobody reads is released when
 * the task that made the request ends, and when the response is
 * garbage-collected, whichever comes first.
 *
 * Both watches are set up lazily, one event-loop turn after the response was
 * made, and only for bodies still unread then. Most bodies are read at once,
 * and the watches are not free: a task's set of unread bodies costs a
 * collection and a done-callback per task, and an object registered with a
 * `FinalizationRegistry` stays alive through every minor GC until a major
 * one (V8 treats weak targets as strong in a scavenge), which tripled the
 * collector's work in a download loop when every response was registered.
 */
import type { Task } from "../core/index.ts";
import { type Exchange, onWatchedExchangeFinish } from "./exchange.ts";

/** The exchanges each task made whose bodies nobody has started to read. */
const unread = new WeakMap<Task<unknown>, Set<Exchange>>();

/**
 * Releases each unread body of a task that ended, except those of responses
 * the task returns (itself, or in an array): those are handed on to whoever
 * awaits the task (`waitFor(() => session.get(url), ms)`, `gather` of
 * functions), and are left to the finalizer and to explicit reads.
 */
function onTaskDone(task: Task<unknown>): void {
  const set = unread.get(task);
  unread.delete(task);
  if (set === undefined || set.size === 0) return;
  const kept = returnedExchanges(task);
  for (const exchange of [...set]) {
    if (kept?.has(exchange) !== true) exchange.autoRelease();
  }
}

/**
 * A task's state when it returned a value (core's `RESULT`). Read directly:
 * `exception()` and `result()` would mark a failed task's error as retrieved,
 * and so hide it from aio's "never retrieved" report.
 */
const RESULT = 1;

/** The exchanges of the responses a task returned. */
function returnedExchanges(task: Task<unknown>): Set<Exchange> | undefined {
  if (task._state !== RESULT) return undefined;
  const result = task.result();
  const kept = new Set<Exchange>();
  const visit = (value: unknown): void => {
    const attempt = (value as { _attempt?: { exchange: Exchange } } | null | undefined)?._attempt;
    if (attempt !== undefined) kept.add(attempt.exchange);
  };
  if (Array.isArray(result)) result.forEach(visit);
  else if (typeof result === "object" && result !== null) visit(result);
  return kept;
}

function releaseWhenTaskEnds(task: Task<unknown>, exchange: Exchange): void {
  if (task.done()) {
    // Ended within the turn: decide now, as its done-callback would have.
    if (returnedExchanges(task)?.has(exchange) !== true) exchange.autoRelease();
    return;
  }
  let set = unread.get(task);
  if (set === undefined) {
    set = new Set();
    unread.set(task, set);
    task.addDoneCallback(onTaskDone);
  }
  set.add(exchange);
  exchange.owner = set;
}

/** The held value is the exchange, which never refers back to its response. */
const collected = new FinalizationRegistry<Exchange>((exchange) => exchange.autoRelease());

let pendingResponses: object[] = [];
let pendingExchanges: Exchange[] = [];
let pendingOwners: (Task<unknown> | undefined)[] = [];
let scheduled = false;

function watchPending(): void {
  scheduled = false;
  const responses = pendingResponses;
  const exchanges = pendingExchanges;
  const owners = pendingOwners;
  pendingResponses = [];
  pendingExchanges = [];
  pendingOwners = [];
  for (let i = 0; i < exchanges.length; i++) {
    const exchange = exchanges[i] as Exchange;
    if (!exchange.unread()) continue;
    exchange.registered = true;
    collected.register(responses[i] as object, exchange, exchange);
    const owner = owners[i];
    if (owner !== undefined) releaseWhenTaskEnds(owner, exchange);
  }
}

/**
 * Releases `exchange`'s body, if nobody has started reading it, when `owner`
 * (the task that made the request) ends, or when `response` is
 * garbage-collected.
 */
export function releaseWhenAbandoned(response: object, exchange: Exchange, owner: Task<unknown> | undefined): void {
  pendingResponses.push(response);
  pendingExchanges.push(exchange);
  pendingOwners.push(owner);
  if (!scheduled) {
    scheduled = true;
    // Not a timer: the check phase right after this turn's I/O.
    setImmediate(watchPending);
  }
}

/** The body is over: the finalizer has nothing left to do. Called by `Exchange.finish()` through its hook. */
function forgetCollected(exchange: Exchange): void {
  if (exchange.registered) {
    exchange.registered = false;
    collected.unregister(exchange);
  }
}
onWatchedExchangeFinish(forgetCollected);
