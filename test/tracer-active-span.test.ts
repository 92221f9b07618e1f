// tracer.startActiveSpan takes OpenTelemetry's overloads: (name, fn), (name, options, fn), (name, options, context, fn);
// a call without a function as its last argument never throws into the host.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, Span, type AnySpan } from '../src/index.js';
import { CaptureProcessor } from './helpers/capture.js';

function setup() {
  const cap = new CaptureProcessor();
  const logs: string[] = [];
  const tracer = createTracer({ service: 'svc', processor: cap, logger: (m) => logs.push(m) });
  return { cap, tracer, logs };
}
const REMOTE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test('startActiveSpan(name, fn): the span is active inside fn only, a child of the active span, and fn\'s result is returned', () => {
  const { tracer } = setup();
  let seen: AnySpan | undefined;
  const out = tracer.startActiveSpan('op', (span) => {
    seen = span;
    assert.is(tracer.activeSpan(), span);
    span.end();
    return 42;
  });
  assert.is(out, 42);
  assert.ok(seen instanceof Span);
  assert.is(tracer.activeSpan(), undefined);
  const parent = tracer.startSpan('parent');
  tracer.withSpan(parent, () => tracer.startActiveSpan('child', (span) => {
    assert.is(span.traceId, parent.traceId);
    assert.is((span as Span).parentSpanId, parent.spanId);
    span.end();
  }));
});

test('startActiveSpan(name, options, fn) still reads the options', () => {
  const { tracer } = setup();
  const kind = tracer.startActiveSpan('op', { kind: 2, attributes: { a: 1 } }, (span) => { span.end(); return (span as Span).kind; });
  assert.is(kind, 2);
});

test('startActiveSpan(name, options, context, fn): the context is the parent; undefined is the active span, null a new trace', () => {
  const { tracer } = setup();
  const remote = tracer.extract({ traceparent: REMOTE })!;
  const fromRemote = tracer.startActiveSpan('in', { kind: 2 }, remote, (span) => {
    assert.is(tracer.activeSpan(), span);
    span.end();
    return span as Span;
  });
  assert.equal([fromRemote.traceId, fromRemote.parentSpanId, fromRemote.kind], [remote.traceId, remote.spanId, 2]);
  const active = tracer.startSpan('active');
  tracer.withSpan(active, () => {
    const a = tracer.startActiveSpan('a', undefined, undefined, (span) => span as Span);
    assert.equal([a.traceId, a.parentSpanId], [active.traceId, active.spanId]);
    const b = tracer.startActiveSpan('b', {}, null, (span) => span as Span);
    assert.not.equal(b.traceId, active.traceId);
    assert.is(b.parentSpanId, '');
    // an explicit context wins over options.parent; a span works as the context too
    const c = tracer.startActiveSpan('c', { parent: remote }, a, (span) => span as Span);
    assert.equal([c.traceId, c.parentSpanId], [active.traceId, a.spanId]);
    // root: true still starts a new trace, as in OpenTelemetry
    const d = tracer.startActiveSpan('d', { root: true }, remote, (span) => span as Span);
    assert.not.equal(d.traceId, remote.traceId);
  });
});

test('startActiveSpan without a function as its last argument never throws: no span, undefined, counted and said once', () => {
  const { tracer, logs } = setup();
  const call = tracer.startActiveSpan as unknown as (...a: unknown[]) => unknown;
  const calls: unknown[][] = [['op'], ['op', {}], ['op', {}, 'not a function'], ['op', {}, undefined, 42], ['op', {}, undefined, undefined, () => 1]];
  for (const args of calls) assert.is(call.apply(tracer, args), undefined, JSON.stringify(args));
  const s = tracer.stats();
  assert.is(s.started, 0, 'no span is started that nothing would end');
  assert.is(s.invalidCallbacks, calls.length);
  assert.is(logs.length, 1, logs.join('\n'));
  assert.match(logs[0]!, /startActiveSpan/);
  assert.match(logs[0]!, /invalidCallbacks/);
  assert.is(tracer.activeSpan(), undefined);
});

test.run();
