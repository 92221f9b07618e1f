// Validator: walks a parsed JSON value against the tables in schema-keys.ts, then checks what tables
// cannot say (references between sections). Collects every problem with its JSON path; never throws.
import { isIP } from 'node:net';
import type { ConfigProblem } from './errors.js';
import { redactUrl } from '../otlp-env.js';
import { crossChecks } from './cross-checks.js';
import type { RulesInForce } from './tenant-rules.js';
import { FORMAT_PATTERNS, FORMAT_TEXT, rootSpec, type ArraySpec, type Format, type MapSpec, type ObjectSpec, type Spec, type StringSpec, type TaggedSpec, type UnionSpec } from './schema-keys.js';

/** Enough to fix a file in one go; more is noise (and bounds the work on garbage input). */
export const MAX_PROBLEMS = 50;

const patterns: Partial<Record<Format, RegExp>> = {};
for (const k of Object.keys(FORMAT_PATTERNS) as Format[]) patterns[k] = new RegExp(FORMAT_PATTERNS[k]!);

export const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
export { setOwn } from '../own-keys.js';
export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `$.a.b["x-y"][0]`: dotted when the key is an identifier, bracketed (JSON string) otherwise. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  let ident = key.length > 0 && key.length <= 64;
  for (let i = 0; ident && i < key.length; i++) {
    const c = key.charCodeAt(i);
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
    ident = alpha || (i > 0 && c >= 48 && c <= 57);
  }
  return ident ? `${path}.${key}` : `${path}[${JSON.stringify(key.length > 64 ? key.slice(0, 64) + '…' : key)}]`;
}

/** Optimal-string-alignment distance (a transposition costs 1: "endpiont" → "endpoint"). */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return 99;
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) { d.push([i]); }
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate, if close enough to be a plausible typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lw = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === lw ? 0 : editDistance(lw, c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  if (best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3))) return best;
  // "otlphttp" → "otlp", "traceId" → "traceIdHeader": one contains the other
  if (lw.length >= 3) for (const c of candidates) if (lw.startsWith(c.toLowerCase()) || c.toLowerCase().startsWith(lw)) return c;
  return undefined;
}

export function suggest(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c !== undefined ? `; did you mean "${c}"?` : '';
}

export const listOf = (xs: readonly string[]): string => (xs.length ? xs.map((x) => JSON.stringify(x)).join(', ') : '(none)');

/** What the value is, for "got ..." (a sensitive value is described by its type only). */
export function describeValue(v: unknown, sensitive = false): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'string': return sensitive ? 'a string' : `${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)} (a string)`;
    case 'number': return sensitive ? 'a number' : String(v);
    case 'boolean': return sensitive ? 'a boolean' : String(v);
    case 'object': return 'an object';
    default: return typeof v;
  }
}

export function expectation(s: Spec): string {
  switch (s.t) {
    case 'object': return s.hint ?? 'an object';
    case 'map': case 'tagged': return 'an object';
    case 'boolean': return s.const !== undefined ? String(s.const) : 'true or false';
    case 'integer': return `an integer from ${s.min} to ${s.max}`;
    case 'number': return s.min !== undefined && s.max !== undefined ? `a number from ${s.min} to ${s.max}` : 'a number';
    case 'array': return `a list (each ${expectation(s.items)})`;
    case 'union': return s.of.map(expectation).join(' or ');
    case 'string': {
      let e = s.enum ? `one of ${listOf(s.enum)}` : s.format ? FORMAT_TEXT[s.format] : 'a string';
      if (s.nullable) e += ' or null';
      return e;
    }
  }
}

const jsonKind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const specKind = (s: Spec): string => (s.t === 'object' || s.t === 'map' || s.t === 'tagged' ? 'object' : s.t === 'integer' ? 'number' : s.t === 'array' ? 'array' : s.t === 'union' ? 'union' : s.t);

export class Walker {
  readonly problems: ConfigProblem[] = [];

  add(path: string, message: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ path, message });
  }

  /** `sensitive`: `v` is (part of) a header value: messages give the path and the expected type, never the value. */
  check(v: unknown, s: Spec, path: string, sensitive = false): void {
    switch (s.t) {
      case 'object': return this.object(v, s, path, sensitive);
      case 'map': return this.map(v, s, path, sensitive);
      case 'tagged': return this.tagged(v, s, path, sensitive);
      case 'union': return this.union(v, s, path, sensitive);
      case 'array': return this.array(v, s, path, sensitive);
      case 'string': return this.string(v, s, path, sensitive || s.sensitive === true);
      case 'boolean':
        if (typeof v !== 'boolean' || (s.const !== undefined && v !== s.const)) this.add(path, `expected ${expectation(s)}, got ${describeValue(v, sensitive)}`);
        return;
      case 'integer': case 'number': {
        const ok = typeof v === 'number' && Number.isFinite(v) && (s.t === 'number' || Number.isInteger(v)) && (s.min === undefined || v >= s.min) && (s.max === undefined || v <= s.max);
        if (!ok) this.add(path, `expected ${expectation(s)}, got ${describeValue(v, sensitive)}`);
      }
    }
  }

  object(v: unknown, s: ObjectSpec, path: string, sensitive = false): void {
    if (!isPlainObject(v)) { this.add(path, `expected ${expectation(s)}, got ${describeValue(v, sensitive)}`); return; }
    const known = Object.keys(s.keys);
    for (const k of Object.keys(v)) {
      if (hasOwn(s.keys, k)) this.check(v[k], s.keys[k]!, childPath(path, k), sensitive);
      // inside a header value an unknown key may be a pasted token: reported at the parent, not named
      else if (sensitive) this.add(path, `unknown key (not shown: it is inside a header value)${suggest(k, known)} (allowed here: ${known.join(', ')})`);
      else this.add(childPath(path, k), `unknown key${suggest(k, known)} (allowed here: ${known.join(', ')})`);
    }
    for (const r of s.required ?? []) if (!hasOwn(v, r)) this.add(path, `missing required key "${r}" (${expectation(s.keys[r]!)})`);
  }

  map(v: unknown, s: MapSpec, path: string, sensitive = false): void {
    if (!isPlainObject(v)) { this.add(path, `expected an object, got ${describeValue(v, sensitive)}`); return; }
    const keys = Object.keys(v);
    if (keys.length > s.maxKeys) { this.add(path, `too many entries: ${keys.length}, at most ${s.maxKeys} allowed`); return; }
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const hideBad = sensitive || s.hideBadKeys === true;
      const problem = stringProblem(k, s.key, hideBad);
      // a bad header name is often a whole "Authorization: Bearer <token>" line: its problems are reported at the map
      const p = sensitive || (problem !== null && hideBad) ? path : childPath(path, k);
      if (problem !== null) this.add(p, `invalid key${hideBad && !sensitive ? ` (key ${i + 1} of ${keys.length}, not shown: it may hold a pasted header value)` : ''}: ${problem}`);
      this.check(v[k], s.value, p, sensitive);
    }
  }

  tagged(v: unknown, s: TaggedSpec, path: string, sensitive = false): void {
    if (!isPlainObject(v)) { this.add(path, `expected an object, got ${describeValue(v, sensitive)}`); return; }
    const names = Object.keys(s.variants);
    const tag = v[s.tag];
    if (!hasOwn(v, s.tag)) { this.add(path, `missing required key "${s.tag}" (one of ${listOf(names)})`); return; }
    if (typeof tag !== 'string' || !hasOwn(s.variants, tag)) {
      const hint = typeof tag === 'string' ? suggest(tag, names) : '';
      this.add(childPath(path, s.tag), `unknown ${s.tag} ${describeValue(tag, sensitive)}${hint} (allowed: ${listOf(names)})`);
      return;
    }
    this.object(v, s.variants[tag]!, path, sensitive);
  }

  union(v: unknown, s: UnionSpec, path: string, sensitive: boolean): void {
    const k = jsonKind(v);
    for (const alt of s.of) {
      const ak = specKind(alt);
      if (ak === k) return this.check(v, alt, path, sensitive || s.sensitive === true);
      if (alt.t === 'string' && alt.nullable && k === 'null') return;
    }
    this.add(path, `expected ${expectation(s)}, got ${describeValue(v, sensitive || s.sensitive === true)}`);
  }

  array(v: unknown, s: ArraySpec, path: string, sensitive = false): void {
    if (!Array.isArray(v)) { this.add(path, `expected ${expectation(s)}, got ${describeValue(v, sensitive)}`); return; }
    if (v.length > s.maxItems) { this.add(path, `too many items: ${v.length}, at most ${s.maxItems} allowed`); return; }
    if (s.minItems !== undefined && v.length < s.minItems) this.add(path, `expected at least ${s.minItems} item(s), got none`);
    const seen = new Map<unknown, number>();
    for (let i = 0; i < v.length; i++) {
      this.check(v[i], s.items, childPath(path, i), sensitive);
      if (!s.unique || typeof v[i] === 'object') continue;
      const first = seen.get(v[i]);
      if (first !== undefined) this.add(childPath(path, i), `duplicate ${describeValue(v[i], sensitive)} (already at [${first}])`);
      else seen.set(v[i], i);
    }
  }

  string(v: unknown, s: StringSpec, path: string, sensitive: boolean): void {
    if (v === null && s.nullable) return;
    if (typeof v !== 'string') { this.add(path, `expected ${expectation(s)}, got ${describeValue(v, sensitive)}`); return; }
    const problem = stringProblem(v, s, sensitive);
    if (problem !== null) this.add(path, problem);
  }
}

/** Characters (code points) in `s`: JSON Schema's unit for minLength / maxLength (validation §6.3), so an editor and the validator agree. */
export function charCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) { const d = s.charCodeAt(i + 1); if (d >= 0xdc00 && d <= 0xdfff) { n--; i++; } }
  }
  return n;
}

/** Why a string does not fit its spec, or null. A sensitive string is never shown, not even its length. */
export function stringProblem(v: string, s: StringSpec, sensitive = s.sensitive === true): string | null {
  // A URL may carry user:password@ or a token in its query: show only origin + path.
  const got = sensitive ? '' : s.format === 'url' ? `, got ${JSON.stringify(redactUrl(v))}` : `, got ${describeValue(v)}`;
  if (s.enum && !s.enum.includes(v)) return `expected one of ${listOf(s.enum)}${suggest(v, s.enum)}${got}`;
  const n = s.minLength !== undefined || s.maxLength !== undefined ? charCount(v) : 0;
  if (s.minLength !== undefined && n < s.minLength) return `expected at least ${s.minLength} character(s)${got}`;
  if (s.maxLength !== undefined && n > s.maxLength) return `expected at most ${s.maxLength} characters${sensitive ? '' : `, got ${n}`}`;
  if (s.format === 'url') { const u = urlProblem(v); if (u !== null) return `expected ${FORMAT_TEXT.url}: ${u}`; }
  if (s.format !== undefined && !formatOk(v, s.format)) return `expected ${FORMAT_TEXT[s.format]}${got}`;
  return null;
}

/** What is wrong with a URL, without repeating it (it may hold credentials). */
export function urlProblem(v: string): string | null {
  let u: URL;
  try { u = new URL(v); } catch { return 'not a valid absolute URL'; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `scheme ${JSON.stringify(u.protocol.slice(0, 20))} is not supported`;
  if (u.username !== '' || u.password !== '') return 'it contains user:password@ (put credentials in headers, with valueFrom a Secret file)';
  if (!v.startsWith(u.protocol + '//')) return 'write the scheme in lower case';
  return null;
}

function noControl(v: string, allowTab: boolean): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && !(allowTab && c === 9)) || c === 0x7f) return false;
  }
  return true;
}

export function formatOk(v: string, f: Format): boolean {
  const re = patterns[f];
  if (re !== undefined && !re.test(v)) return false;
  switch (f) {
    case 'url': return urlProblem(v) === null;
    case 'cidr': {
      const i = v.indexOf('/');
      if (i <= 0) return false;
      const ip = isIP(v.slice(0, i));
      const bits = v.slice(i + 1);
      const n = bits.length > 0 && bits.length <= 3 && /^[0-9]+$/.test(bits) ? Number(bits) : -1;
      return ip !== 0 && n >= 0 && n <= (ip === 4 ? 32 : 128);
    }
    case 'attr-key': return v.length > 0 && noControl(v, false);
    case 'attr-pattern': { const star = v.indexOf('*'); return v.length > 0 && noControl(v, false) && (star === -1 || star === v.length - 1); }
    case 'header-value': return noControl(v, true);
    default: return true;
  }
}

/**
 * Structure (tables) then cross-references; problems in document order per pass. `inForce`: the limits and tenant
 * header rule the tracer applies (tracerFromConfig), which tenants are checked against instead of the file's own.
 */
export function validateConfig(value: unknown, inForce?: RulesInForce): ConfigProblem[] {
  const w = new Walker();
  try {
    w.check(value, rootSpec, '$');
    if (w.problems.length === 0) crossChecks(value as Record<string, unknown>, w, inForce);
  } catch (e) {
    // A bug here must not take the host down: report it as a problem at the root.
    w.add('$', `validator error: ${(e as Error)?.message ?? String(e)}`);
  }
  return w.problems;
}
