// Properties of tracestate: parse ⇔ an independent ABNF oracle, round trip, count and size limits,
// set/delete invariants, and a differential check against OpenTelemetry JS's TraceState.
//
// Intentional differences from OTel (@opentelemetry/core 2.12.0 W3CTraceContextPropagator + TraceState,
// compared after a forced parse), asserted below to be exactly these (any other disagreement fails):
//
// | id                  | input                                                  | tracewire                               | OTel                                        | spec                                                            |
// |---------------------|--------------------------------------------------------|-----------------------------------------|---------------------------------------------|-----------------------------------------------------------------|
// | invalid-member      | any member breaking the key/value grammar, incl. non-SP/HTAB whitespace around it | whole header discarded | that member skipped, the rest kept (String.trim() also strips \n, NBSP…) | §4.3 "MAY discard the entire header"; test.py test_tracestate_key_illegal_characters / _value_illegal_characters expect discard |
// | too-many-members    | more than 32 list members                              | whole header discarded                  | first 32 valid members kept                 | §3.3.1.2 (max 32); test.py test_tracestate_member_count_limit expects discard |
// | level2-key          | keys valid in Level 2 only: `1abc`, `foo@`, `a@b@c`, tenant > 241 or system > 14 chars | kept          | member skipped (Level 1 regex)              | Level 2 §3.3.1.3.1 key = (lcalpha / DIGIT) 0*255(keychar), keychar includes "@" |
// | duplicate-key       | a key repeated with different values                   | first (left-most) entry kept            | first position, last value                  | §3.5 + w3c/trace-context#477: receivers MAY drop duplicates; left-most is the most recent |
// | too-long            | longer than 16447 chars (repeated headers joined), only possible with OWS padding or over a limit | whole header discarded, unscanned | members kept up to 512 chars | tracewire's bound (MAX_TRACESTATE_INPUT: 32 members of the longest key and value); a queue header can be megabytes |
// | truncation          | more than 512 chars after parsing (OTel measures before collapsing repeated keys) | drop entries > 128 chars first (right-most first), then from the right | skip, left to right, any member that would overflow 512 | §3.3.1.5 tracestate limits |
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ROOT_CONTEXT, defaultTextMapGetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { parseTracestate, tracestateRejection, TraceState, EMPTY_TRACESTATE, MAX_MEMBERS } from '../src/tracestate.js';
import { truncateTracestate } from '../src/tracestate-truncate.js';
import { extractContext } from '../src/propagation.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

// ---- the oracle, straight from the Level 2 ABNF (§3.3.1.2 list, §3.3.1.3.1 key, §3.3.1.3.2 value), with regexes
const KEY = /^[a-z0-9][a-z0-9_\-*/@]{0,255}$/;
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const L1_KEY = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
type Entries = [string, string][];
function joined(v: unknown): string | null {
  if (Array.isArray(v)) return v.length > 0 && v.every((x) => typeof x === 'string') ? v.join(',') : null;
  return typeof v === 'string' ? v : null;
}
/** Non-empty members with OWS (SP/HTAB only) stripped. */
const members = (s: string): string[] => s.split(',').map((m) => m.replace(/^[ \t]+|[ \t]+$/g, '')).filter((m) => m !== '');
const split = (m: string): [string, string] | null => { const i = m.indexOf('='); return i < 0 ? null : [m.slice(0, i), m.slice(i + 1)]; };
const validMember = (m: string): boolean => { const kv = split(m); return kv !== null && KEY.test(kv[0]) && VALUE.test(kv[1]); };
function oracle(v: unknown): Entries | null {
  const s = joined(v);
  if (s === null || s.length > 32 * (256 + 1 + 256) + 31) return null; // tracewire's bound: the longest list without OWS
  const ms = members(s);
  if (ms.length > 32 || !ms.every(validMember)) return null;
  const out: Entries = [];
  for (const m of ms) { const kv = split(m)!; if (!out.some((e) => e[0] === kv[0])) out.push(kv); }
  return out;
}
const serialize = (e: Entries): string => e.map(([k, v]) => k + '=' + v).join(',');

// ---- generators
const LC = 'abcdefghijklmnopqrstuvwxyz0123456789';
const keyGen = fc.oneof(
  fc.tuple(fc.constantFrom(...LC), fc.string({ unit: fc.constantFrom(...(LC + '_-*/@')), maxLength: 12 })).map(([a, b]) => a + b),
  fc.tuple(fc.constantFrom('a', 'v', 'z'), fc.integer({ min: 230, max: 258 })).map(([c, n]) => c.repeat(n)),
  fc.tuple(fc.integer({ min: 238, max: 244 }), fc.integer({ min: 1, max: 16 })).map(([t, s]) => 't'.repeat(t) + '@' + 'v'.repeat(s)),
  fc.constantFrom('rojo', 'congo', 'vendor@tenant', 'foo@', 'foo@@bar', 'foo@bar@baz', '1abc', 'ot', 'dd'),
);
const VCH: string[] = [];
for (let c = 0x20; c <= 0x7e; c++) if (c !== 0x2c && c !== 0x3d) VCH.push(String.fromCharCode(c));
const valueGen = fc.oneof(
  fc.string({ unit: fc.constantFrom(...VCH), minLength: 1, maxLength: 24 }).filter((v) => !v.endsWith(' ')),
  fc.tuple(fc.constantFrom('x', '~'), fc.integer({ min: 100, max: 258 })).map(([c, n]) => c.repeat(n)),
);
const entryGen = fc.tuple(keyGen, valueGen).map(([k, v]) => k + '=' + v);
const sep = fc.constantFrom(',', ',', ',', ', ', ' ,\t', ',,', '\t, ,', ', ');
const listGen = fc.tuple(fc.array(entryGen, { maxLength: 36 }), fc.array(sep, { minLength: 36, maxLength: 36 }), fc.constantFrom('', ' ', '\t ', ','), fc.constantFrom('', ' ', ' \t', ','))
  .map(([es, ss, a, b]) => a + es.map((e, i) => (i === 0 ? '' : ss[i]!) + e).join('') + b);
// U+0161, U+012D, U+013D: their low bytes are 'a', '-', '=' (a table indexed by the low byte alone would accept them)
const ODD = ['=', ',', ' ', '\t', 'A', '.', '\n', '\r', '\u00a0', '\ufeff', 'é', '\u0000', '\u007f', '@', ' =', '==', '\u0161', '\u012d', '\u013d'];
const mutation = fc.oneof(
  fc.tuple(fc.nat(), fc.constantFrom(...ODD)).map(([p, c]) => (s: string) => { const i = p % (s.length + 1); return s.slice(0, i) + c + s.slice(i); }),
  fc.nat().map((p) => (s: string) => { const i = p % Math.max(1, s.length); return s.slice(0, i) + s.slice(i + 1); }),
  fc.nat().map((p) => (s: string) => { const i = p % Math.max(1, s.length); return s.slice(0, i) + (s[i] ?? '').toUpperCase() + s.slice(i + 1); }),
  fc.constant((s: string) => { const m = members(s); return m.length ? s + ',' + m[0]!.replace(/=.*/, '=dup') : s; }),
  fc.constant((s: string) => s + ',' + s),
  fc.constantFrom('\n', '\u00a0', '\u2028').map((w) => (s: string) => w + s),
  fc.integer({ min: 16445, max: 16449 }).map((n) => (s: string) => s.padEnd(n, ' ')), // around the input bound
);
const nearList = fc.tuple(listGen, fc.array(mutation, { maxLength: 2 })).map(([s, ms]) => ms.reduce((acc, m) => m(acc), s));
const anyHeader = fc.oneof(listGen, nearList, nearList, fc.string({ maxLength: 60 }), fc.array(nearList, { maxLength: 3 }));

test('(3) parse accepts exactly the oracle\'s language, with its canonical string and values; never throws', () => {
  fc.assert(fc.property(anyHeader, (v) => {
    const got = parseTracestate(v as string);
    const want = oracle(v);
    assert.is(got !== null, want !== null, JSON.stringify(v));
    if (got === null) { assert.is.not(tracestateRejection(v), 'none'); return; }
    assert.is(got.toString(), serialize(want!), JSON.stringify(v));
    assert.is(got.size, want!.length);
    for (const [k, val] of want!) assert.is(got.get(k), val);
    assert.equal([...got], want);
  }), { numRuns: RUNS * 2 });
  fc.assert(fc.property(fc.anything(), (v) => {
    assert.is(parseTracestate(v as string) !== null, oracle(v) !== null);
  }), { numRuns: RUNS });
});

test('(3) round trip: the canonical string parses back to the same list', () => {
  fc.assert(fc.property(listGen, (s) => {
    const a = parseTracestate(s);
    if (a === null) return;
    const b = parseTracestate(a.toString())!;
    assert.is(b.toString(), a.toString());
    assert.equal([...b], [...a]);
  }), { numRuns: RUNS });
});

test('(3) count limit: n distinct valid members parse iff n <= 32, empty members never count', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 5 }), (n, empties) => {
    const list = Array.from({ length: n }, (_, i) => `k${i}=v`).concat(Array(empties).fill(' ')).join(',');
    const ts = parseTracestate(list);
    assert.is(ts !== null, n <= MAX_MEMBERS);
    if (ts !== null) assert.is(ts.size, n);
  }), { numRuns: RUNS });
});

/** A state built by set() from entries (last set = left-most). */
const stateGen = fc.array(fc.tuple(keyGen.filter((k) => KEY.test(k)), valueGen), { maxLength: 40 })
  .map((es) => es.reduce<TraceState>((st, [k, v]) => st.set(k, v), EMPTY_TRACESTATE));

test('(3) set/delete invariants: no duplicate keys, at most 32, the new key left-most, the rest in order', () => {
  const op = fc.oneof(fc.tuple(fc.constant('set' as const), keyGen, fc.oneof(valueGen, fc.constant('bad,'))), fc.tuple(fc.constant('delete' as const), keyGen, fc.constant('')));
  fc.assert(fc.property(stateGen, fc.array(op, { maxLength: 20 }), (start, ops) => {
    let st = start;
    let model: Entries = [...st];
    for (const [kind, k, v] of ops) {
      if (kind === 'set') {
        const next = st.set(k, v);
        if (!KEY.test(k) || !VALUE.test(v)) { assert.is(next, st); continue; }
        model = [[k, v] as [string, string], ...model.filter((e) => e[0] !== k)].slice(0, 32);
        st = next;
        assert.equal([...st][0], [k, v]);
      } else {
        st = st.delete(k);
        model = model.filter((e) => e[0] !== k);
        assert.is(st.get(k), undefined);
      }
      const es = [...st];
      assert.equal(es, model);
      assert.ok(es.length <= 32 && st.size === es.length);
      assert.is(new Set(es.map((e) => e[0])).size, es.length);
      assert.is(parseTracestate(st.toString())!.toString(), st.toString());
    }
  }), { numRuns: RUNS });
});

test('(3) size limit: truncate drops whole entries, > 128 first (right-most first), then from the right, no more than needed', () => {
  fc.assert(fc.property(stateGen, fc.integer({ min: 0, max: 700 }), (st, max) => {
    const t = truncateTracestate(st, max);
    const all = [...st];
    const kept = [...t];
    const len = (e: [string, string]) => e[0].length + 1 + e[1].length;
    assert.ok(t.toString().length <= max);
    if (st.toString().length <= max) { assert.is(t, st); return; }
    const long = all.filter((e) => len(e) > 128);
    const short = all.filter((e) => len(e) <= 128);
    const keptLong = kept.filter((e) => len(e) > 128);
    const keptShort = kept.filter((e) => len(e) <= 128);
    assert.equal(kept, all.filter((e) => kept.includes(e) || kept.some((k) => k[0] === e[0])));
    assert.equal(keptLong, long.slice(0, keptLong.length)); // long entries go right-most first
    assert.equal(keptShort, short.slice(0, keptShort.length)); // then entries from the right
    if (keptShort.length < short.length) assert.is(keptLong.length, 0);
    // minimal: the last entry removed would not have fitted
    const lastRemoved = keptShort.length < short.length ? short[keptShort.length]! : long[keptLong.length]!;
    assert.ok(t.toString().length + len(lastRemoved) + (kept.length > 0 ? 1 : 0) > max);
  }), { numRuns: RUNS });
});

// ---- (4) differential against OpenTelemetry JS (tracestate after a forced parse)
const otel = new W3CTraceContextPropagator();
const TP = '00-12345678901234567890123456789012-1234567890123456-01';
function otelState(h: unknown): string {
  const sc = trace.getSpanContext(otel.extract(ROOT_CONTEXT, { traceparent: TP, tracestate: h }, defaultTextMapGetter));
  return sc?.traceState?.serialize() ?? '';
}
function ourState(h: unknown): string {
  return extractContext({ traceparent: TP, tracestate: h as string })?.traceState?.toString() ?? '';
}

function classify(h: unknown, ours: string): string | null {
  const s = joined(h);
  if (s === null) return null;
  const ms = members(s);
  if (ours === '') { // we discarded or truncated everything, OTel kept something
    if (s.length > 32 * (256 + 1 + 256) + 31) return 'too-long';
    if (!ms.every(validMember)) return 'invalid-member';
    if (ms.length > 32) return 'too-many-members';
  }
  const entries = ms.map((m) => split(m)!);
  if (entries.some(([k]) => !L1_KEY.test(k))) return 'level2-key';
  if (entries.some(([k, v]) => entries.some(([k2, v2]) => k2 === k && v2 !== v))) return 'duplicate-key';
  // OTel sums member lengths before its Map collapses a repeated key: `k=v,b=…,k=v` over 512 is cut there, not here
  if (serialize(oracle(h)!).length > 512 || serialize(entries).length > 512) return 'truncation';
  return null;
}

const LISTED = ['invalid-member', 'too-many-members', 'too-long', 'level2-key', 'duplicate-key', 'truncation'];
const EXAMPLES: [unknown, string][] = [
  ['foo=1,BAR=2', 'invalid-member'],
  ['foo=1,bar', 'invalid-member'],
  ['\u00a0foo=1,bar=2', 'invalid-member'],
  [Array.from({ length: 33 }, (_, i) => `k${i}=${i}`).join(','), 'too-many-members'],
  ['a=1' + ' '.repeat(16447), 'too-long'],
  ['foo@=1,bar=2', 'level2-key'],
  ['1abc=1', 'level2-key'],
  ['t'.repeat(242) + '@v=1', 'level2-key'],
  ['foo=1,foo=2', 'duplicate-key'],
  // 202 + 20 * 21 chars: we drop the long entry and keep all 20 short ones; OTel keeps it and 14 short ones
  [['a=' + 'x'.repeat(200), ...Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, '0')}=${'v'.repeat(16)}`)], 'truncation'],
  // found by this property: 514 chars with the first member repeated; 496 once collapsed, so we keep all three
  ['aaaaaaaaaa=     ),' + 'a'.repeat(236) + '= 9,aaaaaaaaaa=     ),' + 'a'.repeat(235) + '= 9', 'truncation'],
];

test('(4) differential vs OTel TraceState: the disagreements are exactly the listed ones', () => {
  const seen = new Map<string, number>();
  const check = (h: unknown, expected?: string): void => {
    const ours = ourState(h);
    const theirs = otelState(h);
    if (ours === theirs) {
      if (expected !== undefined) assert.unreachable(`example for ${expected} does not differ: ${JSON.stringify(h)}`);
      return;
    }
    const why = classify(h, ours);
    if (why === null) assert.unreachable(`unlisted difference for ${JSON.stringify(h)}: tracewire ${JSON.stringify(ours)} otel ${JSON.stringify(theirs)}`);
    if (expected !== undefined) assert.is(why, expected, JSON.stringify(h));
    seen.set(why!, (seen.get(why!) ?? 0) + 1);
  };
  for (const [h, why] of EXAMPLES) check(h, why);
  fc.assert(fc.property(anyHeader, (h) => { check(h); }), { numRuns: RUNS * 2 });
  assert.equal([...seen.keys()].sort(), [...LISTED].sort());
  // test.py cases where both agree stay agreed
  for (const h of ['foo=1 \t , \t bar=2, \t baz=3', ['foo=1,bar=2', 'rojo=1,congo=2', 'baz=3'], '', 'foo=1,foo=1', 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,vendor@tenant=abc123']) {
    assert.is(ourState(h), otelState(h), JSON.stringify(h));
  }
});

test.run();
