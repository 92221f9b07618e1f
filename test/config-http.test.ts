// AC-005 with AC-001: the http section of the config drives the http adapter as-is
// (`withTracing(tracer, handler, tracer.config.http)`): response header names and the trust policy,
// including trust by the peer's network.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tracerFromConfig, loadConfig, type ConfiguredTracer } from '../src/config/index.js';
import { trustByNetwork } from '../src/config/http-config.js';
import { withTracing, type ServerTracingOptions } from '../adapters/http.js';
import { memoryExporter } from '../src/exporters-local.js';

const root = mkdtempSync(join(tmpdir(), 'tw-config-http-'));
let n = 0;
function tracerWith(httpSection: unknown): ConfiguredTracer {
  const p = join(root, `c${n++}.json`);
  writeFileSync(p, JSON.stringify({ exporters: { m: { type: 'console' } }, http: httpSection }));
  return tracerFromConfig({ path: p, env: {}, watch: false, logger: () => {}, exporterFactories: { console: () => memoryExporter() } });
}

async function request(t: ConfiguredTracer, headers: Record<string, string>): Promise<http.IncomingHttpHeaders> {
  const options: ServerTracingOptions = t.config.http; // the loaded section is the adapter's options type
  const server = http.createServer(withTracing(t, (_req, res) => { res.end('ok'); }, options));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/', headers, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.headers)); }).on('error', reject);
    });
  } finally {
    await new Promise((r) => server.close(r));
  }
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const incoming = { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` };

test('AC-001 AC-005 response header names come from the config; false switches one off', async () => {
  const t = tracerWith({ traceIdHeader: 'X-Request-Trace', serverTimingHeader: false, traceResponseHeader: true });
  const h = await request(t, incoming);
  assert.is(h['x-request-trace'], TRACE);
  assert.is(h['x-trace-id'], undefined);
  assert.is(h['server-timing'], undefined);
  assert.match(String(h.traceresponse), new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
  await t.shutdown();
});

test('AC-001 AC-005 trust by network: peers inside the listed networks keep their trace, others do not', async () => {
  const inside = tracerWith({ trust: { networks: ['127.0.0.0/8'], inside: 'preserve', outside: 'restart' } });
  assert.is((await request(inside, incoming))['x-trace-id'], TRACE);
  await inside.shutdown();
  const outside = tracerWith({ trust: { networks: ['10.0.0.0/8'], inside: 'preserve', outside: 'restart' } });
  const id = (await request(outside, incoming))['x-trace-id'];
  assert.type(id, 'string');
  assert.is.not(id, TRACE);
  await outside.shutdown();
  const never = tracerWith({ trust: 'restart' });
  assert.is.not((await request(never, incoming))['x-trace-id'], TRACE);
  await never.shutdown();
});

test('trust function: IPv4, IPv4-mapped IPv6, IPv6, missing peer; JSON shows its settings', () => {
  const f = trustByNetwork(['10.0.0.0/8', 'fd00::/8'], 'preserve', 'link');
  const peer = (a: string | undefined) => f({ socket: { remoteAddress: a } });
  assert.equal([peer('10.1.2.3'), peer('::ffff:10.1.2.3'), peer('fd12::1'), peer('11.0.0.1'), peer('2001:db8::1'), peer(undefined), f({})], ['preserve', 'preserve', 'preserve', 'link', 'link', 'link', 'link']);
  assert.is(JSON.stringify({ trust: f }), '{"trust":{"networks":["10.0.0.0/8","fd00::/8"],"inside":"preserve","outside":"link"}}');
});

test('AC-005 header names in the http section are lower-cased; absent keys stay absent (adapter defaults)', () => {
  const p = join(root, 'h.json');
  writeFileSync(p, JSON.stringify({ http: { tenant: 'X-Tenant-ID', requestHeaders: ['X-Request-ID'] } }));
  assert.equal(JSON.parse(JSON.stringify(loadConfig(p).http)), { tenant: 'x-tenant-id', tenantAttribute: 'tenant.id', requestHeaders: ['x-request-id'] });
  writeFileSync(p, '{}');
  assert.equal(loadConfig(p).http, {});
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
