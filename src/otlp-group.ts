// Spans of one batch in OTLP's nesting order: grouped by resource, then by scope, each group in end order.
import type { Span } from './span.js';

/** Stable grouping by resource, then scope; the common single-tracer batch is returned as is. */
export function groupSpans(spans: readonly Span[]): readonly Span[] {
  const n = spans.length;
  if (n < 2) return spans;
  const t = spans[0]!.tracer;
  let i = 1;
  while (i < n && spans[i]!.tracer === t) i++;
  if (i === n) return spans;
  const byResource = new Map<object, Map<object, Span[]>>();
  for (let k = 0; k < n; k++) {
    const s = spans[k]!;
    let byScope = byResource.get(s.tracer.resource);
    if (byScope === undefined) byResource.set(s.tracer.resource, (byScope = new Map()));
    const list = byScope.get(s.tracer.scope);
    if (list === undefined) byScope.set(s.tracer.scope, [s]);
    else list.push(s);
  }
  const out: Span[] = [];
  for (const byScope of byResource.values()) for (const list of byScope.values()) for (const s of list) out.push(s);
  return out;
}
