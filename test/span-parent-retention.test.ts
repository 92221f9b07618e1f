// Span.parent holds the parent's context object (src/span.ts): an ended span must not keep a parent that ended
// before it, nor the OTel context it started in, alive: either would pin every ancestor or the context's values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as api from '@opentelemetry/api';
import { createTracer, type AnySpan, type Span, type SpanExporter, type SpanProcessor } from '../src/index.js';
import { registerOpenTelemetry } from '../adapters/otel.js';
import { OtlpJsonEncoder } from '../src/otlp-json.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const collect = async (): Promise<void> => { for (let i = 0; i < 3; i++) { await new Promise((r) => setTimeout(r, 0)); gc(); } };

const discard: SpanExporter = { name: 'discard', export: async () => {} };
/** A user's processor: sees every span, keeps none, never calls release(). */
const keepsNothing: SpanProcessor = {
  onEnd() {}, forceFlush: async () => {}, shutdown: async () => {},
  stats: () => ({ enqueued: 0, exported: 0, dropped: { queueFull: 0, exportFailed: 0, shutdown: 0, noExporter: 0 }, queued: 0 }),
};

for (const [what, opts] of [['the batcher', { exporter: discard }], ['a processor that never releases', { processor: keepsNothing }]] as const) {
  test(`a chain of spans each started under the previous one after it ended (a setTimeout poll loop) keeps no ancestors alive (${what})`, async () => {
    const tracer = createTracer({ service: 'retention', env: {}, logger: () => {}, batch: { scheduledDelayMs: 1 }, ...opts });
    const refs: WeakRef<AnySpan>[] = [];
    const ids: string[] = [];
    let last = ((): AnySpan => {
      let prev: AnySpan = tracer.startSpan('tick', { root: true });
      for (let i = 0; i < 50; i++) {
        refs.push(new WeakRef(prev));
        ids.push(prev.spanId);
        prev.end();
        prev = tracer.startSpan('tick', { parent: prev }); // the next run, in the ended run's async context
      }
      return prev;
    })();
    await tracer.forceFlush();
    await collect();
    assert.is((last as Span).parentSpanId, ids[ids.length - 1], 'the live span still knows its parent ID');
    const alive = refs.slice(0, -1).filter((r) => r.deref() !== undefined).length;
    assert.is(alive, 0, 'ended ancestors before the parent were collected');
    last.end();
    last = null as never;
    await tracer.shutdown({ deadlineMs: 50 });
  });
}

test('an ended span still held (a queue, a user) keeps its parent ID but not the OTel context it started in, nor its values', async () => {
  const kept: Span[] = [];
  const proc: SpanProcessor = { ...keepsNothing, onEnd(s) { kept.push(s); } };
  const tracer = createTracer({ service: 'retention', env: {}, logger: () => {}, processor: proc });
  const unregister = registerOpenTelemetry(tracer, { api });
  const KEY = api.createContextKey('user value');
  let valueRef!: WeakRef<object>;
  let parentId = '';
  ((): void => {
    const otel = api.trace.getTracer('t');
    const parent = otel.startSpan('otel parent');
    parentId = parent.spanContext().spanId;
    const value = { big: new Array(1000).fill('x') };
    valueRef = new WeakRef(value);
    const ctx = api.trace.setSpan(api.context.active(), parent).setValue(KEY, value);
    api.context.with(ctx, () => tracer.startSpan('native child').end()); // tracewire's own span: its parent is the bridge context
    parent.end();
  })();
  await collect();
  const child = kept.find((s) => s.name === 'native child')!;
  assert.is(child.parentSpanId, parentId);
  assert.is(valueRef.deref(), undefined, 'the context value was collected');
  unregister();
  await tracer.shutdown({ deadlineMs: 50 });
});

test('a span that outlives its parent, or started in an OTel context, encodes its parent span ID as before', () => {
  const kept: Span[] = [];
  const tracer = createTracer({ service: 'retention', env: {}, logger: () => {}, processor: { ...keepsNothing, onEnd(s) { kept.push(s); } } });
  const unregister = registerOpenTelemetry(tracer, { api });
  const parent = tracer.startSpan('parent', { root: true });
  const late = tracer.startSpan('late child', { parent });
  parent.end();
  late.end(); // after its parent: keeps the parent's IDs only
  const otelParent = api.trace.getTracer('t').startSpan('otel parent');
  api.context.with(api.trace.setSpan(api.context.active(), otelParent).setValue(api.createContextKey('k'), 1), () => tracer.startSpan('in context').end());
  otelParent.end();
  const out = JSON.parse(Buffer.from(new OtlpJsonEncoder().encode(kept)).toString('utf8'));
  const spans = out.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans));
  const by = (n: string) => spans.find((s: any) => s.name === n);
  assert.is(by('late child').parentSpanId, parent.spanId);
  assert.is((kept.find((s) => s.name === 'late child')!).parentSpanId, parent.spanId);
  assert.is(by('in context').parentSpanId, otelParent.spanContext().spanId);
  unregister();
});

test.run();
