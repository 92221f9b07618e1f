import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import https from 'node:https';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net, { type AddressInfo } from 'node:net';
import { createTracer, parentBased, alwaysOff, alwaysOn, TenantSampler, SpanKind, SpanStatusCode, type Span, type Tracer } from '../src/index.js';
import { withTracing, traceServer, untraceServer, setRoute, getRequestSpan, adapterStats, pathOf, normalizeMethod, type ServerTracingOptions } from '../adapters/http.js';
import { serverTimingValue, TRACEPARENT_AT } from '../adapters/http-server-timing.js';
import { hostOf, hostPortOf } from '../adapters/http-host.js';
import { isBoundedId } from '../src/bounded-id.js';
import { CaptureProcessor } from './helpers/capture.js';
import { listen, close, request, type Reply } from './helpers/net.js';

const TID = '0af7651916cd43dd8448eb211c80319c';
const SID = 'b7ad6b7169203331';
const HEX32 = /^[0-9a-f]{32}$/;


function send(port: number, o: { method?: string; path?: string; headers?: http.OutgoingHttpHeaders | string[]; body?: string; agent?: http.Agent } = {}): Promise<Reply> {
  return request({ host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path ?? '/', headers: o.headers as http.OutgoingHttpHeaders, agent: o.agent ?? false }, o.body);
}
/** Spans end on the response's 'close', a tick after the client has its answer. */
async function settle(cap: CaptureProcessor, n: number): Promise<void> {
  for (let i = 0; i < 200 && cap.spans.length < n; i++) await new Promise((r) => setTimeout(r, 5));
}

async function serve(handler: http.RequestListener, opts?: ServerTracingOptions, tracerOpts: Parameters<typeof createTracer>[0] = {}) {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'orders', processor: cap, ...tracerOpts });
  const server = http.createServer(withTracing(tracer, handler, opts) as http.RequestListener);
  const port = await listen(server);
  return { cap, tracer, server, port };
}

function timingOf(h: http.IncomingHttpHeaders): string {
  return String(h['server-timing']);
}

test('AC-001 no traceparent: a new trace, and its trace ID and span ID come back on the response', async () => {
  const { cap, server, port } = await serve((_req, res) => res.end('ok'));
  const r = await send(port);
  await settle(cap, 1);
  await close(server);
  assert.is(cap.spans.length, 1);
  const s = cap.spans[0]!;
  assert.is(s.kind, SpanKind.SERVER);
  assert.is(s.parentSpanId, '');
  assert.is(r.headers['x-trace-id'], s.traceId);
  assert.match(s.traceId, HEX32);
  assert.is(timingOf(r.headers), `trace;desc=00-${s.traceId}-${s.spanId}-03`); // sampled + random (new trace ID)
});

test('AC-001 a valid incoming traceparent keeps its trace ID, random flag and tracestate; the server span is its child', async () => {
  const { cap, server, port } = await serve((_req, res) => res.end());
  const a = await send(port, { headers: { traceparent: `00-${TID}-${SID}-01`, tracestate: 'vendor=abc,other=x' } });
  const b = await send(port, { headers: { traceparent: `00-${TID}-${SID}-03` } });
  await settle(cap, 2);
  await close(server);
  const [sa, sb] = cap.spans as [Span, Span];
  for (const s of [sa, sb]) {
    assert.is(s.traceId, TID);
    assert.is(s.parentSpanId, SID);
    assert.ok(s.parentIsRemote);
  }
  assert.is(sa.traceFlags, 0x01, 'random flag not invented for a caller without it');
  assert.is(sb.traceFlags, 0x03, 'random flag passed on');
  assert.is(sa.traceState?.toString(), 'vendor=abc,other=x');
  assert.is(a.headers['x-trace-id'], TID);
  assert.is(timingOf(a.headers), `trace;desc=00-${TID}-${sa.spanId}-01`);
  assert.is(timingOf(b.headers), `trace;desc=00-${TID}-${sb.spanId}-03`);
});

test('AC-001 invalid, duplicated or missing traceparent: a new trace, rejections counted', async () => {
  const { cap, tracer, server, port } = await serve((_req, res) => res.end());
  const bad = [
    { traceparent: `00-${TID.toUpperCase()}-${SID}-01`, tracestate: 'vendor=abc' },
    { traceparent: `00-${'0'.repeat(32)}-${SID}-01` },
    ['host', '127.0.0.1', 'traceparent', `00-${TID}-${SID}-01`, 'traceparent', `00-${TID}-${SID}-01`], // raw form: Host is not added
    {},
  ];
  for (const headers of bad) await send(port, { headers: headers as http.OutgoingHttpHeaders });
  await settle(cap, bad.length);
  await close(server);
  assert.is(cap.spans.length, bad.length);
  for (const s of cap.spans) {
    assert.is.not(s.traceId, TID);
    assert.is(s.parentSpanId, '');
    assert.is(s.traceState, null, 'tracestate dropped with an invalid traceparent');
  }
  const p = tracer.stats().propagation;
  assert.is(p.traceparentHex, 1);
  assert.is(p.traceparentZeroTraceId, 1);
  assert.is(p.traceparentDuplicate, 1, 'two headers folded into one value ("a, b") are a duplicate');
  assert.is(p.traceparentTrailingData + p.traceparentFormat, 0);
  assert.is(p.traceparentMissing, 1);
});

test('AC-001 AC-003 error responses: trace headers on 500 and 404; 5xx is an error on a server span, 4xx is not', async () => {
  const { cap, server, port } = await serve((req, res) => {
    res.statusCode = req.url === '/missing' ? 404 : 500;
    res.end();
  });
  const r500 = await send(port, { path: '/boom' });
  const r404 = await send(port, { path: '/missing' });
  await settle(cap, 2);
  await close(server);
  const [s500, s404] = cap.spans as [Span, Span];
  assert.is(r500.status, 500);
  assert.is(r500.headers['x-trace-id'], s500.traceId);
  assert.is(r404.headers['x-trace-id'], s404.traceId);
  assert.is(s500.status, SpanStatusCode.ERROR);
  assert.is(s500.getAttribute('error.type'), '500');
  assert.is(s500.getAttribute('http.response.status_code'), 500);
  assert.is(s404.status, SpanStatusCode.UNSET);
  assert.is(s404.getAttribute('error.type'), undefined);
  assert.is(s404.getAttribute('http.response.status_code'), 404);
});

test('AC-001 a thrown handler (respondOnThrow): 500 with the trace headers, error.type recorded', async () => {
  const before = adapterStats().handlerErrors;
  const { cap, server, port } = await serve((req) => {
    if (req.url === '/async') return Promise.reject(new RangeError('nope')) as never;
    throw new TypeError('bad input');
  }, { respondOnThrow: true });
  const r = await send(port);
  const ra = await send(port, { path: '/async' });
  await settle(cap, 2);
  await close(server);
  assert.is(r.status, 500);
  assert.is(ra.status, 500);
  const [s, sa] = cap.spans as [Span, Span];
  assert.is(r.headers['x-trace-id'], s.traceId);
  assert.ok(timingOf(r.headers).endsWith(`${s.spanId}-03`));
  assert.is(s.getAttribute('error.type'), 'TypeError');
  assert.is(s.status, SpanStatusCode.ERROR);
  assert.is(sa.getAttribute('error.type'), 'RangeError');
  assert.is(adapterStats().handlerErrors - before, 2);
});

test('AC-001 a thrown handler without respondOnThrow: recorded, then rethrown to the host unchanged', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'orders', processor: cap });
  const boom = new Error('host bug');
  const traced = withTracing(tracer, () => { throw boom; });
  let caught: unknown;
  const server = http.createServer((req, res) => {
    try { traced(req, res); } catch (e) { caught = e; res.statusCode = 503; res.end(); }
  });
  const port = await listen(server);
  const r = await send(port);
  await settle(cap, 1);
  await close(server);
  assert.is(caught, boom);
  assert.is(r.status, 503);
  assert.is(r.headers['x-trace-id'], cap.spans[0]!.traceId, 'headers set before the handler ran');
  assert.is(cap.spans[0]!.getAttribute('error.type'), 'Error');
});

test('AC-001 an aborted request: the span ends once with error.type=aborted; a late response still gets the trace headers', async () => {
  let resRef: http.ServerResponse | undefined;
  let arrived!: () => void;
  const got = new Promise<void>((r) => (arrived = r));
  const { cap, server, port } = await serve((_req, res) => { res.setHeader('x-app', '1'); resRef = res; arrived(); });
  const req = http.request({ host: '127.0.0.1', port, agent: false });
  req.on('error', () => {});
  req.end();
  await got;
  req.destroy();
  await settle(cap, 1);
  resRef!.writeHead(503); // the handler answers after the client left
  await close(server);
  assert.is(cap.spans.length, 1);
  const s = cap.spans[0]!;
  assert.is(s.getAttribute('error.type'), 'aborted');
  assert.is(s.getAttribute('http.response.status_code'), undefined);
  assert.is(resRef!.getHeader('x-trace-id'), s.traceId);
  assert.is(resRef!.getHeader('server-timing'), `trace;desc=00-${s.traceId}-${s.spanId}-03`);
  assert.is(s.endTime > 0 && (s as unknown as { ended: boolean }).ended, true);
});

test('AC-001 pipelined requests: a response queued behind one that never answers still ends its span when the client leaves (Node 20 never closes it)', async () => {
  for (const whole of [false, true]) {
    const cap = new CaptureProcessor();
    const tracer = createTracer({ service: 'orders', processor: cap });
    let arrived!: () => void;
    const got = new Promise<void>((r) => (arrived = r));
    const handler: http.RequestListener = (req, res) => { if (req.url === '/b') { res.end('b'); arrived(); } };
    const server = whole ? traceServer(tracer, http.createServer(handler)) : http.createServer(withTracing(tracer, handler) as http.RequestListener);
    const port = await listen(server);
    const sock = net.connect(port, '127.0.0.1');
    sock.on('error', () => {});
    sock.write('GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n');
    await got;
    sock.destroy();
    await settle(cap, 2);
    await close(server);
    const where = whole ? 'traceServer' : 'withTracing';
    assert.is(tracer.stats().started, 2, where);
    assert.is(tracer.stats().ended, 2, where);
    assert.is(tracer.stats().endedTwice, 0, where);
    const b = cap.spans.find((s) => s.getAttribute('url.path') === '/b')!;
    assert.is(b.getAttribute('http.response.status_code'), 200, where); // answered, but never on the wire
    assert.is(b.getAttribute('error.type'), 'aborted', where);
  }
});

test('AC-007 pipelined requests: answered responses are not kept on the idle keep-alive connection (bounded memory)', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'orders', processor: cap });
  let conn: net.Socket | null = null;
  const server = http.createServer(withTracing(tracer, (req, res) => { conn = req.socket; setImmediate(() => res.end('ok')); }) as http.RequestListener);
  const port = await listen(server);
  const N = 50;
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => {});
  let text = '';
  await new Promise<void>((resolve) => {
    sock.on('data', (d) => { text += d; if (text.split('HTTP/1.1 200').length - 1 >= N) resolve(); });
    sock.write(Array.from({ length: N }, (_, i) => `GET /r${i} HTTP/1.1\r\nHost: h\r\n\r\n`).join(''));
  });
  await settle(cap, N);
  const held = conn as unknown as Record<symbol, unknown>;
  const key = Object.getOwnPropertySymbols(held).find((k) => k.description === 'tracewire.http.queued');
  const q = key === undefined ? undefined : held[key];
  const list = Array.isArray(q) ? q : q === undefined ? [] : (q as { items: unknown[]; head: number }).items.slice((q as { head: number }).head);
  const responses = list.filter((x) => x instanceof http.ServerResponse).length;
  sock.destroy();
  await close(server);
  assert.is(cap.spans.length, N);
  assert.ok(key, 'the burst was pipelined (responses were queued)');
  assert.is(responses, 0, 'no finished response held by the connection');
  assert.is(tracer.stats().endedTwice, 0);
});

test('AC-001 trace headers with and without handler headers set earlier: no duplicates, the handler\'s own x-trace-id wins', async () => {
  const { cap, server, port } = await serve((req, res) => {
    if (req.url === '/implicit') { res.end('x'); return; }
    if (req.url === '/nested') { res.writeHead(200, [['content-type', 'text/plain']] as unknown as string[]); res.end(); return; }
    if (req.url === '/own') { res.writeHead(200, { 'X-Trace-Id': 'mine' }); res.end(); return; }
    res.setHeader('x-trace-id', 'mine-too');
    res.end();
  });
  const imp = await send(port, { path: '/implicit' });
  const nested = await send(port, { path: '/nested' });
  const own = await send(port, { path: '/own' });
  const set = await send(port, { path: '/set' });
  await settle(cap, 4);
  await close(server);
  assert.is(imp.headers['x-trace-id'], cap.spans[0]!.traceId);
  assert.is(nested.headers['content-type'], 'text/plain');
  assert.is(nested.headers['x-trace-id'], cap.spans[1]!.traceId);
  assert.is(own.headers['x-trace-id'], 'mine');
  assert.is(set.headers['x-trace-id'], 'mine-too');
  for (const r of [imp, nested, own, set]) assert.match(timingOf(r.headers), /^trace;desc=00-[0-9a-f]{32}-[0-9a-f]{16}-03$/);
});

test('AC-001 Server-Timing set by the handler (setHeader, writeHead object or array) is merged, not lost', async () => {
  const shared = Object.freeze({ 'Server-Timing': 'db;dur=5', 'content-type': 'text/plain' });
  const { cap, server, port } = await serve((req, res) => {
    if (req.url === '/set') { res.setHeader('Server-Timing', 'cache;desc=hit'); res.end(); }
    else if (req.url === '/obj') res.writeHead(200, 'OK', shared).end();
    else if (req.url === '/arr') res.writeHead(201, ['server-timing', 'app;dur=1', 'x-a', '1']).end();
    else res.writeHead(202, { 'x-plain': '1' }).end();
  });
  const rs = await send(port, { path: '/set' });
  const ro = await send(port, { path: '/obj' });
  const ra = await send(port, { path: '/arr' });
  const rp = await send(port, { path: '/plain' });
  await settle(cap, 4);
  await close(server);
  const entry = (i: number) => `trace;desc=00-${cap.spans[i]!.traceId}-${cap.spans[i]!.spanId}-03`;
  assert.is(timingOf(rs.headers), `cache;desc=hit, ${entry(0)}`);
  assert.is(timingOf(ro.headers), `db;dur=5, ${entry(1)}`);
  assert.is(ro.headers['content-type'], 'text/plain');
  assert.equal(shared, { 'Server-Timing': 'db;dur=5', 'content-type': 'text/plain' }, 'caller object untouched');
  assert.is(timingOf(ra.headers), `app;dur=1, ${entry(2)}`);
  assert.is(ra.status, 201);
  assert.is(timingOf(rp.headers), entry(3));
  assert.is(rp.headers['x-plain'], '1');
});

test('AC-001 writeHead(status, undefined | null, headers): Node sends the third argument, and so do we, with the trace headers', async () => {
  const { cap, server, port } = await serve((req, res) => {
    if (req.url === '/undef') res.writeHead(200, undefined as unknown as string, { 'content-type': 'text/plain', 'Server-Timing': 'db;dur=5' }).end();
    else if (req.url === '/null') res.writeHead(203, null as unknown as string, ['content-type', 'text/plain']).end();
    else {
      try { res.writeHead(200, ['content-type', 'text/plain', 'x-dangling']); } catch (err) { res.writeHead(500, { 'x-err': (err as { code?: string }).code ?? '?' }); }
      res.end();
    }
  });
  const u = await send(port, { path: '/undef' });
  const n = await send(port, { path: '/null' });
  const odd = await send(port, { path: '/odd' });
  await settle(cap, 3);
  await close(server);
  const entry = (i: number) => `trace;desc=00-${cap.spans[i]!.traceId}-${cap.spans[i]!.spanId}-03`;
  assert.is(u.headers['content-type'], 'text/plain');
  assert.is(timingOf(u.headers), `db;dur=5, ${entry(0)}`);
  assert.is(u.headers['x-trace-id'], cap.spans[0]!.traceId);
  assert.is(n.status, 203);
  assert.is(n.headers['content-type'], 'text/plain');
  assert.is(timingOf(n.headers), entry(1));
  // An odd-length flat array throws as it does without tracing, and the answer still carries the trace headers.
  assert.is(odd.headers['x-err'], 'ERR_INVALID_ARG_VALUE');
  assert.is(timingOf(odd.headers), entry(2));
});

test('AC-001 res.writeHeader (Node\'s alias of writeHead, DEP0063 documentation-only) sends the trace headers too', async () => {
  const alias = (res: http.ServerResponse) => res as unknown as { writeHeader: http.ServerResponse['writeHead'] }; // not in @types/node
  const { cap, server, port } = await serve((req, res) => {
    if (req.url === '/obj') alias(res).writeHeader(201, { 'content-type': 'text/plain' }).end();
    else alias(res).writeHeader(404, 'Nope').end();
  });
  const o = await send(port, { path: '/obj' });
  const r = await send(port, { path: '/reason' });
  await settle(cap, 2);
  await close(server);
  assert.is(o.status, 201);
  assert.is(o.headers['content-type'], 'text/plain');
  assert.is(o.headers['x-trace-id'], cap.spans[0]!.traceId);
  assert.is(timingOf(o.headers), `trace;desc=00-${cap.spans[0]!.traceId}-${cap.spans[0]!.spanId}-03`);
  assert.is(r.status, 404);
  assert.is(r.headers['x-trace-id'], cap.spans[1]!.traceId);
  assert.is(cap.spans[1]!.getAttribute('http.response.status_code'), 404);
});

test('AC-001 header names are configurable: traceresponse on, x-trace-id renamed, server-timing off', async () => {
  const { cap, server, port } = await serve((_req, res) => res.end(), { traceResponseHeader: true, traceIdHeader: 'x-request-trace', serverTimingHeader: false });
  const r = await send(port, { headers: { traceparent: `00-${TID}-${SID}-01` } });
  await settle(cap, 1);
  await close(server);
  const s = cap.spans[0]!;
  assert.is(r.headers['traceresponse'], `00-${TID}-${s.spanId}-01`);
  assert.is(r.headers['x-request-trace'], TID);
  assert.is(r.headers['x-trace-id'], undefined);
  assert.is(r.headers['server-timing'], undefined);
});

test('AC-001 trust policy: preserve-ids keeps the trace ID but the root sampler decides (no forced sampling)', async () => {
  const { cap, server, port } = await serve((_req, res) => res.end(), { trust: 'preserve-ids' }, { sampler: parentBased(alwaysOff) });
  const r = await send(port, { headers: { traceparent: `00-${TID}-${SID}-03` } });
  await settle(cap, 0);
  await close(server);
  assert.is(cap.spans.length, 0, 'incoming sampled flag not honoured');
  assert.is(r.headers['x-trace-id'], TID, 'trace ID still kept');
  assert.match(timingOf(r.headers), new RegExp(`^trace;desc=00-${TID}-[0-9a-f]{16}-02$`));
  assert.not.match(timingOf(r.headers), SID);

  const trusted = await serve((_req, res) => res.end(), { trust: 'preserve' }, { sampler: parentBased(alwaysOff) });
  await send(trusted.port, { headers: { traceparent: `00-${TID}-${SID}-01` } });
  await settle(trusted.cap, 1);
  await close(trusted.server);
  assert.is(trusted.cap.spans.length, 1, 'preserve honours the caller flag');
});

test('AC-001 trust policy per request: link restarts the trace with the caller as a link; restart ignores it', async () => {
  const { cap, server, port } = await serve((_req, res) => res.end(), {
    trust: (req) => (req.headers['x-internal'] === '1' ? 'preserve' : req.url === '/restart' ? 'restart' : 'link'),
  });
  await send(port, { headers: { traceparent: `00-${TID}-${SID}-01`, 'x-internal': '1' } });
  await send(port, { headers: { traceparent: `00-${TID}-${SID}-01` } });
  await send(port, { path: '/restart', headers: { traceparent: `00-${TID}-${SID}-01` } });
  await settle(cap, 3);
  await close(server);
  const [kept, linked, restarted] = cap.spans as [Span, Span, Span];
  assert.is(kept.traceId, TID);
  assert.is(kept.links.length, 0);
  assert.is.not(linked.traceId, TID);
  assert.is(linked.parentSpanId, '');
  assert.is(linked.links.length, 1);
  assert.is(linked.links[0]!.traceId, TID);
  assert.is(linked.links[0]!.spanId, SID);
  assert.is.not(restarted.traceId, TID);
  assert.is(restarted.links.length, 0);
});

test('unknown trust policy is a clear error at construction', () => {
  const tracer = createTracer({ service: 'x', processor: new CaptureProcessor() });
  assert.throws(() => withTracing(tracer, () => {}, { trust: 'maybe' as never }), /unknown trust policy/);
  assert.throws(() => withTracing(tracer, () => {}, { trust: 'toString' as never }), /unknown trust policy/);
  assert.throws(() => withTracing(tracer, () => {}, { trust: 2 as never }), /unknown trust policy/);
});

test('AC-005 tenant from a gateway header is on the span at start (the sampler sees it); bad values dropped and counted', async () => {
  const sampler = new TenantSampler(alwaysOn, { noisy: alwaysOff });
  const before = adapterStats().tenantRejected;
  const { cap, server, port } = await serve((_req, res) => res.end(), { tenant: 'X-Tenant-Id' }, { sampler });
  await send(port, { headers: { 'x-tenant-id': 'acme' } });
  const rn = await send(port, { headers: { 'x-tenant-id': 'noisy' } });
  await send(port, { headers: { 'x-tenant-id': 'a b<script>' } });
  await send(port, { headers: { 'x-tenant-id': 'x'.repeat(65) } });
  await settle(cap, 3);
  await close(server);
  assert.is(cap.spans.length, 3, 'noisy tenant not sampled');
  assert.match(String(rn.headers['x-trace-id']), HEX32, 'unsampled requests still get their trace ID');
  assert.is(cap.spans[0]!.getAttribute('tenant.id'), 'acme');
  assert.is(cap.spans[1]!.getAttribute('tenant.id'), undefined);
  assert.is(cap.spans[2]!.getAttribute('tenant.id'), undefined);
  assert.is(adapterStats().tenantRejected - before, 2);

  const fn = await serve((_req, res) => res.end(), { tenant: (req) => (req.url === '/t/blue' ? 'blue' : undefined) });
  await send(fn.port, { path: '/t/blue' });
  await settle(fn.cap, 1);
  await close(fn.server);
  assert.is(fn.cap.spans[0]!.getAttribute('tenant.id'), 'blue');
});

test('AC-007 url.path never keeps the query or fragment, whatever the request-target form', () => {
  assert.is(pathOf('/a/b?token=x#f'), '/a/b');
  assert.is(pathOf('/a#frag'), '/a');
  assert.is(pathOf('/cart;jsessionid=0123ABCD/items;v=2?x=1'), '/cart/items;v=2', 'a session in a path parameter is a credential');
  assert.is(pathOf('http://user:pw@h:8080/p/q?s=1'), '/p/q');
  assert.is(pathOf('http://h'), '/');
  assert.is(pathOf('*'), '*');
  assert.is(pathOf('garbage'), '/');
  assert.is(pathOf(undefined), '/');
  assert.is(normalizeMethod(undefined), 'GET');
  assert.is(hostOf('[::1]:8080'), '::1');
  assert.is(hostPortOf('[::1]:8080'), 8080);
  assert.is(hostOf('bad host'), null);
  assert.is(hostOf(':80'), null);
  assert.is(hostPortOf('h:99999'), -1);
  assert.is(hostPortOf('h:8x'), -1);
  assert.not.ok(isBoundedId('ténant', 64));
  const v = serverTimingValue({ t0: 0x0af76519, t1: 0x16cd43dd, t2: -2075333887, t3: 0x1c80319c, s0: -1213371535, s1: 0x69203331, traceFlags: 0xff });
  assert.is(v.slice(TRACEPARENT_AT), '00-0af7651916cd43dd844ceb011c80319c-b7ad6b7169203331-03', 'negative words as unsigned hex; unknown flag bits sent as 0');
});

test('AC-003 AC-007 span data: semconv attributes, no query string, no header values; url.path can be omitted', async () => {
  const warnings: string[] = [];
  const { cap, server, port } = await serve((_req, res) => { res.statusCode = 201; res.end(); }, { requestHeaders: ['X-Request-Id', 'authorization'] }, { logger: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /authorization/);
  await send(port, { method: 'POST', path: '/orders/42?token=s3cret&card=4111', headers: { host: 'api.example.com:8443', authorization: 'Bearer tok-123', cookie: 'sid=abc', 'x-request-id': 'r-1' }, body: 'secret-body' });
  await send(port, { method: 'PROPFIND', path: '/dav' });
  const quiet = await serve((_req, res) => res.end(), { recordPath: false });
  await send(quiet.port, { path: '/users/42' });
  await settle(cap, 2);
  await settle(quiet.cap, 1);
  await close(server);
  await close(quiet.server);
  const s = cap.spans[0]!;
  assert.is(s.name, 'POST', 'no route known: the method alone, never the raw path');
  assert.equal(s.attributes, {
    'http.request.method': 'POST', 'url.path': '/orders/42', 'url.scheme': 'http', 'server.address': 'api.example.com', 'server.port': 8443,
    'http.request.header.x-request-id': ['r-1'], 'http.response.status_code': 201,
  });
  assert.is(s.tracer.service, 'orders');
  assert.ok(s.endTime >= s.startTime && s.duration >= 0);
  const dump = JSON.stringify(cap.spans.map((x) => [x.name, x.attributes]));
  for (const secret of ['s3cret', '4111', 'tok-123', 'sid=abc', 'secret-body', 'token=']) assert.not.ok(dump.includes(secret), secret);
  const other = cap.spans[1]!;
  assert.is(other.name, 'HTTP');
  assert.is(other.getAttribute('http.request.method'), '_OTHER');
  assert.is(other.getAttribute('http.request.method_original'), 'PROPFIND');
  assert.is(other.getAttribute('server.address'), '127.0.0.1');
  assert.is(other.getAttribute('server.port'), port);
  assert.is(quiet.cap.spans[0]!.getAttribute('url.path'), undefined);
});

test('AC-003 a Host header that is no RFC 9110 Host names no server: server.address / server.port come from the socket, counted in hostRejected', async () => {
  const { cap, server, port } = await serve((_req, res) => res.end());
  const before = adapterStats().hostRejected;
  const bad = ['[::1', 'a:b:c', 'h:x', '@:080', ']', '[1.2.3.4]:80', 'h:0', 'h:0', 'api.example.com:99999'];
  for (const host of bad) await send(port, { headers: { host } });
  await send(port, { headers: { host: '[::1]:080' } });
  await send(port, { headers: { host: 'api.example.com:' } });
  await settle(cap, bad.length + 2);
  await close(server);
  const got = cap.spans.map((s) => [s.getAttribute('server.address'), s.getAttribute('server.port')]);
  assert.equal(got.slice(0, 5), bad.slice(0, 5).map(() => ['127.0.0.1', port]), 'no name from the Host: the socket\'s address and port');
  assert.equal(got.slice(6), [['h', port], ['h', port], ['api.example.com', port], ['::1', 80], ['api.example.com', port]], 'a valid name, a port outside 1..65535: the socket\'s port');
  assert.is(adapterStats().hostRejected - before, bad.length, 'every request counted, the same value twice included');
});

test('AC-003 responseHeaders allowlist reads headers given to writeHead (object or flat array) as well as setHeader', async () => {
  const { cap, server, port } = await serve((req, res) => {
    if (req.url === '/set') { res.setHeader('Content-Type', 'text/plain'); res.end(); }
    else if (req.url === '/obj') res.writeHead(200, { 'Content-Type': 'text/html', 'x-other': 'no' }).end();
    else res.writeHead(200, ['content-type', 'application/json', 'Vary', 'a', 'vary', 'b', 'set-cookie', 'sid=1']).end();
  }, { responseHeaders: ['content-type', 'vary', 'set-cookie'] });
  for (const path of ['/set', '/obj', '/arr']) await send(port, { path });
  await settle(cap, 3);
  await close(server);
  const [set, obj, arr] = cap.spans as [Span, Span, Span];
  assert.equal(set.getAttribute('http.response.header.content-type'), ['text/plain']);
  assert.equal(obj.getAttribute('http.response.header.content-type'), ['text/html']);
  assert.is(obj.getAttribute('http.response.header.x-other'), undefined);
  assert.equal(arr.getAttribute('http.response.header.content-type'), ['application/json']);
  assert.equal(arr.getAttribute('http.response.header.vary'), ['a', 'b']);
  for (const sp of [set, obj, arr]) assert.is(sp.getAttribute('http.response.header.set-cookie'), undefined, 'credentials never recorded');
});

test('AC-003 a router sets the route: span named {method} {route}; a res.locals-style hook works too', async () => {
  // A tiny router, the way frameworks on node:http match routes.
  const routes: Array<[string, RegExp, (req: http.IncomingMessage, res: http.ServerResponse) => void]> = [
    ['/orders/:id', /^\/orders\/[^/]+$/, (_req, res) => res.end('order')],
  ];
  const router = (req: http.IncomingMessage, res: http.ServerResponse) => {
    for (const [template, re, h] of routes) if (re.test(req.url!.split('?')[0]!)) { setRoute(req, template); return h(req, res); }
    res.statusCode = 404;
    res.end();
  };
  const { cap, server, port } = await serve(router);
  await send(port, { path: '/orders/42?x=1' });
  await send(port, { path: '/nope' });
  const hooked = await serve((_req, res) => { (res as unknown as { locals: { route: string } }).locals = { route: '/items/{sku}' }; res.end(); }, {
    routeOf: (_req, res) => (res as unknown as { locals?: { route?: string } }).locals?.route,
  });
  await send(hooked.port, { method: 'DELETE', path: '/items/abc' });
  await settle(cap, 2);
  await settle(hooked.cap, 1);
  await close(server);
  await close(hooked.server);
  assert.is(cap.spans[0]!.name, 'GET /orders/:id');
  assert.is(cap.spans[0]!.getAttribute('http.route'), '/orders/:id');
  assert.is(cap.spans[1]!.name, 'GET');
  assert.is(cap.spans[1]!.getAttribute('http.route'), undefined);
  assert.is(hooked.cap.spans[0]!.name, 'DELETE /items/{sku}');
});

test('AC-002 the server span is active in the handler and in request-body listeners, per request on a keep-alive connection', async () => {
  let tracer!: Tracer;
  const seen: Array<[string | undefined, string | undefined]> = [];
  const { cap, server, port, tracer: t } = await serve((req, res) => {
    const inHandler = tracer.activeSpan()?.spanId;
    req.on('data', () => {});
    req.on('end', () => {
      seen.push([inHandler, tracer.activeSpan()?.spanId]);
      setTimeout(() => res.end(), 1);
    });
  });
  tracer = t;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  await send(port, { method: 'POST', body: 'a', agent });
  await send(port, { method: 'POST', body: 'b', agent });
  agent.destroy();
  await settle(cap, 2);
  await close(server);
  assert.is(seen.length, 2);
  for (let i = 0; i < 2; i++) {
    assert.is(seen[i]![0], cap.spans[i]!.spanId);
    assert.is(seen[i]![1], cap.spans[i]!.spanId, 'body listener sees its own request span');
  }
  assert.is(getRequestSpan({} as http.IncomingMessage), undefined);
});

test('AC-002 traceServer: request-body listeners see the request span (Node 20 resource store and Node >= 24 AsyncContextFrame alike)', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'orders', processor: cap });
  const seen: Array<string | undefined> = [];
  let ownEmits = 0; // a custom IncomingMessage's own emit still runs under the adapter
  class CountingMessage extends http.IncomingMessage {
    override emit(event: string | symbol, ...args: unknown[]): boolean { if (event === 'end') ownEmits++; return super.emit(event, ...args); }
  }
  const server = http.createServer({ IncomingMessage: CountingMessage }, (req, res) => {
    req.on('data', () => seen.push(tracer.activeSpan()?.spanId));
    req.on('end', () => { seen.push(tracer.activeSpan()?.spanId); res.end(); });
  });
  traceServer(tracer, server);
  const port = await listen(server);
  await send(port, { method: 'POST', body: 'x' });
  await settle(cap, 1);
  await close(server);
  assert.equal(seen, [cap.spans[0]!.spanId, cap.spans[0]!.spanId]);
  assert.is(ownEmits, 1);
});

test('AC-002 traceServer (Node >= 24): a custom IncomingMessage emit sees the request span for events with no listener too', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'orders', processor: cap });
  const seen = new Map<string, string | undefined>();
  class SeeingMessage extends http.IncomingMessage { // e.g. logs each event with the trace id
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (typeof event === 'string' && !seen.has(event)) seen.set(event, tracer.activeSpan()?.spanId);
      return super.emit(event, ...args);
    }
  }
  let sawEnd = false;
  const server = http.createServer({ IncomingMessage: SeeingMessage }, (req, res) => {
    req.resume();
    req.on('end', () => { sawEnd = true; res.end(); });
  });
  traceServer(tracer, server);
  const port = await listen(server);
  await send(port, { method: 'POST', body: 'x' });
  await settle(cap, 1);
  for (let i = 0; i < 50 && !seen.has('close'); i++) await new Promise((r) => setTimeout(r, 5));
  await close(server);
  assert.ok(sawEnd);
  const id = cap.spans[0]!.spanId;
  for (const ev of ['resume', 'end', 'close']) assert.is(seen.get(ev), id, `${ev}: ${seen.get(ev)}`);
});

test('AC-001 traceServer wraps a whole http.Server (all request listeners in the span); untraceServer restores emit', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'orders', processor: cap });
  const server = http.createServer();
  const active: Array<string | undefined> = [];
  server.on('request', () => active.push(tracer.activeSpan()?.spanId));
  server.on('request', (_req, res) => { active.push(tracer.activeSpan()?.spanId); res.end(); });
  assert.is(withTracing(tracer, server), server);
  traceServer(tracer, server); // twice: still one span per request
  server.on('request', withTracing(tracer, (_req, _res) => {}) as http.RequestListener); // and a wrapped handler on it
  const port = await listen(server);
  const r = await send(port);
  await settle(cap, 1);
  assert.is(cap.spans.length, 1);
  assert.is(r.headers['x-trace-id'], cap.spans[0]!.traceId);
  assert.equal(active, [cap.spans[0]!.spanId, cap.spans[0]!.spanId]);
  server.removeAllListeners('request');
  server.on('request', (_req, res) => res.end());
  untraceServer(server);
  assert.not.ok(Object.prototype.hasOwnProperty.call(server, 'emit'));
  assert.is(server.emit, http.Server.prototype.emit);
  const r2 = await send(port);
  await close(server);
  assert.is(r2.headers['x-trace-id'], undefined);
  assert.is(cap.spans.length, 1);
});

test('AC-001 traceServer: a request with Expect: 100-continue handled by a checkContinue listener is traced like any other', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'orders', processor: cap });
  const server = traceServer(tracer, http.createServer());
  server.on('checkContinue', (req, res) => { res.writeContinue(); req.resume(); req.on('end', () => res.end('got it')); });
  const port = await listen(server);
  const r = await new Promise<{ headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/upload', headers: { expect: '100-continue' }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ headers: res.headers, body }));
    });
    req.on('continue', () => req.end('payload'));
    req.on('error', reject);
  });
  await settle(cap, 1);
  await close(server);
  assert.is(r.body, 'got it');
  assert.is(cap.spans.length, 1);
  assert.is(r.headers['x-trace-id'], cap.spans[0]!.traceId);
  assert.is(cap.spans[0]!.getAttribute('http.request.method'), 'POST');
});

test('AC-001 traceServer: Node\'s own 417 to an Expect other than 100-continue (no checkExpectation listener) carries the trace headers; the span has status 417', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'orders', processor: cap });
  let called = 0;
  const server = traceServer(tracer, http.createServer((_req, res) => { called++; res.end('ok'); }));
  const port = await listen(server);
  try {
    const reply = await rawExchange(port, 'PUT /up HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc');
    await settle(cap, 1);
    const s = cap.spans[0]!;
    assert.ok(s, 'the refused request has a span');
    assert.match(reply, /^HTTP\/1\.1 417 Expectation Failed\r\n/);
    assert.ok(reply.includes(`\r\nx-trace-id: ${s.traceId}\r\n`), reply);
    assert.ok(reply.includes(`\r\nserver-timing: trace;desc=00-${s.traceId}-${s.spanId}-03\r\n`), reply);
    assert.is(s.getAttribute('http.response.status_code'), 417);
    assert.is(s.getAttribute('url.path'), '/up');
    assert.is(s.status, SpanStatusCode.UNSET, '4xx: not a server error');
    assert.is(called, 0, 'the handler never sees it, as without tracing');
    assert.is(server.listenerCount('checkExpectation') > 0 ? 'listener' : 'none', 'listener');
    // without Host, Node's 400 comes first (its requireHostHeader check precedes the Expect one), as untraced
    assert.match(await rawExchange(port, 'GET / HTTP/1.1\r\nExpect: foo\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n/);
    // a checkExpectation listener of the host's own still decides the answer, inside the span
    let inSpan = false;
    server.on('checkExpectation', (_req, res) => { inSpan = getRequestSpan(_req) !== undefined; res.writeHead(202); res.end(); });
    const own = await rawExchange(port, 'GET /mine HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nConnection: close\r\n\r\n');
    assert.match(own, /^HTTP\/1\.1 202 Accepted\r\n/);
    assert.ok(own.includes('\r\nx-trace-id: '), own);
    assert.ok(inSpan);
  } finally {
    await close(server);
  }
  untraceServer(server);
  assert.is(server.listeners('checkExpectation').length, 1, 'untraceServer leaves only the host\'s own listener');
  const plain = traceServer(tracer, http.createServer());
  untraceServer(plain);
  assert.is(plain.listenerCount('checkExpectation'), 0, 'and none on a server that had none');
});

/** Raw bytes to a server, everything it answers until it closes the connection (or `ms` pass). */
function rawExchange(port: number, bytes: string, ms = 3000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    const t = setTimeout(() => s.destroy(), ms);
    s.setEncoding('latin1');
    s.on('data', (d) => (out += d));
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(t); resolve(out); });
    s.on('connect', () => s.write(bytes));
  });
}

/** Node checks requestTimeout/headersTimeout every connectionsCheckingInterval (30 s by default). */
const FAST_TIMEOUTS = { requestTimeout: 200, headersTimeout: 100, connectionsCheckingInterval: 20 } as http.ServerOptions;
const SLOW_BODY = 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab'; // 2 of 10 bytes, then nothing
const BAD_CHUNK = 'POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n';
const bodyReader: http.RequestListener = (req, res) => { req.on('error', () => {}); req.resume(); req.on('end', () => res.end('done')); };

test('AC-001 traceServer: Node\'s own 408 (requestTimeout mid-body) and 400 (bad chunked body) after the request event carry the trace headers; the span records them', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'orders', processor: cap });
  const server = traceServer(tracer, http.createServer(FAST_TIMEOUTS, bodyReader), { traceResponseHeader: true });
  const port = await listen(server);
  try {
    const timedOut = await rawExchange(port, SLOW_BODY);
    await settle(cap, 1);
    const s = cap.spans[0]!;
    assert.ok(s, 'the request was traced');
    assert.match(timedOut, /^HTTP\/1\.1 408 Request Timeout\r\nConnection: close\r\n/);
    assert.ok(timedOut.includes(`\r\nx-trace-id: ${s.traceId}\r\n`), timedOut);
    assert.ok(timedOut.includes(`\r\nserver-timing: trace;desc=00-${s.traceId}-${s.spanId}-03\r\n`), timedOut);
    assert.ok(timedOut.includes(`\r\ntraceresponse: 00-${s.traceId}-${s.spanId}-03\r\n`), timedOut);
    assert.ok(timedOut.endsWith('\r\n\r\n'), 'one head, no body, as Node writes it');
    assert.is(s.getAttribute('http.response.status_code'), 408);
    assert.is(s.getAttribute('error.type'), 'ERR_HTTP_REQUEST_TIMEOUT');
    assert.is(s.status, SpanStatusCode.UNSET, '4xx: not a server error');

    const badChunk = await rawExchange(port, BAD_CHUNK);
    await settle(cap, 2);
    const b = cap.spans[1]!;
    assert.match(badChunk, /^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n/);
    assert.ok(badChunk.includes(`\r\nx-trace-id: ${b.traceId}\r\n`), badChunk);
    assert.is(b.getAttribute('http.response.status_code'), 400);
    assert.is(b.getAttribute('error.type'), 'HPE_INVALID_CHUNK_SIZE');
  } finally {
    await close(server);
  }
});

test('AC-001 traceServer: errors before any request object (bad request line, header overflow, headers timeout) get Node\'s answer unchanged and are counted', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'orders', processor: cap });
  const server = traceServer(tracer, http.createServer({ ...FAST_TIMEOUTS, maxHeaderSize: 1024 }, bodyReader));
  const port = await listen(server);
  const before = adapterStats().clientErrors;
  try {
    assert.is(await rawExchange(port, 'GARBAGE\r\n\r\n'), 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    assert.is(await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a'.repeat(2000) + '\r\n\r\n'), 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n');
    assert.is(await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n'), 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    await settle(cap, 1);
    assert.is(cap.spans.length, 0, 'no request object, no span');
    assert.is(adapterStats().clientErrors - before, 3);
  } finally {
    await close(server);
  }
});

test('AC-001 traceServer: an HTTP/1.1 request without Host gets Node\'s 400 with the trace headers and a span (Node answers it with no event)', async () => {
  const raw = (port: number, text: string): Promise<string> => new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    let b = '';
    c.on('data', (d) => (b += d)); c.on('close', () => resolve(b)); c.on('error', () => {});
    c.write(text);
  });
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'orders', processor: cap });
  let called = 0;
  const server = traceServer(tracer, http.createServer((_req, res) => { called++; res.end('ok'); }));
  const port = await listen(server);
  const reply = await raw(port, 'GET /x HTTP/1.1\r\n\r\n');
  const ok = await raw(port, 'GET /y HTTP/1.0\r\n\r\n'); // HTTP/1.0 needs no Host
  await settle(cap, 2);
  await close(server);
  assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n/);
  const s = cap.spans.find((x) => x.getAttribute('url.path') === '/x');
  assert.ok(s, 'a span for the refused request');
  assert.ok(reply.includes(`\r\nx-trace-id: ${s!.traceId}\r\n`), reply);
  assert.is(s!.getAttribute('http.response.status_code'), 400);
  assert.is(called, 1, 'the handler never sees the refused request');
  assert.match(ok, /^HTTP\/1\.1 200 /);
  assert.is((server as unknown as { requireHostHeader?: boolean }).requireHostHeader, true, 'left as it is: Node still answers');
  untraceServer(server);
  // a server that allows requests without Host still passes them to its handler
  const lax = traceServer(tracer, http.createServer({ requireHostHeader: false }, (_req, res) => { called++; res.end('ok'); }));
  const laxPort = await listen(lax);
  assert.match(await raw(laxPort, 'GET /z HTTP/1.1\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200 /);
  await close(lax);
  assert.is(called, 2);
});

test('AC-001 traceServer: a pipelined request Node refuses with 503 past maxRequestsPerSocket (no request event) has a span and the trace headers; an ignored one is counted', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'orders', processor: cap });
  const server = traceServer(tracer, http.createServer((_req, res) => res.end('ok')), { ignore: (req) => req.url === '/ignored' });
  server.maxRequestsPerSocket = 1;
  const port = await listen(server);
  const before = adapterStats().clientErrors;
  try {
    const out = await rawExchange(port, 'GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /ignored HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await settle(cap, 2);
    assert.is(cap.spans.length, 2);
    const dropped = cap.spans.find((x) => x.getAttribute('url.path') === '/2')!;
    assert.ok(dropped, 'a span for the refused request');
    const second = out.slice(out.indexOf('HTTP/1.1 503 Service Unavailable'));
    assert.ok(second.includes(`\r\nx-trace-id: ${dropped.traceId}\r\n`), out);
    assert.is(dropped.getAttribute('http.response.status_code'), 503);
    assert.is(dropped.status, SpanStatusCode.ERROR);
    assert.is(out.split('HTTP/1.1 503').length - 1, 2, 'both refused, as without tracing');
    assert.is(adapterStats().clientErrors - before, 1, 'the ignored one');
  } finally {
    await close(server);
  }
});

test('AC-001 traceServer: a host clientError listener still decides the answer; the in-flight span records the error', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'orders', processor: cap });
  const server = traceServer(tracer, http.createServer(FAST_TIMEOUTS, bodyReader));
  server.on('clientError', (_e, socket) => socket.end('HTTP/1.1 418 I\'m a teapot\r\nConnection: close\r\n\r\n'));
  const port = await listen(server);
  try {
    const got = await rawExchange(port, SLOW_BODY);
    await settle(cap, 1);
    assert.is(got, 'HTTP/1.1 418 I\'m a teapot\r\nConnection: close\r\n\r\n');
    assert.is(cap.spans[0]!.getAttribute('error.type'), 'ERR_HTTP_REQUEST_TIMEOUT');
  } finally {
    await close(server);
  }
});

test('AC-001 withTracing: a request Node timed out mid-body ends with error.type ERR_HTTP_REQUEST_TIMEOUT, a client that left mid-body with aborted', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'orders', processor: cap });
  const server = http.createServer(FAST_TIMEOUTS, withTracing(tracer, bodyReader) as http.RequestListener);
  const port = await listen(server);
  try {
    const got = await rawExchange(port, SLOW_BODY, 3000);
    assert.match(got, /^HTTP\/1\.1 408 /, 'Node answered (no trace headers: withTracing never sees the server)');
    await settle(cap, 1);
    assert.is(cap.spans[0]!.getAttribute('error.type'), 'ERR_HTTP_REQUEST_TIMEOUT');
    await rawExchange(port, SLOW_BODY, 50); // the client closes after 50 ms
    await settle(cap, 2);
    assert.is(cap.spans[1]!.getAttribute('error.type'), 'aborted');
  } finally {
    await close(server);
  }
});

test('AC-001 ignore(): probes get no span and no headers', async () => {
  const { cap, server, port } = await serve((_req, res) => res.end(), { ignore: (req) => req.url === '/healthz' });
  const r = await send(port, { path: '/healthz' });
  await send(port, { path: '/x' });
  await settle(cap, 1);
  await close(server);
  assert.is(r.headers['x-trace-id'], undefined);
  assert.is(cap.spans.length, 1);
});

test('AC-002 an ignored request on a keep-alive connection does not run in the previous request\'s span (withTracing and traceServer)', async () => {
  for (const whole of [false, true]) {
    const cap = new CaptureProcessor();
    const tracer = createTracer({ service: 'orders', processor: cap });
    const seen: Array<string | undefined> = [];
    const handler: http.RequestListener = (_req, res) => { seen.push(tracer.activeSpan()?.spanId); res.end(); };
    const opts = { ignore: (req: http.IncomingMessage) => req.url === '/health' };
    const server = whole ? traceServer(tracer, http.createServer(handler), opts) : http.createServer(withTracing(tracer, handler, opts) as http.RequestListener);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await send(port, { path: '/work', agent });
    await send(port, { path: '/health', agent });
    agent.destroy();
    await settle(cap, 1);
    await close(server);
    assert.is(cap.spans.length, 1);
    assert.equal(seen, [cap.spans[0]!.spanId, undefined], whole ? 'traceServer' : 'withTracing');
  }
});

test('AC-007 a failing tracer internals never break the request: counted, request served untraced', async () => {
  const before = adapterStats().internalErrors;
  const logs: string[] = [];
  const tracer = createTracer({ service: 'x', processor: new CaptureProcessor(), logger: (m) => logs.push(m) });
  const traced = withTracing(tracer, (_req, res) => res.end('fine'));
  // the adapter's own read of the request fails (here: a headers getter that throws, as a broken framework shim might)
  const server = http.createServer((req, res) => {
    const headers = req.headers;
    let first = true;
    Object.defineProperty(req, 'headers', { configurable: true, get() { if (first) { first = false; throw new Error('shim bug'); } return headers; } });
    return traced(req, res);
  });
  const port = await listen(server);
  const r = await send(port);
  await close(server);
  assert.is(r.status, 200);
  assert.is(r.body, 'fine');
  assert.is(r.headers['x-trace-id'], undefined, 'untraced: no span to name');
  assert.is(adapterStats().internalErrors - before, 1);
  assert.ok(logs.length <= 1);
});

test('AC-001 a throwing tenant / ignore / trust function, or a trust function returning no policy, still gets the request traced (safe default, counted)', async () => {
  const before = adapterStats().callbackErrors;
  const logs: string[] = [];
  const { cap, server, port } = await serve((_req, res) => res.end('fine'), {
    tenant: () => { throw new Error('tenant rule bug'); },
    ignore: (req) => { if (req.url === '/boom') throw new Error('ignore rule bug'); return req.url === '/health'; },
    trust: (req) => (req.url === '/bad-trust' ? 'toString' as never : req.url === '/throw-trust' ? (() => { throw new Error('trust bug'); })() : 'preserve'),
  }, { sampler: parentBased(alwaysOff), logger: (m) => logs.push(m) });
  const tp = { traceparent: `00-${TID}-${SID}-01` };
  const a = await send(port, { headers: tp });
  const b = await send(port, { path: '/boom', headers: tp });
  const c = await send(port, { path: '/bad-trust', headers: tp });
  const d = await send(port, { path: '/throw-trust', headers: tp });
  const h = await send(port, { path: '/health', headers: tp });
  await settle(cap, 2);
  await close(server);
  for (const r of [a, b, c, d]) {
    assert.is(r.status, 200);
    assert.is(r.body, 'fine');
    assert.is(r.headers['x-trace-id'], TID, 'traced, the caller\'s trace kept (AC-001)');
  }
  assert.is(h.headers['x-trace-id'], undefined, 'ignore() still works when it returns');
  // a and b: preserve, the caller's sampled flag honoured; c and d: preserve-ids, this service's sampler (alwaysOff) decides
  assert.is(cap.spans.length, 2);
  assert.match(timingOf(c.headers), new RegExp(`-${TID}-[0-9a-f]{16}-00$`), 'unsampled: the caller\'s flag not honoured');
  assert.match(timingOf(d.headers), new RegExp(`-${TID}-[0-9a-f]{16}-00$`));
  for (const s of cap.spans as Span[]) assert.is(s.getAttribute('tenant.id'), undefined);
  // tenant x4 (every traced request; /health is ignored before it), ignore x1, trust x2
  assert.is(adapterStats().callbackErrors - before, 7);
  assert.is(logs.length, 1, 'said once');
  assert.match(logs[0]!, /callbackErrors/);
});
test('AC-003 https server: url.scheme https', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-tls-'));
  try {
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { encoding: 'utf8' });
    if (gen.status !== 0) {
      // Needs the openssl CLI to make a throwaway certificate.
      console.log('SKIP: openssl not available to create a test certificate');
      return;
    }
    const cap = new CaptureProcessor();
    const tracer = createTracer({ service: 'tls', processor: cap });
    const server = https.createServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, withTracing(tracer, (_req, res) => res.end()) as http.RequestListener);
    const port = await listen(server as unknown as http.Server);
    const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, path: '/s?q=1', rejectUnauthorized: false, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.headers)); }).on('error', reject);
    });
    await settle(cap, 1);
    await close(server as unknown as http.Server);
    assert.is(cap.spans[0]!.getAttribute('url.scheme'), 'https');
    assert.is(headers['x-trace-id'], cap.spans[0]!.traceId);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('AC-007 a response header name that is no HTTP token is refused when the handler is built, not thrown from every response', () => {
  const tracer = createTracer({ service: 'names' });
  const h = (_req: http.IncomingMessage, res: http.ServerResponse): void => { res.end(); };
  assert.throws(() => withTracing(tracer, h, { traceIdHeader: 'bad name' }), /traceIdHeader "bad name" is not an HTTP header name/);
  assert.throws(() => withTracing(tracer, h, { serverTimingHeader: 'x:y' }), /serverTimingHeader/);
  assert.throws(() => traceServer(tracer, http.createServer(), { traceResponseHeader: 'a\r\nb' }), /traceResponseHeader/);
  withTracing(tracer, h, { traceIdHeader: 'X-Request-Trace', serverTimingHeader: false, traceResponseHeader: true }); // valid ones still pass
});

test.run();
