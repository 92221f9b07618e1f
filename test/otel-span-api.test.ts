// The OpenTelemetry Span API through the bridge where it must behave as the OTel SDK's Span does
// (sdk-trace Span.ts): time inputs, status rules, odd input that must never throw into the host.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as api from '@opentelemetry/api';
import type { Span, TracerOptions } from '../src/index.js';
import { named, setupBridge, unregisterBridge } from './helpers/otel-bridge.js';

function setup(opts: TracerOptions = {}) {
  return setupBridge('span-api-test', opts);
}
test.after.each(unregisterBridge);

test('AC-003 an epoch-ms time from before the process started (a queued job\'s enqueue time) is that time, not performance.now()', () => {
  const { cap, otel } = setup();
  const enqueued = 1_600_000_000_000; // 2020: below performance.timeOrigin, yet no performance.now() reading is that large
  const s = otel.startSpan('job', { startTime: enqueued });
  s.addEvent('picked', enqueued + 500);
  s.end(enqueued + 1000);
  const x = named(cap, 'job');
  assert.equal([x.startTime, x.events[0]!.time, x.endTime], [enqueued, enqueued + 500, enqueued + 1000]);
});

test('AC-003 setStatus ERROR after OK (final) or after end is ignored whole: no error.type, no status message counted', () => {
  const { cap, otel, reg: r } = setup();
  const s = otel.startSpan('handled');
  s.recordException(new TypeError('retry me')); // handled, then the operation succeeded
  s.setStatus({ code: api.SpanStatusCode.OK });
  s.setStatus({ code: api.SpanStatusCode.ERROR, message: 'late' });
  s.end();
  const e = otel.startSpan('ended');
  e.recordException(new RangeError('x'));
  e.end();
  e.setStatus({ code: api.SpanStatusCode.ERROR, message: 'after end' });
  assert.equal([named(cap, 'handled').status, named(cap, 'handled').attributes], [1, {}]);
  assert.equal([named(cap, 'ended').status, named(cap, 'ended').attributes], [0, {}]);
  assert.is(r.stats().redaction.statusMessages, 0); // no message was ever going to be recorded
});

test('AC-007 a span name that is not a string never throws into the host: the core names and counts it, as for its own spans', () => {
  const { cap, otel, tracer, reg: r } = setup({ logger: () => {} });
  const noString = Object.create(null) as string; // String() throws for it
  const s = otel.startSpan(noString);
  assert.ok(s.isRecording()); // a span, not the non-recording one of a failed start
  s.updateName(noString); // ignored: the name stays
  s.updateName({ toString() { throw new Error('bad name'); } } as unknown as string);
  s.end();
  const t = otel.startSpan('kept');
  t.updateName(42 as unknown as string);
  t.addEvent(noString); // an event name too: the core's spanNameOf names it
  t.end();
  assert.equal(cap.spans.map((x) => x.name), ['unknown', 'kept']);
  assert.equal(named(cap, 'kept').events.map((e) => e.name), ['unknown']);
  assert.is(tracer.stats().invalidNames, 4);
  assert.is(r.stats().startErrors, 0);
});

test('AC-007 attribute objects with a throwing getter never throw into the host: that value is invalid and counted, the rest kept', () => {
  const { cap, otel, tracer } = setup();
  const attrs = (): api.Attributes => ({ 'app.ok': 1, get 'app.bad'(): string { throw new Error('getter'); }, 'url.full': 'https://h/p?token=x' } as api.Attributes);
  const s = otel.startSpan('getters', { attributes: attrs() });
  s.setAttributes(attrs());
  s.addEvent('ev', attrs());
  s.addLink({ context: s.spanContext(), attributes: attrs() });
  s.end();
  const x = named(cap, 'getters');
  const want = { 'app.ok': 1, 'url.full': 'https://h/p' };
  const obj = (flat: unknown[] | null): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (let i = 0; flat !== null && i < flat.length; i += 2) o[flat[i] as string] = flat[i + 1];
    return o;
  };
  assert.equal([x.attributes, obj(x.events[0]!.attrs), obj(x.links[0]!.attrs)], [want, want, want]);
  assert.is(tracer.stats().attributes.invalid, 4);
});

test('AC-007 recordException(null / undefined / a number) records nothing and is counted; a numeric code is exception.type, as in the OTel SDK', () => {
  const { cap, otel, reg: r } = setup();
  const s = otel.startSpan('exc');
  for (const bad of [null, undefined, 42, true]) s.recordException(bad as never);
  s.recordException({ code: 42, message: 'db said 42' }); // OTel SDK: exception.type '42'
  s.recordException(Object.assign(new Error('grpc'), { code: 14 })); // @grpc/grpc-js ServiceError: a numeric status
  s.recordException(Object.assign(new RangeError('zero'), { code: 0 })); // 0: no code (the SDK tests it for truthiness)
  s.setStatus({ code: api.SpanStatusCode.ERROR });
  s.end();
  const x = named(cap, 'exc');
  assert.equal(x.events.map((e) => e.attrs), [['exception.type', '42'], ['exception.type', '14'], ['exception.type', 'RangeError']]);
  assert.is(x.getAttribute('error.type'), 'RangeError');
  assert.is(r.stats().invalidExceptions, 4);
  const ok = otel.startSpan('after-bad');
  ok.recordException(undefined as never);
  ok.setStatus({ code: api.SpanStatusCode.ERROR });
  ok.end();
  assert.is(named(cap, 'after-bad').getAttribute('error.type'), undefined, 'a bad call leaves no error.type behind');
});

test('AC-003 addEvent(name, attributes, time) and addEvent(name, time) take every TimeInput form', () => {
  const { cap, otel } = setup();
  const t = 1_600_000_000_000;
  const s = otel.startSpan('times');
  s.addEvent('attrs-ms', { 'app.k': 1 }, t + 1);
  s.addEvent('attrs-hr', { 'app.k': 2 }, [1_600_000_000, 2_000_000]);
  s.addEvent('attrs-date', { 'app.k': 3 }, new Date(t + 3));
  s.addEvent('hr', [1_600_000_000, 4_000_000]);
  s.addEvent('date', new Date(t + 5));
  s.end();
  assert.equal(named(cap, 'times').events.map((e) => [e.name, e.time]), [['attrs-ms', t + 1], ['attrs-hr', t + 2], ['attrs-date', t + 3], ['hr', t + 4], ['date', t + 5]]);
});

test('AC-007 only an attribute object\'s own keys are attributes (OTel SDK: Object.entries): inherited ones never reach the span', () => {
  const { cap, otel } = setup();
  const attrs = (): api.Attributes => Object.assign(Object.create({ 'app.inherited': 'secret-from-proto', 'url.full': 'https://u:pw@h/p?t=x' }), { 'app.own': 1 });
  const other = otel.startSpan('other');
  const s = otel.startSpan('proto', { attributes: attrs(), links: [{ context: other.spanContext(), attributes: attrs() }] });
  s.setAttributes(attrs());
  s.addEvent('ev', attrs());
  s.addLink({ context: other.spanContext(), attributes: attrs() });
  s.end();
  other.end();
  const x = named(cap, 'proto');
  const obj = (flat: unknown[] | null): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (let i = 0; flat !== null && i < flat.length; i += 2) o[flat[i] as string] = flat[i + 1];
    return o;
  };
  const want = { 'app.own': 1 };
  assert.equal([x.attributes, obj(x.events[0]!.attrs), obj(x.links[0]!.attrs), obj(x.links[1]!.attrs)], [want, want, want, want]);
  // a null-prototype object is read as it is
  const bare = Object.assign(Object.create(null), { 'app.a': 1 }) as api.Attributes;
  otel.startSpan('bare', { attributes: bare }).end();
  assert.equal(named(cap, 'bare').attributes, { 'app.a': 1 });
});

test('AC-007 a carrier that cannot be written or read never throws into the host: a frozen object, a throwing setter, getter or header getter; counted in foreignErrors', () => {
  const { otel, reg: r } = setup();
  const boom = (): never => { throw new Error('carrier'); };
  const s = otel.startSpan('out');
  const ctx = api.trace.setSpan(api.ROOT_CONTEXT, s);
  // e.g. message headers a producer shares as a frozen constant: the send must still go out
  api.propagation.inject(ctx, Object.freeze({ 'content-type': 'json' }));
  api.propagation.inject(ctx, {}, { set: boom });
  const reads = [
    api.propagation.extract(api.ROOT_CONTEXT, { get traceparent(): string { return boom(); } }),
    api.propagation.extract(api.ROOT_CONTEXT, new Proxy({}, { get: boom })),
    api.propagation.extract(api.ROOT_CONTEXT, {}, { get: boom, keys: () => [] }),
  ];
  s.end();
  assert.equal(reads, [api.ROOT_CONTEXT, api.ROOT_CONTEXT, api.ROOT_CONTEXT]);
  assert.is(r.stats().foreignErrors, 5);
  const carrier: Record<string, string> = {};
  api.propagation.inject(ctx, carrier);
  assert.ok(carrier.traceparent, 'a plain carrier is still written');
});

test('AC-007 span options, links, statuses, exceptions and span contexts whose getters throw never throw into the host: counted', () => {
  const { cap, otel, reg: r } = setup({ recordErrorMessages: true, logger: () => {} });
  const boom = (): never => { throw new Error('getter'); };
  const other = otel.startSpan('other');
  const started = [
    otel.startSpan('opts', { get kind(): never { return boom(); } }),
    otel.startSpan('proxy-opts', new Proxy({}, { get: boom })),
    otel.startSpan('link', { links: [{ get context(): never { return boom(); } } as never] }),
  ];
  const s = otel.startSpan('s');
  s.addLink({ get context(): never { return boom(); } } as never);
  s.addLink({ context: { get traceId(): string { return boom(); }, spanId: '00f067aa0ba902b7', traceFlags: 1 } as never });
  s.addLink({ context: { ...other.spanContext(), traceState: { serialize: boom } as never } });
  s.setStatus({ get code(): never { return boom(); } } as never);
  s.setStatus({ code: api.SpanStatusCode.ERROR, get message(): string { return boom(); } });
  s.recordException({ name: 'E', get message(): string { return boom(); } });
  s.end();
  other.end();
  for (const x of started) assert.not.ok(x.isRecording());
  const x = named(cap, 's');
  assert.equal([x.links.length, x.status, x.statusMessage ?? '', x.events.map((e) => e.attrs)], [0, 2, '', [['exception.type', 'E']]]);
  assert.equal([r.stats().startErrors, r.stats().invalidContexts, r.stats().foreignErrors], [3, 2, 4]);
});

test.run();
