// node:http client requests over a Unix domain socket (`http.request({ socketPath, path })`: the Docker API, a
// local sidecar): the CLIENT span names the socket it reached, not the `localhost` Node writes into the Host header
// (semconv: server.address is the "Unix domain socket name", network.transport "unix"), with no port.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTracer, SpanKind, SpanStatusCode, type Span } from '../src/index.js';
import { traceHttpClient, withTracing } from '../adapters/http.js';
import { clientStartAttrs, fillSocketAttrs, isNamedPipe, socketName } from '../adapters/http-attrs.js';
import { CaptureProcessor } from './helpers/capture.js';
import { close } from './helpers/net.js';

const dir = mkdtempSync(join(tmpdir(), 'tracewire-unix-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function listenOn(server: http.Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => { server.once('error', reject); server.listen(path, () => resolve()); });
}
interface Reply { status: number; body: string }
function call(opts: http.RequestOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent: false, ...opts }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
async function settle(cap: CaptureProcessor, n: number): Promise<void> {
  for (let i = 0; i < 200 && cap.spans.length < n; i++) await new Promise((r) => setTimeout(r, 5));
}

test('AC-003 a request over a Unix socket: server.address is the socket path, network.transport unix, no port; the callee sees the CLIENT span as parent', async () => {
  const sock = join(dir, 'api.sock');
  const capA = new CaptureProcessor();
  const capB = new CaptureProcessor();
  const a = createTracer({ service: 'caller', processor: capA });
  const b = createTracer({ service: 'daemon', processor: capB });
  const seen: string[] = [];
  const server = http.createServer(withTracing(b, (req, res) => { seen.push(req.headers.host ?? ''); res.statusCode = req.url!.startsWith('/missing') ? 404 : 200; res.end('ok'); }) as http.RequestListener);
  await listenOn(server, sock);
  const undo = traceHttpClient(a);
  try {
    const r1 = await call({ socketPath: sock, path: '/v1/containers?token=s3cr3t&all=1' });
    // host/port options over a socket only make the Host header (Node connects to socketPath alone)
    const r2 = await call({ socketPath: sock, host: 'api.local', port: 8080, path: '/missing?sig=abc' });
    await settle(capA, 2);
    await settle(capB, 2);
    assert.is(r1.body, 'ok');
    assert.is(r2.status, 404);
    assert.equal(seen, ['localhost', 'api.local:8080'], 'the Host headers Node sent (unchanged by tracing)');
  } finally {
    undo();
    await close(server);
  }
  const [c1, c2] = capA.spans as [Span, Span];
  assert.is(c1.kind, SpanKind.CLIENT);
  assert.is(c1.name, 'GET');
  // url.full: the URI the request names (its Host header's authority, no port invented), never the query
  assert.equal(c1.attributes, {
    'http.request.method': 'GET', 'server.address': sock, 'network.transport': 'unix',
    'url.full': 'http://localhost/v1/containers', 'http.response.status_code': 200,
  });
  assert.equal(c2.attributes, {
    'http.request.method': 'GET', 'server.address': sock, 'network.transport': 'unix',
    'url.full': 'http://api.local:8080/missing', 'http.response.status_code': 404, 'error.type': '404',
  });
  assert.is(c2.status, SpanStatusCode.ERROR);
  const [s1, s2] = capB.spans as [Span, Span];
  assert.is(s1.traceId, c1.traceId);
  assert.is(s1.parentSpanId, c1.spanId, 'traceparent injected over the socket');
  assert.is(s2.parentSpanId, c2.spanId);
  const dump = JSON.stringify([...capA.spans, ...capB.spans].map((s) => s.attributes));
  for (const secret of ['s3cr3t', 'token', 'all=1', 'sig=', 'abc']) assert.not.ok(dump.includes(secret), secret);
});

test('AC-003 a Unix socket nobody listens on: the error is the caller\'s, the span names the socket; ignoreHosts matches the socket path', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const gone = join(dir, 'gone.sock');
  let undo = traceHttpClient(tracer);
  const err = await call({ socketPath: gone, path: '/ping' }).then(() => null, (e: NodeJS.ErrnoException) => e);
  await settle(cap, 1);
  undo();
  assert.is(err?.code, 'ENOENT', 'the caller still gets its error');
  assert.is(cap.spans.length, 1);
  const s = cap.spans[0]!;
  assert.is(s.getAttribute('server.address'), gone);
  assert.is(s.getAttribute('network.transport'), 'unix');
  assert.is(s.getAttribute('server.port'), undefined);
  assert.is(s.getAttribute('error.type'), 'ENOENT');

  const sock = join(dir, 'ignored.sock');
  const server = http.createServer((_req, res) => res.end('ok'));
  await listenOn(server, sock);
  undo = traceHttpClient(tracer, { ignoreHosts: [sock] });
  try {
    assert.is((await call({ socketPath: sock, path: '/' })).body, 'ok');
  } finally {
    undo();
    await close(server);
  }
  await new Promise((r) => setTimeout(r, 20));
  assert.is(cap.spans.length, 1, 'a request to an ignored socket path is not traced');
});

test('AC-003 a TCP request keeps server.port and has no network.transport (the start attributes are reset between requests)', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const sock = join(dir, 'mixed.sock');
  const unixServer = http.createServer((_req, res) => res.end('u'));
  await listenOn(unixServer, sock);
  const tcpServer = http.createServer((_req, res) => res.end('t'));
  await new Promise<void>((r) => tcpServer.listen(0, '127.0.0.1', r));
  const port = (tcpServer.address() as { port: number }).port;
  const undo = traceHttpClient(tracer);
  try {
    await call({ socketPath: sock, path: '/' });
    await call({ host: '127.0.0.1', port, path: '/' });
  } finally {
    undo();
    await close(unixServer);
    await close(tcpServer);
  }
  await settle(cap, 2);
  const tcp = cap.spans.find((s) => s.getAttribute('server.address') === '127.0.0.1')!;
  assert.equal(tcp.attributes, { 'http.request.method': 'GET', 'server.address': '127.0.0.1', 'server.port': port, 'url.full': `http://127.0.0.1:${port}/`, 'http.response.status_code': 200 });
});

test('AC-003 a Linux abstract socket (leading NUL) is recorded as @name, a Windows named pipe as network.transport pipe', async () => {
  assert.is(socketName('/run/docker.sock'), '/run/docker.sock');
  assert.is(socketName('\0tracewire-abstract'), '@tracewire-abstract');
  assert.not.ok(isNamedPipe('/run/docker.sock'));
  assert.ok(isNamedPipe('\\\\.\\pipe\\docker_engine'));
  assert.ok(isNamedPipe('\\\\?\\PIPE\\x'));
  assert.not.ok(isNamedPipe('\\\\.\\pipes\\x'), 'not the pipe namespace');
  const a = clientStartAttrs();
  fillSocketAttrs(a, '\\\\.\\pipe\\docker_engine');
  assert.equal([a['server.address'], a['server.port'], a['network.transport']], ['\\\\.\\pipe\\docker_engine', undefined, 'pipe']);
  if (process.platform !== 'linux') return;
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const name = `\0tracewire-test-${process.pid}`;
  const server = http.createServer((_req, res) => res.end('ok'));
  await listenOn(server, name);
  const undo = traceHttpClient(tracer);
  try {
    assert.is((await call({ socketPath: name, path: '/' })).body, 'ok');
  } finally {
    undo();
    await close(server);
  }
  await settle(cap, 1);
  assert.is(cap.spans[0]!.getAttribute('server.address'), `@tracewire-test-${process.pid}`);
  assert.not.ok(JSON.stringify(cap.spans[0]!.attributes).includes('\\u0000'), 'no NUL in an attribute');
});

test.run();
