// A batch over maxRequestBytes goes as several requests (src/otlp-parts.ts): when the batcher stops waiting for it
// (its export timeout, the shutdown deadline), the parts the backend already acknowledged count as exported, only
// the rest as dropped, and ended = exported + dropped + queued still holds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, type Tracer } from '../src/index.js';
import type { Span } from '../src/span.js';
import { otlpExporter } from '../src/otlp-http.js';
import { OtlpJsonEncoder } from '../src/otlp-json.js';
import { startReceiver, type Receiver } from './helpers/otlp-receiver.js';
import { CaptureProcessor } from './helpers/capture.js';

const N = 60;
const PAD = 'q'.repeat(400);
const fast = { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 20 };

/** maxRequestBytes for which N padded spans encode to about 2.5 requests. */
function capForBatch(): number {
  const cap = new CaptureProcessor();
  const t = createTracer({ service: 'parts-test', processor: cap, env: {} });
  for (let i = 0; i < N; i++) t.startSpan('op-' + i, { root: true, attributes: { i, pad: PAD } }).end();
  return Math.ceil(new OtlpJsonEncoder().encode(cap.spans as Span[]).length / 2.5);
}

function endSpans(t: Tracer): void {
  for (let i = 0; i < N; i++) t.startSpan('op-' + i, { root: true, attributes: { i, pad: PAD } }).end();
}

const spansIn = (r: Receiver, i: number): number => r.requests[i]!.json.resourceSpans.reduce((n: number, rs: any) => n + rs.scopeSpans.reduce((m: number, ss: any) => m + ss.spans.length, 0), 0);
const droppedTotal = (d: Record<string, number>): number => Object.values(d).reduce((a, b) => a + b, 0);

test('AC-007 export timeout while a later part hangs: the part already acknowledged counts as exported, only the rest as exportFailed, stats balance', async () => {
  const r = await startReceiver();
  r.respondNext([{ mode: 'ok' }, { mode: 'hang' }]);
  const logs: string[] = [];
  const e = otlpExporter({ url: r.url, env: {}, retry: fast, timeoutMs: 60_000, maxRequestBytes: capForBatch() });
  const t = createTracer({ service: 'parts-test', exporter: e, env: {}, logger: (m) => logs.push(m), batch: { maxExportBatchSize: 64, exportTimeoutMillis: 300, reportIntervalMs: 0 } });
  try {
    endSpans(t);
    await t.forceFlush();
    const first = spansIn(r, 0);
    assert.ok(first > 0 && first < N, `first part ${first}`);
    assert.is(r.requests.length, 2, 'the second part was sent, the third never');
    const s = t.stats();
    assert.is(s.exported, first, 'the acknowledged part is exported');
    assert.is(s.dropped.exportFailed, N - first, 'only the unacknowledged spans failed');
    assert.is(s.ended, s.exported + droppedTotal(s.dropped) + s.queued);
    assert.is(s.destinations![0]!.exports.timedOut, 1);
    assert.match(logs.join('\n'), `export failed ${N - first}`);
    assert.match(logs.join('\n'), 'timed out');
  } finally {
    await t.shutdown({ deadlineMs: 100 });
    await r.close();
  }
});

test('AC-007 shutdown deadline while a later part hangs: the part already acknowledged counts as exported, the rest as dropped at shutdown', async () => {
  const r = await startReceiver();
  r.respondNext([{ mode: 'ok' }, { mode: 'hang' }]);
  const e = otlpExporter({ url: r.url, env: {}, retry: fast, timeoutMs: 60_000, maxRequestBytes: capForBatch() });
  const t = createTracer({ service: 'parts-test', exporter: e, env: {}, logger: () => {}, batch: { maxExportBatchSize: 64, exportTimeoutMillis: 60_000, reportIntervalMs: 0 } });
  try {
    endSpans(t);
    void t.forceFlush();
    await r.waitForRequests(2);
    await t.shutdown({ deadlineMs: 150 });
    const first = spansIn(r, 0);
    const s = t.stats();
    assert.is(s.queued, 0);
    assert.is(s.exported, first);
    assert.is(s.dropped.shutdown, N - first);
    assert.is(s.dropped.exportFailed, 0);
    assert.is(s.ended, s.exported + droppedTotal(s.dropped) + s.queued);
  } finally {
    await r.close();
  }
});

test('partial success inside an acknowledged part still counts as exportFailed when the batch later times out', async () => {
  const r = await startReceiver();
  r.respondNext([{ mode: 'partial', rejectedSpans: 2 }, { mode: 'hang' }]);
  const e = otlpExporter({ url: r.url, env: {}, retry: fast, timeoutMs: 60_000, maxRequestBytes: capForBatch() });
  const t = createTracer({ service: 'parts-test', exporter: e, env: {}, logger: () => {}, batch: { maxExportBatchSize: 64, exportTimeoutMillis: 300, reportIntervalMs: 0 } });
  try {
    endSpans(t);
    await t.forceFlush();
    const first = spansIn(r, 0);
    const s = t.stats();
    assert.is(s.exported, first - 2);
    assert.is(s.dropped.exportFailed, N - first + 2);
    assert.is(s.ended, s.exported + droppedTotal(s.dropped) + s.queued);
  } finally {
    await t.shutdown({ deadlineMs: 100 });
    await r.close();
  }
});

test('export() called directly and aborted after a part was acknowledged: ok with the undelivered spans rejected, not a failure of the whole batch', async () => {
  const r = await startReceiver();
  r.respondNext([{ mode: 'ok' }, { mode: 'hang' }]);
  const keep = setInterval(() => {}, 1000);
  const cap = new CaptureProcessor();
  const src = createTracer({ service: 'parts-test', processor: cap, env: {} });
  endSpans(src);
  const e = otlpExporter({ url: r.url, env: {}, retry: fast, timeoutMs: 60_000, maxRequestBytes: capForBatch() });
  try {
    const ac = new AbortController();
    const p = e.export(cap.spans as Span[], ac.signal);
    await r.waitForRequests(2);
    ac.abort();
    const res = await p;
    const first = spansIn(r, 0);
    assert.is(res.ok, true);
    assert.is(res.rejected, N - first);
    assert.is((res.error as { code?: string }).code, 'TW_ERR_OTLP_ABORTED');
  } finally {
    clearInterval(keep);
    await e.shutdown();
    await r.close();
  }
});

test.run();
