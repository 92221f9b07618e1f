// Enumerable keys another library added to Object.prototype itself (prototype pollution) seen through the
// OpenTelemetry bridge: every plain object then "has" them to `for..in` and to property reads. They are no
// attributes, no span options, no registration options and no carrier headers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as api from '@opentelemetry/api';
import { createTracer, parentBased, alwaysOff } from '../src/index.js';
import { CaptureProcessor } from './helpers/capture.js';
import { named, setupBridge, unregisterBridge } from './helpers/otel-bridge.js';
import { registerOpenTelemetry } from '../adapters/otel.js';

test.after.each(unregisterBridge);

const TID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SID = '00f067aa0ba902b7';

/** Runs fn with `keys` enumerable on Object.prototype; assertions go after it returns (uvu's own objects see them too). */
function polluted(keys: Record<string, unknown>, fn: () => void): void {
  const P = Object.prototype as Record<string, unknown>;
  for (const k of Object.keys(keys)) Object.defineProperty(P, k, { value: keys[k], enumerable: true, writable: true, configurable: true });
  try { fn(); } finally { for (const k of Object.keys(keys)) delete P[k]; }
}

const flat = (a: readonly unknown[] | null): Record<string, unknown> => {
  const o: Record<string, unknown> = {};
  for (let i = 0; a !== null && i < a.length; i += 2) o[a[i] as string] = a[i + 1];
  return o;
};

test('AC-007 keys on Object.prototype are no attributes: not on start (with or without a rule), setAttributes, events or links; no span context field', () => {
  const { cap, otel } = setupBridge('proto-keys');
  polluted({ 'app.polluted': 'from-proto', 'url.full': 'https://u:pw@h.example/p?token=secret', isRemote: true, traceState: 'k=v' }, () => {
    const other = otel.startSpan('other');
    const s = otel.startSpan('s', { attributes: { 'app.own': 1 }, links: [{ context: other.spanContext(), attributes: { 'app.own': 1 } }] });
    s.setAttributes({ 'app.set': 2 });
    s.addEvent('ev', { 'app.own': 1 });
    s.addLink({ context: other.spanContext(), attributes: { 'app.own': 1 } });
    s.addLink({ context: { traceId: TID, spanId: SID, traceFlags: 1 } }); // a span context as plain data, without isRemote
    s.end();
    // a key with a rule: the bridge copies the attributes
    otel.startSpan('ruled', { attributes: { 'db.system': 'postgresql', 'db.statement': "SELECT 'x'" } }).end();
    otel.startSpan('bare-ruled', { attributes: Object.assign(Object.create(null) as api.Attributes, { 'db.statement': "SELECT 'x'" }) }).end();
    other.end();
  });
  const x = named(cap, 's');
  const own = { 'app.own': 1 };
  assert.equal(x.attributes, { 'app.own': 1, 'app.set': 2 });
  assert.equal([flat(x.events[0]!.attrs), flat(x.links[0]!.attrs), flat(x.links[1]!.attrs)], [own, own, own]);
  assert.equal([x.links[2]!.traceId, x.links[2]!.isRemote, x.links[2]!.traceState], [TID, false, null]);
  assert.equal(named(cap, 'ruled').attributes, { 'db.system': 'postgresql', 'db.statement': 'SELECT ?' });
  assert.equal(named(cap, 'bare-ruled').attributes, { 'db.statement': 'SELECT ?' });
});

test('AC-003 keys on Object.prototype are no span options: root, kind, attributes, links, startTime and sampleAsRoot stay as given', () => {
  // parent-based, roots off: a child of a sampled remote parent is sampled unless sampleAsRoot hands it to the root sampler
  const { cap, otel } = setupBridge('proto-options', { sampler: parentBased(alwaysOff) });
  const remote = api.propagation.extract(api.ROOT_CONTEXT, { traceparent: `00-${TID}-${SID}-01` });
  const before = Date.now();
  polluted({
    root: true, kind: 2, attributes: { 'app.leak': 'from-proto' }, links: [{ context: { traceId: TID, spanId: 'aaaaaaaaaaaaaaaa', traceFlags: 1 } }],
    startTime: 1000, sampleAsRoot: true,
  }, () => {
    otel.startSpan('child', {}, remote).end();
    otel.startSpan('child-kind', { kind: api.SpanKind.CLIENT }, remote).end();
  });
  for (const name of ['child', 'child-kind']) {
    const x = named(cap, name);
    assert.is(x.traceId, TID, name);
    assert.is(x.parentSpanId, SID, name);
    assert.equal([x.attributes, x.links.length], [{}, 0], name);
    assert.ok(x.startTime >= before, name);
  }
  assert.equal([named(cap, 'child').kind, named(cap, 'child-kind').kind], [1, 3]);
});

test('AC-007 keys on Object.prototype are no registration or redaction options: URLs and queries are still stripped, the propagator installed', () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'proto-registration', processor: cap, env: {} });
  let reg: ReturnType<typeof registerOpenTelemetry> | undefined;
  polluted({ url: 'keep', dbQuery: 'keep', keep: ['url.full', 'db.statement'], drop: ['app.*'], propagator: false }, () => {
    reg = registerOpenTelemetry(tracer, { api, redaction: {} });
  });
  try {
    const otel = api.trace.getTracer('t');
    const s = otel.startSpan('s', { attributes: { 'url.full': 'https://u:pw@h.example/p?token=secret', 'db.statement': "SELECT 'secret'", 'app.kept': 1 } });
    const carrier: Record<string, string> = {};
    api.propagation.inject(api.trace.setSpan(api.ROOT_CONTEXT, s), carrier);
    s.end();
    assert.equal(named(cap, 's').attributes, { 'url.full': 'https://h.example/p', 'db.statement': 'SELECT ?', 'app.kept': 1 });
    assert.ok(carrier.traceparent, 'the bridge propagator is installed');
  } finally { reg?.(); }
});

test('AC-001 traceparent and tracestate on Object.prototype are no incoming context: a carrier without them starts a new trace', () => {
  const { cap, otel, reg } = setupBridge('proto-carrier');
  let ctx: api.Context | undefined;
  let getterCtx: api.Context | undefined;
  polluted({ traceparent: `00-${TID}-${SID}-01`, tracestate: 'k=v' }, () => {
    ctx = api.propagation.extract(api.ROOT_CONTEXT, {});
    getterCtx = api.propagation.extract(api.ROOT_CONTEXT, {}, api.defaultTextMapGetter);
    otel.startSpan('after-extract', {}, ctx).end();
  });
  assert.is(api.trace.getSpanContext(ctx!), undefined);
  assert.is(api.trace.getSpanContext(getterCtx!), undefined);
  assert.is.not(named(cap, 'after-extract').traceId, TID);
  assert.is(reg.stats().invalidContexts, 0);
});

test('AC-007 keys on Object.prototype are no status or exception fields: no message recorded from them, no exception.type from a polluted code', () => {
  const { cap, otel } = setupBridge('proto-status', { recordErrorMessages: true });
  polluted({ message: 'from-proto secret', code: 13 }, () => {
    const s = otel.startSpan('s');
    s.recordException({ name: 'ParseError' });
    s.setStatus({ code: api.SpanStatusCode.ERROR });
    s.end();
  });
  polluted({ code: 'E_FROM_PROTO' }, () => { // a string code is the core's error.type
    const s = otel.startSpan('s2');
    s.recordException({ name: 'ParseError' });
    s.end();
  });
  const x = named(cap, 's');
  assert.is(x.statusMessage ?? '', '');
  assert.equal(flat(x.events[0]!.attrs), { 'exception.type': 'ParseError' });
  assert.equal(flat(named(cap, 's2').events[0]!.attrs), { 'exception.type': 'ParseError' });
  assert.not.ok(JSON.stringify([x.attributes, flat(x.events[0]!.attrs)]).includes('secret'));
});

test.run();
