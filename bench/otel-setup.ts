// OpenTelemetry JS set up exactly as ../shared/otel-baseline/lib/otel-setup.mjs measured it:
// NodeTracerProvider.register() (AsyncLocalStorage) + default BatchSpanProcessor + a no-op exporter.
import { context, trace, ROOT_CONTEXT } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';

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

/** The baseline's unit of work: startSpan(4 attributes) + setAttribute x2 + setStatus + end. */
export const ATTRS = { 'http.request.method': 'GET', 'url.path': '/api/items', 'http.response.status_code': 200, 'server.port': 8080 };

export function otelSpan(tracer: ReturnType<typeof makeOtel>['tracer'], ctx?: unknown) {
  const span = tracer.startSpan('op', { attributes: ATTRS }, ctx as never);
  span.setAttribute('app.user_id', 'u-1234');
  span.setAttribute('app.cache_hit', true);
  span.setStatus({ code: 1 });
  span.end();
  return span;
}

export { context, trace, ROOT_CONTEXT };
