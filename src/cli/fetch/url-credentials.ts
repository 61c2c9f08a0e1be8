// A URL's `user:password@`: sent as curl and wget send it, and never shown.

/**
 * A URL's `user:password@`, as curl and wget use it: Basic credentials in an
 * Authorization header (undici drops it on a redirect to another origin), and
 * the URL to request without them.
 */
export function credentialsOf(url: URL): { target: URL; authorization: string | undefined } {
  if (url.username === "" && url.password === "") return { target: url, authorization: undefined };
  const decode = (text: string): string => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const target = new URL(url.href);
  target.username = "";
  target.password = "";
  const pair = `${decode(url.username)}:${decode(url.password)}`;
  return { target, authorization: `Basic ${Buffer.from(pair).toString("base64")}` };
}

/** A URL as printed and reported: a password in it is masked (`user:***@host`), as wget masks it. */
export function shownUrl(url: URL): string {
  if (url.password === "") return url.href;
  const shown = new URL(url.href);
  shown.password = "***";
  return shown.href;
}
