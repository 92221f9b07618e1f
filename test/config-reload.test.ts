// AC-005: SREs change destinations, credentials and routes by editing the ConfigMap/Secret; the running
// service picks it up with no restart. The tests build the directory the kubelet's atomic writer builds
// (..<timestamp> dir, ..data symlink, key symlinks into ..data) and swap it the same way.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, renameSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tracerFromConfig, type ConfiguredTracer, type ConfigOptions } from '../src/config/index.js';
import { startReceiver, type Receiver } from './helpers/otlp-receiver.js';
import { KubeletVolume, reloadEvents as events, WAIT_MS } from './helpers/kubelet-volume.js';
import type { Span } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'tw-config-reload-'));

const otlp = (url: string, extra: Record<string, unknown> = {}) => ({ type: 'otlp', url, ...extra });
const cfg = (o: Record<string, unknown>) => JSON.stringify({ batch: { scheduledDelayMs: 5 }, ...o });

async function send(t: ConfiguredTracer, tenant: string | null, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) (t.startSpan('op', { attributes: tenant ? { 'tenant.id': tenant } : {} }) as Span).end();
  await t.forceFlush();
}
const names = (r: Receiver): string[] => r.spans().map((s) => s.name);

function balanced(t: ConfiguredTracer): void {
  const s = t.stats();
  const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
  assert.is(s.ended, s.exported + dropped + s.queued, JSON.stringify(s));
}

test('AC-005 kubelet swaps: new route applied, broken version rejected once, deletion keeps the last good config, re-armed after', async () => {
  const [a, b, c] = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
  const vol = new KubeletVolume(join(root, 'seq'));
  vol.write({ 'config.json': cfg({ exporters: { a: otlp(a.url), b: otlp(b.url), c: otlp(c.url) }, routes: { default: ['a'] } }) });
  const ev = events();
  const logs: string[] = [];
  // pollMs 0: every reload below must come from fs.watch events on the directory
  const t = tracerFromConfig({ path: join(vol.dir, 'config.json'), env: {}, logger: (m) => logs.push(m), onReload: ev.onReload, debounceMs: 20, pollMs: 0 });
  assert.equal(t.configStats().watching, [vol.dir]);
  await send(t, null);
  assert.is(a.spans().length, 1);

  // 1. a new version routes to b
  vol.write({ 'config.json': cfg({ exporters: { a: otlp(a.url), b: otlp(b.url), c: otlp(c.url) }, routes: { default: ['b'] } }) });
  let e = await ev.next('v2');
  assert.ok(e.ok);
  assert.equal(e.config.routes.default, ['b']);
  await send(t, null);
  assert.is(b.spans().length, 1);
  assert.is(a.spans().length, 1);
  assert.match(logs.join('\n'), /config reloaded from .*config\.json: exporters a \(otlp .*\), b \(otlp .*\), c \(otlp .*\); routes default→\[b\], all→\[\]/);

  // 2. a broken version: rejected, counted, the last good config stays
  vol.write({ 'config.json': '{"exporters": {' });
  e = await ev.next('broken');
  assert.is(e.ok, false);
  assert.is(e.error!.code, 'TW_CONFIG_PARSE');
  assert.equal(e.config.routes.default, ['b']);
  await send(t, null);
  assert.is(b.spans().length, 2);
  assert.is(await t.reload(), null); // the same bad content again: not re-reported
  let st = t.configStats();
  assert.equal([st.reloads, st.reloadFailures, st.lastError, st.fileRejected], [1, 1, 'TW_CONFIG_PARSE', true]);
  assert.is(logs.filter((l) => /reload rejected/.test(l)).length, 1);

  // 3. fixed: route to c
  vol.write({ 'config.json': cfg({ exporters: { a: otlp(a.url), b: otlp(b.url), c: otlp(c.url) }, routes: { default: ['c'] } }) });
  e = await ev.next('v3');
  assert.ok(e.ok);
  st = t.configStats();
  assert.equal([st.lastError, st.fileRejected], ['TW_CONFIG_PARSE', false], 'lastError is history; the file is good now');
  await send(t, null);
  assert.is(c.spans().length, 1);

  // 4. the key is removed from the ConfigMap: NOT_FOUND, the last good config stays
  vol.write({ 'other.json': '{}' });
  e = await ev.next('deleted');
  assert.is(e.ok, false);
  assert.is(e.error!.code, 'TW_CONFIG_NOT_FOUND');
  await send(t, null);
  assert.is(c.spans().length, 2);

  // 5. it comes back: the watcher is still armed on the directory
  vol.write({ 'config.json': cfg({ exporters: { a: otlp(a.url) }, routes: { default: ['a'] } }) });
  e = await ev.next('restored');
  assert.ok(e.ok);
  await send(t, null);
  assert.is(a.spans().length, 2);

  // 6. the same content in a new timestamp directory: nothing to apply, no event
  vol.write({ 'config.json': cfg({ exporters: { a: otlp(a.url) }, routes: { default: ['a'] } }) });
  assert.is(await t.reload(), null);
  st = t.configStats();
  assert.equal([st.reloads, st.reloadFailures, st.lastError, st.fileRejected], [3, 2, 'TW_CONFIG_NOT_FOUND', false]);
  assert.ok(st.unchanged >= 1);
  assert.equal([a.spans().length, b.spans().length, c.spans().length], [2, 2, 2]);
  balanced(t);
  await t.shutdown();
  await Promise.all([a.close(), b.close(), c.close()]);
});

test('AC-005 the watched directory itself is removed and recreated: the watcher re-arms and applies the new file', async () => {
  const [a, b] = await Promise.all([startReceiver(), startReceiver()]);
  const dir = join(root, 'replaced');
  let vol = new KubeletVolume(dir);
  vol.write({ 'config.json': cfg({ exporters: { a: otlp(a.url) } }) });
  const ev = events();
  const t = tracerFromConfig({ path: join(dir, 'config.json'), env: {}, logger: () => {}, onReload: ev.onReload, debounceMs: 20, pollMs: 50 });
  rmSync(dir, { recursive: true, force: true });
  let e = await ev.next('dir removed');
  assert.is(e.error!.code, 'TW_CONFIG_NOT_FOUND');
  vol = new KubeletVolume(dir);
  vol.write({ 'config.json': cfg({ exporters: { b: otlp(b.url) } }) });
  e = await ev.next('dir recreated');
  assert.ok(e.ok);
  await send(t, null, 2);
  assert.is(b.spans().length, 2);
  // re-armed on the new directory: the next swap is seen too
  vol.write({ 'config.json': cfg({ exporters: { a: otlp(a.url) } }) });
  e = await ev.next('swap after re-arm');
  assert.ok(e.ok);
  assert.equal(t.configStats().watching, [dir]);
  await t.shutdown();
  await Promise.all([a.close(), b.close()]);
});

test('AC-005 Secret rotation: the new token is used after the Secret volume swaps; unchanged exporters keep their instance and connections', async () => {
  const [a, b] = await Promise.all([startReceiver(), startReceiver()]);
  const conf = new KubeletVolume(join(root, 'rot', 'config'));
  const sec = new KubeletVolume(join(root, 'rot', 'secrets'));
  sec.write({ token: 'token-one\n' });
  const tokenFile = join(sec.dir, 'token');
  conf.write({ 'config.json': cfg({ exporters: { a: otlp(a.url, { headers: { authorization: { valueFrom: { file: tokenFile, prefix: 'Bearer ' } } } }), b: otlp(b.url) }, routes: { all: ['a', 'b'] } }) });
  const ev = events();
  const t = tracerFromConfig({ path: join(conf.dir, 'config.json'), env: {}, logger: () => {}, onReload: ev.onReload, debounceMs: 20, pollMs: 0 });
  assert.equal(t.configStats().watching.sort(), [conf.dir, sec.dir].sort());
  await send(t, null);
  await a.waitForRequests(1, WAIT_MS);
  assert.is(a.requests.at(-1)!.headers.authorization, 'Bearer token-one');
  const bExporter = t.routing!.exporterOf('b');
  const aExporter = t.routing!.exporterOf('a');
  const bConnections = b.connections;

  sec.write({ token: 'token-two\n' }); // only the Secret changes
  const e = await ev.next('secret rotated');
  assert.ok(e.ok);
  await send(t, null);
  assert.is(a.requests.at(-1)!.headers.authorization, 'Bearer token-two');
  assert.is(t.routing!.exporterOf('b'), bExporter, 'b unchanged: same exporter instance');
  assert.is.not(t.routing!.exporterOf('a'), aExporter, 'a: new credentials, new exporter');
  assert.is(b.connections, bConnections, 'b kept its keep-alive connection');
  assert.equal([a.spans().length, b.spans().length], [2, 2]);
  // the secret file disappears: the reload is refused, the rotated token stays in use
  sec.write({ other: 'x' });
  const e2 = await ev.next('secret removed');
  assert.is(e2.error!.code, 'TW_CONFIG_SECRET_UNREADABLE');
  assert.not.ok(JSON.stringify(e2).includes('token-two'));
  await send(t, null);
  assert.is(a.requests.at(-1)!.headers.authorization, 'Bearer token-two');
  await t.shutdown();
  await Promise.all([a.close(), b.close()]);
});

test('AC-005 files reached through symlinks (config and Secret linked into another directory, a swapped directory link): each swap is seen without polling', async () => {
  const [a, b] = await Promise.all([startReceiver(), startReceiver()]);
  const base = join(root, 'linked');
  const conf = new KubeletVolume(join(base, 'mnt', 'config'));
  const sec = new KubeletVolume(join(base, 'mnt', 'secret'));
  sec.write({ token: 'one\n' });
  const headers = { authorization: { valueFrom: { file: join(base, 'etc', 'token') } } };
  conf.write({ 'config.json': cfg({ exporters: { a: otlp(a.url, { headers }) } }) });
  // what the application is pointed at: links in a directory the kubelet never writes to
  mkdirSync(join(base, 'etc'));
  symlinkSync(join(conf.dir, 'config.json'), join(base, 'etc', 'config.json'));
  symlinkSync(join(sec.dir, 'token'), join(base, 'etc', 'token'));
  const ev = events();
  const t = tracerFromConfig({ path: join(base, 'etc', 'config.json'), env: {}, logger: () => {}, onReload: ev.onReload, debounceMs: 20, pollMs: 0 });
  conf.write({ 'config.json': cfg({ exporters: { b: otlp(b.url, { headers }) } }) });
  assert.ok((await ev.next('config swapped behind a link')).ok);
  sec.write({ token: 'two\n' });
  assert.ok((await ev.next('secret swapped behind a link')).ok);
  await send(t, null);
  await b.waitForRequests(1, WAIT_MS);
  assert.is(b.requests.at(-1)!.headers.authorization, 'two');
  await t.shutdown();
  // git-sync style: the directory holding the file is a link swapped to a new directory by rename
  for (const [v, url] of [['v1', a.url], ['v2', b.url]] as const) { mkdirSync(join(base, v)); writeFileSync(join(base, v, 'config.json'), cfg({ exporters: { [v]: otlp(url) } })); }
  symlinkSync('v1', join(base, 'current'));
  const ev2 = events();
  const t2 = tracerFromConfig({ path: join(base, 'current', 'config.json'), env: {}, logger: () => {}, onReload: ev2.onReload, debounceMs: 20, pollMs: 0 });
  symlinkSync('v2', join(base, 'current.tmp'));
  renameSync(join(base, 'current.tmp'), join(base, 'current'));
  const e = await ev2.next('directory link swapped');
  assert.equal(Object.keys(e.config.exporters!), ['v2']);
  await t2.shutdown();
  await Promise.all([a.close(), b.close()]);
});

test('AC-005 startup before the Secret has its key (TW_CONFIG_SECRET_UNREADABLE): the Secret\'s swap is watched and applies the file', async () => {
  const a = await startReceiver();
  const conf = new KubeletVolume(join(root, 'late-key', 'config'));
  const sec = new KubeletVolume(join(root, 'late-key', 'secrets'));
  sec.write({ other: 'x\n' }); // the config names a key the Secret does not have yet
  const tokenFile = join(sec.dir, 'token');
  conf.write({ 'config.json': cfg({ exporters: { a: otlp(a.url, { headers: { authorization: { valueFrom: { file: tokenFile, prefix: 'Bearer ' } } } }) } }) });
  const ev = events();
  // pollMs 0: only watcher events can bring the fix
  const t = tracerFromConfig({ path: join(conf.dir, 'config.json'), env: {}, logger: () => {}, onReload: ev.onReload, debounceMs: 20, pollMs: 0 });
  assert.is(t.configStats().lastError, 'TW_CONFIG_SECRET_UNREADABLE');
  assert.is(t.configStats().loaded, false);
  assert.equal(t.configStats().watching.sort(), [conf.dir, sec.dir].sort());
  sec.write({ other: 'x\n', token: 'late-token\n' });
  const e = await ev.next('secret key added');
  assert.ok(e.ok, e.error?.message);
  assert.ok(t.configStats().loaded);
  await send(t, null);
  await a.waitForRequests(1, WAIT_MS);
  assert.is(a.requests.at(-1)!.headers.authorization, 'Bearer late-token');
  await t.shutdown();
  await a.close();
});

test('AC-005 spans buffered when a reload moves the route are still exported by the old destination', async () => {
  const [a, b] = await Promise.all([startReceiver(), startReceiver()]);
  const vol = new KubeletVolume(join(root, 'buffered'));
  // a long schedule delay: spans wait in a's queue until something flushes them
  const v = (route: string) => JSON.stringify({ batch: { scheduledDelayMs: 600_000, maxExportBatchSize: 1000, maxQueueSize: 1000 }, exporters: { a: otlp(a.url), b: otlp(b.url) }, routes: { default: [route] } });
  vol.write({ 'config.json': v('a') });
  const ev = events();
  const t = tracerFromConfig({ path: join(vol.dir, 'config.json'), env: {}, logger: () => {}, onReload: ev.onReload, debounceMs: 20, pollMs: 0 } satisfies ConfigOptions);
  for (let i = 0; i < 25; i++) (t.startSpan('before-' + i) as Span).end();
  assert.is(t.stats().queued, 25);
  vol.write({ 'config.json': v('b') });
  assert.ok((await ev.next('route moved')).ok);
  for (let i = 0; i < 5; i++) (t.startSpan('after-' + i) as Span).end();
  await a.waitForRequests(1, WAIT_MS); // the retired lane drains on its own
  await t.forceFlush();
  assert.is(a.spans().length, 25);
  assert.ok(names(a).every((n) => n.startsWith('before-')));
  assert.equal(names(b).sort(), ['after-0', 'after-1', 'after-2', 'after-3', 'after-4']);
  const s = t.stats();
  assert.equal([s.ended, s.exported, s.queued], [30, 30, 0]);
  balanced(t);
  const per = Object.fromEntries(s.destinations.map((d) => [d.name, d.exported]));
  assert.equal(per, { a: 25, b: 5 });
  await t.shutdown();
  await Promise.all([a.close(), b.close()]);
});

test('AC-005 sampler probabilities reload live; a switch of parentBased is reported as needing a restart', async () => {
  const vol = new KubeletVolume(join(root, 'sampler'));
  vol.write({ 'config.json': JSON.stringify({ exporters: {}, sampler: { probability: 0 } }) });
  const ev = events();
  const t = tracerFromConfig({ path: join(vol.dir, 'config.json'), env: {}, logger: () => {}, onReload: ev.onReload, debounceMs: 20, pollMs: 0 });
  const sampled = () => { let n = 0; for (let i = 0; i < 20; i++) if (t.startSpan('x', { root: true }).isRecording()) n++; return n; };
  assert.is(sampled(), 0);
  vol.write({ 'config.json': JSON.stringify({ exporters: {}, sampler: { probability: 1 }, service: { name: 'renamed' } }) });
  let e = await ev.next('probability 1');
  assert.equal(e.restartRequired, ['service']);
  assert.is(sampled(), 20);
  assert.is(t.service, 'unknown_service:node'); // fixed at startup
  vol.write({ 'config.json': JSON.stringify({ exporters: {}, sampler: { probability: 0, parentBased: false } }) });
  e = await ev.next('parentBased off');
  assert.equal(e.restartRequired, ['sampler.parentBased']);
  assert.is(sampled(), 20); // refused: still the previous sampler
  assert.equal(t.configStats().restartRequired, ['sampler.parentBased']);
  await t.shutdown();
});

test('AC-005 a plain file replaced by rename (non-Kubernetes) is picked up too', async () => {
  const [a, b] = await Promise.all([startReceiver(), startReceiver()]);
  const dir = join(root, 'plain');
  mkdirSync(dir);
  const p = join(dir, 'tracewire.json');
  writeFileSync(p, cfg({ exporters: { a: otlp(a.url) } }));
  const ev = events();
  const t = tracerFromConfig({ path: p, env: {}, logger: () => {}, onReload: ev.onReload, debounceMs: 20, pollMs: 0 });
  writeFileSync(join(dir, '.tracewire.json.tmp'), cfg({ exporters: { b: otlp(b.url) } }));
  renameSync(join(dir, '.tracewire.json.tmp'), p);
  assert.ok((await ev.next('renamed over')).ok);
  await send(t, null);
  assert.is(b.spans().length, 1);
  writeFileSync(p, cfg({ exporters: { a: otlp(a.url) } })); // in-place write, as an editor does
  assert.ok((await ev.next('written in place')).ok);
  await send(t, null);
  assert.is(a.spans().length, 1);
  await t.shutdown();
  await Promise.all([a.close(), b.close()]);
});

test('AC-005 a reload whose exporter cannot be built is refused (TW_CONFIG_EXPORTER), the running routes stay', async () => {
  const a = await startReceiver();
  const vol = new KubeletVolume(join(root, 'exporter-fails'));
  vol.write({ 'config.json': cfg({ exporters: { a: otlp(a.url) } }) });
  const ev = events();
  const t = tracerFromConfig({
    path: join(vol.dir, 'config.json'), env: {}, logger: () => {}, onReload: ev.onReload, debounceMs: 20, pollMs: 0,
    exporterFactories: { console: () => { throw new Error('console unavailable'); } },
  });
  vol.write({ 'config.json': cfg({ exporters: { a: otlp(a.url), c: { type: 'console' } }, routes: { default: ['c'] } }) });
  const e = await ev.next('exporter fails');
  assert.is(e.error!.code, 'TW_CONFIG_EXPORTER');
  assert.match(e.error!.message, /exporter "c" could not be created: console unavailable/);
  await send(t, null);
  assert.is(a.spans().length, 1);
  assert.equal(t.routing!.describe().default, ['a']);
  await t.shutdown();
  await a.close();
});

test('AC-007 a reload that retires a lane to a hung backend does not keep a finished process alive for the drain', async () => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const dir = mkdtempSync(join(root, 'alive-'));
  const src = (f: string) => JSON.stringify(fileURLToPath(new URL('../src/' + f, import.meta.url)));
  const code = `
    import { writeFileSync, renameSync } from 'node:fs';
    import { tracerFromConfig } from ${src('config/index.ts')};
    const p = ${JSON.stringify(join(dir, 'config.json'))};
    const cfg = (route) => JSON.stringify({ batch: { scheduledDelayMs: 10 }, routes: { default: [route] }, exporters: {
      dead: { type: 'otlp', url: 'http://127.0.0.1:9/v1/traces' }, local: { type: 'file', path: ${JSON.stringify(join(dir, 'out.jsonl'))} } } });
    writeFileSync(p, cfg('dead'));
    // 'otlp' here is a backend that never answers and holds no handle of its own: only tracewire's timers could keep the process up
    const otlp = () => ({ export: () => new Promise(() => {}) });
    const t = tracerFromConfig({ path: p, env: {}, logger: () => {}, watch: false, drainDeadlineMs: 60000, exporterFactories: { otlp } });
    for (let i = 0; i < 3; i++) t.startSpan('s' + i).end();
    await new Promise((r) => setTimeout(r, 100)); // the dead lane's export is in flight
    writeFileSync(p + '.tmp', cfg('local')); renameSync(p + '.tmp', p);
    console.log('reload ' + (await t.reload())?.ok);`;
  // Before the fix the retired lane's drain held ref'd timers until the batch's 30 s export timeout: the 20 s
  // limit killed it. Now nothing of the drain holds the process.
  const r = spawnSync(process.execPath, ['--import', fileURLToPath(new URL('../scripts/register.mjs', import.meta.url)), '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20_000 });
  assert.is(r.signal, null, 'exited by itself, not killed by the timeout');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /reload true/);
});

test('AC-007 a logger that throws cannot take the host down from a reload: applied and rejected versions still resolve', async () => {
  const dir = mkdtempSync(join(root, 'logger-'));
  const p = join(dir, 'config.json');
  writeFileSync(p, cfg({ exporters: { c: { type: 'console' } } }));
  let throwing = false;
  const t = tracerFromConfig({ path: p, env: {}, watch: false, logger: () => { if (throwing) throw new Error('logger down'); } });
  throwing = true;
  writeFileSync(p, cfg({ exporters: { c2: { type: 'console' } } }));
  const ok = await t.reload(); // before the fix: rejected (an unhandled rejection when the watcher triggers it)
  assert.is(ok?.ok, true);
  writeFileSync(p, '{ not json');
  const bad = await t.reload();
  assert.is(bad?.error?.code, 'TW_CONFIG_PARSE');
  assert.equal(t.routing!.describe().default, ['c2']);
  assert.equal([t.configStats().reloads, t.configStats().reloadFailures], [1, 1]);
  await t.shutdown({ deadlineMs: 100 });
});

test('AC-005 a reload that renames tenantAttribute needs a restart: a tenant\'s whole span tree keeps its route', async () => {
  const { memoryExporter } = await import('../src/exporters-local.js');
  const dir = mkdtempSync(join(root, 'tenant-attr-'));
  const p = join(dir, 'config.json');
  const conf = (attr: string) => cfg({ tenantAttribute: attr, exporters: { acme: otlp('http://acme.invalid/v1/traces'), shared: otlp('http://shared.invalid/v1/traces') }, routes: { tenants: { acme: ['acme'] }, default: ['shared'] } });
  writeFileSync(p, conf('tenant.id'));
  const mem: Record<string, ReturnType<typeof memoryExporter>> = {};
  const t = tracerFromConfig({ path: p, env: {}, watch: false, logger: () => {}, exporterFactories: { otlp: (o) => (mem[new URL(o.url).hostname] = memoryExporter()) } });
  writeFileSync(p, conf('org.id'));
  const ev = await t.reload();
  assert.ok(ev?.ok);
  assert.equal(ev!.restartRequired, ['tenantAttribute']);
  // the http adapter and inheritAttributes still write the startup name: the child copies tenant.id, not org.id
  const rootSpan = t.startSpan('root', { attributes: { 'tenant.id': 'acme' } }) as Span;
  (t.startSpan('child', { parent: rootSpan }) as Span).end();
  rootSpan.end();
  await t.forceFlush();
  assert.equal(mem['acme.invalid']!.spans.map((s) => s.name).sort(), ['child', 'root']);
  assert.is(mem['shared.invalid']!.spans.length, 0, 'a tenant\'s spans went down the default route');
  assert.equal(t.configStats().restartRequired, ['tenantAttribute']);
  await t.shutdown({ deadlineMs: 100 });
});

test('AC-005 OTEL_* problems are warned once, not once per destination, lane and reload', async () => {
  const dir = join(root, 'env-warn');
  mkdirSync(dir);
  const p = join(dir, 'config.json');
  const three = (n: number) => cfg({ exporters: { a: { type: 'file', path: join(dir, 'a.jsonl') }, b: { type: 'file', path: join(dir, 'b.jsonl') }, c: { type: 'file', path: join(dir, `c${n}.jsonl`) } } });
  writeFileSync(p, three(0));
  const logs: string[] = [];
  const env = { OTEL_BSP_MAX_QUEUE_SIZE: 'abc', OTEL_BSP_EXPORT_TIMEOUT: '-5', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' };
  const t = tracerFromConfig({ path: p, env, logger: (m) => logs.push(m), watch: false });
  for (let i = 1; i <= 3; i++) { writeFileSync(p, three(i)); assert.ok((await t.reload())?.ok); }
  assert.equal(logs.filter((l) => l.includes('OTEL_BSP_')), ['OTEL_BSP_MAX_QUEUE_SIZE="abc" is not a positive integer; ignored', 'OTEL_BSP_EXPORT_TIMEOUT="-5" is not a non-negative integer; ignored']);
  // without exporters in the file they come from OTEL_*: its warnings once too
  const q = join(dir, 'env-exporters.json');
  writeFileSync(q, cfg({}));
  const logs2: string[] = [];
  const t2 = tracerFromConfig({ path: q, env: { ...env, OTEL_TRACES_EXPORTER: 'otlp,zipkin', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, logger: (m) => logs2.push(m), watch: false });
  for (let i = 1; i <= 3; i++) { writeFileSync(q, cfg({ batch: { scheduledDelayMs: 5 + i } })); assert.ok((await t2.reload())?.ok); }
  assert.is(logs2.filter((l) => !l.startsWith('config ')).length, 4);
  assert.is(logs2.filter((l) => l.includes('zipkin')).length, 1);
  await t2.shutdown({ deadlineMs: 0 });
  await t.shutdown({ deadlineMs: 1000 });
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
