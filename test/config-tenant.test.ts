// AC-005 tenant routing for a whole request, not only its server span: children inherit the tenant
// attribute (Tracer inheritAttributes; config-built tracers inherit their tenantAttribute), the HTTP
// adapter records the tenant under the config's tenantAttribute, and a sampler from the file keeps its
// root for `preserve-ids` (AC-001: an untrusted caller cannot force sampling).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tracerFromConfig, type ConfiguredTracer } from '../src/config/index.js';
import { createTracer, SpanContext, type Span } from '../src/index.js';
import { withTracing, type ServerTracingOptions } from '../adapters/http.js';
import { startReceiver, type Receiver } from './helpers/otlp-receiver.js';
import { CaptureProcessor } from './helpers/capture.js';
import { listen, close, request } from './helpers/net.js';

const root = mkdtempSync(join(tmpdir(), 'tw-config-tenant-'));
let n = 0;
function start(config: Record<string, unknown>): ConfiguredTracer {
  const p = join(root, `c${n++}.json`);
  writeFileSync(p, JSON.stringify({ batch: { scheduledDelayMs: 5 }, ...config }));
  return tracerFromConfig({ path: p, env: {}, watch: false, logger: () => {} });
}
const attr = (s: any, key: string): string | undefined => s.attributes?.find((a: any) => a.key === key)?.value?.stringValue;
const names = (r: Receiver, key = 'tenant.id'): string[] => r.spans().map((s: any) => `${s.name}:${attr(s, key) ?? '-'}`).sort();

/** A server whose handler makes a child span and a grandchild (a DB call, a cache call inside it). */
async function serve(t: ConfiguredTracer) {
  const server = http.createServer(withTracing(t, (_req, res) => {
    const db = t.startSpan('SELECT orders');
    t.withSpan(db, () => t.startSpan('cache get').end());
    db.end();
    res.end('ok');
  }, t.config.http as ServerTracingOptions) as http.RequestListener);
  return { server, port: await listen(server) };
}

test('AC-005 every span of a tenant\'s request reaches only that tenant\'s backend, children included', async () => {
  const [acme, platform] = await Promise.all([startReceiver(), startReceiver()]);
  const t = start({
    exporters: { acme: { type: 'otlp', url: acme.url }, platform: { type: 'otlp', url: platform.url } },
    routes: { tenants: { acme: ['acme'] }, default: ['platform'] },
    http: { tenant: 'x-tenant-id' },
  });
  const { server, port } = await serve(t);
  await request({ host: '127.0.0.1', port, path: '/a', headers: { 'x-tenant-id': 'acme' }, agent: false });
  await request({ host: '127.0.0.1', port, path: '/b', agent: false });
  await t.forceFlush();
  await close(server);
  await t.shutdown();
  await Promise.all([acme.close(), platform.close()]);
  assert.equal(names(acme), ['GET:acme', 'SELECT orders:acme', 'cache get:acme']);
  assert.equal(names(platform), ['GET:-', 'SELECT orders:-', 'cache get:-']);
  assert.is((t.stats() as unknown as { routing: { noRoute: number } }).routing.noRoute, 0);
});

test('AC-005 the config\'s tenantAttribute is what the HTTP adapter records, routes read and the sampler reads', async () => {
  const [acme, platform] = await Promise.all([startReceiver(), startReceiver()]);
  const t = start({
    tenantAttribute: 'customer.id',
    exporters: { acme: { type: 'otlp', url: acme.url }, platform: { type: 'otlp', url: platform.url } },
    routes: { tenants: { acme: ['acme'], zero: ['acme'] }, default: ['platform'] },
    sampler: { probability: 1, tenants: { zero: 0 } },
    http: { tenant: 'x-tenant-id' },
  });
  const { server, port } = await serve(t);
  await request({ host: '127.0.0.1', port, path: '/a', headers: { 'x-tenant-id': 'acme' }, agent: false });
  await request({ host: '127.0.0.1', port, path: '/z', headers: { 'x-tenant-id': 'zero' }, agent: false });
  await t.forceFlush();
  await close(server);
  await t.shutdown();
  await Promise.all([acme.close(), platform.close()]);
  assert.equal(names(acme, 'customer.id'), ['GET:acme', 'SELECT orders:acme', 'cache get:acme'], 'zero is sampled at 0');
  assert.equal(platform.spans().length, 0);
  assert.ok(acme.spans().every((s: any) => attr(s, 'tenant.id') === undefined));
});

test('AC-005 an application attribute allowlist without the tenant attribute: a tenant\'s spans still reach only its backend', async () => {
  const [acme, platform] = await Promise.all([startReceiver(), startReceiver()]);
  const p = join(root, `c${n++}.json`);
  writeFileSync(p, JSON.stringify({
    batch: { scheduledDelayMs: 5 },
    exporters: { acme: { type: 'otlp', url: acme.url }, platform: { type: 'otlp', url: platform.url } },
    routes: { tenants: { acme: ['acme'] }, default: ['platform'] },
    http: { tenant: 'x-tenant-id' },
  }));
  // the allowlist keeps operational keys only (AC-007); tenant.id is what the file routes on, so it must be recorded
  const t = tracerFromConfig({ path: p, env: {}, watch: false, logger: () => {}, attributes: { allow: ['http.*', 'url.*'] } });
  const { server, port } = await serve(t);
  await request({ host: '127.0.0.1', port, path: '/a', headers: { 'x-tenant-id': 'acme' }, agent: false });
  await t.forceFlush();
  await close(server);
  await t.shutdown();
  await Promise.all([acme.close(), platform.close()]);
  assert.equal(names(acme), ['GET:acme', 'SELECT orders:acme', 'cache get:acme']);
  assert.equal(platform.spans().length, 0, 'no span of tenant acme on the shared backend');
  const t2 = tracerFromConfig({ path: p, env: {}, watch: false, logger: () => {}, attributes: { allow: (k) => k === 'app.plan' } });
  assert.equal((t2.startSpan('x', { attributes: { 'tenant.id': 'acme', 'app.plan': 'gold', 'user.email': 'a@b.c' } }) as Span).attributes, { 'tenant.id': 'acme', 'app.plan': 'gold' });
  await t2.shutdown({ deadlineMs: 0 });
});

test('AC-001 preserve-ids with the sampler from the file: a sampled caller cannot force sampling; a reload moves the root too', async () => {
  const p = join(root, 'preserve.json');
  writeFileSync(p, JSON.stringify({ exporters: {}, sampler: { parentBased: true, probability: 0 }, http: { trust: 'preserve-ids' } }));
  const t = tracerFromConfig({ path: p, env: {}, watch: false, logger: () => {} });
  const caller = new SpanContext(0x0af76519, 0x16cd43dd, 0x8448eb21, 0x1c80319c, 0x01020304, 0x05060708, 0x03, true, null);
  assert.not.ok(t.startSpan('in', { parent: caller, sampleAsRoot: true }).isRecording(), 'p=0 root decides');
  assert.ok(t.startSpan('in', { parent: caller }).isRecording(), 'plain preserve follows the caller');
  const { server, port } = await (async () => {
    const s = http.createServer(withTracing(t, (_req, res) => res.end(), t.config.http as ServerTracingOptions) as http.RequestListener);
    return { server: s, port: await listen(s) };
  })();
  const r = await request({ host: '127.0.0.1', port, path: '/', headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, agent: false });
  await close(server);
  assert.match(String(r.headers['server-timing']), /-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
  writeFileSync(p, JSON.stringify({ exporters: {}, sampler: { parentBased: true, probability: 1 }, http: { trust: 'preserve-ids' } }));
  await t.reload();
  assert.ok(t.startSpan('in', { parent: caller, sampleAsRoot: true }).isRecording(), 'the reloaded root decides');
  await t.shutdown();
});

test('inheritAttributes: a child copies them from a local parent; its own value wins; remote parents and the default copy nothing', () => {
  const cap = new CaptureProcessor();
  const t = createTracer({ service: 's', processor: cap, inheritAttributes: ['tenant.id', 'region'] });
  const parent = t.startSpan('p', { attributes: { 'tenant.id': 'acme', other: 1 } }) as Span;
  const child = t.startSpan('c', { parent }) as Span;
  const grandchild = t.withSpan(child, () => t.startSpan('g')) as Span;
  const own = t.startSpan('o', { parent, attributes: { 'tenant.id': 'mine' } }) as Span;
  const remote = t.startSpan('r', { parent: new SpanContext(1, 2, 3, 4, 5, 6, 1, true, null) }) as Span;
  assert.equal(child.attributes, { 'tenant.id': 'acme' });
  assert.equal(grandchild.attributes, { 'tenant.id': 'acme' });
  assert.equal(own.attributes, { 'tenant.id': 'mine' });
  assert.equal(remote.attributes, {});
  const plain = createTracer({ service: 's', processor: cap });
  const p2 = plain.startSpan('p', { attributes: { 'tenant.id': 'acme' } }) as Span;
  assert.equal((plain.startSpan('c', { parent: p2 }) as Span).attributes, {});
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
