// AC-005: an encrypted client key (PKCS#8 `ENCRYPTED PRIVATE KEY` or the traditional `Proc-Type: 4,ENCRYPTED`) in an
// exporter's `tls`, with its passphrase in a file of a mounted Secret (`tls.passphrase`, a path like the other tls
// keys). The passphrase is read with the config, never printed, and checked at load: a missing, unreadable or wrong
// one refuses the config with TW_CONFIG_TLS naming the JSON path, rather than a failure at the first export.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { loadConfig, tracerFromConfig, validateConfig, isConfigError, type ConfiguredTracer } from '../src/config/index.js';
import { close } from './helpers/net.js';
import { makePki, sendSpans as send, startTlsReceiver, type TlsReceiver } from './helpers/certs.js';

const pki = makePki();
if (pki === null) console.log('SKIP config-tls-passphrase (TLS files part): the openssl CLI is needed to make test certificates');

const otlp = (url: string, tls: Record<string, string>) => ({ type: 'otlp', url, tls });
const problems = (v: unknown) => validateConfig(v);

test('AC-005 validation: tls.passphrase is an absolute file path, shown nowhere when it is not one (it may be the passphrase itself), and needs a key', () => {
  const tls = { ca: '/s/ca.crt', cert: '/s/tls.crt', key: '/s/tls.key' };
  assert.equal(problems({ exporters: { a: otlp('https://c/v1/traces', { ...tls, passphrase: '/s/tls.pass' }) } }), []);
  const inline = problems({ exporters: { a: otlp('https://c/v1/traces', { ...tls, passphrase: 'hunter2 horse' }) } });
  assert.equal(inline.map((p) => p.path), ['$.exporters.a.tls.passphrase']);
  assert.match(inline[0]!.message, /^expected an absolute file path/);
  assert.not.ok(JSON.stringify(inline).includes('hunter2'), 'the value is not shown');
  const alone = problems({ exporters: { a: otlp('https://c/v1/traces', { ca: '/s/ca.crt', passphrase: '/s/tls.pass' }) } });
  assert.equal(alone.map((p) => `${p.path}: ${p.message}`), ['$.exporters.a.tls: "passphrase" decrypts the client key: it needs "key" (and "cert")']);
});

if (pki !== null) {
  const p = pki;
  let mutual: TlsReceiver;
  test.before(async () => { mutual = await startTlsReceiver(p, true); });
  test.after(async () => { await close(mutual.server as unknown as http.Server); p.remove(); });
  const keyLine = (f: string): string => readFileSync(f, 'utf8').split('\n').find((l) => /^[A-Za-z0-9+/]{40,}/.test(l))!;
  let n = 0;
  const file = (content: unknown): string => { const f = join(p.dir, `pass-${n++}.json`); writeFileSync(f, JSON.stringify(content)); return f; };
  const text = (content: string): string => { const f = join(p.dir, `pass-${n++}.txt`); writeFileSync(f, content); return f; };

  test('AC-005 an encrypted client key (PKCS#8 and Proc-Type forms) with tls.passphrase: loaded, the passphrase never shown, mTLS export works', async () => {
    for (const key of [p.clientKeyEncrypted, p.clientKeyEncryptedLegacy]) {
      const f = file({ batch: { scheduledDelayMs: 5 }, exporters: { a: otlp(mutual.url, { ca: p.caCert, cert: p.clientCert, key, passphrase: p.passphraseFile }) } });
      const c = loadConfig(f);
      const tls = (c.exporters!.a as { tls: { passphrase: { reveal(): string; source: string } } }).tls;
      assert.is(tls.passphrase.reveal(), p.passphrase, 'the line break kubectl keeps is not part of it');
      assert.is(tls.passphrase.source, p.passphraseFile);
      assert.not.ok(JSON.stringify(c).includes(p.passphrase) || inspect(c, { depth: 10 }).includes(p.passphrase));
      const logs: string[] = [];
      const t = tracerFromConfig({ path: f, env: {}, watch: false, logger: (m) => logs.push(m) });
      assert.is(t.configStats().lastError, null, logs.join('\n'));
      const before = mutual.requests.length;
      await send(t);
      assert.is(mutual.requests.length, before + 1, logs.join('\n'));
      assert.is(mutual.requests.at(-1)!.clientCn, 'tracewire-client');
      assert.not.ok(logs.join('\n').includes(p.passphrase));
      await t.shutdown();
    }
  });

  test('AC-005 a missing, unreadable, empty or wrong passphrase is TW_CONFIG_TLS at load, naming the JSON path, never the passphrase or key', () => {
    const wrong = 'xyzzy plugh';
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ key: p.clientKeyEncrypted }, '$.exporters.a.tls.key', /client key .* is encrypted .*no passphrase: add "passphrase"/],
      [{ key: p.clientKeyEncryptedLegacy }, '$.exporters.a.tls.key', /is encrypted/],
      [{ key: p.clientKeyEncrypted, passphrase: text(wrong + '\n') }, '$.exporters.a.tls.passphrase', /the passphrase in .* does not decrypt the client key/],
      [{ key: p.clientKeyEncryptedLegacy, passphrase: text(wrong) }, '$.exporters.a.tls.passphrase', /does not decrypt the client key/],
      [{ key: p.clientKeyEncrypted, passphrase: join(p.dir, 'no-such-pass') }, '$.exporters.a.tls.passphrase', /passphrase file \(no such file; the value is not shown, it may be the passphrase itself\) is unusable \(ENOENT\)/],
      [{ key: p.clientKeyEncrypted, passphrase: text('\n') }, '$.exporters.a.tls.passphrase', /is unusable \(empty\)/],
      [{ key: p.clientKeyEncrypted, passphrase: text(`${p.passphrase}\nsecond line\n`) }, '$.exporters.a.tls.passphrase', /is unusable \(more than one line\)/],
    ];
    for (const [tls, path, why] of cases) {
      const f = file({ exporters: { a: otlp(mutual.url, { ca: p.caCert, cert: p.clientCert, ...tls }) } });
      try { loadConfig(f); assert.unreachable(`accepted ${JSON.stringify(tls)}`); } catch (e) {
        if (!isConfigError(e)) throw e;
        assert.is(e.code, 'TW_CONFIG_TLS', e.message);
        assert.is(e.problems[0]!.path, path, e.message);
        assert.match(e.message, why);
        for (const secret of [wrong, p.passphrase, keyLine(p.clientKeyEncrypted), keyLine(p.clientKeyEncryptedLegacy)]) assert.not.ok(e.message.includes(secret) || JSON.stringify(e.problems).includes(secret), 'no secret in the error');
      }
    }
  });

  test('AC-005 a passphrase written in place of its file\'s path that reads as an absolute path (a base64 passphrase may start with /): TW_CONFIG_TLS at tls.passphrase, the value never shown', () => {
    const secret = '/q3K8wPZx9aLm+Tr0vB2cN5eYh7jU1sD4fG6kI8oP0=';
    const f = file({ exporters: { a: otlp(mutual.url, { ca: p.caCert, cert: p.clientCert, key: p.clientKeyEncrypted, passphrase: secret }) } });
    try { loadConfig(f); assert.unreachable('accepted'); } catch (e) {
      if (!isConfigError(e)) throw e;
      assert.is(e.code, 'TW_CONFIG_TLS', e.message);
      assert.is(e.problems[0]!.path, '$.exporters.a.tls.passphrase');
      assert.match(e.message, /passphrase file \(.*not shown.*\) is unusable \(ENOENT\)/);
      assert.not.ok(e.message.includes(secret) || JSON.stringify(e.problems).includes(secret) || inspect(e).includes(secret), 'not in the error');
    }
    const logs: string[] = [];
    const t = tracerFromConfig({ path: f, env: {}, watch: false, logger: (m) => logs.push(m) });
    assert.is(t.configStats().lastError, 'TW_CONFIG_TLS');
    assert.not.ok(logs.join('\n').includes(secret) || JSON.stringify(t.configStats()).includes(secret), 'not in logs or configStats()');
    return t.shutdown({ deadlineMs: 0 });
  });

  test('AC-005 tracerFromConfig with a wrong passphrase: the host keeps running on defaults (strict: throws TW_CONFIG_TLS); a reload that breaks the passphrase keeps the last good exporter', async () => {
    const wrongFile = text('not it\n');
    const bad = file({ exporters: { a: otlp(mutual.url, { ca: p.caCert, cert: p.clientCert, key: p.clientKeyEncrypted, passphrase: wrongFile }) } });
    const logs: string[] = [];
    const t0 = tracerFromConfig({ path: bad, env: {}, watch: false, logger: (m) => logs.push(m) });
    assert.is(t0.configStats().lastError, 'TW_CONFIG_TLS');
    assert.match(logs.join('\n'), /config not applied \(TW_CONFIG_TLS\): .*tls\.passphrase: the passphrase in .* does not decrypt the client key/);
    await t0.shutdown({ deadlineMs: 0 });
    assert.throws(() => tracerFromConfig({ path: bad, env: {}, watch: false, strict: true, logger: () => {} }), (e: unknown) => isConfigError(e) && e.code === 'TW_CONFIG_TLS');

    const passFile = text(p.passphrase + '\n');
    const f = file({ batch: { scheduledDelayMs: 5 }, exporters: { a: otlp(mutual.url, { ca: p.caCert, cert: p.clientCert, key: p.clientKeyEncrypted, passphrase: passFile }) } });
    const t = tracerFromConfig({ path: f, env: {}, watch: false, logger: (m) => logs.push(m) });
    const before = mutual.requests.length;
    await send(t);
    writeFileSync(passFile, 'rotated too early\n'); // the Secret's passphrase changed, its key not yet
    const ev = await t.reload();
    assert.is(ev?.ok, false, 'a changed passphrase file is a change, checked like the key');
    assert.is(ev!.error!.code, 'TW_CONFIG_TLS');
    assert.is(ev!.error!.problems[0]!.path, '$.exporters.a.tls.passphrase');
    await send(t);
    assert.is(mutual.requests.length, before + 2, 'the last good exporter keeps sending');
    assert.is(t.stats().dropped.exportFailed, 0);
    writeFileSync(passFile, p.passphrase); // without the line break: the same passphrase, so the config in effect again
    assert.is(await t.reload(), null);
    assert.is(t.configStats().fileRejected, false);
    assert.not.ok(logs.join('\n').includes(p.passphrase) || logs.join('\n').includes('rotated too early'), 'no passphrase in logs');
    await t.shutdown();
  });

  test('AC-005 exportThread: the passphrase reaches the export thread\'s exporter with the key', async () => {
    const f = file({ exportThread: true, batch: { scheduledDelayMs: 5 }, exporters: { a: otlp(mutual.url, { ca: p.caCert, cert: p.clientCert, key: p.clientKeyEncrypted, passphrase: p.passphraseFile }) } });
    const logs: string[] = [];
    const t = tracerFromConfig({ path: f, env: {}, watch: false, logger: (m) => logs.push(m) });
    assert.ok(t.thread !== null, logs.join('\n'));
    const before = mutual.requests.length;
    for (let i = 0; i < 3; i++) t.startSpan('op', { root: true }).end();
    await t.shutdown({ deadlineMs: 5000 });
    assert.ok(mutual.requests.length > before, logs.join('\n'));
    assert.ok(mutual.requests.slice(before).every((q) => q.clientCn === 'tracewire-client'));
    assert.is(t.stats().exported, 3);
    assert.not.ok(logs.join('\n').includes(p.passphrase));
  });
}

test.run();
