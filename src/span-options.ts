// The options of startSpan (Tracer.startSpan reads them; span.ts re-exports the type).
import type { SpanContextLike } from './span-context.js';
import type { Attributes } from './attributes.js';
import type { SpanKindValue } from './span.js';

export interface SpanOptions {
  kind?: SpanKindValue | number;
  /** Parent span or span context; defaults to the active span. `null` or `root: true` starts a new trace. */
  parent?: SpanContextLike | null;
  root?: boolean;
  /**
   * Keep the parent's trace ID and parent link, but let the tracer's root sampler decide instead of the
   * parent's sampled flag (an ingress that must not let untrusted callers force sampling).
   */
  sampleAsRoot?: boolean;
  attributes?: Attributes;
  /** ms since epoch (number or Date), or a performance.now() reading (any number no larger than performance.now()). */
  startTime?: number | Date;
  links?: ReadonlyArray<SpanContextLike | { context: SpanContextLike; attributes?: Attributes }>;
}
