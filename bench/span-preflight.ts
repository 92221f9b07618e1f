// Preflight shared by the span benches: before anything is timed, both libraries' harnesses (twSpan,
// otelSpan) do the same work on the same rotating inputs: 6 attributes, status OK, ended, parent as asked.
import { SpanStatusCode, type AnySpan, type Span, type Tracer } from '../src/index.js';
import { check } from './util.js';
import { ATTR_SETS, USERS } from './span-fixture.js';
import { twSpan } from './tw-setup.js';
import { otelSpan, type makeOtel } from './otel-setup.js';

const attrsOf = (i: number): Record<string, unknown> => ({ ...ATTR_SETS[i & 7], 'app.user_id': USERS[i & 7], 'app.cache_hit': (i & 1) === 0 });
const same = (a: Record<string, unknown>, b: Record<string, unknown>): boolean => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** 16 spans from each harness, roots and children alternating; call before either harness has run (both rotations at 0). */
export function checkSpanWork(tw: { tracer: Tracer; parent: AnySpan }, otel: ReturnType<typeof makeOtel> | null): void {
  const paths = new Set<unknown>();
  for (let i = 0; i < 16; i++) {
    const c = twSpan(tw.tracer, i & 1 ? tw.parent : undefined) as Span;
    check(same(c.attributes, attrsOf(i)) && c.status === SpanStatusCode.OK && c.ended, `tracewire span ${i}: 6 attributes, status OK, ended`);
    check(i & 1 ? c.parentSpanId === tw.parent.spanId && c.traceId === tw.parent.traceId : c.parentSpanId === '', `tracewire span ${i}: parent`);
    paths.add(c.getAttribute('url.path'));
    if (otel === null) continue;
    const o = otelSpan(otel.tracer, i & 1 ? otel.parentCtx : undefined) as unknown as { attributes: Record<string, unknown>; status: { code: number }; ended: boolean; parentSpanContext?: { spanId: string } };
    check(same(o.attributes, attrsOf(i)) && o.status.code === 1 && o.ended, `otel span ${i}: the same 6 attributes, status OK, ended`);
    check(o.parentSpanContext?.spanId === (i & 1 ? otel.parent.spanContext().spanId : undefined), `otel span ${i}: parent`);
  }
  check(paths.size === 8, 'inputs rotate over 8 sets');
}
