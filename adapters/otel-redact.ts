// Redaction of attributes arriving through the OpenTelemetry bridge (the table is in adapters/otel.ts; the keys in
// adapters/otel-redact-keys.ts and, for LLM and agent telemetry, adapters/otel-redact-ai.ts; URLs in
// adapters/otel-redact-url.ts).
// A key's rule is decided once and cached, so the per-attribute cost is one Map lookup.
import { compileAllowlist, type KeyFilter } from '../src/attributes.js';
import { dialectFor, QueryDialect, sanitizeQuery } from './otel-sql.js';
import { SCHEME, schemeOnly, stripQuery, urlWithoutSecrets } from './otel-redact-url.js';
import { fieldOf } from '../src/own-keys.js';
import { SpanKind } from '../src/span.js';
import { isErrorMessage, QUERY_KEYS, Rule, tableRule, TARGET_KEYS, URL_KEYS, type RuleValue } from './otel-redact-keys.js';

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

const SERVER = SpanKind.SERVER; // the peer of a server span is its caller
const CACHE_LIMIT = 4096; // distinct keys remembered; instrumentations use a few dozen
const SLOTS = 256; // direct-mapped front cache: ~3 ns a hit vs ~8 ns for Map.get (bench/otel-bridge, 6 keys a span)

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
    if (!this.messages && isErrorMessage(key)) return Rule.DROP; // messages carry PII unless the tracer opts in
    const t = tableRule(key);
    if (t !== Rule.KEEP) return t;
    if (QUERY_KEYS.includes(key)) return this.dbQuery;
    if (key === 'graphql.document') return this.dbQuery === Rule.QUERY ? Rule.GRAPHQL : this.dbQuery;
    if (key === 'graphql.source') return this.dbQuery === Rule.QUERY ? Rule.GRAPHQL_SOURCE : this.dbQuery; // instrumentation-graphql's print
    if (this.url && URL_KEYS.includes(key)) return Rule.URL;
    if (this.url && TARGET_KEYS.includes(key)) return Rule.TARGET;
    return Rule.KEEP;
  }

  /** `key`'s value is recorded as given on a span of OTLP kind `kind` (no rule, or the peer of a non-server span). */
  keeps(key: string, kind: number): boolean {
    const r = this.rule(key);
    return r === Rule.KEEP || (r === Rule.PEER && kind !== SERVER);
  }

  /**
   * The value to record for `key` under rule `r` (not KEEP), or undefined to drop it. `system` is the
   * span's db.system(.name), which picks the query dialect; `kind` its OTLP kind (the peer's rule).
   */
  apply(r: RuleValue, value: unknown, system: unknown, kind: number): unknown {
    if (r === Rule.SIZE && typeof value === 'number') return value; // a size that is no number may be the payload: dropped
    if (r === Rule.PEER && kind !== SERVER) return value; // a server or broker the span connected to
    // non-string query/URL: unknown shape
    if (r === Rule.DROP || r === Rule.SIZE || r === Rule.PEER || typeof value !== 'string') { this.stats.dropped++; return undefined; }
    let v: string;
    switch (r) {
      case Rule.URL: case Rule.TARGET: { // a URL whose user info cannot be told from its path: dropped
        // a request target in absolute-form (a forward proxy's: `http://u:pw@h/p`) is a URL; else a path
        const w = r === Rule.URL || SCHEME.test(value) ? urlWithoutSecrets(value, true) : stripQuery(value);
        if (w === undefined) { this.stats.dropped++; return undefined; }
        v = w;
        break;
      }
      case Rule.SCHEME: { // an MCP resource URI: which kind of resource; one with no scheme is dropped
        const w = schemeOnly(value);
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

export { stripQuery, stripUrl, urlWithoutSecrets } from './otel-redact-url.js';
export { QUERY_KEYS, Rule } from './otel-redact-keys.js';
