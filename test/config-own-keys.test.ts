// AC-005: names the file's author chooses (header names, tenants, resource attribute keys) are data, whatever they are:
// "__proto__", "constructor" and "toString" are valid HTTP tokens and tenant IDs. JSON.parse makes them own keys; an
// assignment into a plain object (`o[k] = v`) would set the prototype instead, and the header or tenant was lost.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, tracerFromConfig, Secret, type OtlpExporterSettings, type ConfigOptions } from '../src/config/index.js';
import type { Span } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'tw-config-own-keys-'));
const tokenFile = join(root, 'token');
writeFileSync(tokenFile, 'from-file\n');
let n = 0;
/** Written as text: JSON.stringify of an object literal with __proto__ would not hold the key. */
function file(text: string): string {
  const p = join(root, `c${n++}.json`);
  writeFileSync(p, text);
  return p;
}
const quiet = { watch: false, env: {}, logger: () => {} } satisfies ConfigOptions;

/** Every request's raw header pairs (IncomingMessage.headers is a plain object: it would lose __proto__ itself). */
async function rawReceiver(): Promise<{ url: string; heads: string[][]; close(): Promise<void> }> {
  const heads: string[][] = [];
  const server = http.createServer((req, res) => { heads.push(req.rawHeaders); req.resume(); req.on('end', () => res.end('{}')); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  server.unref(); // a failed assertion before close() must not keep the test process alive
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/v1/traces`, heads, close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }) };
}
const pairs = (raw: string[]): Record<string, string> => Object.fromEntries(raw.flatMap((v, i) => (i % 2 === 0 ? [[v.toLowerCase(), raw[i + 1]!]] : [])));

const HEADERS = '{"__proto__": "p", "constructor": "c", "toString": "t", "hasOwnProperty": {"valueFrom": {"file": "' + tokenFile + '"}}}';

test('AC-005 header names __proto__, constructor, toString, hasOwnProperty are kept (inline and valueFrom), and sent', async () => {
  const rx = await rawReceiver();
  const p = file(`{"exporters": {"a": {"type": "otlp", "url": "${rx.url}", "headers": ${HEADERS}}}}`);
  const h = (loadConfig(p).exporters!.a as OtlpExporterSettings).headers;
  assert.equal(Object.keys(h).sort(), ['__proto__', 'constructor', 'hasownproperty', 'tostring']);
  assert.is(Object.getPrototypeOf(h), Object.prototype, 'the headers object keeps its prototype');
  const revealed = Object.keys(h).map((k) => [k, (h[k] as Secret).reveal()]);
  assert.equal(revealed.sort(), [['__proto__', 'p'], ['constructor', 'c'], ['hasownproperty', 'from-file'], ['tostring', 't']]);
  const t = tracerFromConfig({ ...quiet, path: p });
  try {
    assert.is(t.configStats().lastError, null, String(t.configStats().lastErrorMessage));
    (t.startSpan('op') as Span).end();
    await t.forceFlush();
    assert.is(rx.heads.length, 1);
    const got = pairs(rx.heads[0]!);
    assert.equal([got.__proto__, got.constructor, got.tostring, got.hasownproperty], ['p', 'c', 't', 'from-file']);
  } finally { await t.shutdown(); await rx.close(); }
});

test('AC-005 a reload that changes only the __proto__ header\'s value builds a new exporter that sends the new value', async () => {
  const rx = await rawReceiver();
  const p = file(`{"exporters": {"a": {"type": "otlp", "url": "${rx.url}", "headers": {"__proto__": "v1"}}}}`);
  const t = tracerFromConfig({ ...quiet, path: p });
  try {
    const first = t.routing!.exporterOf('a');
    writeFileSync(p, `{"exporters": {"a": {"type": "otlp", "url": "${rx.url}", "headers": {"__proto__": "v2"}}}}`);
    const ev = await t.reload();
    assert.is(ev?.ok, true);
    assert.ok(t.routing!.exporterOf('a') !== first, 'a changed header value is a new exporter');
    (t.startSpan('op') as Span).end();
    await t.forceFlush();
    assert.is(pairs(rx.heads.at(-1)!).__proto__, 'v2');
  } finally { await t.shutdown(); await rx.close(); }
});

test('AC-005 exportThread: the __proto__ header reaches the export thread\'s exporter and is sent', async () => {
  const rx = await rawReceiver();
  const t = tracerFromConfig({ ...quiet, path: file(`{"exportThread": {"flushTimeoutMs": 10000}, "exporters": {"a": {"type": "otlp", "url": "${rx.url}", "headers": {"__proto__": "p"}}}}`) });
  try {
    assert.ok(t.thread !== null, 'the export thread runs');
    (t.startSpan('op') as Span).end();
    await t.forceFlush();
    assert.is(rx.heads.length, 1);
    assert.is(pairs(rx.heads[0]!).__proto__, 'p');
  } finally { await t.shutdown(); await rx.close(); }
});

test('AC-005 tenants __proto__ and constructor route and show in describe(); an unlisted tenant "toString" takes the default route', async () => {
  const [a, b] = [await rawReceiver(), await rawReceiver()];
  const p = file(`{"exporters": {"a": {"type": "otlp", "url": "${a.url}"}, "b": {"type": "otlp", "url": "${b.url}"}}, "routes": {"tenants": {"__proto__": ["a"], "constructor": ["a"]}, "default": ["b"]}}`);
  assert.equal(Object.keys(loadConfig(p).routes.tenants), ['__proto__', 'constructor']);
  const t = tracerFromConfig({ ...quiet, path: p, batch: { maxExportBatchSize: 1 } });
  try {
    // entries: uvu's deep equal reads `.constructor`, which here is a tenant's route
    assert.equal(Object.entries(t.routing!.describe().tenants), [['__proto__', ['a']], ['constructor', ['a']]]);
    for (const tenant of ['__proto__', 'constructor', 'toString']) (t.startSpan(tenant, { attributes: { 'tenant.id': tenant } }) as Span).end();
    await t.forceFlush();
    assert.is(a.heads.length, 2, 'both listed tenants on their route');
    assert.is(b.heads.length, 1, 'the unlisted one on the default route');
  } finally { await t.shutdown(); await a.close(); await b.close(); }
});

test('AC-005 resource attributes __proto__, constructor, toString from the file reach the tracer\'s resource', async () => {
  const t = tracerFromConfig({ ...quiet, path: file('{"service": {"attributes": {"__proto__": "p", "constructor": "c", "toString": "t"}}}') });
  assert.equal(['__proto__', 'constructor', 'toString'].map((k) => (Object.hasOwn(t.resource, k) ? t.resource[k] : 'missing')), ['p', 'c', 't']);
  await t.shutdown();
});

test.run();
