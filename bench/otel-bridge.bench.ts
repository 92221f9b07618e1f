// The same span work through @opentelemetry/api, as ../shared/otel-baseline/lib/otel-setup.mjs
// `oneSpan` does it: tracer.startSpan('op', {attributes: 4}) + setAttribute x2 + setStatus + end, with
// tracewire's bridge vs with OpenTelemetry's SDK (NodeTracerProvider.register() + BatchSpanProcessor
// (defaults) + an exporter that only calls back), in the same run.
// The API holds one provider and one context manager per process, so this file runs each side in its
// own fresh child process, back to back (as the baseline measured OTel alone in a fresh process), and
// forwards their RESULT lines; in one process the second side measurably inherits the first one's heap
// and JIT feedback (we saw +5-10% on whichever ran second). Each side gets its tracer from
// api.trace.getTracer(), which returns the registered provider's own tracer (no proxy).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as api from '@opentelemetry/api';
import { check, runTasks, sink, type Task } from './util.js';
import { ATTR_SETS, USERS } from './span-fixture.js';

const { context, trace, ROOT_CONTEXT } = api;
const PHASE = process.env.OTEL_BRIDGE_BENCH_SIDE;

// --- the baseline's unit of work (otel-setup.mjs), its values rotated as in span.bench (span-fixture.ts) ---
let k = 0;
function oneSpan(tracer: api.Tracer, ctx?: api.Context): api.Span {
  const i = k++ & 7;
  const span = tracer.startSpan('op', { attributes: ATTR_SETS[i]! }, ctx);
  span.setAttribute('app.user_id', USERS[i]!);
  span.setAttribute('app.cache_hit', (i & 1) === 0);
  span.setStatus({ code: 1 /* SpanStatusCode.OK */ });
  span.end();
  return span;
}

const B = 100; // spans per sample, as the baseline's benchmark 4

/** Preflight (a child is a child, a root has no parent, context.with activates the parent), then the 3 tasks. */
function tasks(impl: 'otel' | 'tracewire', tracer: api.Tracer, parent: api.Span, parentOf: (s: api.Span) => string | undefined, after: () => void, attrsOf: (s: api.Span) => Record<string, unknown>): Task[] {
  const parentCtx = trace.setSpan(ROOT_CONTEXT, parent);
  const pid = parent.spanContext().spanId;
  const i0 = k & 7;
  const want = { ...ATTR_SETS[i0], 'app.user_id': USERS[i0], 'app.cache_hit': (i0 & 1) === 0 };
  const got = attrsOf(oneSpan(tracer, parentCtx));
  check(JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort()), `${impl}: the span has the 6 attributes it was given`);
  check(parentOf(oneSpan(tracer, parentCtx)) === pid, `${impl}: child span has the parent's span ID`);
  check(parentOf(oneSpan(tracer)) === undefined, `${impl}: root span has no parent`);
  context.with(parentCtx, () => check(parentOf(oneSpan(tracer)) === pid, `${impl}: context.with makes the parent active`));
  const withActive = (): void => { let s; for (let i = 0; i < B; i++) s = oneSpan(tracer); sink.v = s; after(); };
  return [
    { name: `${impl}: root span: start(4 attrs)+setAttribute x2+setStatus+end`, group: 'root', impl, batch: B, fn() { let s; for (let i = 0; i < B; i++) s = oneSpan(tracer); sink.v = s; after(); } },
    { name: `${impl}: child span (explicit parent ctx): same work`, group: 'child', impl, batch: B, fn() { let s; for (let i = 0; i < B; i++) s = oneSpan(tracer, parentCtx); sink.v = s; after(); } },
    { name: `${impl}: child of the active span (inside context.with): same work`, group: 'active', impl, batch: B, fn() { context.with(parentCtx, withActive); } },
  ];
}

/** The OpenTelemetry SDK, set up exactly as otel-setup.mjs makeProvider('node'). */
async function otelSide(): Promise<void> {
  const { ExportResultCode } = await import('@opentelemetry/core');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  class NoopExporter {
    exportedSpans = 0;
    exportCalls = 0;
    export(spans: unknown[], resultCallback: (r: { code: number }) => void): void {
      this.exportedSpans += spans.length;
      this.exportCalls++;
      resultCallback({ code: ExportResultCode.SUCCESS });
    }
    shutdown(): Promise<void> { return Promise.resolve(); }
    forceFlush(): Promise<void> { return Promise.resolve(); }
  }
  const exporter = new NoopExporter();
  const bsp = new BatchSpanProcessor(exporter as never);
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'otel-bench' }), spanProcessors: [bsp] });
  provider.register();
  const tracer = trace.getTracer('otel-bench', '1.0.0');
  check(tracer.constructor.name !== 'ProxyTracer', 'api.trace.getTracer returns the SDK tracer itself');
  let created = 5; // parent + 4 preflight spans
  const parent = tracer.startSpan('parent', {}, ROOT_CONTEXT);
  const list = tasks('otel', tracer, parent, (s) => (s as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId, () => { created += B; }, (s) => (s as unknown as { attributes: Record<string, unknown> }).attributes);
  await runTasks('otel-bridge', list, {
    side: 'otel',
    get spansCheck() {
      const buffered = (bsp as unknown as { _finishedSpans: unknown[] })._finishedSpans.length;
      return { created, exported: exporter.exportedSpans, buffered, unfinished: 1, lost: created - 1 - exporter.exportedSpans - buffered };
    },
  });
  const lost = created - 1 - exporter.exportedSpans - (bsp as unknown as { _finishedSpans: unknown[] })._finishedSpans.length;
  check(lost === 0 && (bsp as unknown as { _droppedSpansCount: number })._droppedSpansCount === 0, `otel: every ended span exported or buffered (${lost} lost)`);
  parent.end();
  await provider.shutdown();
}

/** tracewire's bridge: the tracer exports through its batcher to an exporter that only counts. */
async function tracewireSide(): Promise<void> {
  const { createTracer } = await import('../src/index.js');
  const { registerOpenTelemetry } = await import('../adapters/otel.js');
  type Rec = { rec: { hasParent: boolean; parentSpanId: string } | null };
  let exported = 0;
  const tw = createTracer({ service: 'otel-bench', exporter: { name: 'noop', async export(spans) { exported += spans.length; return { ok: true }; } }, env: {} });
  const unregister = registerOpenTelemetry(tw, api);
  const tracer = trace.getTracer('otel-bench', '1.0.0');
  check(tracer.constructor.name === 'BridgeTracer', 'api.trace.getTracer returns the bridge tracer');
  const parent = tracer.startSpan('parent', {}, ROOT_CONTEXT);
  // The batcher starts an export from setImmediate once 512 spans are queued; tinybench's runner only
  // awaits microtasks between samples, so that turn never comes and the ring would fill (measuring the
  // cheap drop path). forceFlush() every 1024 spans runs the same export pump inside the timed sample,
  // as the OTel BSP exports synchronously inside end() every 512.
  let sinceFlush = 0;
  const list = tasks('tracewire', tracer, parent, (s) => {
    const r = (s as unknown as Rec).rec;
    return r !== null && r.hasParent ? r.parentSpanId : undefined;
  }, () => { if ((sinceFlush += B) >= 1024) { sinceFlush = 0; void tw.forceFlush(); } }, (s) => (s as unknown as { rec: { attributes: Record<string, unknown> } }).rec.attributes);
  await runTasks('otel-bridge', list, {
    side: 'tracewire',
    get spansCheck() {
      const s = tw.stats();
      return { started: s.started, ended: s.ended, exported, queued: s.queued, dropped: s.dropped, bridge: unregister.stats() };
    },
  });
  parent.end();
  await tw.forceFlush();
  const st = tw.stats();
  check(st.ended === st.started, 'every bridge span ended');
  check(st.dropped.queueFull === 0, `no span dropped by a full queue (${st.dropped.queueFull} of ${st.ended})`);
  check(exported + st.queued === st.ended, `every ended span exported or queued (${exported} + ${st.queued} vs ${st.ended})`);
  unregister();
  await tw.shutdown({ deadlineMs: 1000 });
}

if (PHASE === 'otel') await otelSide();
else if (PHASE === 'tracewire') await tracewireSide();
else {
  for (const side of ['otel', 'tracewire']) {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      env: { ...process.env, OTEL_BRIDGE_BENCH_SIDE: side }, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 16 << 20,
    });
    process.stdout.write(r.stdout);
    if (r.status !== 0) { console.error(`otel-bridge ${side} side failed (exit ${r.status})`); process.exitCode = 1; }
  }
}
