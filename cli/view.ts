// `tracewire view <trace-id>`: one trace as a waterfall (AC-004): service, operation, offset, duration
// bar, status, HTTP code, retries; the critical path marked with `*` (and coloured on a terminal).
import { EXIT_FINDING, EXIT_OK, FILE_HELP, FILE_OPTIONS, OUTPUT_HELP, UsageError, load, out, styleFor, traceIdArg, num, type Command, type Values } from './args.js';
import { KIND_NAMES, STATUS_ERROR, STATUS_NAMES, type Model } from './model.js';
import { buildTree, criticalPath, selfTimes, walk, ORPHAN, type TraceTree } from './tree.js';
import { adjustClockSkew } from './skew.js';
import { bar, clean, fit, fmtMs, fmtPct, padEnd, padStart, table, width, type Style } from './term.js';
import { linkedHeader, linkedTargets, renderLinks, traceLinks, MAX_FOLLOW, type LinkedTarget } from './view-links.js';

export interface TraceRow {
  spanId: string; parentSpanId: string; service: string; name: string; kind: string; depth: number;
  /** shown start, from the trace's shown start: after clock-skew adjustment (adjustMs) */
  startOffsetMs: number;
  /** the recorded start, from the same origin: startOffsetMs - adjustMs */
  recordedStartOffsetMs: number;
  durationMs: number | null; selfMs: number | null; status: string; httpStatusCode: number | null;
  retries: number; critical: boolean; orphan: boolean; links: number;
  /** how long before its parent the span starts as recorded (its host's clock is behind), else 0 */
  skewMs: number;
  /** ms its times are shifted by for display (clock skew against its parent, or its parent's shift), else 0 */
  adjustMs: number;
  attributes?: Record<string, unknown> | null;
}

export interface TraceSummary {
  traceId: string; spanCount: number;
  /** from the shown times (after clock-skew adjustment) */
  durationMs: number;
  /** from the recorded times */
  recordedDurationMs: number;
  errors: number; roots: number; orphans: number; duplicates: number;
  /** spans recorded as starting before their parent: clock skew between hosts (no span can start before its cause) */
  skewed: number;
  /** spans shown shifted (adjustMs !== 0) */
  adjusted: number;
  services: Array<{ service: string; spans: number; selfMs: number; share: number }>;
  spans: TraceRow[];
}

/** Everything a view needs about one trace, in waterfall order (shared by view and report). */
export function summarize(m: Model, tr: TraceTree, traceId: string, withAttributes: boolean): TraceSummary {
  const shown = adjustClockSkew(m, tr);
  const crit = criticalPath(tr, shown);
  const self = selfTimes(tr, shown);
  const { order, depth } = walk(tr, shown.start);
  const spans: TraceRow[] = [];
  let errors = 0;
  let orphans = 0;
  let skewed = 0;
  let adjusted = 0; // of the rounded shifts, so that every span counted is marked
  const perService = new Map<string, { spans: number; selfMs: number }>();
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const g = tr.spans[i]!;
    const d = m.duration(g);
    const status = m.status[g]!;
    if (status === STATUS_ERROR) errors++;
    if (tr.parent[i] === ORPHAN) orphans++;
    const service = m.serviceName(g);
    const ps = perService.get(service) ?? { spans: 0, selfMs: 0 };
    ps.spans++;
    if (Number.isFinite(self[i]!)) ps.selfMs += self[i]!;
    perService.set(service, ps);
    const p = tr.parent[i]!;
    const skew = p >= 0 ? round(m.start[tr.spans[p]!]! - m.start[g]!) : 0;
    if (skew > 0) skewed++;
    const row: TraceRow = {
      spanId: m.spanId(g), parentSpanId: m.parentId(g), service, name: m.opName(g), kind: KIND_NAMES[m.kind[g]!] ?? 'unspecified',
      depth: depth[k]!, startOffsetMs: round(shown.start[i]! - shown.t0), recordedStartOffsetMs: round(m.start[g]! - shown.t0), durationMs: Number.isFinite(d) ? round(d) : null,
      selfMs: Number.isFinite(self[i]!) ? round(self[i]!) : null, status: STATUS_NAMES[status] ?? 'unset',
      httpStatusCode: m.http[g]! || null, retries: m.resend[g]!, critical: crit[i] === 1, orphan: p === ORPHAN, links: m.links[g]!,
      skewMs: skew > 0 ? skew : 0, adjustMs: round(shown.shift[i]!),
    };
    if (row.adjustMs !== 0) adjusted++;
    if (withAttributes && m.attrs !== null) row.attributes = m.attrs[g] ?? null;
    spans.push(row);
  }
  const total = shown.t1 - shown.t0;
  const recorded = tr.end - tr.start;
  // share of all self time, as `services` has it: parallel children make the sum exceed the trace's duration
  let selfAll = 0;
  for (const v of perService.values()) selfAll += v.selfMs;
  const services = [...perService].map(([service, v]) => ({ service, spans: v.spans, selfMs: round(v.selfMs), share: selfAll > 0 ? v.selfMs / selfAll : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return {
    traceId, spanCount: tr.size, durationMs: round(Number.isFinite(total) ? total : 0), recordedDurationMs: round(Number.isFinite(recorded) ? recorded : 0),
    errors, roots: tr.roots.length - orphans, orphans, duplicates: tr.duplicates, skewed, adjusted, services, spans,
  };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
const MAX_INDENT = 16;

export function renderWaterfall(s: TraceSummary, st: Style, cols = 120): string {
  const lines: string[] = [];
  const svcs = s.services.length;
  let unshifted = 0; // recorded before their parent and left there (on its clock): flagged only
  for (const r of s.spans) if (r.skewMs > 0 && r.adjustMs === 0) unshifted++;
  lines.push(st.bold(`Trace ${s.traceId}`) + `  ${s.spanCount} span${s.spanCount === 1 ? '' : 's'} · ${svcs} service${svcs === 1 ? '' : 's'} · ${fmtMs(s.durationMs)}` +
    (s.errors ? ' · ' + st.red(`${s.errors} error${s.errors === 1 ? '' : 's'}`) : '') +
    (s.orphans ? ' · ' + st.yellow(`${s.orphans} orphan span${s.orphans === 1 ? '' : 's'} (uninstrumented hop?)`) : '') +
    (s.roots > 1 ? ' · ' + st.yellow(`${s.roots} roots`) : '') +
    (s.adjusted ? ' · ' + st.yellow(`${s.adjusted} span${s.adjusted === 1 ? '' : 's'} shifted for clock skew (${fmtMs(s.recordedDurationMs)} as recorded)`) : '') +
    (unshifted ? ' · ' + st.yellow(`${unshifted} span${unshifted === 1 ? ' starts' : 's start'} before ${unshifted === 1 ? 'its' : 'their'} parent (clock skew?)`) : ''));
  let svcW = 7; // a loop, not Math.max(...spans): a trace of ~120k+ spans overflows the stack
  for (const r of s.spans) if (svcW < 20) svcW = Math.min(20, Math.max(svcW, width(clean(r.service, 20))));
  const nameW = Math.max(24, Math.min(60, Math.floor(cols * 0.35)));
  const barW = Math.max(10, Math.min(50, cols - svcW - nameW - 42));
  lines.push(st.dim(`  ${padEnd('service', svcW)} ${padEnd('operation', nameW)} ${padStart('start', 8)} ${padStart('duration', 9)} ${padEnd('', barW + 2)} status  http`));
  const total = s.durationMs > 0 ? s.durationMs : 1;
  for (const r of s.spans) {
    const deep = r.depth > MAX_INDENT;
    // past MAX_INDENT the depth is printed as a number, so deep chains keep room for the name
    const indent = deep ? '  '.repeat(MAX_INDENT / 2) + `[${r.depth}] └ ` : '  '.repeat(r.depth) + (r.depth > 0 ? '└ ' : '');
    const name = fit(indent + clean(r.name || '(no name)', nameW), nameW);
    const dur = r.durationMs ?? 0;
    const b = bar(r.startOffsetMs / total, (r.startOffsetMs + dur) / total, barW);
    const err = r.status === 'error';
    const mark = r.critical ? '*' : ' ';
    const http = r.httpStatusCode === null ? '' : r.httpStatusCode >= 500 ? st.red(String(r.httpStatusCode)) : String(r.httpStatusCode);
    let tail = '';
    if (r.retries > 0) tail += ' ' + st.yellow(`↻ retry #${r.retries}`);
    if (r.orphan) tail += ' ' + st.yellow(`⚠ parent ${r.parentSpanId} not in trace`);
    if (r.adjustMs !== 0) tail += ' ' + st.yellow(`⇆ shifted ${r.adjustMs > 0 ? '+' : '−'}${fmtMs(Math.abs(r.adjustMs))} for clock skew` + (r.skewMs > 0 ? ` (recorded ${fmtMs(r.skewMs)} before its parent)` : ''));
    else if (r.skewMs > 0) tail += ' ' + st.yellow(`⚠ starts ${fmtMs(r.skewMs)} before its parent (clock skew?)`);
    const line = `${r.critical ? st.bold(st.yellow(mark)) : mark} ${padEnd(clean(r.service || '?', svcW), svcW)} ${padEnd(r.critical ? st.bold(name) : name, nameW)} ` +
      `${padStart(fmtMs(r.startOffsetMs), 8)} ${padStart(r.durationMs === null ? '?' : fmtMs(dur), 9)} │${r.critical ? st.yellow(b) : err ? st.red(b) : st.cyan(b)}│ ` +
      `${padEnd(err ? st.red('ERROR') : r.status === 'ok' ? 'ok' : '', 6)}  ${padEnd(http, 4)}${tail}`;
    lines.push(line.trimEnd());
  }
  lines.push(st.dim('  * critical path (the spans that determined the trace\'s end-to-end latency)'));
  lines.push('');
  lines.push(table(['service', 'spans', 'self time', 'share'],
    s.services.map((x) => [clean(x.service || '?', 40), String(x.spans), fmtMs(x.selfMs), fmtPct(x.share)]), [false, true, true, true], st));
  return lines.join('\n');
}

export const viewCommand: Command = {
  name: 'view',
  summary: 'show one trace as a waterfall (service, operation, timing, status, HTTP code, retries, critical path)',
  usage: `Usage: tracewire view <trace-id> [options]

Look a trace up by its ID and show the whole path as a waterfall tree. The ID may be given as 32 hex
digits, as a traceparent, or as a server-timing value (trace;desc=00-<trace-id>-<span-id>-01).
A span on another host's clock that starts before its parent or ends after it is shown shifted into the
parent's time, marked ⇆ (clock-skew adjustment, as Jaeger does); --json keeps the recorded times too.
Exit code 1 when the trace is not in the files.

Options:
${FILE_HELP}
${OUTPUT_HELP}
  --width <n>         terminal width to lay out for (default: the terminal's, or 120)
  --follow-links      also show the traces linked to this one (a batch or link-mode consumer starts its
                      own trace, linked to its producers'), each after it (at most ${MAX_FOLLOW}; the files are read twice)
  -h, --help          this help`,
  options: { ...FILE_OPTIONS, width: { type: 'string' }, 'follow-links': { type: 'boolean' } },
  positionals: 1,
  async run(v: Values, pos: string[]): Promise<number> {
    if (pos.length === 0) throw new UsageError('view needs a trace ID: tracewire view <trace-id>');
    const id = traceIdArg(pos[0]);
    if (id === null) throw new UsageError(`'${clean(pos[0], 80)}' is not a trace ID (32 hex digits, not all zero)`);
    const cols = num(v, 'width', process.stdout.columns || 120, 60, 1000);
    const json = v.json === true;
    const follow = v['follow-links'] === true;
    // --follow-links reads the files again: a warning about a line both reads parse is said once
    const said = new Set<string>();
    const warn = follow ? (msg: string): void => { if (!said.has(msg)) { said.add(msg); process.stderr.write(msg + '\n'); } } : undefined;
    const { model, stats, files } = await load(v, { traceIds: [id], keepAttributes: json, warn });
    const t = model.traceNumber(id);
    if (t < 0) {
      const msg = `trace ${id} not found in ${files.join(', ')} (${stats.lines} lines read, ${stats.filtered} without that ID)`;
      if (v.json === true) out(JSON.stringify({ traceId: id, found: false, error: msg }));
      else process.stderr.write(`tracewire: ${msg}\n`);
      return EXIT_FINDING;
    }
    const s = summarize(model, buildTree(model, t), id, json);
    const links = traceLinks(model, t);
    const st = styleFor(v);
    const targets = follow ? linkedTargets(links) : [];
    const followed = await followLinks(v, targets.slice(0, MAX_FOLLOW), json, warn);
    const omitted = targets.length - followed.length;
    if (json) {
      const linked = followed.map(([x, ls]) => ({ relation: x.relation, traceId: x.traceId, found: ls !== null, via: x.via, ...ls }));
      out(JSON.stringify({ found: true, ...s, ...links, ...(follow ? { linked, linkedOmitted: omitted } : {}) }, null, 2));
      return EXIT_OK;
    }
    let text = renderWaterfall(s, st, cols) + renderLinks(links, s, st);
    for (const [x, ls] of followed) {
      text += `\n\n${'═'.repeat(Math.min(cols, 100))}\n${linkedHeader(x, s, ls, st)}` + (ls === null ? '' : `\n${renderWaterfall(ls, st, cols)}`);
    }
    if (omitted > 0) text += `\n\n${st.dim(`${omitted} more linked trace${omitted === 1 ? '' : 's'} not shown (at most ${MAX_FOLLOW}): view ${omitted === 1 ? 'it' : 'them'} by ID`)}`;
    out(text);
    return EXIT_OK;
  },
};

/** The linked traces, read from the files in one more pass (the first one kept only lines naming the trace shown). */
async function followLinks(v: Values, targets: LinkedTarget[], json: boolean, warn?: (msg: string) => void): Promise<Array<[LinkedTarget, TraceSummary | null]>> {
  if (targets.length === 0) return [];
  const { model } = await load(v, { traceIds: targets.map((x) => x.traceId), keepAttributes: json, warn });
  return targets.map((x) => {
    const t = model.traceNumber(x.traceId);
    return [x, t < 0 ? null : summarize(model, buildTree(model, t), x.traceId, json)];
  });
}
