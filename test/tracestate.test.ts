// tracestate: Trace Context Level 2 §3.3 grammar, limits and mutation rules, plus the w3c test.py cases.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  TraceState, EMPTY_TRACESTATE, parseTracestate, formatTracestate, tracestateRejection,
  isValidKey, isValidValue, MAX_MEMBERS, MAX_TRACESTATE_CHARS,
} from '../src/tracestate.js';
import { truncateTracestate } from '../src/tracestate-truncate.js';

const bars = (from: number, to: number): string =>
  Array.from({ length: to - from + 1 }, (_, i) => { const n = String(from + i).padStart(2, '0'); return `bar${n}=${n}`; }).join(',');

test('AC-001 a valid header is kept as sent: get, size, entries, iteration, toString', () => {
  const h = 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,vendor@tenant=abc123';
  const ts = parseTracestate(h)!;
  assert.ok(ts instanceof TraceState);
  assert.is(ts.size, 3);
  assert.is(ts.toString(), h);
  assert.is(ts.get('rojo'), '00f067aa0ba902b7');
  assert.is(ts.get('congo'), 't61rcWkgMzE');
  assert.is(ts.get('vendor@tenant'), 'abc123');
  assert.is(ts.get('vendor'), undefined);
  assert.is(ts.get('con'), undefined);
  assert.is(ts.get('t61rcWkgMzE'), undefined); // values are never matched as keys
  assert.is(ts.has('rojo'), true);
  assert.is(ts.has('nope'), false);
  assert.equal([...ts], [['rojo', '00f067aa0ba902b7'], ['congo', 't61rcWkgMzE'], ['vendor@tenant', 'abc123']]);
  assert.equal([...ts.entries()], [...ts]);
  assert.is(formatTracestate(ts), h);
  assert.is(formatTracestate(null), '');
});

test('get never matches across members or with an invalid key', () => {
  const ts = parseTracestate('a=1,bb=2,b=3')!;
  assert.is(ts.get('b'), '3');
  assert.is(ts.get('bb'), '2');
  assert.is(ts.get('a=1,bb'), undefined);
  assert.is(ts.get(''), undefined);
  assert.is(ts.get('a='), undefined);
});

test('test.py test_tracestate_empty_header: empty and OWS-only headers are accepted as an empty list', () => {
  for (const h of ['', ' ', '\t', ',', ' , ,\t,', ',,,']) {
    const ts = parseTracestate(h);
    assert.ok(ts !== null, JSON.stringify(h));
    assert.is(ts!.size, 0);
    assert.is(ts!.toString(), '');
  }
  assert.is(parseTracestate(''), EMPTY_TRACESTATE);
  assert.equal(parseTracestate(['foo=1', ''])!.toString(), 'foo=1');
  assert.equal(parseTracestate(['', 'foo=1'])!.toString(), 'foo=1');
});

test('test.py test_tracestate_multiple_headers_different_keys: repeated headers combine in order (RFC 9110 §5.3)', () => {
  const ts = parseTracestate(['foo=1,bar=2', 'rojo=1,congo=2', 'baz=3'])!;
  assert.is(ts.toString(), 'foo=1,bar=2,rojo=1,congo=2,baz=3');
  assert.is(ts.size, 5);
  assert.is(parseTracestate([]), null);
  assert.is(parseTracestate(['a=1', 5 as unknown as string]), null);
});

test('test.py test_tracestate_duplicated_keys: the first entry wins, later duplicates are dropped (#477)', () => {
  assert.is(parseTracestate('foo=1,foo=1')!.toString(), 'foo=1');
  assert.is(parseTracestate('foo=1,foo=2')!.toString(), 'foo=1');
  assert.is(parseTracestate(['foo=1', 'foo=2'])!.get('foo'), '1');
  const ts = parseTracestate('a=1,b=2,a=3,c=4,b=5')!;
  assert.is(ts.toString(), 'a=1,b=2,c=4');
  assert.is(ts.size, 3);
  // keys differing only in length or suffix are not duplicates
  assert.is(parseTracestate('foo=1,foo@t=2,fo=3,foo1=4')!.size, 4);
});

test('test.py test_tracestate_all_allowed_characters: every legal key and value character', () => {
  const key = 'abcdefghijklmnopqrstuvwxyz0123456789_-*/';
  const keyWithVendor = key + '@a-z0-9_-*/';
  let value = '';
  for (let c = 0x20; c <= 0x7e; c++) if (c !== 0x2c && c !== 0x3d) value += String.fromCharCode(c);
  assert.is(parseTracestate(key + '=' + value)!.get(key), value);
  assert.is(parseTracestate(keyWithVendor + '=' + value)!.get(keyWithVendor), value);
});

test('test.py test_tracestate_ows_handling: spaces and tabs around members are ignored', () => {
  for (const h of ['foo=1 \t , \t bar=2, \t baz=3', 'foo=1\t \t,\t \tbar=2,\t \tbaz=3']) {
    const ts = parseTracestate(h)!;
    assert.equal([ts.get('foo'), ts.get('bar'), ts.get('baz')], ['1', '2', '3'], JSON.stringify(h));
    assert.is(ts.toString(), 'foo=1,bar=2,baz=3');
  }
  for (const h of [' foo=1', '\tfoo=1', 'foo=1 ', 'foo=1\t', '\t foo=1 \t']) {
    assert.is(parseTracestate(h)!.toString(), 'foo=1', JSON.stringify(h));
  }
  // leading spaces belong to the value (§3.3.1.3.2); trailing ones are OWS
  assert.is(parseTracestate('foo=  1  ')!.get('foo'), '  1');
  assert.is(parseTracestate('foo=  1  ,bar=2')!.toString(), 'foo=  1,bar=2');
  // only SP and HTAB are OWS
  for (const h of ['\nfoo=1', 'foo=1\r\n', '\u00a0foo=1', 'foo=1\v']) assert.is(parseTracestate(h), null, JSON.stringify(h));
});

test('test.py test_tracestate_key_illegal_characters: the whole header is discarded (§4.3)', () => {
  for (const h of ['foo =1', 'FOO=1', 'foo.bar=1', 'foo=1,Bar=2', '=1', 'foo', 'foo=1,bar', 'a b=1', 'é=1']) {
    assert.is(parseTracestate(h), null, h);
    assert.is(tracestateRejection(h), 'invalid', h);
  }
});

test('Level 2 keys: `@` is a plain keychar, so test.py\'s Level 1 vendor-format cases are valid (except a leading @)', () => {
  // test.py (STRICT_LEVEL 2) still enforces the Level 1 tenant@system split; Level 2 §3.3.1.3.1 allows these.
  assert.is(parseTracestate('foo@=1,bar=2')!.get('bar'), '2');
  assert.is(parseTracestate('foo@@bar=1,bar=2')!.get('foo@@bar'), '1');
  assert.is(parseTracestate('foo@bar@baz=1,bar=2')!.get('foo@bar@baz'), '1');
  assert.is(parseTracestate('1abc=1')!.get('1abc'), '1'); // a key may start with a digit
  assert.is(parseTracestate('@foo=1,bar=2'), null); // must start with lcalpha or DIGIT
  assert.is(parseTracestate('_foo=1'), null);
  // Level 1 multi-tenant keys stay valid
  assert.is(parseTracestate('tenant@system=1')!.get('tenant@system'), '1');
});

test('test.py test_tracestate_key_length_limit: 256-char keys pass, 257 discard the header', () => {
  assert.is(parseTracestate(['foo=1', 'z'.repeat(256) + '=1'])!.get('foo'), '1');
  assert.is(parseTracestate(['foo=1', 'z'.repeat(257) + '=1']), null);
  assert.is(parseTracestate(['foo=1', 't'.repeat(241) + '@' + 'v'.repeat(14) + '=1'])!.get('foo'), '1');
  // Level 2 counts the whole key (≤ 256), not Level 1's tenant ≤ 241 / system ≤ 14
  assert.is(parseTracestate(['foo=1', 't'.repeat(242) + '@v=1'])!.get('foo'), '1');
  assert.is(parseTracestate(['foo=1', 't@' + 'v'.repeat(15) + '=1'])!.get('foo'), '1');
  assert.is(parseTracestate('t'.repeat(250) + '@' + 'v'.repeat(6) + '=1'), null);
});

test('test.py test_tracestate_value_illegal_characters and the value grammar', () => {
  for (const h of ['foo=bar=baz', 'foo=,bar=3', 'foo=', 'foo=   ', 'foo=a\tb', 'foo=\u0001', 'foo=\u007f', 'foo=é', 'foo=1,bar=']) {
    assert.is(parseTracestate(h), null, JSON.stringify(h));
  }
  assert.is(parseTracestate('foo=' + 'x'.repeat(256))!.get('foo'), 'x'.repeat(256));
  assert.is(parseTracestate('foo=' + 'x'.repeat(257)), null);
  assert.is(parseTracestate('foo=' + 'x'.repeat(256) + '   ')!.get('foo'), 'x'.repeat(256)); // OWS is not value
  assert.is(parseTracestate('foo= x')!.get('foo'), ' x');
});

test('test.py test_tracestate_member_count_limit: 32 members kept, 33 discard the header', () => {
  const ts = parseTracestate([bars(1, 10), bars(11, 20), bars(21, 30), bars(31, 32)])!;
  assert.is(ts.size, MAX_MEMBERS);
  assert.is(ts.get('bar01'), '01');
  assert.is(ts.get('bar32'), '32');
  const over = [bars(1, 10), bars(11, 20), bars(21, 30), bars(31, 33)];
  assert.is(parseTracestate(over), null);
  assert.is(tracestateRejection(over), 'too-many-members');
  // empty members do not count; duplicates do (the limit is on the list as sent)
  assert.is(parseTracestate(bars(1, 32) + ',,, ,')!.size, 32);
  assert.is(parseTracestate(bars(1, 32) + ',bar01=x'), null);
});

test('tracestateRejection: missing, invalid, too many, none', () => {
  assert.is(tracestateRejection(undefined), 'missing');
  assert.is(tracestateRejection(null), 'missing');
  assert.is(tracestateRejection([]), 'missing');
  assert.is(tracestateRejection(42), 'invalid');
  assert.is(tracestateRejection(['a=1', 42]), 'invalid');
  assert.is(tracestateRejection('a=1,b'), 'invalid');
  assert.is(tracestateRejection('a=1'), 'none');
  assert.is(tracestateRejection(['a=1', 'b=2']), 'none');
});

test('AC-007 never throws on odd input', () => {
  const odd: unknown[] = [undefined, null, 0, {}, [null], 'x'.repeat(100_000), '\uD800=1', '=', ',=,', 'a=\u0000', 'a'.repeat(300) + '=' + 'b'.repeat(300)];
  for (const v of odd) {
    const r = parseTracestate(v as string);
    assert.ok(r === null || r instanceof TraceState);
    assert.type(tracestateRejection(v), 'string');
  }
});

test('AC-002 set puts the key left-most, replaces an existing key, never duplicates (§3.5)', () => {
  const ts = parseTracestate('rojo=1,congo=2')!;
  const a = ts.set('vendor', 'x');
  assert.is(a.toString(), 'vendor=x,rojo=1,congo=2');
  assert.is(a.size, 3);
  const b = a.set('congo', '3');
  assert.is(b.toString(), 'congo=3,vendor=x,rojo=1');
  assert.is(b.get('congo'), '3');
  assert.is(b.size, 3);
  assert.is(ts.toString(), 'rojo=1,congo=2'); // immutable
  assert.is(new TraceState().set('ot', 'th:8').toString(), 'ot=th:8');
  assert.is(EMPTY_TRACESTATE.set('a', '1').size, 1);
  assert.is(EMPTY_TRACESTATE.size, 0);
});

test('set keeps at most 32 members by dropping the right-most; invalid key or value leaves the state unchanged', () => {
  const full = parseTracestate(bars(1, 32))!;
  const s = full.set('new', '1');
  assert.is(s.size, MAX_MEMBERS);
  assert.is([...s][0]![0], 'new');
  assert.is(s.get('bar32'), undefined);
  assert.is(s.get('bar31'), '31');
  assert.is(full.set('bar32', 'x').size, 32); // an existing key: nothing dropped
  assert.is(full.set('bar32', 'x').get('bar31'), '31');
  for (const [k, v] of [['Bad', '1'], ['', '1'], ['ok', ''], ['ok', 'a,b'], ['ok', 'a=b'], ['ok', 'trailing '], ['k'.repeat(257), '1'], ['ok', 'v'.repeat(257)]]) {
    assert.is(full.set(k!, v!), full, `${k}=${v}`);
  }
  assert.is(full.set(undefined as unknown as string, '1'), full);
});

test('delete removes a key (new state) and returns the same state when absent', () => {
  const ts = parseTracestate('a=1,b=2,c=3')!;
  const d = ts.delete('b');
  assert.is(d.toString(), 'a=1,c=3');
  assert.is(d.size, 2);
  assert.is(ts.delete('zz'), ts);
  assert.is(ts.delete('a').delete('b').delete('c'), EMPTY_TRACESTATE);
});

test('canonical form: OWS and empty members removed, so the cached header is valid to send', () => {
  const ts = parseTracestate(' ,a=1 , ,\tb=2\t,')!;
  assert.is(ts.toString(), 'a=1,b=2');
  assert.is(parseTracestate(ts.toString())!.toString(), ts.toString());
  const s = ts.set('c', '3');
  assert.is(s.toString(), 'c=3,a=1,b=2');
});

test('truncateTracestate drops whole entries: > 128 chars first (right-most first), then from the right (§3.3.1.5)', () => {
  const long1 = 'l1=' + 'x'.repeat(140);
  const long2 = 'l2=' + 'y'.repeat(140);
  const small = Array.from({ length: 20 }, (_, i) => `k${i}=${'v'.repeat(20)}`); // 23-24 chars each
  const ts = parseTracestate([long1, ...small.slice(0, 10), long2, ...small.slice(10)].join(','))!;
  assert.ok(ts.toString().length > MAX_TRACESTATE_CHARS);
  const t = truncateTracestate(ts);
  assert.ok(t.toString().length <= MAX_TRACESTATE_CHARS);
  // both long entries dropped; the 20 small ones (10 * 23 + 10 * 24 + 19 commas = 489 chars) then fit, in order
  assert.is(t.get('l1'), undefined);
  assert.is(t.get('l2'), undefined);
  assert.equal([...t].map((e) => e[0]), small.map((m) => m.slice(0, m.indexOf('='))));
  assert.is(t.toString().length, 489);
  // 30 entries of 23 chars (719 chars) keep the left-most 21 (21 * 23 + 20 = 503 <= 512 < 527)
  const many = parseTracestate(Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, '0')}=${'v'.repeat(19)}`).join(','))!;
  const m = truncateTracestate(many);
  assert.is(m.size, 21);
  assert.is(m.toString().length, 503);
  assert.is([...m].at(-1)![0], 'k20');
  assert.is(parseTracestate(t.toString())!.toString(), t.toString());
});

test('truncateTracestate removes only as many long entries as needed, and keeps what fits', () => {
  const longA = 'a=' + 'x'.repeat(200);
  const longB = 'b=' + 'y'.repeat(200);
  const ts = parseTracestate(`${longA},c=1,${longB},d=2`)!; // 202+4+202+4 + 3 commas = 415
  assert.is(truncateTracestate(ts), ts); // fits in 512: same instance
  const t = truncateTracestate(ts, 300);
  assert.is(t.toString(), `${longA},c=1,d=2`); // right-most long entry goes first
  assert.is(truncateTracestate(ts, 10).toString(), 'c=1,d=2');
  assert.is(truncateTracestate(ts, 3).toString(), 'c=1');
  assert.is(truncateTracestate(ts, 0), EMPTY_TRACESTATE);
  assert.is(truncateTracestate(ts, -5), EMPTY_TRACESTATE);
  assert.is(truncateTracestate(ts, NaN), EMPTY_TRACESTATE);
});

test('isValidKey / isValidValue follow the Level 2 ABNF', () => {
  for (const k of ['a', '0', 'a-b_c*d/e@f', 'z'.repeat(256), '9@9']) assert.ok(isValidKey(k), k);
  for (const k of ['', 'A', '-a', '@a', 'a.b', 'a b', 'z'.repeat(257), 'é']) assert.not.ok(isValidKey(k), k);
  for (const v of ['x', ' x', '!', '~'.repeat(256), 'a b']) assert.ok(isValidValue(v), v);
  for (const v of ['', ' ', 'x ', 'a,b', 'a=b', 'a\tb', '\u007f', 'x'.repeat(257)]) assert.not.ok(isValidValue(v), JSON.stringify(v));
  assert.not.ok(isValidKey(1 as unknown as string));
  assert.not.ok(isValidValue(null as unknown as string));
});

test.run();
