// Span lifecycle: startSpan(4 attributes) + setAttribute x2 + setStatus + end, under each library's batch
// processor with a no-op exporter; root and child; plus an unsampled child (the no-op path).
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { runTasks, sink, check } from './util.js';
import { makeOtel, otelSpan } from './otel-setup.js';
import { makeTw, twSpan } from './tw-setup.js';
import { parentBased, alwaysOff, SpanStatusCode } from '../src/index.js';
import { ATTR_SETS, USERS } from './span-fixture.js';
import { checkSpanWork } from './span-preflight.js';

const otel = makeOtel();
const tw = makeTw();
const twOff = makeTw({ sampler: parentBased(alwaysOff) });
let kOff = 0; // unsampledOnly's rotation
const otelDrops: string[] = [];
diag.setLogger({ warn: (m: string) => void otelDrops.push(m), error: (m: string) => void otelDrops.push(m) } as never, DiagLogLevel.WARN);

checkSpanWork(tw, otel); // same work on both sides, children are children
check(twOff.tracer.startSpan('x', { parent: twOff.parent }) === twOff.parent, 'unsampled child reuses parent');

const B = 100;
await runTasks('span', [
  { name: 'tracewire root span: start(4 attrs)+2 setAttribute+setStatus+end', group: 'root', impl: 'tracewire', batch: B, fn() { let s; for (let i = 0; i < B; i++) s = twSpan(tw.tracer); sink.v = s; } },
  { name: 'otel root span: same work', group: 'root', impl: 'otel', batch: B, fn() { let s; for (let i = 0; i < B; i++) s = otelSpan(otel.tracer); sink.v = s; } },
  { name: 'tracewire child span (explicit parent)', group: 'child', impl: 'tracewire', batch: B, fn() { let s; for (let i = 0; i < B; i++) s = twSpan(tw.tracer, tw.parent); sink.v = s; } },
  { name: 'otel child span (explicit parent ctx)', group: 'child', impl: 'otel', batch: B, fn() { let s; for (let i = 0; i < B; i++) s = otelSpan(otel.tracer, otel.parentCtx); sink.v = s; } },
  // The clock floor, paired with OTel: a span reads the clock at start and at end (OTel: three reads).
  // OTel / this is the ceiling of any span that measures its duration (the 10x goal's headroom).
  { name: '(floor) the two performance.now() reads a span needs', group: 'root', impl: 'ref', batch: B, fn() { let s = 0; for (let i = 0; i < B; i++) s += performance.now() - performance.now(); sink.n = s; } },
  { name: 'tracewire unsampled child: same calls', group: 'unsampled', impl: 'tracewire', batch: 1000, fn() { let s; for (let i = 0; i < 1000; i++) s = twSpan(twOff.tracer, twOff.parent); sink.v = s; } },
  { name: 'tracewire unsampled child, a call site that sees only unsampled spans', group: 'unsampled-mono', impl: 'tracewire', batch: 1000, fn() { let s; for (let i = 0; i < 1000; i++) s = unsampledOnly(twOff.tracer, twOff.parent); sink.v = s; } },
  { name: 'ref: an empty function call with the same arguments', group: 'unsampled', impl: 'ref', batch: 1000, fn() { let s; for (let i = 0; i < 1000; i++) s = empty(twOff.tracer, twOff.parent); sink.v = s; } },
], {
  get check() {
    const st = tw.tracer.stats();
    return { twEnded: st.ended, twExported: st.exported, twQueued: st.queued, twDropped: st.dropped, otelExported: otel.exporter.exportedSpans };
  },
});
// After the run: no span took a drop path, which would flatter either side's number.
await tw.tracer.forceFlush();
const st = tw.tracer.stats();
check(st.dropped.queueFull === 0 && st.ended === st.exported + st.queued, `tracewire: every ended span exported or queued (${st.exported} + ${st.queued} of ${st.ended}, ${st.dropped.queueFull} dropped)`);
const bsp = otel.bsp as unknown as { _droppedSpansCount: number };
check(otelDrops.length === 0 && bsp._droppedSpansCount === 0, `otel: no span dropped by its BatchSpanProcessor (${otelDrops.join('; ')})`);

function empty(a: unknown, b: unknown): unknown { sink.n++; return a ?? b; }

/**
 * twSpan's calls in a function of their own: twSpan's call sites also see recording spans and the sampled
 * tracer (polymorphic, as in an app sampling a fraction); these see only the no-op span (a fully unsampled path).
 */
function unsampledOnly(tracer: typeof twOff.tracer, parent: typeof twOff.parent) {
  const i = kOff++ & 7;
  const span = tracer.startSpan('op', { attributes: ATTR_SETS[i]!, parent });
  span.setAttribute('app.user_id', USERS[i]!);
  span.setAttribute('app.cache_hit', (i & 1) === 0);
  span.setStatus(SpanStatusCode.OK);
  span.end();
  return span;
}
