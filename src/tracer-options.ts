// The options of createTracer, each resolved once by the Tracer constructor.
import type { AttributeLimitsOptions, Attributes } from './attributes.js';
import type { SpanExporter } from './exporter.js';
import type { SpanProcessor } from './processor.js';
import type { BatchOptions } from './batcher.js';
import type { Sampler } from './sampler.js';

export interface TracerOptions {
  /** service.name (overrides OTEL_SERVICE_NAME). */
  service?: string;
  serviceVersion?: string;
  /** Extra resource attributes (override OTEL_RESOURCE_ATTRIBUTES). */
  resource?: Attributes;
  /** Instrumentation scope written into OTLP (default tracewire). */
  scope?: { name: string; version?: string };
  /** One exporter or several (fan-out); wrapped in the batcher. */
  exporter?: SpanExporter | SpanExporter[];
  /** Or a processor of your own (replaces exporter + batch). */
  processor?: SpanProcessor;
  batch?: BatchOptions;
  /** Default: parent-based, always on for new traces. */
  sampler?: Sampler;
  attributes?: AttributeLimitsOptions;
  /** Record error messages (exception.message, status description). Off by default: messages can hold PII. */
  recordErrorMessages?: boolean;
  /**
   * Attributes a span copies at start from a local parent span that has them and it does not, e.g. `tenant.id`,
   * so every span of a tenant's request routes and samples as that tenant (a sampler that does not follow the
   * parent sees them when it decides; a parent-based one decides a child by its parent's flag). Config-built
   * tracers inherit their `tenantAttribute`. Default none (no per-span cost).
   */
  inheritAttributes?: readonly string[];
  /**
   * Turn tracing off (spans record nothing, nothing is exported; context is passed on unchanged). Default:
   * OTEL_SDK_DISABLED; this option wins over it, both ways (tracerFromConfig: over the file's `disabled` too).
   */
  disabled?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Where tracewire reports problems (rate-limited by each component). Default: console.warn with a prefix. */
  logger?: (msg: string) => void;
}

/** At construction, not per span: a string such as 'always_on' would otherwise leave every span unsampled. */
export function checkSampler(s: Sampler): Sampler {
  if (typeof (s as Partial<Sampler> | null)?.shouldSample === 'function') return s;
  const got = typeof s === 'string' ? JSON.stringify(s) + ' (a string; OTEL_TRACES_SAMPLER names go through samplerFromEnv())' : s === null ? 'null' : typeof s;
  throw Object.assign(new TypeError(`createTracer: sampler must be a Sampler such as alwaysOn, alwaysOff, probability(0.1) or parentBased(probability(0.1)), got ${got}`), { code: 'TW_ERR_CONFIG' });
}
