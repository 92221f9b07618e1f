// node:http server answering 200 'ok' to every request, on 127.0.0.1 only (the baseline's server.mjs,
// plus tracewire modes). SERVER_MODE = plain | tracewire | tracewire-otlp | otel (also tracewire-bare: no trace
// response headers, which OTel does not send either; attribution only; plain-headers: plain plus those two
// headers, no tracing). Driven over IPC by
// ../http-overhead.ts (also `als`: the context cost alone); reports requests, spans and process.cpuUsage() between 'mark' and 'report'.
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import type { AddressInfo } from 'node:net';

const MODE = process.env.SERVER_MODE ?? 'plain';
setTimeout(() => process.exit(3), Number(process.env.SERVER_MAX_LIFETIME_MS ?? 300_000)).unref();
process.on('disconnect', () => process.exit(0));

type Handler = (req: Http.IncomingMessage, res: Http.ServerResponse) => void;
let spans = (): number => 0;
let dropped = (): number => 0;
let shutdown = (): Promise<void> => Promise.resolve();
let wrap = (h: Handler): Handler => h;

if (MODE === 'otel') {
  const registerPath = './otel-register.mjs'; // plain JS from the baseline: typed here
  const otel = (await import(registerPath)) as { exporter: { exportedSpans: number }; bsp: { _finishedSpans: unknown[] }; provider: { shutdown(): Promise<void> } };
  spans = () => otel.exporter.exportedSpans + otel.bsp._finishedSpans.length;
  shutdown = () => otel.provider.shutdown();
} else if (MODE === 'als') {
  // Attribution only: AsyncLocalStorage enabled and entered per request, no span (the context cost alone).
  const { storage } = await import('../../src/context.js');
  const ctx = { t0: 1, t1: 0, t2: 0, t3: 0, s0: 1, s1: 0, traceFlags: 1, isRemote: false, traceState: null, traceId: '', spanId: '' };
  wrap = (h) => (req, res) => { storage.enterWith(ctx); h(req, res); };
} else if (MODE === 'tracewire' || MODE === 'tracewire-otlp' || MODE === 'tracewire-bare') {
  const { createTracer } = await import('../../src/index.js');
  const { withTracing } = await import('../../adapters/http.js');
  let exporter;
  let counted = { n: 0 };
  if (MODE !== 'tracewire-otlp') {
    // Same as the OTel setup: a batcher in front of an exporter that only counts and succeeds.
    const c = { n: 0 };
    counted = c;
    exporter = { name: 'count', async export(s: readonly unknown[]) { c.n += s.length; return { ok: true }; } };
  } else {
    const { otlpExporter } = await import('../../src/otlp-http.js');
    exporter = otlpExporter({ url: `http://127.0.0.1:${process.env.SINK_PORT}/v1/traces` });
  }
  // Attribution knobs (not used by the default run): TW_OPTS = withTracing options as JSON,
  // TW_SAMPLER=off (every span unsampled), TW_PROCESSOR=drop (ended spans dropped, no batcher).
  const { alwaysOff } = await import('../../src/index.js');
  const drop = { onEnd() {}, async forceFlush() {}, async shutdown() {}, stats: () => ({ enqueued: 0, exported: 0, queued: 0, dropped: { queueFull: 0, exportFailed: 0, shutdown: 0, noExporter: 0 } }) };
  const tracer = createTracer({ service: 'tracewire-bench', exporter, sampler: process.env.TW_SAMPLER === 'off' ? alwaysOff : undefined, processor: process.env.TW_PROCESSOR === 'drop' ? drop : undefined });
  const twOpts = process.env.TW_OPTS ? JSON.parse(process.env.TW_OPTS) : MODE === 'tracewire-bare' ? { serverTimingHeader: false, traceIdHeader: false } : undefined;
  spans = () => { const s = tracer.stats(); return (MODE !== 'tracewire-otlp' ? counted.n : s.exported) + s.queued; };
  dropped = () => { const d = tracer.stats().dropped; return d.queueFull + d.exportFailed + d.shutdown + d.noExporter; };
  shutdown = () => tracer.shutdown({ deadlineMs: 2000 });
  wrap = (h) => withTracing(tracer, h, twOpts) as Handler;
}
// `http` is required only now, after OTel (if any) has hooked require().
const http = createRequire(import.meta.url)('http') as typeof Http;
if (MODE === 'otel' && !(http.Server.prototype.emit as { __wrapped?: boolean }).__wrapped) throw new Error('http is not instrumented');

// plain-headers: the plain handler also writes the two AC-001 response headers tracewire adds by default,
// same names and lengths, no tracing at all: what Node itself charges for them (a floor for the adapter).
const TIMING = 'trace;desc=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
let requests = 0;
const server = http.createServer(MODE === 'plain-headers'
  ? (_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2', 'server-timing': TIMING, 'x-trace-id': TRACE_ID });
    res.end('ok');
  }
  : wrap((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
    res.end('ok');
  }));

let mark = { cpu: process.cpuUsage(), requests: 0, spans: 0, dropped: 0, t: process.hrtime.bigint() };
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'mark') {
    mark = { cpu: process.cpuUsage(), requests, spans: spans(), dropped: dropped(), t: process.hrtime.bigint() };
    process.send!({ type: 'marked' });
  } else if (m.cmd === 'report') {
    const cpu = process.cpuUsage(mark.cpu);
    process.send!({
      type: 'report', mode: MODE, node: process.version, requests: requests - mark.requests, spans: spans() - mark.spans, dropped: dropped() - mark.dropped,
      cpuUserUs: cpu.user, cpuSystemUs: cpu.system, wallMs: Number(process.hrtime.bigint() - mark.t) / 1e6, rssMiB: process.memoryUsage().rss / 2 ** 20,
    });
  } else if (m.cmd === 'stop') {
    server.close();
    server.closeAllConnections();
    const done = (): never => process.exit(0);
    shutdown().then(done, done);
  }
});
server.listen(0, '127.0.0.1', () => process.send!({ type: 'ready', port: (server.address() as AddressInfo).port, pid: process.pid, mode: MODE, node: process.version }));
