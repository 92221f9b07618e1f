// AC-005 / AC-007: off-thread export turned on from the config file. Exporters (and their Secret-file
// credentials) reach the export thread as plain specs; the token reaches the backend and nothing else;
// tenant routes the thread cannot honour are a validation error; a reload cannot swap the thread's
// exporters, so it is listed as needing a restart while the thread keeps what it started with.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { loadConfig, tracerFromConfig, validateConfig, type ConfigError, type ConfiguredTracer } from '../src/config/index.js';
import type { ThreadStats } from '../src/thread/index.js';
import type { TracerStats } from '../src/index.js';
import { startReceiver } from './helpers/otlp-receiver.js';

const TOKEN = 'tw-thread-secret-4d8e2b'; // distinctive, to search every output for it
const root = mkdtempSync(join(tmpdir(), 'tw-config-thread-'));
mkdirSync(join(root, 'secrets'));
const tokenFile = join(root, 'secrets', 'token');
writeFileSync(tokenFile, TOKEN + '\n');
const secretHeader = { authorization: { valueFrom: { file: tokenFile, prefix: 'Bearer ' } } };
const FLUSH_MS = 10_000; // a stuck flush fails in seconds, not the 30 s default

function writeConfig(name: string, c: unknown): string {
  const p = join(root, name);
  writeFileSync(p, JSON.stringify(c));
  return p;
}

type Stats = TracerStats & ThreadStats;
const dropsOf = (st: Stats): number => Object.values(st.dropped).reduce((a: number, b) => a + (b as number), 0);

test('AC-005 AC-007 exportThread: true: spans go through the export thread to every routed exporter, the Secret-file header arrives, stats balance after shutdown, the token appears nowhere else', async () => {
  const rx = await startReceiver();
  const logs: string[] = [];
  const archive = join(root, 'archive.jsonl');
  const path = writeConfig('on.json', {
    service: { name: 'thread-cfg' },
    exportThread: true,
    batch: { scheduledDelayMs: 20 },
    exporters: {
      platform: { type: 'otlp', url: rx.url, headers: secretHeader, compression: 'gzip', timeoutMs: 5000 },
      archive: { type: 'file', path: archive },
    },
    // Uniform: tenant acme goes where everyone goes (platform via all, archive via default): a plain fan-out.
    routes: { all: ['platform'], tenants: { acme: ['archive'] }, default: ['archive'] },
  });
  // The worker's environment is a copy of process.env taken when it starts: OTEL_EXPORTER_OTLP_HEADERS there
  // must not add one backend's credentials to the file's exporters (as on the main thread, factories.ts).
  const saved = process.env.OTEL_EXPORTER_OTLP_HEADERS;
  process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-leak=other-backend';
  let t: ConfiguredTracer;
  try { t = tracerFromConfig({ path, env: {}, watch: false, logger: (m) => logs.push(m) }); } finally {
    if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_HEADERS; else process.env.OTEL_EXPORTER_OTLP_HEADERS = saved;
  }
  let closed = false;
  try {
    assert.ok(t.thread !== null, 'the export thread runs');
    assert.is(t.routing, null, 'no main-thread routing in thread mode');
    assert.is(t.processor, t.thread);
    assert.equal(t.thread!.exporterNames, ['platform', 'archive']);
    for (let i = 0; i < 60; i++) t.startSpan('op', { root: true, attributes: i % 2 === 0 ? { 'tenant.id': 'acme', i } : { i } }).end();
    await t.shutdown({ deadlineMs: 5000 });
    closed = true;

    const got = rx.spans();
    assert.is(new Set(got.map((s) => s.spanId)).size, 60, 'every span reached the OTLP receiver');
    assert.ok(rx.requests.length > 0 && rx.requests.every((r) => r.headers.authorization === 'Bearer ' + TOKEN), 'the Secret-file header on every request');
    assert.ok(rx.requests.every((r) => r.headers['x-leak'] === undefined), 'no header from the process environment');
    assert.ok(rx.requests.every((r) => r.headers['content-encoding'] === 'gzip'), 'the file\'s compression reached the thread');
    const lines = readFileSync(archive, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.is(lines.flatMap((l) => l.resourceSpans[0].scopeSpans[0].spans).length, 60, 'the file exporter got every span too (fan-out)');

    const st = t.stats() as unknown as Stats & { config: { loaded: boolean } };
    assert.is(st.ended, 60);
    assert.is(st.thread.ended, 60);
    assert.is(st.exported, 60);
    assert.is(st.ended, st.exported + dropsOf(st) + st.queued, 'ended = exported + dropped + queued');
    assert.is(st.config.loaded, true);
    assert.match(logs.join('\n'), /config loaded from .*on\.json: exporters platform \(otlp .*\), archive \(file .*\); .*exportThread on/);

    const everything = [
      logs.join('\n'), JSON.stringify(t.config), inspect(t.config, { depth: null, showHidden: true }), JSON.stringify(st), inspect(st, { depth: null }),
      JSON.stringify(t.configStats()), inspect(t, { depth: null }), JSON.stringify(t.processor), inspect(t.thread, { depth: null, showHidden: true }),
    ].join('\n');
    assert.not.ok(everything.includes(TOKEN), 'token leaked');
  } finally {
    if (!closed) await t.shutdown({ deadlineMs: 1000 });
    await rx.close();
  }
});

test('AC-005 exportThread with routes that send tenants to different exporters is a validation error naming both, with its JSON path', () => {
  const exporters = { a: { type: 'console' }, b: { type: 'console' } };
  const routes = { tenants: { acme: ['a'] }, default: ['b'] };
  const problems = validateConfig({ exportThread: true, exporters, routes });
  assert.is(problems.length, 1);
  assert.is(problems[0]!.path, '$.routes.tenants.acme');
  assert.match(problems[0]!.message, /routes that send tenants to different exporters are not supported with exportThread/);
  assert.match(problems[0]!.message, /tenant "acme" → \[a\], other spans → \[b\]/);
  // The same routes without the thread (off, or an object with enabled: false) are fine; so is a uniform fan-out.
  assert.equal(validateConfig({ exportThread: false, exporters, routes }), []);
  assert.equal(validateConfig({ exportThread: { enabled: false, ringBytes: 65536 }, exporters, routes }), []);
  assert.equal(validateConfig({ exportThread: { ringBytes: 65536 }, exporters, routes: { all: ['a', 'b'], tenants: { acme: ['b'] } } }), []);
  // An empty tenant route with `all` set still sends that tenant to all: no conflict; dropping a tenant is one.
  assert.equal(validateConfig({ exportThread: true, exporters, routes: { all: ['a'], tenants: { x: [] } } }), []);
  assert.equal(validateConfig({ exportThread: true, exporters, routes: { default: ['a'], tenants: { loadtest: [] } } })[0]!.path, '$.routes.tenants.loadtest');

  const path = writeConfig('conflict.json', { exportThread: { enabled: true }, exporters, routes });
  try { loadConfig(path); assert.unreachable('accepted'); } catch (e) {
    const err = e as ConfigError;
    assert.is(err.code, 'TW_CONFIG_INVALID');
    assert.equal(err.problems.map((p) => p.path), ['$.routes.tenants.acme']);
    assert.match(err.message, /\$\.routes\.tenants\.acme: routes .* exportThread/);
  }
  assert.throws(() => tracerFromConfig({ path, env: {}, watch: false, strict: true, logger: () => {} }), (e: ConfigError) => e.code === 'TW_CONFIG_INVALID');
});

test('AC-005 exportThread settings: unknown keys, wrong types and ranges, per-exporter batch are errors with their paths', () => {
  const at = (v: unknown): string[] => validateConfig(v).map((p) => `${p.path}: ${p.message}`);
  const typo = at({ exportThread: { enabled: true, ringByte: 65536 } });
  assert.is(typo.length, 1);
  assert.match(typo[0]!, /^\$\.exportThread\.ringByte: unknown key; did you mean "ringBytes"\?/);
  assert.match(at({ exportThread: 'yes' })[0]!, /^\$\.exportThread: expected true or false or an object like/);
  assert.match(at({ exportThread: { ringBytes: 100 } })[0]!, /^\$\.exportThread\.ringBytes: expected an integer from 4096 to 1073741824, got 100/);
  assert.match(at({ exportThread: { niceness: 20 } })[0]!, /^\$\.exportThread\.niceness: expected an integer from 0 to 19/);
  const batch = at({ exportThread: true, exporters: { 'acme-backend': { type: 'console', batch: { maxQueueSize: 10 } } } });
  assert.is(batch.length, 1);
  assert.match(batch[0]!, /^\$\.exporters\["acme-backend"\]\.batch: a per-exporter batch is not supported with exportThread .* set \$\.batch instead/);
  assert.equal(at({ exporters: { a: { type: 'console', batch: { maxQueueSize: 10 } } } }), [], 'fine without the thread');
  const c = loadConfig(writeConfig('settings.json', { exportThread: { ringBytes: 65536, niceness: 0, flushTimeoutMs: 2000 } }));
  assert.equal(c.exportThread, { ringBytes: 65536, niceness: 0, flushTimeoutMs: 2000 });
  assert.is(loadConfig(writeConfig('off.json', { exportThread: { enabled: false, ringBytes: 65536 } })).exportThread, null);
  assert.is(loadConfig(writeConfig('none.json', {})).exportThread, null);
});

test('AC-005 hot reload in thread mode: a changed exporter or rotated secret is listed in restartRequired and logged once; the thread keeps exporting with what it started with', async () => {
  const rx = await startReceiver();
  const other = await startReceiver();
  const logs: string[] = [];
  const conf = (url: string, extra: Record<string, unknown> = {}) => ({
    exportThread: { ringBytes: 65536, flushTimeoutMs: FLUSH_MS }, batch: { scheduledDelayMs: 10 },
    exporters: { platform: { type: 'otlp', url, headers: secretHeader } }, ...extra,
  });
  const path = writeConfig('reload.json', conf(rx.url));
  const t: ConfiguredTracer = tracerFromConfig({ path, env: {}, watch: false, logger: (m) => logs.push(m), exporterFactories: {} });
  try {
    assert.is((t.stats() as unknown as Stats).thread.ringBytes, 65536, 'ringBytes from the file');
    assert.ok(logs.some((l) => l.startsWith('exportThread: exporterFactories are not used')), 'functions cannot cross threads: said once');
    // 1. A sampler-only change applies live and needs no restart.
    writeConfig('reload.json', conf(rx.url, { sampler: { probability: 1 } }));
    const e0 = await t.reload();
    assert.is(e0!.ok, true);
    assert.equal(e0!.restartRequired, []);
    // 2. A new exporter URL: accepted, listed, logged once.
    writeConfig('reload.json', conf(other.url));
    const e1 = await t.reload();
    assert.is(e1!.ok, true);
    assert.equal(e1!.restartRequired, ['exporters']);
    assert.equal(t.configStats().restartRequired, ['exporters']);
    const inEffect = t.config.exporters!.platform!;
    assert.is(inEffect.type === 'otlp' && inEffect.url, rx.url, 'config shows the exporter the thread runs on');
    // 3. The Secret is rotated: still a restart; the note is not repeated.
    writeConfig('reload.json', conf(rx.url, { batch: { scheduledDelayMs: 50 } }));
    writeFileSync(tokenFile, TOKEN + '-rotated\n');
    const e2 = await t.reload();
    assert.equal(e2!.restartRequired, ['exporters', 'batch']);
    assert.is(logs.filter((l) => l.startsWith('exportThread: the export thread keeps')).length, 1, logs.join('\n'));
    // 4. Turning the thread off cannot happen live either.
    writeConfig('reload.json', { ...conf(rx.url), exportThread: false });
    writeFileSync(tokenFile, TOKEN + '\n');
    const e3 = await t.reload();
    assert.equal(e3!.restartRequired, ['exportThread']);

    for (let i = 0; i < 20; i++) t.startSpan('after-reloads', { root: true }).end();
    await t.forceFlush();
    assert.is(rx.spans().length, 20, 'the thread still exports to the exporter it started with');
    assert.is(other.requests.length, 0, 'the new URL is not used before a restart');
    assert.ok(rx.requests.every((r) => r.headers.authorization === 'Bearer ' + TOKEN), 'the token it started with');
    assert.not.ok(logs.join('\n').includes(TOKEN), 'no token (old or rotated) in the logs');
    // An invalid reload (tenant routes under exportThread) is refused: the last good config stays.
    writeConfig('reload.json', conf(rx.url, { exporters: { a: { type: 'console' }, b: { type: 'console' } }, routes: { tenants: { acme: ['a'] }, default: ['b'] } }));
    const bad = await t.reload();
    assert.is(bad!.ok, false);
    assert.is(bad!.error!.code, 'TW_CONFIG_INVALID');
    assert.equal(bad!.error!.problems.map((p) => p.path), ['$.routes.tenants.acme']);
    assert.equal(t.config.exportThread, { ringBytes: 65536, flushTimeoutMs: FLUSH_MS }, 'the thread it started with (step 4 needs a restart) is still in effect');
    assert.equal(t.configStats().restartRequired, ['exportThread'], 'the last good reload (step 4) still says so');
  } finally {
    await t.shutdown({ deadlineMs: 2000 });
    await rx.close();
    await other.close();
  }
});

test('AC-005 exportThread without exporters in the file: the thread exports to the OTEL_EXPORTER_OTLP_* destination, with its headers', async () => {
  const rx = await startReceiver();
  const path = writeConfig('env.json', { exportThread: true, batch: { scheduledDelayMs: 10 } });
  const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: rx.url, OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=' + TOKEN };
  const logs: string[] = [];
  const t = tracerFromConfig({ path, env, watch: false, logger: (m) => logs.push(m) });
  try {
    assert.ok(t.thread !== null);
    for (let i = 0; i < 5; i++) t.startSpan('env-op', { root: true }).end();
    await t.forceFlush();
    assert.is(rx.spans().length, 5);
    assert.is(rx.requests[0]!.headers['x-api-key'], TOKEN);
    assert.match(logs.join('\n'), /exporters from OTEL_\* environment; exportThread on/);
    assert.not.ok([logs.join('\n'), inspect(t, { depth: null }), JSON.stringify(t.stats())].join('\n').includes(TOKEN), 'token leaked');
  } finally {
    await t.shutdown({ deadlineMs: 2000 });
    await rx.close();
  }
});

test('AC-007 an export thread that cannot start never stops the host: one log line, main-thread export of the same exporters; strict throws', async () => {
  const rx = await startReceiver();
  const path = writeConfig('no-sab.json', { exportThread: true, batch: { scheduledDelayMs: 10 }, exporters: { platform: { type: 'otlp', url: rx.url, headers: secretHeader } } });
  const logs: string[] = [];
  // The ring's memory cannot be had (what a huge ringBytes under a tight memory limit does).
  const SAB = globalThis.SharedArrayBuffer;
  const build = (strict: boolean): ConfiguredTracer => {
    (globalThis as { SharedArrayBuffer: unknown }).SharedArrayBuffer = function () { throw new RangeError('Array buffer allocation failed'); };
    try { return tracerFromConfig({ path, env: {}, watch: false, strict, logger: (m) => logs.push(m) }); } finally { globalThis.SharedArrayBuffer = SAB; }
  };
  assert.throws(() => build(true), (e: ConfigError) => e.code === 'TW_CONFIG_EXPORTER' && /export thread could not be started: Array buffer allocation failed/.test(e.message));
  const t = build(false);
  try {
    assert.is(t.thread, null);
    assert.ok(t.routing !== null, 'exporting on the main thread');
    assert.ok(logs.some((l) => /exportThread: the export thread could not be started: .*; exporting on the main thread instead/.test(l)), logs.join('\n'));
    for (let i = 0; i < 3; i++) t.startSpan('fallback', { root: true }).end();
    await t.forceFlush();
    assert.is(rx.spans().length, 3);
    assert.is(rx.requests[0]!.headers.authorization, 'Bearer ' + TOKEN);
  } finally {
    await t.shutdown({ deadlineMs: 1000 });
    await rx.close();
  }
});

test('AC-005 options in code win: an application processor or exporter makes the file\'s exportThread ignored, with one log line', async () => {
  const logs: string[] = [];
  const path = writeConfig('code-wins.json', { exportThread: true });
  const t = tracerFromConfig({ path, env: {}, watch: false, exporter: { export: async () => ({ ok: true }) } as never, logger: (m) => logs.push(m) });
  try {
    assert.is(t.thread, null);
    assert.ok(logs.some((l) => /exportThread ignored: the application passes its own exporter/.test(l)), logs.join('\n'));
  } finally {
    await t.shutdown({ deadlineMs: 500 });
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test('AC-005 AC-007 exportThread: stats().destinations are named by the config\'s exporter names, as in-thread config mode (two exporters to one URL stay apart; OTEL_* exporter: "otlp")', async () => {
  const rx = await startReceiver();
  const exporters = { primary: { type: 'otlp', url: rx.url }, mirror: { type: 'otlp', url: rx.url } };
  const onThread = tracerFromConfig({ path: writeConfig('names-thread.json', { exportThread: true, batch: { scheduledDelayMs: 20 }, exporters }), env: {}, watch: false, logger: () => {} });
  const inThread = tracerFromConfig({ path: writeConfig('names-main.json', { batch: { scheduledDelayMs: 20 }, exporters }), env: {}, watch: false, logger: () => {} });
  const fromEnv = tracerFromConfig({ path: writeConfig('names-env.json', { exportThread: true, batch: { scheduledDelayMs: 20 } }), env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: rx.url }, watch: false, logger: () => {} });
  const envInThread = tracerFromConfig({ path: writeConfig('names-env-main.json', { batch: { scheduledDelayMs: 20 } }), env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: rx.url }, watch: false, logger: () => {} });
  const view = (t: ConfiguredTracer) => t.stats().destinations.map((d) => [d.name, d.exported]);
  try {
    assert.ok(onThread.thread !== null && fromEnv.thread !== null, 'the export threads run');
    for (const t of [onThread, inThread, fromEnv, envInThread]) {
      for (let i = 0; i < 10; i++) t.startSpan('op', { root: true }).end();
      await t.forceFlush();
    }
    assert.equal(view(onThread), [['primary', 10], ['mirror', 10]]);
    assert.equal(view(onThread), view(inThread));
    assert.equal(view(fromEnv), [['otlp', 10]]);
    assert.equal(view(fromEnv), view(envInThread));
  } finally {
    await Promise.all([onThread, inThread, fromEnv, envInThread].map((t) => t.shutdown({ deadlineMs: 2000 })));
    await rx.close();
  }
});

test.run();
