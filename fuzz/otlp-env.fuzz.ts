// Properties of the OTEL_EXPORTER_OTLP_* parsers (src/otlp-env.ts): the HEADERS list (W3C-baggage-like,
// percent-decoded) ⇔ an oracle with its own percent-decoder (RFC 3986 §2.1 + UTF-8 via a fatal TextDecoder) and
// the RFC 9110 token / field-value grammars as regexes, plus an encode → parse round trip; integer variables
// (timeouts: 0 = no limit) ⇔ a BigInt oracle; TRACES_ over generic precedence; redactUrl never keeps userinfo, query, fragment;
// the unread-variables warning names exactly the set, ignored ones (otel-env-unread.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { parseHeaders, intVar, otlpFromEnv, bspFromEnv, redactUrl, MAX_TIMER_MS } from '../src/otlp-env.js';
import { unreadOtelEnv } from '../src/otel-env-unread.js';
import { envValue } from '../src/env-value.js';
import type { TracerOptions } from '../src/tracer-options.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

// ---- oracle: RFC 9110 §5.6.2 token, §5.5 field-value (obs-text as Latin-1 code units, as node:http sends them)
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** ECMAScript WhiteSpace + LineTerminator: the set the spec-less "trim" of an env var strips. */
const WS = /^\s+|\s+$/g;
function pctDecode(s: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') { for (const b of Buffer.from(s[i]!, 'utf8')) bytes.push(b); continue; }
    const h = s.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(h)) return null;
    bytes.push(parseInt(h, 16));
    i += 2;
  }
  // a lone surrogate in the raw text: Buffer writes U+FFFD, decodeURIComponent refuses it
  if (/[\ud800-\udfff]/u.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) return null;
  try { return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(bytes)); } catch { return null; }
}
function oracle(v: string): { out: Record<string, string>; bad: number[] } {
  const out: Record<string, string> = {};
  const bad: number[] = [];
  v.split(',').forEach((m, i) => {
    if (m.replace(WS, '') === '') return;
    const eq = m.indexOf('=');
    const k = eq > 0 ? pctDecode(m.slice(0, eq).replace(WS, '')) : null;
    const val = eq > 0 ? pctDecode(m.slice(eq + 1).replace(WS, '')) : null;
    if (k === null || val === null || !TOKEN.test(k) || !FIELD_VALUE.test(val)) { bad.push(i + 1); return; }
    out[k.toLowerCase()] = val;
  });
  return { out, bad };
}

// ---- generators: members from the grammar's pieces, with percent-escapes good and bad, and near misses
const piece = fc.constantFrom('a', 'B', 'x-y', '0', '_', '=', ' ', '\t', '%20', '%3D', '%2C', '%', '%g1', '%C3%A9', '%C3', '%FF', '%0A', '%0a',
  'é', '\u00a0', '\n', '\u2028', '\ud83d\ude00', '\ud800', 'Bearer ', 'tok.en', '"', ';', ':', '/', '~');
const member = fc.array(piece, { maxLength: 6 }).map((xs) => xs.join(''));
const list = fc.array(member, { maxLength: 6 }).map((ms) => ms.join(','));
const anyList = fc.oneof(list, list, fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));

test('OTEL_EXPORTER_OTLP_HEADERS: parse ⇔ the oracle (values, lowercased keys, last wins); bad members warned by position only; never throws', () => {
  fc.assert(fc.property(anyList, (v) => {
    const warns: string[] = [];
    const got = parseHeaders(v, 'H', (m) => warns.push(m));
    const want = oracle(v);
    assert.equal({ ...got }, want.out, JSON.stringify(v));
    assert.equal(warns, want.bad.map((i) => `H: member #${i} is not a valid key=value pair; ignored`), JSON.stringify(v));
  }), { numRuns: RUNS * 3 });
});

test('OTEL_EXPORTER_OTLP_HEADERS: round trip: any token → field-value map, percent-encoded and joined with OWS, parses back', () => {
  const key = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/);
  const val = fc.string({ unit: fc.constantFrom('a', 'Z', '9', ' ', '\t', '=', ',', '%', ';', '"', 'é', 'ÿ', '~', '/', '+'), maxLength: 16 });
  const ows = fc.constantFrom('', ' ', '\t', ' \t ');
  fc.assert(fc.property(fc.array(fc.tuple(key, val, ows, ows), { maxLength: 8 }), (entries) => {
    const text = entries.map(([k, v, a, b]) => a + encodeURIComponent(k) + b + '=' + a + encodeURIComponent(v) + b).join(',');
    const want: Record<string, string> = {};
    for (const [k, v] of entries) want[k.toLowerCase()] = v;
    const warns: string[] = [];
    assert.equal({ ...parseHeaders(text, 'H', (m) => warns.push(m)) }, want, text);
    assert.equal(warns, []);
  }), { numRuns: RUNS });
});

test('warnings never carry a header value', () => {
  fc.assert(fc.property(fc.array(fc.constantFrom('k=SECRET%zz', '=SECRET', 'SECRET', 'bad key=SECRET', 'k=SECRET\u0100', 'k=%00SECRET'), { minLength: 1, maxLength: 4 }), (ms) => {
    const warns: string[] = [];
    parseHeaders(ms.join(','), 'OTEL_EXPORTER_OTLP_HEADERS', (m) => warns.push(m));
    assert.is(warns.length, ms.length);
    for (const w of warns) assert.not.ok(w.includes('SECRET'), w);
  }), { numRuns: RUNS });
});

// ---- integer variables: digits only (after trimming), 0 only when allowed, past `max` clamped, unsafe ignored
function intOracle(v: string | undefined, allowZero: boolean, max: number): number | undefined {
  if (v === undefined) return undefined;
  const t = v.replace(WS, '');
  if (t === '' || !/^[0-9]+$/.test(t)) return undefined;
  const n = BigInt(t);
  if (max !== Infinity && n > BigInt(max)) return max;
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || (n === 0n && !allowZero)) return undefined;
  return Number(n);
}
const intText = fc.oneof(
  fc.nat().map(String),
  fc.bigInt({ min: 0n, max: 10n ** 22n }).map(String),
  fc.constantFrom('', ' ', '0', '00', '007', ' 5 ', '\t10\n', '1e3', '0x10', '-1', '+1', '1.0', '1_000', '２', 'Infinity', String(MAX_TIMER_MS), String(MAX_TIMER_MS + 1), '9007199254740992'),
  fc.string({ unit: fc.constantFrom('0', '1', '9', ' ', '.', '-', 'e'), maxLength: 6 }),
);

test('integer variables ⇔ a BigInt oracle (clamp past max, zero only when allowed); a warning for each ignored or clamped value', () => {
  fc.assert(fc.property(fc.option(intText, { nil: undefined }), fc.boolean(), fc.constantFrom(Infinity, MAX_TIMER_MS, 1000), (v, allowZero, max) => {
    const warns: string[] = [];
    const got = intVar({ X: v }, 'X', (m) => warns.push(m), allowZero, max);
    const want = intOracle(v, allowZero, max);
    assert.is(got, want, JSON.stringify([v, allowZero, max]));
    const silent = v === undefined || v.replace(WS, '') === '' || (want !== undefined && want !== max) || (want === max && BigInt(v.replace(WS, '')) === BigInt(max));
    assert.is(warns.length, silent ? 0 : 1, JSON.stringify([v, warns]));
  }), { numRuns: RUNS * 2 });
});

/** A Timeout variable (SDK env spec "Timeout"): an integer as above, zero allowed and meaning no limit (MAX_TIMER_MS). */
const timeoutOracle = (v: string | undefined): number | undefined => { const n = intOracle(v, true, MAX_TIMER_MS); return n === 0 ? MAX_TIMER_MS : n; };

test('timeout and compression: the TRACES_ variable wins when valid, else the generic one; a timeout of 0 is no limit', () => {
  const comp = fc.constantFrom(undefined, '', 'gzip', 'GZIP', ' none ', 'zstd', 'br');
  const compOracle = (v: string | undefined) => { const t = v?.replace(WS, '').toLowerCase(); return t === 'gzip' || t === 'none' ? t : undefined; };
  fc.assert(fc.property(fc.option(intText, { nil: undefined }), fc.option(intText, { nil: undefined }), comp, comp, (tt, gt, tc, gc) => {
    const o = otlpFromEnv({ OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: tt, OTEL_EXPORTER_OTLP_TIMEOUT: gt, OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: tc, OTEL_EXPORTER_OTLP_COMPRESSION: gc }, () => {});
    assert.is(o.timeoutMs, timeoutOracle(tt) ?? timeoutOracle(gt));
    assert.is(o.compression, compOracle(tc) ?? compOracle(gc));
    assert.is(bspFromEnv({ OTEL_BSP_EXPORT_TIMEOUT: tt }, () => {}).exportTimeoutMillis, timeoutOracle(tt));
  }), { numRuns: RUNS });
});

test('redactUrl never keeps userinfo, query or fragment, and keeps the path of an http(s) URL', () => {
  const host = fc.constantFrom('collector', 'h.example:4318', '[::1]:4318', '127.0.0.1');
  const path = fc.array(fc.constantFrom('v1', 'traces', 'a b', 'é', '%2F', ''), { maxLength: 3 }).map((xs) => '/' + xs.join('/'));
  const secret = fc.constantFrom('SECRET', 'SECRET@x', 'SECRET:pw', 'SECRET/x');
  fc.assert(fc.property(fc.constantFrom('http', 'https', 'HTTP', 'grpc', 'localhost'), fc.option(secret, { nil: undefined }), host, path, fc.option(secret, { nil: undefined }), fc.option(secret, { nil: undefined }), (scheme, user, h, p, q, f) => {
    const url = `${scheme}://${user !== undefined ? encodeURIComponent(user) + '@' : ''}${h}${p}${q !== undefined ? '?' + q : ''}${f !== undefined ? '#' + f : ''}`;
    const got = redactUrl(url);
    assert.not.ok(got.includes('SECRET'), `${url} -> ${got}`);
    if (/^https?$/i.test(scheme)) assert.is(got, new URL(`${scheme}://${h}${p}`).href, url);
  }), { numRuns: RUNS });
});

test('envValue: what process.env would store (String), trimmed, empty = unset; a number reads as its string would', () => {
  const raw = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(' ', '\t\n', ' 5 '), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined));
  fc.assert(fc.property(raw, (v) => {
    const env = { X: v } as unknown as Record<string, string>;
    const t = v === null || v === undefined ? '' : String(v).replace(WS, '');
    assert.is(envValue(env, 'X'), t === '' ? undefined : t, JSON.stringify(v));
    assert.is(intVar(env, 'X', () => {}, true), intVar({ X: v === null || v === undefined ? undefined : String(v) }, 'X', () => {}, true));
  }), { numRuns: RUNS });
});

// ---- the unread OTEL_* warning: exactly the variables set (non-blank) that no API reads, unless the value asks for
// tracewire's own behaviour; under createTracer also tracerFromConfig's, unless the matching option is given
const NEVER = ['OTEL_PROPAGATORS', 'OTEL_LOG_LEVEL', 'OTEL_CONFIG_FILE', 'OTEL_EXPERIMENTAL_CONFIG_FILE'];
const CONFIG_ONLY: Record<string, (o: TracerOptions) => boolean> = {
  OTEL_TRACES_SAMPLER: (o) => o.sampler !== undefined,
  OTEL_TRACES_EXPORTER: (o) => o.exporter !== undefined || o.processor !== undefined,
  OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: (o) => o.attributes?.maxCount !== undefined,
  OTEL_ATTRIBUTE_COUNT_LIMIT: (o) => o.attributes?.maxCount !== undefined,
  OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: (o) => o.attributes?.maxValueLength !== undefined,
  OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: (o) => o.attributes?.maxValueLength !== undefined,
  OTEL_SPAN_EVENT_COUNT_LIMIT: (o) => o.attributes?.maxEvents !== undefined,
  OTEL_SPAN_LINK_COUNT_LIMIT: (o) => o.attributes?.maxLinks !== undefined,
  OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: (o) => o.attributes?.maxEventAttributes !== undefined,
  OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: (o) => o.attributes?.maxLinkAttributes !== undefined,
};
const READ = ['OTEL_SDK_DISABLED', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES', 'OTEL_BSP_SCHEDULE_DELAY', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTEL_TRACES_SAMPLER_ARG'];
const OTHERS = ['OTEL_METRICS_EXPORTER', 'OTEL_LOGS_EXPORTER', 'OTEL_BLRP_SCHEDULE_DELAY', 'OTEL_SEMCONV_STABILITY_OPT_IN', 'OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS', 'OTEL_EXPORTER_OTLP_INSECURE', 'OTEL_NODE_RESOURCE_DETECTORS'];
const quiet = (name: string, v: string): boolean => {
  if (name === 'OTEL_PROPAGATORS') return v.split(',').every((p) => ['', 'tracecontext'].includes(p.replace(WS, '').toLowerCase()));
  return false;
};

test('unread OTEL_* warning: names exactly the ignored variables that are set; null when none; never throws', () => {
  const names = fc.constantFrom(...NEVER, ...Object.keys(CONFIG_ONLY), ...READ, ...OTHERS);
  const val = fc.oneof(fc.constantFrom('', ' ', '\t', 'true', 'TRUE', 'false', 'False', ' false ', 'tracecontext', 'TraceContext, ', 'tracecontext,baggage', 'b3', 'none', ',', '0', '5'), fc.string({ maxLength: 8 }));
  const opts = fc.record({ sampler: fc.boolean(), exporter: fc.boolean(), processor: fc.boolean(), maxCount: fc.boolean(), maxValueLength: fc.boolean(), maxEvents: fc.boolean(), maxLinks: fc.boolean(), maxEventAttributes: fc.boolean(), maxLinkAttributes: fc.boolean() });
  fc.assert(fc.property(fc.dictionary(names, fc.option(val, { nil: undefined }), { maxKeys: 8 }), fc.option(opts, { nil: null }), (env, g) => {
    const o: TracerOptions | null = g === null ? null : {
      ...(g.sampler ? { sampler: {} as TracerOptions['sampler'] } : {}), ...(g.exporter ? { exporter: [] } : {}), ...(g.processor ? { processor: {} as TracerOptions['processor'] } : {}),
      attributes: { ...(g.maxCount ? { maxCount: 1 } : {}), ...(g.maxValueLength ? { maxValueLength: 1 } : {}), ...(g.maxEvents ? { maxEvents: 1 } : {}), ...(g.maxLinks ? { maxLinks: 1 } : {}), ...(g.maxEventAttributes ? { maxEventAttributes: 1 } : {}), ...(g.maxLinkAttributes ? { maxLinkAttributes: 1 } : {}) },
    };
    const isSet = (n: string) => env[n] !== undefined && env[n]!.replace(WS, '') !== '';
    const want = [...NEVER.filter((n) => isSet(n) && !quiet(n, env[n]!.replace(WS, ''))), ...(o === null ? [] : Object.keys(CONFIG_ONLY).filter((n) => isSet(n) && !CONFIG_ONLY[n]!(o)))];
    const line = unreadOtelEnv(env, o);
    const named = line === null ? [] : [...line.matchAll(/OTEL_[A-Z_]+/g)].map((m) => m[0]);
    assert.equal([...new Set(named)].sort(), [...want].sort(), JSON.stringify([env, g, line]));
    assert.is(line === null, want.length === 0);
  }), { numRuns: RUNS * 2 });
});

test.run();
