// End to end, one process: spans from startSpan to bytes acknowledged by a loopback OTLP/HTTP receiver.
//  - throughput: each op = 1024 spans (512 request pairs) started, ended, batched, encoded, POSTed, then
//    forceFlush; reported per span (spans/s = 1e9 / ns).
//  - event-loop delay: perf_hooks.monitorEventLoopDelay p99/max while a producer makes ~20k spans/s for
//    LOAD_MS, exporting under load: a baseline with no tracing, tracewire by default (encode turns of at most
//    0.25 ms), with whole 512-span turns (the earlier default), with 128-span turns, and OTel.
// OTel side: BasicTracerProvider + BatchSpanProcessor (sdk-trace-base) + an exporter written here that
// calls JsonTraceSerializer.serializeRequest and POSTs with node:http on a keep-alive agent, because
// @opentelemetry/exporter-trace-otlp-http is not installed. Both use the same receiver and batch settings.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { trace, ROOT_CONTEXT, SpanKind as OtelKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter as OtelExporter } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { createTracer, SpanKind, type Tracer } from '../src/index.js';
import type { Span } from '../src/span.js';
import { otlpExporter } from '../src/otlp-http.js';
import { runTasks, check, QUICK } from './util.js';

const PAIRS_PER_OP = 512;
const LOAD_MS = Number(process.env.E2E_LOAD_MS ?? (QUICK ? 50 : 1000));
const BATCH = { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 5000, exportTimeoutMillis: 30000 };

// ---- loopback receiver: drains the body, counts bytes, answers {} ----
let received = 0;
const receiver = http.createServer((req, res) => {
  req.on('data', (d: Buffer) => { received += d.length; });
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;

// ---- tracewire ----
function twTracer(sliceSize?: number, sliceBudgetMs?: number): Tracer {
  return createTracer({ service: 'e2e', exporter: otlpExporter({ url, env: {}, sliceSize, sliceBudgetMs }), batch: BATCH, env: {}, logger: () => {} });
}
function twPair(t: Tracer, i: number): void {
  const server = t.startSpan('GET /api/items/:id', { kind: SpanKind.SERVER, root: true, attributes: {
    'http.request.method': 'GET', 'url.path': `/api/items/${i}`, 'http.route': '/api/items/:id', 'http.response.status_code': 200,
    'server.address': 'api.example.com', 'network.protocol.version': '1.1' } }) as Span;
  const client = t.startSpan('GET', { kind: SpanKind.CLIENT, parent: server, attributes: {
    'http.request.method': 'GET', 'url.full': `http://inventory.internal:8080/stock/${i}`, 'server.address': 'inventory.internal',
    'server.port': 8080, 'http.response.status_code': i % 16 === 0 ? 503 : 200, 'network.peer.address': '10.0.0.7' } }) as Span;
  if (i % 16 === 0) { client.setStatus(2, 'upstream unavailable'); server.setStatus(2, 'dependency failed'); }
  else { client.setStatus(1); server.setStatus(1); }
  client.end();
  server.end();
}

// ---- OTel ----
class OtelJsonHttpExporter implements OtelExporter {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  exported = 0;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    const body = JsonTraceSerializer.serializeRequest(spans)!;
    this.inFlight++;
    const settle = (r: ExportResult): void => {
      if (--this.inFlight === 0) for (const w of this.waiters.splice(0)) w();
      done(r);
    };
    const req = http.request(url, { method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => { this.exported += spans.length; settle({ code: res.statusCode === 200 ? ExportResultCode.SUCCESS : ExportResultCode.FAILED }); });
    });
    req.on('error', (error) => settle({ code: ExportResultCode.FAILED, error }));
    req.end(body);
  }
  /** Resolves when no export is in flight: the BSP's forceFlush does not wait for the batch it started itself at 512 spans. */
  idle(): Promise<void> { return this.inFlight === 0 ? Promise.resolve() : new Promise((r) => void this.waiters.push(r)); }
  async shutdown(): Promise<void> { this.agent.destroy(); }
  async forceFlush(): Promise<void> {}
}
function otelProvider() {
  const exporter = new OtelJsonHttpExporter();
  const bsp = new BatchSpanProcessor(exporter, BATCH);
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'e2e' }), spanProcessors: [bsp] });
  return { provider, exporter, bsp, tracer: provider.getTracer('e2e', '1.0.0') };
}
type OtelTracer = ReturnType<typeof otelProvider>['tracer'];
function otelPair(t: OtelTracer, i: number): void {
  const server = t.startSpan('GET /api/items/:id', { kind: OtelKind.SERVER, attributes: {
    'http.request.method': 'GET', 'url.path': `/api/items/${i}`, 'http.route': '/api/items/:id', 'http.response.status_code': 200,
    'server.address': 'api.example.com', 'network.protocol.version': '1.1' } }, ROOT_CONTEXT);
  const client = t.startSpan('GET', { kind: OtelKind.CLIENT, attributes: {
    'http.request.method': 'GET', 'url.full': `http://inventory.internal:8080/stock/${i}`, 'server.address': 'inventory.internal',
    'server.port': 8080, 'http.response.status_code': i % 16 === 0 ? 503 : 200, 'network.peer.address': '10.0.0.7' } }, trace.setSpan(ROOT_CONTEXT, server));
  if (i % 16 === 0) { client.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream unavailable' }); server.setStatus({ code: SpanStatusCode.ERROR, message: 'dependency failed' }); }
  else { client.setStatus({ code: SpanStatusCode.OK }); server.setStatus({ code: SpanStatusCode.OK }); }
  client.end();
  server.end();
}

const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

// Preflight: both deliver every span of one op to the receiver.
const tw = twTracer();
const otel = otelProvider();
let n = 0;
for (let i = 0; i < PAIRS_PER_OP; i++) twPair(tw, n++);
await tw.forceFlush();
check(tw.stats().exported === 2 * PAIRS_PER_OP && received > 0, 'tracewire exported one op');
for (let i = 0; i < PAIRS_PER_OP; i++) otelPair(otel.tracer, n++);
await otel.provider.forceFlush();
await otel.exporter.idle();
check(otel.exporter.exported === 2 * PAIRS_PER_OP, 'otel exported one op');

// ---- event-loop delay under export load ----
async function loopDelay(produce: (i: number) => void, flush: () => Promise<void>): Promise<{ p99Ms: number; maxMs: number; spansPerSec: number }> {
  await flush();
  const h = monitorEventLoopDelay({ resolution: 1 });
  let made = 0;
  const t0 = Date.now();
  h.enable();
  await new Promise<void>((resolve) => {
    const iv = setInterval(() => {
      for (let k = 0; k < 20; k++) produce(made++); // 20 pairs = 40 spans every 2 ms ≈ 20k spans/s
      if (Date.now() - t0 >= LOAD_MS) { clearInterval(iv); resolve(); }
    }, 2);
  });
  await flush();
  h.disable();
  return { p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6, spansPerSec: (2 * made) / ((Date.now() - t0) / 1000) };
}
const twSliced = twTracer(128, 1e6);
const twWhole = twTracer(512, 1e6);
const twDefault = twTracer();
const modes: Record<string, [(i: number) => void, () => Promise<void>]> = {
  baselineNoTracing: [() => {}, async () => {}],
  tracewireDefault: [(i) => twPair(twDefault, i), () => twDefault.forceFlush()],
  tracewireWhole512: [(i) => twPair(twWhole, i), () => twWhole.forceFlush()],
  tracewireSliced128: [(i) => twPair(twSliced, i), () => twSliced.forceFlush()],
  otel: [(i) => otelPair(otel.tracer, i), () => otel.provider.forceFlush().then(() => otel.exporter.idle())],
};
// Modes take turns (order rotated each round, DELAY_ROUNDS rounds of LOAD_MS): the first mode to run
// otherwise pays the warm-up (measured +0.35 ms p99 for whichever tracewire mode came first).
const ROUNDS_DELAY = Number(process.env.DELAY_ROUNDS ?? (QUICK ? 1 : 4));
const names = Object.keys(modes);
const perMode: Record<string, { p99Ms: number; maxMs: number; spansPerSec: number }[]> = {};
for (let r = 0; r < ROUNDS_DELAY; r++) {
  for (let k = 0; k < names.length; k++) {
    const m = names[(k + r) % names.length]!;
    (perMode[m] ??= []).push(await loopDelay(modes[m]![0], modes[m]![1]));
  }
}
const med = (xs: number[]): number => { const v = [...xs].sort((a, b) => a - b); return v.length % 2 ? v[v.length >> 1]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2; };
const delay = Object.fromEntries(names.map((m) => [m, { p99Ms: med(perMode[m]!.map((x) => x.p99Ms)), maxMs: med(perMode[m]!.map((x) => x.maxMs)), spansPerSec: med(perMode[m]!.map((x) => x.spansPerSec)), p99sMs: perMode[m]!.map((x) => x.p99Ms) }]));
const dropped = { tracewire: tw.stats().dropped, tracewireDefault: twDefault.stats().dropped, tracewireWhole512: twWhole.stats().dropped, tracewireSliced128: twSliced.stats().dropped };

let otelOps = 0;
const otelBefore = otel.exporter.exported; // the load modes above share this provider
await runTasks('export-e2e', [
  { name: 'tracewire startSpan→OTLP bytes acked, per span (1024/op)', group: 'e2e', impl: 'tracewire', batch: 2 * PAIRS_PER_OP,
    async fn() { for (let i = 0; i < PAIRS_PER_OP; i++) { twPair(tw, n++); if ((i & 127) === 127) await yieldLoop(); } await tw.forceFlush(); } },
  { name: 'otel BSP + JsonTraceSerializer + http POST, per span (1024/op)', group: 'e2e', impl: 'otel', batch: 2 * PAIRS_PER_OP,
    async fn() { for (let i = 0; i < PAIRS_PER_OP; i++) { otelPair(otel.tracer, n++); if ((i & 127) === 127) await yieldLoop(); } await otel.provider.forceFlush(); await otel.exporter.idle(); otelOps++; } },
], { eventLoopDelayUnderLoad: delay, loadMs: LOAD_MS, receivedBytes: received, tracewireDrops: dropped, tracewireStats: { exported: tw.stats().exported, queued: tw.stats().queued } });
for (const [k, v] of Object.entries(delay)) console.error(`event-loop delay ${k.padEnd(20)} p99 ${v.p99Ms.toFixed(2)} ms (median of ${ROUNDS_DELAY} rounds: ${v.p99sMs.map((x) => x.toFixed(2)).join(' ')})  max ${v.maxMs.toFixed(2)} ms  (${Math.round(v.spansPerSec)} spans/s produced)`);

// After the run: every span of the timed ops reached the receiver on both sides (a dropped span is a cheaper one).
const twSt = tw.stats();
check(twSt.exported === twSt.ended && twSt.queued === 0, `tracewire: every span exported (${twSt.exported} of ${twSt.ended}, dropped ${JSON.stringify(twSt.dropped)})`);
check(otel.exporter.exported - otelBefore === otelOps * 2 * PAIRS_PER_OP && (otel.bsp as unknown as { _droppedSpansCount: number })._droppedSpansCount === 0, `otel: every span exported (${otel.exporter.exported - otelBefore} of ${otelOps * 2 * PAIRS_PER_OP})`);

await Promise.all([tw.shutdown({ deadlineMs: 1000 }), twSliced.shutdown({ deadlineMs: 1000 }), twWhole.shutdown({ deadlineMs: 1000 }), twDefault.shutdown({ deadlineMs: 1000 }), otel.provider.shutdown()]);
receiver.closeAllConnections();
receiver.close();
