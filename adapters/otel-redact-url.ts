// URLs without user info, query, fragment or session parameters: what the bridge records of url.full, http.url,
// url.original, messaging.url and an absolute-form http.target (adapters/otel-redact.ts picks the keys).
import { withoutSessionParams } from './http-url.js';

/** Cut at the first `?` or `#`; session path parameters (`;jsessionid=…`) removed too. */
export function stripQuery(s: string): string {
  const q = s.indexOf('?');
  const h = s.indexOf('#');
  const cut = q < 0 ? h : h < 0 ? q : Math.min(q, h);
  return withoutSessionParams(cut < 0 ? s : s.slice(0, cut));
}

export const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:[/\\]/;
/**
 * A URI's `scheme:` alone (at most 32 characters, followed by `/` or `\` as in `file:///`, `postgres://`), or undefined:
 * all the bridge keeps of an MCP resource URI. Without the slash, `bob:pw@host` would read as the scheme `bob:`.
 */
export function schemeOnly(s: string): string | undefined {
  const c = s.indexOf(':');
  return c > 0 && c <= 32 && SCHEME.test(s) ? s.slice(0, c + 1) : undefined;
}

/** WHATWG URL's special schemes, where a `\` is a `/`; elsewhere (postgres://DOMAIN\user@h) it is the authority's. */
const SPECIAL = /^(?:https?|wss?|ftp|file):/i;

/**
 * Where the authority starts: after `scheme:` and its slashes, one or any number (WHATWG URL parsers read
 * `https:/u:pw@h` and `https:\\u:pw@h` as `https://u:pw@h`), or after a scheme-relative `//`; 0 when there is none.
 */
function authorityStart(u: string): number {
  let i = 0;
  if (SCHEME.test(u)) i = u.indexOf(':') + 1;
  else if (u.charCodeAt(0) !== 47 || u.charCodeAt(1) !== 47) return 0; // `//user:pw@host`: scheme-relative
  while (u.charCodeAt(i) === 47 || u.charCodeAt(i) === 92) i++;
  return i;
}

/**
 * The first `/`, `?` or `#` from `i`, or `\` when `bs` (a special scheme's): where an authority or a path segment ends
 * (RFC 3986 §3.2, WHATWG URL).
 */
function authorityEnd(u: string, i: number, bs: boolean): number {
  for (; i < u.length; i++) { const c = u.charCodeAt(i); if (c === 47 || c === 63 || c === 35 || (c === 92 && bs)) return i; }
  return u.length;
}

/** semconv's placeholder for user info in url.full (`https://REDACTED:REDACTED@host/`). */
const PLACEHOLDER = 'REDACTED:REDACTED';

/** The user info u[from, at) is the placeholder: the instrumentation took the real one out of a parsed URL. */
function isPlaceholder(u: string, from: number, at: number): boolean {
  return at - from === PLACEHOLDER.length && u.startsWith(PLACEHOLDER, from);
}

/** The first `?` or `#` from `i`. */
function queryStart(u: string, i: number): number {
  for (; i < u.length; i++) { const c = u.charCodeAt(i); if (c === 63 || c === 35) return i; }
  return u.length;
}

/** The port's `:` in the host u[h, e) (after an IPv6 literal's `]`; a `[` with no `]` before `e` is none), or -1. */
function portColon(u: string, h: number, e: number): number {
  if (e <= h) return -1;
  let b = h - 1;
  if (u.charCodeAt(h) === 91 && ((b = u.indexOf(']', h)) < 0 || b >= e)) b = h; // `@[pw:/?@[::1]`: not the host's `]`
  const c = u.lastIndexOf(':', e - 1);
  return c >= h && c > b ? c : -1;
}

/** Where the host u[h, e) holds a `\` (no host does): the first `\`, or a `:` before it (a password's), else -1. */
function noHost(u: string, h: number, e: number): number {
  const b = u.indexOf('\\', h);
  if (b < 0 || b >= e) return -1;
  const c = u.indexOf(':', u.charCodeAt(h) === 91 ? Math.max(h, u.indexOf(']', h)) : h); // not an IPv6 literal's
  return c >= 0 && c < b ? c : b;
}

function isPort(u: string, c: number, e: number): boolean {
  if (c + 1 >= e) return false;
  for (let j = c + 1; j < e; j++) { const d = u.charCodeAt(j); if (d < 48 || d > 57) return false; }
  return true;
}

/**
 * `u` without user info, query, fragment and session parameters. A password may hold `/`, `?`, `#` or `@`
 * unencoded (hand-written connection strings), which ends the authority early where parsers look:
 * - after `user:pa` (no port) the authority cannot end there: the user info runs to the last `@` (none: the host
 *   only), and with more than one `@` after it `strict` gives undefined (the bridge drops the URL, counted);
 * - after `user:12` or `host:12` (a colon, a valid port) it may, or not (`user:12/34@h` vs `host:12/34@x`):
 *   an `@` further on makes it undecidable, and `strict` gives undefined (the bridge drops the URL, counted),
 *   else the user info runs to that `@` (safe, though the host may then be a path's).
 * - user info is only in the authority: an `@` after it, with no `:` before, is the path's, query's or fragment's
 *   (`http://svc/bob@example.com`: host svc), but see pathPasswordEnd;
 * - user info that is exactly semconv's placeholder `REDACTED:REDACTED` holds no password: an instrumentation wrote it
 *   over a parsed URL's (instrumentation-http), so the host, port and path after it are that parser's, and an `@`
 *   further on is the path's, query's or fragment's (`REDACTED:REDACTED@h:8443/a@b`: host h:8443, path /a@b).
 * A scheme-relative or scheme-less `u` is read as a non-special scheme's: a `\` stays in the authority (user info).
 */
export function urlWithoutSecrets(u: string, strict: boolean): string | undefined {
  const from = authorityStart(u);
  const bs = from > 0 && SPECIAL.test(u);
  const ae = authorityEnd(u, from, bs);
  const at = u.lastIndexOf('@', ae - 1);
  let h = at < from ? from : at + 1;
  const pc = portColon(u, h, ae);
  const bad = bs ? -1 : noHost(u, h, ae); // postgres://u:p\w/x@h: no host holds a `\`
  if ((pc >= 0 && !isPort(u, pc, ae)) || bad >= 0) {
    const l = u.lastIndexOf('@'); // the password may hold `?`, `#` or `@` too: the last `@` anywhere
    if (l < ae) return u.slice(0, from) + u.slice(h, bad >= 0 ? bad : pc); // `user:pw` and no host: nothing after the colon
    if (strict && u.indexOf('@', ae) !== l) return undefined; // `u:p/w@h/x?to=a@b`: which `@` ends it?
    h = l + 1;
  } else if ((pc >= 0 || (at >= from && u.lastIndexOf(':', at) >= from)) && !isPlaceholder(u, from, at)) {
    const q = queryStart(u, ae);
    const l = q === ae ? u.lastIndexOf('@') : u.lastIndexOf('@', q - 1); // no path: a `?` or `#` may be the password's
    if (l >= ae) {
      if (strict) return undefined;
      h = l + 1;
    }
  } else if (at < from) {
    const e = pathPasswordEnd(u, from, ae, bs, strict);
    if (e === undefined) return undefined;
    h = e;
  }
  return u.slice(0, from) + stripQuery(u.slice(h));
}

/**
 * Where the host starts when the authority u[from, ae) holds no `@` or `:`: `from`, as every parser reads it (an `@`
 * after the authority is the path's: `http://svc/bob@example.com`, `/@types/node`, `db/vue@3`), except where the first
 * path segment holds a `:` and then an `@`, past its start: a password after a username holding `/` (`us/er:pw@h`) or a
 * path (`h/a:b@c`). There `strict` gives undefined (the bridge drops the URL, counted), else the user info runs to the `@`.
 */
function pathPasswordEnd(u: string, from: number, ae: number, bs: boolean, strict: boolean): number | undefined {
  const d = u.charCodeAt(ae);
  if ((d !== 47 && d !== 92) || ae === from) return from; // the authority ended at `?`, `#` or the end, or is empty
  const l = u.lastIndexOf('@', authorityEnd(u, ae + 1, bs) - 1); // in the first path segment
  if (l <= ae + 1) return from; // none (most URLs), or `/@scope`
  const c = u.indexOf(':', ae + 1);
  return c < 0 || c > l ? from : strict ? undefined : l + 1;
}

/** `scheme://user:pass@host/path?q#f` → `scheme://host/path` (also `//user@host`): user info, query and fragment removed. */
export function stripUrl(s: string): string {
  return urlWithoutSecrets(s, false)!;
}
