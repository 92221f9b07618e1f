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
export const Rule = { KEEP: 0, DROP: 1, URL: 2, TARGET: 3, QUERY: 4, GRAPHQL: 5, GRAPHQL_SOURCE: 6 } as const;
type RuleValue = (typeof Rule)[keyof typeof Rule];

/** Dropped outright by default: credentials, payloads, parameter values, PII. */
const DROP_EXACT = [
  'db.connection_string', 'db.postgresql.values', 'db.postgresql.plan', 'db.statement.parameters', 'url.query', 'url.fragment', 'http.request.body',
  'http.response.body', 'messaging.message.body', 'messaging.kafka.message.key', 'exception.stacktrace',
  'http.request.header', 'http.response.header', 'db.memcached.key',
];
const DROP_PREFIXES = [
  'http.request.header.', 'http.response.header.', 'rpc.request.metadata.', 'rpc.response.metadata.',
  'rpc.grpc.request.metadata.', 'rpc.grpc.response.metadata.', 'rpc.connect_rpc.request.metadata.',
  'rpc.connect_rpc.response.metadata.', 'db.query.parameter.', 'db.operation.parameter.', 'messaging.message.body.',
  'enduser.', 'user.', 'graphql.variables.',
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
    if (r === Rule.DROP || typeof value !== 'string') { this.stats.dropped++; return undefined; } // non-string query/URL: unknown shape
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

/** The first `/`, `\`, `?` or `#` from `i`: where an authority ends (WHATWG URL; `\` for special schemes). */
function authorityEnd(u: string, i: number): number {
  for (; i < u.length; i++) { const c = u.charCodeAt(i); if (c === 47 || c === 92 || c === 63 || c === 35) return i; }
  return u.length;
}

/** The first `?` or `#` from `i`. */
function queryStart(u: string, i: number): number {
  for (; i < u.length; i++) { const c = u.charCodeAt(i); if (c === 63 || c === 35) return i; }
  return u.length;
}

/** The port's `:` in the host u[h, e) (after an IPv6 literal's `]`), or -1. */
function portColon(u: string, h: number, e: number): number {
  if (e <= h) return -1;
  const b = u.charCodeAt(h) === 91 ? u.indexOf(']', h) : h - 1;
  const c = u.lastIndexOf(':', e - 1);
  return c >= h && c > b ? c : -1;
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
 * - a username may hold `/` or `\` too, and a password after it (`us/er@h`, `us/er:pw@h`): slashUserEnd.
 */
export function urlWithoutSecrets(u: string, strict: boolean): string | undefined {
  const from = authorityStart(u);
  const ae = authorityEnd(u, from);
  const at = u.lastIndexOf('@', ae - 1);
  let h = at < from ? from : at + 1;
  const pc = portColon(u, h, ae);
  if (pc >= 0 && !isPort(u, pc, ae)) {
    const l = u.lastIndexOf('@'); // the password may hold `?`, `#` or `@` too: the last `@` anywhere
    if (l < ae) return u.slice(0, from) + u.slice(h, pc); // `user:pw` and no host: nothing after the colon
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
    const e = slashUserEnd(u, from, ae, strict);
    if (e === undefined) return undefined;
    h = e;
  }
  return u.slice(0, from) + stripQuery(u.slice(h));
}

/**
 * Where the host starts when the authority u[from, ae) holds no `@` or `:`, but user info holding `/` or `\` may have
 * ended it early where parsers look (`https://us/er@h/p`): `from` when there is none. Only an `@` in the first path
 * segment, not opening it, is looked at; past it, or at a segment's start, an `@` or `:` is the path's, as parsers
 * read it (`/@types/node`, `svc/users/bob@x`, `/x:y/vue@3`).
 * - a `:` before that `@`: a password (`us/er:pw@h`) or a path (`h/a:b@c`): the user info runs to the `@`, and
 *   `strict` gives undefined (the bridge drops the URL, counted);
 * - else a username (`us/er@h/p`) when the host is one label, not localhost, and what follows the `@` reads as a host
 *   (a letter, `[`, or four numbers): `unpkg.com/react@18`, `db/vue@3` and `localhost/a@b` stay the path's. Safe
 *   either way: what precedes the `@` goes, though the host may then be a path's (`svc/bob@example.com`).
 */
function slashUserEnd(u: string, from: number, ae: number, strict: boolean): number | undefined {
  const d = u.charCodeAt(ae);
  if ((d !== 47 && d !== 92) || ae === from) return from; // the authority ended at `?`, `#` or the end, or is empty
  const se = authorityEnd(u, ae + 1); // the first path segment: u[ae + 1, se)
  const l = u.lastIndexOf('@', se - 1);
  if (l <= ae + 1) return from; // none (most URLs), or `/@scope`
  const c = u.indexOf(':', ae + 1);
  if (c >= 0 && c < l) return strict ? undefined : l + 1;
  if (u.lastIndexOf('.', ae - 1) >= from || u.slice(from, ae).toLowerCase() === 'localhost' || !readsAsHost(u, l + 1)) return from;
  return l + 1;
}

/** The host at `i` (to a `/`, `\`, `?`, `#` or `:`) has a letter, is an IPv6 literal or an IPv4 address of four numbers. */
function readsAsHost(u: string, i: number): boolean {
  if (u.charCodeAt(i) === 91) return true;
  let dots = 0;
  for (let j = i; j < u.length; j++) {
    const c = u.charCodeAt(j);
    if (c === 47 || c === 92 || c === 63 || c === 35 || c === 58) break;
    if (c === 46) dots++;
    else if (((c | 32) >= 97 && (c | 32) <= 122) || c >= 128) return true;
  }
  return dots === 3;
}

/** `scheme://user:pass@host/path?q#f` → `scheme://host/path` (also `//user@host`): user info, query and fragment removed. */
export function stripUrl(s: string): string {
  return urlWithoutSecrets(s, false)!;
}
