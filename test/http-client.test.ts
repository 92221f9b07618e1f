import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import https from 'node:https';
import { request as namedRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTracer, markNoTrace, SpanKind, SpanStatusCode, type Span } from '../src/index.js';
import { traceHttpClient, untraceHttpClient, withTracing, retry, adapterStats } from '../adapters/http.js';
import { CaptureProcessor } from './helpers/capture.js';
import { startReceiver } from './helpers/otlp-receiver.js';
import { otlpExporter } from '../src/otlp-http.js';
import { traceFetch } from '../adapters/fetch.js';
import { listen, listen6, close } from './helpers/net.js';

const HEX16 = /^[0-9a-f]{16}$/;
const orig = { hr: http.request, hg: http.get, sr: https.request, sg: https.get, named: namedRequest };

interface Reply { status: number; body: string }
function get(url: string | http.RequestOptions, headers?: http.OutgoingHttpHeaders): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const opts = typeof url === 'string' ? { headers, agent: false as const } : { agent: false as const, ...url, headers: headers ?? url.headers };
    const req = typeof url === 'string' ? http.get(url, opts, onRes) : http.request(opts, onRes);
    function onRes(res: http.IncomingMessage) {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }
    req.on('error', reject);
    if (typeof url !== 'string') req.end();
  });
}
async function settle(cap: CaptureProcessor, n: number): Promise<void> {
  for (let i = 0; i < 200 && cap.spans.length < n; i++) await new Promise((r) => setTimeout(r, 5));
}

/** A downstream that records the headers it received (raw, to count duplicates). */
async function downstream(status = (_n: number, _req: http.IncomingMessage) => 200) {
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => { seen.push(req); res.statusCode = status(seen.length, req); res.end('ok'); });
  const port = await listen(server);
  return { seen, server, port };
}
const countRaw = (req: http.IncomingMessage, name: string) => req.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === name).length;

test('AC-002 an outgoing request gets its own CLIENT span under the active span; the callee sees it as parent', async () => {
  const capA = new CaptureProcessor();
  const capB = new CaptureProcessor();
  const a = createTracer({ service: 'caller', processor: capA });
  const b = createTracer({ service: 'callee', processor: capB });
  const callee = http.createServer(withTracing(b, (_req, res) => res.end('hi')) as http.RequestListener);
  const port = await listen(callee);
  const undo = traceHttpClient(a);
  const parent = a.startSpan('job') as Span;
  const r = await a.withSpan(parent, () => get(`http://127.0.0.1:${port}/greet?who=secret`));
  parent.end();
  await settle(capB, 1);
  await settle(capA, 2);
  undo();
  await close(callee);
  assert.is(r.body, 'hi');
  const client = capA.spans.find((s) => s.kind === SpanKind.CLIENT)!;
  const server = capB.spans[0]!;
  assert.is(client.traceId, parent.traceId);
  assert.is(client.parentSpanId, parent.spanId);
  assert.is(server.traceId, parent.traceId);
  assert.is(server.parentSpanId, client.spanId, 'the callee parent is the CLIENT span');
  assert.is(client.name, 'GET');
  assert.equal(client.attributes, {
    'http.request.method': 'GET', 'server.address': '127.0.0.1', 'server.port': port,
    'url.full': `http://127.0.0.1:${port}/greet`, 'http.response.status_code': 200,
  });
  assert.is(client.status, SpanStatusCode.UNSET);
});

test('AC-007 url.full drops user info and the whole query; 4xx/5xx and network errors are errors on clients', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { server, port } = await downstream((_n, req) => (req.url!.startsWith('/404') ? 404 : 500));
  const undo = traceHttpClient(tracer);
  await get(`http://user:pa55word@127.0.0.1:${port}/404?sig=abc#frag`);
  await get({ host: '127.0.0.1', port, path: '/500?token=t0k' });
  await close(server);
  const err = await get({ host: '127.0.0.1', port, path: '/down' }).then(() => null, (e: NodeJS.ErrnoException) => e);
  await settle(cap, 3);
  undo();
  assert.is(err?.code, 'ECONNREFUSED', 'the caller still gets its error');
  const [s404, s500, sErr] = cap.spans as [Span, Span, Span];
  assert.is(s404.getAttribute('url.full'), `http://127.0.0.1:${port}/404`);
  assert.is(s404.status, SpanStatusCode.ERROR);
  assert.is(s404.getAttribute('error.type'), '404');
  assert.is(s500.getAttribute('error.type'), '500');
  assert.is(s500.getAttribute('url.full'), `http://127.0.0.1:${port}/500`);
  assert.is(sErr.status, SpanStatusCode.ERROR);
  assert.is(sErr.getAttribute('error.type'), 'ECONNREFUSED');
  assert.is(sErr.getAttribute('http.response.status_code'), undefined);
  const dump = JSON.stringify(cap.spans.map((s) => s.attributes));
  for (const secret of ['pa55word', 'user', 'sig=', 'abc', 't0k', 'frag']) assert.not.ok(dump.includes(secret), secret);
});

test('AC-003 a request the caller aborts through its AbortSignal is not a failed request: error.type aborted, status unset, as for fetch', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  let arrived!: () => void;
  const got = new Promise<void>((r) => (arrived = r));
  const server = http.createServer(() => arrived()); // never answers
  const port = await listen(server);
  const undo = traceHttpClient(tracer);
  const ac = new AbortController();
  const req = http.get({ host: '127.0.0.1', port, path: '/slow', agent: false, signal: ac.signal });
  const failed = new Promise<string>((r) => req.on('error', (e) => r(e.name)));
  await got;
  ac.abort();
  assert.is(await failed, 'AbortError', 'the caller still gets its error');
  await settle(cap, 1);
  undo();
  await close(server);
  assert.is(cap.spans.length, 1);
  assert.is(cap.spans[0]!.getAttribute('error.type'), 'aborted');
  assert.is(cap.spans[0]!.status, SpanStatusCode.UNSET);
});

/** A downstream that sends 10 bytes of a body (Content-Length 100 or chunked) and then cuts (FIN or RST) or waits. */
async function cutting() {
  const server = http.createServer((req, res) => {
    const u = req.url!;
    res.writeHead(200, u.includes('chunked') ? {} : { 'content-length': 100 });
    res.write('x'.repeat(10));
    if (u.startsWith('/cut')) setTimeout(() => req.socket.destroy(), 20);
    else if (u.startsWith('/rst')) setTimeout(() => req.socket.resetAndDestroy(), 20);
  });
  return { server, port: await listen(server) };
}
/** GET that reads the first body chunk, then does `how` to its own request; resolves at the request's 'close'. */
function readPart(port: number, path: string, how: 'read' | 'reqDestroy' | 'resDestroy' | 'signal', agent: http.Agent | false = false): Promise<string[]> {
  const ac = new AbortController();
  const seen: string[] = [];
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, signal: ac.signal }, (res) => {
      res.on('error', (e: NodeJS.ErrnoException) => seen.push('res ' + e.code));
      res.once('data', () => {
        if (how === 'reqDestroy') req.destroy();
        else if (how === 'resDestroy') res.destroy();
        else if (how === 'signal') ac.abort();
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => seen.push('req ' + e.code));
    req.on('close', () => setImmediate(resolve, seen));
  });
}

test('AC-003 a response body the server cuts mid-way (Content-Length or chunked, FIN or RST) is a failed request: ERROR, error.type ECONNRESET', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { server, port } = await cutting();
  const undo = traceHttpClient(tracer);
  const agent = new http.Agent({ keepAlive: true });
  const got = [
    await readPart(port, '/cut-length', 'read'), await readPart(port, '/cut-chunked', 'read'),
    await readPart(port, '/cut-length-pooled', 'read', agent), await readPart(port, '/rst-length', 'read'),
  ];
  await settle(cap, 4);
  undo();
  agent.destroy();
  await close(server);
  assert.equal(got, [['res ECONNRESET'], ['res ECONNRESET'], ['res ECONNRESET'], ['req ECONNRESET', 'res ECONNRESET']], 'the caller still gets its errors');
  assert.is(cap.spans.length, 4);
  for (const s of cap.spans) {
    const path = String(s.getAttribute('url.full')).replace(/^.*\d\//, '/');
    assert.is(s.getAttribute('http.response.status_code'), 200, path);
    assert.is(s.getAttribute('error.type'), 'ECONNRESET', path);
    assert.is(s.status, SpanStatusCode.ERROR, path);
  }
});

test('AC-003 the caller ending a response mid-body itself (req.destroy(), res.destroy() after a first chunk, its AbortSignal) is no failure: error.type aborted, status unset', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { server, port } = await cutting(); // /wait-* sends 10 of 100 bytes and waits
  const undo = traceHttpClient(tracer);
  const agent = new http.Agent({ keepAlive: true });
  const got = [
    await readPart(port, '/wait-req-destroy', 'reqDestroy'), await readPart(port, '/wait-res-destroy', 'resDestroy'),
    await readPart(port, '/wait-signal', 'signal'), await readPart(port, '/wait-chunked-pooled', 'resDestroy', agent),
  ];
  await settle(cap, 4);
  undo();
  agent.destroy();
  await close(server);
  assert.equal(got, [['res ECONNRESET'], [], ['req ABORT_ERR', 'res ECONNRESET'], []], 'Node hands the caller the same ECONNRESET as on a server cut');
  assert.is(cap.spans.length, 4);
  for (const s of cap.spans) {
    const path = String(s.getAttribute('url.full')).replace(/^.*\d\//, '/');
    assert.is(s.getAttribute('http.response.status_code'), 200, path);
    assert.is(s.getAttribute('error.type'), 'aborted', path);
    assert.is(s.status, SpanStatusCode.UNSET, path);
  }
});

test('AC-003 req.destroy() before any response (waiting on the server, or still queued in the agent) is the caller\'s abort: error.type aborted, status unset; a server hang-up and destroy(err) stay failures', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  let arrived!: () => void;
  const got = new Promise<void>((r) => (arrived = r));
  const server = http.createServer((req) => {
    if (req.url === '/hangup') req.socket.end(); // FIN with no response: Node's 'socket hang up' too
    else arrived(); // never answers
  });
  const port = await listen(server);
  const undo = traceHttpClient(tracer);
  const agent = new http.Agent({ maxSockets: 1 });
  const codes: string[] = [];
  const closed = (req: http.ClientRequest) => new Promise<void>((r) => { req.on('error', (e: NodeJS.ErrnoException) => codes.push(e.code ?? e.message)); req.on('close', () => r()); });
  const first = http.get({ host: '127.0.0.1', port, path: '/wait', agent });
  const queued = http.get({ host: '127.0.0.1', port, path: '/queued', agent }); // never gets the one socket
  const done = [closed(first), closed(queued)];
  await got;
  queued.destroy();
  first.destroy();
  await Promise.all(done);
  const hang = http.get({ host: '127.0.0.1', port, path: '/hangup', agent: false });
  await closed(hang);
  const own = http.get({ host: '127.0.0.1', port, path: '/own', agent: false });
  own.destroy(new Error('deadline'));
  await closed(own);
  await settle(cap, 4);
  undo();
  agent.destroy();
  await close(server);
  assert.equal(codes, ['ECONNRESET', 'ECONNRESET', 'ECONNRESET', 'deadline'], 'the caller still gets its errors');
  const by = (p: string) => cap.spans.find((s) => String(s.getAttribute('url.full')).endsWith(p))!;
  for (const p of ['/wait', '/queued']) {
    assert.is(by(p).getAttribute('error.type'), 'aborted', p);
    assert.is(by(p).status, SpanStatusCode.UNSET, p);
  }
  assert.is(by('/hangup').getAttribute('error.type'), 'ECONNRESET');
  assert.is(by('/hangup').status, SpanStatusCode.ERROR);
  assert.is(by('/own').status, SpanStatusCode.ERROR);
  assert.is(cap.spans.length, 4);
});

test('AC-002 exactly one traceparent on the wire, even when the caller set one; tracestate follows the span', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { seen, server, port } = await downstream();
  const undo = traceHttpClient(tracer);
  const remote = tracer.extract({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'v=1' })!;
  await tracer.withSpan(remote, () => get({ host: '127.0.0.1', port, path: '/' }, { traceparent: '00-11111111111111111111111111111111-2222222222222222-01', tracestate: 'stale=1' }));
  await settle(cap, 1);
  undo();
  await close(server);
  const req = seen[0]!;
  assert.is(countRaw(req, 'traceparent'), 1);
  assert.is(req.headers.traceparent, `00-0af7651916cd43dd8448eb211c80319c-${cap.spans[0]!.spanId}-01`);
  assert.is(req.headers.tracestate, 'v=1');
});

test('AC-002 a traceparent / tracestate the caller sets after http.request() returned (a proxy copying its request\'s headers) is replaced by the CLIENT span\'s', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'proxy', processor: cap });
  const { seen, server, port } = await downstream();
  const undo = traceHttpClient(tracer);
  const remote = tracer.extract({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })!;
  const incoming = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'stale=1', 'x-app': 'a' };
  for (const how of ['end', 'flushHeaders', 'write'] as const) {
    await tracer.withSpan(remote, () => new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/' + how, agent: false }, (res) => { res.resume(); res.on('end', () => resolve()); });
      req.on('error', reject);
      for (const [k, v] of Object.entries(incoming)) req.setHeader(k === 'traceparent' ? 'TraceParent' : k, v);
      if (how === 'flushHeaders') { req.flushHeaders(); req.end(); } else if (how === 'write') { req.write('x'); req.end(); } else req.end();
    }));
  }
  await settle(cap, 3);
  undo();
  await close(server);
  assert.is(cap.spans.length, 3);
  for (let i = 0; i < 3; i++) {
    const req = seen[i]!, span = cap.spans.find((s) => s.getAttribute('url.full')!.toString().endsWith(req.url!))!;
    assert.is(countRaw(req, 'traceparent'), 1, req.url);
    assert.is(req.headers.traceparent, `00-0af7651916cd43dd8448eb211c80319c-${span.spanId}-01`, req.url);
    assert.is(req.headers.tracestate, undefined, req.url);
    assert.is(req.headers['x-app'], 'a');
  }
});

test('AC-002 no active span: a root CLIENT span by default, nothing at all with requireParent', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { seen, server, port } = await downstream();
  let undo = traceHttpClient(tracer);
  await get({ host: '127.0.0.1', port });
  undo = traceHttpClient(tracer, { requireParent: true }); // reinstall replaces
  await get({ host: '127.0.0.1', port });
  await settle(cap, 1);
  undo();
  undo();
  await close(server);
  assert.is(cap.spans.length, 1, 'one span: the reinstall did not double-wrap, requireParent skipped the second');
  assert.is(cap.spans[0]!.parentSpanId, '');
  assert.match(String(seen[0]!.headers.traceparent), new RegExp(`-${cap.spans[0]!.spanId}-`));
  assert.is(seen[1]!.headers.traceparent, undefined);
});

test('AC-007 requests branded no-trace (the exporter\'s) are never traced nor given headers', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { seen, server, port } = await downstream();
  const before = adapterStats().noTraceSkipped;
  const undo = traceHttpClient(tracer);
  const parent = tracer.startSpan('export-ish') as Span;
  await tracer.withSpan(parent, async () => {
    await get(markNoTrace({ host: '127.0.0.1', port, path: '/v1/traces' }));
    await get({ host: '127.0.0.1', port, path: '/v1/traces', agent: markNoTrace(new http.Agent()) } as http.RequestOptions);
  });
  parent.end();
  undo();
  await close(server);
  assert.is(cap.spans.length, 1, 'only the parent');
  assert.is(seen.length, 2);
  for (const r of seen) assert.is(r.headers.traceparent, undefined);
  assert.is(adapterStats().noTraceSkipped - before, 2, 'brand on the options and on the agent');
});

test('undo restores http.request/get and https.request/get exactly, named ESM imports included', async () => {
  const tracer = createTracer({ service: 'caller', processor: new CaptureProcessor() });
  const undo = traceHttpClient(tracer);
  const named = await import('node:http');
  assert.is.not(http.request, orig.hr);
  assert.is.not(https.get, orig.sg);
  assert.is(named.request, http.request, 'syncBuiltinESMExports applied');
  undo();
  assert.is(http.request, orig.hr);
  assert.is(http.get, orig.hg);
  assert.is(https.request, orig.sr);
  assert.is(https.get, orig.sg);
  assert.is((await import('node:http')).request, orig.named);
  // Someone wrapped on top of us: undo leaves their wrapper, ours turns into a pass-through.
  const undo2 = traceHttpClient(tracer);
  const ours = http.request;
  const theirs = function (this: unknown, ...args: unknown[]) { return (ours as (...a: unknown[]) => http.ClientRequest).apply(this, args); };
  (http as { request: unknown }).request = theirs;
  undo2();
  assert.is(http.request, theirs as unknown as typeof http.request);
  (http as { request: unknown }).request = orig.hr;
});

test('AC-003 https.request and http.get: scheme, default port and method in the span', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const probe = http.createServer();
  const port = await listen(probe);
  await close(probe); // a closed port: the TLS request fails fast
  const undo = traceHttpClient(tracer);
  await new Promise<void>((resolve) => https.request({ host: '127.0.0.1', port, method: 'PUT', path: '/x?y=1', agent: false }).on('error', () => resolve()).end());
  await new Promise<void>((resolve) => https.get(`https://127.0.0.1:${port}/y`, { agent: false }).on('error', () => resolve()));
  await new Promise<void>((resolve) => http.get({ host: 'localhost', port, path: '/z' }).on('error', () => resolve()));
  await settle(cap, 3);
  undo();
  const [put, getS, getH] = cap.spans as [Span, Span, Span];
  assert.is(put.name, 'PUT');
  assert.is(put.getAttribute('url.full'), `https://127.0.0.1:${port}/x`);
  assert.is(getS.getAttribute('url.full'), `https://127.0.0.1:${port}/y`);
  assert.is(getH.getAttribute('server.address'), 'localhost');
  assert.is(getH.getAttribute('http.request.method'), 'GET');
  for (const s of cap.spans) assert.is(s.status, SpanStatusCode.ERROR);
});

test('AC-003 server.port and url.full name the port connected to, not a Host header the caller overrode', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { server, port } = await downstream();
  const undo = traceHttpClient(tracer);
  await get({ host: '127.0.0.1', port, path: '/vhost', headers: { host: 'api.internal' } });
  await get({ host: '127.0.0.1', port: String(port) as unknown as number, path: '/nohost', setHost: false });
  await get(`http://user:p@127.0.0.1:${port}/url`, { host: 'api.internal:81' });
  await new Promise<void>((resolve) => http.get(`http://127.0.0.1:1/x`, { port, agent: false }, (r) => { r.resume(); r.on('end', resolve); }));
  await settle(cap, 4);
  undo();
  await close(server);
  assert.is(cap.spans.length, 4);
  for (const sp of cap.spans) {
    assert.is(sp.getAttribute('server.port'), port, String(sp.getAttribute('url.full')));
    assert.match(String(sp.getAttribute('url.full')), new RegExp(`^http://127\\.0\\.0\\.1:${port}/`));
  }
});

test('AC-003 server.port of a URL string is its port even when its host is no Host header as written (an IDN, a tab WHATWG strips)', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { server, port } = await downstream();
  const undo = traceHttpClient(tracer);
  // every name resolves to the downstream: no DNS needed
  const lookup = (_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void) => (o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
  for (const url of [`http://bücher.example:${port}/idn`, `http://loc\talhost:${port}/tab`]) {
    await new Promise<void>((resolve, reject) => http.get(url, { agent: false, lookup } as http.RequestOptions, (r) => { r.resume(); r.on('end', resolve); }).on('error', reject));
  }
  await settle(cap, 2);
  undo();
  await close(server);
  assert.is(cap.spans.length, 2);
  assert.equal(cap.spans.map((s) => [s.getAttribute('server.address'), s.getAttribute('server.port')]), [['xn--bcher-kva.example', port], ['localhost', port]]);
});

test('AC-003 http.request / http.get given a URL object (IPv4 with user info, IPv6, with options) name its server: server.address, server.port, url.full', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { server, port } = await downstream();
  const v6 = http.createServer((_req, res) => res.end('ok'));
  const port6 = await listen6(v6);
  const undo = traceHttpClient(tracer);
  const done = (req: http.ClientRequest) => new Promise<void>((resolve, reject) => { req.on('response', (r) => { r.resume(); r.on('end', resolve); }).on('error', reject); });
  try {
    const a = http.request(new URL(`http://u:s3cret@127.0.0.1:${port}/a?token=x`), { agent: false });
    a.end();
    await done(a);
    if (port6 !== null) await done(http.get(new URL(`http://[::1]:${port6}/v6`), { agent: false }));
    await done(http.get(new URL(`http://127.0.0.1:${port}/b`), { agent: false, headers: { host: 'api.internal:81' } }));
    await settle(cap, port6 !== null ? 3 : 2);
  } finally { undo(); await close(server); if (port6 !== null) await close(v6); }
  const want = [['127.0.0.1', port, `http://127.0.0.1:${port}/a`], ['::1', port6, `http://[::1]:${port6}/v6`], ['127.0.0.1', port, `http://127.0.0.1:${port}/b`]];
  assert.equal(cap.spans.map((s) => [s.getAttribute('server.address'), s.getAttribute('server.port'), s.getAttribute('url.full')]), want.filter((w) => port6 !== null || w[0] !== '::1'));
});

test('AC-002 retries: one CLIENT span per attempt under the logical span, resend_count from the second on', async () => {
  const capA = new CaptureProcessor();
  const capB = new CaptureProcessor();
  const a = createTracer({ service: 'orchestrator', processor: capA });
  const b = createTracer({ service: 'inventory', processor: capB });
  let n = 0;
  const flaky = http.createServer(withTracing(b, (_req, res) => { res.statusCode = ++n === 1 ? 503 : 200; res.end(); }) as http.RequestListener);
  const port = await listen(flaky);
  const undo = traceHttpClient(a);
  const root = a.startSpan('checkout') as Span;
  const out = await a.withSpan(root, () => retry(a, () => get({ host: '127.0.0.1', port, path: '/stock' }), { name: 'GET inventory', minDelayMs: 1 }));
  root.end();
  await settle(capB, 2);
  await settle(capA, 4);
  undo();
  await close(flaky);
  assert.is(out.status, 200);
  const logical = capA.spans.find((s) => s.name === 'GET inventory')!;
  const attempts = capA.spans.filter((s) => s.kind === SpanKind.CLIENT);
  assert.is(attempts.length, 2);
  assert.is(logical.parentSpanId, root.spanId);
  assert.is(logical.getAttribute('tracewire.retry.attempts'), 2);
  for (const s of attempts) { assert.is(s.traceId, root.traceId); assert.is(s.parentSpanId, logical.spanId); }
  assert.is(attempts[0]!.getAttribute('http.request.resend_count'), undefined);
  assert.is(attempts[1]!.getAttribute('http.request.resend_count'), 1);
  assert.is(attempts[0]!.getAttribute('error.type'), '503');
  assert.equal(capB.spans.map((s) => s.parentSpanId), attempts.map((s) => s.spanId), 'each server span is the child of its attempt');
});

test('retry(): gives up after the retries with the last error, recorded on the logical span', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'x', processor: cap });
  const delays: number[] = [];
  let calls = 0;
  const err = await retry(tracer, () => { calls++; throw new RangeError('down'); }, { retries: 3, minDelayMs: 10, maxDelayMs: 20, sleep: async (ms) => { delays.push(ms); } }).catch((e) => e);
  assert.instance(err, RangeError);
  assert.is(calls, 4);
  assert.is(delays.length, 3);
  for (const d of delays) assert.ok(d >= 0 && d < 20);
  const s = cap.spans[0]!;
  assert.is(s.getAttribute('error.type'), 'RangeError');
  assert.is(s.getAttribute('tracewire.retry.attempts'), 4);
  const ok = await retry(tracer, (i) => ({ status: i === 0 ? 429 : 204 }), { sleep: async () => {} });
  assert.is(ok.status, 204);
  const no = await retry(tracer, () => ({ status: 500 }), { sleep: async () => {} });
  assert.is(no.status, 500, '500 is not retried by default (not idempotent-safe)');
});

test('AC-002 several services in one process: the active span\'s tracer makes the CLIENT span', async () => {
  const capA = new CaptureProcessor();
  const capB = new CaptureProcessor();
  const a = createTracer({ service: 'a', processor: capA });
  const b = createTracer({ service: 'b', processor: capB });
  const { server, port } = await downstream();
  const undo = traceHttpClient(a);
  const sb = b.startSpan('in-b') as Span;
  await b.withSpan(sb, () => get({ host: '127.0.0.1', port }));
  sb.end();
  await settle(capB, 2);
  undo();
  await close(server);
  assert.is(capA.spans.length, 0);
  assert.is(capB.spans.length, 2);
  const client = capB.spans.find((s) => s.kind === SpanKind.CLIENT)!;
  assert.is(client.parentSpanId, sb.spanId);
  assert.is(client.tracer.service, 'b');
});

test('AC-002 heads Node renders in the constructor (an Expect: 100-continue upload, raw-array headers) still carry the CLIENT span\'s traceparent, once', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'x', processor: cap });
  const { seen, server, port } = await downstream();
  const before = adapterStats().injectSkipped;
  const undo = traceHttpClient(tracer, { responseHeaders: ['content-length'], requestHeaders: ['x-req'] });
  const remote = tracer.extract({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'v=1' })!;
  const stale = '00-11111111111111111111111111111111-2222222222222222-01';
  await tracer.withSpan(remote, () => get({ host: '127.0.0.1', port, path: '/raw', headers: ['host', `127.0.0.1:${port}`, 'x-req', 'r1', 'TraceParent', stale, 'tracestate', 'stale=1'] as unknown as http.OutgoingHttpHeaders }));
  await get({ host: '127.0.0.1', port, path: '/obj', headers: { 'x-req': 'r2' } });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (const path of ['/expect1', '/expect2']) { // the second on the agent's free socket
    await tracer.withSpan(remote, () => new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path, agent, headers: { Expect: '100-continue', 'content-length': 3 } }, (res) => { res.resume(); res.on('end', () => resolve()); });
      req.on('continue', () => req.end('abc'));
      req.on('error', reject);
    }));
  }
  agent.destroy();
  await settle(cap, 4);
  undo();
  await close(server);
  assert.is(adapterStats().injectSkipped - before, 0);
  assert.is(cap.spans.length, 4);
  for (const req of seen) {
    const span = cap.spans.find((s) => String(s.getAttribute('url.full')).endsWith(req.url!))!;
    assert.is(countRaw(req, 'traceparent'), 1, req.url);
    assert.is(countRaw(req, 'tracestate'), req.url === '/obj' ? 0 : 1, req.url);
    if (req.url !== '/obj') {
      assert.is(req.headers.traceparent, `00-0af7651916cd43dd8448eb211c80319c-${span.spanId}-01`, req.url);
      assert.is(req.headers.tracestate, 'v=1', req.url);
    } else assert.match(String(req.headers.traceparent), `-${span.spanId}-`);
  }
  assert.is(seen.find((r) => r.url === '/raw')!.headers['x-req'], 'r1');
  const obj = cap.spans.find((s) => String(s.getAttribute('url.full')).endsWith('/obj'))!;
  assert.equal(obj.getAttribute('http.request.header.x-req'), ['r2']);
  assert.equal(obj.getAttribute('http.response.header.content-length'), ['2']);
  untraceHttpClient();
});

test('AC-007 with client and fetch instrumentation installed, the OTLP exporter\'s own requests produce no spans', async () => {
  const receiver = await startReceiver();
  const fallback = new CaptureProcessor();
  const undoHttp = traceHttpClient(createTracer({ service: 'fallback', processor: fallback }));
  const undoFetch = traceFetch(createTracer({ service: 'fallback', processor: fallback }));
  const tracer = createTracer({ service: 'app', exporter: otlpExporter({ url: receiver.url, retry: false }), batch: { scheduledDelayMs: 60_000 } });
  try {
    for (let round = 0; round < 3; round++) {
      const parent = tracer.startSpan('work-' + round) as Span;
      parent.end();
      // Flush from inside an active span: an unbranded export request would become its CLIENT child.
      const active = tracer.startSpan('active') as Span;
      await tracer.withSpan(active, () => tracer.forceFlush());
      active.end();
    }
    await tracer.forceFlush();
    await receiver.waitForRequests(1);
    const names = receiver.spans().map((s: { name: string }) => s.name);
    assert.equal(names.filter((n: string) => n.startsWith('work-')).length, 3);
    assert.is(names.filter((n: string) => n !== 'active' && !n.startsWith('work-')).length, 0, 'no CLIENT span of an export request');
    assert.is(fallback.spans.length, 0);
    assert.is(tracer.stats().started, 6);
  } finally {
    undoHttp();
    undoFetch();
    await tracer.shutdown({ deadlineMs: 1000 });
    await receiver.close();
  }
});

test('AC-007 an agent shared with the app and given to otlpExporter: the app\'s requests through it are still traced, the exporter\'s are not', async () => {
  const receiver = await startReceiver();
  const { server, port } = await downstream();
  const cap = new CaptureProcessor();
  const app = createTracer({ service: 'app', processor: cap });
  const undo = traceHttpClient(app);
  const shared = new http.Agent({ keepAlive: true });
  const tracer = createTracer({ service: 'exp', exporter: otlpExporter({ url: receiver.url, retry: false, agent: shared }), batch: { scheduledDelayMs: 60_000 } });
  try {
    tracer.startSpan('exported').end();
    await tracer.forceFlush();
    await receiver.waitForRequests(1);
    await new Promise<void>((resolve, reject) => http.get({ host: '127.0.0.1', port, path: '/app', agent: shared }, (r) => { r.resume(); r.on('end', resolve); }).on('error', reject));
    await settle(cap, 1);
    assert.equal(cap.spans.map((s) => s.getAttribute('url.full')), [`http://127.0.0.1:${port}/app`], 'only the app request, traced');
    assert.equal(receiver.spans().map((s: { name: string }) => s.name), ['exported']);
  } finally {
    undo();
    await tracer.shutdown({ deadlineMs: 1000 });
    shared.destroy();
    await receiver.close();
    await close(server);
  }
});

test.run();
