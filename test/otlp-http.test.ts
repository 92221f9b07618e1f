import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import https from 'node:https';
import { createTracer } from '../src/index.js';
import type { Span } from '../src/span.js';
import { otlpExporter, retryAfterMs, httpDate, backoff, type OtlpExporterOptions } from '../src/otlp-http.js';
import { otlpFromEnv, bspFromEnv, parseHeaders, redactUrl } from '../src/otlp-env.js';
import { isNoTrace } from '../src/suppress.js';
import type { ExportResult } from '../src/exporter.js';
import { startReceiver, type Receiver } from './helpers/otlp-receiver.js';
import { loadConfig } from '../src/config/index.js';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureProcessor } from './helpers/capture.js';
import { OtlpJsonEncoder } from '../src/otlp-json.js';

// The exporter's own timers are unref'd (the batcher decides what keeps a process alive); tests that call
// export() directly keep the loop alive themselves.
const keepAlive = setInterval(() => {}, 1000);
const SECRET = 'Bearer s3cr3t-t0ken-XYZ';
const ENV_SECRET = 'env-api-key-987';
const cap = new CaptureProcessor();
const tracer = createTracer({ service: 'http-test', processor: cap, env: {} });
function spans(n: number, attrs: Record<string, string> = {}): Span[] {
  cap.spans.length = 0;
  for (let i = 0; i < n; i++) tracer.startSpan('op-' + i, { root: true, attributes: { i, ...attrs } }).end();
  return cap.spans.slice() as Span[];
}
const fast = { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 20 };
const make = (r: Receiver, o: OtlpExporterOptions = {}) => otlpExporter({ url: r.url, env: {}, retry: fast, timeoutMs: 2000, ...o });
const run = (e: ReturnType<typeof otlpExporter>, s: Span[], signal = new AbortController().signal) => e.export(s, signal);
const configFile = (c: unknown): string => { const f = join(mkdtempSync(join(tmpdir(), 'tw-otlp-')), 'config.json'); writeFileSync(f, JSON.stringify(c)); return f; };
const code = (r: ExportResult) => (r.error as { code?: string } | undefined)?.code;

// ---- environment -------------------------------------------------------------------------------
test('endpoint: default, OTEL_EXPORTER_OTLP_ENDPOINT + v1/traces, TRACES_ENDPOINT as-is, explicit url wins', () => {
  const warn: string[] = [];
  const w = (m: string) => warn.push(m);
  assert.is(otlpExporter({ env: {} }).url, 'http://localhost:4318/v1/traces');
  assert.is(otlpFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, w).url, 'http://collector:4318/v1/traces');
  assert.is(otlpFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, w).url, 'http://collector:4318/v1/traces');
  assert.is(otlpFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://gw.example.com/otlp' }, w).url, 'https://gw.example.com/otlp/v1/traces');
  assert.is(otlpFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x:1234/custom/path' }, w).url, 'http://x:1234/custom/path');
  assert.is(otlpFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x:1234' }, w).url, 'http://x:1234/');
  assert.is(otlpFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/v1/traces', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://g' }, w).url, 'http://t/v1/traces');
  assert.is(otlpExporter({ url: 'http://explicit:1/x', env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/v1/traces' } }).url, 'http://explicit:1/x');
  assert.is(warn.length, 0);
  assert.is(otlpFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' }, w).url, undefined);
  assert.is(warn.length, 1);
  assert.match(warn[0]!, 'OTEL_EXPORTER_OTLP_ENDPOINT');
});

test('AC-005 an OTEL_EXPORTER_OTLP_ENDPOINT (or config endpoint) with a query string gets v1/traces on its path, not after the query', async () => {
  assert.is(otlpFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://h:4318/?x=1' }, () => {}).url, 'http://h:4318/v1/traces?x=1');
  assert.is(otlpFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://gw/otlp?tenant=a&k=v' }, () => {}).url, 'https://gw/otlp/v1/traces?tenant=a&k=v');
  assert.is(otlpFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://h:4318/base#frag' }, () => {}).url, 'http://h:4318/base/v1/traces');
  const fromFile = loadConfig(configFile({ exporters: { a: { type: 'otlp', endpoint: 'http://c:4318/p?org=1' } } })).exporters!.a as { url: string };
  assert.is(fromFile.url, 'http://c:4318/p/v1/traces?org=1');
  const r = await startReceiver();
  const e = otlpExporter({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${r.port}?x=1` }, retry: false });
  assert.equal(await run(e, spans(1)), { ok: true });
  assert.is(r.requests[0]!.path, '/v1/traces?x=1');
  await e.shutdown(); await r.close();
});

test('headers: k=v list, percent-decoded, TRACES_ overrides per key, explicit wins, bad members warned without values', () => {
  const warn: string[] = [];
  const env = { OTEL_EXPORTER_OTLP_HEADERS: `api-key=${ENV_SECRET},x-team=core%20infra, bad-member ,=nokey,x-dup=generic`, OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-dup=traces' };
  const o = otlpFromEnv(env, (m) => warn.push(m));
  assert.equal(o.headers, { 'api-key': ENV_SECRET, 'x-team': 'core infra', 'x-dup': 'traces' });
  assert.is(warn.length, 2);
  assert.match(warn[0]!, 'member #3');
  assert.ok(warn.every((m) => !m.includes(ENV_SECRET) && !m.includes('nokey')));
  assert.equal(parseHeaders('a=%ZZ', 'X', () => {}), {}, 'bad percent-encoding skipped');
});

test('headers: a header named __proto__ (a valid token) in OTEL_EXPORTER_OTLP_HEADERS is a header, not a prototype swap', async () => {
  const h = parseHeaders('__proto__=x,a=1', 'X', () => {});
  assert.is(Object.getOwnPropertyDescriptor(h, '__proto__')?.value, 'x');
  assert.is(Object.getPrototypeOf(h), Object.prototype);
  const o = otlpFromEnv({ OTEL_EXPORTER_OTLP_HEADERS: '__proto__=x', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=2' }, () => {});
  assert.equal(Object.keys(o.headers!).sort(), ['__proto__', 'b']);
});

test('timeout, compression, protocol; BSP variables', () => {
  const warn: string[] = [];
  const w = (m: string) => warn.push(m);
  assert.equal(otlpFromEnv({ OTEL_EXPORTER_OTLP_TIMEOUT: '2500', OTEL_EXPORTER_OTLP_COMPRESSION: 'GZIP' }, w), { timeoutMs: 2500, compression: 'gzip' });
  assert.equal(otlpFromEnv({ OTEL_EXPORTER_OTLP_TIMEOUT: '2500', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '700', OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'none', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, w), { timeoutMs: 700, compression: 'none' });
  assert.is(warn.length, 0);
  assert.equal(otlpFromEnv({ OTEL_EXPORTER_OTLP_TIMEOUT: '10s', OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, w), {});
  assert.is(warn.length, 3);
  assert.equal(bspFromEnv({ OTEL_BSP_SCHEDULE_DELAY: '0' }, w), { scheduledDelayMillis: 0 });
  assert.is(redactUrl('https://user:pw@h:1/p?api_key=k#f'), 'https://h:1/p');
});

test('OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE / CLIENT_CERTIFICATE / CLIENT_KEY: paths per piece, the TRACES_ variable over the generic one, an empty value unset, no warning', () => {
  const w: string[] = [];
  const o = otlpFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4318', OTEL_EXPORTER_OTLP_CERTIFICATE: '/etc/pki/ca.pem', OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: '/t/ca.pem', OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: '/k.pem', OTEL_EXPORTER_OTLP_CLIENT_KEY: '/generic-k.pem', OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/c.pem', OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE: ' ' }, (m) => w.push(m));
  assert.equal(o.tls, { ca: { file: '/t/ca.pem', from: 'OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE' }, cert: { file: '/c.pem', from: 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE' }, key: { file: '/k.pem', from: 'OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY' } });
  assert.is(w.length, 0);
  assert.is(otlpFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4318' }, (m) => w.push(m)).tls, undefined);
  assert.is(w.length, 0);
});

test('explicit config errors throw at construction, never naming a header value', () => {
  assert.throws(() => otlpExporter({ url: 'ftp://x', env: {} }), /not an http\(s\) URL/);
  try { otlpExporter({ env: {}, headers: { authorization: 'Bearer a\r\nb' + SECRET } }); assert.unreachable(); }
  catch (e) { assert.is((e as { code?: string }).code, 'TW_ERR_CONFIG'); assert.not.match(String((e as Error).message), SECRET); }
});

test('retry helpers: Retry-After seconds or HTTP-date; backoff grows, capped, jittered ±20%', () => {
  assert.is(retryAfterMs('3'), 3000);
  assert.is(retryAfterMs(undefined), null);
  assert.is(retryAfterMs('soon'), null);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.is(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
  assert.is(retryAfterMs('Thu, 01 Jan 2025 00:00:05 GMT', now), 0);
  for (let i = 0; i < 50; i++) {
    const b1 = backoff(1, 1000, 5000), b3 = backoff(3, 1000, 5000), b9 = backoff(9, 1000, 5000);
    assert.ok(b1 >= 800 && b1 <= 1200, String(b1));
    assert.ok(b3 >= 1800 && b3 <= 2700, String(b3));
    assert.ok(b9 >= 4000 && b9 <= 6000, String(b9));
  }
});

// ---- against a loopback receiver ---------------------------------------------------------------
test('ok: POST /v1/traces, application/json, user headers, all spans; keep-alive reuses the connection', async () => {
  const r = await startReceiver();
  const e = make(r, { headers: { authorization: SECRET } });
  assert.equal(await run(e, spans(3)), { ok: true });
  assert.equal(await run(e, spans(2)), { ok: true });
  assert.is(r.requests.length, 2);
  const q = r.requests[0]!;
  assert.is(q.method, 'POST');
  assert.is(q.path, '/v1/traces');
  assert.is(q.headers['content-type'], 'application/json');
  assert.is(q.headers.authorization, SECRET);
  assert.is(r.spans().length, 5);
  assert.is(r.connections, 1);
  assert.equal(await run(e, []), { ok: true });
  assert.is(r.requests.length, 2, 'no empty envelope sent');
  await e.shutdown();
  assert.is(code(await run(e, spans(1))), 'TW_ERR_OTLP_SHUTDOWN');
  await r.close();
});

test('AC-007 body headers (content-encoding, content-length, content-type, transfer-encoding) from options or env are the exporter\'s: ignored with a warning, every batch still readable', async () => {
  const r = await startReceiver();
  const logs: string[] = [];
  const e = make(r, {
    headers: { 'Content-Encoding': 'gzip', 'transfer-encoding': 'chunked', authorization: SECRET },
    env: { OTEL_EXPORTER_OTLP_HEADERS: 'content-length=1,content-type=text%2Fplain,x-tenant=a' },
    logger: (m) => logs.push(m),
  });
  assert.equal(await run(e, spans(3)), { ok: true });
  const q = r.requests[0]!;
  assert.is(q.headers['content-encoding'], undefined, 'no gzip claimed for a plain body');
  assert.is(q.headers['transfer-encoding'], undefined);
  assert.is(q.headers['content-type'], 'application/json');
  assert.is(q.headers.authorization, SECRET, 'other headers kept');
  assert.is(q.headers['x-tenant'], 'a');
  assert.is(r.spans().length, 3, 'the receiver read the batch');
  for (const h of ['content-encoding', 'transfer-encoding', 'content-length', 'content-type']) assert.ok(logs.some((m) => m.includes(`"${h}" is ignored`)), h);
  assert.not.ok(logs.join('\n').includes(SECRET));
  await e.shutdown(); await r.close();
});

test('sliced encoding (sliceSize) yields between slices and sends the same spans; an abort between slices stops it', async () => {
  const r = await startReceiver();
  const e = make(r, { sliceSize: 2 });
  assert.equal(await run(e, spans(5)), { ok: true });
  assert.equal(r.spans().map((s: { name: string }) => s.name), ['op-0', 'op-1', 'op-2', 'op-3', 'op-4']);
  const ac = new AbortController();
  const p = run(e, spans(5), ac.signal);
  ac.abort(); // lands while the first slice waits for setImmediate
  assert.is(code(await p), 'TW_ERR_OTLP_ABORTED');
  assert.is(r.requests.length, 1);
  await e.shutdown(); await r.close();
});

test('time-bounded slices (sliceBudgetMs): a turn ends once its budget is spent, every 32 spans; the bytes are the same', async () => {
  const r = await startReceiver();
  const s = spans(200, { 'url.path': '/a/b' });
  /** Times the export gave its turn away: setImmediate is wrapped for the length of the export. */
  const yields = async (o: OtlpExporterOptions): Promise<number> => {
    const e = make(r, o);
    const orig = globalThis.setImmediate;
    let n = 0;
    globalThis.setImmediate = ((fn: (...a: unknown[]) => void, ...a: unknown[]) => { n++; return orig(fn, ...a); }) as typeof setImmediate;
    try {
      assert.equal(await run(e, s), { ok: true });
    } finally {
      globalThis.setImmediate = orig;
    }
    await e.shutdown();
    return n;
  };
  const bodies = (): string[] => r.requests.map((q) => JSON.stringify(q.json));
  const whole = await yields({ sliceBudgetMs: 1e6 }); // never overrun, sliceSize 512 > 200: no yield of the encoder's own
  const tiny = await yields({ sliceBudgetMs: 1e-6 }); // every 32-span chunk overruns it: 7 chunks, 6 yields
  const capped = await yields({ sliceBudgetMs: 1e6, sliceSize: 50 }); // the count cap still applies: 4 turns, 3 yields
  const b = bodies();
  assert.is(b.length, 3);
  assert.ok(b[0] === b[1] && b[1] === b[2], 'same request body however it was sliced');
  assert.is(r.spans().length, 600);
  // Node's http stack may call setImmediate too (the same in every run): compare differences.
  assert.is(tiny - whole, 6, `tiny budget yields once per 32-span chunk (${tiny} vs ${whole})`);
  assert.is(capped - whole, 3, `sliceSize caps a turn (${capped} vs ${whole})`);
  await r.close();
});

test('gzip: Content-Encoding gzip, the receiver decodes the same spans', async () => {
  const r = await startReceiver();
  const e = make(r, { compression: 'gzip' });
  const s = spans(50, { note: 'repetitive '.repeat(20) });
  assert.equal(await run(e, s), { ok: true });
  const q = r.requests[0]!;
  assert.is(q.headers['content-encoding'], 'gzip');
  assert.is(r.spans().length, 50);
  assert.ok(q.bytes < 50 * 200, 'compressed');
  await e.shutdown(); await r.close();
});

for (const status of [400, 401, 404, 500, 501]) { // 413 splits the request: test/otlp-size.test.ts
  test(`HTTP ${status} is a counted failure, not retried`, async () => {
    const r = await startReceiver({ mode: 'status', status });
    const e = make(r);
    const res = await run(e, spans(2));
    assert.is(res.ok, false);
    assert.is(code(res), 'TW_ERR_OTLP_HTTP_STATUS');
    assert.match(String((res.error as Error).message), `HTTP ${status}`);
    assert.is(r.requests.length, 1);
    await e.shutdown(); await r.close();
  });
}

for (const status of [429, 502, 503, 504]) {
  test(`HTTP ${status} is retried with backoff, then succeeds`, async () => {
    const r = await startReceiver();
    r.respondNext([{ mode: 'status', status }, { mode: 'status', status }]);
    const e = make(r);
    assert.equal(await run(e, spans(2)), { ok: true });
    assert.is(r.requests.length, 3);
    assert.is((e.stats() as { retries: number }).retries, 2);
    await e.shutdown(); await r.close();
  });
}

test('retries are bounded: maxAttempts, then a counted failure', async () => {
  const r = await startReceiver({ mode: 'status', status: 503 });
  const e = make(r);
  const res = await run(e, spans(1));
  assert.is(code(res), 'TW_ERR_OTLP_RETRIES_EXHAUSTED');
  assert.match(String((res.error as Error).message), 'after 3 attempts');
  assert.is(r.requests.length, 3);
  await e.shutdown(); await r.close();
});

test('Retry-After (seconds) is honoured instead of the backoff; it is capped by maxRetryAfterMs', async () => {
  const r = await startReceiver();
  r.respondNext([{ mode: 'status', status: 429, retryAfter: '3600' }]);
  // the backoff alone would pass the budget; the capped Retry-After (30 ms) fits
  const e = make(r, { timeoutMs: 3000, retry: { maxAttempts: 2, initialBackoffMs: 60_000, maxRetryAfterMs: 30 } });
  assert.equal(await run(e, spans(1)), { ok: true });
  assert.is(r.requests.length, 2);
  await e.shutdown(); await r.close();
});

test('Retry-After as an HTTP-date in the past retries at once; one beyond the budget fails without waiting', async () => {
  const r = await startReceiver();
  r.respondNext([{ mode: 'status', status: 503, retryAfter: new Date(Date.now() - 5000).toUTCString() }]);
  const e = make(r, { retry: { maxAttempts: 2, initialBackoffMs: 60_000 } });
  assert.equal(await run(e, spans(1)), { ok: true });
  r.respondNext([{ mode: 'status', status: 429, retryAfter: '20' }]);
  const e2 = make(r, { timeoutMs: 500, retry: { maxAttempts: 5, maxRetryAfterMs: 60_000 } });
  const t0 = Date.now();
  const res = await run(e2, spans(1));
  assert.is(code(res), 'TW_ERR_OTLP_RETRIES_EXHAUSTED');
  assert.match(String((res.error as Error).message), 'would pass the 500 ms export budget');
  assert.ok(Date.now() - t0 < 5000);
  assert.is(r.requests.length, 3);
  await e.shutdown(); await e2.shutdown(); await r.close();
});

test('AC-007 a Retry-After pause holds for the next batches too (OTLP "Throttling"): not sent while it outlasts their budget, counted; a shorter one is waited out', async () => {
  const r = await startReceiver({ mode: 'status', status: 429, retryAfter: '20' });
  const e = make(r, { timeoutMs: 500, retry: { maxAttempts: 5, initialBackoffMs: 5 } });
  assert.is(code(await run(e, spans(1))), 'TW_ERR_OTLP_RETRIES_EXHAUSTED');
  for (let i = 0; i < 3; i++) {
    const res = await run(e, spans(2));
    assert.is(code(res), 'TW_ERR_OTLP_THROTTLED');
    assert.match(String((res.error as Error).message), /asked for a pause \(Retry-After\).*batch not sent/);
  }
  assert.is(r.requests.length, 1); // the backend that asked for 20 s of quiet got no more requests
  assert.is(e.stats().throttled, 3);
  await e.shutdown();
  // the last attempt's Retry-After counts too; a pause within the budget delays the next batch, which is then sent
  await r.setMode('ok');
  r.respondNext([{ mode: 'status', status: 503, retryAfter: '3600' }]);
  const e2 = make(r, { timeoutMs: 2000, retry: { maxAttempts: 1, maxRetryAfterMs: 40 } });
  assert.is(code(await run(e2, spans(1))), 'TW_ERR_OTLP_RETRIES_EXHAUSTED');
  assert.equal(await run(e2, spans(1)), { ok: true });
  assert.is(r.requests.length, 3);
  assert.is(e2.stats().throttled, 0);
  await e2.shutdown(); await r.close();
});

test('AC-007 the Retry-After pause and the export budget run on the monotonic clock: a wall clock stepped back an hour (NTP, VM resume) does not make every batch "throttled" for that hour', async () => {
  const r = await startReceiver({ mode: 'ok' });
  r.respondNext([{ mode: 'status', status: 503, retryAfter: '3600' }]);
  const e = make(r, { timeoutMs: 2000, retry: { maxAttempts: 1, maxRetryAfterMs: 40 } });
  const realNow = Date.now;
  try {
    assert.is(code(await run(e, spans(1))), 'TW_ERR_OTLP_RETRIES_EXHAUSTED'); // a 40 ms pause asked for
    Date.now = () => realNow() - 3_600_000;
    assert.equal(await run(e, spans(1)), { ok: true });
    assert.is(e.stats().throttled, 0);
    Date.now = () => realNow() + 3_600_000; // and stepped forward: the budget still holds a normal answer
    assert.equal(await run(e, spans(1)), { ok: true });
    assert.is(r.requests.length, 3);
  } finally { Date.now = realNow; await e.shutdown(); await r.close(); }
});

test('connection refused is retried (network error), bounded, then a failure', async () => {
  const r = await startReceiver({ mode: 'refuse' });
  const e = make(r);
  const res = await run(e, spans(1));
  assert.is(code(res), 'TW_ERR_OTLP_RETRIES_EXHAUSTED');
  assert.match(String((res.error as Error).message), 'ECONNREFUSED');
  assert.is((e.stats() as { failedNetwork: number }).failedNetwork, 3);
  await r.setMode('ok');
  assert.equal(await run(e, spans(1)), { ok: true }, 'recovers when the collector is back');
  await e.shutdown(); await r.close();
});

test('AC-007 an endpoint that does not speak HTTP/1.1 (an OTLP/gRPC port, h2c only): a clear failure naming the likely fix, counted, not retried', async () => {
  const { default: http2 } = await import('node:http2');
  const net = await import('node:net');
  const h2 = http2.createServer();
  const banner = net.createServer((s) => s.end('SSH-2.0-OpenSSH_9.6\r\n'));
  await new Promise<void>((ok) => h2.listen(0, '127.0.0.1', ok));
  await new Promise<void>((ok) => banner.listen(0, '127.0.0.1', ok));
  try {
    for (const srv of [h2, banner]) {
      const e = otlpExporter({ url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1/traces`, env: {}, retry: fast, timeoutMs: 2000 });
      const res = await run(e, spans(1));
      const msg = String((res.error as Error).message);
      assert.is(code(res), 'TW_ERR_OTLP_PROTOCOL', msg);
      assert.match(msg, 'HTTP/1.1');
      assert.match(msg, '4318');
      const st = e.stats() as { requests: number; retries: number; failedProtocol: number; failedNetwork: number };
      assert.equal([st.requests, st.retries, st.failedProtocol, st.failedNetwork], [1, 0, 1, 0]);
      await e.shutdown();
    }
  } finally {
    h2.close(); banner.close();
  }
});

test('a receiver that never answers: the export fails at its time budget', async () => {
  const r = await startReceiver({ mode: 'hang' });
  const e = make(r, { timeoutMs: 600 }); // 150 ms failed once with the 2 cores at load 14: the request had not reached the receiver yet
  const res = await run(e, spans(1));
  assert.is(code(res), 'TW_ERR_OTLP_TIMEOUT');
  assert.is(r.requests.length, 1);
  await e.shutdown(); await r.close();
});

/** A receiver that reads each request whole, then closes the connection before any status line. */
async function startCutter(): Promise<{ url: string; requests: number; close: () => Promise<void> }> {
  const o = { url: '', requests: 0, close: () => new Promise<void>((res) => { server.closeAllConnections(); server.close(() => res()); }) };
  const server = http.createServer((req) => { req.resume(); req.on('end', () => { o.requests++; req.socket.destroy(); }); });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  o.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces`;
  return o;
}

for (const mode of ['reset', 'cut'] as const) {
  test(`a connection ${mode === 'reset' ? 'reset mid-body' : 'cut before the status line'} is a network error, retried`, async () => {
    const r = mode === 'reset' ? await startReceiver({ mode }) : await startCutter();
    const e = otlpExporter({ url: r.url, env: {}, timeoutMs: 2000, retry: { maxAttempts: 2, initialBackoffMs: 5 } });
    const res = await run(e, spans(20, { pad: 'p'.repeat(2000) }));
    assert.is(res.ok, false);
    assert.is(code(res), 'TW_ERR_OTLP_RETRIES_EXHAUSTED');
    assert.is(Array.isArray(r.requests) ? r.requests.length : r.requests, 2);
    await e.shutdown(); await r.close();
  });
}

test('a 2xx whose body is cut short is a success, not re-sent (the backend has the batch); counted as an invalid response', async () => {
  const r = await startReceiver({ mode: 'truncate' }); // 200 + half a body, then the socket dies
  const e = make(r, { retry: { maxAttempts: 3, initialBackoffMs: 5 } });
  assert.equal(await run(e, spans(5)), { ok: true });
  assert.is(r.requests.length, 1, 'sent once: a retry would store the spans twice');
  const st = e.stats() as { invalidResponses: number; retries: number; failedNetwork: number; ok: number };
  assert.equal([st.ok, st.invalidResponses, st.retries, st.failedNetwork], [1, 1, 0, 0]);
  await e.shutdown(); await r.close();
});

test('a 2xx whose body then stalls past the time budget is a success too (the backend has the batch), not a timeout counted as lost', async () => {
  let requests = 0;
  const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { requests++; res.writeHead(200, { 'content-type': 'application/json' }); res.write('{"partialSucc'); }); });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const e = otlpExporter({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, env: {}, timeoutMs: 600, retry: fast });
  try {
    assert.equal(await run(e, spans(3)), { ok: true });
    assert.is(requests, 1, 'sent once');
    const st = e.stats() as { invalidResponses: number; timeouts: number; ok: number };
    assert.equal([st.ok, st.invalidResponses, st.timeouts], [1, 1, 0]);
  } finally { await e.shutdown(); server.closeAllConnections(); await new Promise((r) => server.close(r)); }
});

test('a 400 whose body is cut short is a non-retryable status, not a network error retried; a cut 503 is still retried', async () => {
  const r = await startReceiver({ mode: 'truncate', status: 400 });
  const e = make(r);
  try {
    const res = await run(e, spans(1));
    assert.is(code(res), 'TW_ERR_OTLP_HTTP_STATUS');
    assert.is(r.requests.length, 1, 'a 400 was re-sent');
    await r.setMode('truncate', { status: 503, retryAfter: '0' });
    const again = await run(e, spans(1));
    assert.is(code(again), 'TW_ERR_OTLP_RETRIES_EXHAUSTED');
    assert.is(r.requests.length, 1 + fast.maxAttempts);
  } finally { await e.shutdown(); await r.close(); }
});

test('2xx with invalid JSON is a success (body ignored, counted); slow answers inside the budget succeed', async () => {
  const r = await startReceiver({ mode: 'invalid-json' });
  const e = make(r);
  assert.equal(await run(e, spans(2)), { ok: true });
  assert.is((e.stats() as { invalidResponses: number }).invalidResponses, 1);
  await r.setMode('slow', { delayMs: 50 });
  assert.equal(await run(e, spans(2)), { ok: true });
  await e.shutdown(); await r.close();
});

test('a response body over 4 MiB is cut off and ignored; the 2xx still counts', async () => {
  const r = await startReceiver({ mode: 'status', status: 200, body: JSON.stringify({ partialSuccess: { rejectedSpans: '1', errorMessage: 'x'.repeat(5 * 1024 * 1024) } }) });
  const e = make(r);
  assert.equal(await run(e, spans(2)), { ok: true });
  await e.shutdown(); await r.close();
});

test('partialSuccess: rejectedSpans reported (not retried), a message alone is a warning', async () => {
  const r = await startReceiver({ mode: 'partial', rejectedSpans: 2, errorMessage: 'attribute too long' });
  const e = make(r);
  const res = await run(e, spans(5));
  assert.is(res.ok, true);
  assert.is(res.rejected, 2);
  assert.match(String((res.error as Error).message), 'attribute too long');
  assert.is(r.requests.length, 1);
  await r.setMode('partial', { rejectedSpans: 0, errorMessage: 'just so you know' });
  const w = await run(e, spans(1));
  assert.is(w.ok, true);
  assert.is(w.rejected, undefined);
  await e.shutdown(); await r.close();
});

test('an abort signal ends the export at once (batcher timeout / shutdown deadline)', async () => {
  const r = await startReceiver({ mode: 'hang' });
  const e = make(r, { timeoutMs: 60_000 });
  const ac = new AbortController();
  const p = run(e, spans(1), ac.signal);
  await r.waitForRequests(1);
  ac.abort();
  assert.is(code(await p), 'TW_ERR_OTLP_ABORTED');
  const pre = new AbortController(); pre.abort();
  assert.is(code(await run(e, spans(1), pre.signal)), 'TW_ERR_OTLP_ABORTED');
  await e.shutdown(); await r.close();
});

/** maxRequestBytes for which `batch` encodes to `times` × the cap. */
const capFor = (batch: Span[], times: number) => Math.ceil(new OtlpJsonEncoder().encode(batch).length / times);
const ids = (list: { spanId: string }[]) => list.map((s) => s.spanId).sort();

test('request size cap: a batch encoding to 2.5x maxRequestBytes is sent as 3 or more requests, each under the cap; every span arrives once, none dropped', async () => {
  const r = await startReceiver();
  const batch = spans(60, { pad: 'q'.repeat(400) });
  const cap = capFor(batch, 2.5);
  const e = make(r, { maxRequestBytes: cap });
  const res = await run(e, batch);
  assert.equal(res, { ok: true });
  assert.ok(r.requests.length >= 3, `${r.requests.length} requests`);
  for (const q of r.requests) assert.ok(q.bytes <= cap, `${q.bytes} > ${cap}`);
  assert.equal(ids(r.spans()), batch.map((s) => s.spanId).sort());
  assert.is(e.stats().tooLarge, 0);
  await e.shutdown(); await r.close();
});

test('request size cap: a span alone over the cap is dropped and counted as too large; the rest of its batch arrives and exported + dropped = ended', async () => {
  const r = await startReceiver();
  const cp = new CaptureProcessor();
  const t = createTracer({ service: 'http-test', processor: cp, env: {} });
  for (let i = 0; i < 30; i++) t.startSpan('op', { root: true, attributes: { i, pad: 'p'.repeat(300) } }).end();
  const cap = capFor(cp.spans as Span[], 2.5);
  const e = make(r, { maxRequestBytes: cap });
  const logs: string[] = [];
  const tracer = createTracer({ service: 'http-test', exporter: e, env: {}, logger: (m) => logs.push(m), batch: { maxExportBatchSize: 64, reportIntervalMs: 0 } });
  const big = { a: 'x'.repeat(4000), b: 'y'.repeat(4000), c: 'z'.repeat(4000) };
  for (let i = 0; i < 31; i++) tracer.startSpan('op', { root: true, attributes: i === 15 ? big : { i, pad: 'p'.repeat(300) } }).end();
  await tracer.forceFlush();
  const st = tracer.stats();
  assert.is(st.ended, 31);
  assert.is(st.exported, 30);
  assert.is(st.dropped.exportFailed, 1);
  assert.is(st.ended, st.exported + st.dropped.exportFailed + st.queued);
  assert.is(r.spans().length, 30);
  assert.ok(r.requests.length >= 3);
  assert.is(e.stats().tooLarge, 1);
  assert.match(logs.join('\n'), /export failed 1/);
  const lone = await run(e, spans(1, big));
  assert.is(code(lone), 'TW_ERR_OTLP_TOO_LARGE');
  assert.is(lone.ok, false);
  assert.is(e.stats().tooLarge, 2);
  assert.is(r.spans().length, 30, 'nothing sent for it');
  await tracer.shutdown(); await r.close();
});

test('request size cap: each part has its own retry; a part refused for good is counted as rejected, the other parts still arrive', async () => {
  const r = await startReceiver();
  const batch = spans(60, { pad: 'q'.repeat(400) });
  const e = make(r, { maxRequestBytes: capFor(batch, 2.5) });
  r.respondNext([{ mode: 'ok' }, { mode: 'status', status: 503 }]);
  assert.equal(await run(e, batch), { ok: true });
  assert.is(e.stats().retries, 1);
  assert.equal(ids(r.spans()), batch.map((s) => s.spanId).sort());
  r.requests.length = 0;
  r.respondNext([{ mode: 'ok' }, { mode: 'status', status: 400 }]);
  const res = await run(e, batch);
  assert.is(res.ok, true);
  assert.is(code(res), 'TW_ERR_OTLP_HTTP_STATUS');
  const refused = r.requests[1]!.json.resourceSpans[0].scopeSpans[0].spans.length;
  assert.ok(refused > 0);
  assert.is(res.rejected, refused);
  assert.is(r.spans().length, 60 - refused);
  // the backend itself failing (connection reset until retries run out): the parts after it are not sent, all counted
  r.requests.length = 0;
  await r.setMode('reset');
  r.respondNext([{ mode: 'ok' }]);
  const down = await run(e, batch);
  const first = r.requests[0]!.json.resourceSpans[0].scopeSpans[0].spans.length;
  assert.is(code(down), 'TW_ERR_OTLP_RETRIES_EXHAUSTED');
  assert.is(down.rejected, 60 - first);
  // the second part's first request went on the first part's kept-alive connection: its reset reads as a connection
  // the server had closed while idle, re-sent once at once on a new one (test/otlp-keepalive.test.ts)
  assert.is(e.stats().staleSocketRetries, 1);
  assert.is(r.requests.length, 1 + 1 + fast.maxAttempts, 'no request for the third part');
  await e.shutdown(); await r.close();
});

test('header values never appear in errors, logs or stats, even when the server echoes them', async () => {
  const r = await startReceiver({ mode: 'status', status: 400, body: JSON.stringify({ code: 3, message: `bad auth header ${SECRET} / ${ENV_SECRET}` }) });
  const logs: string[] = [];
  const e = otlpExporter({ url: r.url.replace('http://', 'http://user:pa55word@'), headers: { authorization: SECRET }, env: { OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${ENV_SECRET}` }, retry: fast, logger: (m) => logs.push(m) });
  const t = createTracer({ service: 'secret-test', exporter: e, env: {}, logger: (m) => logs.push(m), batch: { maxExportBatchSize: 4, reportIntervalMs: 0 } });
  for (let i = 0; i < 4; i++) t.startSpan('x', { root: true }).end();
  await t.forceFlush();
  const res = await run(e, spans(1));
  const everything = [String((res.error as Error).message), JSON.stringify(e.stats()), JSON.stringify(t.stats()), e.name, ...logs].join('\n');
  assert.ok(r.requests[0]!.headers['x-api-key'] === ENV_SECRET && r.requests[0]!.headers.authorization === SECRET, 'headers were sent');
  assert.ok(logs.length > 0, 'the failure was logged');
  for (const s of [SECRET, ENV_SECRET, 'pa55word', 's3cr3t']) assert.not.ok(everything.includes(s), `leaked ${s}: ${everything}`);
  assert.match(everything, '[redacted]');
  await t.shutdown({ deadlineMs: 100 }); await r.close();
});

test('AC-007 a token the backend echoes without its "Bearer " scheme, or cut at the message cap, never appears in errors', async () => {
  const token = 'tok_9f8e7d6c5b4a3210';
  const headers = { authorization: `Bearer ${token}` };
  const r = await startReceiver({ mode: 'status', status: 401, body: JSON.stringify({ code: 16, message: `invalid token ${token}` }) });
  const e = make(r, { headers, retry: false });
  try {
    const bare = String(((await run(e, spans(1))).error as Error).message);
    assert.not.ok(bare.includes(token), bare);
    assert.match(bare, 'invalid token [redacted]');
    // the token straddles the 200-character cap of a status message: cut first, its head would be left unredacted
    await r.setMode('status', { status: 401, body: JSON.stringify({ code: 16, message: 'x'.repeat(190) + ' ' + token }) });
    const cut = String(((await run(e, spans(1))).error as Error).message);
    assert.not.ok(cut.includes(token.slice(0, 9)), cut);
    await r.setMode('partial', { rejectedSpans: 1, errorMessage: 'y'.repeat(190) + ' ' + token });
    const partial = String(((await run(e, spans(2))).error as Error).message);
    assert.not.ok(partial.includes(token.slice(0, 9)), partial);
  } finally { await e.shutdown(); await r.close(); }
});

test('AC-007 a query value in the URL (?api-key=…) never appears in errors, even when the backend echoes the request URL (raw or decoded)', async () => {
  const srv = http.createServer((q, res) => { q.resume(); q.on('end', () => res.writeHead(400).end(JSON.stringify({ code: 3, message: `bad request ${q.url} (${decodeURIComponent(q.url!)})` }))); });
  const port = await new Promise<number>((r) => srv.listen(0, '127.0.0.1', () => r((srv.address() as AddressInfo).port)));
  const e = otlpExporter({ url: `http://127.0.0.1:${port}/v1/traces?tenant=t1&api-key=KEY%2Fabc123secret`, env: {}, retry: false });
  const res = await run(e, spans(1));
  const m = String((res.error as Error).message);
  assert.is(code(res), 'TW_ERR_OTLP_HTTP_STATUS');
  assert.match(m, 'HTTP 400: bad request /v1/traces?');
  assert.ok(!m.includes('abc123secret') && !m.includes('KEY'), m);
  await e.shutdown();
  await new Promise((r) => srv.close(r));
});

test('its own requests carry the no-trace brand (agent and request options)', async () => {
  const r = await startReceiver();
  const e = make(r);
  const seen: unknown[] = [];
  const orig = http.request;
  (http as { request: unknown }).request = (...args: unknown[]) => { seen.push(args[0]); return (orig as (...a: unknown[]) => unknown)(...args); };
  try { assert.equal(await run(e, spans(1)), { ok: true }); } finally { (http as { request: unknown }).request = orig; }
  assert.is(seen.length, 1);
  assert.ok(isNoTrace(seen[0]), 'options branded');
  assert.ok(isNoTrace({ agent: (seen[0] as { agent: unknown }).agent }), 'agent branded');
  await e.shutdown(); await r.close();
});

test('Retry-After: only delay-seconds or a strict HTTP-date; "1.5", "-1" and other junk fall back to the backoff', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  for (const v of ['1.5', '-1', '0.5', '+3', '1e3', '0x10', '3 s', '', 'Thu, 01 Jan 2026 00:00:05', 'Thu, 01 Jan 2026 00:00:05 UTC',
    '2026-01-01T00:00:05Z', 'Thu, 32 Jan 2026 00:00:05 GMT', 'Thu, 29 Feb 2026 00:00:05 GMT', 'Thu, 01 Foo 2026 00:00:05 GMT', 'Thu, 01 Jan 2026 24:00:00 GMT', 'Thu,01 Jan 2026 00:00:05 GMT']) {
    assert.is(retryAfterMs(v, now), null, JSON.stringify(v));
  }
  assert.is(retryAfterMs(' 7 ', now), 7000);
  assert.is(retryAfterMs('0', now), 0);
  assert.is(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000); // IMF-fixdate
  assert.is(retryAfterMs('Thursday, 01-Jan-26 00:00:05 GMT', now), 5000); // obsolete rfc850-date
  assert.is(retryAfterMs('Thu Jan  1 00:00:05 2026', now), 5000); // obsolete asctime-date
  assert.is(httpDate('Sunday, 06-Nov-94 08:49:37 GMT', now), Date.UTC(1994, 10, 6, 8, 49, 37), 'a 2-digit year > 50 years ahead is in the past');
  assert.is(httpDate('Sat, 29 Feb 2020 10:00:00 GMT', now), Date.UTC(2020, 1, 29, 10));
});

test('Retry-After rfc850-date across a century: a two-digit year is the nearest one not more than 50 years ahead', () => {
  // 5 s before 2100: "01-Jan-00" is 10 s ahead, not 100 years ago (which would mean retry at once)
  const now = Date.parse('2099-12-31T23:59:55Z');
  assert.is(retryAfterMs('Friday, 01-Jan-00 00:00:05 GMT', now), 10_000);
  assert.is(httpDate('Thursday, 31-Dec-99 23:59:59 GMT', now), Date.UTC(2099, 11, 31, 23, 59, 59));
  // in 2090, "10" is 2110 (20 years ahead), not 2010; "41" is 2141 (51 years ahead), so 2041
  const y2090 = Date.parse('2090-06-01T00:00:00Z');
  assert.is(httpDate('Friday, 01-Jan-10 00:00:00 GMT', y2090), Date.UTC(2110, 0, 1));
  assert.is(httpDate('Tuesday, 01-Jan-41 00:00:00 GMT', y2090), Date.UTC(2041, 0, 1));
});

test('HTTP-date with a four-digit year below 100 is that year, not 1900 + it (Date.UTC maps 0..99 to 19xx): in the past', () => {
  const year0 = Date.parse('0000-01-01T00:00:00Z'); // ISO strings keep the year as written
  assert.is(httpDate('Sun Jan  1 00:00:00 0000'), year0);
  assert.is(httpDate('Sat, 01 Jan 0000 00:00:00 GMT'), year0);
  assert.is(httpDate('Tue, 29 Feb 0000 00:00:00 GMT'), Date.parse('0000-02-29T00:00:00Z'), 'year 0 is a leap year (proleptic Gregorian)');
  assert.is(httpDate('Thu, 29 Feb 1900 00:00:00 GMT'), null, '1900 is not');
  assert.is(httpDate('Mon, 01 Jan 0099 12:00:00 GMT'), Date.parse('0099-01-01T12:00:00Z'));
  // 1990 is after year 0: a Retry-After of that date means now, never 'wait until 1900'
  assert.is(retryAfterMs('Sun Jan  1 00:00:00 0000', 631152000000), 0);
});

test('AC-007 a redirect (an http:// endpoint the ingress sends to https://) is not followed nor retried, and the failure says where it pointed, without its query or credentials', async () => {
  const r = await startReceiver({ mode: 'status', status: 308, body: '<html>moved</html>', headers: { location: 'https://u:pw@collector.example.com/v1/traces?token=abc123' } });
  const e = make(r);
  const res = await run(e, spans(1));
  const msg = String((res.error as Error).message);
  assert.is(code(res), 'TW_ERR_OTLP_HTTP_STATUS');
  assert.match(msg, 'HTTP 308');
  assert.match(msg, 'redirect to https://collector.example.com/v1/traces');
  assert.match(msg, 'not followed');
  for (const s of ['abc123', 'pw@', 'token']) assert.not.ok(msg.includes(s), msg);
  assert.is(r.requests.length, 1, 'not retried');
  await r.setMode('status', { status: 307, headers: { location: '/otlp/v1/traces' } }); // relative: read against the endpoint
  assert.match(String(((await run(e, spans(1))).error as Error).message), `redirect to http://127.0.0.1:${r.port}/otlp/v1/traces`);
  await e.shutdown(); await r.close();
});

test('an unusable Retry-After ("1.5") means the backoff, not an immediate retry', async () => {
  const r = await startReceiver({ mode: 'status', status: 503, retryAfter: '1.5' });
  // the backoff (60 s) is past the 500 ms budget: with the header ignored the export gives up after one request
  const e = make(r, { timeoutMs: 500, retry: { maxAttempts: 5, initialBackoffMs: 60_000, maxBackoffMs: 60_000 } });
  const res = await run(e, spans(1));
  assert.is(code(res), 'TW_ERR_OTLP_RETRIES_EXHAUSTED');
  assert.match(String((res.error as Error).message), 'would pass the 500 ms export budget');
  assert.is(r.requests.length, 1);
  await e.shutdown(); await r.close();
});

test('env header names/values node:http would refuse are warned (by position, no value) and skipped; the export still works', async () => {
  for (const bad of ['tok%01en', 'caf%E2%82%AC', 'a%7Fb']) {
    const warn: string[] = [];
    assert.equal(parseHeaders(`x-ok=1,api-key=${bad}`, 'OTEL_EXPORTER_OTLP_HEADERS', (m) => warn.push(m)), { 'x-ok': '1' }, bad);
    assert.is(warn.length, 1);
    assert.match(warn[0]!, 'member #2');
    assert.not.match(warn[0]!, decodeURIComponent(bad));
  }
  assert.equal(parseHeaders('x%C3%A9=1', 'X', () => {}), {}, 'a non-token name is skipped too');
  assert.equal(parseHeaders('x=caf%C3%A9', 'X', () => {}), { x: 'caf\u00e9' }, 'latin-1 values are valid header bytes');
  const r = await startReceiver();
  const e = otlpExporter({ url: r.url, env: { OTEL_EXPORTER_OTLP_HEADERS: 'api-key=tok%01en,x-team=core' }, retry: fast, logger: () => {} });
  assert.equal(await run(e, spans(1)), { ok: true });
  assert.is(r.requests[0]!.headers['x-team'], 'core');
  assert.is(r.requests[0]!.headers['api-key'], undefined);
  await e.shutdown(); await r.close();
});

test('a request node:http refuses synchronously is a non-retryable failure, not a network error retried', async () => {
  const r = await startReceiver();
  const agent = new https.Agent(); // an https agent for an http URL: http.request throws ERR_INVALID_PROTOCOL
  const e = make(r, { agent, retry: { maxAttempts: 5, initialBackoffMs: 5 } });
  const res = await run(e, spans(1));
  assert.is(code(res), 'TW_ERR_OTLP_REQUEST');
  assert.match(String((res.error as Error).message), 'ERR_INVALID_PROTOCOL');
  const st = e.stats() as { failedRequest: number; failedNetwork: number; retries: number; requests: number };
  assert.equal([st.failedRequest, st.failedNetwork, st.retries, st.requests], [1, 0, 0, 0]);
  assert.is(r.requests.length, 0);
  agent.destroy(); await e.shutdown(); await r.close();
});

test('timeouts past setTimeout\'s 2^31-1 ms are clamped (option and OTEL_EXPORTER_OTLP_TIMEOUT, warned), never fire after 1 ms', async () => {
  const warn: string[] = [];
  assert.equal(otlpFromEnv({ OTEL_EXPORTER_OTLP_TIMEOUT: '2147483648' }, (m) => warn.push(m)), { timeoutMs: 2 ** 31 - 1 });
  assert.equal(otlpFromEnv({ OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '99999999999999999999' }, (m) => warn.push(m)), { timeoutMs: 2 ** 31 - 1 });
  assert.is(warn.length, 2);
  assert.match(warn[0]!, 'OTEL_EXPORTER_OTLP_TIMEOUT');
  const overflow: string[] = [];
  const onWarning = (w: Error) => overflow.push(w.name);
  process.on('warning', onWarning);
  const r = await startReceiver({ mode: 'slow', delayMs: 30 });
  try {
    const optWarn: string[] = [];
    for (const e of [make(r, { timeoutMs: 2 ** 32, logger: (m) => optWarn.push(m) }), make(r, { timeoutMs: Infinity, logger: (m) => optWarn.push(m) }), otlpExporter({ url: r.url, env: { OTEL_EXPORTER_OTLP_TIMEOUT: '2147483648' }, retry: fast, logger: () => {} })]) {
      assert.equal(await run(e, spans(1)), { ok: true });
      await e.shutdown();
    }
    assert.is(optWarn.length, 2, optWarn.join('\n'));
    assert.match(optWarn[1]!, 'timeoutMs Infinity is above 2147483647');
    await new Promise(setImmediate);
    assert.not.ok(overflow.includes('TimeoutOverflowWarning'), overflow.join());
  } finally { process.off('warning', onWarning); await r.close(); }
});

test('a literal % in URL userinfo ("50%off") is used as written, not a URIError at construction', async () => {
  const r = await startReceiver();
  const url = r.url.replace('http://', 'http://user:50%off@');
  const e = otlpExporter({ url, env: {}, retry: fast });
  assert.equal(await run(e, spans(1)), { ok: true });
  assert.is(r.requests[0]!.headers.authorization, 'Basic ' + Buffer.from('user:50%off').toString('base64'));
  const fromEnv = otlpExporter({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: url.replace('/v1/traces', '') }, retry: fast });
  assert.equal(await run(fromEnv, spans(1)), { ok: true });
  const enc = otlpExporter({ url: r.url.replace('http://', 'http://us%65r:p%40ss@'), env: {}, retry: fast });
  assert.equal(await run(enc, spans(1)), { ok: true });
  assert.is(r.requests[2]!.headers.authorization, 'Basic ' + Buffer.from('user:p@ss').toString('base64'), 'valid escapes are still decoded');
  await e.shutdown(); await fromEnv.shutdown(); await enc.shutdown(); await r.close();
});

test('AC-007 TLS failures (self-signed or wrong-host certificate, TLS to a plain-HTTP port) are clear, counted, not retried, and name no secret', async () => {
  const d = mkdtempSync(join(tmpdir(), 'tw-tls-'));
  const gen = (name: string, args: string[]) => spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(d, name + '.key'), '-out', join(d, name + '.pem'), '-days', '1', ...args], { encoding: 'utf8' });
  if (gen('self', ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']).status !== 0 || gen('other', ['-subj', '/CN=other.example', '-addext', 'subjectAltName=DNS:other.example']).status !== 0) {
    console.log('SKIP: openssl not available to create test certificates');
    return;
  }
  const pem = (n: string) => ({ key: readFileSync(join(d, n + '.key')), cert: readFileSync(join(d, n + '.pem')) });
  const servers = [https.createServer(pem('self'), (_q, r) => r.end('{}')), https.createServer(pem('other'), (_q, r) => r.end('{}')), http.createServer((_q, r) => r.end('{}'))];
  const ports = await Promise.all(servers.map((s) => new Promise<number>((res) => s.listen(0, '127.0.0.1', () => res((s.address() as AddressInfo).port)))));
  const cases: Array<[number, RegExp, https.Agent | undefined]> = [
    [ports[0]!, /certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/, undefined],
    [ports[1]!, /certificate does not name this host \(ERR_TLS_CERT_ALTNAME_INVALID\)/, new https.Agent({ ca: readFileSync(join(d, 'other.pem')) })], // trusted, wrong name
    [ports[2]!, /TLS handshake failed \(EPROTO\): is the port plain HTTP/, undefined],
  ];
  for (const [port, msg, agent] of cases) {
    const e = otlpExporter({ url: `https://u:${ENV_SECRET}@127.0.0.1:${port}/v1/traces`, headers: { authorization: SECRET }, env: {}, timeoutMs: 5000, retry: { maxAttempts: 5, initialBackoffMs: 50 }, agent });
    const res = await run(e, spans(1));
    assert.is(code(res), 'TW_ERR_OTLP_TLS');
    const m = String((res.error as Error).message);
    assert.match(m, msg);
    assert.ok(!m.includes('s3cr3t') && !m.includes(ENV_SECRET), m);
    const st = e.stats() as { requests: number; retries: number; failedTls: number; failedNetwork: number };
    assert.equal([st.requests, st.retries, st.failedTls, st.failedNetwork], [1, 0, 1, 0]);
    await e.shutdown();
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(d, { recursive: true, force: true });
});

test('(cleanup)', () => clearInterval(keepAlive));

test('AC-007 dumping the exporter never shows header values', async () => {
  const { inspect } = await import('node:util');
  const e = otlpExporter({ url: 'http://user:pw@127.0.0.1:9/v1/traces', headers: { authorization: 'Bearer sekret-token-123' } });
  for (const dump of [inspect(e, { depth: 5, showHidden: true }), JSON.stringify(e), String(e)]) {
    assert.not.ok(dump.includes('sekret-token-123'), dump);
    assert.not.ok(dump.includes(':pw@'), dump);
  }
  assert.ok(inspect(e).includes('authorization'));
  await e.shutdown?.();
});

test.run();
