/**
 * The page origins a widget may be embedded on. An origin is `scheme://host[:port]` exactly as browsers send
 * it in `Origin` (lower case, no path, no trailing slash, no default port): https anywhere, http only on
 * localhost for development. No wildcards: an allowlist entry names one site.
 */
export const MAX_ALLOWED_ORIGINS = 20;

const LOCAL_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Why `value` is not an origin we accept, or undefined when it is one (in its canonical form). */
export function originProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Not a URL origin such as https://shop.example.';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname))) return 'Must be https (http only for localhost).';
  if (url.username || url.password) return 'Must not carry credentials.';
  // One site per entry: letters, digits, dots and hyphens (the URL parser lets `*` through as a host character).
  if (!/^([a-z0-9-]+\.)*[a-z0-9-]+$/.test(url.hostname) && url.hostname !== '[::1]') return 'Must name one host (no wildcards).';
  if (url.origin !== value) return `Write it as the browser sends it: ${url.origin}`;
  return undefined;
}

/** Whether a request's `Origin` header is one of the allowed origins (exact match, as browsers send it). */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): origin is string {
  return origin !== undefined && origin !== 'null' && allowed.includes(origin);
}
