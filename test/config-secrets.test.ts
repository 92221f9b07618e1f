// AC-007 (with AC-005): credentials read from a mounted Secret reach the backend's request and nothing
// else: not errors, log lines, stats, spans, JSON.stringify(config) or util.inspect(config).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect, format } from 'node:util';
import { Secret, REDACTED, loadConfig, tracerFromConfig, validateConfig, type ConfigError, type ReloadEvent } from '../src/config/index.js';
import { readSecret, readSecretSync, MAX_SECRET_BYTES } from '../src/config/secrets.js';
import { startReceiver } from './helpers/otlp-receiver.js';
import type { Span } from '../src/index.js';

const TOKEN = 'tw-secret-7f3a9c1e5b'; // distinctive, to search every output for it
const root = mkdtempSync(join(tmpdir(), 'tw-config-secrets-'));
const secretsDir = join(root, 'secrets');
mkdirSync(secretsDir);
const tokenFile = join(secretsDir, 'token');
writeFileSync(tokenFile, TOKEN + '\n'); // kubectl create secret --from-file keeps the newline

test('AC-007 Secret redacts on all four paths: JSON.stringify, util.inspect, String()/template, + concatenation', () => {
  const s = new Secret(TOKEN, '/x');
  assert.is(JSON.stringify({ s }), `{"s":"${REDACTED}"}`);
  assert.is(inspect(s), `Secret(${REDACTED})`);
  assert.is(inspect({ nested: { s } }, { depth: 5, showHidden: true }).includes(TOKEN), false);
  assert.is(format('%s %o %O %j', s, s, s, s).includes(TOKEN), false);
  assert.is(String(s), REDACTED);
  assert.is(`${s}`, REDACTED);
  assert.is('x' + s, 'x' + REDACTED);
  assert.is(s.reveal(), TOKEN);
  assert.is(s.source, '/x');
});

test('AC-007 a loaded config with secret headers never shows them: JSON, inspect, String', () => {
  const p = join(root, 'c1.json');
  writeFileSync(p, JSON.stringify({ exporters: { p: { type: 'otlp', url: 'http://x:4318/v1/traces', headers: { authorization: { valueFrom: { file: tokenFile, prefix: 'Bearer ' } }, 'x-inline': TOKEN + '-inline' } } } }));
  const c = loadConfig(p);
  const h = (c.exporters!.p as { headers: Record<string, Secret> }).headers;
  assert.is(h.authorization!.reveal(), 'Bearer ' + TOKEN); // trimmed, prefixed
  assert.is(h['x-inline']!.reveal(), TOKEN + '-inline');
  for (const out of [JSON.stringify(c), inspect(c, { depth: null, showHidden: true }), format('%o', c), String(Object.values(h))]) assert.not.ok(out.includes(TOKEN), out);
});

test('AC-007 secret file problems name the file and the JSON path, never the content', () => {
  const bad = join(secretsDir, 'two-lines');
  writeFileSync(bad, `${TOKEN}\nsecond-line-${TOKEN}`);
  const empty = join(secretsDir, 'empty');
  writeFileSync(empty, '\n');
  for (const [f, why] of [[bad, /line break/], [empty, /empty/], [join(secretsDir, 'missing'), /ENOENT/]] as const) {
    const p = join(root, 'c2.json');
    writeFileSync(p, JSON.stringify({ exporters: { 'acme-backend': { type: 'otlp', url: 'http://x/v1/traces', headers: { 'x-api-key': { valueFrom: { file: f } } } } } }));
    try { loadConfig(p); assert.unreachable(); } catch (e) {
      const err = e as ConfigError;
      assert.is(err.code, 'TW_CONFIG_SECRET_UNREADABLE');
      assert.match(err.message, /\$\.exporters\["acme-backend"\]\.headers\["x-api-key"\]: secret file .* is unusable/);
      assert.ok(err.message.includes(f));
      assert.match(err.message, why);
      assert.not.ok(err.message.includes(TOKEN) || JSON.stringify(err.problems).includes(TOKEN));
    }
  }
});

test('AC-005 a header value HTTP cannot carry (a character above U+00FF, e.g. a typographic quote) is refused by validation and in a secret file', () => {
  const v = (h: unknown) => validateConfig({ exporters: { a: { type: 'otlp', url: 'http://x/v1/traces', headers: { authorization: h } } } });
  // node:http sends tab, 0x20-0x7E and 0x80-0xFF (obs-text); anything else makes every request throw
  assert.equal(v('Bearer caf\u00e9\tx'), []);
  for (const bad of [`Bearer \u2018${TOKEN}\u2019`, `Bearer ${TOKEN}\u{1F511}`]) {
    const ps = v(bad);
    assert.is(ps.length, 1, JSON.stringify(ps));
    assert.match(ps[0]!.message, /header value/);
    assert.not.ok(JSON.stringify(ps).includes(TOKEN));
  }
  assert.is(v({ valueFrom: { file: '/s/t', prefix: 'Bearer\u00a0\u201c' } }).length, 1);
  const curly = join(secretsDir, 'curly');
  writeFileSync(curly, `\u201c${TOKEN}\u201d\n`); // copied from a chat message or a document
  const p = join(root, 'c6.json');
  writeFileSync(p, JSON.stringify({ exporters: { a: { type: 'otlp', url: 'http://x/v1/traces', headers: { 'x-api-key': { valueFrom: { file: curly } } } } } }));
  try { loadConfig(p); assert.unreachable('loaded'); } catch (e) {
    const err = e as ConfigError;
    assert.is(err.code, 'TW_CONFIG_SECRET_UNREADABLE', err.message);
    assert.match(err.message, /\$\.exporters\.a\.headers\["x-api-key"\]: secret file .*curly is unusable \(.*header value/);
    assert.not.ok(err.message.includes(TOKEN));
  }
});

test('AC-007 a secret file over the cap or not a regular file is refused unread (sync at startup, async on reload)', async () => {
  const huge = join(secretsDir, 'huge');
  // sparse, 512 MiB: longer than V8's longest string, so a whole read would fail with ERR_STRING_TOO_LONG instead
  const fd = openSync(huge, 'w');
  ftruncateSync(fd, 2 ** 29);
  closeSync(fd);
  const atCap = join(secretsDir, 'at-cap');
  writeFileSync(atCap, 'a'.repeat(MAX_SECRET_BYTES));
  const overCap = join(secretsDir, 'over-cap');
  writeFileSync(overCap, 'a'.repeat(MAX_SECRET_BYTES + 1));
  // a character device (/dev/zero would never end) and a directory: not a secret file
  const cases: Array<[string, string]> = [[huge, `larger than ${MAX_SECRET_BYTES} bytes`], [overCap, `larger than ${MAX_SECRET_BYTES} bytes`], ['/dev/null', 'not a regular file (a character device)'], [secretsDir, 'not a regular file (a directory)']];
  for (const [f, reason] of cases) {
    assert.equal(readSecretSync(f), { ok: false, reason }, f);
    assert.equal(await readSecret(f), { ok: false, reason }, f);
  }
  assert.equal(readSecretSync(atCap), { ok: true, value: 'a'.repeat(MAX_SECRET_BYTES) });
  assert.equal(await readSecret(atCap), { ok: true, value: 'a'.repeat(MAX_SECRET_BYTES) });
  assert.equal(await readSecret(tokenFile), { ok: true, value: TOKEN });
  // the same stable code as every other unusable secret file
  const p = join(root, 'c5.json');
  writeFileSync(p, JSON.stringify({ exporters: { a: { type: 'otlp', url: 'http://x/v1/traces', headers: { authorization: { valueFrom: { file: huge } } } } } }));
  try { loadConfig(p); assert.unreachable(); } catch (e) {
    assert.is((e as ConfigError).code, 'TW_CONFIG_SECRET_UNREADABLE');
    assert.match((e as Error).message, /is unusable \(larger than 16384 bytes\)/);
  }
  rmSync(huge);
});

test('AC-007 end to end: the token reaches the backend in the header, and no log, stat, span or config dump', async () => {
  const rx = await startReceiver();
  const logs: string[] = [];
  const p = join(root, 'c3.json');
  writeFileSync(p, JSON.stringify({
    service: { name: 'secret-test' },
    exporters: { platform: { type: 'otlp', url: rx.url, headers: { authorization: { valueFrom: { file: tokenFile, prefix: 'Bearer ' } } } } },
    batch: { scheduledDelayMs: 10 },
  }));
  const t = tracerFromConfig({ path: p, env: {}, watch: false, logger: (m) => logs.push(m) });
  const s = t.startSpan('op', { attributes: { 'tenant.id': 'acme' } }) as Span;
  s.end();
  await t.forceFlush();
  await rx.waitForRequests(1);
  assert.is(rx.requests[0]!.headers.authorization, 'Bearer ' + TOKEN);
  const everything = [
    logs.join('\n'), JSON.stringify(t.stats()), inspect(t.stats(), { depth: null }), JSON.stringify(t.configStats()), JSON.stringify(t.config),
    inspect(t.config, { depth: null, showHidden: true }), JSON.stringify(rx.requests[0]!.json), inspect(t.routing!.describe(), { depth: null }),
    inspect(t, { depth: null }), // a tracer dumped by a debugging host: the exporter (which holds the header) is not descended into
  ].join('\n');
  assert.not.ok(everything.includes(TOKEN), 'token leaked');
  assert.match(logs.join('\n'), /config loaded from .*c3\.json: exporters platform \(otlp http:\/\/127\.0\.0\.1:\d+\/v1\/traces\)/);
  await t.shutdown();
  await rx.close();
});

test('AC-007 a key in the url\'s query (?api-key=…, how some backends authenticate) reaches the backend, and no config dump, reload event or log', async () => {
  const rx = await startReceiver();
  const logs: string[] = [];
  const events: ReloadEvent[] = [];
  const p = join(root, 'c8.json');
  const put = (name: string) => writeFileSync(p, JSON.stringify({ exporters: { [name]: { type: 'otlp', url: `${rx.url}?api-key=${TOKEN}` } }, batch: { scheduledDelayMs: 10 } }));
  put('a');
  const t = tracerFromConfig({ path: p, env: {}, watch: false, logger: (m) => logs.push(m), onReload: (e) => events.push(e) });
  put('b');
  assert.ok((await t.reload())?.ok);
  (t.startSpan('op') as Span).end();
  await t.forceFlush();
  await rx.waitForRequests(1);
  assert.is(rx.requests[0]!.path, `/v1/traces?api-key=${TOKEN}`);
  assert.is(t.config.exporters!.b!.type === 'otlp' && t.config.exporters!.b!.url, `${rx.url}?api-key=${TOKEN}`, 'the settings keep the real url');
  const everything = [
    logs.join('\n'), JSON.stringify(t.stats()), JSON.stringify(t.config), inspect(t.config, { depth: null, showHidden: true }), format('%o', t.config),
    JSON.stringify(events), inspect(events, { depth: null }), inspect(t, { depth: null }),
  ].join('\n');
  assert.not.ok(everything.includes(TOKEN), 'token leaked');
  assert.match(JSON.stringify(t.config), new RegExp(`"url":"http://127\\.0\\.0\\.1:\\d+/v1/traces"`));
  await t.shutdown();
  await rx.close();
});

test('AC-007 a token pasted where the Secret reference belongs reaches no log line, configStats() or reload event', async () => {
  const p = join(root, 'c4.json');
  const put = (headers: unknown) => writeFileSync(p, JSON.stringify({ exporters: { a: { type: 'otlp', url: 'http://127.0.0.1:9/v1/traces', headers } } }));
  put({});
  const logs: string[] = [];
  const events: ReloadEvent[] = [];
  const t = tracerFromConfig({ path: p, env: {}, watch: false, logger: (m) => logs.push(m), onReload: (e) => events.push(e) });
  const wrong = [
    { authorization: { valueFrom: TOKEN } }, // the token instead of { "file": ... }
    { authorization: { valueFrom: { file: '/etc/tracewire/secrets/token', prefix: `Bearer ${TOKEN}\n` } } }, // pasted with its newline
    { authorization: { valueFrom: { file: TOKEN } } },
  ];
  for (const headers of wrong) {
    put(headers);
    const ev = await t.reload();
    assert.is(ev?.ok, false);
    assert.is(ev?.error?.code, 'TW_CONFIG_INVALID');
    assert.match(ev!.error!.message, /\$\.exporters\.a\.headers\.authorization\.valueFrom/); // the path is named
    assert.not.ok(JSON.stringify({ m: ev!.error!.message, p: ev!.error!.problems }).includes(TOKEN), ev!.error!.message);
    assert.not.ok(String(t.configStats().lastErrorMessage).includes(TOKEN));
  }
  assert.is(events.length, 3);
  assert.is(logs.filter((l) => l.startsWith('config reload rejected')).length, 3);
  assert.not.ok(logs.join('\n').includes(TOKEN), logs.join('\n'));
  await t.shutdown();
});

test('AC-007 a header line pasted as the header name (name, separator and token) is not echoed by the validator', async () => {
  const p = join(root, 'c7.json');
  const put = (headers: unknown) => writeFileSync(p, JSON.stringify({ exporters: { a: { type: 'otlp', url: 'http://127.0.0.1:9/v1/traces', headers } } }));
  put({});
  const logs: string[] = [];
  const t = tracerFromConfig({ path: p, env: {}, watch: false, logger: (m) => logs.push(m) });
  const wrong = [
    { [`Authorization: Bearer ${TOKEN}`]: 'x' }, // curl -H "Authorization: Bearer …", pasted whole
    { [`authorization=Bearer ${TOKEN}`]: { valueFrom: { file: '/etc/tracewire/secrets/token' } } }, // OTEL_EXPORTER_OTLP_HEADERS syntax
    { [`x-api-key:${TOKEN}`]: 5 }, // and a wrong value under it: its problem must not name the key either
  ];
  for (const headers of wrong) {
    put(headers);
    const ev = await t.reload();
    assert.is(ev?.error?.code, 'TW_CONFIG_INVALID');
    assert.match(ev!.error!.message, /\$\.exporters\.a\.headers: .*header name/); // where, and what is wrong
    assert.not.ok(JSON.stringify({ m: ev!.error!.message, p: ev!.error!.problems }).includes(TOKEN), ev!.error!.message);
    assert.not.ok(String(t.configStats().lastErrorMessage).includes(TOKEN));
  }
  assert.not.ok(logs.join('\n').includes(TOKEN), logs.join('\n'));
  await t.shutdown();
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
