// OpenTelemetry JS set up exactly as ../shared/otel-baseline/lib/otel-setup.mjs measured it:
// NodeTracerProvider.register() (AsyncLocalStorage) + default BatchSpanProcessor + a no-op exporter.
import { context, trace, ROOT_CONTEXT } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SETS, USERS } from './span-fixture.js';

export { ATTRS } from './span-fixture.js';

export class OtelNoopExporter {
  exportedSpans = 0;
  export(spans: unknown[], cb: (r: { code: number }) => void): void {
    this.exportedSpans += spans.length;
    cb({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> { return Promise.resolve(); }
  forceFlush(): Promise<void> { return Promise.resolve(); }
}

export function makeOtel() {
  const exporter = new OtelNoopExporter();
  const bsp = new BatchSpanProcessor(exporter as never);
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'otel-bench' }), spanProcessors: [bsp] });
  provider.register();
  const tracer = provider.getTracer('otel-bench', '1.0.0');
  const parent = tracer.startSpan('parent', {}, ROOT_CONTEXT);
  return { provider, tracer, exporter, bsp, parentCtx: trace.setSpan(ROOT_CONTEXT, parent), parent };
}

/** The baseline's unit of work: startSpan(4 attributes) + setAttribute x2 + setStatus + end, values rotated (span-fixture.ts). */
let k = 0;
export function otelSpan(tracer: ReturnType<typeof makeOtel>['tracer'], ctx?: unknown) {
  const i = k++ & 7;
  const span = tracer.startSpan('op', { attributes: ATTR_SETS[i]! }, ctx as never);
  span.setAttribute('app.user_id', USERS[i]!);
  span.setAttribute('app.cache_hit', (i & 1) === 0);
  span.setStatus({ code: 1 });
  span.end();
  return span;
}

export { context, trace, ROOT_CONTEXT };
