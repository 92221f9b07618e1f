// Properties of the traceparent parser: format∘parse identity, parse ⇔ an independent ABNF oracle on
// near-valid and arbitrary strings, never throws, and a differential check against OpenTelemetry JS.
//
// Intentional differences from OTel's W3CTraceContextPropagator (@opentelemetry/core 2.12.0), asserted
// below to be exactly these (any other disagreement fails the test):
//
// | id                         | input                                              | tracewire                      | OTel                              | spec                                                          |
// |----------------------------|----------------------------------------------------|--------------------------------|-----------------------------------|---------------------------------------------------------------|
// | ows-run                    | 2+ spaces/tabs before or after the value           | accepted                       | rejected (`^\s?` … `\s?$`)        | OWS = *(SP / HTAB), RFC 9110 §5.6.3; test.py test_traceparent_ows_handling sends '\t ' … ' \t' |
// | non-ows-whitespace         | \n \r \v \f NBSP BOM U+2028… at either end         | rejected                       | accepted (`\s`)                   | only SP/HTAB are OWS (RFC 9110 §5.6.3); the value grammar §3.2.2 has no other whitespace |
// | future-version-flags       | version ≠ 00 with unknown flag bits                | flags & (sampled|random)       | all 8 bits kept                   | §4.3 / §3.2.4: for a higher version parse only the known flags |
// | future-version-line-break  | version ≠ 00, extension fields with \n \r U+2028/9 | accepted                       | rejected (`.` stops at a line break) | §3.2.4: "MUST NOT parse or assume anything about unknown fields" |
// | duplicate-header           | two or more traceparent headers (array)            | rejected (restart the trace)   | first one used                    | test.py test_traceparent_duplicated                           |
// | oversized                  | longer than 512 chars (OWS and future fields included) | rejected, unscanned         | parsed                            | §3.2.4 sets no maximum; tracewire's bound (MAX_TRACEPARENT_CHARS): a queue header can be megabytes |
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ROOT_CONTEXT, defaultTextMapGetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { parseTraceparent, formatTraceparent, traceparentRejection } from '../src/traceparent.js';
import { extractContext } from '../src/propagation.js';
import { SpanContext } from '../src/span-context.js';
import { hex8, BYTE_HEX } from '../src/hex.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

// ---- the oracle: Trace Context §3.2.2 ABNF + §3.2.4 versioning + OWS, written independently as regexes
const HEX = '[0-9a-f]';
const OWS = '[ \\t]*';
const V00 = new RegExp(`^${OWS}00-(${HEX}{32})-(${HEX}{16})-(${HEX}{2})${OWS}$`);
const VNEXT = new RegExp(`^${OWS}(?!00|ff)(${HEX}{2})-(${HEX}{32})-(${HEX}{16})-(${HEX}{2})(-[^]*)?${OWS}$`);
function oracle(v: unknown): { traceId: string; spanId: string; flags: number } | null {
  if (Array.isArray(v)) return v.length === 1 ? oracle(v[0]) : null;
  if (typeof v !== 'string' || v.length > 512) return null; // tracewire's bound, not W3C's
  const m = V00.exec(v) ?? VNEXT.exec(v);
  if (m === null) return null;
  const [traceId, spanId, flagHex] = m[1]!.length === 32 ? [m[1]!, m[2]!, m[3]!] : [m[2]!, m[3]!, m[4]!];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return null;
  const flags = parseInt(flagHex, 16);
  return { traceId, spanId, flags: m[1]!.length === 32 ? flags : flags & 3 };
}

// ---- generators
const word = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const words = fc.tuple(word, word, word, word, word, word).filter(([a, b, c, d, e, f]) => (a | b | c | d) !== 0 && (e | f) !== 0);
const byte = fc.integer({ min: 0, max: 255 });
const version = fc.oneof(fc.constant(0), fc.constant(0), byte);
const validString = fc.tuple(version, words, byte, fc.constantFrom('', '-', '-x', '-what-the-future-will-be-like', '-0'.repeat(20))).map(([v, w, f, ext]) =>
  `${BYTE_HEX[v]}-${hex8(w[0])}${hex8(w[1])}${hex8(w[2])}${hex8(w[3])}-${hex8(w[4])}${hex8(w[5])}-${BYTE_HEX[f]}${v === 0 ? '' : ext}`);
const WS = [' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\ufeff', '\u2028', '\u2029', '\u3000'];
const odd = fc.constantFrom('-', ' ', '\t', '0', 'f', 'F', 'A', 'g', '.', '_', '\n', 'é', '\u0130', '\u0161', '\u012d', ...WS);
const zeros = (s: string, a: number, n: number): string => s.slice(0, a) + '0'.repeat(n) + s.slice(a + n);
/** Mutations of valid values: the edits a broken or hostile sender makes. */
const mutation = fc.oneof(
  fc.tuple(fc.nat(), odd).map(([p, c]) => (s: string) => { const i = p % (s.length + 1); return s.slice(0, i) + c + s.slice(i); }),
  fc.nat().map((p) => (s: string) => { const i = p % Math.max(1, s.length); return s.slice(0, i) + s.slice(i + 1); }),
  fc.tuple(fc.nat(), odd).map(([p, c]) => (s: string) => { const i = p % Math.max(1, s.length); return s.slice(0, i) + c + s.slice(i + 1); }),
  fc.nat().map((p) => (s: string) => { const i = p % Math.max(1, s.length); const ch = s[i] ?? ''; return s.slice(0, i) + (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase()) + s.slice(i + 1); }),
  fc.constant((s: string) => s.toUpperCase()),
  fc.constant((s: string) => 'ff' + s.slice(2)),
  fc.constant((s: string) => zeros(s, 3, 32)),
  fc.constant((s: string) => zeros(s, 36, 16)),
  fc.constantFrom('.', '-', '-xyz', '0', ' -x', '\t').map((t) => (s: string) => s + t),
  fc.tuple(fc.array(fc.constantFrom(...WS), { maxLength: 3 }), fc.array(fc.constantFrom(...WS), { maxLength: 3 })).map(([a, b]) => (s: string) => a.join('') + s + b.join('')),
  fc.nat(54).map((p) => (s: string) => s.slice(0, p) + s.slice(p + 1, p + 2) + s.slice(p, p + 1) + s.slice(p + 2)), // swap neighbours (moves dashes)
  fc.tuple(fc.integer({ min: 510, max: 514 }), fc.constantFrom(' ', '\t', 'x')).map(([n, c]) => (s: string) => s.padEnd(n, c)), // around the 512 bound
);
const nearValid = fc.tuple(validString, fc.array(mutation, { maxLength: 3 })).map(([s, ms]) => ms.reduce((acc, m) => m(acc), s));
const arbitrary = fc.oneof(fc.string({ maxLength: 70 }), fc.string({ unit: 'binary', maxLength: 70 }), fc.string({ unit: fc.constantFrom('0', 'a', 'f', '-', ' ', '\t', 'c', '1'), minLength: 50, maxLength: 70 }));
const anyInput = fc.oneof(nearValid, nearValid, arbitrary, fc.array(nearValid, { minLength: 0, maxLength: 3 }));

test('(1) format∘parse is the identity: words and known flags survive', () => {
  fc.assert(fc.property(words, byte, (w, f) => {
    const ctx = new SpanContext(w[0], w[1], w[2], w[3], w[4], w[5], f, false, null);
    const s = formatTraceparent(ctx);
    const back = parseTraceparent(s);
    assert.ok(back !== null, s);
    assert.equal([back!.t0, back!.t1, back!.t2, back!.t3, back!.s0, back!.s1, back!.traceFlags], [...w, f & 3]);
    assert.is(formatTraceparent(back!), s);
  }), { numRuns: RUNS });
});

test('(1) parse∘format is the identity on valid version-00 strings with known flags', () => {
  fc.assert(fc.property(words, fc.integer({ min: 0, max: 3 }), (w, f) => {
    const s = `00-${hex8(w[0])}${hex8(w[1])}${hex8(w[2])}${hex8(w[3])}-${hex8(w[4])}${hex8(w[5])}-0${f}`;
    assert.is(formatTraceparent(parseTraceparent(s)!), s);
  }), { numRuns: RUNS });
});

test('(2) parse accepts exactly the ABNF language (oracle), with the oracle\'s IDs and flags; never throws', () => {
  fc.assert(fc.property(anyInput, (v) => {
    const got = parseTraceparent(v as string);
    const want = oracle(v);
    assert.is(got !== null, want !== null, JSON.stringify(v));
    if (got !== null) assert.equal({ traceId: got.traceId, spanId: got.spanId, flags: got.traceFlags }, want, JSON.stringify(v));
    else assert.is.not(traceparentRejection(v), 'none', JSON.stringify(v));
  }), { numRuns: RUNS * 4 });
  fc.assert(fc.property(fc.anything(), (v) => {
    assert.is(parseTraceparent(v as string) !== null, oracle(v) !== null);
    assert.type(traceparentRejection(v), 'string');
  }), { numRuns: RUNS });
});

// ---- (4) differential against OpenTelemetry JS
type Outcome = { traceId: string; spanId: string; flags: number } | null;
const otel = new W3CTraceContextPropagator();
function otelExtract(v: unknown): Outcome {
  const sc = trace.getSpanContext(otel.extract(ROOT_CONTEXT, { traceparent: v }, defaultTextMapGetter));
  return sc === undefined ? null : { traceId: sc.traceId, spanId: sc.spanId, flags: sc.traceFlags };
}
function ourExtract(v: unknown): Outcome {
  const c = extractContext({ traceparent: v as string });
  return c === null ? null : { traceId: c.traceId, spanId: c.spanId, flags: c.traceFlags };
}
const isOws = (ch: string): boolean => ch === ' ' || ch === '\t';
const isJsSpace = (ch: string): boolean => /^\s$/.test(ch);
const LINE_BREAK = /[\n\r\u2028\u2029]/;

/** Which listed difference explains ours ≠ otel for input v (null: none does). */
function classify(v: unknown, ours: Outcome, theirs: Outcome): string | null {
  if (Array.isArray(v) && v.length === 1) return classify(v[0], ours, theirs);
  if (Array.isArray(v)) return v.length > 1 && ours === null && JSON.stringify(theirs) === JSON.stringify(otelExtract(v[0])) ? 'duplicate-header' : null;
  if (typeof v !== 'string') return null;
  if (ours === null && theirs !== null && v.length > 512) return 'oversized';
  if (ours !== null && theirs !== null) {
    const future = v.trim().slice(0, 2) !== '00';
    return future && ours.traceId === theirs.traceId && ours.spanId === theirs.spanId && ours.flags === (theirs.flags & 3) ? 'future-version-flags' : null;
  }
  const first = v[0] ?? '';
  const last = v[v.length - 1] ?? '';
  if (ours !== null) { // we accept, OTel rejects
    const lead = v.length - v.replace(/^[ \t]+/, '').length;
    const trail = v.length - v.replace(/[ \t]+$/, '').length;
    if (lead >= 2 || trail >= 2) return 'ows-run';
    if (v.trim().slice(0, 2) !== '00' && LINE_BREAK.test(v.slice(v.indexOf('-') + 53))) return 'future-version-line-break';
    return null;
  }
  // OTel accepts, we reject
  return (isJsSpace(first) && !isOws(first)) || (isJsSpace(last) && !isOws(last)) ? 'non-ows-whitespace' : null;
}

const LISTED = ['ows-run', 'non-ows-whitespace', 'future-version-flags', 'future-version-line-break', 'duplicate-header', 'oversized'];
const T = '12345678901234567890123456789012';
const S = '1234567890123456';
/** One known instance of each listed difference, so every row of the table is shown to exist. */
const EXAMPLES: [unknown, string][] = [
  [`\t 00-${T}-${S}-01 \t`, 'ows-run'],
  [`\n00-${T}-${S}-01`, 'non-ows-whitespace'],
  [`00-${T}-${S}-01\u00a0`, 'non-ows-whitespace'],
  [`cc-${T}-${S}-ff`, 'future-version-flags'],
  [`cc-${T}-${S}-01-a\nb`, 'future-version-line-break'],
  [[`00-${T}-${S}-01`, `00-${T}-${S}-00`], 'duplicate-header'],
  [`cc-${T}-${S}-01-${'x'.repeat(500)}`, 'oversized'],
];

test('(4) differential vs OTel W3CTraceContextPropagator: the disagreements are exactly the listed ones', () => {
  const seen = new Map<string, number>();
  const check = (v: unknown, expected?: string): void => {
    const ours = ourExtract(v);
    const theirs = otelExtract(v);
    if (JSON.stringify(ours) === JSON.stringify(theirs)) {
      if (expected !== undefined) assert.unreachable(`example for ${expected} does not differ: ${JSON.stringify(v)}`);
      return;
    }
    const why = classify(v, ours, theirs);
    if (why === null) assert.unreachable(`unlisted difference for ${JSON.stringify(v)}: tracewire ${JSON.stringify(ours)} otel ${JSON.stringify(theirs)}`);
    if (expected !== undefined) assert.is(why, expected, JSON.stringify(v));
    seen.set(why!, (seen.get(why!) ?? 0) + 1);
  };
  for (const [v, why] of EXAMPLES) check(v, why);
  fc.assert(fc.property(anyInput, (v) => { check(v); }), { numRuns: RUNS * 4 });
  assert.equal([...seen.keys()].sort(), [...LISTED].sort());
  // the harness cases where the two agree stay agreed (test.py: 0x00 trailing data, 0xcc, ff, zeros)
  for (const v of [`00-${T}-${S}-01.`, `cc-${T}-${S}-01-what-the-future-will-be-like`, `ff-${T}-${S}-01`, `00-${'0'.repeat(32)}-${S}-01`, ` 00-${T}-${S}-01`]) {
    assert.equal(ourExtract(v), otelExtract(v), v);
  }
});

test.run();
