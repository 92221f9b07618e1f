// A traced server listening on a Unix domain socket (`server.listen('/run/app.sock')`, behind nginx or a sidecar):
// there is no port (semconv: server.port is not recorded; socket.localPort is undefined there), the transport is
// `unix` (semconv network.transport, recommended when not the default tcp), and a request without a Host header
// names the socket it came in on as server.address, as the node:http client records a `socketPath` request.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTracer, type Span } from '../src/index.js';
import { withTracing } from '../adapters/http.js';
import { CaptureProcessor } from './helpers/capture.js';
import { close, listen } from './helpers/net.js';

const dir = mkdtempSync(join(tmpdir(), 'tracewire-unix-server-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function listenOn(server: net.Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => { server.once('error', reject); server.listen(path, () => resolve()); });
}
function call(opts: http.RequestOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent: false, ...opts }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}
/** A raw HTTP/1.0 request with no Host header (valid in 1.0: RFC 9112 §3.2 requires Host of 1.1 only). */
function hostless(connect: () => net.Socket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect();
    let out = '';
    s.on('connect', () => s.write(`GET ${path} HTTP/1.0\r\n\r\n`));
    s.setEncoding('latin1');
    s.on('data', (d: string) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}
async function settle(cap: CaptureProcessor, n: number): Promise<void> {
  for (let i = 0; i < 200 && cap.spans.length < n; i++) await new Promise((r) => setTimeout(r, 5));
}
const byPath = (cap: CaptureProcessor, path: string): Span => cap.spans.find((s) => s.getAttribute('url.path') === path)!;

test('AC-003 a server on a Unix socket: no server.port (not 0), network.transport unix; the Host header still names the server', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'daemon', processor: cap });
  const sock = join(dir, 'app.sock');
  const server = http.createServer(withTracing(tracer, (_req, res) => res.end('ok')) as http.RequestListener);
  await listenOn(server, sock);
  try {
    assert.is(await call({ socketPath: sock, path: '/local' }), 'ok'); // Host: localhost
    assert.is(await call({ socketPath: sock, host: 'api.example', port: 8443, path: '/proxied' }), 'ok'); // Host: api.example:8443
    const raw = await hostless(() => net.connect(sock), '/hostless');
    assert.ok(raw.startsWith('HTTP/1.1 200'), raw);
    await settle(cap, 3);
  } finally {
    await close(server);
  }
  assert.equal(byPath(cap, '/local').attributes, {
    'http.request.method': 'GET', 'url.path': '/local', 'url.scheme': 'http', 'server.address': 'localhost',
    'network.transport': 'unix', 'http.response.status_code': 200,
  });
  assert.equal(byPath(cap, '/proxied').attributes, {
    'http.request.method': 'GET', 'url.path': '/proxied', 'url.scheme': 'http', 'server.address': 'api.example', 'server.port': 8443,
    'network.transport': 'unix', 'http.response.status_code': 200,
  }, 'a port the Host header names is the server.port semconv asks for');
  assert.equal(byPath(cap, '/hostless').attributes, {
    'http.request.method': 'GET', 'url.path': '/hostless', 'url.scheme': 'http', 'server.address': sock,
    'network.transport': 'unix', 'http.response.status_code': 200,
  }, 'no Host: the socket the request came in on, as the client records a socketPath request');
});

test('AC-003 one handler on a Unix socket and on TCP: the TCP spans keep server.port and record no network.transport', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'daemon', processor: cap });
  const handler = withTracing(tracer, (_req, res) => res.end('ok')) as http.RequestListener;
  const sock = join(dir, 'both.sock');
  const unixServer = http.createServer(handler);
  await listenOn(unixServer, sock);
  const tcpServer = http.createServer(handler);
  const port = await listen(tcpServer);
  try {
    await call({ socketPath: sock, path: '/u1' });
    await call({ host: '127.0.0.1', port, path: '/t1' });
    await hostless(() => net.connect(port, '127.0.0.1'), '/t2');
    await hostless(() => net.connect(sock), '/u2');
    await call({ host: '127.0.0.1', port, path: '/t3', headers: { host: 'example.org' } }); // Host without a port: the socket's
    await settle(cap, 5);
  } finally {
    await close(unixServer);
    await close(tcpServer);
  }
  assert.is(byPath(cap, '/u1').getAttribute('network.transport'), 'unix');
  assert.is(byPath(cap, '/u2').getAttribute('network.transport'), 'unix');
  assert.is(byPath(cap, '/u2').getAttribute('server.port'), undefined);
  for (const p of ['/t1', '/t2', '/t3']) {
    const s = byPath(cap, p);
    assert.is(s.getAttribute('network.transport'), undefined, p);
    assert.is(s.getAttribute('server.port'), port, p);
  }
  assert.is(byPath(cap, '/t2').getAttribute('server.address'), '127.0.0.1');
});

test('AC-003 a Linux abstract socket is named @name; an h2c server on a Unix socket records no port either', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'daemon', processor: cap });
  if (process.platform === 'linux') {
    const name = `\0tracewire-server-${process.pid}`;
    const server = http.createServer(withTracing(tracer, (_req, res) => res.end('ok')) as http.RequestListener);
    await listenOn(server, name);
    try {
      await hostless(() => net.connect(name), '/abstract');
      await settle(cap, 1);
    } finally {
      await close(server);
    }
    const s = byPath(cap, '/abstract');
    assert.is(s.getAttribute('server.address'), `@tracewire-server-${process.pid}`);
    assert.is(s.getAttribute('network.transport'), 'unix');
    assert.not.ok(JSON.stringify(s.attributes).includes('\\u0000'), 'no NUL in an attribute');
  }
  const sock = join(dir, 'h2.sock');
  const h2 = http2.createServer(withTracing(tracer, (_req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => res.end('ok')));
  await listenOn(h2, sock);
  const session = http2.connect('http://localhost', { createConnection: () => net.connect(sock) });
  try {
    await new Promise<void>((resolve, reject) => {
      const st = session.request({ ':path': '/h2', ':authority': 'localhost' }); // node:http2 would send localhost:80
      st.resume();
      st.on('close', () => resolve());
      st.on('error', reject);
    });
    await settle(cap, process.platform === 'linux' ? 2 : 1);
  } finally {
    session.close();
    await new Promise<void>((r) => h2.close(() => r()));
  }
  const s = byPath(cap, '/h2');
  assert.is(s.getAttribute('server.address'), 'localhost', ':authority');
  assert.is(s.getAttribute('server.port'), undefined);
  assert.is(s.getAttribute('network.transport'), 'unix');
  assert.is(s.getAttribute('network.protocol.version'), '2');
});

test.run();
