// tracewire set up like the OTel baseline: default batcher (queue 2048, batch 512, 5 s) + a no-op exporter.
import { createTracer, SpanStatusCode, NonRecordingSpan, type SpanExporter, type Tracer, type AnySpan, type SpanContextLike } from '../src/index.js';
import { ATTR_SETS, USERS } from './span-fixture.js';

export class NoopExporter implements SpanExporter {
  exportedSpans = 0;
  async export(spans: readonly unknown[]) { this.exportedSpans += spans.length; return { ok: true }; }
}

export function makeTw(opts: Parameters<typeof createTracer>[0] = {}) {
  const exporter = new NoopExporter();
  const tracer = createTracer({ service: 'tw-bench', exporter, ...opts });
  const parent = tracer.startSpan('parent', { root: true });
  return { tracer, exporter, parent };
}

let ended = 0;
let k = 0;
/** The baseline's unit of work, values rotated as otelSpan rotates them (span-fixture.ts). */
export function twSpan(tracer: Tracer, parent?: SpanContextLike): AnySpan {
  const i = k++ & 7;
  // One literal per call, as OTel's harness writes it (its context is a separate argument; parent undefined =
  // none). It was `parent === undefined ? {...} : {...}`: with two literals flowing into one call, whether V8
  // removed them varied by process on Node 20 (197 or 229 B per root span).
  const span = tracer.startSpan('op', { attributes: ATTR_SETS[i]!, parent });
  span.setAttribute('app.user_id', USERS[i]!);
  span.setAttribute('app.cache_hit', (i & 1) === 0);
  span.setStatus(SpanStatusCode.OK);
  span.end();
  // Our batcher starts exports from setImmediate (never inside end()), and tinybench's loop only yields to
  // microtasks; a flush per full batch stands in for that turn, as OTel's BSP exports inside onEnd at 512.
  // Unsampled spans never reach the batcher, so there is no export turn to stand in for. The batcher's own
  // forceFlush, not tracer.forceFlush(): that one also arms a deadline timer (for processors that might hang),
  // ~2 KB per call that the batcher's own turn never allocates (201 vs 197 B per span on Node 20).
  if (span instanceof NonRecordingSpan) return span;
  if ((++ended & 511) === 0) void tracer.processor?.forceFlush();
  return span;
}
