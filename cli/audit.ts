// `tracewire audit`: where does propagation break? Orphans, split traces, calls whose callee never
// appears, AC-003 fields missing, attributes outside the allowlist, and a per-service score to gate CI on.
import { compileAllowlist } from '../src/attributes.js';
import { EXIT_FINDING, EXIT_OK, FILE_HELP, FILE_OPTIONS, OUTPUT_HELP, list, load, num, out, styleFor, type Command, type Values } from './args.js';
import { key53, F_EXTERNAL, KIND_CLIENT, KIND_CONSUMER, KIND_PRODUCER, KIND_SERVER, MISSING_FIELDS, STATUS_ERROR, type Model } from './model.js';
import { buildTree, ORPHAN, ROOT } from './tree.js';
import { clean, fmtInt, fmtPct, table, type Style } from './term.js';
import { splitKeys } from './decode.js';

/** Operational metadata only (AC-007): semantic-convention keys that carry no payload, credentials or PII. */
export const DEFAULT_ALLOW: readonly string[] = [
  'http.request.method', 'http.request.method_original', 'http.response.status_code', 'http.route', 'http.request.resend_count',
  'url.scheme', 'url.path', 'url.full', 'url.template', 'server.address', 'server.port', 'network.*', 'error.type', 'exception.type',
  'db.system', 'db.system.name', 'db.operation.name', 'db.collection.name', 'db.namespace', 'db.query.summary', 'db.response.status_code',
  'messaging.system', 'messaging.operation.name', 'messaging.operation.type', 'messaging.destination.name', 'messaging.destination.partition.id',
  'messaging.batch.message_count', 'messaging.consumer.group.name', 'messaging.message.id', 'messaging.destination.temporary',
  // what tracewire/queue's recipes write: names, keys and counts of the broker's own, never a body or header value
  'messaging.rabbitmq.destination.routing_key', 'messaging.bullmq.job.name', 'messaging.bullmq.job.attempts_made', 'messaging.bullmq.flow.name',
  'messaging.nats.stream', 'messaging.nats.redelivery_count',
  'rpc.system', 'rpc.service', 'rpc.method', 'rpc.grpc.status_code', 'peer.service', 'otel.*', 'tracewire.*', 'code.function.name', 'thread.*',
];

interface SvcAudit { inbound: number; inboundOk: number; outbound: number; outboundOk: number; unanswered: number; roots: number; restarted: number; spans: number; missing: number; disallowed: number; deadPeers: Map<string, number> }
export interface Example { traceId: string; spanId: string; service: string; operation: string; detail: string }
export interface AuditResult {
  traces: number; spans: number; orphanSpans: number; splitTraces: number; duplicateSpans: number; minScore: number | null; pass: boolean;
  orphans: Example[]; deadEnds: Example[];
  services: Array<{ service: string; score: number | null; inboundOk: number; inbound: number; outboundOk: number; outbound: number; unanswered: number; rootEntries: number; restartedEntries: number; noDownstream: Record<string, number> }>;
  neverPropagate: string[];
  missingFields: Record<string, number>; missingExamples: Example[];
  disallowedAttributes: Array<{ key: string; spans: number; services: string[] }>;
  failures: string[];
}

const MAX_EXAMPLES = 5;

export function audit(m: Model, allowExtra: readonly string[], minScore: number | null, strict: boolean): AuditResult {
  const allow = compileAllowlist([...DEFAULT_ALLOW, ...allowExtra]);
  const badKeys = new Map<number, string[]>(); // keyset id → keys outside the allowlist, decided once per keyset
  const S = m.strings;
  const svcs = new Map<number, SvcAudit>();
  const keyCounts = new Map<string, { spans: number; services: Set<string> }>();
  const missing = new Array<number>(MISSING_FIELDS.length).fill(0);
  const r: AuditResult = {
    traces: m.traceCount, spans: 0, orphanSpans: 0, splitTraces: 0, duplicateSpans: 0, minScore, pass: true, orphans: [], deadEnds: [],
    services: [], neverPropagate: [], missingFields: {}, missingExamples: [], disallowedAttributes: [], failures: [],
  };
  const ex = (t: number, g: number, detail: string): Example => ({ traceId: m.traceIds[t]!, spanId: m.spanId(g), service: m.serviceName(g), operation: m.opName(g), detail });
  for (let t = 0; t < m.traceCount; t++) {
    const tr = buildTree(m, t);
    r.spans += tr.size; // distinct spans: a copy of a span ID already read (a retried export) is left out, as in services and view
    r.duplicateSpans += tr.duplicates;
    if (tr.roots.length > 1) r.splitTraces++;
    for (let i = 0; i < tr.size; i++) {
      const g = tr.spans[i]!;
      const sid = m.service[g]!;
      let a = svcs.get(sid);
      if (!a) svcs.set(sid, (a = { inbound: 0, inboundOk: 0, outbound: 0, outboundOk: 0, unanswered: 0, roots: 0, restarted: 0, spans: 0, missing: 0, disallowed: 0, deadPeers: new Map() }));
      a.spans++;
      const p = tr.parent[i]!;
      if (p === ORPHAN) {
        r.orphanSpans++;
        if (r.orphans.length < MAX_EXAMPLES) r.orphans.push(ex(t, g, `parent ${m.parentId(g)} is not in the trace`));
      }
      const kind = m.kind[g]!;
      if (kind === KIND_SERVER || kind === KIND_CONSUMER) {
        // a new trace that links to its callers' contexts (batch consume, `mode: 'link'`) got them: propagated
        if (p === ROOT && m.links[g] === 0) a.roots++;
        else { a.inbound++; if (p !== ORPHAN) a.inboundOk++; }
      } else if ((kind === KIND_CLIENT || kind === KIND_PRODUCER) && (m.flags[g]! & F_EXTERNAL) === 0) {
        const reached = tr.childOff[i + 1]! > tr.childOff[i]! || m.linked.has(key53(m.sHi[g]!, m.sLo[g]!));
        // a batch send or receive (semconv): it links to its messages' creation contexts, which carry the context
        // downstream and are scored themselves; nothing downstream of the batch span itself to expect
        if (!reached && m.links[g] !== 0) { /* no verdict */ }
        // failed with no response (connection refused, DNS, timeout): nothing downstream to expect, so no verdict on propagation
        else if (!reached && m.status[g] === STATUS_ERROR && m.http[g] === 0) a.unanswered++;
        else if (reached) { a.outbound++; a.outboundOk++; } else {
          a.outbound++;
          const peer = S.get(m.peer[g]!) || '?';
          a.deadPeers.set(peer, (a.deadPeers.get(peer) ?? 0) + 1);
          if (r.deadEnds.length < MAX_EXAMPLES) r.deadEnds.push(ex(t, g, `no span downstream of this call to ${peer}`));
        }
      }
      const miss = m.missing[g]!;
      if (miss !== 0) {
        a.missing++;
        const names: string[] = [];
        for (let k = 0; k < MISSING_FIELDS.length; k++) if ((miss & MISSING_FIELDS[k]![0]) !== 0) { missing[k]!++; names.push(MISSING_FIELDS[k]![1]); }
        if (r.missingExamples.length < MAX_EXAMPLES) r.missingExamples.push(ex(t, g, 'missing ' + names.join(', ')));
      }
      const ks = m.keyset[g]!;
      let bad = badKeys.get(ks);
      if (bad === undefined) {
        const keys = m.keysets.get(ks);
        bad = [...new Set(splitKeys(keys))].filter((k) => !allow(k));
        badKeys.set(ks, bad);
      }
      if (bad.length > 0) {
        a.disallowed++;
        for (const k of bad) {
          let c = keyCounts.get(k);
          if (!c) keyCounts.set(k, (c = { spans: 0, services: new Set() }));
          c.spans++; c.services.add(S.get(sid));
        }
      }
    }
  }
  // a service that also receives propagated calls: its new-trace entries mean a caller dropped the context
  for (const a of svcs.values()) if (a.inbound > 0) { a.restarted = a.roots; }
  for (const [sid, a] of svcs) {
    const total = a.inbound + a.outbound;
    const score = total > 0 ? (a.inboundOk + a.outboundOk) / total : null;
    const service = S.get(sid);
    r.services.push({ service, score, inboundOk: a.inboundOk, inbound: a.inbound, outboundOk: a.outboundOk, outbound: a.outbound, unanswered: a.unanswered, rootEntries: a.roots, restartedEntries: a.restarted, noDownstream: Object.fromEntries(a.deadPeers) });
    if (a.inbound + a.roots > 0 && a.outbound > 0 && a.outboundOk === 0) r.neverPropagate.push(service);
    if (minScore !== null && score !== null && score * 100 < minScore) r.failures.push(`${service || '?'}: propagation score ${fmtPct(score)} < ${minScore}%`);
  }
  r.services.sort((x, y) => (x.score ?? 2) - (y.score ?? 2) || x.service.localeCompare(y.service));
  MISSING_FIELDS.forEach(([, name], k) => { if (missing[k]) r.missingFields[name] = missing[k]!; });
  r.disallowedAttributes = [...keyCounts].map(([key, c]) => ({ key, spans: c.spans, services: [...c.services].sort() })).sort((x, y) => y.spans - x.spans);
  if (strict) {
    const nMissing = Object.values(r.missingFields).reduce((x, y) => x + y, 0);
    if (nMissing > 0) r.failures.push(`${nMissing} missing AC-003 field(s)`);
    if (r.disallowedAttributes.length > 0) r.failures.push(`${r.disallowedAttributes.length} attribute key(s) outside the allowlist`);
  }
  r.pass = r.failures.length === 0;
  return r;
}

export function renderAudit(r: AuditResult, st: Style): string {
  const c = (s: string, n = 40): string => clean(s || '?', n);
  const exLine = (e: Example): string => `    trace ${e.traceId} span ${e.spanId} ${c(e.service, 30)} "${c(e.operation, 50)}": ${c(e.detail, 120)}`;
  const L: string[] = [];
  L.push(st.bold(`Propagation audit: ${fmtInt(r.spans)} spans in ${fmtInt(r.traces)} traces`), '');
  const warn = (n: number, s: string): string => (n > 0 ? st.yellow(s) : st.green(s));
  L.push(warn(r.orphanSpans, `  orphan spans (parent not in the trace: an uninstrumented hop): ${fmtInt(r.orphanSpans)}`));
  r.orphans.forEach((e) => L.push(exLine(e)));
  L.push(warn(r.splitTraces, `  traces split in several roots: ${fmtInt(r.splitTraces)}`));
  const dead = r.services.reduce((n, s) => n + (s.outbound - s.outboundOk), 0);
  L.push(warn(dead, `  calls whose callee never appears (client/producer spans with no span downstream): ${fmtInt(dead)}`));
  r.deadEnds.forEach((e) => L.push(exLine(e)));
  const unanswered = r.services.reduce((n, s) => n + s.unanswered, 0);
  if (unanswered > 0) L.push(st.dim(`  calls that failed with no response (connection refused, timeout; not scored): ${fmtInt(unanswered)}`));
  for (const s of r.services) if (s.restartedEntries > 0) L.push(st.yellow(`  ${c(s.service)} started ${fmtInt(s.restartedEntries)} new trace(s) though it receives propagated calls: a caller drops the context`));
  L.push(warn(r.neverPropagate.length, `  services that receive calls but never propagate: ${r.neverPropagate.length ? r.neverPropagate.map((s) => c(s)).join(', ') : 'none'}`));
  const miss = Object.entries(r.missingFields);
  L.push(warn(miss.length, `  spans missing AC-003 fields: ${miss.length ? miss.map(([k, n]) => `${k} ×${fmtInt(n)}`).join(', ') : 'none'}`));
  r.missingExamples.forEach((e) => L.push(exLine(e)));
  L.push(warn(r.disallowedAttributes.length, `  attribute keys outside the allowlist: ${r.disallowedAttributes.length ? '' : 'none'}`));
  for (const d of r.disallowedAttributes.slice(0, 20)) L.push(`    ${c(d.key, 60)} on ${fmtInt(d.spans)} span(s) of ${d.services.map((s) => c(s, 30)).join(', ')}`);
  if (r.duplicateSpans) L.push(st.yellow(`  duplicate span IDs (same span exported twice?): ${fmtInt(r.duplicateSpans)}`));
  L.push('', st.bold('Propagation score per service') + st.dim('  (inbound: server/consumer spans whose parent is in the trace or that link to their callers; outbound: client/producer spans with a span downstream or linking to them)'));
  L.push(table(['service', 'score', 'inbound ok', 'outbound ok', 'new traces', 'no downstream'],
    r.services.map((s) => [c(s.service), s.score === null ? '-' : s.score < 1 ? st.yellow(fmtPct(s.score)) : fmtPct(s.score), `${s.inboundOk}/${s.inbound}`, `${s.outboundOk}/${s.outbound}`,
      String(s.rootEntries), Object.entries(s.noDownstream).map(([p, n]) => `${c(p, 30)} ×${n}`).join(', ')]),
  [false, true, true, true, true, false], st).replace(/^/gm, '  '));
  L.push('');
  if (r.pass) L.push(st.green(r.minScore === null ? 'audit done (no --min-score gate)' : `PASS: every service scores ≥ ${r.minScore}%`));
  else r.failures.forEach((f) => L.push(st.red(`FAIL: ${c(f, 200)}`)));
  return L.join('\n');
}

export const auditCommand: Command = {
  name: 'audit',
  summary: 'find where propagation breaks; per-service score; non-zero exit under --min-score (CI gate)',
  usage: `Usage: tracewire audit [options]

Coverage of the trace context: orphan spans (parent not in the trace: an uninstrumented hop), traces split
in several roots, calls whose callee never appears, services that receive calls but never propagate, spans
missing AC-003 fields, and attribute keys outside the allowlist (operational metadata only).
Per service, a propagation score = (inbound spans with their parent found + outbound calls with a span
downstream) / (inbound + outbound); database calls (db.system) are not expected to have spans downstream,
nor calls that failed with no response (error status, no HTTP status code: connection refused, timeout).
A span link counts as propagation: a consumer that starts a new trace linking to the messages' contexts
(batch consume, link mode) is an inbound span that got its context, and the producers it links to are
outbound calls with a span downstream. A batch send or receive span that links to its messages' creation
spans (BullMQ addJobs/addFlow, a batch receive) is not scored: those messages carry the context, and are.

Options:
${FILE_HELP}
${OUTPUT_HELP}
  --min-score <pct>   exit 1 when a service scores below this (0-100)
  --allow <keys>      extra allowed attribute keys, comma-separated or repeated; 'prefix.*' patterns
  --strict            also exit 1 on missing AC-003 fields or disallowed attributes
  -h, --help          this help

Default allowlist: ${DEFAULT_ALLOW.join(', ')}`,
  options: { ...FILE_OPTIONS, 'min-score': { type: 'string' }, allow: { type: 'string', multiple: true }, strict: { type: 'boolean' } },
  positionals: 0,
  async run(v: Values): Promise<number> {
    const min = v['min-score'] === undefined ? null : num(v, 'min-score', 0, 0, 100);
    const allow = list(v, 'allow');
    const { model } = await load(v);
    const r = audit(model, allow, min, v.strict === true);
    out(v.json === true ? JSON.stringify(r, null, 2) : renderAudit(r, styleFor(v)));
    return r.pass ? EXIT_OK : EXIT_FINDING;
  },
};
