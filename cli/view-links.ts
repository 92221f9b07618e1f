// `view`'s span links across traces (AC-004: a message consumed in a batch or under `mode: 'link'` starts its
// own trace, linked to the producer's): listed under the trace, and with --follow-links shown after it.
import { KIND_NAMES, type Model } from './model.js';
import { clean, type Style } from './term.js';
import type { TraceSummary } from './view.js';

/** A span link that crosses traces: `from` is the linking span, `to` the span it links to. */
export interface TraceLink { traceId: string; spanId: string; service: string; name: string; kind: string; toTraceId: string; toSpanId: string }

/**
 * The links between trace t and other traces (AC-004: a message consumed in a batch or under `mode: 'link'`
 * starts its own trace, linked to the producer's): spans elsewhere that link into t, and t's spans' links out.
 */
export function traceLinks(m: Model, t: number): { linkedFrom: TraceLink[]; linksTo: TraceLink[] } {
  const linkedFrom: TraceLink[] = [];
  const linksTo: TraceLink[] = [];
  const id = m.traceIds[t]!;
  const seen = new Set<string>(); // a span exported twice (a retried export) has its links twice: listed once, as it is drawn once
  for (let j = 0; j < m.nLinks; j++) {
    const g = m.linkFrom[j]!;
    const to = m.linkTraceId(j);
    const mine = m.trace[g] === t;
    if (mine === (to === id)) continue; // a link inside t (or between two other traces)
    const row: TraceLink = { traceId: m.traceIds[m.trace[g]!]!, spanId: m.spanId(g), service: m.serviceName(g), name: m.opName(g), kind: KIND_NAMES[m.kind[g]!] ?? 'unspecified', toTraceId: to, toSpanId: m.linkSpanId(j) };
    const key = `${row.traceId}/${row.spanId}/${to}/${row.toSpanId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    (mine ? linksTo : linkedFrom).push(row);
  }
  return { linkedFrom, linksTo };
}

export function renderLinks(l: { linkedFrom: TraceLink[]; linksTo: TraceLink[] }, s: TraceSummary, st: Style): string {
  if (l.linkedFrom.length + l.linksTo.length === 0) return '';
  const here = new Map(s.spans.map((r) => [r.spanId, r]));
  const at = (spanId: string): string => { const r = here.get(spanId); return r === undefined ? spanId : `${clean(r.service || '?', 20)} ${clean(r.name, 40)}`; };
  const lines = ['', '', st.bold('Linked traces') + st.dim('  (a batch or link-mode consumer starts its own trace; view it by its ID, or add --follow-links)')];
  for (const x of l.linkedFrom) lines.push(`  ← ${clean(x.service || '?', 20)} ${clean(x.name, 40)} (${x.kind}) in trace ${x.traceId}, linked to ${at(x.toSpanId)}`);
  for (const x of l.linksTo) lines.push(`  → ${clean(x.service || '?', 20)} ${clean(x.name, 40)} links to span ${x.toSpanId} of trace ${x.toTraceId}`);
  return lines.join('\n');
}

/** At most this many linked traces are followed: a batch of thousands of messages links to as many traces. */
export const MAX_FOLLOW = 20;

/** A trace linked to the one shown, and the first link that names it. */
export interface LinkedTarget { relation: 'linkedFrom' | 'linksTo'; traceId: string; via: TraceLink }

/** The other traces named by the links, each once, in the order listed (linked from, then links to). */
export function linkedTargets(l: { linkedFrom: TraceLink[]; linksTo: TraceLink[] }): LinkedTarget[] {
  const out: LinkedTarget[] = [];
  const seen = new Set<string>();
  const add = (relation: LinkedTarget['relation'], traceId: string, via: TraceLink): void => { if (!seen.has(traceId)) { seen.add(traceId); out.push({ relation, traceId, via }); } };
  for (const x of l.linkedFrom) add('linkedFrom', x.traceId, x);
  for (const x of l.linksTo) add('linksTo', x.toTraceId, x);
  return out;
}

/** The line that opens a followed trace: which way the link goes and between which spans. */
export function linkedHeader(x: LinkedTarget, main: TraceSummary, linked: TraceSummary | null, st: Style): string {
  const span = (s: TraceSummary | null, id: string): string => {
    const r = s?.spans.find((y) => y.spanId === id);
    return r === undefined ? `span ${id}` : `${clean(r.service || '?', 20)} ${clean(r.name, 40)}`;
  };
  const v = x.via;
  const title = st.bold(`${x.relation === 'linkedFrom' ? '←' : '→'} linked trace ${x.traceId}`);
  if (linked === null) return `${title}: not in the files`;
  // linkedFrom: the linking span is in the followed trace, its target in this one; linksTo: the other way round
  return `${title}: ${clean(v.service || '?', 20)} ${clean(v.name, 40)} (${v.kind}) links to ${span(x.relation === 'linkedFrom' ? main : linked, v.toSpanId)}`;
}
