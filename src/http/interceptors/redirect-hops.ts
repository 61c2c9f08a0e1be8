import type { Dispatcher } from "undici";

/** The dispatch-option key under which a request carries the observer of its hops. */
export const HOP_OBSERVER: unique symbol = Symbol("aio-ts.hopObserver");

/** Told where each hop of a request goes: the first dispatch, then one per redirect followed. */
export interface HopObserver {
  hop(origin: string, path: string): void;
}

/**
 * An undici interceptor, composed inside the `redirect` one, that tells the
 * request's `HopObserver` (the option under `HOP_OBSERVER`) the origin and
 * path of every dispatch. undici's redirect handler dispatches each hop again
 * with a copy of the options (symbol keys included) and does not tell the
 * original handler where it went; without this, an error on a later hop (a
 * refused connection, a TLS failure) could only name the first origin.
 *
 * It wraps nothing and allocates nothing: one property read and a call per hop.
 *
 * @example
 * ```ts
 * import { Agent, interceptors } from "undici";
 * const dispatcher = new Agent().compose(redirectHops(), interceptors.redirect());
 * ```
 */
export function redirectHops(): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => {
    (options as unknown as { [HOP_OBSERVER]?: HopObserver })[HOP_OBSERVER]?.hop(String(options.origin), options.path);
    return dispatch(options, handler);
  };
}
