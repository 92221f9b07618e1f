// AC-005 multiple backends and tenant routing (and AC-007: one slow or dead backend never delays or drops
// another's spans). Real loopback OTLP receivers, the real OTLP exporter and batcher, routes from config.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tracerFromConfig, RoutingProcessor, type ConfiguredTracer, type Destination } from '../src/config/index.js';
import { startReceiver, type Receiver } from './helpers/otlp-receiver.js';
import { memoryExporter, type MemoryExporter } from '../src/exporters-local.js';
import { createTracer, type Span } from '../src/index.js';
import { BatchSpanProcessor } from '../src/batcher.js';

const root = mkdtempSync(join(tmpdir(), 'tw-config-routing-'));
let n = 0;
const WAIT_MS = 15_000;

function start(config: Record<string, unknown>): ConfiguredTracer {
  const p = join(root, `c${n++}.json`);
  writeFileSync(p, JSON.stringify({ batch: { scheduledDelayMs: 5 }, ...config }));
  return tracerFromConfig({ path: p, env: {}, watch: false, logger: () => {} });
}
const otlp = (r: Receiver, extra: Record<string, unknown> = {}) => ({ type: 'otlp', url: r.url, ...extra });
const tenantOf = (s: any): string | undefined => s.attributes?.find((a: any) => a.key === 'tenant.id')?.value?.stringValue;
const tenants = (r: Receiver): string[] => r.spans().map((s) => tenantOf(s) ?? '-').sort();

function end(t: { startSpan: ConfiguredTracer['startSpan'] }, tenant: string | null, count: number, name = 'op'): void {
  for (let i = 0; i < count; i++) (t.startSpan(name, { attributes: tenant === null ? { k: i } : { 'tenant.id': tenant, k: i } }) as Span).end();
}
function balanced(t: ConfiguredTracer): void {
  const s = t.stats();
  const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
  assert.is(s.ended, s.exported + dropped + s.queued, JSON.stringify(s));
}
const dest = (t: ConfiguredTracer, name: string) => t.stats().destinations.find((d) => d.name === name)!;
/** Wait for a condition that an asynchronous export settles (response parsed after the receiver recorded it). */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('AC-005 tenant A only to A\'s backend, B only to B\'s, the platform backend gets every span', async () => {
  const [acme, globex, platform] = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
  const t = start({
    exporters: { acme: otlp(acme), globex: otlp(globex), platform: otlp(platform) },
    routes: { tenants: { acme: ['acme'], globex: ['globex'] }, all: ['platform'] },
  });
  end(t, 'acme', 3);
  end(t, 'globex', 2);
  end(t, null, 1);
  end(t, 'initech', 1); // a tenant without a route: default (none here) + all
  await t.forceFlush();
  assert.equal(tenants(acme), ['acme', 'acme', 'acme']);
  assert.equal(tenants(globex), ['globex', 'globex']);
  assert.equal(tenants(platform), ['-', 'acme', 'acme', 'acme', 'globex', 'globex', 'initech']);
  const s = t.stats();
  // the primary destination of every span is `platform` (all first): the tracer totals are its numbers
  assert.equal([s.ended, s.exported, s.queued], [7, 7, 0]);
  assert.equal([dest(t, 'acme').exported, dest(t, 'globex').exported, dest(t, 'platform').exported], [3, 2, 7]);
  balanced(t);
  assert.equal(t.routing!.describe().tenants, { acme: ['platform', 'acme'], globex: ['platform', 'globex'] });
  await t.shutdown();
  await Promise.all([acme.close(), globex.close(), platform.close()]);
});

test('AC-005 default route for spans without a listed tenant; a tenant may route to several exporters or to none', async () => {
  const [acme, platform, archive] = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
  const t = start({
    exporters: { acme: otlp(acme), platform: otlp(platform), archive: otlp(archive) },
    routes: { tenants: { acme: ['acme', 'archive'], noisy: [] }, default: ['platform'] },
  });
  end(t, 'acme', 2);
  end(t, 'globex', 1);
  end(t, null, 1);
  end(t, 'noisy', 4);
  await t.forceFlush();
  assert.equal(tenants(acme), ['acme', 'acme']);
  assert.equal(tenants(archive), ['acme', 'acme']);
  assert.equal(tenants(platform), ['-', 'globex']);
  const s = t.stats();
  assert.equal([s.ended, s.exported, s.dropped.noExporter], [8, 4, 4]); // noisy: routed nowhere, counted
  assert.is((s as any).routing.noRoute, 4);
  balanced(t);
  await t.shutdown();
  await Promise.all([acme.close(), platform.close(), archive.close()]);
});

test('AC-005 an integer tenant id (tenant.id: 42) follows the route and the per-tenant rate of tenant "42"', async () => {
  const [t42, platform] = await Promise.all([startReceiver(), startReceiver()]);
  const t = start({
    exporters: { t42: otlp(t42), platform: otlp(platform) },
    routes: { tenants: { 42: ['t42'] }, default: ['platform'] },
    sampler: { probability: 1, tenants: { 7: 0 } },
  });
  for (const [name, id] of [['number', 42], ['string', '42'], ['other', 43], ['fraction', 42.5], ['unsampled', 7]] as const) {
    (t.startSpan(name, { attributes: { 'tenant.id': id } }) as Span).end();
  }
  await t.forceFlush();
  assert.equal(t42.spans().map((s) => s.name).sort(), ['number', 'string']);
  assert.equal(platform.spans().map((s) => s.name).sort(), ['fraction', 'other']); // tenant 7 sampled at 0
  balanced(t);
  await t.shutdown();
  await Promise.all([t42.close(), platform.close()]);
});

test('AC-007 a hanging backend does not delay or drop the other destinations\' spans', async () => {
  const [slow, platform] = await Promise.all([startReceiver({ mode: 'hang' }), startReceiver()]);
  const t = start({
    exporters: { acme: otlp(slow, { timeoutMs: 60_000 }), platform: otlp(platform) },
    routes: { tenants: { acme: ['acme'] }, all: ['platform'] },
  });
  end(t, 'acme', 5);
  end(t, null, 5);
  void t.forceFlush(); // would wait for the hanging backend: not awaited
  await platform.waitForRequests(1, WAIT_MS);
  while (platform.spans().length < 10) await platform.waitForRequests(platform.requests.length + 1, WAIT_MS);
  assert.equal(tenants(platform), ['-', '-', '-', '-', '-', 'acme', 'acme', 'acme', 'acme', 'acme']);
  await slow.waitForRequests(1, WAIT_MS);
  await until(() => t.stats().exported === 10, 'platform exports settled');
  const a = dest(t, 'acme');
  assert.equal([a.exported, a.queued, a.inFlight], [0, 5, 5]); // still waiting on the hung request
  assert.equal([t.stats().exported, t.stats().queued], [10, 0]); // totals follow the primary (platform)
  balanced(t);
  await t.shutdown({ deadlineMs: 50 });
  assert.is(dest(t, 'acme').dropped.shutdown, 5); // given up at the deadline, counted
  await Promise.all([slow.close(), platform.close()]);
});

test('AC-007 a dead backend (connection refused, 400) is counted on its own destination only', async () => {
  const [dead, bad, platform] = await Promise.all([startReceiver({ mode: 'refuse' }), startReceiver({ mode: 'status', status: 400 }), startReceiver()]);
  const t = start({
    exporters: { dead: otlp(dead, { timeoutMs: 300 }), bad: otlp(bad), platform: otlp(platform) },
    routes: { tenants: { acme: ['dead'], globex: ['bad'] }, all: ['platform'] },
  });
  end(t, 'acme', 3);
  end(t, 'globex', 2);
  await t.forceFlush();
  assert.is(platform.spans().length, 5);
  assert.is(dest(t, 'dead').dropped.exportFailed, 3);
  assert.is(dest(t, 'bad').dropped.exportFailed, 2);
  const s = t.stats();
  assert.equal([s.exported, s.dropped.exportFailed], [5, 0]);
  balanced(t);
  await t.shutdown();
  await Promise.all([dead.close(), bad.close(), platform.close()]);
});

test('AC-005 fan-out shares one span object: a destination exporting later still sees every attribute', async () => {
  const [early, late] = await Promise.all([startReceiver(), startReceiver()]);
  const t = start({
    exporters: { early: otlp(early, { batch: { scheduledDelayMs: 1 } }), late: otlp(late, { batch: { scheduledDelayMs: 200 } }) },
    routes: { all: ['early', 'late'] },
  });
  end(t, 'acme', 3);
  await early.waitForRequests(1, WAIT_MS);
  await late.waitForRequests(1, WAIT_MS); // exported after `early` settled
  assert.equal(tenants(late), ['acme', 'acme', 'acme']);
  assert.equal(late.spans().map((s) => s.attributes.length), [2, 2, 2]);
  assert.ok(t.routing!.describe().lanes.every((l) => !l.exclusive));
  await t.shutdown();
  await Promise.all([early.close(), late.close()]);
});

test('AC-005 a destination that is primary for some spans and a copy for others keeps exact totals', async () => {
  const ex: Record<string, MemoryExporter> = { a: memoryExporter(), p: memoryExporter() };
  const t = tracerFromConfig({
    path: (() => { const p = join(root, `c${n++}.json`); writeFileSync(p, JSON.stringify({ exporters: { a: { type: 'console' }, p: { type: 'file', path: '/tmp/unused.jsonl' } }, routes: { tenants: { acme: ['a', 'p'] }, default: ['p'] } })); return p; })(),
    env: {}, watch: false, logger: () => {},
    exporterFactories: { console: () => ex.a!, file: () => ex.p! },
  });
  end(t, 'acme', 3);
  end(t, null, 2);
  await t.forceFlush();
  assert.equal([ex.a!.spans.length, ex.p!.spans.length], [3, 5]);
  const s = t.stats();
  assert.equal([s.ended, s.exported], [5, 5]); // acme spans count via `a`, the others via `p`
  assert.equal([dest(t, 'a').exported, dest(t, 'p').exported], [3, 5]);
  assert.equal(t.routing!.describe().lanes.map((l) => `${l.name}:${l.role}`).sort(), ['a:primary', 'p:copy', 'p:primary']);
  balanced(t);
  await t.shutdown();
});

function mem(name: string, e: MemoryExporter, key = name): Destination {
  return { name, exporterKey: key, createExporter: () => e, batch: { scheduledDelayMs: 1 } };
}

test('AC-005 apply is all-or-nothing: an exporter that cannot be built leaves the old routes in place', async () => {
  const r = new RoutingProcessor({ logger: () => {} });
  const tracer = createTracer({ processor: r, service: 's' });
  const a = memoryExporter();
  r.apply([mem('a', a)], { tenantAttribute: 'tenant.id', tenants: {}, default: ['a'], all: [] });
  const created = memoryExporter();
  const bad: Destination = { name: 'bad', exporterKey: 'bad', createExporter: () => { throw new Error('no'); }, batch: {} };
  assert.throws(() => r.apply([mem('a', a), mem('b', created), bad], { tenantAttribute: 'tenant.id', tenants: {}, default: ['a', 'b', 'bad'], all: [] }), (e: Error & { code: string }) => e.code === 'TW_CONFIG_EXPORTER' && /exporter "bad" could not be created: no/.test(e.message));
  end(tracer, null, 2);
  await r.forceFlush();
  assert.is(a.spans.length, 2);
  assert.is(created.spans.length, 0);
  await new Promise((res) => setImmediate(res));
  assert.ok(created.shutdownCalled, 'an exporter built for the refused table is shut down');
  assert.equal(r.describe().default, ['a']);
  await r.shutdown();
});

test('AC-005 equal settings share one exporter instance; it is shut down with its last lane', async () => {
  const r = new RoutingProcessor({ logger: () => {} });
  const shared = memoryExporter();
  let builds = 0;
  const d = (name: string): Destination => ({ name, exporterKey: 'same-settings', createExporter: () => { builds++; return shared; }, batch: {} });
  r.apply([d('x'), d('y')], { tenantAttribute: 'tenant.id', tenants: { t1: ['x'] }, default: ['y'], all: [] });
  assert.is(builds, 1);
  r.apply([d('y')], { tenantAttribute: 'tenant.id', tenants: {}, default: ['y'], all: [] });
  await new Promise((res) => setTimeout(res, 20));
  assert.is(shared.shutdownCalled, false); // y still uses it
  r.apply([], { tenantAttribute: 'tenant.id', tenants: {}, default: [], all: [] });
  for (let i = 0; i < 50 && !shared.shutdownCalled; i++) await new Promise((res) => setTimeout(res, 10));
  assert.ok(shared.shutdownCalled);
  await r.shutdown();
});

test('AC-007 after shutdown, ended spans are counted as dropped (shutdown), never thrown', async () => {
  const r = new RoutingProcessor({ logger: () => {} });
  const tracer = createTracer({ processor: r, service: 's' });
  r.apply([mem('a', memoryExporter())], { tenantAttribute: 'tenant.id', tenants: {}, default: ['a'], all: [] });
  end(tracer, null, 1);
  await tracer.shutdown();
  end(tracer, null, 2);
  const s = tracer.stats();
  assert.equal([s.ended, s.exported, s.dropped.shutdown], [3, 1, 2]);
  r.apply([mem('b', memoryExporter())], { tenantAttribute: 'tenant.id', tenants: {}, default: ['b'], all: [] }); // ignored once closed
  assert.equal(r.describe().default, []);
});

test('AC-007 a lane processor that throws is isolated: other lanes still get the span, the drop is counted', async () => {
  const good = memoryExporter();
  const r = new RoutingProcessor({
    logger: () => {},
    createProcessor: (e, o) => (e.name!.startsWith('boom') ? { onEnd() { throw new Error('x'); }, forceFlush: async () => {}, shutdown: async () => {}, stats: () => ({ enqueued: 0, exported: 0, queued: 0, dropped: { queueFull: 0, exportFailed: 0, shutdown: 0, noExporter: 0 } }) } : new BatchSpanProcessor(e, o)),
  });
  const tracer = createTracer({ processor: r, service: 's' });
  r.apply([mem('boom', memoryExporter()), mem('good', good)], { tenantAttribute: 'tenant.id', tenants: {}, default: [], all: ['boom', 'good'] });
  end(tracer, null, 2);
  await r.forceFlush();
  assert.is(good.spans.length, 2);
  const s = tracer.stats();
  assert.is((s.dropped as any).laneError, 2);
  assert.is(s.ended, s.exported + Object.values(s.dropped).reduce((a, b) => a + b, 0) + s.queued);
  await r.shutdown();
});

test('AC-007 a lane a reload retires whose processor stats() throws: logged and counted, no unhandled rejection (fatal to the host)', async () => {
  const logs: string[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => { unhandled.push(e); };
  process.on('unhandledRejection', onUnhandled);
  try {
    const r = new RoutingProcessor({
      logger: (m) => logs.push(m),
      createProcessor: (e, o) => {
        const p = new BatchSpanProcessor(e, o);
        if (e.name!.startsWith('flaky')) p.stats = () => { throw new Error('stats broke'); };
        return p;
      },
    });
    const tracer = createTracer({ processor: r, service: 's' });
    r.apply([mem('flaky', memoryExporter()), mem('good', memoryExporter())], { tenantAttribute: 'tenant.id', tenants: {}, default: ['good'], all: ['flaky'] });
    end(tracer, null, 2);
    r.apply([mem('good', memoryExporter())], { tenantAttribute: 'tenant.id', tenants: {}, default: ['good'], all: [] }); // retires flaky
    await r.forceFlush();
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(unhandled, []);
    assert.ok(logs.some((m) => m.includes('flaky') && m.includes('stats broke')), logs.join('\n'));
    assert.is((tracer.stats() as any).routing.laneErrors, 1);
    await r.shutdown();
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('AC-007 shutdown() called twice (SIGTERM hook and the app): the second call waits for the same drain', async () => {
  const slow = memoryExporter({ delayMs: 50 });
  const r = new RoutingProcessor({ logger: () => {} });
  const tracer = createTracer({ processor: r, service: 's' });
  r.apply([{ name: 'a', exporterKey: 'a', createExporter: () => slow, batch: { scheduledDelayMs: 60_000 } }], { tenantAttribute: 'tenant.id', tenants: {}, default: ['a'], all: [] });
  end(tracer, null, 3);
  const first = tracer.shutdown({ deadlineMs: 5000 });
  await tracer.shutdown({ deadlineMs: 5000 });
  assert.is(slow.spans.length, 3, 'the second shutdown() resolved before the spans were exported');
  await first;
});

test('AC-007 shutdown({ deadlineMs }) returns by the deadline even when an exporter\'s own shutdown() never settles', async () => {
  const r = new RoutingProcessor({ logger: () => {} });
  const tracer = createTracer({ processor: r, service: 's' });
  let calls = 0;
  const hung = { name: 'hung', export: async () => ({ ok: true }), shutdown: () => { calls++; return new Promise<void>(() => {}); } };
  r.apply([{ name: 'h', exporterKey: 'h', createExporter: () => hung, batch: {} }], { tenantAttribute: 'tenant.id', tenants: {}, default: ['h'], all: [] });
  end(tracer, null, 1);
  let returned = false;
  const p = tracer.shutdown({ deadlineMs: 50 }).then(() => { returned = true; });
  for (let i = 0; i < 200 && !returned; i++) await new Promise((res) => setTimeout(res, 10));
  assert.is(calls, 1);
  assert.ok(returned, 'shutdown() still pending 2 s past a 50 ms deadline');
  await p;
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
