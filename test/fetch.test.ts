import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import diagnostics from 'node:diagnostics_channel';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createTracer, markNoTrace, SpanContext, SpanKind, SpanStatusCode, type Span } from '../src/index.js';
import { traceFetch, tracedFetch, hasTraceparent } from '../adapters/fetch.js';
import { adapterStats, retry, withTracing } from '../adapters/http.js';
import { CaptureProcessor } from './helpers/capture.js';
import { listen, listen6, close } from './helpers/net.js';

async function settle(cap: CaptureProcessor, n: number): Promise<void> {
  for (let i = 0; i < 200 && cap.spans.length < n; i++) await new Promise((r) => setTimeout(r, 5));
}
const countRaw = (req: http.IncomingMessage, name: string) => req.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === name).length;

/** Downstream: /redirect → 302 to /final; /status/N → N; /slow never answers; else 200. */
async function downstream(tracer?: ReturnType<typeof createTracer>) {
  const seen: http.IncomingMessage[] = [];
  const h: http.RequestListener = (req, res) => {
    seen.push(req);
    const url = req.url!;
    if (url.startsWith('/redirect')) { res.writeHead(302, { location: '/final' }); res.end(); }
    else if (url.startsWith('/status/')) { res.statusCode = Number(url.slice(8, 11)); res.end(); }
    else if (url.startsWith('/slow')) { /* never answers */ }
    else res.end('ok');
  };
  const server = http.createServer(tracer ? (withTracing(tracer, h) as http.RequestListener) : h);
  const port = await listen(server);
  return { seen, server, port };
}

test('AC-002 global fetch is traced without replacing it: one CLIENT span, one traceparent, the callee\'s parent', async () => {
  const capA = new CaptureProcessor();
  const capB = new CaptureProcessor();
  const a = createTracer({ service: 'caller', processor: capA });
  const b = createTracer({ service: 'callee', processor: capB });
  const { seen, server, port } = await downstream(b);
  const fetchBefore = globalThis.fetch;
  const undo = traceFetch(a);
  assert.is(globalThis.fetch, fetchBefore);
  const parent = a.startSpan('job') as Span;
  const res = await a.withSpan(parent, () => fetch(`http://127.0.0.1:${port}/items?api_key=k3y`, { headers: { authorization: 'Bearer t0k' } }));
  assert.is(await res.text(), 'ok');
  parent.end();
  await settle(capA, 2);
  await settle(capB, 1);
  undo();
  await close(server);
  const client = capA.spans.find((s) => s.kind === SpanKind.CLIENT)!;
  assert.is(client.name, 'GET');
  assert.is(client.parentSpanId, parent.spanId);
  assert.equal(client.attributes, {
    'http.request.method': 'GET', 'server.address': '127.0.0.1', 'server.port': port,
    'url.full': `http://127.0.0.1:${port}/items`, 'http.response.status_code': 200,
  });
  assert.is(countRaw(seen[0]!, 'traceparent'), 1);
  assert.is(capB.spans[0]!.parentSpanId, client.spanId);
  assert.is(capB.spans[0]!.traceId, parent.traceId);
  const dump = JSON.stringify(capA.spans.map((s) => s.attributes));
  for (const secret of ['k3y', 't0k', 'api_key']) assert.not.ok(dump.includes(secret), secret);
});

test('AC-002 a redirect: exactly one span per request on the wire, each the parent of its hop', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { seen, server, port } = await downstream();
  const creates: unknown[] = [];
  const count = (m: unknown) => creates.push((m as { request: unknown }).request);
  diagnostics.subscribe('undici:request:create', count);
  const undo = traceFetch(tracer);
  const parent = tracer.startSpan('page') as Span;
  const res = await tracer.withSpan(parent, () => fetch(`http://127.0.0.1:${port}/redirect`));
  await res.text();
  parent.end();
  await settle(cap, 3);
  cap.spans.splice(cap.spans.indexOf(parent), 1);
  undo();
  diagnostics.unsubscribe('undici:request:create', count);
  await close(server);
  assert.is(seen.length, 2, 'two requests on the wire');
  assert.is(creates.length, 2, 'request:create fired once per wire request');
  assert.is(cap.spans.length, 2);
  assert.equal(cap.spans.map((s) => s.getAttribute('http.response.status_code')), [302, 200]);
  assert.is(cap.spans[0]!.status, SpanStatusCode.UNSET);
  for (let i = 0; i < 2; i++) {
    assert.is(countRaw(seen[i]!, 'traceparent'), 1);
    assert.match(String(seen[i]!.headers.traceparent), new RegExp(`-${cap.spans[i]!.spanId}-`));
  }
  for (const s of cap.spans) { assert.is(s.traceId, parent.traceId); assert.is(s.parentSpanId, parent.spanId); }
  assert.equal(cap.spans.map((s) => s.getAttribute('http.request.resend_count')), [undefined, 1], 'a redirect is a resend (semconv)');
});

/** Redirects to itself: /loop/N answers 302 to /loop/N-1 (with a query), /loop/0 answers 200; each request noted with its traceparent. */
async function loopServer() {
  const seen: { url: string; chain: string; traceparent: string }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url!, chain: String(req.headers['x-chain']), traceparent: String(req.headers.traceparent) });
    const n = Number(/^\/loop\/(\d+)/.exec(req.url!)?.[1] ?? 0);
    if (n > 0) { res.writeHead(302, { location: `/loop/${n - 1}?token=s3cret` }); res.end('moved'); } else res.end('ok');
  });
  const port = await listen(server);
  return { seen, server, port };
}
const tpSpanId = (tp: string) => tp.slice(36, 52);

test('AC-002 a redirect with no active span (a server that 302s to itself): each hop its own CLIENT span in ONE trace, the hops after the first under it, resend_count 1, 2; each hop\'s traceparent names its span', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { seen, server, port } = await loopServer();
  const undo = traceFetch(tracer);
  try {
    const res = await fetch(`http://127.0.0.1:${port}/loop/2`);
    assert.is(await res.text(), 'ok');
    await settle(cap, 3);
  } finally { undo(); await close(server); }
  assert.equal(seen.map((r) => r.url), ['/loop/2', '/loop/1?token=s3cret', '/loop/0?token=s3cret']);
  const hops = cap.spans as Span[];
  assert.is(hops.length, 3, 'one CLIENT span per request on the wire');
  const [first, second, third] = hops as [Span, Span, Span];
  for (const s of hops) { assert.is(s.kind, SpanKind.CLIENT); assert.is(s.traceId, first.traceId, 'one trace for the chain'); }
  assert.is(first.parentSpanId, '');
  assert.equal([second.parentSpanId, third.parentSpanId], [first.spanId, first.spanId]);
  assert.equal(hops.map((s) => s.getAttribute('http.request.resend_count')), [undefined, 1, 2]);
  assert.equal(hops.map((s) => s.getAttribute('http.response.status_code')), [302, 302, 200]);
  assert.equal(seen.map((r) => tpSpanId(r.traceparent)), hops.map((s) => s.spanId), 'each hop names its own span');
  for (const s of hops) assert.not.ok(String(s.getAttribute('url.full')).includes('s3cret'), 'no query in url.full');
});

test('AC-002 concurrent redirect chains to the same URL, no active span: each chain in its own trace, none mixed', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { seen, server, port } = await loopServer();
  const undo = traceFetch(tracer);
  const N = 6;
  try {
    await Promise.all(Array.from({ length: N }, async (_, i) => (await fetch(`http://127.0.0.1:${port}/loop/2`, { headers: { 'x-chain': String(i) } })).text()));
    await settle(cap, 3 * N);
  } finally { undo(); await close(server); }
  assert.is(seen.length, 3 * N);
  assert.is(cap.spans.length, 3 * N);
  const byId = new Map(cap.spans.map((s) => [s.spanId, s]));
  const traces = new Set<string>();
  for (let i = 0; i < N; i++) {
    const mine = seen.filter((r) => r.chain === String(i)).map((r) => byId.get(tpSpanId(r.traceparent))!);
    assert.is(mine.length, 3);
    assert.equal(new Set(mine.map((s) => s.traceId)).size, 1, `chain ${i}: its hops in one trace`);
    assert.equal(mine.map((s) => s.getAttribute('http.request.resend_count')), [undefined, 1, 2]);
    assert.equal([mine[1]!.parentSpanId, mine[2]!.parentSpanId], [mine[0]!.spanId, mine[0]!.spanId]);
    traces.add(mine[0]!.traceId);
  }
  assert.is(traces.size, N, 'no two chains share a trace');
});

test('AC-002 a redirect under retry(): the hop after attempt 2 counts on (resend_count 2); redirect: manual then a later fetch of the Location is a new request, not a hop', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { server, port } = await loopServer();
  const undo = traceFetch(tracer);
  try {
    let n = 0;
    await retry(tracer, async () => { const r = await fetch(`http://127.0.0.1:${port}/loop/${n++ === 0 ? 'x' : 1}`); await r.text(); return n === 1 ? { status: 503 } : r; }, { name: 'op', minDelayMs: 1 });
    await settle(cap, 4);
    const op = cap.spans.find((s) => s.name === 'op')!;
    const client = cap.spans.filter((s) => s.kind === SpanKind.CLIENT);
    assert.equal(client.map((s) => s.getAttribute('http.request.resend_count')), [undefined, 1, 2]);
    for (const s of client) assert.is(s.parentSpanId, op.spanId);
    cap.spans.length = 0;
    const manual = await fetch(`http://127.0.0.1:${port}/loop/1`, { redirect: 'manual' });
    assert.is(manual.status, 302);
    await manual.text();
    await new Promise((r) => setTimeout(r, 5));
    await (await fetch(`http://127.0.0.1:${port}/loop/0?token=s3cret`)).text();
    await settle(cap, 2);
  } finally { undo(); await close(server); }
  const [a, b] = cap.spans as [Span, Span];
  assert.is.not(a.traceId, b.traceId);
  assert.is(b.parentSpanId, '');
  assert.is(b.getAttribute('http.request.resend_count'), undefined);
});

test('AC-002 tracedFetch on a redirect chain, with traceFetch installed too: one span per chain (the wrapper\'s), every hop carries it, none from the channel', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { seen, server, port } = await loopServer();
  const undo = traceFetch(tracer);
  const f = tracedFetch(tracer);
  try {
    await Promise.all([0, 1].map(async (i) => (await f(`http://127.0.0.1:${port}/loop/2`, { headers: { 'x-chain': String(i) } })).text()));
    const parent = tracer.startSpan('page') as Span;
    await tracer.withSpan(parent, async () => (await f(`http://127.0.0.1:${port}/loop/1`, { headers: { 'x-chain': '2' } })).text());
    parent.end();
    await settle(cap, 4);
  } finally { undo(); await close(server); }
  const client = cap.spans.filter((s) => s.kind === SpanKind.CLIENT);
  assert.is(client.length, 3, 'one span per chain, none from the channel');
  for (let i = 0; i < 3; i++) {
    const tps = new Set(seen.filter((r) => r.chain === String(i)).map((r) => r.traceparent));
    assert.is(tps.size, 1, `chain ${i}: every hop carries the wrapper's traceparent`);
    assert.ok(client.some((s) => tpSpanId([...tps][0]!) === s.spanId));
  }
  assert.is(seen.length, 3 + 3 + 2);
});

test('AC-002 a second request:create for the same request is ignored and counted (no duplicate span)', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { server, port } = await downstream();
  const before = adapterStats().duplicateCreate;
  const undo = traceFetch(tracer);
  // Re-publish each create once more, as a second undici copy or a retrying dispatcher would.
  const channel = diagnostics.channel('undici:request:create');
  let replaying = false;
  const replay = (m: unknown) => { if (!replaying) { replaying = true; channel.publish(m); replaying = false; } };
  diagnostics.subscribe('undici:request:create', replay);
  await (await fetch(`http://127.0.0.1:${port}/`)).text();
  await settle(cap, 1);
  diagnostics.unsubscribe('undici:request:create', replay);
  undo();
  await close(server);
  assert.is(cap.spans.length, 1);
  assert.is(adapterStats().duplicateCreate - before, 1);
});

test('AC-002 wrapper and channel together: one span and one traceparent per request', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { seen, server, port } = await downstream();
  const before = adapterStats().alreadyPropagated;
  const undo = traceFetch(tracer);
  const f = tracedFetch(tracer);
  const res = await f(new Request(`http://127.0.0.1:${port}/w?q=1`, { method: 'POST', body: 'payload', headers: { 'x-keep': 'yes' } }));
  await res.text();
  const res2 = await f(`http://127.0.0.1:${port}/status/404`, { headers: { 'x-keep': 'again' } });
  await res2.text();
  await settle(cap, 2);
  undo();
  await close(server);
  assert.is(cap.spans.length, 2);
  assert.is(adapterStats().alreadyPropagated - before, 2);
  assert.is(seen[0]!.headers['x-keep'], 'yes');
  assert.is(seen[1]!.headers['x-keep'], 'again');
  for (let i = 0; i < 2; i++) {
    assert.is(countRaw(seen[i]!, 'traceparent'), 1);
    assert.match(String(seen[i]!.headers.traceparent), new RegExp(`-${cap.spans[i]!.spanId}-`));
  }
  assert.is(cap.spans[0]!.name, 'POST');
  assert.is(cap.spans[0]!.getAttribute('url.full'), `http://127.0.0.1:${port}/w`);
  assert.is(cap.spans[1]!.getAttribute('error.type'), '404');
  assert.is(cap.spans[1]!.status, SpanStatusCode.ERROR);
});

test('AC-003 fetch errors: 5xx and network errors are errors; an abort is not', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { seen, server, port } = await downstream();
  const undo = traceFetch(tracer);
  await (await fetch(`http://127.0.0.1:${port}/status/503`)).text();
  const ac = new AbortController();
  const slow = fetch(`http://127.0.0.1:${port}/slow`, { signal: ac.signal }).catch((e: Error) => e.name);
  // Abort once the server has the request: aborted earlier (a slow machine), undici's request may never hear of the
  // abort and end only when the server closes the connection (ECONNRESET), which is what its span then records.
  for (let i = 0; i < 400 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
  ac.abort();
  assert.is(await slow, 'AbortError');
  await close(server);
  const probe = http.createServer();
  const closedPort = await listen(probe);
  await close(probe); // a port nobody listens on (not the pooled keep-alive one)
  const refused = await fetch(`http://127.0.0.1:${closedPort}/gone`).catch((e: Error & { cause?: { code?: string } }) => e.cause?.code);
  assert.is(refused, 'ECONNREFUSED');
  await settle(cap, 3);
  undo();
  const [s503, aborted, down] = cap.spans as [Span, Span, Span];
  assert.is(s503.getAttribute('error.type'), '503');
  assert.is(s503.status, SpanStatusCode.ERROR);
  assert.is(aborted.getAttribute('error.type'), 'aborted');
  assert.is(aborted.status, SpanStatusCode.UNSET);
  assert.is(down.getAttribute('error.type'), 'ECONNREFUSED');
  assert.is(down.status, SpanStatusCode.ERROR);
});

test('AC-002 fetch retries under retry(): one span per attempt, resend_count from the second on', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  let n = 0;
  const server = http.createServer((_req, res) => { res.statusCode = ++n === 1 ? 503 : 200; res.end(); });
  const port = await listen(server);
  const undo = traceFetch(tracer);
  const res = await retry(tracer, async () => { const r = await fetch(`http://127.0.0.1:${port}/`); await r.arrayBuffer(); return r; }, { name: 'fetch stock', minDelayMs: 1 });
  await settle(cap, 3);
  undo();
  await close(server);
  assert.is(res.status, 200);
  const logical = cap.spans.find((s) => s.name === 'fetch stock')!;
  const attempts = cap.spans.filter((s) => s.kind === SpanKind.CLIENT);
  assert.is(attempts.length, 2);
  for (const s of attempts) assert.is(s.parentSpanId, logical.spanId);
  assert.equal(attempts.map((s) => s.getAttribute('http.request.resend_count')), [undefined, 1]);
});

test('AC-007 no-trace contexts, ignored origins and requireParent: no span, no header; undo unsubscribes', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { seen, server, port } = await downstream();
  let undo = traceFetch(tracer, { ignoreOrigins: [`http://127.0.0.1:${port}`] });
  await (await fetch(`http://127.0.0.1:${port}/a`)).text();
  undo = traceFetch(tracer, { requireParent: true });
  await (await fetch(`http://127.0.0.1:${port}/b`)).text();
  const branded = markNoTrace(new SpanContext(1, 2, 3, 4, 5, 6, 1, false, null));
  await tracer.withSpan(branded, async () => (await fetch(`http://127.0.0.1:${port}/c`)).text());
  await tracer.withSpan(branded, async () => (await tracedFetch(tracer)(`http://127.0.0.1:${port}/d`)).text());
  undo();
  undo();
  await (await fetch(`http://127.0.0.1:${port}/e`)).text();
  await close(server);
  assert.is(cap.spans.length, 0);
  for (const r of seen) assert.is(r.headers.traceparent, undefined, r.url);
});

test('AC-007 a request to an ignored origin goes out as the caller wrote it: its own traceparent / tracestate are not stripped', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { seen, server, port } = await downstream();
  const undo = traceFetch(tracer, { ignoreOrigins: [`http://127.0.0.1:${port}`] });
  const before = adapterStats().traceHeadersReplaced;
  const own = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'own=1' };
  try {
    await (await fetch(`http://127.0.0.1:${port}/ignored`, { headers: own })).text();
  } finally { undo(); await close(server); }
  assert.is(cap.spans.length, 0);
  assert.is(seen[0]!.headers.traceparent, own.traceparent);
  assert.is(seen[0]!.headers.tracestate, own.tracestate);
  assert.is(adapterStats().traceHeadersReplaced - before, 0);
});

test('AC-002 tracestate rides along with the fetch traceparent', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { seen, server, port } = await downstream();
  const undo = traceFetch(tracer);
  const remote = tracer.extract({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'v=1' })!;
  await tracer.withSpan(remote, async () => (await fetch(`http://127.0.0.1:${port}/`)).text());
  await tracer.withSpan(remote, async () => (await tracedFetch(tracer)(`http://127.0.0.1:${port}/`)).text());
  await settle(cap, 2);
  undo();
  await close(server);
  for (const r of seen) {
    assert.is(r.headers.tracestate, 'v=1');
    assert.ok(String(r.headers.traceparent).startsWith('00-0af7651916cd43dd8448eb211c80319c-'));
  }
});

test('AC-002 a traceparent / tracestate the caller set itself (a proxy forwarding its request\'s headers) is replaced by the CLIENT span\'s', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'proxy', processor: cap });
  const { seen, server, port } = await downstream();
  const undo = traceFetch(tracer);
  const before = adapterStats().traceHeadersReplaced;
  const upstream = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'up=1' };
  const incoming = tracer.extract({ ...upstream, tracestate: 'mine=2' })!;
  const job = tracer.startSpan('proxy', { parent: incoming }) as Span;
  await tracer.withSpan(job, async () => (await fetch(`http://127.0.0.1:${port}/f`, { headers: upstream })).text());
  // No span tracestate: a stale one set by the caller does not ride along with our traceparent.
  const bare = tracer.startSpan('bare', { root: true }) as Span;
  await tracer.withSpan(bare, async () => (await fetch(`http://127.0.0.1:${port}/g`, { headers: { tracestate: 'stale=1' } })).text());
  await settle(cap, 2);
  undo();
  await close(server);
  const [f, g] = cap.spans as [Span, Span];
  assert.is(f.parentSpanId, job.spanId);
  assert.is(countRaw(seen[0]!, 'traceparent'), 1);
  assert.is(seen[0]!.headers.traceparent, `00-${job.traceId}-${f.spanId}-01`);
  assert.is(countRaw(seen[0]!, 'tracestate'), 1);
  assert.is(seen[0]!.headers.tracestate, 'mine=2');
  assert.is(seen[1]!.headers.traceparent, `00-${bare.traceId}-${g.spanId}-03`);
  assert.is(seen[1]!.headers.tracestate, undefined);
  assert.is(adapterStats().traceHeadersReplaced - before, 1);
});

test('tracedFetch replacing a traceparent the caller set counts it in traceHeadersReplaced, as traceFetch does', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'proxy', processor: cap });
  const { seen, server, port } = await downstream();
  const before = adapterStats().traceHeadersReplaced;
  const upstream = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const f = tracedFetch(tracer);
  try {
    await (await f(`http://127.0.0.1:${port}/h`, { headers: { traceparent: upstream } })).text();
    await (await f(new Request(`http://127.0.0.1:${port}/r`, { headers: { traceparent: upstream } }))).text();
    await (await f(`http://127.0.0.1:${port}/i`, { headers: { tracestate: 'stale=1' } })).text(); // no traceparent: nothing replaced
    await (await f(`http://127.0.0.1:${port}/j`)).text();
  } finally { await close(server); }
  await settle(cap, 4);
  assert.is(seen.length, 4);
  assert.is.not(seen[0]!.headers.traceparent, upstream);
  assert.is.not(seen[1]!.headers.traceparent, upstream);
  assert.is(adapterStats().traceHeadersReplaced - before, 2);
});

test('AC-002 undo() while a fetch is in flight: its CLIENT span still ends; later fetches are not traced', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  let answer!: () => void;
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => { seen.push(req); if (req.url === '/late') answer = () => res.end('late'); else res.end('ok'); });
  const port = await listen(server);
  const undo = traceFetch(tracer);
  const pending = fetch(`http://127.0.0.1:${port}/late`);
  for (let i = 0; i < 200 && answer === undefined; i++) await new Promise((r) => setTimeout(r, 5));
  undo();
  answer();
  assert.is(await (await pending).text(), 'late');
  await (await fetch(`http://127.0.0.1:${port}/after`)).text();
  await settle(cap, 1);
  await close(server);
  assert.is(cap.spans.length, 1);
  assert.ok(cap.spans[0]!.ended);
  assert.is(cap.spans[0]!.getAttribute('http.response.status_code'), 200);
  assert.match(String(seen[0]!.headers.traceparent), new RegExp(`-${cap.spans[0]!.spanId}-`));
  assert.is(seen[1]!.headers.traceparent, undefined);
});

test('AC-007 AC-003 tracedFetch: data: and blob: URLs are no request on the wire (no CLIENT span, the payload never in url.full); methods as fetch sends them', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { seen, server, port } = await downstream();
  const f = tracedFetch(tracer);
  const data = await (await f('data:/x,card=4111111111111111')).text();
  const blob = await (await f(URL.createObjectURL(new Blob(['blob-body'])))).text();
  const started = tracer.stats().started;
  try {
    await (await f(`http://127.0.0.1:${port}/m`, { method: 'patch' })).text(); // fetch uppercases only DELETE GET HEAD OPTIONS POST PUT
    await (await f(`http://127.0.0.1:${port}/m`, { method: 'delete' })).text();
  } finally { await close(server); }
  assert.is(data, 'card=4111111111111111');
  assert.is(blob, 'blob-body');
  assert.is(started, 0);
  assert.equal(seen.map((r) => r.method), ['DELETE']); // `patch` reached the wire as such: Node's parser refused it (400)
  assert.equal(cap.spans.map((s) => [s.name, s.getAttribute('http.request.method'), s.getAttribute('http.request.method_original')]), [['HTTP', '_OTHER', 'patch'], ['DELETE', 'DELETE', undefined]]);
});

test('AC-007 tracedFetch(url, init) sends what fetch sends when init is a Request (the fetch(url, request) proxy idiom) or a class instance: inherited members kept', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const got: string[] = [];
  const server = http.createServer((req, res) => { let b = ''; req.on('data', (d) => { b += d; }); req.on('end', () => { got.push(`${req.method} ${req.url} ${req.headers['x-a']} ${b} ${req.headers.traceparent !== undefined}`); res.end(); }); });
  const port = await listen(server);
  const f = tracedFetch(tracer);
  class Init { get method(): string { return 'DELETE'; } }
  try {
    const original = new Request(`http://127.0.0.1:${port}/orig`, { method: 'PUT', headers: { 'x-a': '1' }, body: 'hello' });
    await (await f(`http://127.0.0.1:${port}/moved`, original as unknown as RequestInit)).text();
    await (await f(`http://127.0.0.1:${port}/gone`, new Init() as RequestInit)).text();
  } finally { await close(server); }
  assert.equal(got, ['PUT /moved 1 hello true', 'DELETE /gone undefined  true']);
  assert.equal(cap.spans.map((s) => s.getAttribute('http.request.method')), ['PUT', 'DELETE']);
});

test('AC-002 tracedFetch(tracer, fetchImpl) with that implementation\'s own Request objects (undici from npm, a polyfill): traced like a global Request, its method and headers kept', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const before = adapterStats().internalErrors;
  // Another fetch implementation's Request: not an instance of the global Request class.
  class OtherRequest {
    readonly url: string; readonly method: string; readonly headers: Headers;
    constructor(url: string, init: { method?: string; headers?: Record<string, string> } = {}) { this.url = url; this.method = init.method ?? 'GET'; this.headers = new Headers(init.headers); }
  }
  const calls: { input: unknown; headers: Headers }[] = [];
  const impl = (async (input: unknown, init?: RequestInit) => {
    calls.push({ input, headers: new Headers(init?.headers ?? (input as OtherRequest).headers) });
    return new Response('ok', { status: 201 });
  }) as typeof fetch;
  const f = tracedFetch(tracer, impl);
  const req = new OtherRequest('http://api.example:8080/items?secret=1', { method: 'POST', headers: { 'x-keep': 'yes' } });
  const res = await f(req as unknown as Request);
  assert.is(res.status, 201);
  assert.is(calls[0]!.input, req, 'the caller\'s request object is passed on');
  assert.is(calls[0]!.headers.get('x-keep'), 'yes');
  assert.is(cap.spans.length, 1, 'one CLIENT span');
  const s = cap.spans[0]!;
  assert.is(calls[0]!.headers.get('traceparent'), `00-${s.traceId}-${s.spanId}-03`);
  assert.is(s.name, 'POST');
  assert.is(s.getAttribute('url.full'), 'http://api.example:8080/items');
  assert.is(s.getAttribute('http.response.status_code'), 201);
  assert.is(adapterStats().internalErrors - before, 0, 'no internal error');
});

test('AC-003 an informational response (103 Early Hints) does not end the fetch span: the final status is recorded', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const server = http.createServer((_req, res) => { res.writeEarlyHints({ link: '</a.css>; rel=preload' }); setImmediate(() => { res.statusCode = 503; res.end('x'); }); });
  const port = await listen(server);
  const undo = traceFetch(tracer);
  let status = 0;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`);
    status = res.status;
    await res.text();
    await settle(cap, 1);
  } finally { undo(); await close(server); }
  assert.is(status, 503);
  assert.is(cap.spans.length, 1);
  assert.is(cap.spans[0]!.getAttribute('http.response.status_code'), 503);
  assert.is(cap.spans[0]!.getAttribute('error.type'), '503');
  assert.is(cap.spans[0]!.status, SpanStatusCode.ERROR);
});

test('AC-002 undici requests answered by an upgrade (a WebSocket handshake, 101) or a CONNECT tunnel (a proxy\'s 200 or 407) end their CLIENT span with the status: undici publishes no request:headers for them', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((_req, res) => res.end());
  server.on('upgrade', (req: http.IncomingMessage, socket: import('node:net').Socket) => {
    seen.push(req);
    const accept = createHash('sha1').update(String(req.headers['sec-websocket-key']) + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    socket.on('error', () => {}).on('data', () => socket.destroy()).on('end', () => socket.destroy()); // the client's close frame, or its end
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  });
  server.on('connect', (req: http.IncomingMessage, socket: import('node:net').Socket) => {
    seen.push(req);
    socket.on('error', () => {}).on('end', () => socket.destroy());
    socket.end(req.url === 'denied.example:443' ? 'HTTP/1.1 407 Proxy Authentication Required\r\n\r\n' : 'HTTP/1.1 200 Connection Established\r\n\r\n');
  });
  const port = await listen(server);
  await (await fetch('data:,undici')).text(); // the global dispatcher exists once undici is loaded
  type Upgrader = { upgrade(o: object): Promise<{ socket: { destroy(): void } }>; connect(o: object): Promise<{ statusCode: number; socket: { destroy(): void } }> };
  const dispatcher = (globalThis as unknown as Record<symbol, Upgrader>)[Symbol.for('undici.globalDispatcher.1')]!;
  const origin = `http://127.0.0.1:${port}`;
  let theirs = 0; // another instrumentation that wraps onUpgrade on the request itself is still called
  const other = (m: unknown): void => {
    const r = (m as { request: { onUpgrade: (...a: unknown[]) => unknown } }).request;
    const next = r.onUpgrade;
    r.onUpgrade = function (this: unknown, ...a: unknown[]) { theirs++; return next.apply(this, a); };
  };
  diagnostics.subscribe('undici:request:create', other);
  const undo = traceFetch(tracer);
  const statuses: number[] = [];
  try {
    (await dispatcher.upgrade({ origin, path: '/ws?token=s3cret', protocol: 'websocket' })).socket.destroy();
    for (const path of ['tunnel.example:443', 'denied.example:443']) {
      const r = await dispatcher.connect({ origin, path });
      statuses.push(r.statusCode);
      r.socket.destroy();
    }
    const WS = (globalThis as { WebSocket?: new (url: string) => { onopen: unknown; onclose: unknown; onerror: unknown; close(): void } }).WebSocket;
    if (WS !== undefined) { // Node >= 22: global WebSocket, its handshake a fetch through undici
      await new Promise<void>((resolve) => { const ws = new WS(`ws://127.0.0.1:${port}/live`); ws.onopen = () => ws.close(); ws.onclose = resolve; ws.onerror = () => {}; });
    }
    await settle(cap, WS !== undefined ? 4 : 3);
  } finally { undo(); diagnostics.unsubscribe('undici:request:create', other); await close(server); }
  assert.equal(statuses, [200, 407]);
  const n = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function' ? 4 : 3;
  assert.is(theirs, n);
  assert.is(tracer.stats().started, n);
  assert.is(tracer.stats().ended, n);
  assert.equal(cap.spans.map((s) => [s.name, s.getAttribute('http.response.status_code'), s.getAttribute('error.type'), s.status]).slice(0, 3),
    [['GET', 101, undefined, SpanStatusCode.UNSET], ['CONNECT', 200, undefined, SpanStatusCode.UNSET], ['CONNECT', 407, '407', SpanStatusCode.ERROR]]);
  assert.is(cap.spans[0]!.getAttribute('url.full'), `${origin}/ws`);
  for (let i = 0; i < n; i++) assert.match(String(seen[i]!.headers.traceparent), new RegExp(`-${cap.spans[i]!.spanId}-`));
});

test('AC-003 an undici request whose origin is a URL object (or a string ending in /, or with user info) names its server: server.address, server.port, url.full (no user info); ignoreOrigins matches it', async () => {
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'caller', processor: cap });
  const { server, port } = await downstream();
  const v6 = http.createServer((_req, res) => res.end('ok'));
  const port6 = await listen6(v6);
  await (await fetch('data:,undici')).text(); // the global dispatcher exists once undici is loaded
  type Requester = { request(o: object): Promise<{ statusCode: number; body: { text(): Promise<string> } }> };
  const dispatcher = (globalThis as unknown as Record<symbol, Requester>)[Symbol.for('undici.globalDispatcher.1')]!;
  const origin = `http://127.0.0.1:${port}`;
  const call = async (o: unknown, path: string) => { const r = await dispatcher.request({ origin: o, path, method: 'GET' }); await r.body.text(); };
  let undo = traceFetch(tracer);
  try {
    await call(new URL(origin), '/url?token=s3cret');
    await call(origin + '/', '/slash');
    if (port6 !== null) await call(new URL(`http://[::1]:${port6}`), '/v6');
    await call(`http://u:s3cret@127.0.0.1:${port}`, '/userinfo');
    undo();
    undo = traceFetch(tracer, { ignoreOrigins: [origin] });
    await call(new URL(origin), '/ignored');
    await call(origin + '/', '/ignored');
    await settle(cap, port6 !== null ? 4 : 3);
  } finally { undo(); await close(server); if (port6 !== null) await close(v6); }
  const want = [['127.0.0.1', port, `${origin}/url`], ['127.0.0.1', port, `${origin}/slash`], ['::1', port6, `http://[::1]:${port6}/v6`], ['127.0.0.1', port, `${origin}/userinfo`]];
  assert.equal(cap.spans.map((s) => [s.getAttribute('server.address'), s.getAttribute('server.port'), s.getAttribute('url.full')]), want.filter((w) => port6 !== null || w[0] !== '::1'));
});

test('hasTraceparent reads both undici header shapes', () => {
  assert.ok(hasTraceparent(['a', 'b', 'TraceParent', 'x']));
  assert.not.ok(hasTraceparent(['a', 'traceparent-x', 'tracestate', 'y']));
  assert.ok(hasTraceparent('host: x\r\ntraceparent: 00-x\r\n'));
  assert.not.ok(hasTraceparent(undefined));
});

test.run();
