// HTTP semantic-convention helpers shared by the server, client and fetch adapters: method
// normalisation, path/host extraction without regex or URL parsing, header allowlists, counters.
import type { AnySpan } from '../src/span.js';

/** Semconv HTTP known methods (RFC 9110 §9 + PATCH); anything else is `_OTHER`. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** `http.request.method` value: the method if known, else `_OTHER` (semconv http-spans §method). */
export function normalizeMethod(method: string | undefined): string {
  if (method === undefined) return 'GET'; // node:http default for requests without a method
  return KNOWN_METHODS.has(method) ? method : '_OTHER';
}

/** Span name prefix: the method, or `HTTP` for unknown methods (semconv: name MUST NOT be `_OTHER`). */
export function nameOfMethod(normalized: string): string {
  return normalized === '_OTHER' ? 'HTTP' : normalized;
}

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

export { isBoundedId } from '../src/bounded-id.js';

export { hostOf, hostPortOf } from './http-host.js';

/** Is `k` the header name `name` (given lower-case), in any case? Length first: most names differ there. */
export function isName(k: unknown, name: string): boolean {
  return typeof k === 'string' && k.length === name.length && (k === name || k.toLowerCase() === name);
}

/** Never recorded, even when allowlisted: credentials and session material (AC-007). */
const NEVER_RECORD = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token']);

/** An allowlist of header names resolved once: lower-case names and their attribute keys. */
export class HeaderAllowlist {
  readonly names: string[];
  readonly keys: string[];
  constructor(names: readonly string[] | undefined, prefix: string, warn: (m: string) => void) {
    this.names = [];
    this.keys = [];
    if (names === undefined) return;
    for (const raw of names) {
      if (typeof raw !== 'string' || raw.length === 0) continue;
      const n = raw.toLowerCase();
      if (NEVER_RECORD.has(n)) { warn(`header ${JSON.stringify(n)} carries credentials and is never recorded, even when allowlisted`); continue; }
      this.names.push(n);
      this.keys.push(prefix + n);
    }
  }
  /** Record allowlisted headers as string arrays (semconv `http.*.header.<name>`). */
  record(span: AnySpan, headers: Record<string, unknown>): void {
    for (let i = 0; i < this.names.length; i++) {
      const v = headers[this.names[i]!];
      if (typeof v === 'string') span.setAttribute(this.keys[i]!, [v]);
      else if (typeof v === 'number') span.setAttribute(this.keys[i]!, [String(v)]);
      else if (Array.isArray(v)) span.setAttribute(this.keys[i]!, v.map(String));
    }
  }
  /** Same, from a flat [name, value, ...] list (what writeHead sends when no header was set before it). */
  recordFlat(span: AnySpan, flat: readonly unknown[]): void {
    const byName: Record<string, unknown> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const k = flat[i];
      if (typeof k !== 'string') continue;
      const n = k.toLowerCase();
      if (!this.names.includes(n)) continue;
      const v = flat[i + 1], cur = byName[n];
      byName[n] = cur === undefined ? v : ([] as unknown[]).concat(cur, v); // repeated names: one list, in order
    }
    this.record(span, byName);
  }
}

/** Counters of the HTTP/fetch adapters (process-wide; every drop or skip is counted here). */
export class HttpAdapterStats {
  /** tenant values that failed validation and were dropped */
  tenantRejected = 0;
  /** Host headers that are no RFC 9110 Host, or name no port in 1..65535: server.address / server.port are the socket's */
  hostRejected = 0;
  /** errors inside the adapters themselves, caught; the request went on untraced */
  internalErrors = 0;
  /**
   * Your `ignore`, `trust` or `tenant` function threw, or `trust` returned no policy: the request is still
   * traced (not ignored; `preserve-ids`, so no caller can force sampling; no tenant)
   */
  callbackErrors = 0;
  /** outgoing requests whose headers were already sent, so traceparent could not be added */
  injectSkipped = 0;
  /** outgoing requests skipped because they carry the no-trace brand (the exporter's own) */
  noTraceSkipped = 0;
  /** fetch requests the explicit wrapper had already traced (or, on undici 5, that carried any traceparent) */
  alreadyPropagated = 0;
  /** fetch requests whose caller-set traceparent/tracestate was replaced by the CLIENT span's */
  traceHeadersReplaced = 0;
  /** duplicate `undici:request:create` events for a request already handled */
  duplicateCreate = 0;
  /** handlers that threw or rejected */
  handlerErrors = 0;
  /**
   * Requests Node refused before a request object existed (malformed request line or headers, headers over
   * maxHeaderSize, headersTimeout/requestTimeout before the headers were complete): Node answers 400/431/408
   * itself, with no span and no trace headers; and pipelined requests past `maxRequestsPerSocket`, answered
   * 503 the same way. Counted under `traceServer` only (a handler never sees them).
   */
  clientErrors = 0;
}

export const httpStats = new HttpAdapterStats();

/** Snapshot of the adapters' counters. */
export function adapterStats(): HttpAdapterStats {
  return { ...httpStats };
}

let lastReport = 0;
/** Report an internal adapter error: counted always, logged at most once a minute. */
export function reportInternal(logger: (m: string) => void, where: string, err: unknown): void {
  httpStats.internalErrors++;
  const t = Date.now();
  if (t - lastReport < 60_000) return;
  lastReport = t;
  try { logger(`${where}: ${(err as Error)?.message ?? String(err)} (request continued untraced; count in adapterStats().internalErrors)`); } catch { /* never throw into the host */ }
}

let lastCallbackReport = 0;
/** A user callback failed (see HttpAdapterStats.callbackErrors): counted always, logged at most once a minute. */
export function reportCallback(logger: (m: string) => void, what: string, fallback: string, err?: unknown): void {
  httpStats.callbackErrors++;
  const t = Date.now();
  if (t - lastCallbackReport < 60_000) return;
  lastCallbackReport = t;
  const why = err === undefined ? what : `${what} threw (${(err as Error)?.message ?? String(err)})`;
  try { logger(`tracewire/http server: ${why}; ${fallback}; the request is traced anyway (count in adapterStats().callbackErrors)`); } catch { /* never throw into the host */ }
}

/**
 * `error.type` of a request whose connection Node ended with this error (its 'clientError'), or null for a
 * client that went away (connection reset, or closed mid-request: HPE_INVALID_EOF_STATE), which is 'aborted'.
 * ERR_HTTP_REQUEST_TIMEOUT: Node's requestTimeout (408); HPE_*: llhttp parse errors (400, 413, 431).
 */
export function clientErrorType(err: unknown): string | null {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== 'string') return null;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return code;
  return code.startsWith('HPE_') && code !== 'HPE_INVALID_EOF_STATE' ? code : null;
}

/** The status of the answer Node writes itself on a client error (lib/_http_server.js socketOnError, Node 20 and 24 alike). */
export function clientErrorStatus(code: string | null): number {
  return code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413 : 400;
}

/** An HTTP header name (token, RFC 9110 §5.1 and §5.6.2): checked once, where options are resolved. */
export const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

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

// Header values built flat in one scratch buffer: `formatTraceparent` concatenates ~30 pieces into a rope
// that Node's header validation regex must flatten first; 558 vs 676 ns to set both response headers
// (bench/http/header-cost.ts). Layout: `trace;desc=00-<32 hex>-<16 hex>-<2 hex>`.
const TIMING_PREFIX = 'trace;desc=';
const TP_AT = TIMING_PREFIX.length; // 11: where the traceparent starts
const scratch = Buffer.alloc(TP_AT + 55);
scratch.write(TIMING_PREFIX + '00-', 0, 'latin1');
scratch[TP_AT + 35] = 45; // '-'
scratch[TP_AT + 52] = 45;
scratch[TP_AT + 53] = 48; // flags high digit: only sampled/random (0-3) are ever sent (W3C §3.2.2.5)
const HEX = '0123456789abcdef';
const HEX_BYTE = new Uint8Array(16);
for (let i = 0; i < 16; i++) HEX_BYTE[i] = HEX.charCodeAt(i);
const latin1 = (Buffer.prototype as unknown as { latin1Slice?: (s: number, e: number) => string }).latin1Slice;

function putWord(w: number, off: number): void {
  for (let i = 0; i < 8; i++) scratch[off + i] = HEX_BYTE[(w >>> (28 - 4 * i)) & 15]!;
}

interface Ids { t0: number; t1: number; t2: number; t3: number; s0: number; s1: number; traceFlags: number }

/** `trace;desc=00-<trace>-<span>-<flags>`, a flat string; the traceparent is `.slice(TRACEPARENT_AT)`. */
export function serverTimingValue(c: Ids): string {
  putWord(c.t0, TP_AT + 3); putWord(c.t1, TP_AT + 11); putWord(c.t2, TP_AT + 19); putWord(c.t3, TP_AT + 27);
  putWord(c.s0, TP_AT + 36); putWord(c.s1, TP_AT + 44);
  scratch[TP_AT + 54] = HEX_BYTE[c.traceFlags & 3]!;
  return latin1 !== undefined ? latin1.call(scratch, 0, scratch.length) : scratch.toString('latin1');
}
export const TRACEPARENT_AT = TP_AT;
/** Offsets of the trace ID inside serverTimingValue(). */
export const TRACE_ID_AT = TP_AT + 3;

/** Start attributes of a CLIENT span (fetch and node:http), one reusable object per config: every key present. */
export class StartAttrs {
  [key: string]: string | number | undefined;
  'http.request.method' = '';
  'http.request.method_original': string | undefined = undefined;
  'server.address' = '';
  'server.port' = 0;
  'url.full' = '';
  'http.request.resend_count': number | undefined = undefined;
}

/** Fill a CLIENT span's start attributes (node:http and fetch alike); returns the normalized method for the span name. */
export function fillClientAttrs(a: StartAttrs, rawMethod: string | undefined, scheme: string, host: string, port: number, path: string, resend: number): string {
  const method = normalizeMethod(rawMethod);
  a['http.request.method'] = method;
  a['http.request.method_original'] = method === '_OTHER' ? rawMethod : undefined;
  a['server.address'] = host;
  a['server.port'] = port;
  a['url.full'] = urlFull(scheme, host, port, path);
  a['http.request.resend_count'] = resend > 0 ? resend : undefined;
  return method;
}
