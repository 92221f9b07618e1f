// traceparent parse/format: every rule of Trace Context Level 2 §3.2 and the w3c/trace-context test.py cases.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTraceparent, formatTraceparent, traceparentRejection, TRACEPARENT_LENGTH } from '../src/traceparent.js';
import { SpanContext, FLAG_SAMPLED, FLAG_RANDOM, type SpanContextLike } from '../src/span-context.js';
import { injectContext } from '../src/propagation.js';
import { INVALID_SPAN } from '../src/non-recording-span.js';

const TRACE = '12345678901234567890123456789012';
const SPAN = '1234567890123456';
const VALID = `00-${TRACE}-${SPAN}-01`;

function ids(v: Parameters<typeof parseTraceparent>[0]): [string, string, number] | null {
  const c = parseTraceparent(v);
  return c === null ? null : [c.traceId, c.spanId, c.traceFlags];
}

test('AC-001 preserves a valid incoming trace id, parent id and flags (remote context)', () => {
  const c = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  assert.ok(c instanceof SpanContext);
  assert.is(c!.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.is(c!.spanId, '00f067aa0ba902b7');
  assert.is(c!.traceFlags, 1);
  assert.is(c!.isRemote, true);
  assert.is(c!.traceState, null);
  // words are the source of truth: 0x4bf92f35 etc. as int32
  assert.equal([c!.t0, c!.t1, c!.t2, c!.t3, c!.s0, c!.s1], [0x4bf92f35, 0x77b34da6, 0xa3ce929d | 0, 0x0e0e4736, 0x00f067aa, 0x0ba902b7]);
});

test('AC-001 words with the high bit set survive as negative int32 and format back unchanged', () => {
  const v = '00-ffffffff800000007fffffff80000001-ffffffff00000001-00';
  const c = parseTraceparent(v)!;
  assert.equal([c.t0, c.t1, c.t2, c.t3, c.s0, c.s1], [-1, -0x80000000, 0x7fffffff, -0x7fffffff, -1, 1]);
  assert.is(formatTraceparent(c), v);
});

test('flags: sampled and random bits are read by mask; version 00 keeps unknown bits, format clears them (§3.2.2.5)', () => {
  assert.is(parseTraceparent(`00-${TRACE}-${SPAN}-00`)!.traceFlags, 0);
  assert.is(parseTraceparent(`00-${TRACE}-${SPAN}-02`)!.traceFlags, FLAG_RANDOM);
  assert.is(parseTraceparent(`00-${TRACE}-${SPAN}-03`)!.traceFlags, FLAG_SAMPLED | FLAG_RANDOM);
  const c = parseTraceparent(`00-${TRACE}-${SPAN}-ff`)!;
  assert.is(c.traceFlags, 0xff);
  assert.is(c.sampled, true);
  assert.is(formatTraceparent(c), `00-${TRACE}-${SPAN}-03`);
  assert.is(formatTraceparent(parseTraceparent(`00-${TRACE}-${SPAN}-09`)!), `00-${TRACE}-${SPAN}-01`);
});

test('test.py test_traceparent_version_0x00: trailing data after version 00 restarts the trace', () => {
  assert.is(parseTraceparent(VALID + '.'), null);
  assert.is(parseTraceparent(VALID + '-what-the-future-will-be-like'), null);
  assert.is(parseTraceparent(VALID + '-'), null);
  assert.is(traceparentRejection(VALID + '.'), 'trailing-data');
  assert.is(traceparentRejection(VALID + '-what-the-future-will-be-like'), 'trailing-data');
});

test('test.py test_traceparent_version_0xcc: a future version is parsed at fixed offsets and re-emitted as 00', () => {
  assert.equal(ids(`cc-${TRACE}-${SPAN}-01`), [TRACE, SPAN, 1]);
  assert.equal(ids(`cc-${TRACE}-${SPAN}-01-what-the-future-will-be-like`), [TRACE, SPAN, 1]);
  assert.is(parseTraceparent(`cc-${TRACE}-${SPAN}-01.what-the-future-will-be-like`), null);
  assert.is(traceparentRejection(`cc-${TRACE}-${SPAN}-01.what-the-future-will-be-like`), 'format');
  assert.is(formatTraceparent(parseTraceparent(`cc-${TRACE}-${SPAN}-01-xyz`)!), VALID);
  // §4.3: only known flags of a higher version are parsed; unknown bits are dropped on receipt
  assert.is(parseTraceparent(`01-${TRACE}-${SPAN}-ff`)!.traceFlags, FLAG_SAMPLED | FLAG_RANDOM);
  assert.is(parseTraceparent(`fe-${TRACE}-${SPAN}-04-x`)!.traceFlags, 0);
  // still shorter than 55 chars -> never parsed, whatever the version
  assert.is(parseTraceparent(`cc-${TRACE}-${SPAN}-1`), null);
  assert.is(traceparentRejection(`cc-${TRACE}-${SPAN}-1`), 'length');
});

test('test.py test_traceparent_version_0xff / illegal / too long / too short versions', () => {
  for (const v of [`ff-${TRACE}-${SPAN}-01`, `.0-${TRACE}-${SPAN}-01`, `0.-${TRACE}-${SPAN}-01`, `0F-${TRACE}-${SPAN}-01`]) {
    assert.is(parseTraceparent(v), null, v);
    assert.is(traceparentRejection(v), 'version', v);
  }
  assert.is(parseTraceparent(`000-${TRACE}-${SPAN}-01`), null);
  assert.is(parseTraceparent(`0000-${TRACE}-${SPAN}-01`), null);
  assert.is(traceparentRejection(`000-${TRACE}-${SPAN}-01`), 'format');
  assert.is(parseTraceparent(`0-${TRACE}-${SPAN}-01`), null);
  assert.is(traceparentRejection(`0-${TRACE}-${SPAN}-01`), 'length');
});

test('test.py trace_id cases: all zero, illegal characters, too long, too short', () => {
  const zero = `00-${'0'.repeat(32)}-${SPAN}-01`;
  assert.is(parseTraceparent(zero), null);
  assert.is(traceparentRejection(zero), 'zero-trace-id');
  for (const v of [`00-.${TRACE.slice(1)}-${SPAN}-01`, `00-${TRACE.slice(0, 31)}.-${SPAN}-01`]) {
    assert.is(parseTraceparent(v), null, v);
    assert.is(traceparentRejection(v), 'hex', v);
  }
  assert.is(parseTraceparent(`00-${TRACE}3-${SPAN}-01`), null);
  assert.is(parseTraceparent(`00-${TRACE.slice(1)}-${SPAN}-01`), null);
  assert.is(traceparentRejection(`00-${TRACE}3-${SPAN}-01`), 'format');
  assert.is(traceparentRejection(`00-${TRACE.slice(1)}-${SPAN}-01`), 'length');
});

test('test.py parent_id cases: all zero, illegal characters, too long, too short', () => {
  const zero = `00-${TRACE}-${'0'.repeat(16)}-01`;
  assert.is(parseTraceparent(zero), null);
  assert.is(traceparentRejection(zero), 'zero-span-id');
  for (const v of [`00-${TRACE}-.${SPAN.slice(1)}-01`, `00-${TRACE}-${SPAN.slice(0, 15)}.-01`]) {
    assert.is(parseTraceparent(v), null, v);
    assert.is(traceparentRejection(v), 'hex', v);
  }
  assert.is(parseTraceparent(`00-${TRACE}-${SPAN}7-01`), null);
  assert.is(parseTraceparent(`00-${TRACE}-${SPAN.slice(1)}-01`), null);
});

test('test.py trace_flags cases: illegal characters, too long, too short', () => {
  for (const v of [`00-${TRACE}-${SPAN}-.0`, `00-${TRACE}-${SPAN}-0.`, `00-${TRACE}-${SPAN}-0G`]) {
    assert.is(parseTraceparent(v), null, v);
    assert.is(traceparentRejection(v), 'hex', v);
  }
  assert.is(parseTraceparent(`00-${TRACE}-${SPAN}-001`), null);
  assert.is(traceparentRejection(`00-${TRACE}-${SPAN}-001`), 'trailing-data');
  assert.is(parseTraceparent(`00-${TRACE}-${SPAN}-1`), null);
});

test('uppercase hex anywhere is invalid (§3.2.2: HEXDIGLC)', () => {
  const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  assert.ok(parseTraceparent(tp) !== null);
  assert.is(parseTraceparent(tp.toUpperCase()), null);
  assert.is(traceparentRejection(tp.toUpperCase()), 'hex');
  assert.is(parseTraceparent(`00-${TRACE.slice(0, 31)}A-${SPAN}-01`), null);
  assert.is(parseTraceparent(`00-${TRACE}-${SPAN.slice(0, 15)}B-01`), null);
  assert.is(parseTraceparent(`00-${TRACE}-${SPAN}-0A`), null);
  assert.is(traceparentRejection(`00-${TRACE.slice(0, 31)}A-${SPAN}-01`), 'hex');
});

test('wrong dash positions or characters are invalid', () => {
  assert.is(parseTraceparent(VALID.replace(/-/g, '_')), null);
  assert.is(traceparentRejection(VALID.replace(/-/g, '_')), 'format');
  assert.is(parseTraceparent(`00-${TRACE}_${SPAN}-01`), null);
  assert.is(parseTraceparent(`00-${TRACE}-${SPAN}_01`), null);
});

test('test.py test_traceparent_ows_handling: leading/trailing spaces and tabs are tolerated', () => {
  for (const v of [' ' + VALID, '\t' + VALID, VALID + ' ', VALID + '\t', '\t ' + VALID + ' \t', '   ' + VALID + '\t\t\t']) {
    assert.equal(ids(v), [TRACE, SPAN, 1], JSON.stringify(v));
  }
  assert.equal(ids(`  cc-${TRACE}-${SPAN}-01-future \t`), [TRACE, SPAN, 1]);
  // only SP and HTAB are OWS (RFC 9110 §5.6.3): other whitespace is not
  for (const v of ['\n' + VALID, VALID + '\r\n', '\u00a0' + VALID, VALID + '\v', ' ' + VALID + '\n']) assert.is(parseTraceparent(v), null, JSON.stringify(v));
  // whitespace inside the value is not OWS
  assert.is(parseTraceparent(`00-${TRACE}-${SPAN} -01`), null);
  assert.is(parseTraceparent(`00 -${TRACE}-${SPAN}-01`), null);
});

test('test.py test_traceparent_duplicated: two headers restart the trace; one header in an array is used', () => {
  assert.is(parseTraceparent([VALID, `00-${TRACE.slice(0, 31)}1-${SPAN}-01`]), null);
  assert.is(parseTraceparent([VALID, VALID]), null);
  assert.is(traceparentRejection([VALID, VALID]), 'duplicate');
  assert.equal(ids([VALID]), [TRACE, SPAN, 1]);
  assert.is(parseTraceparent([]), null);
  assert.is(traceparentRejection([]), 'missing');
  // node:http's req.headers and fetch's Headers.get() fold repeated headers into "a, b" (RFC 9110 §5.3): a
  // restart, counted as the duplicate it is (whatever the first value), not as trailing data or a bad format
  assert.is(parseTraceparent(VALID + ', ' + VALID), null);
  for (const v of [VALID + ', ' + VALID, VALID + ',' + VALID, 'garbage, ' + VALID, `cc-${TRACE}-${SPAN}-01, ${VALID}`, VALID + ', '])
    assert.is(traceparentRejection(v), 'duplicate', v);
  // a higher version may carry anything after its dash, a comma too: valid, nothing to count
  assert.is(traceparentRejection(`cc-${TRACE}-${SPAN}-01-a,b`), 'none');
});

test('AC-007 never throws: missing, empty, non-string and odd inputs give null and a reason', () => {
  const odd: unknown[] = [undefined, null, '', ' ', '\t \t', 0, 42, {}, [1], [undefined], ['a', 'b', 'c'], true, Symbol('x'), 'x'.repeat(10_000), '\uD800'.repeat(60), 'é'.repeat(55)];
  for (const v of odd) {
    assert.is(parseTraceparent(v as string), null);
    const why = traceparentRejection(v);
    assert.ok(typeof why === 'string' && why !== 'none', String(why));
  }
  assert.is(traceparentRejection(undefined), 'missing');
  assert.is(traceparentRejection(''), 'missing');
  assert.is(traceparentRejection('  '), 'missing');
  assert.is(traceparentRejection(42), 'format');
  assert.is(traceparentRejection('00-abc'), 'length');
  // non-ASCII code units that alias ASCII hex in their low byte are still rejected
  assert.is(parseTraceparent(VALID.replace('1', '\u0131')), null);
  assert.is(parseTraceparent(VALID.replace('2', '\u0132')), null);
  assert.is(parseTraceparent(VALID.replace('-', '\u012d')), null);
});

test('traceparentRejection of a valid value is "none" and of a whitespace-padded valid value too', () => {
  assert.is(traceparentRejection(VALID), 'none');
  assert.is(traceparentRejection([' ' + VALID + '\t']), 'none');
  assert.is(traceparentRejection(`cc-${TRACE}-${SPAN}-01-x`), 'none');
});

test('AC-002 formatTraceparent emits version 00, lowercase, 55 chars, from the context words', () => {
  const c = new SpanContext(0x0af76519, 0x16cd43dd, 0x8448eb21 | 0, 0x1c80319c, 0xb7ad6b71 | 0, 0x69203331, 0x01, false, null);
  const v = formatTraceparent(c);
  assert.is(v, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  assert.is(v.length, TRACEPARENT_LENGTH);
  // any SpanContextLike works (spans: from the words), and flags beyond the known bits are sent as 0 (§3.2.2.5.3)
  const w = (h: string, i: number) => parseInt(h.slice(8 * i, 8 * i + 8), 16) | 0;
  const like = { traceId: TRACE, spanId: SPAN, traceFlags: 0x86, isRemote: false, traceState: null, t0: w(TRACE, 0), t1: w(TRACE, 1), t2: w(TRACE, 2), t3: w(TRACE, 3), s0: w(SPAN, 0), s1: w(SPAN, 1) };
  assert.is(formatTraceparent(like), `00-${TRACE}-${SPAN}-02`);
});

test('format then parse returns the same words and known flags', () => {
  for (const f of [0, 1, 2, 3]) {
    const c = new SpanContext(-1, 2, -3, 4, -5, 6, f, false, null);
    const back = parseTraceparent(formatTraceparent(c))!;
    assert.equal([back.t0, back.t1, back.t2, back.t3, back.s0, back.s1, back.traceFlags], [-1, 2, -3, 4, -5, 6, f]);
  }
});

test('inject of an extracted context sends the header it came from, and follows a flags change; a context made from words writes its header once', () => {
  const h = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const c = parseTraceparent(h)!;
  assert.is(formatTraceparent(c), h);
  assert.is(c.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.is(c.spanId, '00f067aa0ba902b7');
  c.traceFlags = 0; // a sampler's decision after extract
  assert.is(formatTraceparent(c), '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00');
  c.traceFlags = 3;
  assert.is(formatTraceparent(c), '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03');
  // not the canonical form as sent: OWS, unknown flag bits, a higher version: written, not passed through
  assert.is(formatTraceparent(parseTraceparent(' ' + h + '\t')!), h);
  assert.is(formatTraceparent(parseTraceparent(h.slice(0, -2) + 'ff')!), h.slice(0, -2) + '03');
  assert.is(formatTraceparent(parseTraceparent('01' + h.slice(2) + '-x')!), h);
  const w = new SpanContext(1, 2, 3, 4, 5, 6, 1, false, null);
  const first = formatTraceparent(w);
  assert.is(first, '00-00000001000000020000000300000004-0000000500000006-01');
  assert.is(formatTraceparent(w), first);
});

test('AC-007 formatTraceparent of no context or an invalid one never throws: \'\' (as injectContext, which writes nothing for either)', () => {
  const inputs: unknown[] = [null, undefined, 'abc', 42, {}, true,
    new SpanContext(0, 0, 0, 0, 5, 6, 1, false, null), // all-zero trace ID (§3.2.2.3)
    new SpanContext(1, 2, 3, 4, 0, 0, 1, false, null), // all-zero parent ID (§3.2.2.4)
    { t0: 1, t1: 2, t2: 3, t3: 4, s0: 0, s1: 0, traceFlags: 1 }, INVALID_SPAN];
  for (const [i, c] of inputs.entries()) {
    const carrier: Record<string, unknown> = {};
    if (c !== null && c !== undefined) assert.ok(injectContext(c as SpanContextLike, carrier), `input ${i}`);
    assert.equal(carrier, {}, `input ${i}: injectContext writes nothing`);
    assert.is(formatTraceparent(c as SpanContextLike), '', `input ${i}`);
    assert.is(parseTraceparent(formatTraceparent(c as SpanContextLike)), null);
  }
  // a zero context asked twice still reads its IDs (no '' kept as its header)
  const z = new SpanContext(0, 0, 0, 0, 5, 6, 1, false, null);
  formatTraceparent(z);
  assert.is(formatTraceparent(z), '');
  assert.is(z.traceId, '0'.repeat(32));
  assert.is(z.spanId, '0000000500000006');
});

test.run();
