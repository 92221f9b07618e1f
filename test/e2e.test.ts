// End to end on loopback: ingress → auth → orchestration → data (four node:http servers, four tracers,
// one OTLP receiver), a retried call (503 then 200), a queue hop (NATS), a failing path (500), then the
// same traffic with the backend down.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createTracer, markNoTrace, type Tracer } from '../src/index.js';
import { otlpExporter } from '../src/otlp-http.js';
import { withTracing, setRoute, traceHttpClient, retry } from '../adapters/http.js';
import { traceFetch } from '../adapters/fetch.js';
import { publish, consumeMessage, type Carrier } from '../adapters/queue.js';
import { publishNats, subscribeNats, type NatsConnectionLike } from '../adapters/queue-nats.js';
import { startReceiver, type Receiver } from './helpers/otlp-receiver.js';
import { CaptureProcessor } from './helpers/capture.js';
import { listen, close, reachable, request, type Reply } from './helpers/net.js';

const TID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER = '00f067aa0ba902b7';
const TOKEN = 'TOKEN-XYZ-9f8e7d';
const COOKIE = 'session=COOKIE-789-abc';
const QUERY_SECRET = 'QS-123-secret';
const CARD = '4111 1111 1111 1111';
const BODY = JSON.stringify({ card: CARD, qty: 2 });
const FORBIDDEN = [TOKEN, 'Bearer', 'COOKIE-789', QUERY_SECRET, 'secret_query', CARD, '"qty"'];

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => { let b = ''; req.setEncoding('utf8'); req.on('data', (d) => (b += d)); req.on('end', () => resolve(b)); });
}
/** Plain node:http call; `brand` marks the test driver's own requests so the client adapter leaves them alone. */
function call(port: number, path: string, o: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string; brand?: boolean } = {}): Promise<Reply> {
  const opts: http.RequestOptions = { host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers: o.headers, agent: false };
  return request(o.brand ? markNoTrace(opts) : opts, o.body);
}

/** A queue hop: NATS when it answers, else (printed) an in-process queue through the same carrier API. */
interface Hop { send(tracer: Tracer, subject: string, payload: string): Promise<void>; subscribe(tracer: Tracer, subject: string, onMsg: (payload: string) => void): void; system: string; close(): Promise<void> }
async function queueHop(): Promise<Hop> {
  if (await reachable(4222)) {
    const { connect, headers } = await import('nats');
    const nc = await connect({ servers: '127.0.0.1:4222' });
    const c = nc as unknown as NatsConnectionLike;
    return {
      system: 'nats',
      async send(tracer, subject, payload) { publishNats(tracer, c, subject, payload, { createHeaders: headers }); await nc.flush(); },
      subscribe(tracer, subject, onMsg) { subscribeNats(tracer, c, subject, (msg) => onMsg(new TextDecoder().decode(msg.data))); },
      close: () => nc.close(),
    };
  }
  if (process.env.TRACEWIRE_REQUIRE_SERVICES === '1') throw new Error('NATS on 127.0.0.1:4222 is required (TRACEWIRE_REQUIRE_SERVICES=1)');
  // NATS down: the HTTP part of the topology still runs; the queue hop uses the generic carrier API in-process.
  console.log('SKIP: NATS not reachable on 127.0.0.1:4222; the queue hop runs through an in-process queue');
  const subs = new Map<string, (m: { headers: Carrier; payload: string }) => void>();
  return {
    system: 'memory',
    async send(tracer, subject, payload) {
      await publish(tracer, {}, { system: 'memory', destination: subject }, (headers) => { setImmediate(() => subs.get(subject)?.({ headers, payload })); });
    },
    subscribe(tracer, subject, onMsg) {
      subs.set(subject, (m) => { void consumeMessage(tracer, m.headers, { system: 'memory', destination: subject }, () => onMsg(m.payload)); });
    },
    close: async () => {},
  };
}

interface Topology { ports: { ingress: number; auth: number; orch: number; data: number }; tracers: Record<string, Tracer>; consumed: Map<string, () => void>; subject: string; stop(): Promise<void>; logs: string[] }

async function topology(receiver: Receiver, hop: Hop): Promise<Topology> {
  const logs: string[] = [];
  const mk = (service: string) => createTracer({
    service,
    exporter: otlpExporter({ url: receiver.url, retry: false, timeoutMs: 2000, logger: (m) => logs.push(m) }),
    batch: { scheduledDelayMs: 20 },
    logger: (m) => logs.push(m),
  });
  const tracers = { ingress: mk('ingress'), auth: mk('auth'), orchestration: mk('orchestration'), data: mk('data') };
  const subject = 'tracewire.e2e.' + randomUUID();
  const consumed = new Map<string, () => void>();
  let flakyCalls = 0;

  const data = http.createServer(withTracing(tracers.data, (req, res) => {
    if (req.url!.startsWith('/items/fail')) { setRoute(req, '/items/fail'); res.statusCode = 500; res.end('db down'); return; }
    setRoute(req, '/items/:id');
    // The first attempt of every order fails, as a restarting pod would.
    if (++flakyCalls % 2 === 1) { res.statusCode = 503; res.end(); return; }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ stock: 3 }));
  }) as http.RequestListener);
  hop.subscribe(tracers.data, subject, (payload) => { const id = JSON.parse(payload).order as string; consumed.get(id)?.(); });

  const dataPort = await listen(data);
  const orch = http.createServer(withTracing(tracers.orchestration, async (req, res) => {
    const body = await readBody(req);
    if (req.url!.startsWith('/orders/fail')) {
      setRoute(req, '/orders/fail');
      const r = await call(dataPort, '/items/fail');
      res.statusCode = r.status === 200 ? 200 : 500;
      res.end('failed');
      return;
    }
    setRoute(req, '/orders/:id');
    const id = req.url!.split('/')[2]!.split('?')[0]!;
    const stock = await retry(tracers.orchestration, () => call(dataPort, `/items/${id}`), { name: 'GET data', minDelayMs: 1 });
    await hop.send(tracers.orchestration, subject, JSON.stringify({ order: id, body: JSON.parse(body) }));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ order: id, stock: JSON.parse(stock.body).stock }));
  }) as http.RequestListener);
  const orchPort = await listen(orch);

  const auth = http.createServer(withTracing(tracers.auth, async (req, res) => {
    setRoute(req, req.url!.startsWith('/orders/fail') ? '/orders/fail' : '/orders/:id');
    const body = await readBody(req);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) { res.statusCode = 401; res.end(); return; }
    const r = await fetch(`http://127.0.0.1:${orchPort}${req.url}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    res.statusCode = r.status;
    res.end(await r.text());
  }) as http.RequestListener);
  const authPort = await listen(auth);

  const ingress = http.createServer(withTracing(tracers.ingress, async (req, res) => {
    const path = req.url!.replace('/api', '');
    setRoute(req, path.startsWith('/orders/fail') ? '/api/orders/fail' : '/api/orders/:id');
    const body = await readBody(req);
    const r = await call(authPort, path, { method: 'POST', headers: { authorization: req.headers.authorization, 'content-type': 'application/json' }, body });
    res.statusCode = r.status;
    res.end(r.body);
  }) as http.RequestListener);
  const ingressPort = await listen(ingress);

  return {
    ports: { ingress: ingressPort, auth: authPort, orch: orchPort, data: dataPort },
    tracers, consumed, subject, logs,
    async stop() {
      for (const s of [ingress, auth, orch, data]) await close(s);
      for (const t of Object.values(tracers)) await t.shutdown({ deadlineMs: 1000 });
    },
  };
}

/** Spans from the receiver, each with its service.name, as OTLP JSON. */
interface Got { service: string; traceId: string; spanId: string; parentSpanId: string; name: string; kind: number; start: bigint; end: bigint; status: number; attrs: Record<string, unknown> }
function received(receiver: Receiver): Got[] {
  const out: Got[] = [];
  for (const r of receiver.requests) {
    if (r.status !== 200 || r.json === null) continue;
    for (const rs of r.json.resourceSpans ?? []) {
      const service = rs.resource?.attributes?.find((a: { key: string }) => a.key === 'service.name')?.value?.stringValue;
      for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) {
        const attrs: Record<string, unknown> = {};
        for (const a of s.attributes ?? []) attrs[a.key] = a.value.stringValue ?? (a.value.intValue !== undefined ? Number(a.value.intValue) : a.value.boolValue ?? a.value.arrayValue ?? a.value.doubleValue);
        out.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind, start: BigInt(s.startTimeUnixNano), end: BigInt(s.endTimeUnixNano), status: s.status?.code ?? 0, attrs });
      }
    }
  }
  return out;
}

async function flushAll(t: Topology): Promise<void> {
  for (const tr of Object.values(t.tracers)) await tr.forceFlush();
}
function waitConsumed(t: Topology, id: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('queue message not consumed')), 5000);
    t.consumed.set(id, () => { clearTimeout(timer); setImmediate(resolve); });
  });
}
/** The one span matching service/kind/name (fails if not exactly one). */
function one(spans: Got[], service: string, kind: number, name: string, pick?: (s: Got) => boolean): Got {
  const m = spans.filter((s) => s.service === service && s.kind === kind && s.name === name && (pick === undefined || pick(s)));
  assert.is(m.length, 1, `${service} ${kind} ${name}: ${m.length} spans`);
  return m[0]!;
}
const SERVER = 2, CLIENT = 3, PRODUCER = 4, CONSUMER = 5, INTERNAL = 1;

/**
 * Runs `body` against a fresh receiver, queue hop and topology, with the global http/fetch client patches
 * installed (on a throwaway tracer) as an application would have them; tears all of it down afterwards.
 */
async function withTopology(body: (receiver: Receiver, hop: Hop, t: Topology) => Promise<void>): Promise<void> {
  const receiver = await startReceiver();
  const hop = await queueHop();
  const t = await topology(receiver, hop);
  const undoHttp = traceHttpClient(createTracer({ service: 'unused', processor: new CaptureProcessor() }));
  const undoFetch = traceFetch(createTracer({ service: 'unused', processor: new CaptureProcessor() }));
  try {
    await body(receiver, hop, t);
  } finally {
    undoHttp();
    undoFetch();
    await t.stop();
    await hop.close();
    await receiver.close();
  }
}

test('AC-001 AC-002 AC-003 AC-004 AC-007 four services, a retry, a queue hop and a failing path: one trace, the exact parent chain, nothing sensitive exported', () => withTopology(async (receiver, hop, t) => {
  const consumed = waitConsumed(t, '42');
  const ok = await call(t.ports.ingress, `/api/orders/42?secret_query=${QUERY_SECRET}`, {
    method: 'POST', body: BODY, brand: true,
    headers: { traceparent: `00-${TID}-${CALLER}-01`, authorization: `Bearer ${TOKEN}`, cookie: COOKIE, 'content-type': 'application/json' },
  });
  await consumed;
  const bad = await call(t.ports.ingress, '/api/orders/fail', { method: 'POST', body: BODY, brand: true, headers: { authorization: `Bearer ${TOKEN}` } });
  assert.is(ok.status, 200);
  assert.equal(JSON.parse(ok.body), { order: '42', stock: 3 });
  assert.is(bad.status, 500);
  await new Promise((r) => setTimeout(r, 30)); // server spans end on the response's 'close'
  await flushAll(t);
  const all = received(receiver);

  // AC-001: the caller's trace ID is kept everywhere and returned.
  const spans = all.filter((s) => s.traceId === TID);
  assert.is(spans.length, 12, 'ingress 2, auth 2, orchestration 5, data 3');
  assert.is(ok.headers['x-trace-id'], TID);
  const ing = one(spans, 'ingress', SERVER, 'POST /api/orders/:id');
  assert.is(ok.headers['server-timing'], `trace;desc=00-${TID}-${ing.spanId}-01`);

  // AC-002: the exact parent chain.
  const ingC = one(spans, 'ingress', CLIENT, 'POST');
  const auS = one(spans, 'auth', SERVER, 'POST /orders/:id');
  const auC = one(spans, 'auth', CLIENT, 'POST');
  const orS = one(spans, 'orchestration', SERVER, 'POST /orders/:id');
  const logical = one(spans, 'orchestration', INTERNAL, 'GET data');
  const att1 = one(spans, 'orchestration', CLIENT, 'GET', (s) => s.attrs['http.request.resend_count'] === undefined);
  const att2 = one(spans, 'orchestration', CLIENT, 'GET', (s) => s.attrs['http.request.resend_count'] === 1);
  const d1 = one(spans, 'data', SERVER, 'GET /items/:id', (s) => s.attrs['http.response.status_code'] === 503);
  const d2 = one(spans, 'data', SERVER, 'GET /items/:id', (s) => s.attrs['http.response.status_code'] === 200);
  const prod = one(spans, 'orchestration', PRODUCER, `publish ${t.subject}`);
  const cons = one(spans, 'data', CONSUMER, `process ${t.subject}`);
  const chain: Array<[Got, string]> = [
    [ing, CALLER], [ingC, ing.spanId], [auS, ingC.spanId], [auC, auS.spanId], [orS, auC.spanId], [logical, orS.spanId],
    [att1, logical.spanId], [att2, logical.spanId], [d1, att1.spanId], [d2, att2.spanId], [prod, orS.spanId], [cons, prod.spanId],
  ];
  for (const [s, parent] of chain) assert.is(s.parentSpanId, parent, `${s.service} ${s.name} parent`);
  assert.is(new Set(spans.map((s) => s.spanId)).size, 12, 'span IDs unique');
  // Retries: two attempts on the wire, the first an error (503 on a client), the second resend_count=1.
  assert.is(att1.status, 2);
  assert.is(att1.attrs['error.type'], '503');
  assert.is(d1.status, 2);
  assert.is(att2.status, 0);
  assert.is(cons.attrs['messaging.system'], hop.system);

  // AC-003: every span carries IDs, service, operation, timestamps, duration, status; HTTP spans their code.
  for (const s of all) {
    assert.match(s.traceId, /^[0-9a-f]{32}$/);
    assert.match(s.spanId, /^[0-9a-f]{16}$/);
    assert.match(s.parentSpanId, /^([0-9a-f]{16}|)$/);
    assert.ok(['ingress', 'auth', 'orchestration', 'data'].includes(s.service), s.service);
    assert.ok(s.name.length > 0 && !s.name.includes('?'));
    assert.ok(s.start > 1_600_000_000_000_000_000n && s.end >= s.start, 'timestamps');
    assert.ok([0, 2].includes(s.status));
    if (s.kind === SERVER || s.kind === CLIENT) {
      assert.type(s.attrs['http.response.status_code'], 'number', `${s.service} ${s.name} status code`);
      assert.type(s.attrs['http.request.method'], 'string');
    }
    if (s.kind === SERVER) for (const k of ['url.path', 'url.scheme', 'server.address', 'server.port']) assert.ok(s.attrs[k] !== undefined, k);
    if (s.kind === CLIENT) assert.ok(!String(s.attrs['url.full']).includes('?'), 'url.full without query');
  }

  assert.equal(all.filter((s) => s.parentSpanId === '').map((s) => s.name), ['POST /api/orders/fail'], 'the only root: the request sent without a traceparent');

  // The failing path: its own trace, 500 on every server span on the way, error on the clients.
  const failTrace = all.find((s) => s.service === 'ingress' && s.kind === SERVER && s.name === 'POST /api/orders/fail')!;
  const failing = all.filter((s) => s.traceId === failTrace.traceId);
  assert.is(failing.length, 7);
  assert.is(bad.headers['x-trace-id'], failTrace.traceId);
  for (const s of failing) {
    assert.is(s.attrs['http.response.status_code'], 500, `${s.service} ${s.name}`);
    assert.is(s.status, 2);
    assert.is(s.attrs['error.type'], '500');
  }

  // AC-007: nothing sensitive in the exported bytes; the exporter's own requests were never traced.
  const raw = receiver.requests.map((r) => JSON.stringify(r.json)).join('\n');
  for (const secret of FORBIDDEN) assert.not.ok(raw.includes(secret), `exported data contains ${secret}`);
  assert.not.ok(all.some((s) => s.attrs['server.port'] === receiver.port || String(s.attrs['url.full']).includes('/v1/traces')), 'exporter requests traced');
  assert.is(all.length, 19, 'exactly the spans of the two requests, no exporter spans');
}));

test('AC-007 backend down: every request still gets its normal status; the drops are counted, nothing else', () => withTopology(async (receiver, hop, t) => {
  await receiver.setMode('refuse'); // the collector is gone: connection refused
  const before = Object.fromEntries(Object.entries(t.tracers).map(([k, tr]) => [k, tr.stats()]));
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const consumed = waitConsumed(t, String(100 + i));
    const ok = await call(t.ports.ingress, `/api/orders/${100 + i}`, { method: 'POST', body: BODY, brand: true, headers: { authorization: `Bearer ${TOKEN}` } });
    await consumed;
    const bad = await call(t.ports.ingress, '/api/orders/fail', { method: 'POST', body: BODY, brand: true, headers: { authorization: `Bearer ${TOKEN}` } });
    statuses.push(ok.status, bad.status);
    assert.match(String(ok.headers['x-trace-id']), /^[0-9a-f]{32}$/, 'the trace ID still comes back');
  }
  assert.equal(statuses, [200, 500, 200, 500, 200, 500]);
  await new Promise((r) => setTimeout(r, 30));
  await flushAll(t);
  let ended = 0;
  let failed = 0;
  for (const [k, tr] of Object.entries(t.tracers)) {
    const s = tr.stats();
    const b = before[k]!;
    ended += s.ended - b.ended;
    failed += s.dropped.exportFailed - b.dropped.exportFailed;
    assert.is(s.queued, 0, `${k}: nothing left queued`);
  }
  assert.is(ended, 3 * 19, 'the same spans as with the backend up (no exporter spans either)');
  assert.is(failed, ended, 'every span dropped while the backend is down is counted');
  assert.is(receiver.requests.length, 0);
}));

test.run();
