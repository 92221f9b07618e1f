// Clock-skew adjustment for display, as Jaeger's query service does it (adjuster/clockskew.go): a span on another
// clock than its parent that starts before it or ends after it is shifted, with the spans on its own clock below
// it, into the parent's time; the recorded times stay in the model. A view then shows what happened, not the skew.
import { KIND_CONSUMER, KIND_PRODUCER, type Model } from './model.js';
import type { Times, TraceTree } from './tree.js';

/** Shown times (local indices, as TraceTree's), the shift applied to each, and the trace's shown bounds. */
export interface Shown extends Times {
  /** ms added to the recorded start and end; 0 for spans left as recorded */
  readonly shift: Float64Array;
  /** spans with a shift */
  readonly adjusted: number;
  readonly t0: number;
  readonly t1: number;
}

/**
 * Walks each tree from its roots, parents before children. A child on the same known clock as its parent moves with
 * it; on another one (or an unknown one) it gets its own shift against the parent's shown times (skewOf). Roots stay.
 */
export function adjustClockSkew(m: Model, tr: TraceTree): Shown {
  const n = tr.size;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const shift = new Float64Array(n);
  const stack: number[] = [];
  for (const r of tr.roots) { start[r] = m.start[tr.spans[r]!]!; end[r] = m.end[tr.spans[r]!]!; stack.push(r); }
  let adjusted = 0;
  while (stack.length) {
    const i = stack.pop()!;
    const gi = tr.spans[i]!;
    for (const c of tr.children(i)) {
      const g = tr.spans[c]!;
      const clock = m.clock[g]!;
      // strings id 0 is '': no clock known, never taken as the parent's
      const d = clock !== 0 && clock === m.clock[gi] ? shift[i]! : skewOf(m.start[g]!, m.end[g]!, start[i]!, end[i]!, isAsync(m.kind[gi]!, m.kind[g]!));
      shift[c] = d;
      start[c] = m.start[g]! + d;
      end[c] = m.end[g]! + d;
      if (d !== 0) adjusted++;
      stack.push(c);
    }
  }
  let t0 = Infinity;
  let t1 = -Infinity;
  for (let i = 0; i < n; i++) { if (start[i]! < t0) t0 = start[i]!; if (end[i]! > t1) t1 = end[i]!; }
  return { start, end, shift, adjusted, t0, t1 };
}

/** A consumer runs after its producer returned, by design: its ending later is no sign of skew. */
const isAsync = (parentKind: number, kind: number): boolean => parentKind === KIND_PRODUCER || kind === KIND_CONSUMER;

/**
 * Jaeger's calculateSkew. A child longer than its parent (async, or the parent gave up waiting), or a consumer, is
 * only kept from starting before it. Otherwise a child that does not fit is centred in the parent: the network
 * time, parent minus child, split evenly between request and response. NaN times: no shift.
 */
export function skewOf(cs: number, ce: number, ps: number, pe: number, async: boolean): number {
  if (!(ce >= cs && pe >= ps)) return 0;
  if (async || ce - cs > pe - ps) return cs < ps ? ps - cs : 0;
  if (cs >= ps && ce <= pe) return 0;
  return ps + (pe - ps - (ce - cs)) / 2 - cs;
}
