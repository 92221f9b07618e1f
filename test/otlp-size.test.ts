// Request and response sizes of the OTLP/HTTP exporter: a large 2xx body is not JSON-parsed on the event loop.
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
