// Differential (AC-001): the same raw requests go to an untraced and a traced server of the same configuration;
// the traced one must answer the same status lines in the same order and emit the same events, its final
// responses carrying the trace headers. Covers the checks lib/_http_server.js parserOnIncoming makes before
// 'request' (Node 20 and 24: upgrade, Host, maxRequestsPerSocket, Expect) and HTTP/1.0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import net from 'node:net';
import { createTracer } from '../src/index.js';
import { traceServer } from '../adapters/http.js';
import { CaptureProcessor } from './helpers/capture.js';
import { listen, close } from './helpers/net.js';

type Variant = 'plain' | 'limit1' | 'checkContinue' | 'checkExpectation' | 'upgrade' | 'noHostRequired';

const END = 'GET /end HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'; // ends every exchange unless the server closed first
const CASES: Array<[Variant, string]> = [
  ['plain', 'GET /a HTTP/1.1\r\n\r\n'],
  ['plain', 'POST /a HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n'], // Node: 400, no 100 Continue
  ['plain', 'POST /a HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n'],
  ['plain', 'GET /a HTTP/1.1\r\nExpect: foo\r\n\r\n'],
  ['plain', 'GET /a HTTP/1.1\r\nHost: h\r\nExpect: foo\r\n\r\n'],
  ['plain', 'GET /a HTTP/1.0\r\nExpect: 100-continue\r\n\r\n'], // HTTP/1.0: neither Host nor Expect is checked
  ['plain', 'GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'],
  ['plain', 'GET /a HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'], // no upgrade listener: an ordinary request
  ['limit1', 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\n\r\n'], // Node: 200, then 400 (Host before the limit)
  ['limit1', 'GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n'], // a refused request is not counted: /2 is the first
  ['limit1', 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /2 HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n'],
  ['checkContinue', 'POST /a HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n'],
  ['checkContinue', 'POST /a HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n'],
  ['checkExpectation', 'GET /a HTTP/1.1\r\nExpect: foo\r\n\r\n'],
  ['checkExpectation', 'GET /a HTTP/1.1\r\nHost: h\r\nExpect: foo\r\n\r\n'],
  ['upgrade', 'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'], // upgrade comes before the Host check
  ['noHostRequired', 'GET /a HTTP/1.1\r\n\r\n'],
  ['noHostRequired', 'POST /a HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n'],
];

interface Server { server: http.Server; port: number; events: string[] }

async function make(variant: Variant, traced: boolean): Promise<Server> {
  const events: string[] = [];
  const server = http.createServer({ requireHostHeader: variant !== 'noHostRequired' }, (req, res) => { events.push('request ' + req.url); res.end('ok'); });
  server.on('dropRequest', (req) => events.push('dropRequest ' + req.url));
  if (variant === 'limit1') server.maxRequestsPerSocket = 1;
  if (variant === 'checkContinue') server.on('checkContinue', (req, res) => { events.push('checkContinue ' + req.url); res.writeContinue(); res.end('cc'); });
  if (variant === 'checkExpectation') server.on('checkExpectation', (req, res) => { events.push('checkExpectation ' + req.url); res.writeHead(202); res.end(); });
  if (variant === 'upgrade') server.on('upgrade', (req, socket: net.Socket) => { events.push('upgrade ' + req.url); socket.end('HTTP/1.1 101 Switching Protocols\r\n\r\n'); });
  if (traced) traceServer(createTracer({ service: 'order', processor: new CaptureProcessor() }), server);
  return { server, port: await listen(server), events };
}

/** Everything the server answers to `bytes` until it closes the connection. */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    const t = setTimeout(() => s.destroy(), 3000); // a hang shows as a short answer, not a stuck run
    s.setEncoding('latin1');
    s.on('data', (d) => (out += d));
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(t); resolve(out); });
    s.on('connect', () => s.write(bytes + END));
  });
}

/** Each response head's status line, and whether its head has our trace ID header. */
function heads(out: string): Array<{ status: string; traced: boolean }> {
  const at = [...out.matchAll(/HTTP\/1\.[01] \d{3}[^\r\n]*/g)];
  return at.map((m, i) => {
    const head = out.slice(m.index, at[i + 1]?.index ?? out.length).split('\r\n\r\n')[0]!;
    return { status: m[0], traced: /\r\nx-trace-id: [0-9a-f]{32}\r\n/i.test(head + '\r\n') };
  });
}

/** One case on fresh servers (events and maxRequestsPerSocket counts start from zero). */
async function run(v: Variant, bytes: string): Promise<{ label: string; out: string[]; events: string[][] }> {
  const [plain, traced] = await Promise.all([make(v, false), make(v, true)]);
  try {
    const out = await Promise.all([exchange(plain.port, bytes), exchange(traced.port, bytes)]);
    return { label: `${v}: ${JSON.stringify(bytes)}`, out, events: [plain.events, traced.events] };
  } finally {
    await Promise.all([close(plain.server), close(traced.server)]);
  }
}

test('AC-001 traceServer answers what untraced Node answers, in the same order, with the same events (Host, Expect, maxRequestsPerSocket, upgrade, HTTP/1.0)', async () => {
  const wrong: string[] = []; // every difference at once, not just the first
  for (const { label, out, events } of await Promise.all(CASES.map(([v, bytes]) => run(v, bytes)))) {
    const [plain, traced] = [heads(out[0]!), heads(out[1]!)];
    const p = plain.map((h) => h.status).join(', ');
    const t = traced.map((h) => h.status).join(', ');
    if (plain.length === 0) wrong.push(`${label}: no answer`);
    if (t !== p) wrong.push(`${label}: untraced ${p}; traced ${t}`);
    if (events[1]!.join() !== events[0]!.join()) wrong.push(`${label}: untraced emits ${events[0]!.join(', ')}; traced ${events[1]!.join(', ')}`);
    if (plain.some((h) => h.traced)) wrong.push(`${label}: a trace header untraced`);
    // 100 Continue is an interim head; the 101 is written by the host's upgrade listener on the raw socket
    for (const h of traced) if (h.traced === / 10[01] /.test(h.status)) wrong.push(`${label}: ${h.status} ${h.traced ? 'with' : 'without'} trace header`);
  }
  assert.equal(wrong, []);
});

test.run();
