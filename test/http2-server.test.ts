// withTracing on node:http2 compatibility-API servers (`http2.createServer((req, res) => …)`, createSecureServer with
// allowHTTP1): trace headers on every response, the span named from the pseudo-headers (:authority, not Host),
// network.protocol.version 2, aborted streams, and the request span active in the body listeners. h2c on loopback,
// node:http2's own client.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http2, { type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createTracer, SpanKind, SpanStatusCode, type Span } from '../src/index.js';
import { storage } from '../src/context.js';
import { withTracing, untraceServer, getRequestSpan, setRoute } from '../adapters/http.js';
import { CaptureProcessor } from './helpers/capture.js';
import { makePki } from './helpers/certs.js';

const PARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
type Server = http2.Http2Server | http2.Http2SecureServer;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
interface H2Reply { headers: http2.IncomingHttpHeaders; body: string; rst?: number }
/** One request on `session`; with `cancelWhen`, the client resets the stream (RST_STREAM CANCEL) once it settles. */
function h2(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string, cancelWhen?: Promise<unknown>): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const s = session.request(headers, { endStream: body === undefined && cancelWhen === undefined });
    let h: http2.IncomingHttpHeaders = {};
    let b = '';
    s.on('response', (r) => (h = r));
    s.setEncoding('utf8');
    s.on('data', (d: string) => (b += d));
    s.on('close', () => resolve({ headers: h, body: b, rst: s.rstCode }));
    s.on('error', (e: NodeJS.ErrnoException) => { if (e.code !== 'ERR_HTTP2_STREAM_ERROR') reject(e); });
    if (body !== undefined) s.end(body);
    if (cancelWhen !== undefined) void cancelWhen.then(() => setTimeout(() => s.close(http2.constants.NGHTTP2_CANCEL), 10));
  });
}
async function settle(cap: CaptureProcessor, n: number): Promise<void> {
  for (let i = 0; i < 200 && cap.spans.length < n; i++) await new Promise((r) => setTimeout(r, 5));
}
const byPath = (cap: CaptureProcessor, path: string): Span[] => cap.spans.filter((s) => s.getAttribute('url.path') === path);
function traceHeaders(h: http2.IncomingHttpHeaders, span: Span): void {
  assert.is(h['x-trace-id'], span.traceId, 'x-trace-id');
  assert.ok(String(h['server-timing']).endsWith(`trace;desc=00-${span.traceId}-${span.spanId}-0${span.traceFlags & 3}`), `server-timing ${h['server-timing']}`);
  assert.is(h['connection'], undefined, 'no connection-specific header');
}

test('AC-001 AC-003 h2c: every compat response carries the trace headers; the span takes :authority, :path, :method and network.protocol.version 2', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'h2', processor: cap });
  // typed as http2 handlers, no cast: withTracing accepts and returns an http2 compat handler
  const handler = (req: Http2ServerRequest, res: Http2ServerResponse): void => {
    const path = req.url.split('?')[0];
    if (path === '/items/42') { setRoute(req, '/items/:id'); res.end('item'); }
    else if (path === '/created') { res.writeHead(201, { 'content-type': 'text/plain', 'server-timing': 'db;dur=3' }); res.end('c'); }
    else if (path === '/set') { res.setHeader('server-timing', 'cache;desc=hit'); res.statusCode = 404; res.end(); }
    else if (path === '/flush') { (res as unknown as { flushHeaders(): void }).flushHeaders(); res.end('f'); } // not in @types/node's Http2ServerResponse
    else if (path === '/throw') throw new Error('boom');
  };
  const server = http2.createServer(withTracing(tracer, handler, { respondOnThrow: true }));
  const port = await listen(server);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const item = await h2(session, { ':path': '/items/42?token=s3cr3t', ':authority': 'api.example:8443', traceparent: PARENT });
    const created = await h2(session, { ':path': '/created', ':method': 'POST' }, 'payload');
    const set = await h2(session, { ':path': '/set' });
    const flushed = await h2(session, { ':path': '/flush' });
    const thrown = await h2(session, { ':path': '/throw' });
    await settle(cap, 5);
    assert.is(item.body, 'item');
    const [sItem] = byPath(cap, '/items/42') as [Span];
    assert.is(sItem.kind, SpanKind.SERVER);
    assert.is(sItem.name, 'GET /items/:id');
    assert.is(sItem.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.is(sItem.parentSpanId, 'b7ad6b7169203331');
    assert.equal(sItem.attributes, {
      'http.request.method': 'GET', 'url.path': '/items/42', 'url.scheme': 'http', 'server.address': 'api.example', 'server.port': 8443,
      'network.protocol.version': '2', 'http.route': '/items/:id', 'http.response.status_code': 200,
    });
    traceHeaders(item.headers, sItem);

    const [sCreated] = byPath(cap, '/created') as [Span];
    assert.is(created.headers[':status'], 201);
    assert.is(created.headers['content-type'], 'text/plain');
    assert.ok(String(created.headers['server-timing']).startsWith('db;dur=3, trace;desc='), 'merged with the handler\'s Server-Timing');
    traceHeaders(created.headers, sCreated);
    assert.is(sCreated.getAttribute('server.address'), '127.0.0.1', ':authority from the client\'s URL');
    assert.is(sCreated.getAttribute('server.port'), port);

    const [sSet] = byPath(cap, '/set') as [Span];
    assert.is(set.headers[':status'], 404);
    assert.ok(String(set.headers['server-timing']).startsWith('cache;desc=hit, trace;desc='));
    traceHeaders(set.headers, sSet);
    assert.is(sSet.status, SpanStatusCode.UNSET, '4xx is the client\'s');

    traceHeaders(flushed.headers, byPath(cap, '/flush')[0]!);
    const [sThrown] = byPath(cap, '/throw') as [Span];
    assert.is(thrown.headers[':status'], 500);
    traceHeaders(thrown.headers, sThrown);
    assert.is(sThrown.status, SpanStatusCode.ERROR);
    assert.is(sThrown.getAttribute('error.type'), 'Error');
    assert.not.ok(JSON.stringify(cap.spans.map((s) => s.attributes)).includes('s3cr3t'));
  } finally {
    session.close();
    await closeServer(server);
  }
});

test('AC-001 h2c: a stream the client resets before the answer ends its span with error.type aborted, HEAD too', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'h2', processor: cap });
  let arrived = 0;
  const waiting = new Map<string, () => void>();
  const arrival = (path: string) => new Promise<void>((r) => waiting.set(path, r));
  const server = http2.createServer(withTracing(tracer, (req: Http2ServerRequest, res: Http2ServerResponse) => {
    arrived++;
    waiting.get(req.url)?.();
    if (req.url === '/half') { res.writeHead(200); res.write('part'); } // headers out, body never ended
    else if (req.url === '/big') res.end(Buffer.alloc(4 << 20)); // ended, but stuck behind the client's flow-control window
  }));
  const port = await listen(server);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    // each reset once the handler has run (the span exists), the response not complete
    const get = await h2(session, { ':path': '/hang' }, undefined, arrival('/hang'));
    const head = await h2(session, { ':path': '/hang-head', ':method': 'HEAD' }, undefined, arrival('/hang-head'));
    const half = await h2(session, { ':path': '/half' }, undefined, arrival('/half'));
    // the client reads nothing of /big (no data listener, not flowing): the server's end() cannot complete
    const big = session.request({ ':path': '/big' });
    await new Promise<void>((r) => big.once('response', () => r()));
    await new Promise((r) => setTimeout(r, 30));
    big.close(http2.constants.NGHTTP2_CANCEL);
    assert.is(get.rst, http2.constants.NGHTTP2_CANCEL);
    assert.is(head.rst, http2.constants.NGHTTP2_CANCEL);
    await settle(cap, 4);
    assert.is(arrived, 4);
    assert.is(cap.spans.length, 4, 'every reset stream ends its span (HEAD: Node emits no response close)');
    for (const p of ['/hang', '/hang-head', '/half', '/big']) {
      const s = byPath(cap, p)[0]!;
      assert.is(s.getAttribute('error.type'), 'aborted', p);
      assert.is(s.status, SpanStatusCode.UNSET, `${p}: the client went away, no server error`);
    }
    assert.is(byPath(cap, '/half')[0]!.getAttribute('http.response.status_code'), 200);
    assert.is(byPath(cap, '/big')[0]!.getAttribute('http.response.status_code'), 200);
    traceHeaders(half.headers, byPath(cap, '/half')[0]!);
  } finally {
    session.close();
    await closeServer(server);
  }
});

test('h2c: the request span is active in each request\'s body listeners, two streams interleaved on one connection', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'h2', processor: cap });
  const seen: string[] = [];
  const server = http2.createServer(withTracing(tracer, (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const mine = getRequestSpan(req);
    req.on('data', () => { if (storage.getStore() !== mine) seen.push(`${req.url} data in another span`); });
    req.on('end', () => {
      seen.push(`${req.url} end ${storage.getStore() === mine ? 'in' : 'NOT in'} its span`);
      const child = tracer.startSpan('after-body');
      child.end();
      res.end('ok');
    });
  }));
  const port = await listen(server);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    // both streams open (handlers called) before either body arrives: the session is shared
    const a = session.request({ ':path': '/a', ':method': 'POST' });
    const b = session.request({ ':path': '/b', ':method': 'POST' });
    const done = (s: http2.ClientHttp2Stream) => new Promise<void>((r) => { s.resume(); s.on('close', () => r()); });
    const da = done(a), db = done(b);
    await new Promise((r) => setTimeout(r, 30));
    a.write('a1'); b.write('b1');
    await new Promise((r) => setTimeout(r, 10));
    a.end('a2'); await new Promise((r) => setTimeout(r, 10)); b.end('b2');
    await Promise.all([da, db]);
    await settle(cap, 4);
  } finally {
    session.close();
    await closeServer(server);
  }
  assert.equal(seen.sort(), ['/a end in its span', '/b end in its span']);
  for (const p of ['/a', '/b']) {
    const server = byPath(cap, p)[0]!;
    const child = cap.spans.find((s) => s.name === 'after-body' && s.parentSpanId === server.spanId);
    assert.ok(child, `${p}: a span started in the body listener is the request span's child`);
  }
});

test('withTracing(http2Server): traceServer on an http2 server traces its compat requests; untraceServer undoes it', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'h2', processor: cap });
  const plain = http2.createServer((_req, res) => res.end('ok'));
  const server = withTracing(tracer, plain); // typed: returns the http2 server
  assert.is(server, plain);
  const port = await listen(server);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const r = await h2(session, { ':path': '/x', traceparent: PARENT });
    await settle(cap, 1);
    const s = cap.spans[0]!;
    assert.is(s.parentSpanId, 'b7ad6b7169203331');
    assert.is(s.getAttribute('network.protocol.version'), '2');
    traceHeaders(r.headers, s);
    untraceServer(server);
    const after = await h2(session, { ':path': '/y' });
    assert.is(after.headers['x-trace-id'], undefined);
    assert.is(cap.spans.length, 1);
  } finally {
    session.close();
    await closeServer(server);
  }
});

const pki = makePki();
if (pki === null) console.log('SKIP http2-server TLS: the openssl CLI is needed to make test certificates');

test('createSecureServer({ allowHTTP1 }): h2 and HTTP/1.1 requests on one traced handler, url.scheme https, network.protocol.version only on h2', async () => {
  if (pki === null) return;
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'h2', processor: cap });
  const server = http2.createSecureServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert), allowHTTP1: true },
    withTracing(tracer, (req: Http2ServerRequest, res: Http2ServerResponse) => res.end(req.httpVersion)));
  const port = await listen(server);
  const ca = readFileSync(pki.caCert);
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca });
  try {
    const v2 = await h2(session, { ':path': '/two' });
    const v1 = await new Promise<{ body: string; headers: Record<string, unknown> }>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, path: '/one', ca, agent: false }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve({ body: b, headers: res.headers }));
      }).on('error', reject);
    });
    await settle(cap, 2);
    assert.is(v2.body, '2.0');
    assert.is(v1.body, '1.1');
    const s2 = byPath(cap, '/two')[0]!, s1 = byPath(cap, '/one')[0]!;
    assert.is(s2.getAttribute('url.scheme'), 'https');
    assert.is(s1.getAttribute('url.scheme'), 'https');
    assert.is(s2.getAttribute('network.protocol.version'), '2');
    assert.is(s1.getAttribute('network.protocol.version'), undefined, 'HTTP/1 spans unchanged');
    assert.is(s2.getAttribute('server.address'), '127.0.0.1');
    traceHeaders(v2.headers, s2);
    assert.is(v1.headers['x-trace-id'], s1.traceId);
  } finally {
    session.close();
    await closeServer(server);
  }
});

test.after(() => pki?.remove());
test.run();
