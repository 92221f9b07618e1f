// A kept-alive connection that a load balancer forgets while it is idle (AWS ALB after 60 s, Azure after 4 min, GCP
// after 600 s) is not closed: no FIN, no RST, its packets just vanish. Reused, it would cost a whole request timeout.
// The exporter's own agent closes a connection idle for idleTimeoutMs, so the next export opens a fresh one.
import http from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer } from '../src/index.js';
import type { Span } from '../src/span.js';
import { otlpExporter } from '../src/otlp-http.js';
import { resolveOtlpOptions } from '../src/otlp-options.js';
import { MAX_TIMER_MS } from '../src/otlp-env.js';
import type { SpanExporter } from '../src/exporter.js';
import { defaultExporterFactories } from '../src/config/factories.js';
import { startReceiver } from './helpers/otlp-receiver.js';
import { startBlackholeProxy } from './helpers/blackhole-proxy.js';
import { CaptureProcessor } from './helpers/capture.js';

const keepAlive = setInterval(() => {}, 1000); // the exporter's timers are unref'd
const cap = new CaptureProcessor();
const tracer = createTracer({ service: 'idle-expiry-test', processor: cap, env: {} });
function spans(n: number): Span[] {
  cap.spans.length = 0;
  for (let i = 0; i < n; i++) tracer.startSpan('op-' + i, { root: true, attributes: { i } }).end();
  return cap.spans.slice() as Span[];
}
type Counters = { timeouts: number; failedNetwork: number; staleSocketRetries: number; ok: number };
const counters = (e: SpanExporter) => e.stats!() as unknown as Counters;
const run = (e: SpanExporter, s: Span[]) => e.export(s, new AbortController().signal);

/** The receiver sends no Keep-Alive hint (node:http clients would follow it): only idleTimeoutMs can end the connection. */
async function blackholedAfterIdle(make: (url: string) => SpanExporter): Promise<void> {
  const r = await startReceiver({ keepAliveTimeoutMs: 0 });
  const p = await startBlackholeProxy(r.port);
  const e = make(p.url('/v1/traces'));
  try {
    assert.equal(await run(e, spans(1)), { ok: true });
    assert.is(p.connections, 1);
    p.blackholeOpen(); // the load balancer forgets the idle flow and tells nobody
    const closedByUs = await p.clientClosed(0, 3000);
    const res = await run(e, spans(2));
    assert.equal(res, { ok: true }, 'delivered, not timed out on the dead connection');
    const c = counters(e);
    assert.equal([c.timeouts, c.failedNetwork, c.staleSocketRetries, c.ok], [0, 0, 0, 2]);
    assert.ok(closedByUs, 'the exporter closed the idle connection itself');
    assert.is(p.connections, 2, 'the second export went on a new connection');
    assert.is(r.spans().length, 3, 'each span once');
  } finally { await e.shutdown!(); await p.close(); await r.close(); }
}

test('a kept-alive connection a load balancer black-holed while idle is closed after idleTimeoutMs: the next export opens a new one instead of waiting out its timeout', async () => {
  await blackholedAfterIdle((url) => otlpExporter({ url, env: {}, timeoutMs: 3000, retry: false, idleTimeoutMs: 200 }));
});

test('the config file\'s idleTimeoutMs reaches the exporter (default factory)', async () => {
  await blackholedAfterIdle((url) => defaultExporterFactories.otlp({ url, headers: {}, timeoutMs: 3000, idleTimeoutMs: 200 }));
});

test('idleTimeoutMs ends idle connections only: a response slower than it is waited for, and a connection used again within it is reused', async () => {
  const r = await startReceiver({ keepAliveTimeoutMs: 0, mode: 'slow', delayMs: 1200 });
  const e = otlpExporter({ url: r.url, env: {}, timeoutMs: 5000, retry: false, idleTimeoutMs: 300 });
  try {
    assert.equal(await run(e, spans(1)), { ok: true }, 'a response after 4x idleTimeoutMs arrives');
    await r.setMode('ok');
    assert.equal(await run(e, spans(1)), { ok: true });
    assert.equal([counters(e).timeouts, counters(e).failedNetwork, counters(e).staleSocketRetries], [0, 0, 0]);
    assert.is(r.connections, 1, 'kept alive between exports closer together than idleTimeoutMs');
  } finally { await e.shutdown(); await r.close(); }
});

test('idleTimeoutMs: resolved once; the default is under the shortest common load-balancer idle timeout (AWS ALB, 60 s); 0 keeps connections until the server ends them; bad values are warned about', () => {
  const warnings: string[] = [];
  const opts = (idleTimeoutMs: unknown, more: Record<string, unknown> = {}) => resolveOtlpOptions({ url: 'http://127.0.0.1:4318/v1/traces', env: {}, logger: (m) => warnings.push(m), idleTimeoutMs: idleTimeoutMs as number, ...more });
  const def = opts(undefined).idleTimeoutMs;
  assert.ok(def > 0 && def < 60_000, `default ${def}`);
  assert.is(warnings.length, 0);
  assert.is(opts(2500).idleTimeoutMs, 2500);
  assert.is(opts(0).idleTimeoutMs, 0);
  assert.is(opts(0.5).idleTimeoutMs, 1, 'a fraction of a ms is still a limit, never 0 (no limit)');
  assert.is(opts(1500.7).idleTimeoutMs, 1500);
  assert.is(warnings.length, 0);
  for (const bad of [-1, Number.NaN, '5000', true]) {
    warnings.length = 0;
    assert.is(opts(bad).idleTimeoutMs, def, String(bad));
    assert.is(warnings.length, 1, String(bad));
    assert.match(warnings[0]!, /idleTimeoutMs/);
  }
  warnings.length = 0;
  assert.is(opts(Number.POSITIVE_INFINITY).idleTimeoutMs, MAX_TIMER_MS);
  assert.match(warnings.join('\n'), /idleTimeoutMs .* above/);
  warnings.length = 0;
  opts(1000, { agent: new http.Agent() });
  assert.match(warnings.join('\n'), /idleTimeoutMs ignored: the agent you pass decides/);
});

test('(cleanup)', () => clearInterval(keepAlive));

test.run();
