// AC-006: the service dependency graph and latency per service and per span, from `tracewire services`
// run as a child process on a span file with known intervals (so every number below is computed by hand).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { otlpLine, id16, id32, type SynthSpan } from '../cli/synth.js';
import { cli } from './helpers/cli-run.js';
import { refusedCallTrace } from './helpers/refused-call.js';
import { createTracer, fileExporter, type Span } from '../src/index.js';
import { consumeBatch, consumeMessage, publish, type Carrier, type ConsumeOptions } from '../adapters/queue.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-services-'));
const file = join(dir, 'spans.jsonl');

// 10 traces: gateway → orders (10·(i+1) ms) → payments (errors in 2 traces); orders → postgres (no spans
// expected); gateway → "legacy" (never instrumented: no span downstream).
const lines: string[] = [];
for (let i = 0; i < 10; i++) {
  const t = id32(i, 0x5e);
  const id = (k: number): string => id16(k, 0x100 + i);
  const d = 10 * (i + 1);
  const spans: SynthSpan[] = [
    { trace: t, id: id(0), service: 'gateway', name: 'GET /buy', kind: 2, start: 0, dur: 200, http: 200 },
    { trace: t, id: id(1), parent: id(0), service: 'gateway', name: 'POST', kind: 3, start: 10, dur: d + 2, http: 200 },
    { trace: t, id: id(2), parent: id(1), service: 'orders', name: 'POST /orders', kind: 2, start: 11, dur: d, http: 200 },
    { trace: t, id: id(3), parent: id(2), service: 'orders', name: 'SELECT', kind: 3, start: 11, dur: 5, attrs: { 'db.system.name': 'postgresql' } },
    { trace: t, id: id(4), parent: id(2), service: 'orders', name: 'POST', kind: 3, start: 16, dur: 2, http: i < 2 ? 500 : 200, status: i < 2 ? 2 : 0 },
    { trace: t, id: id(5), parent: id(4), service: 'payments', name: 'POST /pay', kind: 2, start: 16.5, dur: 1, http: i < 2 ? 500 : 200, status: i < 2 ? 2 : 0 },
    { trace: t, id: id(6), parent: id(0), service: 'gateway', name: 'GET', kind: 3, start: 150, dur: 10, http: 200, attrs: { 'peer.service': 'legacy' } },
  ];
  lines.push(otlpLine(spans));
}
writeFileSync(file, lines.join('\n') + '\n');

interface Edge { caller: string; callee: string; calls: number; errors: number; errorRate: number; p50: number; p95: number; p99: number; uninstrumented: boolean; via: string }

test('AC-006 services: caller → callee edges from cross-service parent/child spans, with call count, error rate, p50/p95/p99', async () => {
  const r = await cli(['services', '--file', file, '--json']);
  assert.is(r.code, 0, r.err);
  const g = JSON.parse(r.out);
  assert.is(g.traces, 10);
  assert.is(g.spans, 70);
  const edge = (a: string, b: string): Edge => g.edges.find((e: Edge) => e.caller === a && e.callee === b);
  const go = edge('gateway', 'orders');
  assert.equal([go.calls, go.errors, go.p50, go.p95, go.p99, go.uninstrumented], [10, 0, 50, 100, 100, false]); // nearest rank over 10..100 ms
  const op = edge('orders', 'payments');
  assert.equal([op.calls, op.errors, op.errorRate], [10, 2, 0.2]);
  const legacy = edge('gateway', 'legacy (no spans)');
  assert.equal([legacy.calls, legacy.uninstrumented, legacy.p50], [10, true, 10]);
  assert.is(g.edges.length, 3, 'the database call is not a missing service');
});

test('AC-006 services: per-service and per-operation latency with self time = duration − union of children', async () => {
  const r = await cli(['services', '--file', file, '--json']);
  const g = JSON.parse(r.out);
  const svc = (s: string) => g.services.find((x: { service: string }) => x.service === s);
  const op = (s: string, n: string) => g.operations.find((x: { service: string; operation: string }) => x.service === s && x.operation === n);
  const orders = op('orders', 'POST /orders');
  assert.is(orders.count, 10);
  assert.is(orders.selfMs, 480); // Σ (10·(i+1) − |[11,16] ∪ [16,18]|) = 550 − 70
  assert.is(orders.selfAvgMs, 48);
  assert.is(orders.totalMs, 550);
  assert.equal([orders.p50, orders.p95, orders.p99], [50, 100, 100]);
  const root = op('gateway', 'GET /buy');
  assert.is(root.selfMs, 10 * 200 - (550 + 20) - 100); // minus the orders call (d + 2) and the legacy call (10)
  assert.is(svc('orders').entries, 10);
  assert.is(svc('payments').errors, 2);
  assert.is(svc('gateway').entries, 10);
  assert.equal([svc('gateway').p50, svc('gateway').p99], [200, 200]);
  const shares = g.services.reduce((a: number, s: { selfShare: number }) => a + s.selfShare, 0);
  assert.ok(Math.abs(shares - 1) < 1e-9);
});

test('AC-006 services: the text view shows the graph and both latency tables', async () => {
  const r = await cli(['services', '--file', file]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, '70 spans in 10 traces');
  assert.match(r.out, /gateway\s+→\s+orders\s+10\s+0\.0%\s+50\.0ms\s+100\.0ms\s+100\.0ms/);
  assert.match(r.out, /orders\s+→\s+payments\s+10\s+20\.0%/);
  assert.match(r.out, /gateway\s+→\s+legacy \(no spans\)\s+10/);
  assert.match(r.out, /orders\s+POST \/orders\s+10\s+0\s+50\.0ms\s+100\.0ms\s+100\.0ms\s+48\.0ms\s+480\.0ms/);
  const top = await cli(['services', '--file', file, '--top', '2']);
  assert.match(top.out, 'top 2 of 7');
  assert.is(top.out.split('Operations')[1]!.trim().split('\n').slice(2).length, 2); // after the title and header: two rows
});

test('AC-006 services: spans exported twice (a retried export) are counted once, in the total as in the tables', async () => {
  const f = join(dir, 'twice.jsonl');
  writeFileSync(f, lines[0] + '\n' + lines[1] + '\n' + lines[0] + '\n');
  const r = await cli(['services', '--file', f, '--json']);
  assert.is(r.code, 0, r.err);
  const g = JSON.parse(r.out);
  assert.equal([g.spans, g.duplicates, g.traces], [14, 7, 2]);
  assert.is(g.services.reduce((a: number, s: { spans: number }) => a + s.spans, 0), g.spans);
  const t = await cli(['services', '--file', f]);
  assert.match(t.out, '14 spans in 2 traces (7 duplicate span IDs left out');
});

test('AC-006 services: a call that failed with no response (connection refused) is not drawn as a call to an uninstrumented "(no spans)" callee', async () => {
  const f = join(dir, 'refused.jsonl');
  writeFileSync(f, otlpLine(refusedCallTrace(1, 0x5f).spans) + '\n');
  const j = await cli(['services', '--file', f, '--json']);
  assert.is(j.code, 0, j.err);
  const edges = (JSON.parse(j.out).edges as Edge[]).map((e) => [e.callee, e.via, e.uninstrumented, e.calls, e.errors]);
  assert.equal(edges.sort(), [['orders (no response)', 'failed', false, 1, 1], ['orders', 'parent', false, 1, 0]]);
});

test('AC-006 services: a child span with no start time does not make its siblings\' intervals drop out of the parent\'s self time', async () => {
  const f = join(dir, 'no-start.jsonl');
  const t = id32(0, 0x77);
  const id = (k: number): string => id16(k, 0x77);
  const req = JSON.parse(otlpLine([
    { trace: t, id: id(0), service: 'api', name: 'root', kind: 2, start: 0, dur: 100 },
    { trace: t, id: id(1), parent: id(0), service: 'api', name: 'late', start: 50, dur: 40 },
    { trace: t, id: id(2), parent: id(0), service: 'api', name: 'no start', start: 30, dur: 5 },
    { trace: t, id: id(3), parent: id(0), service: 'api', name: 'early', start: 10, dur: 20 },
  ]));
  delete req.resourceSpans[0].scopeSpans[0].spans[2].startTimeUnixNano; // a span written without its start
  writeFileSync(f, JSON.stringify(req) + '\n');
  const r = await cli(['services', '--file', f, '--json']);
  assert.is(r.code, 0, r.err);
  const ops = JSON.parse(r.out).operations as Array<{ operation: string; selfMs: number }>;
  assert.is(ops.find((o) => o.operation === 'root')!.selfMs, 40); // 100 − [10,30] − [50,90]
});

test('AC-006 README\'s CLI section documents every field of `services --json` and `audit --json`', async () => {
  const readme = readFileSync(join(new URL('.', import.meta.url).pathname, '..', 'README.md'), 'utf8');
  const cliSection = readme.slice(readme.indexOf('## The command line'), readme.indexOf('## Testing'));
  const named = new Set([...cliSection.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`]+)`/g)].flatMap((m) => m[1]!.split(/[^\w]+/))); // words in code spans
  const keys = (v: unknown, into = new Set<string>()): Set<string> => {
    if (Array.isArray(v)) { for (const x of v) keys(x, into); } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) { into.add(k); if (k !== 'noDownstream' && k !== 'missingFields') keys(x, into); } // those two are keyed by peer / field name
    }
    return into;
  };
  for (const cmd of ['services', 'audit']) {
    const r = await cli([cmd, '--file', file, '--json']);
    assert.is(r.code, 0, r.err);
    const undocumented = [...keys(JSON.parse(r.out))].filter((k) => !named.has(k));
    assert.equal(undocumented, [], `${cmd} --json fields missing from README`);
  }
});

test('AC-006 services: a service calling itself (a client span whose child server span is in the same service: another replica) is an edge A → A', async () => {
  const f = join(dir, 'self.jsonl');
  const lines: string[] = [];
  for (let i = 0; i < 4; i++) {
    const t = id32(i, 0x5ef);
    const id = (k: number): string => id16(k, 0x5ef0 + i);
    lines.push(otlpLine([
      { trace: t, id: id(0), service: 'api', name: 'GET /page', kind: 2, start: 0, dur: 100, http: 200 },
      { trace: t, id: id(1), parent: id(0), service: 'api', name: 'render', kind: 1, start: 1, dur: 5 }, // internal: no call
      { trace: t, id: id(2), parent: id(0), service: 'api', name: 'GET', kind: 3, start: 10, dur: 12 + i, http: i === 3 ? 500 : 200, status: i === 3 ? 2 : 0 },
      { trace: t, id: id(3), parent: id(2), service: 'api', name: 'GET /fragment', kind: 2, start: 11, dur: 10 + i, http: i === 3 ? 500 : 200, status: i === 3 ? 2 : 0 },
      // a producer whose consumer is in the same service: a self-call through the broker
      { trace: t, id: id(4), parent: id(0), service: 'api', name: 'publish jobs', kind: 4, start: 30, dur: 1 },
      { trace: t, id: id(5), parent: id(4), service: 'api', name: 'process jobs', kind: 5, start: 40, dur: 3 },
    ]));
  }
  // the same through a span link (link mode: the consumer starts its own trace)
  lines.push(withLinks(otlpLine([{ trace: id32(9, 0x5ef), id: id16(9, 0x5ef), service: 'api', name: 'process jobs', kind: 5, start: 50, dur: 7 }]),
    { [id16(9, 0x5ef)]: [{ traceId: id32(0, 0x5ef), spanId: id16(4, 0x5ef0) }] }));
  writeFileSync(f, lines.join('\n') + '\n');
  const r = await cli(['services', '--file', f, '--json']);
  assert.is(r.code, 0, r.err);
  const g = JSON.parse(r.out);
  assert.equal(g.edges.map((e: Edge) => [e.caller, e.callee, e.via, e.calls, e.errors, e.p50, e.p99]).sort(), [
    ['api', 'api', 'link', 1, 0, 7, 7],
    ['api', 'api', 'parent', 8, 1, 3, 13], // 4 messages (3 ms) and 4 HTTP calls (10..13 ms): nearest rank
  ]);
  const api = g.services.find((s: { service: string }) => s.service === 'api');
  assert.is(api.entries, 4 + 8 + 1, 'the 4 page requests and the 9 self-calls enter the service');
  const t = await cli(['services', '--file', f]);
  assert.match(t.out, /api\s+→\s+api\s+8\s+12\.5%/);
  assert.match(t.out, /api\s+⇢\s+api\s+1\s/);
});

test('AC-006 services: an empty file is not an error', async () => {
  const f = join(dir, 'empty.jsonl');
  writeFileSync(f, '');
  const r = await cli(['services', '--file', f]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, '0 spans in 0 traces');
  assert.match(r.out, '(no calls between services)');
});

// Queue hops consumed through span links (batches, `mode: 'link'`): the consumer span is not the producer's
// child but links to its context, usually from a new trace. otlpLine has no links: they are added here.
type Link = { traceId: string; spanId: string };
function withLinks(line: string, links: Record<string, Link[]>): string {
  const req = JSON.parse(line);
  for (const rs of req.resourceSpans) for (const ss of rs.scopeSpans) for (const sp of ss.spans) if (links[sp.spanId]) sp.links = links[sp.spanId];
  return JSON.stringify(req);
}

const linkFile = join(dir, 'links.jsonl');
{
  const L: string[] = [];
  const pt = (k: number): string => id32(k, 0x11);
  const ps = (k: number, j: number): string => id16(2 * k + j, 0x11);
  // 5 messages published by orders (each in its own trace); message 4 is never consumed
  for (let k = 0; k < 5; k++) {
    L.push(otlpLine([
      { trace: pt(k), id: ps(k, 0), service: 'orders', name: 'POST /orders', kind: 2, start: 0, dur: 20, http: 201 },
      { trace: pt(k), id: ps(k, 1), parent: ps(k, 0), service: 'orders', name: 'publish jobs', kind: 4, start: 5, dur: 1, attrs: { 'messaging.destination.name': 'jobs' } },
    ]));
  }
  // billing publishes under the same span ID as orders' message 0, in another trace
  const B = id32(7, 0x33);
  L.push(otlpLine([{ trace: B, id: ps(0, 1), service: 'billing', name: 'publish jobs', kind: 4, start: 0, dur: 1, attrs: { 'messaging.destination.name': 'jobs' } }]));
  const C1 = id32(1, 0x22); const C2 = id32(2, 0x22); const C3 = id32(3, 0x22); const C4 = id32(4, 0x22);
  const cs = (k: number): string => id16(k, 0x22);
  const msg = (k: number): Link => ({ traceId: pt(k), spanId: ps(k, 1) });
  L.push(withLinks(otlpLine([
    // a failed batch of messages 0, 1, 2 (1 linked twice: one message) and one whose producer is not in the files
    { trace: C1, id: cs(1), service: 'worker', name: 'process jobs', kind: 5, start: 100, dur: 30, status: 2 },
    // message 3 consumed alone in link mode; the link to the batch span (same service) is no call
    { trace: C2, id: cs(2), service: 'worker', name: 'process jobs', kind: 5, start: 200, dur: 10 },
    // a span ID of a producer under another trace ID: not that span
    { trace: C3, id: cs(3), service: 'worker', name: 'process jobs', kind: 5, start: 300, dur: 10 },
    // billing's message: the link's trace ID tells it from orders' message 0
    { trace: C4, id: cs(4), service: 'worker', name: 'process jobs', kind: 5, start: 400, dur: 7 },
  ]), {
    [cs(1)]: [msg(0), msg(1), msg(1), msg(2), { traceId: id32(9, 0x99), spanId: id16(9, 0x99) }],
    [cs(2)]: [msg(3), { traceId: C1, spanId: cs(1) }],
    [cs(3)]: [{ traceId: id32(8, 0x99), spanId: ps(4, 1) }],
    [cs(4)]: [{ traceId: B, spanId: ps(0, 1) }],
  }));
  writeFileSync(linkFile, L.join('\n') + '\n');
}

test('AC-006 services: a consumer linking to producers\' spans (batch, link mode) is a producer → consumer edge, one call per distinct linked message', async () => {
  const r = await cli(['services', '--file', linkFile, '--json']);
  assert.is(r.code, 0, r.err);
  const g = JSON.parse(r.out);
  const link = g.edges.find((e: Edge) => e.caller === 'orders' && e.callee === 'worker');
  assert.ok(link, `no orders → worker edge in ${JSON.stringify(g.edges)}`);
  // 3 messages in the failed 30 ms batch + 1 alone (10 ms): nearest rank over [10, 30, 30, 30]
  assert.equal([link.calls, link.errors, link.errorRate, link.p50, link.p99, link.via, link.uninstrumented], [4, 3, 0.75, 30, 30, 'link', false]);
  // the consumed producers are not "(no spans)"; the unconsumed one still is
  const peer = g.edges.find((e: Edge) => e.callee === 'jobs (no spans)');
  assert.equal([peer.caller, peer.calls, peer.via, peer.uninstrumented], ['orders', 1, 'peer', true]);
  const billing = g.edges.find((e: Edge) => e.caller === 'billing');
  assert.equal([billing.callee, billing.calls, billing.p50, billing.via], ['worker', 1, 7, 'link']);
  assert.is(g.edges.length, 3, 'no worker → worker edge, nothing for the links to spans not in the files');
});

test('AC-006 services: the text view marks link-based edges (⇢) and says what they count', async () => {
  const r = await cli(['services', '--file', linkFile]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /orders\s+⇢\s+worker\s+4\s+75\.0%\s+30\.0ms/);
  assert.match(r.out, /orders\s+→\s+jobs \(no spans\)\s+1\s/);
  assert.match(r.out, '⇢ = via span links');
  const plain = await cli(['services', '--file', file]);
  assert.not.match(plain.out, '⇢', 'no legend without link edges');
  const help = await cli(['services', '--help']);
  assert.match(help.out, 'one call per\ndistinct linked message');
});

// Real tracewire spans: the queue adapter in each consume mode, written by the file exporter.
async function queueRun(f: string, mode: 'parent' | 'link' | 'batch'): Promise<void> {
  const orders = createTracer({ service: 'orders', exporter: fileExporter({ path: f }), env: {} });
  const worker = createTracer({ service: 'worker', exporter: fileExporter({ path: f }), env: {} });
  const carriers: Carrier[] = [];
  for (let i = 0; i < 4; i++) {
    const root = orders.startSpan('POST /orders', { kind: 2, attributes: { 'http.request.method': 'POST', 'http.response.status_code': 201 } }) as Span;
    const c: Carrier = {};
    await orders.withSpan(root, () => publish(orders, c, { system: 'rabbitmq', destination: 'jobs' }, () => {}));
    root.end();
    carriers.push(c);
  }
  const o: ConsumeOptions = { system: 'rabbitmq', destination: 'jobs', ...(mode === 'link' ? { mode: 'link' as const } : {}) };
  const fail = async (): Promise<void> => { throw new Error('boom'); };
  if (mode === 'batch') {
    await consumeBatch(worker, carriers.slice(0, 2), o, fail).catch(() => {}); // a failed batch: both its messages failed
    await consumeBatch(worker, carriers.slice(2), o, async () => {});
  } else {
    for (let i = 0; i < 4; i++) await consumeMessage(worker, carriers[i], o, i < 2 ? fail : async () => {}).catch(() => {});
  }
  await orders.shutdown();
  await worker.shutdown();
}

test('AC-006 services: real queue adapter spans give orders → worker the same call count in parent, link and batch mode', async () => {
  for (const [mode, via] of [['parent', 'parent'], ['link', 'link'], ['batch', 'link']] as const) {
    const f = join(dir, `queue-${mode}.jsonl`);
    await queueRun(f, mode);
    const r = await cli(['services', '--file', f, '--json']);
    assert.is(r.code, 0, r.err);
    const g = JSON.parse(r.out);
    assert.is(g.spans, mode === 'batch' ? 10 : 12, mode);
    assert.equal(g.edges.map((e: Edge) => [e.caller, e.callee, e.via, e.calls, e.errors]), [['orders', 'worker', via, 4, 2]], mode);
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
