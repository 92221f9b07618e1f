// Redaction of attributes arriving through the OpenTelemetry bridge (the table is in adapters/otel.ts).
// A key's rule is decided once and cached, so the per-attribute cost is one Map lookup.
import { compileAllowlist, type KeyFilter } from '../src/attributes.js';
import { dialectFor, QueryDialect, sanitizeQuery } from './otel-sql.js';
import { withoutSessionParams } from './http-url.js';
import { fieldOf } from '../src/own-keys.js';

export interface RedactionOptions {
  /** `db.query.text` / `db.statement` (and GraphQL documents): 'sanitize' (default: literals become `?`), 'drop', or 'keep' (as sent). */
  dbQuery?: 'sanitize' | 'drop' | 'keep';
  /** `url.full`, `http.url`, `url.original`, `http.target`: 'strip' (default: no query, fragment or user info) or 'keep'. */
  url?: 'strip' | 'keep';
  /** More keys to drop: exact keys or `prefix.*` patterns. */
  drop?: readonly string[];
  /** Keys exempt from every rule here (e.g. `http.request.header.x-request-id`); the tracer's allowlist still applies. */
  keep?: readonly string[];
}

/** What happens to a key. */
export const Rule = { KEEP: 0, DROP: 1, URL: 2, TARGET: 3, QUERY: 4, GRAPHQL: 5, GRAPHQL_SOURCE: 6, SIZE: 7 } as const;
type RuleValue = (typeof Rule)[keyof typeof Rule];

/** Dropped outright by default: credentials, payloads, parameter values, PII (user names: db.user, enduser.*, user.*). */
const DROP_EXACT = [
  'db.connection_string', 'db.user', 'db.postgresql.values', 'db.postgresql.plan', 'db.statement.parameters', 'url.query', 'url.fragment',
  'http.request.body', 'http.response.body', 'http.request.body.content', 'http.response.body.content', 'messaging.message.body',
  'messaging.kafka.message.key', 'kafka.message.key', 'exception.stacktrace', 'http.request.header', 'http.response.header',
  'db.memcached.key',
];
const DROP_PREFIXES = [
  'http.request.header.', 'http.response.header.', 'rpc.request.metadata.', 'rpc.response.metadata.',
  'rpc.grpc.request.metadata.', 'rpc.grpc.response.metadata.', 'rpc.connect_rpc.request.metadata.',
  'rpc.connect_rpc.response.metadata.', 'db.query.parameter.', 'db.operation.parameter.', 'messaging.message.body.',
  'enduser.', 'user.', 'graphql.variables.',
];
/**
 * Sizes of payloads (bytes): operational metadata, kept, but only as numbers (anything else under such a key may be
 * the payload itself). messaging.message.body.size would fall under the messaging.message.body.* drop otherwise.
 */
const SIZE_KEYS = [
  'messaging.message.body.size', 'messaging.message.envelope.size', 'messaging.message_payload_size_bytes',
  'messaging.message_payload_compressed_size_bytes', 'http.request.body.size', 'http.response.body.size', 'http.request.size',
  'http.response.size', 'http.request_content_length', 'http.request_content_length_uncompressed', 'http.response_content_length',
  'http.response_content_length_uncompressed', 'rpc.message.compressed_size', 'rpc.message.uncompressed_size',
  'message.compressed_size', 'message.uncompressed_size', 'azure.cosmosdb.request.body.size', 'db.cosmosdb.request_content_length',
];
const URL_KEYS = ['url.full', 'http.url', 'url.original', 'messaging.url']; // messaging.url: instrumentation-amqplib
const TARGET_KEYS = ['http.target', 'url.path'];
export const QUERY_KEYS: readonly string[] = ['db.query.text', 'db.statement'];
const CACHE_LIMIT = 4096; // distinct keys remembered; instrumentations use a few dozen
const SLOTS = 256; // direct-mapped front cache: ~3 ns a hit vs ~8 ns for Map.get (bench/otel-bridge, 6 keys a span)

/**
 * An error's message: exception.message, error.message (semconv), a domain's `*.error.message` (feature_flag.), or
 * `*.error_message` as instrumentation-http (http.error_message) and instrumentation-grpc (grpc.error_message) set it.
 */
function isErrorMessage(key: string): boolean {
  return key === 'exception.message' || key === 'error.message' || key.endsWith('.error.message') || key.endsWith('.error_message');
}

export class RedactionStats {
  /** attributes removed by a rule */
  dropped = 0;
  /** values rewritten (literals, query strings, user info removed) */
  sanitized = 0;
  /** error status messages not recorded (recordErrorMessages off) */
  statusMessages = 0;
}

export class Redactor {
  readonly stats = new RedactionStats();
  private readonly cache = new Map<string, RuleValue>();
  private readonly slotKeys: string[] = new Array<string>(SLOTS).fill('\0');
  private readonly slotRules = new Uint8Array(SLOTS);
  private readonly keep: KeyFilter | null;
  private readonly drop: KeyFilter | null;
  private readonly dbQuery: RuleValue;
  private readonly url: boolean;
  private readonly messages: boolean;
  /** Span names get the literal stripper too (only when queries are sanitized). */
  readonly sanitizesNames: boolean;

  constructor(o: RedactionOptions = {}, recordErrorMessages = false) {
    // own keys only: one on Object.prototype (pollution) is not the user's, and must not turn a rule off
    const keep = fieldOf(o, 'keep') as RedactionOptions['keep'], drop = fieldOf(o, 'drop') as RedactionOptions['drop'];
    const dbQuery = fieldOf(o, 'dbQuery'), url = fieldOf(o, 'url');
    this.keep = keep && keep.length ? compileAllowlist(keep) : null;
    this.drop = drop && drop.length ? compileAllowlist(drop) : null;
    this.dbQuery = dbQuery === 'keep' ? Rule.KEEP : dbQuery === 'drop' ? Rule.DROP : Rule.QUERY;
    this.url = url !== 'keep';
    this.messages = recordErrorMessages;
    this.sanitizesNames = this.dbQuery === Rule.QUERY;
  }


  rule(key: string): RuleValue {
    const n = key.length;
    const i = (n * 31 + key.charCodeAt(n - 1) + key.charCodeAt(n >> 1)) & (SLOTS - 1);
    if (this.slotKeys[i] === key) return this.slotRules[i] as RuleValue;
    const r = this.ruleSlow(key);
    this.slotKeys[i] = key;
    this.slotRules[i] = r;
    return r;
  }

  private ruleSlow(key: string): RuleValue {
    let r = this.cache.get(key);
    if (r === undefined) {
      r = this.classify(key);
      if (this.cache.size < CACHE_LIMIT) this.cache.set(key, r);
    }
    return r;
  }

  private classify(key: string): RuleValue {
    if (this.keep !== null && this.keep(key)) return Rule.KEEP;
    if (this.drop !== null && this.drop(key)) return Rule.DROP;
    if (DROP_EXACT.includes(key)) return Rule.DROP;
    if (!this.messages && isErrorMessage(key)) return Rule.DROP; // messages carry PII unless the tracer opts in
    if (SIZE_KEYS.includes(key)) return Rule.SIZE;
    for (let i = 0; i < DROP_PREFIXES.length; i++) if (key.startsWith(DROP_PREFIXES[i]!)) return Rule.DROP;
    if (QUERY_KEYS.includes(key)) return this.dbQuery;
    if (key === 'graphql.document') return this.dbQuery === Rule.QUERY ? Rule.GRAPHQL : this.dbQuery;
    if (key === 'graphql.source') return this.dbQuery === Rule.QUERY ? Rule.GRAPHQL_SOURCE : this.dbQuery; // instrumentation-graphql's print
    if (this.url && URL_KEYS.includes(key)) return Rule.URL;
    if (this.url && TARGET_KEYS.includes(key)) return Rule.TARGET;
    return Rule.KEEP;
  }

  /**
   * The value to record for `key` under rule `r` (not KEEP), or undefined to drop it. `system` is the
   * span's db.system(.name), which picks the query dialect.
   */
  apply(r: RuleValue, value: unknown, system: unknown): unknown {
    if (r === Rule.SIZE && typeof value === 'number') return value; // a size that is no number may be the payload: dropped
    // non-string query/URL: unknown shape
    if (r === Rule.DROP || r === Rule.SIZE || typeof value !== 'string') { this.stats.dropped++; return undefined; }
    let v: string;
    switch (r) {
      case Rule.URL: case Rule.TARGET: { // a URL whose user info cannot be told from its path: dropped
        // a request target in absolute-form (a forward proxy's: `http://u:pw@h/p`) is a URL; else a path
        const w = r === Rule.URL || SCHEME.test(value) ? urlWithoutSecrets(value, true) : stripQuery(value);
        if (w === undefined) { this.stats.dropped++; return undefined; }
        v = w;
        break;
      }
      case Rule.QUERY: v = sanitizeQuery(value, dialectFor(system)); break;
      case Rule.GRAPHQL: v = sanitizeQuery(value, QueryDialect.GRAPHQL); break;
      default: v = sanitizeQuery(value, QueryDialect.GRAPHQL_SOURCE); break;
    }
    if (v !== value) this.stats.sanitized++;
    return v;
  }
}

/** Cut at the first `?` or `#`; session path parameters (`;jsessionid=…`) removed too. */
export function stripQuery(s: string): string {
  const q = s.indexOf('?');
  const h = s.indexOf('#');
  const cut = q < 0 ? h : h < 0 ? q : Math.min(q, h);
  return withoutSessionParams(cut < 0 ? s : s.slice(0, cut));
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:[/\\]/;
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
 *   (`http://svc/bob@example.com`: host svc), but see pathPasswordEnd.
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
  } else if (pc >= 0 || (at >= from && u.lastIndexOf(':', at) >= from)) {
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
