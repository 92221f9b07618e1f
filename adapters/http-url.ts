// url.path and url.full of the HTTP adapters, by charCodeAt (no regex on the common path, no URL parsing): the
// query, fragment, user info and session path parameters never leave these functions (AC-007).

const QUESTION = 63;
const HASH = 35;
const SLASH = 47;
const SEMI = 59;

/**
 * Path parameters that carry a session or a credential (`/cart;jsessionid=…`, servlet URL rewriting), removed
 * with their value: a path is recorded, a session ID is a credential (AC-007). Other `;k=v` parameters stay.
 */
const SESSION_PARAM = /;(?:jsessionid|phpsessid|sessionid|session_id|sid|token|access_token|auth|api_key|apikey)=[^;/]*/gi;

/** `path` without its session / credential path parameters (SESSION_PARAM); `path` itself when it has none. */
export function withoutSessionParams(path: string): string {
  return path.indexOf(';') < 0 ? path : path.replace(SESSION_PARAM, '');
}

/**
 * `url.path` of a request target: origin-form `/a/b?q` → `/a/b`; absolute-form `http://h/p?q` → `/p`;
 * `*` stays; anything else → `/`. The query and fragment never leave this function, nor do session path
 * parameters such as `;jsessionid=…` (AC-007).
 */
export function pathOf(target: string | undefined): string {
  if (target === undefined || target.length === 0) return '/';
  let start = 0;
  if (target.charCodeAt(0) !== SLASH && target !== '*') {
    // absolute-form: scheme "://" authority, the authority ending at the first '/', '?' or '#' (RFC 3986 §3.1,
    // §3.2): `http://h?q=a/b` has path '/', and a '://' inside a query is no scheme.
    let p = 0;
    for (let c = 0; p < target.length && (c = target.charCodeAt(p)) < 128 && SCHEME_CHAR[c] === 1; p++);
    if (p === 0 || !ALPHA(target.charCodeAt(0)) || !target.startsWith('://', p)) return '/';
    for (p += 3; p < target.length; p++) { const c = target.charCodeAt(p); if (c === SLASH || c === QUESTION || c === HASH) break; }
    if (p === target.length || target.charCodeAt(p) !== SLASH) return '/';
    start = p;
  }
  let end = target.length;
  let semi = false;
  for (let i = start; i < end; i++) {
    const c = target.charCodeAt(i);
    if (c === QUESTION || c === HASH) { end = i; break; }
    if (c === SEMI) semi = true;
  }
  const path = start === 0 && end === target.length ? target : target.slice(start, end);
  return semi ? withoutSessionParams(path) : path;
}

/** RFC 3986 §3.1 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
const SCHEME_CHAR = new Uint8Array(128);
for (let c = 48; c <= 57; c++) SCHEME_CHAR[c] = 1;
for (let c = 65; c <= 90; c++) SCHEME_CHAR[c] = SCHEME_CHAR[c + 32] = 1;
for (const ch of '+-.') SCHEME_CHAR[ch.charCodeAt(0)] = 1;
const ALPHA = (c: number): boolean => (c | 32) >= 97 && (c | 32) <= 122;

/** Default port of a URL scheme. */
export function defaultPort(scheme: string): number {
  return scheme === 'https' || scheme === 'https:' ? 443 : 80;
}

/**
 * `url.full` without user info, query or fragment: `scheme://host[:port]/path`. The whole query is
 * dropped, not just the semconv's signature keys: any value in it can be a token (AC-007).
 */
export function urlFull(scheme: string, host: string, port: number, path: string): string {
  const h = host.indexOf(':') >= 0 && host.charCodeAt(0) !== 91 ? '[' + host + ']' : host;
  return scheme + '://' + h + (port === defaultPort(scheme) || port <= 0 ? '' : ':' + port) + pathOf(path);
}
