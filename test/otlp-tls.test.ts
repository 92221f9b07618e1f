// OTLP exporter TLS against a real https receiver on 127.0.0.1, with a private CA, a server certificate and a
// client certificate made by openssl for this run: OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE / CLIENT_* and `tls`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import https from 'node:https';
import http from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTracer } from '../src/index.js';
import type { Span } from '../src/span.js';
import { otlpExporter, type OtlpExporterOptions } from '../src/otlp-http.js';
import { ThreadProcessor } from '../src/thread/index.js';
import type { ExportResult } from '../src/exporter.js';
import { CaptureProcessor } from './helpers/capture.js';
import { listen, close } from './helpers/net.js';
import { makePki, startTlsReceiver as receiver, type TlsReceiver } from './helpers/certs.js';

const keepAlive = setInterval(() => {}, 1000);
const pki = makePki();
if (pki === null) console.log('SKIP otlp-tls: the openssl CLI is needed to make test certificates');

const cap = new CaptureProcessor();
const tracer = createTracer({ service: 'tls-test', processor: cap, env: {} });
function spans(n: number): Span[] {
  cap.spans.length = 0;
  for (let i = 0; i < n; i++) tracer.startSpan('op-' + i, { root: true }).end();
  return cap.spans.slice() as Span[];
}

async function run(o: OtlpExporterOptions, n = 2): Promise<{ r: ExportResult; stats: Record<string, unknown>; warnings: string[] }> {
  const warnings: string[] = [];
  const exp = otlpExporter({ retry: false, timeoutMs: 5000, logger: (m) => warnings.push(m), ...o });
  const r = await exp.export(spans(n), new AbortController().signal);
  const stats = exp.stats();
  await exp.shutdown();
  return { r, stats, warnings };
}
const code = (r: ExportResult): unknown => (r.error as { code?: unknown } | undefined)?.code;
const message = (r: ExportResult): string => String((r.error as Error | undefined)?.message);

if (pki !== null) {
  const p = pki;
  let plain: TlsReceiver, mutual: TlsReceiver;
  test.before(async () => { plain = await receiver(p, false); mutual = await receiver(p, true); });
  test.after(async () => {
    await close(plain.server as unknown as http.Server);
    await close(mutual.server as unknown as http.Server);
    p.remove();
    clearInterval(keepAlive);
  });

  test('OTEL_EXPORTER_OTLP_CERTIFICATE: a backend signed by a private CA is trusted, no warning', async () => {
    const before = plain.requests.length;
    const { r, stats, warnings } = await run({ url: plain.url, env: { OTEL_EXPORTER_OTLP_CERTIFICATE: p.caCert } });
    assert.equal(r, { ok: true });
    assert.is(plain.requests.length, before + 1);
    assert.is(stats.failedTls, 0);
    assert.equal(warnings, []);
  });

  test('wrong CA (and no CA: Node\'s defaults) is rejected as TW_ERR_OTLP_TLS, counted failedTls, not retried', async () => {
    const before = plain.requests.length;
    for (const env of [{ OTEL_EXPORTER_OTLP_CERTIFICATE: p.otherCaCert }, {}]) {
      const { r, stats } = await run({ url: plain.url, env, retry: { maxAttempts: 3, initialBackoffMs: 1 } });
      assert.is(r.ok, false);
      assert.is(code(r), 'TW_ERR_OTLP_TLS');
      assert.match(message(r), /not trusted .*OTEL_EXPORTER_OTLP_CERTIFICATE/);
      assert.is(stats.failedTls, 1);
      assert.is(stats.requests, 1);
    }
    assert.is(plain.requests.length, before);
  });

  test('mTLS: the client certificate from OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE / _CLIENT_KEY is sent; without it the backend refuses (TW_ERR_OTLP_TLS)', async () => {
    const before = mutual.requests.length;
    const ok = await run({ url: mutual.url, env: { OTEL_EXPORTER_OTLP_CERTIFICATE: p.caCert, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: p.clientCert, OTEL_EXPORTER_OTLP_CLIENT_KEY: p.clientKey } });
    assert.equal(ok.r, { ok: true });
    assert.is(mutual.requests.length, before + 1);
    assert.is(mutual.requests.at(-1)!.clientCn, 'tracewire-client');
    const without = await run({ url: mutual.url, env: { OTEL_EXPORTER_OTLP_CERTIFICATE: p.caCert } });
    assert.is(code(without.r), 'TW_ERR_OTLP_TLS');
    assert.match(message(without.r), /client certificate/);
    assert.is(without.stats.failedTls, 1);
    assert.is(mutual.requests.length, before + 1);
  });

  test('tls option: PEM text or files, per piece over the environment', async () => {
    const before = mutual.requests.length;
    const text = await run({ url: mutual.url, tls: { ca: readFileSync(p.caCert), cert: readFileSync(p.clientCert, 'utf8'), key: readFileSync(p.clientKey) }, env: {} });
    assert.equal(text.r, { ok: true });
    // the option's CA wins over a wrong one in the environment; the client pair still comes from the environment
    const files = await run({ url: mutual.url, tls: { caFile: p.caCert }, env: { OTEL_EXPORTER_OTLP_CERTIFICATE: p.otherCaCert, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: p.clientCert, OTEL_EXPORTER_OTLP_CLIENT_KEY: p.clientKey } });
    assert.equal(files.r, { ok: true });
    assert.is(mutual.requests.length, before + 2);
    assert.ok(mutual.requests.slice(before).every((q) => q.clientCn === 'tracewire-client'));
  });

  test('an encrypted client key: tls.passphrase (text) or tls.passphraseFile decrypts it (PKCS#8 and Proc-Type forms); also for an OTEL_EXPORTER_OTLP_CLIENT_KEY file', async () => {
    const before = mutual.requests.length;
    for (const key of [p.clientKeyEncrypted, p.clientKeyEncryptedLegacy]) {
      for (const tls of [{ caFile: p.caCert, certFile: p.clientCert, keyFile: key, passphrase: p.passphrase }, { caFile: p.caCert, certFile: p.clientCert, keyFile: key, passphraseFile: p.passphraseFile }]) {
        const { r, warnings } = await run({ url: mutual.url, tls, env: {} });
        assert.equal(r, { ok: true }, message(r));
        assert.equal(warnings, []);
      }
    }
    const env = await run({ url: mutual.url, tls: { passphraseFile: p.passphraseFile }, env: { OTEL_EXPORTER_OTLP_CERTIFICATE: p.caCert, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: p.clientCert, OTEL_EXPORTER_OTLP_CLIENT_KEY: p.clientKeyEncrypted } });
    assert.equal(env.r, { ok: true }, message(env.r));
    assert.is(mutual.requests.length, before + 5);
    assert.ok(mutual.requests.slice(before).every((q) => q.clientCn === 'tracewire-client'));
  });

  test('an encrypted client key without its passphrase, or with a wrong one: TW_ERR_OTLP_TLS_CONFIG saying which, once, nothing sent, the passphrase never shown', async () => {
    const wrong = 'xyzzy plugh';
    const wrongFile = join(p.dir, 'wrong-pass');
    writeFileSync(wrongFile, wrong + '\n');
    const base = { caFile: p.caCert, certFile: p.clientCert, keyFile: p.clientKeyEncrypted };
    const cases: [OtlpExporterOptions['tls'], RegExp][] = [
      [base, /client key file .* \(tls\.keyFile\) is encrypted .*and no passphrase is given: set tls\.passphrase or tls\.passphraseFile/],
      [{ ...base, passphrase: wrong }, /the passphrase \(tls\.passphrase\) does not decrypt the client key/],
      [{ ...base, passphraseFile: wrongFile }, /the passphrase in .*wrong-pass \(tls\.passphraseFile\) does not decrypt the client key/],
      // a path that names no file is not printed either: it may be the passphrase itself
      [{ ...base, passphraseFile: join(p.dir, 'missing-pass') }, /passphrase file \(tls\.passphraseFile: no such file; the value is not shown, it may be the passphrase itself\) is unusable: ENOENT/],
      [{ caFile: p.caCert, passphrase: wrong }, /a passphrase decrypts the client key: no client key is set/],
      // the passphrase itself given as passphraseFile: not a path, so not printed
      [{ ...base, passphraseFile: wrong }, /passphrase file \(tls\.passphraseFile: no such file; the value is not shown, it may be the passphrase itself\) is unusable: ENOENT/],
    ];
    const before = mutual.requests.length;
    for (const [tls, why] of cases) {
      const { r, stats, warnings } = await run({ url: mutual.url, tls, env: {} });
      assert.is(code(r), 'TW_ERR_OTLP_TLS_CONFIG', message(r));
      assert.match(message(r), why);
      assert.is(warnings.length, 1);
      assert.match(warnings[0]!, why);
      assert.is(stats.requests, 0);
      assert.not.ok([message(r), ...warnings].some((m) => m.includes(wrong) || m.includes(p.passphrase)), 'no passphrase in messages');
    }
    assert.is(mutual.requests.length, before);
  });

  test('a passphrase given in place of its file\'s path (tls.passphraseFile), holding a / as base64 passphrases often do: never printed, whatever it looks like', async () => {
    const base = { caFile: p.caCert, certFile: p.clientCert, keyFile: p.clientKeyEncrypted };
    for (const secret of ['q3K/8wPZx9aLm+Tr0vB2cN5eYh7jU1sD4fG6kI8oP0=', '/q3K8wPZx9aLm+Tr0vB2cN5eYh7jU1sD4', 'rel/ative-looking']) {
      const { r, warnings } = await run({ url: mutual.url, tls: { ...base, passphraseFile: secret }, env: {} });
      assert.is(code(r), 'TW_ERR_OTLP_TLS_CONFIG', message(r));
      assert.match(message(r), /client key passphrase file \(tls\.passphraseFile: .*not shown.*\) is unusable: ENOENT/);
      assert.not.ok([message(r), ...warnings].some((m) => m.includes(secret)), `${secret} printed: ${message(r)}`);
    }
  });

  test('signal-specific precedence: OTEL_EXPORTER_OTLP_TRACES_* wins over OTEL_EXPORTER_OTLP_*, per variable', async () => {
    const good = await run({ url: mutual.url, env: {
      OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: p.caCert, OTEL_EXPORTER_OTLP_CERTIFICATE: p.otherCaCert,
      OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE: p.clientCert, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: p.serverCert,
      OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: p.clientKey, OTEL_EXPORTER_OTLP_CLIENT_KEY: p.serverKey,
    } });
    assert.equal(good.r, { ok: true });
    assert.is(mutual.requests.at(-1)!.clientCn, 'tracewire-client');
    const bad = await run({ url: mutual.url, env: { OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: p.otherCaCert, OTEL_EXPORTER_OTLP_CERTIFICATE: p.caCert } });
    assert.is(code(bad.r), 'TW_ERR_OTLP_TLS');
  });

  test('an unreadable or invalid file: one warning at construction (TW_ERR_OTLP_TLS_CONFIG, the variable, the path, the reason), every export fails with it, nothing sent, never a throw', async () => {
    const dir = join(p.dir, 'bad');
    mkdirSync(dir);
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    const noPem = join(dir, 'no-pem.txt');
    writeFileSync(noPem, 'hello');
    const keyText = readFileSync(p.clientKey, 'utf8');
    const cases: [Record<string, string>, RegExp][] = [
      [{ OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: join(dir, 'missing.pem') }, /CA certificate file .*missing\.pem \(OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE\) is unusable: ENOENT/],
      [{ OTEL_EXPORTER_OTLP_CERTIFICATE: dir }, /not a regular file/],
      [{ OTEL_EXPORTER_OTLP_CERTIFICATE: noPem }, /not PEM/],
      [{ OTEL_EXPORTER_OTLP_CERTIFICATE: garbage }, /certificate #1 is invalid/],
      [{ OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: p.clientCert, OTEL_EXPORTER_OTLP_CLIENT_KEY: p.serverKey }, /key values mismatch/],
      [{ OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: p.clientCert }, /a client certificate needs its key/],
      [{ OTEL_EXPORTER_OTLP_CLIENT_KEY: p.clientKey }, /a client key needs its client certificate/],
    ];
    const before = plain.requests.length;
    for (const [env, why] of cases) {
      const { r, stats, warnings } = await run({ url: plain.url, env });
      assert.is(warnings.length, 1, JSON.stringify(env));
      assert.match(warnings[0]!, /TW_ERR_OTLP_TLS_CONFIG/);
      assert.match(warnings[0]!, why);
      assert.is(r.ok, false);
      assert.is(code(r), 'TW_ERR_OTLP_TLS_CONFIG');
      assert.match(message(r), why);
      assert.is(stats.failedTls, 1);
      assert.is(stats.requests, 0);
      assert.not.ok(warnings[0]!.includes(keyText.slice(30, 60)) || message(r).includes(keyText.slice(30, 60)), 'no key material in messages');
    }
    assert.is(plain.requests.length, before);
  });

  test('a variable holding PEM text instead of a path (a Secret key mapped into the env): the message says so, the PEM never shows', async () => {
    const keyText = readFileSync(p.clientKey, 'utf8');
    const certText = readFileSync(p.clientCert, 'utf8');
    for (const env of [{ OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: p.clientCert, OTEL_EXPORTER_OTLP_CLIENT_KEY: keyText }, { OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: certText }]) {
      const { r, warnings } = await run({ url: plain.url, env });
      assert.is(code(r), 'TW_ERR_OTLP_TLS_CONFIG');
      for (const m of [warnings[0]!, message(r)]) {
        assert.match(m, /holds PEM text, not a file path/);
        assert.not.ok(m.includes('-----BEGIN') || m.includes(keyText.slice(30, 60)) || m.includes(certText.slice(30, 60)), m);
      }
    }
  });

  test('a Buffer or Uint8Array tls option (what a Buffer becomes in the export thread\'s workerData) is PEM like a string', async () => {
    const before = mutual.requests.length;
    const u8 = (f: string): Uint8Array => new Uint8Array(readFileSync(f));
    const { r } = await run({ url: mutual.url, tls: { ca: u8(p.caCert), cert: u8(p.clientCert), key: u8(p.clientKey) } as OtlpExporterOptions['tls'], env: {} });
    assert.equal(r, { ok: true });
    assert.is(mutual.requests.length, before + 1);
    // through a real export thread: specs cross by structured clone, a Buffer arrives as a Uint8Array
    const t = createTracer({ service: 'x', env: {}, logger: () => {}, processor: new ThreadProcessor({ env: {}, batch: { scheduledDelayMs: 5 }, exporter: { type: 'otlp', url: mutual.url, tls: { ca: readFileSync(p.caCert), cert: readFileSync(p.clientCert), key: readFileSync(p.clientKey) } } }) });
    for (let i = 0; i < 2; i++) t.startSpan('op', { root: true }).end();
    await t.shutdown({ deadlineMs: 5000 });
    assert.is(t.stats().exported, 2);
    assert.is(mutual.requests.at(-1)!.clientCn, 'tracewire-client');
  });

  test('through a tracer: a bad TLS file drops the batch as exportFailed (counted), the host goes on', async () => {
    const logs: string[] = [];
    const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: plain.url, OTEL_EXPORTER_OTLP_CLIENT_KEY: '/nonexistent/key.pem', OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: p.clientCert };
    const logger = (m: string): void => { logs.push(m); };
    const t = createTracer({ service: 'x', env, logger, exporter: otlpExporter({ env, logger }) });
    t.startSpan('a', { root: true }).end();
    await t.forceFlush();
    const s = t.stats();
    assert.is(s.dropped.exportFailed, 1);
    assert.ok(logs.some((l) => l.includes('TW_ERR_OTLP_TLS_CONFIG') && l.includes('/nonexistent/key.pem')));
    await t.shutdown({ deadlineMs: 1000 });
  });

  test('an http:// endpoint with TLS variables set: one warning naming them, the files are not read, export works', async () => {
    const srv = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('{}')); });
    const port = await listen(srv);
    const { r, warnings } = await run({ url: `http://127.0.0.1:${port}/v1/traces`, env: { OTEL_EXPORTER_OTLP_CERTIFICATE: '/nonexistent/ca.pem', OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: '/nonexistent/k.pem' } });
    await close(srv);
    assert.equal(r, { ok: true });
    assert.is(warnings.length, 1);
    assert.match(warnings[0]!, /OTEL_EXPORTER_OTLP_CERTIFICATE, OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY ignored: .* is plain http:\/\//);
  });

  test('your own agent decides TLS: tls settings are ignored with one warning', async () => {
    const agent = new https.Agent({ ca: readFileSync(p.caCert) });
    const { r, warnings } = await run({ url: plain.url, agent, tls: { caFile: '/nonexistent/ca.pem' }, env: {} });
    agent.destroy();
    assert.equal(r, { ok: true });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /tls\.caFile ignored: the agent you pass decides TLS/);
  });
}

test.run();
