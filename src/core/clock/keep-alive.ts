/** Node's longest timer delay: the interval below wakes the process once every 24.8 days, doing nothing. */
const LONGEST = 2_147_483_647;

function noop(): void {}

/**
 * @internal Keeps the process alive until the returned function is called:
 * a signal listener does not, and a program whose main task waits only for a
 * signal must not end while it waits (asyncio's loop keeps running then).
 * It lives here because it is a Node timer, though it measures no time.
 */
export function keepAlive(): () => void {
  const interval = setInterval(noop, LONGEST);
  return () => clearInterval(interval);
}
