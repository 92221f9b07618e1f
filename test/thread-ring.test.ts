// The SharedArrayBuffer ring and its records on their own, with a direct consumer (no exporter thread,
// no network): records decode to the same OTLP as the original spans, wrap, drop, trim, recover.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, Span, SpanKind, SpanStatusCode } from '../src/index.js';
import { OtlpJsonEncoder } from '../src/otlp-json.js';
import { BatchSpanProcessor } from '../src/batcher.js';
import { memoryExporter } from '../src/exporters-local.js';
import type { SpanProcessor } from '../src/processor.js';
import { RingProcessor, attachThreadProcessor } from '../src/thread/processor.js';
import { Consumer } from '../src/thread/consumer.js';
import { RingReader, RingWriter, FULL } from '../src/thread/ring.js';
import { DictReader, DictWriter } from '../src/thread/dict.js';
import { ByteReader } from '../src/thread/codec.js';
import { decodeSpan, type ThreadSpan } from '../src/thread/thread-span.js';
import { readStats } from '../src/thread/stats.js';
import * as L from '../src/thread/layout.js';
import { startProducers, produce, expectedPayload } from './helpers/ring-producer.js';
import { CaptureProcessor } from './helpers/capture.js';

/** Hands each span to the ring processor after recording its in-thread OTLP encoding. */
class Tee implements SpanProcessor {
  readonly enc = new OtlpJsonEncoder();
  readonly json = new Map<string, string>();
  constructor(readonly next: RingProcessor) {}
  onEnd(span: Span): void { this.json.set(span.spanId, this.enc.encode([span]).toString()); this.next.onEnd(span); }
  forceFlush() { return this.next.forceFlush(); }
  shutdown() { return this.next.shutdown(); }
  stats() { return this.next.stats(); }
}

/** Direct consumer: every committed record, decoded, then freed. */
function drainAll(l: L.Layout, reader = new RingReader(l, 5000), dict = new DictReader(l)): ThreadSpan[] {
  const br = new ByteReader(Buffer.from(l.sab));
  const out: ThreadSpan[] = [];
  for (let at = reader.next(); at >= 0; at = reader.next()) out.push(decodeSpan(l.i32, br, at, dict));
  reader.free();
  return out;
}

function sumDrops(d: object): number {
  let n = 0;
  for (const v of Object.values(d)) n += v as number;
  return n;
}

test('AC-003 a record decodes to byte-identical OTLP: IDs, parent, times, kind, status, attributes, events, links', () => {
  const l = L.createLayout(1 << 16);
  const tee = new Tee(new RingProcessor(l));
  const tracer = createTracer({ service: 'svc-ring', serviceVersion: '1.2.3', processor: tee, recordErrorMessages: true, attributes: { maxCount: 5, maxEventAttributes: 5, maxLinkAttributes: 5 }, scope: { name: 'scope-a', version: '9' } });
  const remote = tracer.extract({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=abc,other=x:y' })!;
  const server = tracer.startSpan('GET /orders/{id}', { kind: SpanKind.SERVER, parent: remote, attributes: {
    s: 'plain', u: 'héllo ✓ 🚀', i: 200, neg: -7, f: 1.25, big: 2 ** 40, z: -0, nan: NaN, inf: -Infinity, t: true, no: false,
  } }) as Span;
  server.setAttribute('extra', 'over maxCount: dropped and counted');
  const child = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, parent: server, startTime: new Date(Date.now() - 1500),
    attributes: { arr: ['a', null, 'b'], nums: [1, 2.5, -3], bools: [true, false], bytes: new Uint8Array([0, 1, 254, 255]), long: 'x'.repeat(300) } }) as Span;
  child.addEvent('retry', { attempt: 2, reason: 'timeout' }, Date.now() - 1000.123);
  child.addEvent('bare');
  child.addLink(remote, { 'link.kind': 'follows', n: 1 });
  child.addLink(server);
  child.addEvent('wide', { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7 }); // 2 over maxEventAttributes: the event's droppedAttributesCount
  child.addLink(remote, { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 });
  child.recordError(Object.assign(new Error('connection refused by upstream'), { code: 'ECONNREFUSED' }));
  child.end(Date.now() - 250.5);
  server.setStatus(SpanStatusCode.OK);
  server.end();
  const internal = tracer.startSpan('internal', { root: true }) as Span;
  internal.end();

  const got = drainAll(l);
  assert.is(got.length, 3);
  const enc = new OtlpJsonEncoder();
  for (const s of got) assert.is(enc.encode([s as unknown as Span]).toString(), tee.json.get(s.spanId), `span ${s.name}`);
  // spot checks on the decoded objects themselves (what exporters other than OTLP read)
  const c = got.find((s) => s.name === 'SELECT orders')!;
  assert.is(c.parentSpanId, server.spanId);
  assert.is(c.traceId, '0af7651916cd43dd8448eb211c80319c');
  assert.is(c.status, SpanStatusCode.ERROR);
  assert.is(c.statusMessage, 'connection refused by upstream');
  assert.is(c.events.length, 3);
  assert.is(c.links.length, 3);
  assert.equal([c.events.map((e) => e.dropped), c.links.map((x) => x.dropped)], [[0, 0, 2], [0, 0, 1]]);
  const otlp = JSON.parse(tee.json.get(c.spanId)!).resourceSpans[0].scopeSpans[0].spans[0];
  assert.is(otlp.events[2].droppedAttributesCount, 2, 'the in-thread OTLP compared above has the count');
  assert.is(otlp.links[2].droppedAttributesCount, 1);
  assert.is(c.links[0]!.traceState?.toString(), 'vendor=abc,other=x:y');
  assert.equal(c.attributes.bytes, new Uint8Array([0, 1, 254, 255]));
  const sv = got.find((s) => s.name === 'GET /orders/{id}')!;
  assert.ok(sv.parentIsRemote && sv.hasParent);
  assert.is(sv.traceState?.toString(), 'vendor=abc,other=x:y');
  assert.is(sv.traceState?.get('other'), 'x:y', 'a TraceState, as on the span it came from');
  assert.is(sv.rare!.droppedAttrs, 7); // 6 initial attributes and one setAttribute past maxCount (OTLP droppedAttributesCount counts both)
  assert.is(got.find((s) => s.name === 'internal')!.parentSpanId, '');
  assert.is(sv.tracer.scope.name, 'scope-a');
  assert.is(sv.tracer.resource['service.version'], '1.2.3');
  assert.ok(Math.abs(c.duration - child.duration) < 1e-3 && c.startTime === child.startTime, 'times survive the trip (to the ns)');
  assert.is(c.endUnixNano, child.endUnixNano);
});

test('AC-003 a decoded span answers every read a custom exporter can make of a Span as the span did (getters, getAttribute, sampled, spanContext, isRecording)', () => {
  const l = L.createLayout(1 << 16);
  const seen = new Map<string, Record<string, unknown>>();
  // Every public getter of Span (new ones are covered without touching this test) and the read-side methods.
  const getters = Object.entries(Object.getOwnPropertyDescriptors(Span.prototype)).filter(([, d]) => d.get !== undefined).map(([k]) => k);
  const read = (s: Span): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (const k of getters) o[k] = String((s as unknown as Record<string, unknown>)[k] === null ? null : JSON.stringify((s as unknown as Record<string, unknown>)[k], (_k, v) => typeof v === 'bigint' ? String(v) : v));
    o.name = s.name;
    o['getAttribute(n)'] = s.getAttribute('n');
    o['getAttribute(missing)'] = s.getAttribute('missing');
    o['spanContext().traceId'] = s.spanContext().traceId;
    o['spanContext().spanId'] = s.spanContext().spanId;
    o['isRecording()'] = s.isRecording();
    o['service'] = s.tracer.service;
    return o;
  };
  const ring = new RingProcessor(l);
  const tracer = createTracer({ service: 'api', processor: { onEnd: (s: Span) => { seen.set(s.spanId, read(s)); ring.onEnd(s); }, forceFlush: () => ring.forceFlush(), shutdown: () => ring.shutdown(), stats: () => ring.stats() } });
  const remote = tracer.extract({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=abc' })!;
  const a = tracer.startSpan('a', { kind: SpanKind.SERVER, parent: remote, attributes: { n: 7, s: 'x' } }) as Span;
  a.addEvent('e', { n: 1 });
  a.addLink(remote, { n: 2 });
  a.end();
  tracer.startSpan('b', { root: true }).end();
  const got = drainAll(l);
  assert.is(got.length, 2);
  for (const t of got) assert.equal(read(t as unknown as Span), seen.get(t.spanId), `span ${t.name}`);
});

test('AC-007 records never straddle the wrap: a small ring wraps many times, every record read once, in order, intact', () => {
  const l = L.createLayout(4096);
  const tracer = createTracer({ service: 'wrap', processor: new RingProcessor(l) });
  const reader = new RingReader(l, 5000);
  const dict = new DictReader(l);
  let rnd = 12345;
  const rand = (n: number): number => ((rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) % n);
  let sent = 0, next = 0, pads = 0;
  const seen: number[] = [];
  for (let round = 0; round < 400; round++) {
    const burst = 1 + rand(8);
    for (let k = 0; k < burst; k++) {
      const before = readStats(l).dropped.queueFull;
      tracer.startSpan('w', { root: true, attributes: { i: next, payload: 'p'.repeat(rand(700)) + (next % 5 === 0 ? 'é' : '') } }).end();
      if (readStats(l).dropped.queueFull === before) sent++; else seen.push(-next); // dropped, counted
      next++;
    }
    const w = Atomics.load(l.i32, L.WRITE);
    if ((w & (l.ringBytes - 1)) < 8 * 100) pads++;
    for (const s of drainAll(l, reader, dict)) {
      const i = s.attributes.i as number;
      const payload = s.attributes.payload as string;
      assert.ok(/^p*é?$/.test(payload) && payload.endsWith('é') === (i % 5 === 0), `payload intact: ${i} ${JSON.stringify(payload.slice(-20))}`);
      seen.push(i);
    }
  }
  const received = seen.filter((x) => x >= 0);
  assert.is(received.length, sent);
  for (let k = 1; k < received.length; k++) assert.ok(received[k]! > received[k - 1]!, 'in order, no duplicate');
  const st = readStats(l);
  assert.is(received.length + st.dropped.queueFull, next, 'every span received or counted as dropped');
  assert.ok((Atomics.load(l.i32, L.WRITE) >>> 0) / l.ringBytes > 20, 'wrapped more than 20 times');
  assert.ok(st.dropped.queueFull > 0, 'the burst sizes overflow the ring sometimes');
});

test('AC-007 a full ring drops and counts, never blocks; ended = exported + dropped + queued holds before and after export', async () => {
  const l = L.createLayout(4096);
  const mem = memoryExporter();
  const batcher = new BatchSpanProcessor(mem, { scheduledDelayMillis: 1, logger: () => {} });
  const tracer = createTracer({ service: 'full', processor: new RingProcessor(l) });
  for (let i = 0; i < 200; i++) tracer.startSpan('x', { root: true, attributes: { pad: 'y'.repeat(100) } }).end();
  let st = tracer.stats();
  assert.ok(st.dropped.queueFull > 0 && st.enqueued > 0);
  assert.is(st.enqueued + st.dropped.queueFull, 200);
  assert.is(st.ended, st.exported + sumDrops(st.dropped) + st.queued);
  const consumer = new Consumer(l, batcher, { maxQueue: batcher.maxQueueSize });
  await consumer.drainAll(performance.now() + 2000);
  st = tracer.stats();
  assert.is(mem.spans.length, st.exported);
  assert.is(st.exported, st.enqueued);
  assert.is(st.queued, 0);
  assert.is(st.ended, st.exported + sumDrops(st.dropped) + st.queued);
  assert.is((st as unknown as { thread: { ended: number } }).thread.ended, 200);
  await batcher.shutdown();
});

test('AC-007 a record whose thread died mid-write is skipped after stallMs and counted; the ring keeps flowing', async () => {
  const l = L.createLayout(8192);
  const mem = memoryExporter();
  const batcher = new BatchSpanProcessor(mem, { scheduledDelayMillis: 1, logger: () => {} });
  const consumer = new Consumer(l, batcher, { stallMs: 30 });
  const tracer = createTracer({ service: 'stall', processor: new RingProcessor(l) });
  const w = new RingWriter(l);
  tracer.startSpan('before', { root: true }).end();
  assert.ok(w.reserve(64) !== FULL); // reserved, length marked, never committed
  tracer.startSpan('after-marked', { root: true }).end();
  Atomics.add(l.i32, L.ENQ, 1); Atomics.add(l.i32, L.WRITE, 48); // reserved, died before even marking the length (all zero)
  tracer.startSpan('after-unmarked', { root: true }).end();
  assert.is(consumer.drain(), 1, 'stops at the uncommitted record');
  await new Promise((r) => setTimeout(r, 40));
  consumer.drain();
  await new Promise((r) => setTimeout(r, 40));
  consumer.drain();
  await consumer.drainAll(performance.now() + 1000);
  assert.equal(mem.spans.map((s) => s.name), ['before', 'after-marked', 'after-unmarked']);
  const st = tracer.stats();
  assert.is((st.dropped as unknown as Record<string, number>).abandoned, 2);
  assert.ok(consumer.reader.empty);
  assert.is(readStats(l).thread.inRing, 0);
  await batcher.shutdown();
});

test('AC-007 a writer stopped longer than stallMs between reserve and commit writes nothing once the consumer gave up on its record: no torn record read, the span counted (abandoned, lateWrites)', async () => {
  for (const where of ['before the copy', 'before the commit'] as const) {
    const l = L.createLayout(4096);
    const mem = memoryExporter();
    const batcher = new BatchSpanProcessor(mem, { scheduledDelayMillis: 1, logger: () => {} });
    const consumer = new Consumer(l, batcher, { stallMs: 0 }); // gives up on an uncommitted record at its second look
    const slowP = new RingProcessor(l);
    const slow = createTracer({ service: 'slow', processor: slowP });
    const other = createTracer({ service: 'other', processor: new RingProcessor(l) });
    // White-box: the slow thread's onEnd stops (descheduled, suspended) right after reserve() or right before
    // commit(). Meanwhile the consumer gives up on its record and frees it, and another thread fills the ring
    // a whole lap, over the same bytes (a record that does not fit the tail goes to offset 0: where the slow one is).
    const ring = (slowP as unknown as { ring: RingWriter }).ring;
    const reserve = ring.reserve.bind(ring), commit = ring.commit.bind(ring);
    let sent = 0;
    let slowTotal = 0;
    const stall = (): void => {
      assert.is(consumer.drain(), 0, 'waits on the uncommitted record');
      consumer.drain(); // second look: stallMs passed, skipped and freed
      while ((Atomics.load(l.i32, L.WRITE) >>> 0) < l.ringBytes + slowTotal + 64) {
        other.startSpan('other', { root: true, attributes: { i: sent++, pad: 'o'.repeat(40) } }).end();
        if ((Atomics.load(l.i32, L.WRITE) >>> 0) < l.ringBytes) consumer.drain(); // room for the first lap only
      }
    };
    if (where === 'before the copy') ring.reserve = (total: number) => { const at = reserve(total); slowTotal = total; stall(); return at; };
    else {
      ring.reserve = (total: number) => { slowTotal = total; return reserve(total); };
      ring.commit = ((at: number, total: number, type: number) => { stall(); return commit(at, total, type); }) as typeof ring.commit;
    }
    assert.is(Atomics.load(l.i32, L.WRITE), 0, 'the slow record is the first: offset 0');
    slow.startSpan('slow', { root: true, attributes: { blob: 's'.repeat(300) } }).end();
    for (let k = 0; k < 4; k++) consumer.drain(); // (not drainAll: a desynchronised ring would wait on garbage)
    await batcher.forceFlush();
    consumer.publish();
    const got = mem.spans.map((s) => `${s.name}:${String(s.attributes.i ?? '')}:${String(s.attributes.pad ?? s.attributes.blob).length}`);
    assert.equal(got, Array.from({ length: sent }, (_, i) => `other:${i}:40`), `${where}: every other record intact, in order, once; the slow span not delivered`);
    const st = readStats(l);
    assert.is(st.dropped.abandoned, 1, where);
    assert.is(st.dropped.decodeError, 0, where);
    assert.is(st.thread.lateWrites, 1, `${where}: the writer saw it had been given up`);
    assert.is(st.exported, sent);
    assert.is(st.thread.ended, sent + 1);
    assert.is(st.thread.ended, st.exported + sumDrops(st.dropped) + st.queued);
    assert.is(st.thread.inRing, 0);
    await batcher.shutdown();
  }
});

test('AC-007 a writer stopped inside reserve() (between its WRITE CAS and its marks) longer than stallMs leaves no mark in the space the consumer gave up and freed: the next lap is read intact, nothing else lost', async () => {
  for (const padded of [false, true]) {
    const l = L.createLayout(4096);
    const mem = memoryExporter();
    const batcher = new BatchSpanProcessor(mem, { scheduledDelayMillis: 1, logger: () => {} });
    const consumer = new Consumer(l, batcher, { stallMs: 0 }); // gives up on an uncommitted record at its second look
    const slow = createTracer({ service: 'slow', processor: new RingProcessor(l) });
    const other = createTracer({ service: 'other', processor: new RingProcessor(l) });
    let sent = 0;
    const one = (pad: number): void => other.startSpan('other', { root: true, attributes: { i: sent++, pad: 'o'.repeat(pad) } }).end();
    if (padded) while ((Atomics.load(l.i32, L.WRITE) >>> 0) < l.ringBytes - 200) { one(40); consumer.drain(); } // the slow record needs a pad
    // White-box: the slow thread stops right before its first mark CAS (pad or header); meanwhile the consumer
    // looks twice (gives the space up, frees it).
    const cas = Atomics.compareExchange;
    let armed = true;
    (Atomics as { compareExchange: typeof cas }).compareExchange = ((a: Int32Array, i: number, e: number, v: number) => {
      if (armed && a === l.i32 && i >= l.base >> 2 && e === 0) { armed = false; consumer.drain(); consumer.drain(); }
      return cas(a, i, e, v);
    }) as typeof cas;
    try { slow.startSpan('slow', { root: true, attributes: { blob: 's'.repeat(300) } }).end(); } finally { (Atomics as { compareExchange: typeof cas }).compareExchange = cas; }
    assert.not.ok(armed, 'the stop happened');
    assert.ok(new Int32Array(l.sab, l.base, l.ringBytes >> 2).every((v) => v === 0), `${padded ? 'padded' : 'at 0'}: the freed ring holds no mark`);
    const first = sent;
    for (let k = 0; k < 60; k++) { one((k * 37) % 200); consumer.drain(); } // the next lap, over the same bytes
    for (let k = 0; k < 4; k++) consumer.drain();
    await batcher.forceFlush();
    consumer.publish();
    assert.equal(mem.spans.map((s) => s.attributes.i).slice(-60), Array.from({ length: 60 }, (_, k) => first + k), 'every later record intact, in order, once');
    const st = readStats(l);
    assert.is(st.dropped.abandoned, 1);
    assert.is(st.thread.lateWrites, 1, 'the slow writer saw it had been given up');
    assert.is(st.exported, sent);
    assert.is(st.thread.ended, st.exported + sumDrops(st.dropped) + st.queued);
    assert.is(st.thread.inRing, 0);
    await batcher.shutdown();
  }
});

test('AC-007 a consumer started after a crash skips a record its predecessor gave up on at once (no second stall wait)', () => {
  const l = L.createLayout(4096);
  const tracer = createTracer({ service: 'restart', processor: new RingProcessor(l) });
  const w = new RingWriter(l);
  const at = w.reserve(64);
  tracer.startSpan('after', { root: true }).end();
  const r1 = new RingReader(l, 0);
  assert.is(r1.next(), -1);
  assert.ok(r1.next() >= 0, 'skipped, then read the next record'); // died before free(): READ not moved
  assert.is(Atomics.load(l.i32, at >> 2), -64 | 7, 'the give-up mark keeps the length');
  assert.not.ok(w.commit(at, 64, L.T_SPAN), 'a late commit does not publish');
  const r2 = new RingReader(l, 60_000);
  const dict = new DictReader(l);
  assert.equal(drainAll(l, r2, dict).map((s) => s.name), ['after']);
  assert.is(r2.abandoned, 1);
});

test('AC-003 an oversized span is trimmed to fit (attributes dropped and counted in the span); a hopeless one is dropped as tooLarge', () => {
  const l = L.createLayout(16384); // records up to 4 KiB
  const tracer = createTracer({ service: 'big', processor: new RingProcessor(l), attributes: { maxValueLength: 8192 } });
  const attrs: Record<string, string> = {};
  for (let i = 0; i < 20; i++) attrs['k' + i] = String(i).repeat(400);
  const s = tracer.startSpan('big', { root: true, attributes: attrs }) as Span;
  for (let i = 0; i < 10; i++) s.addEvent('e' + i, { blob: 'e'.repeat(300) });
  s.end();
  tracer.startSpan('n'.repeat(5000), { root: true }).end(); // the name alone is past the record limit
  const got = drainAll(l);
  assert.is(got.length, 1);
  const d = got[0]!;
  assert.ok(d.nAttr > 0 && d.nAttr < 20);
  assert.is(d.rare!.droppedAttrs, 20 - d.nAttr);
  assert.ok(d.events.length < 10, 'not every event fits');
  assert.is(d.events.length + d.rare!.droppedEvents, 10, 'the rest are counted');
  for (let i = 0; i < d.nAttr; i++) assert.is(d.attrs![2 * i + 1], String(i).repeat(400));
  const st = readStats(l);
  assert.is(st.thread.trimmed, 1);
  assert.is(st.dropped.tooLarge, 1);
});

test('AC-007 a new exporter thread resumes where the dead one stopped: nothing re-read, what it held counted as exporterLost', async () => {
  const l = L.createLayout(1 << 16);
  const hung = memoryExporter({ fail: 'never' });
  const b1 = new BatchSpanProcessor(hung, { scheduledDelayMillis: 1, exportTimeoutMillis: 60_000, logger: () => {} });
  const tracer = createTracer({ service: 'restart', processor: new RingProcessor(l) });
  for (let i = 0; i < 10; i++) tracer.startSpan('first', { root: true }).end();
  const c1 = new Consumer(l, b1);
  // Die between publishing and freeing: the records are accounted (CK) but READ was not moved.
  c1.reader.free = () => {};
  assert.is(c1.drain(), 10);
  assert.is.not(Atomics.load(l.i32, L.CK), Atomics.load(l.i32, L.READ));
  for (let i = 0; i < 5; i++) tracer.startSpan('second', { root: true }).end();
  const mem = memoryExporter();
  const b2 = new BatchSpanProcessor(mem, { scheduledDelayMillis: 1, logger: () => {} });
  const c2 = new Consumer(l, b2);
  await c2.drainAll(performance.now() + 2000);
  assert.equal(mem.spans.map((s) => s.name), ['second', 'second', 'second', 'second', 'second']);
  const st = tracer.stats();
  assert.is((st.dropped as unknown as Record<string, number>).exporterLost, 10);
  assert.is(st.exported, 5);
  assert.is(st.ended, st.exported + sumDrops(st.dropped) + st.queued);
  await b2.shutdown();
});

test('AC-002 tracers are sent once: equal resources share one entry across tracers, distinct scopes get their own', () => {
  const l = L.createLayout(8192, 4096);
  const p = new RingProcessor(l);
  const a1 = createTracer({ service: 'same', processor: p });
  const a2 = createTracer({ service: 'same', processor: p });
  const b = createTracer({ service: 'same', processor: p, scope: { name: 'other' } });
  for (const t of [a1, a2, b, a1]) t.startSpan('x', { root: true, attributes: { 'http.route': '/a' } }).end();
  const got = drainAll(l);
  assert.is(got.length, 4);
  assert.is(readStats(l).thread.tracers, 2);
  assert.is(got[0]!.tracer, got[1]!.tracer, 'same entry: same group in OTLP');
  assert.is.not(got[0]!.tracer, got[2]!.tracer);
  assert.is(got[0]!.tracer.resource, got[2]!.tracer.resource, 'one resource object: one resourceSpans entry');
  // A flood of distinct resources fills the dictionary: spans of new tracers are dropped and counted.
  for (let i = 0; i < 200; i++) createTracer({ service: 'svc-' + i + 'x'.repeat(40), processor: p }).startSpan('y', { root: true }).end();
  const st = readStats(l);
  assert.ok(st.dropped.tracerTableFull > 0);
  assert.is(drainAll(l).length + st.dropped.tracerTableFull + st.dropped.queueFull, 200);
});

test('AC-007 a tracer that found the dictionary full does not search and serialize it again on every span (tens of µs each on the host thread), until a tracer entry is added', () => {
  const l = L.createLayout(8192, 1024);
  const dict = new DictWriter(l);
  let reads = 0; // the writer reads a tracer's resource only to serialize it for the dictionary
  const tracer = (service: string): { resource: Record<string, string>; scope: { name: string } } => {
    const resource = { 'service.name': service };
    return { scope: { name: 's' }, get resource() { reads++; return resource; } };
  };
  for (let i = 0; dict.ref(tracer('fill-' + i + 'x'.repeat(60))) >= 0; i++) assert.ok(i < 100, 'the dictionary fills');
  const late = tracer('late' + 'y'.repeat(60));
  assert.is(dict.ref(late), -1);
  reads = 0;
  for (let i = 0; i < 100; i++) assert.is(dict.ref(late), -1, 'still full: its spans are counted as tracerTableFull');
  assert.is(reads, 0, 'not serialized again per span');
  Atomics.add(l.i32, L.TRACER_IDS, 1); // another thread added a tracer entry (its own, or this one's)
  assert.is(dict.ref(late), -1);
  assert.ok(reads > 0, 'looked again once the table changed');
});

test('AC-003 keys past the dictionary budget travel inline and still decode', () => {
  const l = L.createLayout(1 << 16, 1024);
  const tracer = createTracer({ service: 'keys', processor: new RingProcessor(l) });
  const attrs: Record<string, number> = {};
  for (let i = 0; i < 60; i++) attrs['a.rather.long.attribute.key.number.' + i] = i;
  tracer.startSpan('k', { root: true, attributes: attrs }).end();
  tracer.startSpan('k', { root: true, attributes: attrs }).end();
  for (const s of drainAll(l)) assert.equal(s.attributes, attrs);
});

test('AC-003 maxValueLength bounds values, not keys: a key that travels inline arrives whole (two long keys never merge into one); a cut event name is counted', () => {
  const l = L.createLayout(1 << 16, 1024); // a small dictionary: the last keys travel inline
  const tee = new Tee(new RingProcessor(l));
  const tracer = createTracer({ service: 'short-values', processor: tee, attributes: { maxValueLength: 16 } });
  const attrs: Record<string, number | string> = {};
  for (let i = 0; i < 40; i++) attrs['app.some.key.' + i] = i;
  attrs['http.response.status_code'] = 200;
  attrs['http.response.status_text'] = 'OK';
  const s = tracer.startSpan('x', { root: true, attributes: attrs });
  s.addEvent('connection.retry.scheduled');
  s.end();
  const [d] = drainAll(l);
  assert.equal(d!.attributes, attrs);
  assert.is(d!.nAttr, 42);
  assert.is(d!.events[0]!.name, 'connection.retry');
  assert.is(tracer.stats().attributes.truncated, 1, 'the cut event name is counted');
  // a cut that would split a surrogate pair keeps the pair out instead (a lone half arrives as U+FFFD)
  const e = tracer.startSpan('abcdefghijklmno\u{1F600}tail', { root: true });
  e.addEvent('fifteen chars..\u{1F600}');
  e.end();
  const [de] = drainAll(l);
  assert.is(de!.name, 'abcdefghijklmno');
  assert.is(de!.events[0]!.name, 'fifteen chars..');
  const json = JSON.parse(new OtlpJsonEncoder().encode([d as unknown as Span]).toString()).resourceSpans[0].scopeSpans[0].spans[0];
  const want = JSON.parse(tee.json.get(d!.spanId)!).resourceSpans[0].scopeSpans[0].spans[0];
  assert.equal(json.attributes, want.attributes, 'the same attributes as the in-thread encoding');
});

test('AC-007 attribute keys invented per span (thousands of distinct ones) keep the producer\'s key cache bounded and still decode', () => {
  const l = L.createLayout(1 << 20);
  const p = new RingProcessor(l);
  const tracer = createTracer({ service: 'keys', processor: p });
  const keys = (p as unknown as { dict: { keys: Map<string, number> } }).dict.keys;
  let seen = 0;
  for (let i = 0; i < 6000; i++) {
    tracer.startSpan('k', { root: true, attributes: { ['user.' + i + '.visits']: i } }).end();
    if ((i & 1023) === 1023 || i === 5999) for (const s of drainAll(l)) { assert.equal(s.attributes, { ['user.' + seen + '.visits']: seen }); seen++; }
  }
  assert.is(seen, 6000);
  assert.ok(keys.size <= 2048, `key cache holds ${keys.size} keys`);
});

test('attachThreadProcessor refuses anything but a thread handle, with a clear error', () => {
  assert.throws(() => attachThreadProcessor({} as never), /not a thread handle/);
  assert.throws(() => attachThreadProcessor(new SharedArrayBuffer(L.DICT_OFFSET + 4096)), /unknown version/); // big enough, no magic
  const p = new RingProcessor(L.createLayout());
  const h = p.handle();
  assert.is(h.kind, 'tracewire.thread');
  assert.is(attachThreadProcessor(h).layout.ringBytes, p.layout.ringBytes);
  assert.is(L.ringSize(5000), 8192);
  assert.is(L.ringSize(1), L.MIN_RING_BYTES);
});

test('AC-007 several producer threads write at once: every record read exactly once and intact, or counted as dropped', async () => {
  const l = L.createLayout(8192);
  const N = 3, M = 3000, SUFFIX = 'ü';
  const workers = await startProducers(N);
  try {
    let done = 0;
    const handle = { kind: 'tracewire.thread', version: 1, sab: l.sab };
    const finished = Promise.all(workers.map((w, p) => produce(w, {
      handle, producer: p, count: M, seed: 99 + p, maxPayload: 399, // payloads of 0..399 characters
      service: 'producers', suffix: SUFFIX, payloadAtStart: true, eventsEvery: 0, napEvery: 16,
    }).then(() => { done++; })));
    const reader = new RingReader(l, 5000);
    const dict = new DictReader(l);
    const last = new Array(N).fill(-1);
    let received = 0;
    for (;;) {
      const allDone = done === N;
      for (const s of drainAll(l, reader, dict)) {
        const p = s.attributes.p as number, i = s.attributes.i as number, len = s.attributes.len as number;
        const payload = s.attributes.payload as string;
        assert.is(s.name, 'p' + p);
        assert.ok(i > last[p], `producer ${p}: ${i} after ${last[p]} (duplicate or reordered)`);
        last[p] = i;
        assert.is(payload, expectedPayload(p, i, len, SUFFIX), 'not torn');
        received++;
      }
      if (allDone && reader.empty) break;
      await new Promise((r) => setImmediate(r));
    }
    await finished;
    const st = readStats(l);
    assert.is(received + st.dropped.queueFull, N * M, 'received + dropped = produced');
    assert.is(st.enqueued, received);
    assert.ok(received >= 500, `records got through (${received})`);
    assert.ok((Atomics.load(l.i32, L.WRITE) >>> 0) / l.ringBytes > 5, 'the ring wrapped several times'); // 500 records of >= 110 bytes
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
});

test('AC-003 a span name that is not a string (JS callers) is exported as its String() form, in-thread and off-thread alike; reserve() refuses non-record sizes', () => {
  const l = L.createLayout(8192);
  const cap = new CaptureProcessor();
  const inThread = createTracer({ service: 'n', processor: cap });
  const offThread = createTracer({ service: 'n', processor: new RingProcessor(l) });
  const odd: unknown[] = [42, true, new URL('http://x/y'), undefined, { toString() { throw new Error('no'); } }];
  for (const t of [inThread, offThread]) for (const name of odd) t.startSpan(name as string, { root: true }).end();
  const expected = ['42', 'true', 'http://x/y', 'undefined', 'unknown'];
  assert.equal(drainAll(l).map((s) => s.name), expected);
  const otlp = JSON.parse(new OtlpJsonEncoder().encode(cap.spans).toString()).resourceSpans[0].scopeSpans[0].spans;
  assert.equal(otlp.map((s: { name: string }) => s.name), expected);
  assert.is(offThread.stats().processorErrors, 0);
  const w = new RingWriter(l);
  const at = Atomics.load(l.i32, L.WRITE);
  for (const bad of [0, NaN, -8, 12]) assert.is(w.reserve(bad), FULL, String(bad));
  assert.is(Atomics.load(l.i32, L.WRITE), at, 'nothing claimed');
});

test('AC-007 host workers terminated while they wait on a full ring leave no phantom record: inRing returns to 0', async () => {
  const l = L.createLayout(4096);
  const tracer = createTracer({ service: 'full', processor: new RingProcessor(l) });
  // the smallest record (the workers' spans are the same shape), so no worker span fits in what is left
  while (tracer.stats().dropped.queueFull === 0) tracer.startSpan('w', { root: true }).end();
  const before = readStats(l).thread.inRing;
  // White-box: a reserve() that gets no space never writes ENQ, so no point of it can leave a count behind.
  const add = Atomics.add;
  const touched: number[] = [];
  (Atomics as { add: typeof Atomics.add }).add = ((a: Int32Array, i: number, v: number) => { if (a === l.i32) touched.push(i); return add(a, i, v); }) as typeof Atomics.add;
  try { assert.is(new RingWriter(l).reserve(1024), FULL); } finally { (Atomics as { add: typeof Atomics.add }).add = add; }
  assert.not.ok(touched.includes(L.ENQ), 'ENQ written by a reserve() that got no space');
  // Every reserve() of these workers spins on the full ring, so terminate() lands inside it nearly every time.
  const script = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  await import(workerData.register);
  const { createTracer } = await import(workerData.src + 'index.ts');
  const { attachThreadProcessor } = await import(workerData.src + 'thread/processor.ts');
  const tracer = createTracer({ service: 'w', processor: attachThreadProcessor({ kind: 'tracewire.thread', version: 1, sab: workerData.sab }) });
  parentPort.postMessage('ready');
  for (;;) tracer.startSpan('w', { root: true }).end();
})().catch((e) => { console.error(e); process.exit(1); });`;
  const src = new URL('../src/', import.meta.url).href;
  const register = new URL('../scripts/register.mjs', import.meta.url).href;
  const { Worker } = await import('node:worker_threads');
  for (let round = 0; round < 3; round++) { // a terminate lands inside reserve() in ~1 of 3 workers: several rounds
    const workers = [0, 1, 2, 3].map(() => new Worker(script, { eval: true, execArgv: [], workerData: { src, register, sab: l.sab } }));
    await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
    await new Promise((r) => setTimeout(r, 10 + 10 * round));
    await Promise.all(workers.map((w) => w.terminate()));
    assert.is(readStats(l).thread.inRing, before, 'no reservation was counted by a thread that never got space');
  }
  const mem = memoryExporter();
  const batcher = new BatchSpanProcessor(mem, { scheduledDelayMillis: 1, logger: () => {} });
  await new Consumer(l, batcher, { maxQueue: batcher.maxQueueSize }).drainAll(performance.now() + 2000);
  await batcher.forceFlush();
  const st = readStats(l);
  assert.is(mem.spans.length, before);
  assert.is(st.thread.inRing, 0);
  assert.is(st.enqueued, before);
  await batcher.shutdown();
});

test.run();
