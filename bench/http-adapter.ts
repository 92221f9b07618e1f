// The ingress adapter's own cost, in one process and without sockets (npm run bench:http:adapter): a plain
// handler vs the same handler under withTracing, on in-memory IncomingMessage/ServerResponse pairs built the
// way Node's parser builds them (rawHeaders, req.headers lazy), paired in alternating rounds. The server-level
// benches (bench:http, bench:http:interleave) carry ±5 µs/req of noise on this VM; this carries ~±0.2 µs.
//
// env: R (rounds, 300), N (requests per round, 500), OFF=1 (unsampled), TW_OPTS (JSON ServerTracingOptions),
// RAW5=1 (5 request headers instead of autocannon's 2). Run it on another Node with NODE_BIN-style:
// `$(node scripts/bench-node.mjs 24) --import ./scripts/register.mjs bench/http-adapter.ts`.
import http from 'node:http';
import net from 'node:net';
import { createTracer, alwaysOff } from '../src/index.js';
import { withTracing } from '../adapters/http-server.js';
import { check, sink } from './util.js';

const sock = new net.Socket();
const RAW = process.env.RAW5 ? ['Host', '127.0.0.1:8080', 'User-Agent', 'curl/8.5', 'Accept', '*/*', 'Accept-Encoding', 'gzip, deflate', 'Connection', 'keep-alive'] : ['Host', '127.0.0.1:8080', 'Connection', 'keep-alive'];
function pair(url: string): { req: http.IncomingMessage; res: http.ServerResponse } {
  const req = new http.IncomingMessage(sock);
  req.method = 'GET'; req.url = url; req.httpVersionMajor = 1; req.httpVersionMinor = 1; req.httpVersion = '1.1';
  (req as unknown as { _addHeaderLines(h: string[], n: number): void })._addHeaderLines(RAW, RAW.length);
  const res = new http.ServerResponse(req);
  // Node assigns the connection's socket before 'request' (parserOnIncoming) unless the response is pipelined
  // behind another; unconnected, it still buffers the head as before. Without it every response looked queued.
  (res as unknown as { socket: net.Socket }).socket = sock;
  return { req, res };
}
const H = { 'content-type': 'text/plain', 'content-length': '2' };
const exporter = { name: 'count', n: 0, async export(s: readonly unknown[]) { this.n += s.length; return { ok: true }; } };
const tracer = createTracer({ service: 'bench', exporter, ...(process.env.OFF ? { sampler: alwaysOff } : {}) });
const handler = (_req: http.IncomingMessage, res: http.ServerResponse): void => { res.writeHead(200, H); res.end(); };
const traced = withTracing(tracer, handler, process.env.TW_OPTS ? JSON.parse(process.env.TW_OPTS) : undefined) as typeof handler;

{ // preflight: the traced handler really traces and answers with the trace headers
  const { req, res } = pair('/p?secret=1');
  traced(req, res);
  res.emit('close');
  check(typeof res.getHeader('x-trace-id') === 'string' || /x-trace-id/.test((res as unknown as { _header: string })._header ?? ''), 'x-trace-id sent');
  check(tracer.stats().ended === (process.env.OFF ? 0 : 1), 'one span ended');
}

const N = Number(process.env.N ?? 500);
async function run(h: typeof handler): Promise<number> {
  const t = process.hrtime.bigint();
  for (let k = 0; k < N; k++) { const { req, res } = pair('/'); h(req, res); res.emit('close'); sink.v = res; }
  await new Promise((r) => setImmediate(r)); // the batcher's export turn
  return Number(process.hrtime.bigint() - t) / N;
}
const ROUNDS = Number(process.env.R ?? 300);
for (let i = 0; i < 50; i++) { await run(handler); await run(traced); }
const added: number[] = [], plain: number[] = [], tr: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const a = i & 1 ? await run(handler) : 0; // plain before or after, alternating: no order bias
  const b = await run(traced);
  const c = i & 1 ? 0 : await run(handler);
  const p = a || c;
  plain.push(p); tr.push(b); added.push(b - p);
}
const med = (x: number[]): number => { const s = [...x].sort((u, v) => u - v); return s[s.length >> 1]!; };
const st = tracer.stats();
check(st.dropped.queueFull === 0, 'no span dropped');
const out = { file: 'http-adapter', node: process.version, rounds: ROUNDS, perRound: N, unsampled: !!process.env.OFF, plainNs: med(plain), tracedNs: med(tr), addedNs: med(added), spans: st.ended };
console.log('RESULT ' + JSON.stringify(out));
console.error(`${process.version}${out.unsampled ? ' unsampled' : ''}: plain ${out.plainNs.toFixed(0)} ns, traced ${out.tracedNs.toFixed(0)} ns, added ${out.addedNs.toFixed(0)} ns per request (median of ${ROUNDS} paired rounds of ${N}); spans ${st.ended}, exported ${exporter.n}`);
