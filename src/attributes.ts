// Attribute policy, resolved once per tracer: count and length limits with counted drops, and an
// allowlist so only operational metadata is recorded (AC-007: sensitive data excluded by construction).

export type AttributeScalar = string | number | boolean;
/** A bigint is an OTLP int64: kept exact within int64, dropped (counted as invalid) outside it; not allowed in arrays. */
export type AttributeValue = AttributeScalar | bigint | ReadonlyArray<AttributeScalar | null | undefined> | Uint8Array;
export type Attributes = Record<string, AttributeValue | null | undefined>;

export interface AttributeLimitsOptions {
  /**
   * Max attributes per span (OTel SpanAttributeCountLimit, default 128); extra ones are dropped and counted.
   * 0 keeps none (each counted as dropped), as OTel's AttributeCountLimit 0. Events and links have their own limits.
   */
  maxCount?: number;
  /**
   * Max string length per value (and per array element); longer ones are truncated and counted. Default 4096.
   * Must be positive (it also bounds status messages and, in thread mode, span and event names): 0 is warned about
   * and the default used, as OTel JS does for a value length limit <= 0.
   */
  maxValueLength?: number;
  /** Max links per span (OTel LinkCountLimit, default 128; 0 keeps none); extra ones are dropped and counted. */
  maxLinks?: number;
  /** Max events per span (OTel EventCountLimit, default 128; 0 keeps none); extra ones are dropped and counted. */
  maxEvents?: number;
  /** Max attributes per event (OTel EventAttributeCountLimit, default 128; 0 keeps none); extra ones are dropped and counted. */
  maxEventAttributes?: number;
  /** Max attributes per link (OTel LinkAttributeCountLimit, default 128; 0 keeps none); extra ones are dropped and counted. */
  maxLinkAttributes?: number;
  /**
   * Which keys may be recorded: exact keys or `prefix.*` patterns, or a predicate. null/undefined = all keys.
   * Rejected keys are counted, never stored.
   */
  allow?: readonly string[] | ((key: string) => boolean) | null;
}

export type KeyFilter = (key: string) => boolean;

/** Build a key filter from exact keys and `prefix.*` patterns; decided once, a Set lookup per call. */
export function compileAllowlist(patterns: readonly string[]): KeyFilter {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const p of patterns) {
    if (typeof p !== 'string' || p.length === 0) continue;
    if (p === '*') return () => true;
    if (p.endsWith('*')) prefixes.push(p.slice(0, -1));
    else exact.add(p);
  }
  if (prefixes.length === 0) return (k) => exact.has(k);
  return (k) => {
    if (exact.has(k)) return true;
    for (let i = 0; i < prefixes.length; i++) if (k.startsWith(prefixes[i]!)) return true;
    return false;
  };
}

/** The most attributes a span holds: the count's width in Span.bits (span.ts). */
export const MAX_ATTRIBUTE_COUNT = 16383;

export class AttributePolicy {
  readonly maxCount: number;
  readonly maxValueLength: number;
  readonly maxLinks: number;
  readonly maxEvents: number;
  readonly maxEventAttributes: number;
  readonly maxLinkAttributes: number;
  readonly allow: KeyFilter | null;
  /** Span.setAttribute's fast path applies below this many attributes x 2: maxCount, or 0 with an allowlist. */
  readonly fastMax2: number;

  /** `warn` hears about a limit that is not usable (negative, not an integer, a value length of 0): the default is used. */
  constructor(o: AttributeLimitsOptions = {}, warn: (msg: string) => void = () => {}) {
    const count = limit(o.maxCount, 128, 0, 'maxCount', warn);
    if (count > MAX_ATTRIBUTE_COUNT) warn(`attributes.maxCount=${count} is above ${MAX_ATTRIBUTE_COUNT}, the most a span holds; using ${MAX_ATTRIBUTE_COUNT}`);
    this.maxCount = Math.min(count, MAX_ATTRIBUTE_COUNT);
    this.maxValueLength = limit(o.maxValueLength, 4096, 1, 'maxValueLength', warn);
    this.maxLinks = limit(o.maxLinks, 128, 0, 'maxLinks', warn);
    this.maxEvents = limit(o.maxEvents, 128, 0, 'maxEvents', warn);
    this.maxEventAttributes = limit(o.maxEventAttributes, 128, 0, 'maxEventAttributes', warn);
    this.maxLinkAttributes = limit(o.maxLinkAttributes, 128, 0, 'maxLinkAttributes', warn);
    const a = o.allow;
    this.allow = a == null ? null : typeof a === 'function' ? guarded(a) : compileAllowlist(a);
    this.fastMax2 = this.allow === null ? 2 * this.maxCount : 0;
  }
}

/** A user predicate that throws must not throw into the host from setAttribute/startSpan: the key is rejected (counted). */
function guarded(f: KeyFilter): KeyFilter {
  return (k) => { try { return f(k) ? true : false; } catch { return false; } };
}

/** An integer >= min; undefined/null = the default; anything else is warned about and the default used. */
function limit(v: unknown, dflt: number, min: number, name: string, warn: (msg: string) => void): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
  warn(`attributes.${name}=${String(v).slice(0, 40)} is not an integer >= ${min}; using ${dflt}`);
  return dflt;
}

/** Counters shared by all spans of a tracer. */
export class AttributeStats {
  dropped = 0; // over maxCount
  truncated = 0; // string longer than maxValueLength
  rejected = 0; // key not in the allowlist
  invalid = 0; // value of an unsupported type, or an empty key
}

/** A span or event name as exported, in-thread and off-thread alike: cut to maxValueLength, counted as truncated. */
export function boundName(s: string, policy: AttributePolicy, stats: AttributeStats): string {
  if (s.length <= policy.maxValueLength) return s;
  stats.truncated++;
  return truncate(s, policy.maxValueLength);
}

/** The first `max` UTF-16 units of `s`, one fewer when the cut would split a surrogate pair (a lone half is not text: \ud83d on the wire). */
export function truncate(s: string, max: number): string {
  const c = s.charCodeAt(max - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}

/**
 * Whether `v`, read off a span, may be a longer value that `truncate` cut: that leaves maxValueLength units, or one
 * fewer before a surrogate pair. The span does not say which, so a tenant of that length matches no route or rate:
 * `acme-shadow` cut to `acme` must not pass as tenant `acme` (the config validator refuses such tenant keys).
 */
export function mayBeCut(v: string, maxValueLength: number): boolean {
  return v.length >= maxValueLength - 1;
}

/**
 * Normalise a value for storage: returns the value to store, or undefined to drop it.
 * Strings longer than the limit are truncated (counted); arrays are copied (they may be mutated by the caller).
 * `kept` false: the caller drops the value over maxCount (counted there), so a cut is not counted: it was never recorded truncated.
 */
export function sanitizeValue(v: unknown, policy: AttributePolicy, stats: AttributeStats, kept = true): AttributeValue | undefined {
  switch (typeof v) {
    case 'string':
      if (v.length > policy.maxValueLength) {
        if (kept) stats.truncated++;
        return truncate(v, policy.maxValueLength);
      }
      return v;
    case 'number':
    case 'boolean':
      return v;
    case 'bigint':
      // OTLP int64, stored as the bigint (Number() would round past 2^53); outside int64 no exact intValue exists: dropped, counted.
      return v >= -9223372036854775808n && v <= 9223372036854775807n ? v : (stats.invalid++, undefined);
    case 'object':
      if (v === null) return undefined;
      if (Array.isArray(v)) {
        // a Proxy or an array with throwing getters must not throw into the host: invalid, counted
        try { return sanitizeArray(v, policy, stats, kept); } catch { stats.invalid++; return undefined; }
      }
      if (v instanceof Uint8Array) return v.length > policy.maxValueLength ? (kept && stats.truncated++, v.slice(0, policy.maxValueLength)) : v.slice();
  }
  stats.invalid++;
  return undefined;
}

function sanitizeArray(a: readonly unknown[], policy: AttributePolicy, stats: AttributeStats, kept: boolean): AttributeScalar[] | undefined {
  const out: AttributeScalar[] = [];
  const n = Math.min(a.length, policy.maxCount);
  let type = ''; // the one primitive type of the array (OTel common spec, Attribute: arrays are homogeneous)
  // truncations, counted only if the array is kept (a rejected one counts once, as invalid); maxCount 0 keeps no
  // attribute, so the caller drops it (counted there): not a truncation as well
  let cut = a.length > n && n > 0 ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const e = a[i];
    if (e == null) { out.push(null as unknown as AttributeScalar); continue; } // OTel allows null holes in arrays
    const ty = typeof e;
    if ((ty !== 'string' && ty !== 'number' && ty !== 'boolean') || (type !== '' && ty !== type)) { stats.invalid++; return undefined; }
    type = ty;
    if (ty === 'string' && (e as string).length > policy.maxValueLength) { cut++; out.push(truncate(e as string, policy.maxValueLength)); } else out.push(e as AttributeScalar);
  }
  if (kept) stats.truncated += cut;
  return out;
}

/**
 * Whether for…in over `o` lists only its own keys: true for object literals and null-prototype objects (V8 folds the
 * test to a constant at a call site that sees only those); otherwise the readers take ownAttributes' copy (Object.entries, as OTel).
 */
export function ownKeysOnly(o: object): boolean {
  // `__proto__` is a load V8 folds for a literal, getPrototypeOf a runtime call; an own "__proto__" key answers false: a copy
  const p = (o as { __proto__?: unknown }).__proto__;
  return p === Object.prototype || (p === undefined && Object.getPrototypeOf(o) === null);
}

/**
 * The own enumerable keys of `o` (but `skip`) in a null-prototype copy; a getter that throws stays one that throws (counted where
 * read). A Proxy trap that throws throws here: callers call it inside the try that counts it.
 */
export function ownAttributes(o: Attributes, skip?: string): Attributes {
  const out = Object.create(null) as Attributes;
  for (const k of Object.keys(o)) {
    if (k === skip) continue;
    const d = Object.getOwnPropertyDescriptor(o, k);
    if (d !== undefined) Object.defineProperty(out, k, d.get !== undefined ? { get: d.get.bind(o), enumerable: true } : { value: d.value, enumerable: true });
  }
  return out;
}


/**
 * Attributes for links and events: the span's allowlist and value length, their own count limit `maxCount`
 * (policy.maxEventAttributes / maxLinkAttributes); drops and cuts counted in `stats`.
 */
export function flattenAttributes(attributes: Attributes, policy: AttributePolicy, stats: AttributeStats, maxCount: number): unknown[] | null {
  const out: unknown[] = [];
  const allow = policy.allow;
  try {
    if (!ownKeysOnly(attributes)) attributes = ownAttributes(attributes); // inherited keys are not its attributes
    for (const k in attributes) {
      let v0: Attributes[string];
      try { v0 = attributes[k]; } catch { stats.invalid++; continue; } // a throwing getter: invalid, counted (as Span.setAttributes)
      if (v0 === undefined || v0 === null) continue; // skipped, as on spans: "no value", not an invalid one
      if (k.length === 0) { stats.invalid++; continue; }
      if (allow !== null && !allow(k)) { stats.rejected++; continue; }
      const kept = out.length < 2 * maxCount; // a dropped value counts once, as dropped, not also as truncated
      const v = sanitizeValue(v0, policy, stats, kept);
      if (v === undefined) continue;
      if (!kept) { stats.dropped++; continue; }
      out.push(k, v);
    }
  } catch { stats.invalid++; } // a Proxy whose keys cannot be listed
  return out.length ? out : null;
}

const unseen = new AttributeStats(); // startValue's reads count nowhere: copyInitial counts them once, for the span
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The value `key` will have on a span started with `attributes` under `policy` (Tracer.copyInitial's rules: nulls and
 * invalid values skipped, allowlist, value length cut, the first maxCount kept), undefined when the span will not hold
 * it. For a sampler that must read what routing reads off the ended span; not on the common path (it walks the keys).
 */
export function startValue(attributes: Attributes, key: string, policy: AttributePolicy): AttributeValue | undefined {
  const allow = policy.allow;
  let n = 0;
  try {
    // own keys in Object.keys order (for-in lists them first, in that order) without ownAttributes' copy: the http
    // adapter's start attributes are a class instance, and this runs at every root span start with per-tenant rates
    const own = ownKeysOnly(attributes);
    for (const k in attributes) {
      if (!own && !hasOwn.call(attributes, k)) continue;
      const v0 = attributes[k];
      if (v0 === undefined || v0 === null || k.length === 0 || (allow !== null && !allow(k))) continue;
      if (n >= policy.maxCount) return undefined; // full before `key` was reached: it is dropped too
      const v = sanitizeValue(v0, policy, unseen);
      if (v === undefined) continue;
      if (k === key) return v;
      n++;
    }
  } catch { /* a throwing getter or Proxy trap ends copyInitial's copy there too */ }
  return undefined;
}

