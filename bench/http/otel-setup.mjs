// Copied from ../shared/otel-baseline/lib/otel-setup.mjs (the reference method): NodeTracerProvider
// (AsyncLocalStorage context manager, W3C propagators) + a default BatchSpanProcessor + an exporter that
// only calls back SUCCESS and counts what it was given (so spans are proven exported, not dropped).
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';

export class NoopExporter {
  exportedSpans = 0;
  exportCalls = 0;
  export(spans, resultCallback) {
    this.exportedSpans += spans.length;
    this.exportCalls++;
    resultCallback({ code: ExportResultCode.SUCCESS });
  }
  shutdown() { return Promise.resolve(); }
  forceFlush() { return Promise.resolve(); }
}

export function makeProvider() {
  const exporter = new NoopExporter();
  const bsp = new BatchSpanProcessor(exporter); // defaults: queue 2048, batch 512, 5000 ms
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'otel-bench' }), spanProcessors: [bsp] });
  provider.register();
  return { provider, exporter, bsp };
}
