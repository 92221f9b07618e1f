// Why the ingress adapter adds its response headers the way it does (numbers quoted in adapters/):
//  1. Node's writeHead after an earlier setHeader takes the progressive-header path (every header
//     re-validated through setHeader), far dearer than one flat array passed to writeHead;
//  2. a traceparent built by string concatenation is a rope that Node's header-value regex must
//     flatten first; building it in one buffer gives a flat string;
//  3. the whole adapter per request on an in-memory req/res pair, plain handler vs withTracing.
// Run: node --import ./scripts/register.mjs bench/http/header-cost.ts (not part of npm run bench).
import http from 'node:http';
import net from 'node:net';
import { createTracer, formatTraceparent, type Span } from '../../src/index.js';
import { withTracing } from '../../adapters/http.js';
import { serverTimingValue, TRACE_ID_AT } from '../../adapters/http-server-timing.js';
import { check, runTasks, sink } from '../util.js';

const BATCH = 200;
const sock = new net.Socket();
function pair(url: string): { req: http.IncomingMessage; res: http.ServerResponse } {
  const req = new http.IncomingMessage(sock);
  req.method = 'GET';
  req.url = url;
  req.headers = { host: '127.0.0.1:8080' };
  return { req, res: new http.ServerResponse(req) };
}
const H = { 'content-type': 'text/plain', 'content-length': '2' };
const exporter = { name: 'count', n: 0, async export(s: readonly unknown[]) { this.n += s.length; return { ok: true }; } };
const tracer = createTracer({ service: 'bench', exporter });
const spans = Array.from({ length: 64 }, () => tracer.startSpan('s', { parent: null }) as Span);
let i = 0;
const handler = (_req: http.IncomingMessage, res: http.ServerResponse): void => { res.writeHead(200, H); };
const traced = withTracing(tracer, handler) as typeof handler;

// Preflight: the flat value equals the concatenated one; the traced handler sets the headers.
const s0 = spans[0]!;
check(serverTimingValue(s0) === 'trace;desc=' + formatTraceparent(s0), 'flat server-timing value');
{
  const { req, res } = pair('/');
  traced(req, res);
  const head = (res as unknown as { _header: string })._header; // the serialized head Node will send
  check(/\r\nserver-timing: trace;desc=00-[0-9a-f]{32}-[0-9a-f]{16}-03\r\n/.test(head) && /\r\nx-trace-id: [0-9a-f]{32}\r\n/.test(head), 'trace headers written');
  res.emit('close');
}

await runTasks('http/header-cost', [
  { name: 'writeHead(200, obj), no earlier setHeader', group: 'writeHead', impl: 'ref', batch: BATCH, fn: () => { for (let k = 0; k < BATCH; k++) { const { res } = pair('/'); res.writeHead(200, H); sink.v = res; } } },
  { name: 'setHeader x2 at start, then writeHead(200, obj)', group: 'writeHead', impl: 'ref', batch: BATCH, fn: () => {
    for (let k = 0; k < BATCH; k++) { const { res } = pair('/'); const v = serverTimingValue(spans[i++ & 63]!); res.setHeader('server-timing', v); res.setHeader('x-trace-id', v.slice(TRACE_ID_AT, TRACE_ID_AT + 32)); res.writeHead(200, H); sink.v = res; }
  } },
  { name: 'writeHead(200, flat array incl. the 2 trace headers)', group: 'writeHead', impl: 'tracewire', batch: BATCH, fn: () => {
    for (let k = 0; k < BATCH; k++) { const { res } = pair('/'); const v = serverTimingValue(spans[i++ & 63]!); res.writeHead(200, ['content-type', 'text/plain', 'content-length', '2', 'server-timing', v, 'x-trace-id', v.slice(TRACE_ID_AT, TRACE_ID_AT + 32)]); sink.v = res; }
  } },
  { name: 'set 2 headers, value from formatTraceparent (rope)', group: 'header value', impl: 'ref', batch: BATCH, fn: () => {
    for (let k = 0; k < BATCH; k++) { const { res } = pair('/'); const tp = formatTraceparent(spans[i++ & 63]!); res.setHeader('server-timing', 'trace;desc=' + tp); res.setHeader('x-trace-id', tp.slice(3, 35)); sink.v = res; }
  } },
  { name: 'set 2 headers, value from serverTimingValue (flat)', group: 'header value', impl: 'tracewire', batch: BATCH, fn: () => {
    for (let k = 0; k < BATCH; k++) { const { res } = pair('/'); const v = serverTimingValue(spans[i++ & 63]!); res.setHeader('server-timing', v); res.setHeader('x-trace-id', v.slice(TRACE_ID_AT, TRACE_ID_AT + 32)); sink.v = res; }
  } },
  { name: 'plain handler: req/res + writeHead + close', group: 'adapter', impl: 'ref', batch: BATCH, fn: () => { for (let k = 0; k < BATCH; k++) { const { req, res } = pair('/items?x=' + (k & 7)); handler(req, res); res.emit('close'); } } },
  { name: 'withTracing: span, trace headers, end on close', group: 'adapter', impl: 'tracewire', batch: BATCH, fn: async () => { for (let k = 0; k < BATCH; k++) { const { req, res } = pair('/items?x=' + (k & 7)); traced(req, res); res.emit('close'); } await new Promise((r) => setImmediate(r)); } },
]);
