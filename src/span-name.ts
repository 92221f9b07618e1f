// The name a span is exported under, by every encoder in either mode (otlp-json.ts, thread/record.ts, formatSpan):
// cut to maxValueLength here rather than at startSpan (the hot path). The span keeps the cut name, so a second
// destination (or the record after an in-thread encode) finds it short and counts nothing more.
import { boundName } from './attributes.js';
import type { Span } from './span.js';

export function exportName(s: Span): string {
  const name = typeof s.name === 'string' ? s.name : spanNameOf(s.name);
  const p = (s.tracer as Partial<Span['tracer']>).attrPolicy; // none on a decoded thread span: its record was cut already
  if (p === undefined || name.length <= p.maxValueLength) return name;
  return (s.name = boundName(name, p, s.tracer.attrStats));
}

/** The name exporters write: a span name that is not a string (JS callers) as its String() form, 'unknown' if that throws. */
export function spanNameOf(name: unknown): string {
  if (typeof name === 'string') return name;
  try { return String(name); } catch { return 'unknown'; }
}
