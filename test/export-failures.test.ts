// AC-007: whatever the OTLP backend does, the host service is not disrupted. For each failure mode a
// real loopback receiver misbehaves while a traced node:http app serves requests: every request completes
// with its normal status, the span queue stays within the ring (memory bounded), and the stats balance.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTracer, SpanKind, type Tracer } from '../src/index.js';
import { otlpExporter } from '../src/otlp-http.js';
import { startReceiver, type ReceiverMode, type ModeOptions } from './helpers/otlp-receiver.js';

const problems: unknown[] = [];
process.on('unhandledRejection', (e) => problems.push(e));
process.on('uncaughtException', (e) => problems.push(e));

const QUEUE = 64;
const BATCH = 16;
const REQUESTS = 300;

/** A tiny app: one SERVER span per request, ended before the response is written. */
async function startApp(tracer: Tracer): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const span = tracer.startSpan(`${req.method} /items/:id`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': req.url ?? '/' } });
    span.setAttribute('http.response.status_code', 200);
    span.end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok ' + req.url);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

function get(agent: http.Agent, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

function balance(t: Tracer): { ended: number; exported: number; dropped: number; queued: number } {
  const s = t.stats();
  const dropped = Object.values(s.dropped as Record<string, number>).reduce((a, b) => a + b, 0);
  assert.is(s.ended, s.exported + dropped + s.queued, JSON.stringify({ ended: s.ended, exported: s.exported, queued: s.queued, dropped: s.dropped }));
  return { ended: s.ended, exported: s.exported, dropped, queued: s.queued };
}

interface Case { mode: ReceiverMode; opts?: ModeOptions; gzip?: boolean; expectExported: 'all' | 'some' | 'none' }
const cases: Case[] = [
  { mode: 'ok', expectExported: 'all' },
  { mode: 'ok', gzip: true, expectExported: 'all' },
  { mode: 'refuse', expectExported: 'none' },
  { mode: 'hang', expectExported: 'none' },
  { mode: 'status', opts: { status: 500 }, expectExported: 'none' },
  { mode: 'status', opts: { status: 400 }, expectExported: 'none' },
  { mode: 'status', opts: { status: 429, retryAfter: '1' }, expectExported: 'none' },
  { mode: 'status', opts: { status: 503 }, expectExported: 'none' },
  { mode: 'slow', opts: { delayMs: 40 }, expectExported: 'some' },
  { mode: 'reset', expectExported: 'none' },
  { mode: 'truncate', expectExported: 'all' }, // 200 then the connection dies: accepted, so not re-sent
  { mode: 'invalid-json', expectExported: 'all' },
  { mode: 'partial', opts: { rejectedSpans: 3 }, expectExported: 'some' },
];

for (const c of cases) {
  const label = c.mode + (c.opts?.status ? ' ' + c.opts.status : '') + (c.opts?.retryAfter ? ' Retry-After' : '') + (c.gzip ? ' gzip' : '');
  test(`AC-007 backend "${label}": app requests all succeed, queue bounded by the ring, stats balance`, async () => {
    const rcv = await startReceiver({ mode: c.mode, ...c.opts });
    const logs: string[] = [];
    // A healthy backend gets generous timeouts: under a loaded 2-core machine a 300 ms gzip export can time out
    // (seen: 16 failed exports in a full-suite run beside other jobs); the failing modes keep them short.
    const healthy = c.expectExported === 'all';
    const exporter = otlpExporter({ url: rcv.url, env: {}, timeoutMs: healthy ? 10_000 : 300, compression: c.gzip ? 'gzip' : 'none', retry: { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 20, maxRetryAfterMs: 50 } });
    // A healthy backend must get every span: its ring holds them all, since a 64-span ring legitimately drops
    // (queueFull, counted) whenever this 2-core machine compresses slower than the app answers (seen with gzip).
    const queue = c.expectExported === 'all' ? 512 : QUEUE;
    const tracer = createTracer({ service: 'ac-007', exporter, env: {}, logger: (m) => logs.push(m), batch: { maxQueueSize: queue, maxExportBatchSize: BATCH, scheduledDelayMillis: 5, exportTimeoutMillis: healthy ? 10_000 : 1000, reportIntervalMs: 100 } });
    const app = await startApp(tracer);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    let maxQueued = 0;
    try {
      for (let i = 0; i < REQUESTS; i += 10) {
        const batch = await Promise.all(Array.from({ length: 10 }, (_, k) => get(agent, `${app.url}/items/${i + k}`)));
        batch.forEach((r, k) => { assert.is(r.status, 200); assert.is(r.body, `ok /items/${i + k}`); });
        maxQueued = Math.max(maxQueued, balance(tracer).queued);
      }
      assert.ok(maxQueued <= queue + BATCH, `queued ${maxQueued} stays within ring + one batch in flight`);
      await tracer.forceFlush();
      const mid = balance(tracer);
      assert.is(mid.ended, REQUESTS, 'the exporter\'s own requests were never traced');
      await tracer.shutdown({ deadlineMs: healthy ? 20_000 : 1000 });
      const end = balance(tracer);
      assert.is(end.queued, 0);
      if (c.expectExported === 'all') assert.is(end.exported, REQUESTS, JSON.stringify(tracer.stats().dropped));
      if (c.expectExported === 'none') { assert.is(end.exported, 0); assert.ok(end.dropped === REQUESTS); assert.ok(logs.length > 0 && logs.length < 30, `rate-limited log: ${logs.length} lines`); }
      if (c.expectExported === 'some') assert.ok(end.exported > 0, 'some exported');
      if (c.mode === 'partial') assert.ok(tracer.stats().dropped.exportFailed >= 3);
      // the receiver's spans() skips 'truncate' answers (status 0 in its log), though each was a 200: count those from the requests
      const received = c.mode === 'truncate' ? rcv.requests.reduce((n, q) => n + (q.json?.resourceSpans?.[0]?.scopeSpans?.[0]?.spans?.length ?? 0), 0) : rcv.spans().length;
      if (c.expectExported !== 'none') assert.is(received >= end.exported, true);
      if (c.mode === 'truncate') assert.is(received, REQUESTS, 'each span sent once: no re-send after a 200');
      assert.equal(problems, []);
    } finally {
      agent.destroy();
      await app.close();
      await tracer.shutdown({ deadlineMs: 100 });
      await rcv.close();
    }
  });
}

test('AC-007 a backend that hangs never delays the app or its shutdown past the deadline', async () => {
  const rcv = await startReceiver({ mode: 'hang' });
  const tracer = createTracer({ service: 'ac-007', exporter: otlpExporter({ url: rcv.url, env: {}, timeoutMs: 60_000 }), env: {}, logger: () => {}, batch: { maxQueueSize: QUEUE, maxExportBatchSize: BATCH, scheduledDelayMillis: 5 } });
  const app = await startApp(tracer);
  const agent = new http.Agent({ keepAlive: true });
  try {
    for (let i = 0; i < 50; i++) assert.is((await get(agent, `${app.url}/h/${i}`)).status, 200);
    await rcv.waitForRequests(1);
    const t0 = Date.now();
    await tracer.shutdown({ deadlineMs: 150 });
    assert.ok(Date.now() - t0 < 3000, 'returned at the deadline, not the 60 s export timeout');
    const s = balance(tracer);
    assert.is(s.queued, 0);
    assert.is(s.exported, 0);
  } finally {
    agent.destroy();
    await app.close();
    await rcv.close();
  }
});

test.run();
