// AC-006: the service dependency graph and latency per service and per span, from `tracewire services`
// run as a child process on a span file with known intervals (so every number below is computed by hand).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { otlpLine, id16, id32, type SynthSpan } from '../cli/synth.js';
import { cli } from './helpers/cli-run.js';

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

interface Edge { caller: string; callee: string; calls: number; errors: number; errorRate: number; p50: number; p95: number; p99: number; uninstrumented: boolean }

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

test('AC-006 services: an empty file is not an error', async () => {
  const f = join(dir, 'empty.jsonl');
  writeFileSync(f, '');
  const r = await cli(['services', '--file', f]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, '0 spans in 0 traces');
  assert.match(r.out, '(no calls between services)');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
