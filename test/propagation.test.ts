// extract/inject over header carriers: processing model of Trace Context §4 and the rejection counters.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extractContext, extractFromGetter, injectContext, createPropagationStats, PropagationStats } from '../src/propagation.js';
import { parseTracestate, tracestateRejection, MAX_TRACESTATE_CHARS, MAX_TRACESTATE_INPUT } from '../src/tracestate.js';
import { MAX_TRACEPARENT_CHARS } from '../src/traceparent.js';
import { SpanContext } from '../src/span-context.js';
import { createTracer } from '../src/tracer.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const TP = `00-${TRACE}-${SPAN}-01`;
const TS = 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,vendor@tenant=abc123';

const COUNTERS = ['traceparentMissing', 'traceparentDuplicate', 'traceparentLength', 'traceparentVersion', 'traceparentHex', 'traceparentZeroTraceId',
  'traceparentZeroSpanId', 'traceparentFormat', 'traceparentTrailingData', 'tracestateInvalid', 'tracestateTooManyMembers', 'tracestateTooLong', 'tracestateTruncated', 'carrierUnreadable', 'carrierUnwritable', 'contextMissing'];

function nonZero(s: PropagationStats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(s)) if (v !== 0) out[k] = v as number;
  return out;
}

test('AC-001 extract keeps the incoming trace id, parent id, flags and tracestate', () => {
  const stats = createPropagationStats();
  const c = extractContext({ traceparent: TP, tracestate: TS }, stats)!;
  assert.is(c.traceId, TRACE);
  assert.is(c.spanId, SPAN);
  assert.is(c.traceFlags, 1);
  assert.is(c.isRemote, true);
  assert.is(c.traceState!.toString(), TS);
  assert.is(c.traceState!.get('congo'), 't61rcWkgMzE');
  assert.equal(nonZero(stats), {});
  // the random flag (Level 2 §3.2.2.5.2) is passed on unchanged
  assert.is(extractContext({ traceparent: `00-${TRACE}-${SPAN}-03` })!.traceFlags, 3);
});

test('PropagationStats: a plain class, every counter a number from the constructor, spreadable', () => {
  const s = createPropagationStats();
  assert.ok(s instanceof PropagationStats);
  assert.equal(Object.keys(s).sort(), [...COUNTERS].sort());
  for (const k of COUNTERS) assert.is((s as unknown as Record<string, number>)[k], 0);
  assert.equal(Object.keys({ ...s }).length, COUNTERS.length);
});

test('AC-001 invalid, duplicated or missing traceparent: no context, tracestate ignored, the reason counted', () => {
  const cases: [IncomingHttpHeaders, string][] = [
    [{}, 'traceparentMissing'],
    [{ tracestate: TS }, 'traceparentMissing'], // test.py test_tracestate_included_traceparent_missing
    [{ traceparent: '' }, 'traceparentMissing'],
    [{ traceparent: [TP, TP] as unknown as string }, 'traceparentDuplicate'],
    [{ traceparent: '00-abc', tracestate: TS }, 'traceparentLength'],
    [{ traceparent: `ff-${TRACE}-${SPAN}-01` }, 'traceparentVersion'],
    [{ traceparent: TP.toUpperCase(), tracestate: TS }, 'traceparentHex'],
    [{ traceparent: `00-${'0'.repeat(32)}-${SPAN}-01`, tracestate: TS }, 'traceparentZeroTraceId'],
    [{ traceparent: `00-${TRACE}-${'0'.repeat(16)}-01` }, 'traceparentZeroSpanId'],
    [{ traceparent: TP.replace(/-/g, '.') }, 'traceparentFormat'],
    [{ traceparent: TP + '-extra', tracestate: 'not valid' }, 'traceparentTrailingData'],
  ];
  for (const [headers, counter] of cases) {
    const stats = createPropagationStats();
    assert.is(extractContext(headers, stats), null, JSON.stringify(headers));
    assert.equal(nonZero(stats), { [counter]: 1 }, JSON.stringify(headers));
  }
  assert.is(extractContext({ traceparent: TP.toUpperCase() }), null); // stats are optional
});

test('an invalid tracestate is dropped without touching traceparent (§3.3), and counted', () => {
  const stats = createPropagationStats();
  const c = extractContext({ traceparent: TP, tracestate: 'foo=1,BAR=2' }, stats)!;
  assert.is(c.traceId, TRACE);
  assert.is(c.traceState, null);
  const over = Array.from({ length: 33 }, (_, i) => `k${i}=${i}`).join(',');
  assert.is(extractContext({ traceparent: TP, tracestate: over }, stats)!.traceState, null);
  assert.equal(nonZero(stats), { tracestateInvalid: 1, tracestateTooManyMembers: 1 });
  assert.is(extractContext({ traceparent: TP, tracestate: 'x y=1' })!.traceState, null);
});

test('an empty tracestate header is accepted and leaves no tracestate; repeated headers are combined', () => {
  const stats = createPropagationStats();
  assert.is(extractContext({ traceparent: TP, tracestate: '' }, stats)!.traceState, null);
  assert.is(extractContext({ traceparent: TP, tracestate: ' , ' }, stats)!.traceState, null);
  assert.is(extractContext({ traceparent: TP, tracestate: ['foo=1,bar=2', 'rojo=1'] }, stats)!.traceState!.toString(), 'foo=1,bar=2,rojo=1');
  assert.equal(nonZero(stats), {});
});

test('a tracestate over 512 chars is truncated by whole entries on extract and counted (§3.3.1.5)', () => {
  const stats = createPropagationStats();
  const members = Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, '0')}=${'v'.repeat(30)}`);
  const c = extractContext({ traceparent: TP, tracestate: members.join(',') }, stats)!;
  const kept = c.traceState!.toString();
  assert.ok(kept.length <= MAX_TRACESTATE_CHARS);
  assert.ok(members.join(',').startsWith(kept));
  assert.equal(nonZero(stats), { tracestateTruncated: 1 });
});

test('AC-007 oversized headers are rejected by length before any scan: traceparent over 512 chars, tracestate longer than the longest valid list (counted)', () => {
  const stats = createPropagationStats();
  assert.is(extractContext({ traceparent: TP + ' '.repeat(MAX_TRACEPARENT_CHARS - TP.length) }, stats)!.spanId, SPAN, 'OWS within the bound: still trimmed');
  assert.is(extractContext({ traceparent: TP + ' '.repeat(MAX_TRACEPARENT_CHARS - TP.length + 1) }, stats), null);
  assert.is(extractContext({ traceparent: 'cc' + TP.slice(2) + '-' + 'x'.repeat(600) }, stats), null, 'a future version too');
  assert.is(extractFromGetter(() => ' '.repeat(1 << 20), stats), null, 'a megabyte of OWS is no missing header');
  assert.equal(nonZero(stats), { traceparentLength: 3 });
  // 32 members of a 256-char key and a 256-char value: the longest valid list without OWS is kept (then cut to 512)
  const longest = Array.from({ length: 32 }, (_, i) => String(i).padStart(2, '0') + 'k'.repeat(254) + '=' + 'v'.repeat(256)).join(',');
  assert.is(longest.length, MAX_TRACESTATE_INPUT);
  const s2 = createPropagationStats();
  assert.is(extractContext({ traceparent: TP, tracestate: longest }, s2)!.spanId, SPAN);
  assert.equal(nonZero(s2), { tracestateTruncated: 1 }, 'valid: truncated, not rejected');
  const s3 = createPropagationStats();
  for (const ts of [longest + ' ', 'a=1' + ' '.repeat(1 << 20), [longest, ''], Array(MAX_TRACESTATE_INPUT + 2).fill('')]) {
    const c = extractContext({ traceparent: TP, tracestate: ts as string }, s3)!;
    assert.is(c.spanId, SPAN, 'traceparent kept (§3.3)');
    assert.is(c.traceState, null);
  }
  assert.equal(nonZero(s3), { tracestateTooLong: 4 });
  assert.is(tracestateRejection('a=1' + ' '.repeat(MAX_TRACESTATE_INPUT)), 'too-long');
  assert.is(parseTracestate(Array(MAX_TRACESTATE_INPUT + 1).fill(''))!.size, 0, 'joined exactly as long as the bound: parsed');
});

test('extractFromGetter reads a fetch Headers object (case-insensitive names, repeated values joined with ", ")', () => {
  const h = new Headers([['TraceParent', TP], ['tracestate', 'foo=1'], ['TRACESTATE', 'bar=2']]);
  const stats = createPropagationStats();
  const c = extractFromGetter((n) => h.get(n), stats)!;
  assert.is(c.traceId, TRACE);
  assert.is(c.traceState!.toString(), 'foo=1,bar=2');
  const dup = new Headers([['traceparent', TP], ['traceparent', TP]]);
  assert.is(extractFromGetter((n) => dup.get(n), stats), null);
  assert.is(extractFromGetter(() => null, stats), null);
  assert.is(extractFromGetter((n) => (n === 'traceparent' ? TP : undefined))!.traceState, null);
  assert.is(extractFromGetter((n) => (n === 'traceparent' ? TP : 'Bad=1'), stats)!.traceState, null);
  // Headers.get() folds the two traceparent lines into "a, b": a duplicate, as the array form node:http's
  // headersDistinct and the queue adapters give (W3C test.py `test_traceparent_duplicated`), not trailing data
  assert.equal(nonZero(stats), { traceparentDuplicate: 1, traceparentMissing: 1, tracestateInvalid: 1 });
  const viaArray = createPropagationStats();
  extractContext({ traceparent: [TP, TP] }, viaArray);
  assert.equal(nonZero(viaArray), { traceparentDuplicate: 1 });
});

test('AC-007 extract never throws: no carrier (null, undefined), a getter, Proxy trap or header getter that throws; null, counted as carrierUnreadable', () => {
  const boom = (): never => { throw new Error('carrier'); };
  const carriers: unknown[] = [
    null, undefined,
    { get traceparent(): string { return boom(); } },
    new Proxy({}, { get: boom }),
    { traceparent: TP, get tracestate(): string { return boom(); } }, // read half-way: still no context from a carrier that throws
  ];
  for (const [i, c] of carriers.entries()) {
    const stats = createPropagationStats();
    assert.is(extractContext(c as IncomingHttpHeaders, stats), null, `carrier ${i}`);
    assert.equal(nonZero(stats), { carrierUnreadable: 1 }, `carrier ${i}`);
    assert.is(extractContext(c as IncomingHttpHeaders), null, 'stats are optional');
  }
  const getters: unknown[] = [boom, (n: string) => (n === 'tracestate' ? boom() : TP), null, 'not a function'];
  for (const [i, g] of getters.entries()) {
    const stats = createPropagationStats();
    assert.is(extractFromGetter(g as (n: string) => string, stats), null, `getter ${i}`);
    assert.equal(nonZero(stats), { carrierUnreadable: 1 }, `getter ${i}`);
  }
  const tracer = createTracer({ service: 'svc', env: {} });
  assert.is(tracer.extract(null as never), null);
  assert.is(tracer.extract(new Proxy({}, { get: boom })), null);
  assert.is(tracer.stats().propagation.carrierUnreadable, 2);
  assert.ok(tracer.extract({ traceparent: TP }), 'a plain carrier still reads');
});

test('AC-002 inject writes version 00 traceparent and the tracestate, straight from the context', () => {
  const c = extractContext({ traceparent: TP, tracestate: TS })!;
  const carrier: Record<string, unknown> = {};
  injectContext(c, carrier);
  assert.equal(carrier, { traceparent: TP, tracestate: TS });
  // a child: same trace, new parent id, the tracestate carried along
  const child = new SpanContext(c.t0, c.t1, c.t2, c.t3, 0x01020304, 0x05060708, 1, false, c.traceState);
  const out: Record<string, unknown> = {};
  injectContext(child, out);
  assert.equal(out, { traceparent: `00-${TRACE}-0102030405060708-01`, tracestate: TS });
});

test('inject: no tracestate header when there is none or it is empty; unknown flags sent as 0; higher versions downgraded', () => {
  const a: Record<string, unknown> = {};
  injectContext(extractContext({ traceparent: `00-${TRACE}-${SPAN}-ff` })!, a);
  assert.equal(a, { traceparent: `00-${TRACE}-${SPAN}-03` });
  const b: Record<string, unknown> = {};
  const c = extractContext({ traceparent: `cc-${TRACE}-${SPAN}-01-future`, tracestate: 'a=1' })!;
  injectContext(c, b);
  assert.equal(b, { traceparent: TP, tracestate: 'a=1' });
  const d: Record<string, unknown> = {};
  injectContext(new SpanContext(1, 2, 3, 4, 5, 6, 0, false, parseTracestate('')), d);
  assert.equal(d, { traceparent: '00-00000001000000020000000300000004-0000000500000006-00' });
});

test('inject skips an all-zero trace or span id (the receiver would restart the trace)', () => {
  const a: Record<string, unknown> = {};
  injectContext(new SpanContext(0, 0, 0, 0, 5, 6, 1, false, null), a);
  injectContext(new SpanContext(1, 0, 0, 0, 0, 0, 1, false, null), a);
  assert.equal(a, {});
});

test('inject caps a tracestate grown past 512 chars by set() (§3.3.1.5)', () => {
  let ts = parseTracestate('')!;
  for (let i = 0; i < 30; i++) ts = ts.set(`k${i}`, 'v'.repeat(40));
  assert.ok(ts.toString().length > MAX_TRACESTATE_CHARS);
  const out: Record<string, unknown> = {};
  injectContext(new SpanContext(1, 2, 3, 4, 5, 6, 1, false, ts), out);
  const sent = out.tracestate as string;
  assert.ok(sent.length <= MAX_TRACESTATE_CHARS);
  assert.ok(sent.startsWith('k29=')); // the newest (left-most) entries are kept
});

test('AC-001 over real HTTP: Node joins two traceparent headers, which restarts the trace; one header is kept', async () => {
  const seen: (string | null)[] = [];
  const stats = createPropagationStats();
  const server = createServer((req, res) => {
    const c = extractContext(req.headers, stats);
    seen.push(c === null ? null : c.traceId + '|' + (c.traceState?.toString() ?? ''));
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  // an array value is sent as repeated header lines
  const send = (headers: Record<string, string | string[]>) => new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'GET', path: '/', headers }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end();
  });
  try {
    await send({ TraceParent: TP, TraceState: ['foo=1', 'bar=2'] });
    await send({ traceparent: [TP, `00-${TRACE.slice(0, 31)}7-${SPAN}-01`] });
  } finally {
    await new Promise((r) => server.close(r));
  }
  assert.equal(seen, [`${TRACE}|foo=1,bar=2`, null]);
  assert.equal(nonZero(stats), { traceparentDuplicate: 1 }, 'the folded "a, b" value is two headers, not trailing data');
});

test('AC-001 injectContext into a carrier holding another context: a stale tracestate does not ride along with the new traceparent', () => {
  const fresh = extractContext({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })!;
  const carrier: Record<string, unknown> = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=old', other: 'x' };
  injectContext(fresh, carrier);
  assert.equal(carrier, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', other: 'x' });
  const withState = extractContext({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'a=1' })!;
  injectContext(withState, carrier);
  assert.is(carrier.tracestate, 'a=1');
  // nothing written (an invalid context): the carrier is left as it was
  const before = { tracestate: 'vendor=old' };
  injectContext({ t0: 0, t1: 0, t2: 0, t3: 0, s0: 0, s1: 0, traceFlags: 0, traceState: null, isRemote: false } as never, before);
  assert.equal(before, { tracestate: 'vendor=old' });
});

test.run();
