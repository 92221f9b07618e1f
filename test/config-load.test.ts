// AC-005: the config file is found, read and applied with a documented precedence (code > file > OTEL_* >
// defaults); a missing or broken file is one clear log line with a stable code, never a crash.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, resolveConfigPath, tracerFromConfig, detectSubPath, ConfigError, DEFAULT_CONFIG_PATH, MAX_CONFIG_BYTES, type ConfigOptions, type ExporterFactories, type OtlpFactoryOptions } from '../src/config/index.js';
import { mountTable } from '../src/config/subpath.js';
import { threadPlan } from '../src/config/thread-export.js';
import { memoryExporter, type MemoryExporter } from '../src/exporters-local.js';
import { createTracer, parentBased, probability, type Span } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'tw-config-load-'));
let n = 0;
function file(content: unknown, name = 'config.json'): string {
  const dir = join(root, String(n++));
  mkdirSync(dir);
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}
const codeOf = (fn: () => unknown): string | null => { try { fn(); return null; } catch (e) { return (e as ConfigError).code; } };

/** Factories that record what they were asked to build and hand out memory exporters. */
function recording() {
  const built: Array<{ type: string; o: unknown; e: MemoryExporter }> = [];
  const mk = (type: string) => (o: unknown) => { const e = memoryExporter(); built.push({ type, o, e }); return e; };
  const factories: ExporterFactories = { otlp: mk('otlp') as ExporterFactories['otlp'], file: mk('file') as ExporterFactories['file'], console: mk('console') as ExporterFactories['console'] };
  return { built, factories };
}
const quiet = { watch: false, logger: () => {} } satisfies ConfigOptions;

test('AC-005 path: explicit > TRACEWIRE_CONFIG > /etc/tracewire/config.json', () => {
  assert.equal(resolveConfigPath('/a.json', { TRACEWIRE_CONFIG: '/b.json' }), { path: '/a.json', explicit: true });
  assert.equal(resolveConfigPath(undefined, { TRACEWIRE_CONFIG: ' /b.json ' }), { path: '/b.json', explicit: true });
  assert.equal(resolveConfigPath(undefined, { TRACEWIRE_CONFIG: '' }), { path: DEFAULT_CONFIG_PATH, explicit: false });
  const p = file({ service: { name: 'from-env-path' } });
  assert.is(loadConfig(undefined, { TRACEWIRE_CONFIG: p }).service.name, 'from-env-path');
});

test('AC-005 every failure has a stable code', () => {
  assert.is(codeOf(() => loadConfig(join(root, 'missing.json'))), 'TW_CONFIG_NOT_FOUND');
  assert.is(codeOf(() => loadConfig(root)), 'TW_CONFIG_UNREADABLE'); // a directory
  assert.is(codeOf(() => loadConfig(file('{"a": '))), 'TW_CONFIG_PARSE');
  assert.is(codeOf(() => loadConfig(file({ a: 1 }))), 'TW_CONFIG_INVALID');
  assert.is(codeOf(() => loadConfig(file(' '.repeat(MAX_CONFIG_BYTES + 1)))), 'TW_CONFIG_TOO_LARGE');
  const secretMissing = { exporters: { a: { type: 'otlp', url: 'http://x/v1/traces', headers: { authorization: { valueFrom: { file: join(root, 'nope') } } } } } };
  assert.is(codeOf(() => loadConfig(file(secretMissing))), 'TW_CONFIG_SECRET_UNREADABLE');
  assert.is(codeOf(() => loadConfig(file({}))), null);
});

test('AC-005 normalisation: endpoint gets /v1/traces, url is kept, header names lower-cased, routes default to every exporter', () => {
  const c = loadConfig(file({ exporters: { a: { type: 'otlp', endpoint: 'http://collector:4318', headers: { 'X-Scope-OrgID': 'acme' } }, b: { type: 'otlp', url: 'http://b:4318/custom/path' }, c: { type: 'console' } } }));
  assert.is(c.exporters!.a!.type === 'otlp' && c.exporters!.a!.url, 'http://collector:4318/v1/traces');
  assert.is(c.exporters!.b!.type === 'otlp' && c.exporters!.b!.url, 'http://b:4318/custom/path');
  assert.equal(Object.keys((c.exporters!.a as { headers: object }).headers), ['x-scope-orgid']);
  assert.equal(c.routes, { tenants: {}, default: ['a', 'b', 'c'], all: [] });
  assert.is(c.tenantAttribute, 'tenant.id');
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.exporters) && Object.isFrozen(c.routes.default));
  const e = loadConfig(file({}));
  assert.is(e.exporters, null);
  assert.is(e.sampler, null);
});

test('AC-005 precedence: code > file > OTEL_* > defaults (service, sampler, batch, limits, resource)', () => {
  const p = file({
    service: { name: 'file-svc', version: '2.0.0', attributes: { 'deployment.environment.name': 'file', team: 'core' } },
    sampler: { probability: 0.5 },
    batch: { maxQueueSize: 300, scheduledDelayMs: 50 },
    exporters: { m: { type: 'console', batch: { maxExportBatchSize: 30 } } },
    limits: { maxAttributes: 7 },
  });
  const env = { OTEL_SERVICE_NAME: 'env-svc', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=env,region=eu', OTEL_TRACES_SAMPLER: 'always_off', OTEL_BSP_MAX_QUEUE_SIZE: '999', OTEL_BSP_EXPORT_TIMEOUT: '1234', OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '3' };
  const { factories } = recording();
  // file over env
  const t1 = tracerFromConfig({ ...quiet, path: p, env, exporterFactories: factories });
  assert.is(t1.service, 'file-svc');
  assert.is(t1.resource['service.version'], '2.0.0');
  assert.is(t1.resource['deployment.environment.name'], 'file');
  assert.is(t1.resource.region, 'eu'); // env attribute the file does not set
  assert.is(t1.sampler.description, 'ParentBased{root=ProbabilitySampler{0.5}}');
  assert.is(t1.attrPolicy.maxCount, 7);
  assert.equal(t1.routing!.describe().lanes[0]!.batch, { maxQueueSize: 300, maxExportBatchSize: 30, scheduledDelayMs: 50, exportTimeoutMs: 1234 });
  // code over file
  const t2 = tracerFromConfig({ ...quiet, path: p, env, exporterFactories: factories, service: 'code-svc', resource: { team: 'code' }, sampler: parentBased(probability(0.1)), batch: { maxQueueSize: 10 }, attributes: { maxCount: 2 } });
  assert.is(t2.service, 'code-svc');
  assert.is(t2.resource.team, 'code');
  assert.is(t2.sampler.description, 'ParentBased{root=ProbabilitySampler{0.1}}');
  assert.is(t2.attrPolicy.maxCount, 2);
  assert.is(t2.routing!.describe().lanes[0]!.batch.maxQueueSize, 10);
  // env over defaults when the file says nothing
  const t3 = tracerFromConfig({ ...quiet, path: file({}), env, exporterFactories: factories });
  assert.is(t3.service, 'env-svc');
  assert.is(t3.sampler.description, 'AlwaysOff');
  assert.is(t3.attrPolicy.maxCount, 3);
  assert.is(t3.routing!.describe().lanes[0]!.batch.maxQueueSize, 999);
  // defaults
  const t4 = tracerFromConfig({ ...quiet, path: file({}), env: {}, exporterFactories: factories });
  assert.is(t4.service, 'unknown_service:node');
  assert.is(t4.sampler.description, 'ParentBased{root=AlwaysOn}');
  assert.is(t4.attrPolicy.maxCount, 128);
  for (const t of [t1, t2, t3, t4]) void t.shutdown({ deadlineMs: 0 });
});

test('AC-005 exporters: the file\'s replace OTEL_EXPORTER_OTLP_*; without them the environment\'s (or the default endpoint) are used', async () => {
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env-collector:4318', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=env-token', OTEL_EXPORTER_OTLP_TIMEOUT: '777' };
  const a = recording();
  const t1 = tracerFromConfig({ ...quiet, path: file({ exporters: { p: { type: 'otlp', url: 'http://file-collector:4318/v1/traces' } } }), env, exporterFactories: a.factories });
  assert.is(a.built.length, 1);
  const o1 = a.built[0]!.o as OtlpFactoryOptions;
  assert.is(o1.url, 'http://file-collector:4318/v1/traces');
  assert.equal(o1.headers, {}); // the env's credentials never go to the file's backend
  assert.is(o1.timeoutMs, undefined);
  const i = recording();
  const ti = tracerFromConfig({ ...quiet, path: file({ exporters: { p: { type: 'otlp', url: 'http://file-collector:4318/v1/traces', idleTimeoutMs: 2500 }, q: { type: 'otlp', url: 'http://q:4318/v1/traces', idleTimeoutMs: 0 } } }), env, exporterFactories: i.factories });
  assert.equal(i.built.map((x) => (x.o as OtlpFactoryOptions).idleTimeoutMs), [2500, 0], 'the file\'s idleTimeoutMs, 0 included, reaches the exporter');
  const plan = threadPlan(loadConfig(file({ exporters: { p: { type: 'otlp', url: 'http://file-collector:4318/v1/traces', idleTimeoutMs: 2500 } } }), {}), undefined, {}, () => {});
  assert.is((plan.specs[0] as { idleTimeoutMs?: number }).idleTimeoutMs, 2500, 'and the export thread\'s exporter');
  void ti.shutdown({ deadlineMs: 0 });
  const b = recording();
  const t2 = tracerFromConfig({ ...quiet, path: file({}), env, exporterFactories: b.factories });
  const o2 = b.built[0]!.o as OtlpFactoryOptions;
  assert.equal([o2.url, o2.headers, o2.timeoutMs], ['http://env-collector:4318/v1/traces', { authorization: 'env-token' }, 777]);
  const c = recording();
  const t3 = tracerFromConfig({ ...quiet, path: file({}), env: {}, exporterFactories: c.factories });
  assert.is((c.built[0]!.o as OtlpFactoryOptions).url, 'http://localhost:4318/v1/traces');
  const d = recording();
  const t4 = tracerFromConfig({ ...quiet, path: file({}), env: { OTEL_TRACES_EXPORTER: 'none' }, exporterFactories: d.factories });
  assert.is(d.built.length, 0);
  (t4.startSpan('x') as Span).end();
  assert.is(t4.stats().dropped.noExporter, 1);
  for (const t of [t1, t2, t3, t4]) await t.shutdown({ deadlineMs: 0 });
});

test('AC-005 an exporter passed in code wins: the file\'s exporters are ignored, with one log line', async () => {
  const logs: string[] = [];
  const mine = memoryExporter();
  const { built, factories } = recording();
  const t = tracerFromConfig({ watch: false, logger: (m) => logs.push(m), path: file({ exporters: { p: { type: 'console' } } }), exporter: mine, exporterFactories: factories });
  assert.is(built.length, 0);
  assert.is(t.routing, null);
  assert.ok(logs.some((l) => /exporters and routes ignored: the application passes its own exporter/.test(l)), logs.join('\n'));
  (t.startSpan('x') as Span).end();
  await t.forceFlush();
  assert.is(mine.spans.length, 1);
  await t.shutdown();
});

test('AC-005 an invalid file at startup: one log line with the code and the path, tracing keeps working on defaults', async () => {
  const logs: string[] = [];
  const p = file({ exporters: { platform: { type: 'otlp', endpiont: 'http://x:4318' } } });
  const { built, factories } = recording();
  const t = tracerFromConfig({ watch: false, logger: (m) => logs.push(m), path: p, env: {}, exporterFactories: factories, service: 'svc' });
  assert.is(logs.length, 1, logs.join('\n'));
  assert.match(logs[0]!, /^config not applied \(TW_CONFIG_INVALID\): .*config\.json: 1 problem: \$\.exporters\.platform\.endpiont: unknown key; did you mean "endpoint"\?/);
  assert.match(logs[0]!, /tracing continues with OTEL_\* and defaults$/);
  assert.is(built.length, 1); // the default OTLP destination
  (t.startSpan('still traced') as Span).end();
  await t.forceFlush();
  assert.is(built[0]!.e.spans.length, 1);
  const s = t.stats();
  assert.is(s.config.loaded, false);
  assert.is(s.config.lastError, 'TW_CONFIG_INVALID');
  assert.is(t.config.source, null);
  await t.shutdown();
});

test('AC-005 strict: true turns the startup error into an exception; a missing default file is not an error', () => {
  const p = file('{"service": ');
  try { tracerFromConfig({ ...quiet, path: p, strict: true }); assert.unreachable(); } catch (e) {
    assert.instance(e, ConfigError);
    assert.is((e as ConfigError).code, 'TW_CONFIG_PARSE');
  }
  // an explicit path that does not exist: logged (not silent), not thrown without strict
  const logs: string[] = [];
  const t = tracerFromConfig({ watch: false, logger: (m) => logs.push(m), path: join(root, 'nope.json'), env: {}, exporterFactories: recording().factories });
  assert.is(logs.length, 1);
  assert.match(logs[0]!, /TW_CONFIG_NOT_FOUND/);
  assert.equal([t.configStats().lastError, t.configStats().fileRejected], ['TW_CONFIG_NOT_FOUND', true]);
  void t.shutdown({ deadlineMs: 0 });
  // nothing at the default path and no TRACEWIRE_CONFIG: normal, silent, even with strict; and no rejection in
  // configStats() either (a health check reading fileRejected must not fail every service that uses no file)
  const logs2: string[] = [];
  const t2 = tracerFromConfig({ watch: false, strict: true, logger: (m) => logs2.push(m), env: {}, exporterFactories: recording().factories });
  assert.equal(logs2, []);
  const st = t2.configStats();
  assert.equal([st.loaded, st.lastError, st.lastErrorMessage, st.fileRejected, st.reloadFailures], [false, null, null, false, 0]);
  void t2.shutdown({ deadlineMs: 0 });
});

test('AC-005 an exporter that cannot be built is TW_CONFIG_EXPORTER: logged, defaults used (strict: thrown)', async () => {
  const logs: string[] = [];
  const ok = memoryExporter();
  const factories: Partial<ExporterFactories> = { console: () => { throw new Error('boom'); }, otlp: () => ok };
  const p = file({ exporters: { c: { type: 'console' } } });
  const t = tracerFromConfig({ watch: false, logger: (m) => logs.push(m), path: p, env: {}, exporterFactories: factories });
  assert.match(logs.join('\n'), /config not applied \(TW_CONFIG_EXPORTER\): exporter "c" could not be created: boom/);
  (t.startSpan('x') as Span).end();
  await t.forceFlush();
  assert.is(ok.spans.length, 1); // the OTEL_*/default destination took over
  await t.shutdown();
  assert.is(codeOf(() => tracerFromConfig({ ...quiet, path: p, env: {}, exporterFactories: factories, strict: true })), 'TW_CONFIG_EXPORTER');
});

test('AC-005 attributes.allow adds to the application\'s allowlist', () => {
  const p = file({ attributes: { allow: ['app.*'] } });
  const t = tracerFromConfig({ ...quiet, path: p, env: {}, exporterFactories: recording().factories, attributes: { allow: ['http.request.method'] } });
  const s = t.startSpan('x', { attributes: { 'http.request.method': 'GET', 'app.plan': 'gold', 'user.email': 'a@b.c' } }) as Span;
  assert.equal(s.attributes, { 'http.request.method': 'GET', 'app.plan': 'gold' });
  const f = tracerFromConfig({ ...quiet, path: p, env: {}, exporterFactories: recording().factories, attributes: { allow: (k) => k === 'x' } });
  const s2 = f.startSpan('x', { attributes: { x: 1, 'app.y': 2, z: 3 } }) as Span;
  assert.equal(s2.attributes, { x: 1, 'app.y': 2 });
  const logs: string[] = [];
  const g = tracerFromConfig({ watch: false, logger: (m) => logs.push(m), path: p, env: {}, exporterFactories: recording().factories });
  assert.ok(logs.some((l) => /attributes\.allow .* has no effect/.test(l)));
  for (const x of [t, f, g]) void x.shutdown({ deadlineMs: 0 });
});

test('AC-005 per-tenant sampling from the file', () => {
  const p = file({ sampler: { probability: 0, tenants: { acme: 1 } } });
  const t = tracerFromConfig({ ...quiet, path: p, env: {}, exporterFactories: recording().factories });
  let acme = 0, other = 0;
  for (let i = 0; i < 50; i++) {
    if (t.startSpan('a', { root: true, attributes: { 'tenant.id': 'acme' } }).isRecording()) acme++;
    if (t.startSpan('b', { root: true, attributes: { 'tenant.id': 'globex' } }).isRecording()) other++;
  }
  assert.equal([acme, other], [50, 0]);
  void t.shutdown({ deadlineMs: 0 });
});

test('AC-005 subPath detection: a file that is itself a mount point (and not a ..data key) is reported', () => {
  const dir = join(root, 'subpath dir');
  mkdirSync(dir);
  const f = join(dir, 'config.json');
  writeFileSync(f, '{}');
  const esc = (p: string) => p.replace(/ /g, '\\040');
  const mountinfo = (point: string) => `22 1 0:21 / / rw,relatime - overlay overlay rw\n1432 22 253:1 /var/lib/kubelet/pods/x/volumes/kubernetes.io~configmap/cfg/..2026_11_21/config.json ${esc(point)} ro,relatime - ext4 /dev/sda1 rw\n`;
  assert.equal(detectSubPath(f, mountinfo(f)), { subPath: true, reason: 'the file itself is a mount point' });
  assert.is(detectSubPath(f, mountinfo(dir)).subPath, false); // the directory is the mount: a normal volume
  assert.is(detectSubPath(f, '').subPath, false);
  assert.is(detectSubPath(join(dir, 'missing.json'), mountinfo(f)).subPath, false);
  // a kubelet projected volume: key symlink into ..data, or a ..data sibling
  const kv = join(root, 'kv');
  mkdirSync(join(kv, '..2026_11_21_08_30_00.1'), { recursive: true });
  writeFileSync(join(kv, '..2026_11_21_08_30_00.1', 'config.json'), '{}');
  symlinkSync('..2026_11_21_08_30_00.1', join(kv, '..data'));
  symlinkSync('..data/config.json', join(kv, 'config.json'));
  assert.equal(detectSubPath(join(kv, 'config.json'), mountinfo(join(kv, 'config.json'))), { subPath: false, reason: 'key symlink into ..data' });
  writeFileSync(join(kv, 'plain.json'), '{}');
  assert.equal(detectSubPath(join(kv, 'plain.json'), mountinfo(join(kv, 'plain.json'))), { subPath: false, reason: 'projected volume directory' });
  assert.is(detectSubPath(f).subPath, false); // this machine's real /proc/self/mountinfo: a plain file in tmp
});

test('AC-005 a subPath mount is reported whether or not the startup file loads (a bad one\'s fix would never arrive)', () => {
  const dir = join(root, 'subpath-startup');
  mkdirSync(dir);
  const emptySecret = join(dir, 'token');
  writeFileSync(emptySecret, '\n');
  const good = join(dir, 'good.json'), bad = join(dir, 'bad.json'), noKey = join(dir, 'no-key.json');
  writeFileSync(good, '{"exporters": {}}');
  writeFileSync(bad, '{"exporters": {');
  writeFileSync(noKey, JSON.stringify({ exporters: { a: { type: 'otlp', url: 'http://127.0.0.1:9/v1/traces', headers: { authorization: { valueFrom: { file: emptySecret } } } } } }));
  // each file is a single-file bind mount, as kubelet makes for subPath (a real one needs root: mountinfo is replaced)
  const line = (p: string, i: number) => `${1400 + i} 22 253:1 /var/lib/kubelet/pods/x/volumes/kubernetes.io~configmap/cfg/..2026_11_21/k ${p} ro,relatime - ext4 /dev/sda1 rw`;
  const saved = mountTable.read;
  mountTable.read = () => ['22 1 0:21 / / rw,relatime - overlay overlay rw', ...[good, bad, emptySecret].map(line)].join('\n') + '\n';
  try {
    for (const [p, code, flagged] of [[good, null, [good]], [bad, 'TW_CONFIG_PARSE', [bad]], [noKey, 'TW_CONFIG_SECRET_UNREADABLE', [emptySecret]]] as const) {
      const logs: string[] = [];
      const t = tracerFromConfig({ watch: false, logger: (m) => logs.push(m), path: p, env: {}, exporterFactories: recording().factories });
      assert.is(t.configStats().lastError, code);
      assert.is(t.configStats().subPath, true, p);
      const warned = logs.filter((l) => /is mounted with subPath .*Kubernetes never updates subPath mounts/.test(l));
      assert.equal(warned.map((l) => l.slice(0, l.indexOf(' is mounted'))), [...flagged], logs.join('\n'));
      void t.shutdown({ deadlineMs: 0 });
    }
  } finally {
    mountTable.read = saved;
  }
});

test('a plain createTracer is unaffected by the config module (nothing global)', () => {
  assert.is(createTracer({ service: 'plain' }).service, 'plain');
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
