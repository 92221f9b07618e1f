// `tracewire services`: the service dependency graph (caller → callee from cross-service parent/child
// spans) and latency per service and per operation, with self time (AC-006).
import { EXIT_OK, FILE_HELP, FILE_OPTIONS, OUTPUT_HELP, load, num, out, styleFor, type Command, type Values } from './args.js';
import { buildTree, selfTimes, F_EXTERNAL, KIND_CLIENT, KIND_PRODUCER, STATUS_ERROR, type Model } from './model.js';
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

export interface Edge { caller: string; callee: string; calls: number; errors: number; errorRate: number; p50: number; p95: number; p99: number; uninstrumented: boolean }
export interface ServiceStat { service: string; spans: number; entries: number; errors: number; p50: number; p95: number; p99: number; selfMs: number; selfShare: number }
export interface OpStat { service: string; operation: string; count: number; errors: number; p50: number; p95: number; p99: number; selfAvgMs: number; selfMs: number; totalMs: number }
export interface ServiceGraph { traces: number; spans: number; edges: Edge[]; services: ServiceStat[]; operations: OpStat[] }

class Acc { count = 0; errors = 0; self = 0; total = 0; entries = 0; readonly d = new Samples(); }

const PS = [0.5, 0.95, 0.99];
const r3 = (x: number): number => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x);

/** One pass over every trace: edges, per-service and per-operation accumulators. */
export function analyze(m: Model): ServiceGraph {
  const edges = new Map<number, Acc>(); // key: caller id * 2^21 + callee id (negative callee: peer of an uninstrumented call)
  const services = new Map<number, Acc>();
  const ops = new Map<number, Acc>();
  const peerEdges = new Map<number, Acc>();
  const S = m.strings;
  const svcAcc = (id: number): Acc => { let a = services.get(id); if (!a) services.set(id, (a = new Acc())); return a; };
  for (let t = 0; t < m.traceCount; t++) {
    const tr = buildTree(m, t);
    const self = selfTimes(m, tr);
    for (let i = 0; i < tr.size; i++) {
      const g = tr.spans[i]!;
      const svc = m.service[g]!;
      const d = m.duration(g);
      const err = m.status[g] === STATUS_ERROR || m.http[g]! >= 500;
      const sa = svcAcc(svc);
      sa.count++; if (err) sa.errors++; if (Number.isFinite(self[i]!)) sa.self += self[i]!;
      const ok = svc * 2097152 + m.name[g]!;
      let oa = ops.get(ok);
      if (!oa) ops.set(ok, (oa = new Acc()));
      oa.count++; if (err) oa.errors++; oa.d.add(d); if (Number.isFinite(self[i]!)) oa.self += self[i]!; if (Number.isFinite(d)) oa.total += d;
      const p = tr.parent[i]!;
      const ps = p >= 0 ? m.service[tr.spans[p]!]! : -1;
      if (ps !== svc) { sa.entries++; sa.d.add(d); }
      if (p >= 0 && ps !== svc) {
        const k = ps * 2097152 + svc;
        let e = edges.get(k);
        if (!e) edges.set(k, (e = new Acc()));
        e.count++; if (err) e.errors++; e.d.add(d);
      }
      const kind = m.kind[g]!;
      if ((kind === KIND_CLIENT || kind === KIND_PRODUCER) && tr.childOff[i + 1] === tr.childOff[i] && (m.flags[g]! & F_EXTERNAL) === 0) {
        const k = svc * 2097152 + m.peer[g]!;
        let e = peerEdges.get(k);
        if (!e) peerEdges.set(k, (e = new Acc()));
        e.count++; if (err) e.errors++; e.d.add(d);
      }
    }
  }
  const split = (k: number): [number, number] => [Math.floor(k / 2097152), k % 2097152];
  const edgeList: Edge[] = [];
  const mk = (k: number, a: Acc, uninstrumented: boolean): void => {
    const [c, e] = split(k);
    const [p50, p95, p99] = a.d.percentiles(PS).map(r3) as [number, number, number];
    const callee = uninstrumented ? (S.get(e) ? `${S.get(e)} (no spans)` : '? (no spans)') : S.get(e);
    edgeList.push({ caller: S.get(c), callee, calls: a.count, errors: a.errors, errorRate: a.errors / a.count, p50, p95, p99, uninstrumented });
  };
  for (const [k, a] of edges) mk(k, a, false);
  for (const [k, a] of peerEdges) mk(k, a, true);
  edgeList.sort((a, b) => b.calls - a.calls || a.caller.localeCompare(b.caller));
  let selfAll = 0;
  for (const a of services.values()) selfAll += a.self;
  const svcList: ServiceStat[] = [...services].map(([id, a]) => {
    const [p50, p95, p99] = a.d.percentiles(PS).map(r3) as [number, number, number];
    return { service: S.get(id), spans: a.count, entries: a.entries, errors: a.errors, p50, p95, p99, selfMs: r3(a.self), selfShare: selfAll > 0 ? a.self / selfAll : 0 };
  }).sort((a, b) => b.selfMs - a.selfMs);
  const opList: OpStat[] = [...ops].map(([k, a]) => {
    const [s, n] = split(k);
    const [p50, p95, p99] = a.d.percentiles(PS).map(r3) as [number, number, number];
    return { service: S.get(s), operation: S.get(n), count: a.count, errors: a.errors, p50, p95, p99, selfAvgMs: r3(a.self / a.count), selfMs: r3(a.self), totalMs: r3(a.total) };
  }).sort((a, b) => b.selfMs - a.selfMs);
  return { traces: m.traceCount, spans: m.n, edges: edgeList, services: svcList, operations: opList };
}

export function renderServices(g: ServiceGraph, st: Style, top: number): string {
  const c = (s: string): string => clean(s || '?', 40);
  const lines: string[] = [];
  lines.push(st.bold(`${fmtInt(g.spans)} spans in ${fmtInt(g.traces)} traces`), '');
  lines.push(st.bold('Service dependency graph') + st.dim('  (caller → callee; latency and errors as seen by the callee)'));
  lines.push(g.edges.length === 0 ? '  (no calls between services)' : table(['caller', '', 'callee', 'calls', 'errors', 'p50', 'p95', 'p99'],
    g.edges.map((e) => [c(e.caller), '→', e.uninstrumented ? st.yellow(c(e.callee)) : c(e.callee), fmtInt(e.calls), e.errors ? st.red(fmtPct(e.errorRate)) : fmtPct(0), fmtMs(e.p50), fmtMs(e.p95), fmtMs(e.p99)]),
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
the union of its children's intervals). A client span with no downstream span is shown as a call to
"<peer> (no spans)": the callee is not instrumented or the context was not propagated.

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
