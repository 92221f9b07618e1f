// `tracewire services`: the service dependency graph (caller → callee from cross-service parent/child
// spans) and latency per service and per operation, with self time (AC-006).
import { EXIT_OK, FILE_HELP, FILE_OPTIONS, OUTPUT_HELP, load, num, out, styleFor, type Command, type Values } from './args.js';
import { key53, F_EXTERNAL, KIND_CLIENT, KIND_CONSUMER, KIND_PRODUCER, KIND_SERVER, STATUS_ERROR, type Model } from './model.js';
import { buildTree, selfTimes, type TraceTree } from './tree.js';
import { adjustClockSkew, type Shown } from './skew.js';
import { readHex8 } from '../src/hex.js';
import { clean, fmtInt, fmtMs, fmtPct, table, type Style } from './term.js';

/** Growable sample list for percentiles. */
export class Samples {
  a = new Float64Array(8);
  n = 0;
  add(x: number): void {
    if (!Number.isFinite(x)) return;
    if (this.n === this.a.length) { const b = new Float64Array(this.n * 2); b.set(this.a); this.a = b; }
    this.a[this.n++] = x;
  }
  /** Nearest-rank percentiles of the samples (sorts once). */
  percentiles(ps: number[]): number[] {
    if (this.n === 0) return ps.map(() => NaN);
    const s = this.a.subarray(0, this.n).sort();
    return ps.map((p) => s[Math.min(this.n - 1, Math.max(0, Math.ceil(p * this.n) - 1))]!);
  }
}

/**
 * `via`: 'parent' = the callee's span is a child of the caller's span; 'link' = the callee's span links to the
 * caller's span (a queue consumed in batches or with `mode: 'link'`: one call per linked message);
 * 'peer' = a client/producer span with no span downstream, callee named by its peer (uninstrumented);
 * 'failed' = the same but the call failed with no response (connection refused, timeout): it never reached the callee.
 */
export interface Edge { caller: string; callee: string; calls: number; errors: number; errorRate: number; p50: number; p95: number; p99: number; uninstrumented: boolean; via: 'parent' | 'link' | 'peer' | 'failed' }
export interface ServiceStat { service: string; spans: number; entries: number; errors: number; p50: number; p95: number; p99: number; selfMs: number; selfShare: number }
export interface OpStat { service: string; operation: string; count: number; errors: number; p50: number; p95: number; p99: number; selfAvgMs: number; selfMs: number; totalMs: number }
/** `spans`: distinct spans (the tables' unit); `duplicates`: copies of a span ID already read (an export retried), left out. */
export interface ServiceGraph { traces: number; spans: number; duplicates: number; edges: Edge[]; services: ServiceStat[]; operations: OpStat[] }

class Acc { count = 0; errors = 0; self = 0; total = 0; entries = 0; readonly d = new Samples(); }

const PS = [0.5, 0.95, 0.99];
const r3 = (x: number): number => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x);

/**
 * Two interned-string IDs as one Map key: a · 2^26 + b < 2^52, exact in a double. Interner IDs stay below
 * 2^24 (a JS Map holds at most 2^24 entries, so interning more strings fails first); past 2^26 this refuses
 * instead of letting two pairs share a key (the old · 2^21 packing merged edges and operations silently
 * once a file had 2^21 distinct names).
 */
export const PACK = 67108864; // 2^26
export function packPair(a: number, b: number): number {
  if (!(a >= 0 && a < PACK && b >= 0 && b < PACK && Number.isInteger(a) && Number.isInteger(b))) {
    throw new RangeError(`services: string id out of range for the graph's keys (${a}, ${b}; limit 2^26)`);
  }
  return a * PACK + b;
}
export const unpackPair = (k: number): [number, number] => [Math.floor(k / PACK), k % PACK];

/** A client or producer span with a server or consumer span under it (by parent or link): one call, even within a service. */
const isCall = (caller: number, callee: number): boolean =>
  (caller === KIND_CLIENT || caller === KIND_PRODUCER) && (callee === KIND_SERVER || callee === KIND_CONSUMER);

function accOf(map: Map<number, Acc>, k: number): Acc {
  let a = map.get(k);
  if (a === undefined) map.set(k, (a = new Acc()));
  return a;
}

/** The low 64 bits of trace t's ID as two words (what a link keeps of its trace ID). */
function traceWords(m: Model): Int32Array {
  const w = new Int32Array(m.traceCount * 2);
  for (let t = 0; t < m.traceCount; t++) { const id = m.traceIds[t]!; w[2 * t] = readHex8(id, 16); w[2 * t + 1] = readHex8(id, 24); }
  return w;
}

/**
 * The span each link points at, in any trace of the loaded files (a consumer in link mode usually starts a
 * new trace): span index per link, -1 when the linked span is not in the files. One Map entry per link
 * target, nothing per other span; keyed by span ID, then by trace ID where several traces reuse a span ID
 * (generators that number spans per trace, Zipkin-style root IDs), so no lookup scans a list.
 */
export function resolveLinks(m: Model): Int32Array {
  const target = new Int32Array(m.nLinks).fill(-1);
  if (m.nLinks === 0) return target;
  const tw = traceWords(m);
  // span key → the span with it (-1 until seen), or spans with it by trace key
  const want = new Map<number, number | Map<number, number>>();
  for (let j = 0; j < m.nLinks; j++) want.set(key53(m.linkHi[j]!, m.linkLo[j]!), -1);
  for (let g = 0; g < m.n; g++) {
    const k = key53(m.sHi[g]!, m.sLo[g]!);
    const f = want.get(k);
    if (f === undefined) continue;
    const t = m.trace[g]!;
    const tk = key53(tw[2 * t]!, tw[2 * t + 1]!);
    if (f === -1) { want.set(k, g); continue; }
    if (typeof f === 'number') {
      const ft = m.trace[f]!;
      if (ft === t) continue; // the same span twice (or a 53-bit collision in one trace: the first one stands)
      want.set(k, new Map([[key53(tw[2 * ft]!, tw[2 * ft + 1]!), f], [tk, g]]));
    } else if (!f.has(tk)) f.set(tk, g);
  }
  for (let j = 0; j < m.nLinks; j++) {
    const f = want.get(key53(m.linkHi[j]!, m.linkLo[j]!))!;
    const g = typeof f === 'number' ? f : f.get(key53(m.linkT2[j]!, m.linkT3[j]!)) ?? -1;
    if (g < 0) continue;
    const t = m.trace[g]!;
    // exact: all 64 bits of the span ID and the trace ID's low 64 bits (all a link keeps)
    if (m.sHi[g] === m.linkHi[j] && m.sLo[g] === m.linkLo[j] && tw[2 * t] === m.linkT2[j] && tw[2 * t + 1] === m.linkT3[j]) target[j] = g;
  }
  return target;
}

/**
 * One pass over every trace: edges, per-service and per-operation accumulators. Self times come from the times
 * `view` shows (clock skew adjusted, skew.ts), so they agree with it; `onTrace` gets each trace's tree and those
 * times, for a caller that needs them too (report's ranking) without building every tree twice.
 */
export function analyze(m: Model, onTrace?: (t: number, tr: TraceTree, shown: Shown) => void): ServiceGraph {
  // keys: packPair(caller, callee) (peer edges: packPair(caller, peer name)); packPair(service, name) for ops
  const edges = new Map<number, Acc>();
  const linkEdges = new Map<number, Acc>();
  const peerEdges = new Map<number, Acc>();
  const failedEdges = new Map<number, Acc>();
  const services = new Map<number, Acc>();
  const ops = new Map<number, Acc>();
  const S = m.strings;
  const svcAcc = (id: number): Acc => accOf(services, id);
  const linkTarget = resolveLinks(m);
  const linkedTo = new Set<number>(); // spans some span links to: their callee is there, not "(no spans)"
  for (let j = 0; j < linkTarget.length; j++) if (linkTarget[j]! >= 0) linkedTo.add(linkTarget[j]!);
  const seen = new Set<number>();
  let spans = 0;
  let duplicates = 0;
  for (let t = 0; t < m.traceCount; t++) {
    const tr = buildTree(m, t);
    spans += tr.size;
    duplicates += tr.duplicates;
    const shown = adjustClockSkew(m, tr);
    onTrace?.(t, tr, shown);
    const self = selfTimes(tr, shown);
    for (let i = 0; i < tr.size; i++) {
      const g = tr.spans[i]!;
      const svc = m.service[g]!;
      const d = m.duration(g);
      const err = m.status[g] === STATUS_ERROR || m.http[g]! >= 500;
      const sa = svcAcc(svc);
      sa.count++; if (err) sa.errors++; if (Number.isFinite(self[i]!)) sa.self += self[i]!;
      const oa = accOf(ops, packPair(svc, m.name[g]!));
      oa.count++; if (err) oa.errors++; oa.d.add(d); if (Number.isFinite(self[i]!)) oa.self += self[i]!; if (Number.isFinite(d)) oa.total += d;
      const p = tr.parent[i]!;
      const pg = p >= 0 ? tr.spans[p]! : -1;
      const ps = p >= 0 ? m.service[pg]! : -1;
      const kind = m.kind[g]!;
      // a call into the service: from another one, or from itself over the wire (another replica, its own queue)
      const entry = ps !== svc || isCall(m.kind[pg]!, kind);
      if (entry) { sa.entries++; sa.d.add(d); }
      if (p >= 0 && entry) {
        const e = accOf(edges, packPair(ps, svc));
        e.count++; if (err) e.errors++; e.d.add(d);
      }
      // span links: one call per distinct linked span (message) of another service, as parent mode counts
      // one consumer span per message
      if (m.links[g] !== 0 && linkTarget.length > 0) {
        seen.clear();
        for (let j = m.linkFirst(g); j < m.nLinks && m.linkFrom[j] === g; j++) {
          const lg = linkTarget[j]!;
          if (lg < 0 || lg === pg || seen.has(lg)) continue;
          seen.add(lg);
          const ls = m.service[lg]!;
          if (ls === svc && !isCall(m.kind[lg]!, kind)) continue;
          const e = accOf(linkEdges, packPair(ls, svc));
          e.count++; if (err) e.errors++; e.d.add(d);
        }
      }
      // m.links: a batch send or receive linking its messages' creation spans, whose own hops are the calls
      if ((kind === KIND_CLIENT || kind === KIND_PRODUCER) && tr.childOff[i + 1] === tr.childOff[i] && (m.flags[g]! & F_EXTERNAL) === 0 && !linkedTo.has(g) && m.links[g] === 0) {
        // error status and no HTTP code: no answer at all, so no sign the callee lacks spans
        const e = accOf(m.status[g] === STATUS_ERROR && m.http[g] === 0 ? failedEdges : peerEdges, packPair(svc, m.peer[g]!));
        e.count++; if (err) e.errors++; e.d.add(d);
      }
    }
  }
  const edgeList: Edge[] = [];
  const mk = (k: number, a: Acc, via: Edge['via']): void => {
    const [c, e] = unpackPair(k);
    const [p50, p95, p99] = a.d.percentiles(PS).map(r3) as [number, number, number];
    const uninstrumented = via === 'peer';
    const callee = via === 'peer' || via === 'failed' ? `${S.get(e) || '?'} (${via === 'peer' ? 'no spans' : 'no response'})` : S.get(e);
    edgeList.push({ caller: S.get(c), callee, calls: a.count, errors: a.errors, errorRate: a.errors / a.count, p50, p95, p99, uninstrumented, via });
  };
  for (const [k, a] of edges) mk(k, a, 'parent');
  for (const [k, a] of linkEdges) mk(k, a, 'link');
  for (const [k, a] of peerEdges) mk(k, a, 'peer');
  for (const [k, a] of failedEdges) mk(k, a, 'failed');
  edgeList.sort((a, b) => b.calls - a.calls || a.caller.localeCompare(b.caller));
  let selfAll = 0;
  for (const a of services.values()) selfAll += a.self;
  const svcList: ServiceStat[] = [...services].map(([id, a]) => {
    const [p50, p95, p99] = a.d.percentiles(PS).map(r3) as [number, number, number];
    return { service: S.get(id), spans: a.count, entries: a.entries, errors: a.errors, p50, p95, p99, selfMs: r3(a.self), selfShare: selfAll > 0 ? a.self / selfAll : 0 };
  }).sort((a, b) => b.selfMs - a.selfMs);
  const opList: OpStat[] = [...ops].map(([k, a]) => {
    const [s, n] = unpackPair(k);
    const [p50, p95, p99] = a.d.percentiles(PS).map(r3) as [number, number, number];
    return { service: S.get(s), operation: S.get(n), count: a.count, errors: a.errors, p50, p95, p99, selfAvgMs: r3(a.self / a.count), selfMs: r3(a.self), totalMs: r3(a.total) };
  }).sort((a, b) => b.selfMs - a.selfMs);
  return { traces: m.traceCount, spans, duplicates, edges: edgeList, services: svcList, operations: opList };
}

export function renderServices(g: ServiceGraph, st: Style, top: number): string {
  const c = (s: string): string => clean(s || '?', 40);
  const lines: string[] = [];
  lines.push(st.bold(`${fmtInt(g.spans)} spans in ${fmtInt(g.traces)} traces`) + (g.duplicates > 0 ? st.dim(` (${fmtInt(g.duplicates)} duplicate span IDs left out: the same span exported twice?)`) : ''), '');
  const viaLink = g.edges.some((e) => e.via === 'link');
  lines.push(st.bold('Service dependency graph') + st.dim(`  (caller → callee; latency and errors as seen by the callee${viaLink ? '; ⇢ = via span links (queue batches, link mode): a call per message' : ''})`));
  lines.push(g.edges.length === 0 ? '  (no calls between services)' : table(['caller', '', 'callee', 'calls', 'errors', 'p50', 'p95', 'p99'],
    g.edges.map((e) => [c(e.caller), e.via === 'link' ? '⇢' : '→', e.uninstrumented ? st.yellow(c(e.callee)) : c(e.callee), fmtInt(e.calls), e.errors ? st.red(fmtPct(e.errorRate)) : fmtPct(0), fmtMs(e.p50), fmtMs(e.p95), fmtMs(e.p99)]),
    [false, false, false, true, true, true, true, true], st).replace(/^/gm, '  '));
  lines.push('', st.bold('Services') + st.dim('  (p50/p95/p99 of calls into the service; self = time not covered by child spans)'));
  lines.push(table(['service', 'spans', 'entries', 'errors', 'p50', 'p95', 'p99', 'self time', 'self %'],
    g.services.map((s) => [c(s.service), fmtInt(s.spans), fmtInt(s.entries), s.errors ? st.red(fmtInt(s.errors)) : '0', fmtMs(s.p50), fmtMs(s.p95), fmtMs(s.p99), fmtMs(s.selfMs), fmtPct(s.selfShare)]),
    [false, true, true, true, true, true, true, true, true], st).replace(/^/gm, '  '));
  const ops = top > 0 ? g.operations.slice(0, top) : g.operations;
  lines.push('', st.bold('Operations') + st.dim(`  (by total self time${top > 0 && g.operations.length > top ? `; top ${top} of ${g.operations.length}, --top 0 for all` : ''})`));
  lines.push(table(['service', 'operation', 'count', 'errors', 'p50', 'p95', 'p99', 'self avg', 'self total'],
    ops.map((o) => [c(o.service), clean(o.operation || '(no name)', 50), fmtInt(o.count), o.errors ? st.red(fmtInt(o.errors)) : '0', fmtMs(o.p50), fmtMs(o.p95), fmtMs(o.p99), fmtMs(o.selfAvgMs), fmtMs(o.selfMs)]),
    [false, false, true, true, true, true, true, true, true], st).replace(/^/gm, '  '));
  return lines.join('\n');
}

export const servicesCommand: Command = {
  name: 'services',
  summary: 'service dependency graph, and latency (p50/p95/p99, self time) per service and operation',
  usage: `Usage: tracewire services [options]

The dependency graph (caller → callee from parent/child spans across services: call count, error rate,
p50/p95/p99), and latency per service and per operation: total and self time (a span's duration minus
the union of its children's intervals, with the times 'view' shows: a span on a skewed host clock is shifted
into its parent's time first). A client or producer span whose server or consumer span is in the
same service (another replica, its own queue) is a call too: an edge from the service to itself. A client
span with no downstream span is shown as a call to "<peer> (no spans)": the callee is not instrumented or
the context was not propagated; one that failed with no response (error status, no HTTP status code:
connection refused, timeout) as "<peer> (no response)";
a batch send or receive span that links to its messages' creation spans is neither (the messages are the calls).

A consumer span that links to a producer's span (a queue consumed in batches, or with mode 'link': the
messaging conventions' way) is a call from the producer's service to the consumer's, shown with ⇢ and
"via": "link" in --json; the linked span may be in any trace of the files. It counts one call per
distinct linked message (a batch of 10 messages is 10 calls, as 10 consumer spans in parent mode would
be), each with the consumer span's duration and status.

Options:
${FILE_HELP}
${OUTPUT_HELP}
  --top <n>           operations to list (default 25; 0 = all; --json always has all)
  -h, --help          this help`,
  options: { ...FILE_OPTIONS, top: { type: 'string' } },
  positionals: 0,
  async run(v: Values): Promise<number> {
    const top = num(v, 'top', 25, 0);
    const { model } = await load(v);
    const g = analyze(model);
    out(v.json === true ? JSON.stringify(g, null, 2) : renderServices(g, styleFor(v), top));
    return EXIT_OK;
  },
};
