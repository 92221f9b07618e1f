// tracewire: zero-dependency W3C tracing core. Public API.
export { createTracer, Tracer, type TracerOptions, type TracerStats } from './tracer.js';
export { Span, NonRecordingSpan, SpanKind, SpanStatusCode, SpanLink, SpanEvent, errorType, type AnySpan, type SpanOptions, type SpanKindValue } from './span.js';
export { SpanContext, FLAG_SAMPLED, FLAG_RANDOM, KNOWN_FLAGS, sameTrace, type SpanContextLike } from './span-context.js';
export { alwaysOn, alwaysOff, parentBased, probability, ProbabilitySampler, ParentBasedSampler, TenantSampler, samplerFromEnv, type Sampler } from './sampler.js';
export { compileAllowlist, type Attributes, type AttributeValue, type AttributeLimitsOptions } from './attributes.js';
export { activeContext, runWithContext } from './context.js';
export { now } from './clock.js';
export type { SpanProcessor, ProcessorStats, DropCounts, ShutdownOptions } from './processor.js';
export { ExportError, type SpanExporter, type ExportResult } from './exporter.js';
export { otlpExporter, OtlpHttpExporter, type OtlpExporterOptions, type RetryOptions } from './otlp-http.js';
export { fileExporter, consoleExporter, memoryExporter, FileExporter, ConsoleExporter, MemoryExporter, formatSpan, type FileExporterOptions, type ConsoleExporterOptions, type MemoryExporterOptions, type MemoryFailure } from './exporters-local.js';
export { installShutdownHook, type ShutdownHookOptions } from './shutdown-hook.js';
export { BatchSpanProcessor, type BatchOptions, type DestinationStats } from './batcher.js';
export { OtlpJsonEncoder, groupSpans } from './otlp-json.js';
export { markNoTrace, isNoTrace } from './suppress.js';
export { parseTraceparent, formatTraceparent, traceparentRejection } from './traceparent.js';
export { parseTracestate, formatTracestate, truncateTracestate, TraceState } from './tracestate.js';
export { extractContext, extractFromGetter, injectContext, createPropagationStats, type PropagationStats } from './propagation.js';
