// OTEL_SDK_DISABLED=true (SDK env spec, General SDK Configuration): a no-op SDK. Nothing is recorded or exported, and
// propagation is untouched: a request's incoming context reaches its downstream calls as it came (AC-001, AC-002),
// without trace response headers (no span of this service to name). Precedence: code > config file > the variable.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTracer, parseTraceparent, type Tracer } from '../src/index.js';
import { memoryExporter } from '../src/exporters-local.js';
import { tracerFromConfig } from '../src/config/index.js';
import { withTracing, traceHttpClient, type ServerTracingOptions } from '../adapters/http.js';
import { traceFetch, tracedFetch } from '../adapters/fetch.js';
import { injectContext, startPublish } from '../adapters/queue.js';
import { listen, close, request } from './helpers/net.js';

const INCOMING = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const STATE = 'ot=th:8,vendor=x'; // a NonRecordingSpan of our own would erase th: pass-through must not
const DISABLED = { OTEL_SDK_DISABLED: 'True' };

const root = mkdtempSync(join(tmpdir(), 'tw-sdk-disabled-'));
let n = 0;
function file(content: unknown): string {
  const p = join(root, `c${n++}.json`);
  writeFileSync(p, JSON.stringify(content));
  return p;
}

test('OTEL_SDK_DISABLED=true: createTracer records nothing, builds no exporter pipeline, exports nothing; said once', async () => {
  const logs: string[] = [];
  const ex = memoryExporter();
  const t = createTracer({ service: 's', exporter: ex, env: DISABLED, logger: (m) => logs.push(m) });
  assert.is(t.disabled, true);
  assert.is(t.processor, null, 'no batcher, no timer');
  const s = t.startSpan('root', { attributes: { a: 1 } });
  assert.is(s.isRecording(), false);
  assert.is(s.traceId, '0'.repeat(32), 'no trace to pass on: the invalid context');
  const carrier: Record<string, unknown> = {};
  t.inject(carrier, s);
  assert.equal(carrier, {}, 'the invalid context injects nothing');
  s.setAttribute('b', 2).addEvent('e');
  s.end();
  t.startActiveSpan('x', undefined, (a) => a.end());
  await t.forceFlush();
  await t.shutdown();
  assert.is(ex.spans.length, 0);
  const st = t.stats();
  assert.equal([st.started, st.ended, st.exported, st.disabled], [0, 0, 0, true]);
  assert.is(logs.length, 1, logs.join('\n'));
  assert.match(logs[0]!, /^OTEL_SDK_DISABLED=true: tracing is off/);
});

test('OTEL_SDK_DISABLED: pass-through in the core: children of a remote parent carry it unchanged (IDs, flags, tracestate), also through queue carriers', () => {
  const t = createTracer({ service: 's', env: DISABLED, logger: () => {} });
  const remote = t.extract({ traceparent: INCOMING, tracestate: STATE })!;
  const child = t.startSpan('child', { parent: remote });
  assert.equal([child.traceId, child.spanId, child.traceFlags, child.traceState?.toString()], [remote.traceId, remote.spanId, 1, STATE]);
  const grand = t.withSpan(child, () => t.startSpan('grandchild'));
  assert.is(grand, child, 'a pass-through span under a pass-through span: itself, no allocation');
  const carrier: Record<string, unknown> = {};
  t.withSpan(remote, () => { const p = startPublish(t, carrier, { system: 'rabbitmq', destination: 'q' }); p.end(); });
  assert.equal(carrier, { traceparent: INCOMING, tracestate: STATE });
  const c2: Record<string, unknown> = {};
  t.withSpan(remote, () => injectContext(c2));
  assert.equal(c2, { traceparent: INCOMING, tracestate: STATE });
  // sampleAsRoot (the preserve-ids trust policy): the caller's flag must not decide, so it is not passed on as sampled
  const asRoot = t.startSpan('edge', { parent: remote, sampleAsRoot: true });
  assert.equal([asRoot.traceId, asRoot.traceFlags], [remote.traceId, 0]);
  assert.is.not(asRoot.spanId, remote.spanId, 'a flag change comes with a new parent-id (W3C)');
  assert.is(t.stats().started, 0);
});

/** A downstream server that records the trace headers of each request it gets. */
async function downstream() {
  const seen: Array<[unknown, unknown]> = [];
  const server = http.createServer((req, res) => { seen.push([req.headers.traceparent, req.headers.tracestate]); res.end('ok'); });
  return { server, seen, port: await listen(server) };
}

/** A frontend traced by `t`: each request calls downstream once with node:http and once with fetch. */
async function frontend(t: Tracer, down: number, options?: ServerTracingOptions) {
  const server = http.createServer(withTracing(t, async (_req, res) => {
    await new Promise<void>((resolve, reject) => http.get({ host: '127.0.0.1', port: down, agent: false }, (r) => { r.resume(); r.on('end', resolve); }).on('error', reject));
    await (await fetch(`http://127.0.0.1:${down}/f`)).text();
    res.end('done');
  }, options) as http.RequestListener);
  return { server, port: await listen(server) };
}

test('AC-001 AC-002 OTEL_SDK_DISABLED: an incoming traceparent reaches downstream calls (node:http, fetch) unchanged; no trace response headers; nothing exported', async () => {
  const ex = memoryExporter();
  const t = createTracer({ service: 'front', exporter: ex, env: DISABLED, logger: () => {} });
  const undoHttp = traceHttpClient(t);
  const undoFetch = traceFetch(t);
  const d = await downstream();
  const f = await frontend(t, d.port);
  try {
    const r = await request({ host: '127.0.0.1', port: f.port, path: '/', agent: false, headers: { traceparent: INCOMING, tracestate: STATE } });
    assert.is(r.status, 200);
    assert.equal(d.seen, [[INCOMING, STATE], [INCOMING, STATE]], 'forwarded as it came, by both clients');
    assert.is(r.headers['server-timing'], undefined, 'no span of this service to name');
    assert.is(r.headers['x-trace-id'], undefined);
    // no incoming context: none is made up (no all-zero traceparent either)
    d.seen.length = 0;
    await request({ host: '127.0.0.1', port: f.port, path: '/', agent: false });
    assert.equal(d.seen, [[undefined, undefined], [undefined, undefined]]);
    await t.forceFlush();
    assert.is(ex.spans.length, 0);
  } finally {
    undoHttp(); undoFetch();
    await close(f.server); await close(d.server);
    await t.shutdown();
  }
});

test('AC-002 OTEL_SDK_DISABLED: the fetch wrapper passes the active context on, and leaves a request without one as written', async () => {
  const t = createTracer({ service: 's', env: DISABLED, logger: () => {} });
  const f = tracedFetch(t);
  const d = await downstream();
  try {
    const remote = t.extract({ traceparent: INCOMING, tracestate: STATE })!;
    await t.withSpan(remote, async () => (await f(`http://127.0.0.1:${d.port}/a`)).text());
    await (await f(`http://127.0.0.1:${d.port}/b`, { headers: { traceparent: INCOMING } })).text();
    await (await f(`http://127.0.0.1:${d.port}/c`)).text();
    assert.equal(d.seen, [[INCOMING, STATE], [INCOMING, undefined], [undefined, undefined]]);
  } finally {
    await close(d.server);
  }
});

test('AC-001 OTEL_SDK_DISABLED with trust preserve-ids: the trace ID is kept, the untrusted sampled flag is not passed on', async () => {
  const t = createTracer({ service: 'edge', env: DISABLED, logger: () => {} });
  const undoHttp = traceHttpClient(t);
  const undoFetch = traceFetch(t);
  const d = await downstream();
  const f = await frontend(t, d.port, { trust: 'preserve-ids' });
  try {
    await request({ host: '127.0.0.1', port: f.port, path: '/', agent: false, headers: { traceparent: INCOMING } });
    for (const [tp] of d.seen) {
      const c = parseTraceparent(tp as string)!;
      assert.equal([c.traceId, c.traceFlags], ['4bf92f3577b34da6a3ce929d0e0e4736', 0], String(tp));
    }
    assert.is(d.seen.length, 2);
  } finally {
    undoHttp(); undoFetch();
    await close(f.server); await close(d.server);
    await t.shutdown();
  }
});

test('OTEL_SDK_DISABLED precedence: createTracer({ disabled }) > config file `disabled` > the variable; a value other than true/false is warned about', async () => {
  const quiet = { logger: () => {} };
  assert.is(createTracer({ ...quiet, env: DISABLED, disabled: false }).disabled, false, 'code wins');
  const logs: string[] = [];
  assert.is(createTracer({ logger: (m) => logs.push(m), env: {}, disabled: true }).disabled, true);
  assert.equal(logs, [], 'asked for in code: nothing to say');
  assert.is(createTracer({ ...quiet, env: { OTEL_SDK_DISABLED: 'false' } }).disabled, false);
  assert.is(createTracer({ logger: (m) => logs.push(m), env: { OTEL_SDK_DISABLED: '1' } }).disabled, false, 'only "true" is true (spec, Boolean)');
  assert.match(logs.join('\n'), /OTEL_SDK_DISABLED="1" is not true or false; tracing stays on/);
  const cfg = (content: unknown, env: NodeJS.ProcessEnv, extra = {}) => tracerFromConfig({ path: file(content), env, watch: false, ...quiet, ...extra });
  const cases: Array<[boolean, ReturnType<typeof cfg>]> = [
    [true, cfg({}, DISABLED)],
    [false, cfg({ disabled: false }, DISABLED)],
    [true, cfg({ disabled: true }, {})],
    [false, cfg({ disabled: true }, DISABLED, { disabled: false })],
  ];
  for (const [want, t] of cases) {
    assert.is(t.disabled, want);
    if (want) assert.equal([t.routing, t.processor], [null, null], 'no exporters built');
    await t.shutdown({ deadlineMs: 0 });
  }
});

test('AC-005 OTEL_SDK_DISABLED: a config file that turns `disabled` on or off is read at startup; a reload lists it in restartRequired', async () => {
  const p = file({ disabled: true });
  const logs: string[] = [];
  const t = tracerFromConfig({ path: p, env: {}, watch: false, logger: (m) => logs.push(m) });
  assert.ok(logs.some((l) => /^config file "disabled": true: tracing is off/.test(l)), logs.join('\n'));
  writeFileSync(p, JSON.stringify({ disabled: false }));
  const ev = await t.reload();
  assert.ok(ev?.ok, String(ev?.error?.message));
  assert.equal(ev!.restartRequired, ['disabled']);
  assert.is(t.disabled, true);
  await t.shutdown({ deadlineMs: 0 });
});

test.run();
