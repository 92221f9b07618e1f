// One trace as a tree (parents, children by start, duplicates and parent-link loops resolved) and what is
// computed on it: self time per span, the critical path, the depth-first waterfall order.
import { F_PARENT, key53, type Model } from './model.js';
import type { Shown } from './skew.js';

/** One trace as a tree: local indices into `spans` (sorted by start), parents, children (CSR, by start). */
export class TraceTree {
  constructor(
    readonly spans: Int32Array,
    /** local parent index, ROOT (no parent ID) or ORPHAN (parent ID not in the trace) */
    readonly parent: Int32Array,
    readonly childOff: Int32Array,
    readonly childList: Int32Array,
    readonly roots: number[],
    readonly duplicates: number,
    readonly start: number,
    readonly end: number,
  ) {}
  get size(): number { return this.spans.length; }
  children(i: number): Int32Array { return this.childList.subarray(this.childOff[i]!, this.childOff[i + 1]!); }
}
export const ROOT = -1;
export const ORPHAN = -2;

/**
 * Start and end per span of a tree (local indices). What is computed on times (self time, critical path) takes
 * the shown ones, skew.ts's adjustClockSkew, in every view (view, report, services), so none disagrees with the
 * waterfall; a span's duration is its recorded end - start either way (a shift moves a span, never stretches it).
 */
export interface Times { readonly start: Float64Array; readonly end: Float64Array }

export function buildTree(m: Model, t: number): TraceTree {
  const all = Array.from(m.spansOf(t));
  // a span without a start time sorts last: NaN in the compare made the order inconsistent (siblings out of order)
  const st = (g: number): number => { const x = m.start[g]!; return x === x ? x : Infinity; };
  all.sort((a, b) => st(a) - st(b) || a - b);
  const byId = new Map<number, number>();
  const spans: number[] = [];
  let duplicates = 0;
  let collided: number[] | null = null; // same 53-bit key, different span ID: astronomically rare, kept correct
  for (const g of all) {
    const k = key53(m.sHi[g]!, m.sLo[g]!);
    const prev = byId.get(k);
    if (prev !== undefined) {
      const p = spans[prev]!;
      if (m.sHi[p] === m.sHi[g] && m.sLo[p] === m.sLo[g]) { duplicates++; continue; }
      (collided ??= []).push(spans.length);
    } else byId.set(k, spans.length);
    spans.push(g);
  }
  const n = spans.length;
  const parent = new Int32Array(n);
  let t0 = Infinity;
  let t1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const g = spans[i]!;
    if (m.start[g]! < t0) t0 = m.start[g]!;
    if (m.end[g]! > t1) t1 = m.end[g]!;
    if ((m.flags[g]! & F_PARENT) === 0) { parent[i] = ROOT; continue; }
    const ph = m.pHi[g]!;
    const pl = m.pLo[g]!;
    let p = byId.get(key53(ph, pl));
    if (p !== undefined && (m.sHi[spans[p]!] !== ph || m.sLo[spans[p]!] !== pl)) {
      p = collided?.find((c) => m.sHi[spans[c]!] === ph && m.sLo[spans[c]!] === pl);
    }
    parent[i] = p === undefined || p === i ? ORPHAN : p;
  }
  breakCycles(parent);
  const roots: number[] = [];
  const childOff = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) { const p = parent[i]!; if (p < 0) roots.push(i); else childOff[p + 1]!++; }
  for (let i = 0; i < n; i++) childOff[i + 1]! += childOff[i]!;
  const fill = childOff.slice(0, n);
  const childList = new Int32Array(n - roots.length);
  for (let i = 0; i < n; i++) { const p = parent[i]!; if (p >= 0) childList[fill[p]!++] = i; }
  return new TraceTree(Int32Array.from(spans), parent, childOff, childList, roots, duplicates, t0, t1);
}

/** A start for sorting: a span without one sorts last (NaN in a compare makes the order inconsistent). */
const at = (start: Float64Array, i: number): number => { const x = start[i]!; return x === x ? x : Infinity; };

/** Corrupt or hostile input can make parent links loop (a → b → a): the span where a loop closes becomes an orphan root. */
function breakCycles(parent: Int32Array): void {
  const state = new Uint8Array(parent.length); // 0 new, 1 on the current path, 2 done
  const path: number[] = [];
  for (let i = 0; i < parent.length; i++) {
    let j = i;
    while (j >= 0 && state[j] === 0) { state[j] = 1; path.push(j); j = parent[j]!; }
    if (j >= 0 && state[j] === 1) parent[j] = ORPHAN;
    for (const k of path) state[k] = 2;
    path.length = 0;
  }
}

/** Self time per span: duration minus the union of its children's intervals (clipped to the span). */
export function selfTimes(tr: TraceTree, t: Shown): Float64Array {
  const out = new Float64Array(tr.size);
  for (let i = 0; i < tr.size; i++) {
    const s = t.start[i]!;
    const e = t.end[i]!;
    if (!(e >= s)) { out[i] = NaN; continue; }
    let covered = 0;
    let cs = 0;
    let ce = -Infinity;
    for (let k = tr.childOff[i]!; k < tr.childOff[i + 1]!; k++) {
      const c = tr.childList[k]!;
      const a = Math.max(t.start[c]!, s);
      const b = Math.min(t.end[c]!, e);
      if (!(b > a)) continue;
      if (a > ce) { if (ce > cs) covered += ce - cs; cs = a; ce = b; }
      else if (b > ce) ce = b;
    }
    if (ce > cs) covered += ce - cs;
    out[i] = Math.max(0, e - s - covered);
  }
  return out;
}

/**
 * Critical path (as Jaeger computes it): from a span's end walk back through the child that finished
 * last, then the child that finished before that one started, and so on, recursively. 1 = on the path.
 * Each child's interval is first clamped into its parent's, and one wholly outside it is left out with its
 * subtree (Jaeger's sanitizeOverflowingChildren): a child on a host whose clock is off by more than the
 * call took cannot be what its parent waited on as recorded. It gets the times after clock-skew adjustment
 * (skew.ts), so only what that leaves outside (a longer child, one on its parent's clock) is cut.
 */
export function criticalPath(tr: TraceTree, t: Shown): Uint8Array {
  const on = new Uint8Array(tr.size);
  const lo = new Float64Array(tr.size); // clamped intervals, set as the walk reaches a span
  const hi = new Float64Array(tr.size);
  // from the trace's real roots; orphan fragments only when the real root is missing
  const real = tr.roots.filter((r) => tr.parent[r] === ROOT);
  const stack = real.length > 0 ? real : tr.roots.slice();
  for (const r of stack) { lo[r] = t.start[r]!; hi[r] = t.end[r]!; }
  const kids: number[] = [];
  while (stack.length) {
    const i = stack.pop()!;
    on[i] = 1;
    const s = lo[i]!;
    const e = hi[i]!;
    kids.length = 0;
    for (const k of tr.children(i)) {
      if (!(t.end[k]! > s && t.start[k]! < e)) continue; // wholly outside the parent (clock skew), or no times
      lo[k] = Math.max(t.start[k]!, s);
      hi[k] = Math.min(t.end[k]!, e);
      kids.push(k);
    }
    kids.sort((a, b) => hi[b]! - hi[a]!);
    let until = e;
    for (const k of kids) {
      if (hi[k]! > until) continue; // overlaps the child already on the path
      stack.push(k);
      until = lo[k]!;
      if (until <= s) break;
    }
  }
  return on;
}

/**
 * Depth-first order (children by start: as recorded, or by `start` when given, e.g. the shown times after
 * clock-skew adjustment) with depths; iterative, so a 10,000-deep chain is fine.
 */
export function walk(tr: TraceTree, start?: Float64Array): { order: Int32Array; depth: Int32Array } {
  const order = new Int32Array(tr.size);
  const depth = new Int32Array(tr.size);
  let n = 0;
  const stack: number[] = [];
  for (let r = tr.roots.length - 1; r >= 0; r--) stack.push(tr.roots[r]!);
  const d = new Int32Array(tr.size);
  while (stack.length) {
    const i = stack.pop()!;
    order[n] = i; depth[n] = d[i]!; n++;
    let kids = tr.children(i);
    if (start !== undefined && kids.length > 1) kids = kids.slice().sort((a, b) => at(start, a) - at(start, b) || a - b);
    for (let k = kids.length - 1; k >= 0; k--) {
      const c = kids[k]!;
      d[c] = d[i]! + 1;
      stack.push(c);
    }
  }
  return { order, depth };
}
