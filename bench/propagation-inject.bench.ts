// W3C inject: tracewire injectContext vs OTel W3CTraceContextPropagator, the cases of
// ../shared/otel-baseline/bench/02-propagator-inject.mjs, in one process. Contexts rotate among 4.
// OTel's contexts hold hex IDs (made when the span started); ours hold words, so which hex is cached matters:
// 'inject tp' is a SpanContext (extracted or held) whose hex is cached after its first use; 'inject tp, live
// span' injects a span of our tracer (what tracer.inject() and the fetch adapters do for a client span: no
// cache, the hex is written per call); 'cold hex' a SpanContext made from words and injected once.
import { propagation, trace, ROOT_CONTEXT, TraceFlags, defaultTextMapSetter, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator, TraceState as OtelTraceState } from '@opentelemetry/core';
import { runTasks, sink, check } from './util.js';
import { injectContext } from '../src/propagation.js';
import { parseTraceparent } from '../src/traceparent.js';
import { parseTracestate } from '../src/tracestate.js';
import { SpanContext } from '../src/span-context.js';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { makeTw } from './tw-setup.js';
import type { Span } from '../src/index.js';

const propagator = new W3CTraceContextPropagator();
propagation.setGlobalPropagator(propagator);

const TS = 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,vendor@tenant=abc123';
const K = 4;
const traceIds = Array.from({ length: K }, (_, i) => '4bf92f3577b34da6a3ce929d0e0e473' + i);
const spanId = '00f067aa0ba902b7';
const tpOf = (i: number): string => `00-${traceIds[i]}-${spanId}-01`;

const otelNoTs: Context[] = traceIds.map((traceId) => trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED }));
const otelTs: Context[] = traceIds.map((traceId) => trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED, traceState: new OtelTraceState(TS) }));
// tracewire contexts as a service holds them: built from words (as extract or a span makes them), hex cached on first use.
const twNoTs: SpanContext[] = traceIds.map((_, i) => parseTraceparent(tpOf(i))!);
const twTs: SpanContext[] = traceIds.map((_, i) => { const c = parseTraceparent(tpOf(i))!; c.traceState = parseTracestate(TS); return c; });
const words = twNoTs.map((c) => [c.t0, c.t1, c.t2, c.t3, c.s0, c.s1] as const);

for (let i = 0; i < K; i++) {
  const o1: Record<string, string> = {};
  propagation.inject(otelNoTs[i]!, o1, defaultTextMapSetter);
  const t1: Record<string, unknown> = {};
  injectContext(twNoTs[i]!, t1);
  check(o1.traceparent === tpOf(i) && t1.traceparent === tpOf(i) && !('tracestate' in o1) && !('tracestate' in t1), 'inject traceparent ' + i);
  const o2: Record<string, string> = {};
  propagation.inject(otelTs[i]!, o2, defaultTextMapSetter);
  const t2: Record<string, unknown> = {};
  injectContext(twTs[i]!, t2);
  check(o2.tracestate === TS && t2.tracestate === TS && t2.traceparent === tpOf(i), 'inject tracestate ' + i);
  const t3: Record<string, unknown> = {};
  const w = words[i]!;
  injectContext(new SpanContext(w[0], w[1], w[2], w[3], w[4], w[5], 1, false, null), t3);
  check(t3.traceparent === tpOf(i), 'inject fresh context ' + i);
}

// Live spans, one per trace ID slot: our tracer's Span objects, OTel's spans in their contexts.
const tw = makeTw();
const twLive: Span[] = traceIds.map(() => tw.tracer.startSpan('client', { root: true }) as Span);
const otelTracer = new BasicTracerProvider().getTracer('bench');
const otelLive: Context[] = traceIds.map(() => trace.setSpan(ROOT_CONTEXT, otelTracer.startSpan('client', {}, ROOT_CONTEXT)));
for (let i = 0; i < K; i++) {
  const t: Record<string, unknown> = {};
  injectContext(twLive[i]!, t);
  const s = twLive[i]!;
  check(t.traceparent === `00-${s.traceId}-${s.spanId}-0${s.traceFlags & 3}` && !('tracestate' in t), 'inject live span ' + i);
  const o: Record<string, string> = {};
  propagation.inject(otelLive[i]!, o, defaultTextMapSetter);
  const oc = trace.getSpanContext(otelLive[i]!)!;
  check(o.traceparent === `00-${oc.traceId}-${oc.spanId}-01`, 'otel inject live span ' + i);
}
check(new Set(twLive.map((s) => s.traceId)).size === K, 'live spans differ');

const B = 1000;
await runTasks('propagation-inject', [
  { name: 'tracewire injectContext traceparent into {}', group: 'inject tp', impl: 'tracewire', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) { c = {}; injectContext(twNoTs[i & 3]!, c); } sink.v = c; } },
  { name: 'otel inject traceparent into {} via propagation', group: 'inject tp', impl: 'otel', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) { c = {}; propagation.inject(otelNoTs[i & 3]!, c, defaultTextMapSetter); } sink.v = c; } },
  { name: 'tracewire injectContext traceparent+tracestate(3) into {}', group: 'inject tp+ts(3)', impl: 'tracewire', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) { c = {}; injectContext(twTs[i & 3]!, c); } sink.v = c; } },
  { name: 'otel inject traceparent+tracestate(3) into {} via propagation', group: 'inject tp+ts(3)', impl: 'otel', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) { c = {}; propagation.inject(otelTs[i & 3]!, c, defaultTextMapSetter); } sink.v = c; } },
  { name: 'otel inject traceparent into {} direct', group: 'inject tp direct', impl: 'otel', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) { c = {}; propagator.inject(otelNoTs[i & 3]!, c, defaultTextMapSetter); } sink.v = c; } },
  // A span of ours (hex written from its words on every call) against OTel's span (hex made at its start).
  { name: 'tracewire injectContext(live span) into {}', group: 'inject tp, live span', impl: 'tracewire', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) { c = {}; injectContext(twLive[i & 3]!, c); } sink.v = c; } },
  { name: 'otel inject live span context into {} via propagation', group: 'inject tp, live span', impl: 'otel', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) { c = {}; propagation.inject(otelLive[i & 3]!, c, defaultTextMapSetter); } sink.v = c; } },
  // A context injected once (the SpanContext built here, hex made from the words on this call, nothing cached);
  // paired with OTel's inject of a context it already holds: an upper bound on our cost.
  { name: 'tracewire injectContext fresh context (hex not cached) into {}', group: 'inject tp, cold hex', impl: 'tracewire', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) { const w = words[i & 3]!; c = {}; injectContext(new SpanContext(w[0], w[1], w[2], w[3], w[4], w[5], 1, false, null), c); } sink.v = c; } },
  { name: 'otel inject traceparent into {} via propagation (cold-hex pair)', group: 'inject tp, cold hex', impl: 'otel', batch: B,
    fn() { let c; for (let i = 0; i < B; i++) { c = {}; propagation.inject(otelNoTs[i & 3]!, c, defaultTextMapSetter); } sink.v = c; } },
]);
