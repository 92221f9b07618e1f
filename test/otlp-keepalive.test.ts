// A kept-alive connection the server has closed while it sat idle: the next request on it dies (ECONNRESET, 'socket
// hang up') before any response byte. The exporter re-sends it once, at once, on a new connection, and counts it;
// it is neither a failed attempt nor a backoff.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer } from '../src/index.js';
import type { Span } from '../src/span.js';
import { otlpExporter, type OtlpExporterOptions } from '../src/otlp-http.js';
import type { ExportResult } from '../src/exporter.js';
import { startReceiver, type Receiver } from './helpers/otlp-receiver.js';
import { CaptureProcessor } from './helpers/capture.js';

const keepAlive = setInterval(() => {}, 1000); // the exporter's timers are unref'd
const cap = new CaptureProcessor();
const tracer = createTracer({ service: 'keepalive-test', processor: cap, env: {} });
function spans(n: number): Span[] {
  cap.spans.length = 0;
  for (let i = 0; i < n; i++) tracer.startSpan('op-' + i, { root: true, attributes: { i } }).end();
  return cap.spans.slice() as Span[];
}
const make = (r: Receiver, o: OtlpExporterOptions = {}) => otlpExporter({ url: r.url, env: {}, timeoutMs: 5000, ...o });
const run = (e: ReturnType<typeof otlpExporter>, s: Span[]) => e.export(s, new AbortController().signal);
const code = (r: ExportResult) => (r.error as { code?: string } | undefined)?.code;
type Counters = { staleSocketRetries: number; failedNetwork: number; retries: number; requests: number; ok: number };
const counters = (e: ReturnType<typeof otlpExporter>) => e.stats() as unknown as Counters;

test('a request on a kept-alive connection the server closed while idle is re-sent once at once on a new connection: delivered, counted, not an attempt', async () => {
  const r = await startReceiver();
  const e = make(r, { retry: false }); // one attempt only: the re-send must not be one
  try {
    assert.equal(await run(e, spans(1)), { ok: true });
    assert.is(r.connections, 1);
    r.closeIdle(); // the server's idle timeout fires; the client has not read the FIN yet when it sends
    const t0 = performance.now();
    const res = await run(e, spans(2));
    assert.equal(res, { ok: true });
    assert.ok(performance.now() - t0 < 1000, 'no backoff');
    const c = counters(e);
    assert.equal([c.staleSocketRetries, c.failedNetwork, c.retries, c.ok], [1, 0, 0, 2]);
    assert.is(r.connections, 2, 'a new connection');
    assert.is(r.spans().length, 3, 'each span once');
  } finally { await e.shutdown(); await r.close(); }
});

test('several idle connections closed at once: the re-send goes on a fresh connection, not on another dead pooled one', async () => {
  const r = await startReceiver();
  const e = make(r, { retry: false });
  try {
    // three exports in flight at once open three connections (maxSockets 4); all go back to the pool
    const first = await Promise.all([run(e, spans(1)), run(e, spans(1)), run(e, spans(1))]);
    assert.ok(first.every((x) => x.ok));
    assert.is(r.connections, 3);
    r.closeIdle();
    assert.equal(await run(e, spans(1)), { ok: true });
    assert.is(counters(e).staleSocketRetries, 1);
    assert.is(r.connections, 4);
  } finally { await e.shutdown(); await r.close(); }
});

test('only once, and only on a reused connection: a fresh connection reset is a network error (retry policy applies), and a re-send that fails too is not re-sent again', async () => {
  const r = await startReceiver({ mode: 'reset' });
  const e = make(r, { retry: false });
  try {
    const fresh = await run(e, spans(1)); // a new connection, reset: no re-send
    assert.is(code(fresh), 'TW_ERR_OTLP_RETRIES_EXHAUSTED');
    assert.equal([counters(e).staleSocketRetries, counters(e).failedNetwork, r.requests.length], [0, 1, 1]);
    await r.setMode('ok');
    assert.equal(await run(e, spans(1)), { ok: true });
    r.closeIdle();
    await r.setMode('reset');
    const res = await run(e, spans(1)); // dead pooled socket, then the new connection is reset too
    assert.is(res.ok, false);
    assert.equal([counters(e).staleSocketRetries, counters(e).failedNetwork], [1, 2]);
  } finally { await e.shutdown(); await r.close(); }
});

test('(cleanup)', () => clearInterval(keepAlive));

test.run();
