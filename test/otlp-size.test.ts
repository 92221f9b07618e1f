// Request and response sizes of the OTLP/HTTP exporter against size-capped backends: the default maxRequestBytes stays
// under the OpenTelemetry Collector's default body limit, a 413 answer splits the request instead of losing the batch
// (bounded), and a large 2xx body is not JSON-parsed on the event loop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer } from '../src/index.js';
import type { Span } from '../src/span.js';
import { otlpExporter, type OtlpExporterOptions } from '../src/otlp-http.js';
import { OtlpJsonEncoder } from '../src/otlp-json.js';
import type { ExportResult } from '../src/exporter.js';
import { startReceiver, type Receiver } from './helpers/otlp-receiver.js';
import { CaptureProcessor } from './helpers/capture.js';

const keepAlive = setInterval(() => {}, 1000); // the exporter's timers are unref'd
const cap = new CaptureProcessor();
const tracer = createTracer({ service: 'size-test', processor: cap, env: {} });
function spans(n: number, attrs: Record<string, string> = {}): Span[] {
  cap.spans.length = 0;
  for (let i = 0; i < n; i++) tracer.startSpan('op-' + i, { root: true, attributes: { i, ...attrs } }).end();
  return cap.spans.slice() as Span[];
}
const fast = { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 20 };
const make = (r: Receiver, o: OtlpExporterOptions = {}) => otlpExporter({ url: r.url, env: {}, retry: fast, timeoutMs: 20_000, ...o });
const run = (e: ReturnType<typeof otlpExporter>, s: Span[]) => e.export(s, new AbortController().signal);
const code = (r: ExportResult) => (r.error as { code?: string } | undefined)?.code;
const encodedSize = (batch: Span[]) => new OtlpJsonEncoder().encode(batch).length;
const ids = (list: { spanId: string }[]) => list.map((s) => s.spanId).sort();
const MiB = 1024 * 1024;
const COLLECTOR_DEFAULT_BODY = 20 * MiB; // opentelemetry-collector config/confighttp/server.go defaultMaxRequestBodySize

test('default maxRequestBytes: a batch encoding to ~25 MiB goes as requests under the Collector\'s default 20 MiB body limit, none refused, every span arrives', async () => {
  // otlpreceiver (otlphttp.go readAndCloseBody) answers a body over max_request_body_size with 400: not retried, the batch lost
  const r = await startReceiver({ maxBodyBytes: COLLECTOR_DEFAULT_BODY, tooLargeStatus: 400 });
  const e = make(r); // maxRequestBytes left at its default
  try {
    const attrs: Record<string, string> = {};
    for (let k = 0; k < 16; k++) attrs['pad' + k] = String.fromCharCode(97 + k).repeat(4000); // under the 4096 value limit
    const batch = spans(400, attrs);
    assert.ok(encodedSize(batch) > 24 * MiB, 'the batch is over the Collector limit');
    assert.equal(await run(e, batch), { ok: true });
    for (const q of r.requests) assert.ok(q.bytes <= COLLECTOR_DEFAULT_BODY, `a ${q.bytes}-byte request was sent`);
    assert.ok(r.requests.every((q) => q.status === 200));
    assert.ok(r.requests.length >= 2);
    assert.is(r.spans().length, 400);
  } finally { cap.spans.length = 0; await e.shutdown(); await r.close(); }
});

test('413: a request the backend refuses as too large is sent again as requests of half its size; every span arrives once, splits counted', async () => {
  const batch = spans(60, { pad: 'q'.repeat(400) });
  const limit = Math.floor(encodedSize(batch) * 0.4);
  const r = await startReceiver({ maxBodyBytes: limit }); // a proxy's body limit (nginx: client_max_body_size)
  const e = make(r);
  try {
    assert.equal(await run(e, batch), { ok: true });
    assert.equal(ids(r.spans()), ids(batch as unknown as { spanId: string }[]), 'each span once');
    const refused = r.requests.filter((q) => q.status === 413);
    assert.is(refused.length, 2); // the whole batch, then half of it (still over 40%); quarters pass
    for (const q of r.requests) if (q.status === 200) assert.ok(q.bytes <= limit);
    const st = e.stats();
    assert.is(st.splits, 2);
    assert.is(st.tooLarge, 0);
    assert.is(st.retries, 0, 'a split is not a retry of the same request');
  } finally { await e.shutdown(); await r.close(); }
});

test('413 on a span alone: that span is dropped and counted as tooLarge, the rest of the batch arrives, tracer stats balance', async () => {
  const small = spans(1, { pad: 'p'.repeat(300) });
  const r = await startReceiver({ maxBodyBytes: encodedSize(small) * 8 });
  const e = make(r);
  const logs: string[] = [];
  const t = createTracer({ service: 'size-test', exporter: e, env: {}, logger: (m) => logs.push(m), batch: { maxExportBatchSize: 64, reportIntervalMs: 0 } });
  try {
    const big = { a: 'x'.repeat(4000), b: 'y'.repeat(4000), c: 'z'.repeat(4000) };
    for (let i = 0; i < 31; i++) t.startSpan('op', { root: true, attributes: i === 15 ? big : { i, pad: 'p'.repeat(300) } }).end();
    await t.forceFlush();
    const st = t.stats();
    assert.is(st.exported, 30);
    assert.is(st.dropped.exportFailed, 1);
    assert.is(st.ended, st.exported + st.dropped.exportFailed + st.queued);
    assert.is(r.spans().length, 30);
    assert.is(e.stats().tooLarge, 1);
    assert.match(logs.join('\n'), /export failed 1/);
    const lone = await run(e, spans(1, big));
    assert.is(lone.ok, false);
    assert.is(code(lone), 'TW_ERR_OTLP_TOO_LARGE');
    assert.match(String((lone.error as Error).message), '413');
    assert.is(e.stats().tooLarge, 2);
  } finally { await t.shutdown(); await r.close(); }
});

test('413 splitting is bounded: a backend that refuses every request as too large gets a few dozen requests for a 512-span batch, not one per span; the batch fails', async () => {
  const r = await startReceiver({ mode: 'status', status: 413 });
  const e = make(r);
  try {
    const res = await run(e, spans(512));
    assert.is(res.ok, false);
    assert.is(code(res), 'TW_ERR_OTLP_PAYLOAD_TOO_LARGE');
    assert.ok(r.requests.length <= 32, `${r.requests.length} requests`);
    assert.ok(r.requests.length >= 10, 'it did split down to single spans');
  } finally { await e.shutdown(); await r.close(); }
});

const bigOk = (rejected: number, padBytes: number) => JSON.stringify({ partialSuccess: { rejectedSpans: String(rejected), errorMessage: 'some were rejected' }, pad: 'p'.repeat(padBytes) });

test('a 2xx body over 64 KiB is not JSON-parsed: the batch counts as delivered, the body is counted (largeResponses), the connection is kept', async () => {
  const r = await startReceiver();
  const e = make(r);
  try {
    r.respondNext([{ mode: 'status', status: 200, body: bigOk(3, 1024 * 1024) }]);
    assert.equal(await run(e, spans(5)), { ok: true }, 'partialSuccess in a 1 MiB body is not read');
    assert.is(e.stats().largeResponses, 1);
    assert.is(e.stats().invalidResponses, 0);
    assert.equal(await run(e, spans(1)), { ok: true });
    assert.is(r.connections, 1, 'the body was read to its end (bounded), so the keep-alive connection is reused');
    // a small body is still parsed
    r.respondNext([{ mode: 'status', status: 200, body: bigOk(2, 100) }]);
    assert.is((await run(e, spans(5))).rejected, 2);
    // over the 4 MiB response cap: the connection is cut there, the 2xx still counts
    r.respondNext([{ mode: 'status', status: 200, body: bigOk(1, 5 * 1024 * 1024) }]);
    assert.equal(await run(e, spans(1)), { ok: true });
    assert.is(e.stats().largeResponses, 2);
  } finally { await e.shutdown(); await r.close(); }
});

test('(cleanup)', () => clearInterval(keepAlive));

test.run();
