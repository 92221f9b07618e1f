import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, Span, NonRecordingSpan, SpanKind, SpanStatusCode, parseTraceparent, alwaysOff, parentBased, FLAG_RANDOM, FLAG_SAMPLED } from '../src/index.js';
import { CaptureProcessor } from './helpers/capture.js';
import fc from 'fast-check';
import { ORIGIN_MS } from '../src/clock.js';
import { VERSION } from '../src/version.js';
import { readFileSync } from 'node:fs';

function setup(opts: Parameters<typeof createTracer>[0] = {}) {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'svc-a', processor: cap, ...opts });
  return { cap, tracer };
}
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

test('AC-003 a span carries trace/span/parent IDs, service, operation, timestamps, duration, status, HTTP code', () => {
  const { cap, tracer } = setup();
  const parent = tracer.startSpan('GET /orders/{id}', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET' } }) as Span;
  const child = tracer.startSpan('SELECT orders', { parent, kind: SpanKind.CLIENT }) as Span;
  child.setAttribute('http.response.status_code', 503);
  child.setStatus(SpanStatusCode.ERROR);
  child.end();
  parent.setAttribute('http.response.status_code', 200);
  parent.end();
  assert.is(cap.spans.length, 2);
  const [c, p] = cap.spans as [Span, Span];
  assert.match(c.traceId, HEX32);
  assert.match(c.spanId, HEX16);
  assert.is(c.traceId, p.traceId);
  assert.is(c.parentSpanId, p.spanId);
  assert.is(p.parentSpanId, '');
  assert.is(p.tracer.resource['service.name'], 'svc-a');
  assert.is(p.name, 'GET /orders/{id}');
  assert.is(p.kind, SpanKind.SERVER);
  assert.is(c.kind, SpanKind.CLIENT);
  assert.ok(p.startTime > Date.now() - 60_000 && p.startTime <= Date.now() + 1);
  assert.ok(p.endTime >= p.startTime);
  assert.ok(Math.abs(p.duration - (p.endTime - p.startTime)) < 1e-3, 'duration matches end - start');
  assert.is(c.status, SpanStatusCode.ERROR);
  assert.is(c.getAttribute('http.response.status_code'), 503);
  assert.is(p.getAttribute('http.response.status_code'), 200);
  assert.equal(p.attributes, { 'http.request.method': 'GET', 'http.response.status_code': 200 });
});

test('AC-002 each unit of work gets its own span ID under the same trace; active span is the default parent', async () => {
  const { cap, tracer } = setup();
  const root = tracer.startSpan('ingress', { kind: SpanKind.SERVER });
  await tracer.withSpan(root, async () => {
    await new Promise((r) => setTimeout(r, 1));
    const a = tracer.startSpan('attempt 1', { kind: SpanKind.CLIENT });
    a.end();
    await Promise.resolve();
    const b = tracer.startSpan('attempt 2', { kind: SpanKind.CLIENT });
    b.end();
    assert.is(tracer.activeSpan(), root);
  });
  root.end();
  assert.is(tracer.activeSpan(), undefined);
  const [a, b, r] = cap.spans as [Span, Span, Span];
  assert.is(a.traceId, r.traceId);
  assert.is(b.traceId, r.traceId);
  assert.is(a.parentSpanId, r.spanId);
  assert.is(b.parentSpanId, r.spanId);
  assert.is.not(a.spanId, b.spanId);
  assert.is.not(a.spanId, r.spanId);
});

test('AC-001 a remote parent keeps its trace ID and random flag; the child records the remote parent', () => {
  const { cap, tracer } = setup();
  const remote = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03')!;
  const s = tracer.startSpan('server', { parent: remote, kind: SpanKind.SERVER }) as Span;
  s.end();
  assert.is(s.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.is(s.parentSpanId, '00f067aa0ba902b7');
  assert.ok(s.parentIsRemote);
  assert.is(s.traceFlags, FLAG_SAMPLED | FLAG_RANDOM);
  const noRandom = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')!;
  const s2 = tracer.startSpan('server', { parent: noRandom });
  assert.is(s2.traceFlags & FLAG_RANDOM, 0, 'random flag must be passed on unchanged, not added');
  assert.is(cap.spans.length, 1);
});

test('new traces get the W3C Level 2 random flag; root: true and parent: null ignore the active span', () => {
  const { tracer } = setup();
  const a = tracer.startSpan('a');
  assert.is(a.traceFlags, FLAG_SAMPLED | FLAG_RANDOM);
  tracer.withSpan(a, () => {
    const r1 = tracer.startSpan('r1', { root: true }) as Span;
    const r2 = tracer.startSpan('r2', { parent: null }) as Span;
    const c = tracer.startSpan('c') as Span;
    assert.is.not(r1.traceId, a.traceId);
    assert.is(r1.hasParent, false);
    assert.is.not(r2.traceId, a.traceId);
    assert.is(c.traceId, a.traceId);
  });
});

test('end is idempotent and everything after end is a counted no-op', () => {
  const { cap, tracer } = setup();
  const s = tracer.startSpan('x') as Span;
  s.end();
  const end1 = s.endTime;
  s.end();
  s.setAttribute('k', 'v').setStatus(SpanStatusCode.ERROR).updateName('y').addEvent('e');
  s.setAttributes({ a: 1, b: 2, c: 3 }); // one ignored call: counted once, like every other call after end
  assert.is(cap.spans.length, 1);
  assert.is(s.endTime, end1);
  assert.is(s.name, 'x');
  assert.is(s.status, SpanStatusCode.UNSET);
  assert.is(s.getAttribute('k'), undefined);
  const st = tracer.stats();
  assert.is(st.endedTwice, 1);
  assert.is(st.afterEnd, 5);
  assert.is(st.ended, 1);
});

test('explicit times: startTime and end(time) as ms or Date; end before start clamps to start', () => {
  const { tracer } = setup();
  const s = tracer.startSpan('x', { startTime: new Date(1_700_000_000_000) }) as Span;
  s.end(1_700_000_000_250.5);
  assert.is(s.startTime, 1_700_000_000_000);
  assert.is(s.duration, 250.5);
  const t = tracer.startSpan('y', { startTime: 1_700_000_000_000 }) as Span;
  t.end(1_600_000_000_000);
  assert.is(t.duration, 0);
});

test('AC-003 end times are exact for short and long spans (one int32 ns duration, long ends kept aside)', () => {
  const { tracer } = setup();
  const start = ORIGIN_MS + 1234.567891;
  fc.assert(fc.property(fc.oneof(fc.double({ min: 0, max: 2200, noNaN: true }), fc.double({ min: 2100, max: 2200, noNaN: true }), fc.double({ min: 0, max: 40 * 86400e3, noNaN: true })), (durMs) => {
    const s = tracer.startSpan('x', { startTime: start }) as Span;
    const end = start + durMs;
    s.end(end);
    assert.is(s.endUnixNano, String(exactUnixNano(end)));
    assert.is(s.startUnixNano, String(exactUnixNano(start)));
    assert.ok(s.endNs >= 0 && s.endNs < 1e9);
    // ms since epoch as a double resolves ~0.24 µs near 1.7e12, so the input itself is only that exact
    assert.ok(Math.abs(s.duration - durMs) < 1e-3, `duration ${s.duration} vs ${durMs}`);
    const nanos = BigInt(s.endUnixNano) - BigInt(s.startUnixNano);
    assert.ok(nanos >= 0n && Math.abs(Number(nanos) / 1e6 - durMs) < 1e-3);
    return true;
  }), { numRuns: 2000 });
});

/** Oracle: the exact value of the double `ms` (m·2^e) times 1e6, rounded to the nearest ns, in BigInt. */
function exactUnixNano(ms: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, ms);
  const bits = dv.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn) - 1075;
  const num = ((bits & ((1n << 52n) - 1n)) | (1n << 52n)) * 1000000n;
  if (exp >= 0) return num << BigInt(exp);
  const d = 1n << BigInt(-exp);
  return (num + d / 2n) / d;
}

test('AC-003 explicit start and end times are kept to the nearest ns (integer ms were 1 ns early)', () => {
  const { tracer, cap } = setup();
  const day = 86400e3;
  const ms = fc.oneof(
    fc.integer({ min: Math.ceil(ORIGIN_MS - 400 * day), max: Math.floor(ORIGIN_MS + 400 * day) }),
    fc.double({ min: ORIGIN_MS - 400 * day, max: ORIGIN_MS + 400 * day, noNaN: true }),
    fc.integer({ min: -1000, max: 1000 }).map((k) => Math.floor(ORIGIN_MS) + k / 8)); // sub-ms steps around timeOrigin
  fc.assert(fc.property(ms, fc.integer({ min: 0, max: 5000 }), fc.boolean(), (a, d, asDate) => {
    const s = tracer.startSpan('x', { startTime: asDate ? new Date(Math.floor(a)) : a }) as Span;
    const b = a + d;
    s.end(asDate ? new Date(Math.floor(b)) : b);
    assert.is(s.startUnixNano, String(exactUnixNano(asDate ? Math.floor(a) : a)));
    assert.is(s.endUnixNano, String(exactUnixNano(asDate ? Math.floor(b) : b)));
    assert.ok(s.startNs >= 0 && s.startNs < 1e9 && s.endNs >= 0 && s.endNs < 1e9);
    return true;
  }), { numRuns: 3000 });
  assert.is(tracer.stats().invalidTimes, 0);
  cap.spans.length = 0;
});

test('AC-007 startSpan never throws into the host: a links option that is not iterable, a kind outside 1..5', () => {
  const { tracer, cap } = setup();
  const s = tracer.startSpan('x', { links: 5 as never, kind: 7 }) as Span;
  assert.is(s.kind, SpanKind.INTERNAL, 'kind 7 is no OTLP kind: INTERNAL');
  assert.is(tracer.stats().linksDropped, 1);
  const p = tracer.startSpan('y', { links: [null, 'x'] as never, kind: 'server' as never }) as Span;
  assert.is(p.kind, SpanKind.INTERNAL);
  for (const k of [0, 6, 1, 5]) assert.is((tracer.startSpan('k', { kind: k }) as Span).kind, k === 0 || k === 6 ? SpanKind.INTERNAL : k);
  assert.is(tracer.stats().linksDropped, 2, "'x' is no context: counted; null is skipped");
  s.end(); p.end();
  assert.is(cap.spans.length, 2);
});

test('AC-007 initial attributes with a throwing getter or a Proxy whose keys cannot be listed: counted, never a throw out of startSpan', () => {
  const { tracer } = setup();
  const attrs = { ok: 1, get bad(): number { throw new Error('getter'); }, after: 2 };
  const s = tracer.startSpan('x', { attributes: attrs as never }) as Span;
  assert.equal(s.attributes, { ok: 1 }, 'what was read before the throw is kept');
  assert.is(tracer.stats().attributes.invalid, 1);
  const proxy = new Proxy({}, { ownKeys() { throw new Error('trap'); } });
  const p = tracer.startSpan('y', { attributes: proxy as never }) as Span;
  assert.equal(p.attributes, {});
  assert.is(tracer.stats().attributes.invalid, 2);
  s.setAttribute('later', true); // the span works as any
  assert.equal(s.attributes, { ok: 1, later: true });
});

test('durations come from a monotonic clock, not Date.now()', async () => {
  const { tracer } = setup();
  const realNow = Date.now;
  Date.now = () => 0; // a wall clock jump must not affect span times
  try {
    const s = tracer.startSpan('x') as Span;
    await new Promise((r) => setTimeout(r, 5));
    s.end();
    assert.ok(s.duration >= 4, 'duration ' + s.duration);
    assert.ok(s.startTime > 1_600_000_000_000);
  } finally { Date.now = realNow; }
});

test('recordError records error.type and, by default, never the message', () => {
  const { tracer } = setup();
  const s = tracer.startSpan('x') as Span;
  const err = Object.assign(new Error('card 4111-1111-1111-1111 declined for bob@example.com'), { code: 'ECONNRESET' });
  s.recordError(err);
  assert.is(s.getAttribute('error.type'), 'ECONNRESET');
  assert.is(s.status, SpanStatusCode.ERROR);
  assert.is(s.statusMessage, null);
  assert.not.ok(JSON.stringify(s.attributes).includes('4111'));
  s.recordError(new TypeError('x'));
  assert.is(s.getAttribute('error.type'), 'TypeError');
  const { tracer: t2 } = setup({ recordErrorMessages: true });
  const s2 = t2.startSpan('x') as Span;
  s2.recordError(new RangeError('too big'));
  assert.is(s2.getAttribute('exception.message'), 'too big');
  assert.is(s2.statusMessage, 'too big');
});

test('recordError: a subclass of Error that does not set name gets its class name as error.type (semconv: the exception\'s canonical class name), not the inherited "Error"', () => {
  const { tracer } = setup();
  class PaymentDeclined extends Error {}
  class Named extends Error { override name = 'CardExpired'; }
  class WithCode extends Error { code = 'E_QUOTA'; }
  const cases: [unknown, string][] = [
    [new PaymentDeclined('x'), 'PaymentDeclined'], [new Named('x'), 'CardExpired'], [new WithCode('x'), 'E_QUOTA'],
    [new Error('x'), 'Error'], [Object.assign(new PaymentDeclined('x'), { name: 'Error' }), 'Error'], // a name set on purpose stays
    [{ name: 'Error' }, 'Error'], [new (class extends TypeError {})('x'), 'TypeError'],
  ];
  for (const [err, type] of cases) {
    const s = tracer.startSpan('x') as Span;
    s.recordError(err);
    assert.is(s.getAttribute('error.type'), type, type);
  }
});

test('recordError never throws into the host: throwing getters, Proxies, null-prototype objects and non-Errors give a usable error.type', () => {
  const { tracer } = setup({ recordErrorMessages: true });
  const boom = () => { throw new Error('getter'); };
  const cases: [unknown, string][] = [
    ['just a string', '_OTHER'], [null, '_OTHER'], [undefined, '_OTHER'], [42, '_OTHER'], [Object.create(null), '_OTHER'],
    [Object.defineProperty({}, 'code', { get: boom }), '_OTHER'],
    [new Proxy({}, { get: boom }), '_OTHER'],
    [new Proxy(new Error('x'), { getPrototypeOf: boom }), 'Error'],
    [{ constructor: Object.defineProperty({}, 'name', { get: boom }) }, '_OTHER'],
    [Object.assign(Object.create(null), { name: 'BadThing' }), 'BadThing'],
    [Object.defineProperty(new Error('x'), 'message', { get: boom }), 'Error'],
  ];
  for (const [err, type] of cases) {
    const s = tracer.startSpan('x') as Span;
    s.recordError(err);
    assert.is(s.getAttribute('error.type'), type, String(type));
    assert.is(s.status, SpanStatusCode.ERROR);
    assert.is(s.getAttribute('exception.message'), undefined);
  }
});

test('AC-007 setAttributes, event attributes and an allow predicate that throw are counted drops, never an exception in the host', () => {
  const { tracer } = setup({ attributes: { allow: (k) => { if (k === 'deny.throws') throw new Error('predicate'); return true; } } });
  const s = tracer.startSpan('x') as Span;
  const attrs = { a: 1, get b(): number { throw new Error('getter'); }, c: 3 };
  s.setAttributes(attrs);
  s.setAttributes(new Proxy({}, { ownKeys() { throw new Error('keys'); } }) as never);
  s.setAttribute('deny.throws', 1);
  s.addEvent('ev', attrs);
  s.addEvent('ev2', { 'deny.throws': 1, d: 4 });
  s.addEvent(Object.create(null) as never);
  assert.equal(s.attributes, { a: 1, c: 3 });
  assert.equal(s.events.map((e) => [e.name, e.attrs]), [['ev', ['a', 1, 'c', 3]], ['ev2', ['d', 4]], ['unknown', null]]);
  assert.equal(tracer.stats().attributes, { dropped: 0, truncated: 0, rejected: 2, invalid: 3 });
});

test('status OK is final; ERROR after OK is ignored (OTel span status rule)', () => {
  const { tracer } = setup();
  const s = tracer.startSpan('x') as Span;
  s.setStatus({ code: SpanStatusCode.OK });
  s.setStatus(SpanStatusCode.ERROR, 'late');
  assert.is(s.status, SpanStatusCode.OK);
  s.setStatus(7 as never);
  assert.is(s.status, SpanStatusCode.OK);
});

test('a throwing processor never reaches the caller; the span is counted', () => {
  const logs: string[] = [];
  const { cap, tracer } = setup({ logger: (m) => logs.push(m) });
  cap.throwOnEnd = true;
  for (let i = 0; i < 3; i++) tracer.startSpan('x').end();
  const st = tracer.stats();
  assert.is(st.processorErrors, 3);
  assert.is(st.dropped.processorError, 3);
  assert.is(logs.length, 1, 'reported once, not per span');
});

test('AC-007 a processor whose forceFlush / shutdown throws synchronously or returns no promise never throws into the caller', async () => {
  const base = { onEnd() {}, stats: () => ({ enqueued: 0, exported: 0, queued: 0, dropped: { queueFull: 0, exportFailed: 0, shutdown: 0, noExporter: 0 } }) };
  const throwing = createTracer({ service: 'x', processor: { ...base, forceFlush() { throw new Error('sync'); }, shutdown() { throw new Error('sync'); } } });
  const bare = createTracer({ service: 'x', processor: { ...base, forceFlush: () => undefined as never, shutdown: () => undefined as never } });
  const rejecting = createTracer({ service: 'x', processor: { ...base, forceFlush: () => Promise.reject(new Error('no')), shutdown: () => Promise.reject(new Error('no')) } });
  let seen: unknown = 'unset';
  const opts = { deadlineMs: 10 };
  const passing = createTracer({ service: 'x', processor: { ...base, forceFlush: () => Promise.resolve(), shutdown: (o?: unknown) => { seen = o; return Promise.resolve(); } } });
  for (const t of [throwing, bare, rejecting, passing]) {
    assert.is(await t.forceFlush(), undefined);
    assert.is(await t.shutdown(opts), undefined);
  }
  assert.is(seen, opts, 'the options reach the processor as given');
});

test('without exporter spans are counted as dropped (noExporter)', () => {
  const tracer = createTracer({ service: 'x' });
  tracer.startSpan('a').end();
  tracer.startSpan('b').end();
  const st = tracer.stats();
  assert.is(st.ended, 2);
  assert.is(st.dropped.noExporter, 2);
  assert.is(st.exported + st.queued + st.dropped.noExporter, st.ended);
});

test('unsampled: context still propagates with a new span ID; children reuse the non-recording span', () => {
  const { cap, tracer } = setup({ sampler: parentBased(alwaysOff) });
  const root = tracer.startSpan('root');
  assert.instance(root, NonRecordingSpan);
  assert.match(root.traceId, HEX32);
  assert.match(root.spanId, HEX16);
  assert.is(root.traceFlags & FLAG_SAMPLED, 0);
  assert.is(root.traceFlags & FLAG_RANDOM, FLAG_RANDOM);
  const child = tracer.withSpan(root, () => tracer.startSpan('child'));
  assert.is(child, root, 'no allocation for children of unsampled spans');
  root.setAttribute('k', 'v');
  root.end();
  assert.is(cap.spans.length, 0);
  assert.is(tracer.stats().unsampled, 2);
  // An unsampled remote parent gets its own span ID (for the response header), same trace.
  const remote = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')!;
  const srv = tracer.startSpan('srv', { parent: remote });
  assert.is(srv.traceId, remote.traceId);
  assert.is.not(srv.spanId, remote.spanId);
});

test('links from options and addLink; invalid contexts ignored', () => {
  const { tracer } = setup();
  const other = tracer.startSpan('other', { root: true }) as Span;
  const s = tracer.startSpan('batch', { links: [other, { context: other, attributes: { 'messaging.message.id': 'm1' } }] }) as Span;
  s.addLink({ t0: 0, t1: 0, t2: 0, t3: 0, s0: 1, s1: 1 } as never);
  s.addLink(null as never);
  s.addLink({ traceId: other.traceId, spanId: other.spanId } as never); // not a span context (no ID words)
  assert.is(s.links.length, 2);
  // never silent loss: each ignored link is counted, in the stats and in the span's droppedLinksCount
  assert.is(tracer.stats().linksDropped, 3);
  assert.is(s.rare!.droppedLinks, 3);
  assert.is(s.links[0]!.traceId, other.traceId);
  assert.is(s.links[1]!.spanId, other.spanId);
  assert.equal(s.links[1]!.attrs, ['messaging.message.id', 'm1']);
});

test('updateName with a non-string (a JS caller) is ignored and counted in stats().invalidNames; the span keeps its name', () => {
  const { cap, tracer } = setup();
  const s = tracer.startSpan('GET') as Span;
  for (const bad of [undefined, null, 42, { toString: () => 'obj' }, Symbol('s')]) s.updateName(bad as never);
  assert.is(s.name, 'GET');
  assert.is(tracer.stats().invalidNames, 5);
  s.updateName('GET /orders/:id');
  assert.is(tracer.stats().invalidNames, 5, 'a string is no invalid name');
  s.end();
  s.updateName(7 as never); // after end: counted as afterEnd, like every call on an ended span
  assert.is(tracer.stats().invalidNames, 5);
  assert.is(tracer.stats().afterEnd, 1);
  assert.is(cap.spans[0]!.name, 'GET /orders/:id');
});

test('events are bounded and counted', () => {
  const { tracer } = setup({ attributes: { maxEvents: 2 } });
  const s = tracer.startSpan('x') as Span;
  s.addEvent('a'); s.addEvent('b', { k: 1 }, 1_700_000_000_000); s.addEvent('c');
  assert.is(s.events.length, 2);
  assert.is(s.events[1]!.time, 1_700_000_000_000);
  assert.is(tracer.stats().eventsDropped, 1);
});

test('explicit times that are not usable epoch times (±68 years from start, NaN, <= 0) fall back to the clock, counted', () => {
  const { tracer } = setup();
  const before = Date.now();
  const y2100 = Date.UTC(2100, 0, 1);
  const s = tracer.startSpan('x', { startTime: y2100 }) as Span;
  s.addEvent('e', undefined, new Date(NaN));
  s.end(y2100 + 1000);
  assert.ok(s.startTime >= before - 1 && s.startTime <= Date.now() + 1, `start from the clock, not wrapped (${s.startTime})`);
  assert.ok(BigInt(s.startUnixNano) > 1_700_000_000_000_000_000n);
  assert.ok(s.endTime >= s.startTime && s.endTime <= Date.now() + 1);
  assert.ok(s.events[0]!.time >= before - 1);
  assert.is(tracer.stats().invalidTimes, 3);
  // usable ones are not counted: 2001 (before the process started) is kept exactly
  const t = tracer.startSpan('y', { startTime: Date.UTC(2001, 0, 1) }) as Span;
  t.end(Date.UTC(2001, 0, 1) + 1500);
  assert.is(t.startTime, Date.UTC(2001, 0, 1));
  assert.is(t.duration, 1500);
  assert.is(tracer.stats().invalidTimes, 3);
});

test('explicit times read from performance.now() (as OpenTelemetry\'s TimeInput allows) are monotonic readings, not epoch ms in January 1970', () => {
  const { tracer } = setup();
  const p1 = performance.now();
  const s = tracer.startSpan('x', { startTime: p1 }) as Span;
  s.addEvent('e', undefined, p1);
  const p2 = performance.now();
  s.end(p2);
  near(BigInt(s.startUnixNano), relUnixNano(p1));
  near(BigInt(s.endUnixNano), relUnixNano(p2));
  assert.ok(Math.abs(s.duration - (p2 - p1)) < 1e-3, `duration ${s.duration} vs ${p2 - p1}`);
  assert.ok(Math.abs(s.events[0]!.time - (ORIGIN_MS + p1)) < 1e-3);
  assert.is(tracer.stats().invalidTimes, 0);
  // an epoch time is still one, before the process started too (only a value no larger than performance.now() is a reading)
  const t = tracer.startSpan('y', { startTime: Date.UTC(2001, 0, 1) }) as Span;
  assert.is(t.startTime, Date.UTC(2001, 0, 1));
});

/** Oracle: unix ns of a monotonic reading `rel` (ms since timeOrigin). */
function relUnixNano(rel: number): bigint {
  return exactUnixNano(ORIGIN_MS) + BigInt(Math.round(rel * 1e6));
}
/** Within 2 ns (timeOrigin's own sub-ns rounding and the split into seconds and ns). */
function near(a: bigint, b: bigint): void {
  assert.ok(a - b <= 2n && b - a <= 2n, `${a} vs ${b}`);
}

test('setStatus(UNSET) is ignored (OTel trace API, Set Status): ERROR and its message stay', () => {
  const { tracer } = setup();
  const s = tracer.startSpan('x') as Span;
  s.setStatus(SpanStatusCode.ERROR, 'db down');
  s.setStatus(SpanStatusCode.UNSET);
  s.setStatus({ code: SpanStatusCode.UNSET });
  assert.is(s.status, SpanStatusCode.ERROR);
  assert.is(s.statusMessage, 'db down');
});

test('initial attributes over the count limit count in the span\'s droppedAttributesCount too; an empty key is invalid', () => {
  const { tracer } = setup({ attributes: { maxCount: 2 } });
  const s = tracer.startSpan('x', { attributes: { a: 1, b: 2, c: 3, d: 4 } }) as Span;
  assert.is(s.nAttr, 2);
  assert.is(s.rare?.droppedAttrs, 2);
  assert.is(tracer.stats().attributes.dropped, 2);
  const e = tracer.startSpan('y', { attributes: { '': 'v', k: 1 } }) as Span;
  assert.equal(e.attributes, { k: 1 });
  assert.is(tracer.stats().attributes.invalid, 1);
});

test('event and link attributes: undefined / null values are skipped like span attributes, not counted invalid', () => {
  const { tracer } = setup();
  const s = tracer.startSpan('x') as Span;
  s.setAttributes({ a: undefined });
  s.addEvent('e', { a: undefined, b: null as never, c: 1 });
  s.addLink(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')!, { a: undefined, d: 2 });
  assert.is(tracer.stats().attributes.invalid, 0);
  assert.equal(s.events[0]!.attrs, ['c', 1]);
  s.addEvent('f', { '': 1 });
  assert.is(tracer.stats().attributes.invalid, 1);
});

test('startActiveSpan makes the span active inside fn only', () => {
  const { tracer } = setup();
  const out = tracer.startActiveSpan('op', undefined, (span) => {
    assert.is(tracer.activeSpan(), span);
    span.end();
    return 42;
  });
  assert.is(out, 42);
  assert.is(tracer.activeSpan(), undefined);
});

test('resource: explicit service wins over OTEL_SERVICE_NAME, which wins over OTEL_RESOURCE_ATTRIBUTES', () => {
  const env = { OTEL_SERVICE_NAME: 'from-env', OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,deployment.environment=prod%2Ceu' };
  assert.is(createTracer({ env }).service, 'from-env');
  assert.is(createTracer({ env, service: 'code' }).service, 'code');
  assert.is(createTracer({ env: { OTEL_RESOURCE_ATTRIBUTES: env.OTEL_RESOURCE_ATTRIBUTES } }).service, 'from-attrs');
  assert.is(createTracer({ env }).resource['deployment.environment'], 'prod,eu');
  const warnings: string[] = [];
  const t = createTracer({ env: { OTEL_RESOURCE_ATTRIBUTES: 'a=1,broken' }, logger: (m) => warnings.push(m) });
  assert.is(t.resource['a'], undefined, 'a decode error discards the whole variable');
  assert.is(warnings.length, 1);
  assert.is(createTracer({ env: {} }).service, 'unknown_service:node');
});

test('resource: an OTEL_RESOURCE_ATTRIBUTES entry with an empty key or an unencoded "=" is an error that discards the whole variable (resource SDK spec: "," and "=" MUST be percent-encoded; as OTel JS EnvDetector)', () => {
  for (const bad of ['team=core, =orphan', 'team=core,=orphan', 'team=core,token=abc==', 'team=core,a=b=c']) {
    const warnings: string[] = [];
    const t = createTracer({ env: { OTEL_RESOURCE_ATTRIBUTES: bad, OTEL_SERVICE_NAME: 'svc' }, logger: (m) => warnings.push(m) });
    assert.is(t.resource['team'], undefined, bad);
    assert.not.ok('' in t.resource, bad);
    assert.is(t.service, 'svc', 'OTEL_SERVICE_NAME still applies');
    assert.is(warnings.length, 1, bad);
    assert.match(warnings[0]!, /OTEL_RESOURCE_ATTRIBUTES ignored/);
  }
  // percent-encoded "=" and "," are the way to carry them; empty members and OWS around an entry are fine
  const t = createTracer({ env: { OTEL_RESOURCE_ATTRIBUTES: ' token=abc%3D%3D , ,k%3Dx=1,' } });
  assert.is(t.resource['token'], 'abc==');
  assert.is(t.resource['k=x'], '1');
});

test('resource: an array value is kept whole (resources have no per-span limits); one too long to carry is cut with a warning, never silently', () => {
  const warnings: string[] = [];
  const zones = Array.from({ length: 200 }, (_, i) => 'zone-' + i);
  const t = createTracer({ env: {}, logger: (m) => warnings.push(m), resource: { 'app.zones': zones, 'app.huge': new Array(20000).fill(1) } });
  assert.equal(t.resource['app.zones'], zones);
  assert.is((t.resource['app.huge'] as number[]).length, 16383);
  assert.is(warnings.length, 1);
  assert.match(warnings[0]!, /"app\.huge".*16383/);
});

test('resource: telemetry.sdk.name/language/version, the SDK-provided attributes (semconv telemetry.sdk.*), version kept in step with package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.is(VERSION, pkg.version);
  const t = createTracer({ env: {} });
  assert.is(t.resource['telemetry.sdk.name'], 'tracewire');
  assert.is(t.resource['telemetry.sdk.language'], 'nodejs');
  assert.is(t.resource['telemetry.sdk.version'], pkg.version);
  // the SDK's own facts, yet overridable as OTel's are (the default resource merged under the detected one)
  assert.is(createTracer({ env: { OTEL_RESOURCE_ATTRIBUTES: 'telemetry.sdk.version=patched' } }).resource['telemetry.sdk.version'], 'patched');
  // the default instrumentation scope is tracewire itself, at this version; a scope of your own keeps its own (or none)
  assert.equal(t.scope, { name: 'tracewire', version: pkg.version });
  assert.equal(createTracer({ env: {}, scope: { name: 'orders-lib' } }).scope, { name: 'orders-lib', version: '' });
  assert.equal(createTracer({ env: {}, scope: { name: 'orders-lib', version: '2.1.0' } }).scope, { name: 'orders-lib', version: '2.1.0' });
});

test('resource: option values spans could not carry are left out with a warning (an out-of-int64 intValue fails every export batch); an empty service.name is the default', () => {
  const warnings: string[] = [];
  const t = createTracer({
    env: { OTEL_RESOURCE_ATTRIBUTES: 'service.name=,team=core' }, logger: (m) => warnings.push(m),
    resource: { huge: (2n ** 70n) as never, obj: { a: 1 } as never, fn: (() => 1) as never, mixed: [1, 'a'] as never, get bad(): string { throw new Error('getter'); }, ok: 12n, list: ['a', null], n: null },
  });
  assert.equal(Object.keys(t.resource).sort(), ['list', 'ok', 'service.name', 'team', 'telemetry.sdk.language', 'telemetry.sdk.name', 'telemetry.sdk.version']);
  assert.is(t.resource.ok, 12n);
  assert.is(t.service, 'unknown_service:node');
  assert.equal(warnings.map((w) => /"(\w+)" ignored/.exec(w)?.[1]), ['huge', 'obj', 'fn', 'mixed', 'bad']);
});

test.run();
