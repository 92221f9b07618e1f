// The OpenTelemetry API bridge (adapters/otel*.ts) against the real @opentelemetry/api 1.9: registration,
// the Span API, one shared context in both directions, propagation by the core's W3C rules, redaction.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import * as api from '@opentelemetry/api';
import { suppressTracing, unsuppressTracing } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { alwaysOff, createTracer, type Span, type TracerOptions } from '../src/index.js';
import { CaptureProcessor } from './helpers/capture.js';
import { registerOpenTelemetry, sanitizeQuery, stripUrl, QueryDialect, type OtelBridgeOptions, type OtelRegistration } from '../adapters/otel.js';
import { dialectFor } from '../adapters/otel-sql.js';
import http from 'node:http';
import { traceHttpClient, adapterStats } from '../adapters/http.js';
import { traceFetch } from '../adapters/fetch.js';
import { publish, consumeMessage } from '../adapters/queue.js';
import { listen, close, request } from './helpers/net.js';

const { context, trace, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode } = api;
const TID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SID = '00f067aa0ba902b7';

let reg: OtelRegistration | null = null;
function setup(opts: TracerOptions = {}, bridge: Partial<OtelBridgeOptions> = {}) {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'bridge-test', processor: cap, env: {}, ...opts });
  reg = registerOpenTelemetry(tracer, { api, ...bridge });
  return { cap, tracer, otel: trace.getTracer('test-instrumentation', '1.0.0'), reg };
}
test.after.each(() => { reg?.(); reg = null; });
const named = (cap: CaptureProcessor, name: string): Span => {
  const s = cap.spans.find((x) => x.name === name);
  assert.ok(s, `span ${name} exported`);
  return s!;
};
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

test('AC-002 registerOpenTelemetry installs provider, context manager and propagator; unregister restores the no-op API', () => {
  const { cap, otel, reg: r } = setup();
  assert.is(otel.constructor.name, 'BridgeTracer');
  assert.is(context.active(), ROOT_CONTEXT);
  assert.equal(propagation.fields(), ['traceparent', 'tracestate']);
  const s = otel.startSpan('a');
  assert.ok(s.isRecording());
  s.end();
  assert.not.ok(s.isRecording());
  r();
  r(); // idempotent
  reg = null;
  const after = trace.getTracer('x').startSpan('b');
  assert.not.ok(after.isRecording());
  after.end();
  assert.equal(cap.spans.map((x) => x.name), ['a']);
});

test('AC-007 a second registration is a clear error unless override; a partial failure is undone', () => {
  const first = setup();
  const cap2 = new CaptureProcessor();
  const tracer2 = createTracer({ service: 'second', processor: cap2, env: {} });
  try { registerOpenTelemetry(tracer2, api); assert.unreachable('should throw'); } catch (e) { assert.is((e as { code?: string }).code, 'TW_ERR_OTEL_REGISTERED'); }
  trace.getTracer('x').startSpan('still-first').end();
  assert.is(first.cap.spans.length, 1);
  const r2 = registerOpenTelemetry(tracer2, { api, override: true });
  trace.getTracer('x').startSpan('second').end();
  assert.equal(cap2.spans.map((s) => s.name), ['second']);
  r2();
  reg = null;
  try { registerOpenTelemetry(tracer2, {} as never); assert.unreachable('should throw'); } catch (e) { assert.is((e as { code?: string }).code, 'TW_ERR_OTEL_API'); }
  // Another implementation holds the context manager slot: our provider must not stay half-installed.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  try { registerOpenTelemetry(tracer2, api); assert.unreachable('should throw'); } catch (e) { assert.match((e as Error).message, 'ContextManager'); }
  assert.not.ok(trace.getTracer('x').startSpan('none').isRecording());
  context.disable();
});

test('AC-003 bridge spans carry trace/span/parent IDs, kind, status, attributes and timestamps', () => {
  const { cap, otel, reg: r } = setup();
  const parent = otel.startSpan('parent', { kind: SpanKind.SERVER });
  const start: api.HrTime = [1_700_000_000, 250_000_000];
  const child = otel.startSpan('child', { kind: SpanKind.CLIENT, attributes: { 'server.port': 5432, 'db.system.name': 'postgresql' }, startTime: start }, trace.setSpan(ROOT_CONTEXT, parent));
  child.setAttributes({ 'db.operation.name': 'SELECT', 'app.flag': true });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'value "secret" is invalid' });
  child.end(new Date(1_700_000_001_000));
  parent.setStatus({ code: SpanStatusCode.OK });
  parent.end();
  const p = named(cap, 'parent');
  const c = named(cap, 'child');
  assert.is(c.traceId, p.traceId);
  assert.is(c.parentSpanId, p.spanId);
  assert.is(p.parentSpanId, '');
  assert.is(p.kind, 2);
  assert.is(c.kind, 3);
  assert.is(p.status, 1);
  assert.is(c.status, 2);
  assert.is(c.statusMessage, null); // messages quote data: off unless recordErrorMessages
  assert.is(r.stats().redaction.statusMessages, 1);
  assert.equal(c.attributes, { 'server.port': 5432, 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT', 'app.flag': true });
  assert.is(c.startTime, 1_700_000_000_250);
  assert.is(c.endTime, 1_700_000_001_000);
  assert.is(c.duration, 750);
  const sc = child.spanContext();
  assert.equal([sc.traceId, sc.spanId, sc.traceFlags, sc.isRemote], [c.traceId, c.spanId, 3, false]); // sampled + W3C L2 random
  assert.is(child.spanContext(), sc); // made once
  // every OTel kind maps to OTLP kind + 1; anything else is INTERNAL
  for (const k of [0, 1, 2, 3, 4, 9, -1, 1.5]) otel.startSpan('k' + k, { kind: k as api.SpanKind }).end();
  assert.equal([0, 1, 2, 3, 4, 9, -1, 1.5].map((k) => named(cap, 'k' + k).kind), [1, 2, 3, 4, 5, 1, 1, 1]);
});

test('AC-003 time inputs: epoch ms, performance.now() ms, HrTime and Date; end is idempotent and counted', () => {
  const { cap, otel, tracer } = setup();
  const perf = performance.now();
  const s = otel.startSpan('t', { startTime: perf });
  s.addEvent('hr', [1_700_000_000, 500_000]);
  s.addEvent('date', { 'app.k': 1 }, new Date(1_700_000_000_002));
  const endMs = Date.now() + 5; // epoch ms; a number below half of performance.timeOrigin reads as performance.now()
  s.end(endMs);
  s.end();
  const x = named(cap, 't');
  assert.is(x.startTime, performance.timeOrigin + perf);
  assert.equal(x.events.map((e) => [e.name, e.time]), [['hr', 1_700_000_000_000.5], ['date', 1_700_000_000_002]]);
  assert.is(x.endTime, endMs);
  assert.is(tracer.stats().endedTwice, 1);
  const before = Date.now();
  otel.startSpan('bad-time', { startTime: 'yesterday' as never }).end([1, 'x'] as never); // unusable: the core's clock
  const b = named(cap, 'bad-time');
  assert.ok(b.startTime >= before && b.endTime >= b.startTime);
  assert.is(cap.spans.length, 2);
});

test('AC-003 events and links are bounded and counted; their attributes are redacted too', () => {
  const { cap, otel, tracer, reg: r } = setup({ attributes: { maxCount: 3, maxEvents: 3, maxLinks: 3 } });
  const other = otel.startSpan('other');
  const s = otel.startSpan('s', { links: [{ context: other.spanContext(), attributes: { 'url.full': 'https://h/p?token=1' } }, { context: { traceId: 'zz', spanId: 'x', traceFlags: 1 } }] });
  s.addEvent('q', { 'db.statement': "select 'x'" });
  for (let i = 0; i < 4; i++) s.addEvent('e' + i);
  s.addLink({ context: trace.wrapSpanContext({ traceId: TID.toUpperCase(), spanId: SID, traceFlags: 1 }).spanContext() });
  s.addLinks([{ context: other.spanContext() }, { context: other.spanContext() }]);
  s.end();
  other.end();
  const x = named(cap, 's');
  assert.is(x.events.length, 3);
  assert.is(tracer.stats().eventsDropped, 2);
  assert.equal(x.events[0]!.attrs, ['db.statement', 'select ?']);
  assert.is(x.links.length, 3);
  assert.is(x.links[0]!.spanId, other.spanContext().spanId);
  assert.equal(x.links[0]!.attrs, ['url.full', 'https://h/p']);
  assert.is(x.links[1]!.traceId, TID); // the API accepts upper-case hex; stored as words
  assert.is(tracer.stats().linksDropped, 1);
  assert.is(r.stats().invalidContexts, 1);
});

test('AC-001 unsampled spans are non-recording but carry a valid context that propagates', () => {
  const { cap, otel } = setup({ sampler: alwaysOff });
  const s = otel.startSpan('u', { attributes: { 'app.a': 1 } });
  assert.not.ok(s.isRecording());
  s.setAttribute('a', 1).setAttributes({ b: 2 }).addEvent('e').addLink({ context: s.spanContext() }).addLinks([]).setStatus({ code: 2 }).updateName('v');
  s.recordException(new Error('x'));
  const sc = s.spanContext();
  assert.is(sc.traceFlags & 1, 0);
  assert.is.not(sc.traceId, '0'.repeat(32));
  context.with(trace.setSpan(context.active(), s), () => {
    const c = otel.startSpan('c');
    assert.not.ok(c.isRecording());
    assert.is(c.spanContext().traceId, sc.traceId);
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    assert.is(carrier.traceparent, `00-${sc.traceId}-${sc.spanId}-02`); // random flag kept, sampled off
  });
  s.end();
  assert.is(cap.spans.length, 0);
});

test('AC-007 recordException records error.type and an exception event; the message only when configured', () => {
  let { cap, otel } = setup();
  const s = otel.startSpan('e');
  s.recordException(new TypeError('user bob@example.com not found'));
  s.recordException('plain string secret');
  s.setAttribute('exception.message', 'bob@example.com');
  s.setStatus({ code: SpanStatusCode.ERROR });
  s.end();
  const x = named(cap, 'e');
  assert.is(x.getAttribute('error.type'), '_OTHER'); // the failure's: the last exception recorded before it
  assert.equal(x.events.map((e) => [e.name, e.attrs]), [['exception', ['exception.type', 'TypeError']], ['exception', ['exception.type', '_OTHER']]]);
  assert.not.ok(JSON.stringify([x.attributes, x.events]).includes('bob@'));
  reg!();
  ({ cap, otel } = setup({ recordErrorMessages: true }));
  const m = otel.startSpan('m');
  m.recordException(Object.assign(new Error('conn refused'), { code: 'ECONNREFUSED' }));
  m.setStatus({ code: SpanStatusCode.ERROR, message: 'conn refused' });
  m.end();
  m.recordException(new Error('after end')); // ignored
  const y = named(cap, 'm');
  assert.is(y.getAttribute('error.type'), 'ECONNREFUSED');
  assert.equal(y.events[0]!.attrs, ['exception.type', 'ECONNREFUSED', 'exception.message', 'conn refused']);
  assert.is(y.events.length, 1);
  assert.is(y.statusMessage, 'conn refused');
});

test('AC-003 recordException: a handled exception on a span that succeeds sets no error.type; an explicit error.type is never overwritten', () => {
  const { cap, otel } = setup();
  const handled = otel.startSpan('handled');
  handled.recordException(Object.assign(new Error('cache down'), { code: 'ECONNREFUSED' })); // fell back, succeeded
  handled.end();
  const explicit = otel.startSpan('explicit', { kind: SpanKind.CLIENT });
  explicit.setAttribute('error.type', '503'); // a semconv-aware instrumentation's own
  explicit.setStatus({ code: SpanStatusCode.ERROR });
  explicit.recordException(new Error('Service Unavailable'));
  explicit.end();
  const after = otel.startSpan('status-first');
  after.setStatus({ code: SpanStatusCode.ERROR }); // some instrumentations set the status before recording
  after.recordException(new RangeError('x'));
  after.recordException(new TypeError('y'));
  after.end();
  assert.is(named(cap, 'handled').getAttribute('error.type'), undefined);
  assert.is(named(cap, 'handled').status, 0);
  assert.equal(named(cap, 'handled').events.map((e) => e.attrs), [['exception.type', 'ECONNREFUSED']], 'the event is still recorded');
  assert.is(named(cap, 'explicit').getAttribute('error.type'), '503');
  assert.is(named(cap, 'status-first').getAttribute('error.type'), 'RangeError');
});

test('AC-002 an OTel span inside a tracewire span, and a tracewire span inside an OTel span, nest correctly', () => {
  const { cap, otel, tracer } = setup();
  const twParent = tracer.startSpan('tw-parent');
  tracer.withSpan(twParent, () => {
    const active = trace.getActiveSpan()!;
    assert.is(active.spanContext().spanId, twParent.spanId);
    assert.is(context.active(), context.active()); // the wrapper is made once per active tracewire span
    active.setAttribute('app.via_otel', 1); // lands on the tracewire span
    const oc = otel.startSpan('otel-child');
    context.with(trace.setSpan(context.active(), oc), () => {
      assert.is(tracer.activeSpan()!.spanId, oc.spanContext().spanId);
      const tg = tracer.startSpan('tw-grandchild');
      tracer.withSpan(tg, () => otel.startSpan('otel-great').end());
      const carrier: Record<string, unknown> = {};
      tracer.inject(carrier);
      assert.is(carrier.traceparent, `00-${oc.spanContext().traceId}-${oc.spanContext().spanId}-03`);
      tg.end();
    });
    oc.end();
  });
  twParent.end();
  const [p, c, g, gg] = ['tw-parent', 'otel-child', 'tw-grandchild', 'otel-great'].map((n) => named(cap, n));
  assert.is(c!.parentSpanId, p!.spanId);
  assert.is(g!.parentSpanId, c!.spanId);
  assert.is(gg!.parentSpanId, g!.spanId);
  assert.ok([c, g, gg].every((s) => s!.traceId === p!.traceId));
  assert.is(p!.getAttribute('app.via_otel'), 1);
});

test('AC-002 spans started after await, in bound callbacks and in startActiveSpan keep their parent', async () => {
  const { cap, otel, tracer } = setup();
  const K = api.createContextKey('tenant');
  await otel.startActiveSpan('root', async (root) => {
    await tick();
    otel.startSpan('after-await').end();
    const ctx = context.active().setValue(K, 't-1');
    const cb = context.bind(ctx, () => { otel.startSpan('in-bound').end(); return context.active().getValue(K); });
    const v = await new Promise((r) => setTimeout(() => r(cb()), 1));
    assert.is(v, 't-1');
    const r1 = otel.startActiveSpan('opts', { kind: SpanKind.INTERNAL }, (s) => { s.end(); return 7; });
    const r2 = otel.startActiveSpan('ctx', {}, ctx, (s) => { const k = context.active().getValue(K); tracer.startSpan('tw-in-ctx').end(); s.end(); return k; });
    assert.equal([r1, r2], [7, 't-1']);
    assert.is((otel.startActiveSpan as (n: string) => unknown)('no-fn'), undefined);
    root.end();
  });
  const root = named(cap, 'root');
  for (const n of ['after-await', 'in-bound', 'opts', 'ctx']) assert.is(named(cap, n).parentSpanId, root.spanId, n);
  assert.is(named(cap, 'tw-in-ctx').parentSpanId, named(cap, 'ctx').spanId);
});

test('context keys: arbitrary keys survive async hops; setValue/deleteValue never mutate; deep chains stay correct', async () => {
  const { otel, tracer } = setup();
  const K = api.createContextKey('rpc metadata');
  const L = api.createContextKey('other');
  const tw = tracer.startSpan('tw');
  const s = otel.startSpan('s');
  await tracer.withSpan(tw, async () => {
    const base = context.active();
    assert.is(base.constructor.name, 'BridgeContext'); // the bridge's own contexts are under test here
    const c1 = base.setValue(K, 'v1');
    assert.is(base.getValue(K), undefined);
    const c2 = trace.setSpan(c1, s);
    assert.is(c2.getValue(K), 'v1'); // the span slot and other keys are independent
    assert.is(trace.getSpan(c1)!.spanContext().spanId, tw.spanId);
    const c3 = c2.deleteValue(K);
    assert.is(c3.getValue(K), undefined);
    assert.is(c2.getValue(K), 'v1');
    assert.is(c3.deleteValue(K), c3);
    assert.is(trace.getSpan(trace.deleteSpan(c2)), undefined);
    await context.with(c2, async () => {
      await tick();
      assert.is(context.active(), c2);
      assert.is(context.active().getValue(K), 'v1');
      assert.is(tracer.activeSpan()!.spanId, s.spanContext().spanId);
      context.with(ROOT_CONTEXT, () => {
        assert.is(trace.getActiveSpan(), undefined);
        assert.is(tracer.activeSpan(), undefined);
      });
      context.with(trace.deleteSpan(c2), () => assert.is(context.active().getValue(K), 'v1'));
    });
    let c = base;
    for (let i = 0; i < 20; i++) c = c.setValue(api.createContextKey('k' + i), i).setValue(K, 'n' + i);
    c = trace.setSpan(c.deleteValue(api.createContextKey('k3')).setValue(L, 'l'), s);
    assert.equal([c.getValue(api.createContextKey('k0')), c.getValue(api.createContextKey('k19')), c.getValue(K), c.getValue(api.createContextKey('k3')), c.getValue(L)], [0, 19, 'n19', undefined, 'l']);
    assert.is(c.deleteValue(api.createContextKey('k3')), c);
    assert.is(trace.getSpan(c), s);
  });
  tw.end();
  // a context made by the API itself (ROOT_CONTEXT.setValue) is read through, and active() is that object
  const foreign = trace.setSpan(ROOT_CONTEXT.setValue(K, 'f'), s);
  context.with(foreign, () => {
    assert.is(context.active(), foreign);
    assert.is(context.active().getValue(K), 'f');
    assert.is((tracer.startSpan('under-foreign') as Span).parentSpanId, s.spanContext().spanId);
    const inner = context.active().setValue(L, 2);
    assert.equal([inner.getValue(K), inner.getValue(L)], ['f', 2]);
  });
  s.end();
});

test('context.bind: functions keep context, this, arguments and length; EventEmitter listeners run bound and stay removable', () => {
  setup();
  const K = api.createContextKey('ee');
  const ctx = ROOT_CONTEXT.setValue(K, 'bound');
  const f = context.bind(ctx, function (this: unknown, a: number, b: number) { return [this, a + b, context.active().getValue(K)]; });
  const self = {};
  assert.is(f.length, 2);
  assert.equal(f.call(self, 1, 2), [self, 3, 'bound']);
  const plain = { x: 1 };
  assert.is(context.bind(ctx, plain), plain);
  const ee = new EventEmitter();
  assert.is(context.bind(ctx, ee), ee);
  assert.is(context.bind(ctx, ee), ee); // patched once
  const seen: unknown[] = [];
  const l = (): void => { seen.push(context.active().getValue(K)); };
  ee.on('x', l);
  ee.emit('x');
  ee.removeListener('x', l);
  ee.emit('x');
  assert.is(ee.listenerCount('x'), 0);
  ee.once('y', l);
  ee.emit('y');
  ee.emit('y');
  ee.once('z', l);
  ee.off('z', l);
  assert.is(ee.listenerCount('z'), 0);
  ee.prependListener('w', l);
  ee.removeAllListeners('w');
  ee.addListener('v', l);
  ee.removeAllListeners();
  assert.equal([ee.listenerCount('w'), ee.listenerCount('v')], [0, 0]);
  ee.on('v', l);
  ee.emit('v');
  assert.equal(seen, ['bound', 'bound', 'bound']);
});

test('AC-007 suppressTracing: no span is recorded, nothing is injected, and it is counted', () => {
  const { cap, otel, reg: r, tracer } = setup();
  const s = otel.startSpan('visible');
  context.with(suppressTracing(trace.setSpan(context.active(), s)), () => {
    const q = otel.startSpan('suppressed', { attributes: { 'app.a': 1 } });
    assert.not.ok(q.isRecording());
    assert.is(q.spanContext().traceId, '0'.repeat(32));
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    assert.equal(carrier, {});
    q.end();
  });
  s.end();
  // the same on the bridge's own contexts: set inside a tracewire span, cleared again by unsuppressTracing
  tracer.withSpan(tracer.startSpan('tw'), () => {
    const sup = suppressTracing(context.active());
    assert.not.ok(otel.startSpan('x', {}, sup).isRecording());
    assert.not.ok(otel.startSpan('y', {}, sup.setValue(api.createContextKey('later'), 1)).isRecording());
    const back = unsuppressTracing(sup);
    otel.startSpan('unsuppressed', {}, back).end();
    // options given to a suppressed start must not leak into the next span (shared scratch options)
    otel.startSpan('z', { startTime: [1, 0], attributes: { 'app.z': 1 } }, sup);
  });
  const before = Date.now();
  otel.startSpan('fresh').end();
  const fresh = named(cap, 'fresh');
  assert.ok(fresh.startTime >= before, 'start time is now, not a suppressed span\'s');
  assert.equal(fresh.attributes, {});
  assert.equal(cap.spans.map((x) => x.name), ['visible', 'unsuppressed', 'fresh']);
  assert.is(r.stats().suppressed, 4);
});

test('AC-007 suppressTracing set through the OTel API is honoured by tracewire\'s own http client, fetch and queue adapters (an OTel exporter\'s requests are never traced)', async () => {
  const { cap, tracer } = setup();
  const undoClient = traceHttpClient(tracer);
  const undoFetch = traceFetch(tracer);
  const seen: unknown[] = [];
  const server = http.createServer((req, res) => { seen.push(req.headers.traceparent); res.end('ok'); });
  const port = await listen(server);
  const skippedBefore = adapterStats().noTraceSkipped;
  try {
    const carrier: Record<string, unknown> = {};
    await context.with(suppressTracing(context.active()), async () => {
      await request({ host: '127.0.0.1', port, path: '/exporter' });
      await (await fetch(`http://127.0.0.1:${port}/exporter`)).text();
      const inner = await publish(tracer, carrier, { system: 'rabbitmq', destination: 'q' }, (_c, span) => {
        assert.not.ok(span.isRecording());
        return otel_active_is_suppressed();
      });
      assert.ok(inner, 'the suppressed context stays active inside publish');
      await consumeMessage(tracer, { traceparent: `00-${TID}-${SID}-01` }, { system: 'rabbitmq', destination: 'q' }, (span) => assert.not.ok(span.isRecording()));
    });
    assert.equal(seen, [undefined, undefined], 'no traceparent on the wire');
    assert.equal(carrier, {}, 'nothing injected into the message');
    assert.equal(cap.spans.map((x) => x.name), []);
    assert.is(adapterStats().noTraceSkipped - skippedBefore, 2);
    // and traced again once the suppression is left
    await request({ host: '127.0.0.1', port, path: '/app' });
    assert.equal(cap.spans.map((x) => x.name), ['GET']);
  } finally {
    undoClient(); undoFetch();
    await close(server);
  }
});
const otel_active_is_suppressed = (): boolean => api.context.active().getValue(Symbol.for('OpenTelemetry SDK Context Key SUPPRESS_TRACING')) === true;

test('AC-007 suppressTracing also holds for root spans (options.root), as in the OTel SDK', () => {
  const { cap, otel, reg: r } = setup();
  context.with(suppressTracing(context.active()), () => {
    const s = otel.startSpan('root-under-suppress', { root: true });
    assert.not.ok(s.isRecording());
    assert.is(s.spanContext().traceId, '0'.repeat(32));
    s.end();
    otel.startActiveSpan('active-root', { root: true }, (a) => { assert.not.ok(a.isRecording()); a.end(); });
  });
  otel.startSpan('root-after', { root: true }).end();
  assert.equal(cap.spans.map((x) => x.name), ['root-after']);
  assert.is(r.stats().suppressed, 2);
});

test('AC-007 suppressTracing also holds for spans started through the core tracer in that context (tracer.startSpan, startActiveSpan), counted as unsampled', () => {
  const { cap, tracer } = setup();
  const parent = tracer.startSpan('parent') as Span;
  const before = tracer.stats().unsampled;
  const seen = tracer.withSpan(parent, () => context.with(suppressTracing(context.active()), () => {
    const a = tracer.startSpan('core-suppressed');
    const b = tracer.startActiveSpan('core-active-suppressed', undefined, (sp) => {
      const c = tracer.startSpan('nested');
      c.end();
      sp.end();
      return sp.isRecording() || c.isRecording();
    });
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    const rec = a.isRecording() || b;
    a.end();
    return { rec, ids: a.traceId + a.spanId, active: tracer.activeSpan(), carrier };
  }));
  context.with(suppressTracing(ROOT_CONTEXT), () => tracer.startSpan('no-span-in-context').end()); // an exporter's timer
  context.with(unsuppressTracing(suppressTracing(ROOT_CONTEXT)), () => tracer.startSpan('unsuppressed').end());
  parent.end();
  assert.equal(cap.spans.map((x) => x.name), ['unsuppressed', 'parent']);
  assert.is(seen.rec, false);
  assert.is(seen.ids, '0'.repeat(48), 'the invalid context, as the OTel SDK returns there');
  assert.is(seen.active, parent, 'tracer.activeSpan() is still the span the context holds (as OTel\'s getActiveSpan)');
  assert.equal(seen.carrier, {});
  assert.is(tracer.stats().unsampled - before, 4);
});

test('AC-001 propagation through the bridge: inject/extract by the core W3C rules, plain and getter/setter carriers', () => {
  const { cap, otel, tracer } = setup();
  const headers = { traceparent: `00-${TID}-${SID}-01`, tracestate: 'a=1,b=2' };
  const ctx = propagation.extract(ROOT_CONTEXT, headers);
  const remote = trace.getSpanContext(ctx)!;
  assert.equal([remote.traceId, remote.spanId, remote.isRemote, remote.traceFlags], [TID, SID, true, 1]);
  const ts = remote.traceState!;
  assert.is(ts.get('a'), '1');
  assert.is(ts.set('c', '3').serialize(), 'c=3,a=1,b=2');
  assert.is(ts.unset('a').serialize(), 'b=2');
  assert.is(ts.unset('zz'), ts);
  const child = otel.startSpan('child', { kind: SpanKind.SERVER }, ctx);
  context.with(trace.setSpan(ctx, child), () => {
    const out = new Map<string, string>();
    propagation.inject(context.active(), out, { set: (c, k, v) => c.set(k, v) });
    assert.equal([...out.keys()], ['traceparent', 'tracestate']);
    assert.is(out.get('traceparent'), `00-${TID}-${child.spanContext().spanId}-01`);
    assert.is(out.get('tracestate'), 'a=1,b=2');
  });
  child.end();
  const c = named(cap, 'child');
  assert.equal([c.traceId, c.parentSpanId, c.parentIsRemote], [TID, SID, true]);
  // a getter over a Headers-like carrier; the remote context is also tracewire's parent under context.with
  const h = new Map([['traceparent', `00-${TID}-${SID}-00`]]);
  const getter: api.TextMapGetter<Map<string, string>> = { get: (m, k) => m.get(k), keys: (m) => [...m.keys()] };
  const ctx2 = propagation.extract(ROOT_CONTEXT, h, getter);
  assert.is(trace.getSpanContext(ctx2)!.traceFlags, 0);
  context.with(ctx2, () => assert.is(tracer.startSpan('tw').traceId, TID));
  // invalid input leaves the context as it was and is counted in the tracer's propagation stats
  const K = api.createContextKey('k');
  const keep = ROOT_CONTEXT.setValue(K, 1);
  assert.is(propagation.extract(keep, { traceparent: `00-${TID.toUpperCase()}-${SID}-01` }), keep);
  assert.is(propagation.extract(keep, { traceparent: [`00-${TID}-${SID}-01`, `00-${TID}-${SID}-01`] }), keep);
  assert.is(propagation.extract(keep, null), keep);
  propagation.inject(ROOT_CONTEXT, null);
  const st = tracer.stats().propagation;
  assert.equal([st.traceparentHex, st.traceparentDuplicate], [1, 1]);
  const none: Record<string, string> = {};
  propagation.inject(ROOT_CONTEXT, none);
  assert.equal(none, {});
});

test('AC-007 redaction defaults: query literals, URL queries and user info, headers, connection strings, PII', () => {
  const { cap, otel, reg: r } = setup();
  const s = otel.startSpan("SELECT * FROM t WHERE name = 'bob'", {
    kind: SpanKind.CLIENT,
    attributes: {
      'db.system.name': 'postgresql',
      'db.query.text': "SELECT * FROM users WHERE email = 'bob@example.com' AND id = 42 -- by bob",
      'url.full': 'https://user:hunter2@api.example.com/v1/items?token=abc123#frag',
      'http.target': '/v1/items?token=abc123',
      'http.request.header.authorization': ['Bearer abc123'],
      'db.connection_string': 'postgresql://user:hunter2@db/test',
      'url.query': 'token=abc123',
      'enduser.id': 'bob',
      'messaging.message.body': 'payload-bob',
      'db.postgresql.values': ['bob@example.com'],
      'db.query.parameter.0': 'bob',
      'server.address': 'db.internal',
    },
  });
  s.setAttribute('db.statement', "INSERT INTO t VALUES ('bob', 3.5)");
  s.setAttribute('http.url', 12 as never); // not a string: unknown shape, dropped
  s.updateName("UPDATE t SET a = 'bob'");
  s.end();
  const redis = otel.startSpan('set', { attributes: { 'db.system.name': 'redis', 'db.query.text': 'SET session:bob [1 other arguments]' } });
  redis.setAttribute('db.query.text', 'GET session:bob');
  redis.end();
  const mysql = otel.startSpan('q', { attributes: { 'db.system': 'mysql', 'db.statement': 'SELECT `id` FROM t WHERE n = "bob"' } });
  mysql.setAttribute('graphql.document', 'query { user(name: "bob") { id } }');
  mysql.end();
  const x = named(cap, 'UPDATE t SET a = ?');
  assert.equal(x.attributes, {
    'db.system.name': 'postgresql',
    'db.query.text': 'SELECT * FROM users WHERE email = ? AND id = ? ',
    'url.full': 'https://api.example.com/v1/items',
    'http.target': '/v1/items',
    'server.address': 'db.internal',
    'db.statement': 'INSERT INTO t VALUES (?, ?)',
  });
  assert.is(named(cap, 'set').getAttribute('db.query.text'), 'GET ?');
  assert.equal([named(cap, 'q').getAttribute('db.statement'), named(cap, 'q').getAttribute('graphql.document')], ['SELECT `id` FROM t WHERE n = ?', 'query { user(name: ?) { id } }']);
  const all = JSON.stringify(cap.spans.map((sp) => [sp.name, sp.attributes]));
  for (const secret of ['bob', 'hunter2', 'abc123', 'payload']) assert.not.ok(all.includes(secret), secret);
  assert.equal(r.stats().redaction, { dropped: 8, sanitized: 8, statusMessages: 0 });
});

test('AC-007 redaction options: keep, drop, dbQuery and url opt-outs; the tracer allowlist still applies', () => {
  let { cap, otel, tracer } = setup({ attributes: { allow: ['http.*', 'db.*', 'url.*', 'app.*'] } }, {
    redaction: { keep: ['http.request.header.x-request-id'], drop: ['app.secret*'], dbQuery: 'drop', url: 'keep' },
  });
  otel.startSpan('o', { attributes: {
    'http.request.header.x-request-id': ['r-1'], 'http.request.header.cookie': ['c'], 'app.secret_key': 'k', 'app.ok': 1,
    'db.query.text': "select 'x'", 'url.full': 'https://h/p?q=1', 'net.peer.name': 'h',
  } }).end();
  assert.equal(named(cap, 'o').attributes, { 'http.request.header.x-request-id': ['r-1'], 'app.ok': 1, 'url.full': 'https://h/p?q=1' });
  assert.is(tracer.stats().attributes.rejected, 1); // net.peer.name: not in the tracer's allowlist
  reg!();
  ({ cap, otel } = setup({}, { redaction: { dbQuery: 'keep' } }));
  otel.startSpan("select 'x'", { attributes: { 'db.query.text': "select 'x'", 'graphql.document': '{ a(x: "1") }' } }).end();
  assert.equal(named(cap, "select 'x'").attributes, { 'db.query.text': "select 'x'", 'graphql.document': '{ a(x: "1") }' });
});

test('AC-007 a throwing sampler or a broken foreign span never reaches the instrumentation', () => {
  const logs: string[] = [];
  const { cap, otel, tracer: tw } = setup({
    sampler: { description: 'throws', followsParent: false, shouldSample() { throw new Error('sampler bug'); } },
    logger: (m) => logs.push(m),
  });
  const s = otel.startSpan('x');
  otel.startSpan('y');
  assert.not.ok(s.isRecording());
  assert.is(tw.stats().samplerErrors, 2); // the core contains a throwing sampler before the bridge has to
  assert.is(logs.filter((l) => l.includes('sampler bug')).length, 1);
  reg!();
  const ok = setup();
  const broken = { spanContext() { throw new Error('broken'); } } as unknown as api.Span;
  const c = ok.otel.startSpan('child-of-broken', {}, trace.setSpan(ROOT_CONTEXT, broken));
  c.end();
  assert.is(named(ok.cap, 'child-of-broken').parentSpanId, '');
  // a Context from elsewhere whose getValue throws: no parent, no throw, counted
  const bad = { getValue() { throw new Error('bad ctx'); }, setValue() { return this; }, deleteValue() { return this; } } as api.Context;
  ok.otel.startSpan('under-bad-ctx', {}, bad).end();
  context.with(bad, () => ok.otel.startSpan('in-bad-ctx').end());
  assert.equal([named(ok.cap, 'under-bad-ctx').parentSpanId, named(ok.cap, 'in-bad-ctx').parentSpanId], ['', '']);
  assert.is(reg!.stats().foreignErrors, 1);
  const foreign = trace.wrapSpanContext({ traceId: TID, spanId: SID, traceFlags: 1, traceState: { get: () => undefined, set() { return this; }, unset() { return this; }, serialize: () => 'v=1' } });
  context.with(trace.setSpan(ROOT_CONTEXT, foreign), () => ok.otel.startSpan('child-of-foreign').end());
  const f = named(ok.cap, 'child-of-foreign');
  assert.equal([f.traceId, f.parentSpanId, f.traceState?.toString()], [TID, SID, 'v=1']);
  assert.is(cap.spans.length, 0);
});

test('AC-007 sanitizeQuery: a literal or identifier ending in a backslash, and nested comments, leave no literal behind', () => {
  const cases: [string, number, string][] = [
    // standard SQL: 'C:\' is a whole literal; read with MySQL escapes it would swallow the next quote
    ["SELECT * FROM t WHERE path = 'C:\\' AND name = 'alice-secret'", QueryDialect.SQL, 'SELECT * FROM t WHERE path = ?'],
    ["SELECT * FROM t WHERE a = 'x\\' OR b = 'y-secret'", QueryDialect.SQL, 'SELECT * FROM t WHERE a = ?'],
    ["SELECT * FROM t WHERE a = 'no\\escape' AND b = 'c'", QueryDialect.SQL, 'SELECT * FROM t WHERE a = ? AND b = ?'],
    // MySQL's 'it\'s' is one literal, but not under NO_BACKSLASH_ESCAPES: the readings part, the rest goes
    ["SELECT * FROM t WHERE name = 'it\\'s' AND pw = 'my-secret'", QueryDialect.DQ_STRING, 'SELECT * FROM t WHERE name = ?'],
    // identifiers have no backslash escapes
    ["SELECT \"dir\\\" FROM t WHERE x = 'ident-secret'", QueryDialect.SQL, 'SELECT "dir\\" FROM t WHERE x = ?'],
    ["SELECT `dir\\` FROM t WHERE x = 'bt-secret'", QueryDialect.DQ_STRING, 'SELECT `dir\\` FROM t WHERE x = ?'],
    // PostgreSQL block comments nest
    ['SELECT 1 /* a /* b */ user=alice-secret */ FROM t', QueryDialect.SQL, 'SELECT ?  FROM t'],
  ];
  for (const [q, d, want] of cases) {
    const got = sanitizeQuery(q, d as never);
    assert.is(got, want, q);
    assert.not.ok(got.includes('secret'), q);
  }
});

test('AC-007 sanitizeQuery strips literals per dialect and keeps identifiers, keywords and placeholders', () => {
  const cases: [string, number, string][] = [
    ["SELECT 'secret-literal-42'", QueryDialect.SQL, 'SELECT ?'],
    ["WHERE a = 'it''s' AND b = 42 AND c = 1.5e-3 AND d = 0xFF AND e = .5 AND f = -7", QueryDialect.SQL, 'WHERE a = ? AND b = ? AND c = ? AND d = ? AND e = ? AND f = -?'],
    ["select $1::text, $$body$$, $tag$x$tag$ from \"Users\" u2 -- note\nwhere x = E'a\\'b' and n = N'n' and h = X'ff' and u = U&'d'", QueryDialect.SQL,
      'select $1::text, ?, ? from "Users" u2 \nwhere x = ? and n = ? and h = ? and u = ?'],
    ["/* traceparent='00-ab' */SELECT t1.c FROM t1 WHERE id IN (1, 2) AND k = :key AND p = @p1 AND q = ?", QueryDialect.SQL, 'SELECT t1.c FROM t1 WHERE id IN (?, ?) AND k = :key AND p = @p1 AND q = ?'],
    ['SELECT "a", `b` FROM t WHERE c = "bob"', QueryDialect.DQ_STRING, 'SELECT ?, `b` FROM t WHERE c = ?'],
    ['  {"find": "users", "filter": {"email": "bob@x", "n": [1, 2]}}', QueryDialect.SQL, '  {"find": ?, "filter": {"email": ?, "n": [?, ?]}}'],
    ['HSET user:bob name bob', QueryDialect.COMMAND, 'HSET ?'],
    ['  PING  ', QueryDialect.COMMAND, 'PING'],
    ["SELECT 'unterminated secret", QueryDialect.SQL, 'SELECT ?'],
    ['SELECT 1 /* unterminated comment', QueryDialect.SQL, 'SELECT ? '],
    ['SELECT $tag$ never closed', QueryDialect.SQL, 'SELECT ?'],
    ['SELECT a FROM b WHERE c = $2 AND d = $', QueryDialect.SQL, 'SELECT a FROM b WHERE c = $2 AND d = $'],
    ['SELECT a FROM b', QueryDialect.SQL, 'SELECT a FROM b'],
  ];
  for (const [q, d, want] of cases) assert.is(sanitizeQuery(q, d as never), want, q);
  const plain = 'SELECT a FROM b WHERE c = $1';
  assert.is(sanitizeQuery(plain), plain); // nothing to strip: the same string back
  assert.equal(['redis', 'valkey', 'mysql', 'mariadb', 'mongodb', 'elasticsearch', 'postgresql', undefined].map(dialectFor), [3, 3, 1, 1, 2, 2, 0, 4]);
  assert.equal([
    stripUrl('https://u:p@h.example:8443/a/b?x=1#f'), stripUrl('u:p@h/a?x'), stripUrl('/rel/path@v2?x=1'), stripUrl('http://h#frag'), stripUrl('http://h'),
    stripUrl('//user:pw@cdn.example/a?x=1'), stripUrl('//cdn.example/a@b'),
  ], ['https://h.example:8443/a/b', 'h/a', '/rel/path@v2', 'http://h', 'http://h', '//cdn.example/a', '//cdn.example/a@b']);
  // a session in a path parameter (servlet URL rewriting) is a credential: url.full, http.target and url.path drop it
  assert.is(stripUrl('https://shop.example/cart;jsessionid=0123ABCD/items;v=2?x=1'), 'https://shop.example/cart/items;v=2');
  // WHATWG URL parsers (undici, new URL) read one slash, three, or backslashes after a special scheme as '//'
  for (const u of ['https:/u:pw@h.example/p', 'https:///u:pw@h.example/p', 'https:\\\\u:pw@h.example/p', 'http:\\u:pw@h.example\\p']) {
    assert.not.match(stripUrl(u), 'pw', u);
    assert.match(stripUrl(u), 'h.example', u);
    assert.is(new URL(u).password, 'pw', 'the case is real: ' + u);
  }
});

test('AC-002 tracer.withSpan / startActiveSpan inside an OpenTelemetry context keep its other keys (baggage, suppressTracing); the span is active for both APIs', async () => {
  const { cap, tracer, otel } = setup({ inheritAttributes: ['tenant.id'] });
  const bag = propagation.setBaggage(context.active(), propagation.createBaggage({ 'user.tier': { value: 'gold' } }));
  const mine = tracer.startSpan('mine', { root: true, attributes: { 'tenant.id': 'acme' } }) as Span;
  const seen = await context.with(bag, () => tracer.withSpan(mine, async () => {
    await tick(); // across an await too
    const child = otel.startSpan('otel-child');
    child.end();
    const inner = tracer.startSpan('tw-child') as Span;
    inner.end();
    return {
      baggage: propagation.getBaggage(context.active())?.getEntry('user.tier')?.value,
      otelActive: trace.getActiveSpan()?.spanContext().spanId,
      twActive: tracer.activeSpan(),
      inner,
    };
  }));
  mine.end();
  assert.is(seen.baggage, 'gold', 'baggage set outside is still there inside withSpan');
  assert.is(seen.otelActive, mine.spanId);
  assert.is(seen.twActive, mine, 'tracer.activeSpan() is the tracewire span itself, not the bridge\'s context');
  assert.is(named(cap, 'otel-child').parentSpanId, mine.spanId);
  assert.is(seen.inner.parentSpanId, mine.spanId);
  assert.is(seen.inner.getAttribute('tenant.id'), 'acme', 'inheritAttributes still reach a child under the bridge context');
  const viaActive = context.with(bag, () => tracer.startActiveSpan('active', undefined, (sp) => { sp.end(); return propagation.getBaggage(context.active())?.getEntry('user.tier')?.value; }));
  assert.is(viaActive, 'gold');
  // suppressTracing set outside holds inside too: tracewire's own adapters read it from the active context
  const suppressed = context.with(suppressTracing(context.active()), () => tracer.withSpan(mine, () => otel.startSpan('quiet').isRecording()));
  assert.is(suppressed, false);
  // with nothing else in the context, the store holds the span itself, as without the bridge
  assert.is(tracer.withSpan(mine, () => tracer.activeSpan()), mine);
});

test('AC-002 requireParent under the bridge: a context holding baggage (or other keys) but no span is no parent; node:http client and fetch trace nothing there', async () => {
  const { cap, tracer } = setup();
  const seen: (string | undefined)[] = [];
  const server = http.createServer((req, res) => { seen.push(req.headers.traceparent as string | undefined); res.end('ok'); });
  const port = await listen(server);
  const undoHttp = traceHttpClient(tracer, { requireParent: true });
  const undoFetch = traceFetch(tracer, { requireParent: true });
  try {
    const bag = propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ user: { value: 'u1' } }));
    await context.with(bag, async () => {
      await request({ host: '127.0.0.1', port, agent: false });
      await (await fetch(`http://127.0.0.1:${port}/`)).text();
    });
    await tick();
  } finally { undoHttp(); undoFetch(); await close(server); }
  assert.equal(seen, [undefined, undefined], 'no traceparent: nothing was traced');
  assert.is(cap.spans.length, 0);
});

test.run();
