// `tracewire report --out report.html`: one self-contained HTML file (no external assets, no network):
// trace search by ID, waterfall, dependency graph (inline SVG), latency per service and operation.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXIT_FINDING, EXIT_OK, FILE_HELP, FILE_OPTIONS, UsageError, list, load, num, out, traceIdArg, type Command, type Values } from './args.js';
import { Interner, STATUS_ERROR, type Model } from './model.js';
import { buildTree, type TraceTree } from './tree.js';
import type { Shown } from './skew.js';
import { analyze } from './services.js';
import { summarize } from './view.js';
import { renderHtml } from './report-template.js';
import { clean, fmtInt } from './term.js';

/** A trace as ranked: its duration and start as shown (clock skew adjusted, as its waterfall), its error spans. */
export interface TraceOverview { t: number; dur: number; errors: number; start: number }

/** Trace t's overview from its tree and shown times (what `analyze` hands each trace to). */
export function overview(m: Model, t: number, tr: TraceTree, shown: Shown): TraceOverview {
  let errors = 0;
  for (let i = 0; i < tr.size; i++) if (m.status[tr.spans[i]!] === STATUS_ERROR) errors++;
  return { t, dur: shown.t1 - shown.t0, errors, start: shown.t0 };
}

/** Errors first (up to half the room), then the slowest, then the most recent; forced IDs always. */
export function pickTraces(all: readonly TraceOverview[], max: number, forced: number[]): number[] {
  const chosen = new Set<number>(forced);
  const take = (list: TraceOverview[], limit: number): void => { for (const x of list) { if (chosen.size >= limit) break; chosen.add(x.t); } };
  take(all.filter((x) => x.errors > 0).sort((a, b) => b.errors - a.errors || b.dur - a.dur), Math.max(chosen.size, Math.floor(max / 2)));
  take(all.slice().sort((a, b) => b.dur - a.dur), Math.max(chosen.size, Math.floor((max * 3) / 4)));
  take(all.slice().sort((a, b) => b.start - a.start), Math.max(chosen.size, max));
  const rank = new Map(all.map((x) => [x.t, x]));
  return [...chosen].sort((a, b) => {
    const x = rank.get(a)!; const y = rank.get(b)!;
    return (y.errors > 0 ? 1 : 0) - (x.errors > 0 ? 1 : 0) || y.dur - x.dur;
  });
}

const r3 = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : Math.round(x * 1000) / 1000);

export function reportData(m: Model, o: { maxTraces: number; maxSpansPerTrace: number; forced: string[]; files: string[] }): Record<string, unknown> {
  const all: TraceOverview[] = [];
  const g = analyze(m, (t, tr, shown) => { all.push(overview(m, t, tr, shown)); });
  const strings = new Interner();
  const forced = o.forced.map((id) => m.traceNumber(id)).filter((t) => t >= 0);
  const traces = pickTraces(all, o.maxTraces, forced).map((t) => {
    const s = summarize(m, buildTree(m, t), m.traceIds[t]!, false);
    const root = s.spans[0];
    const rows = s.spans.slice(0, o.maxSpansPerTrace).map((r) => [
      r.depth, strings.id(r.service), strings.id(r.name), r3(r.startOffsetMs), r3(r.durationMs), r3(r.selfMs),
      r.status === 'error' ? 2 : r.status === 'ok' ? 1 : 0, r.httpStatusCode ?? 0, r.retries, r.critical ? 1 : 0, r.orphan ? 1 : 0,
      r3(r.adjustMs), r3(r.skewMs), // clock skew: the shift shown (start - shift = recorded start), the recorded lead on the parent
    ]);
    // dur from the shown times (clock-skew adjusted), rdur as recorded
    return { id: s.traceId, n: s.spanCount, cut: s.spanCount > rows.length, dur: r3(s.durationMs), rdur: r3(s.recordedDurationMs), adj: s.adjusted, err: s.errors, orphans: s.orphans,
      rs: strings.id(root?.service ?? ''), rn: strings.id(root?.name ?? ''), spans: rows };
  });
  return {
    generated: new Date().toISOString(), files: o.files.map((f) => clean(f, 300)),
    totals: { spans: g.spans, duplicates: g.duplicates, traces: m.traceCount }, // spans exported twice counted once, as in services
    services: g.services, edges: g.edges, operations: g.operations.slice(0, 500), traces, strings: strings.list,
  };
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'write one self-contained HTML file: trace search, waterfall, dependency graph, latency',
  usage: `Usage: tracewire report --out <file.html> [options]

Writes one HTML file with no external assets and no network access: search a trace by ID and see its
waterfall, the service dependency graph (inline SVG), and latency per service and operation. Span data is
embedded as inert JSON and rendered as text only, so hostile span names cannot run in the browser.

Options:
${FILE_HELP}
  -o, --out <path>    the HTML file to write (default ./tracewire-report.html)
  --max-traces <n>    traces embedded (default 300): errors first, then slowest (by the duration shown,
                      after clock-skew adjustment), then most recent
  --trace <id>        always embed this trace (repeatable; exit code 1 if a file lacks it)
  --max-spans <n>     spans shown per trace (default 5000)
  --json              print what was written as JSON (an error too: {"error", "code", "exitCode"})
  -h, --help          this help`,
  options: { ...FILE_OPTIONS, out: { type: 'string', short: 'o' }, 'max-traces': { type: 'string' }, 'max-spans': { type: 'string' }, trace: { type: 'string', multiple: true } },
  positionals: 0,
  async run(v: Values): Promise<number> {
    const file = resolve(typeof v.out === 'string' ? v.out : 'tracewire-report.html');
    const maxTraces = num(v, 'max-traces', 300, 1, 100_000);
    const maxSpans = num(v, 'max-spans', 5000, 1, 1_000_000);
    const forced = list(v, 'trace').map((s) => {
      const id = traceIdArg(s);
      if (id === null) throw new UsageError(`--trace '${clean(s, 80)}' is not a trace ID`);
      return id;
    });
    const { model, files } = await load(v);
    const data = reportData(model, { maxTraces, maxSpansPerTrace: maxSpans, forced, files });
    const html = renderHtml(data);
    try {
      writeFileSync(file, html);
    } catch (e) {
      throw new UsageError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const n = (data.traces as unknown[]).length;
    const spans = (data.totals as { spans: number }).spans;
    // A --trace the files do not hold: the report is still written (with the others), but that is a finding, as in `view`.
    const missing = forced.filter((id) => model.traceNumber(id) < 0);
    const msg = `wrote ${file} (${fmtInt(Math.round(html.length / 1024))} KiB; ${fmtInt(n)} of ${fmtInt(model.traceCount)} traces, ${fmtInt(spans)} spans summarised)`;
    if (v.json === true) out(JSON.stringify({ out: file, bytes: html.length, traces: n, totalTraces: model.traceCount, spans, missing }));
    else out(msg);
    for (const id of missing) process.stderr.write(`tracewire: trace ${id} not found in ${files.join(', ')}; the report has the others\n`);
    return missing.length > 0 ? EXIT_FINDING : EXIT_OK;
  },
};
