// AC-005: an exporter's `tls` in the Kubernetes-mounted config (CA, client certificate and key as files of a
// mounted Secret): validated, read with the config, never printed, and re-read on reload, so a rotated certificate
// Secret reaches the running exporter; an unusable version is refused (TW_CONFIG_TLS) and the last good one stays.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inspect } from 'node:util';
import { loadConfig, tracerFromConfig, validateConfig, isConfigError, type ConfiguredTracer } from '../src/config/index.js';
import type { Span } from '../src/index.js';
import { close } from './helpers/net.js';
import { makePki, sendSpans as send, startTlsReceiver, type TlsReceiver } from './helpers/certs.js';
import { KubeletVolume, reloadEvents } from './helpers/kubelet-volume.js';

const pki = makePki();
if (pki === null) console.log('SKIP config-tls (TLS files part): the openssl CLI is needed to make test certificates');

const otlp = (url: string, tls?: Record<string, string>) => (tls ? { type: 'otlp', url, tls } : { type: 'otlp', url });
const problems = (v: unknown): string[] => validateConfig(v).map((p) => `${p.path}: ${p.message}`);

test('AC-005 validation: tls holds absolute file paths, cert and key together, https only; typos named', () => {
  assert.equal(problems({ exporters: { a: otlp('https://c:4318/v1/traces', { ca: '/s/ca.crt', cert: '/s/tls.crt', key: '/s/tls.key' }) } }), []);
  assert.equal(problems({ exporters: { a: { type: 'otlp', endpoint: 'https://c:4318', tls: { ca: '/s/ca.crt' } } } }), []);
  const p = problems({ exporters: {
    a: otlp('http://c:4318/v1/traces', { ca: '/s/ca.crt' }),
    b: otlp('https://c:4318/v1/traces', { cert: '/s/tls.crt' }),
  } });
  assert.equal(p, [
    '$.exporters.a.tls: applies to an https:// url only (this one is plain http://): use https:// or remove tls',
    '$.exporters.b.tls: "cert" and "key" go together (the client certificate and its private key, for mTLS): missing "key"',
  ]);
  assert.match(problems({ exporters: { a: otlp('https://c/v1/traces', { crt: '/s/tls.crt' }) } })[0]!, /^\$\.exporters\.a\.tls\.crt: unknown key; did you mean "cert"\?/);
  assert.match(problems({ exporters: { a: otlp('https://c/v1/traces', { ca: 'ca.crt' }) } })[0]!, /^\$\.exporters\.a\.tls\.ca: expected an absolute file path/);
  assert.match(problems({ exporters: { a: { type: 'otlp', url: 'https://c/v1/traces', tls: '/s/ca.crt' } } })[0]!, /^\$\.exporters\.a\.tls: expected an object like \{ "ca"/);
});

if (pki !== null) {
  const p = pki;
  let mutual: TlsReceiver;
  test.before(async () => { mutual = await startTlsReceiver(p, true); });
  test.after(async () => { await close(mutual.server as unknown as http.Server); p.remove(); });

  test('AC-005 loadConfig reads the PEM files; their content never shows in JSON.stringify / inspect; an unusable file is TW_CONFIG_TLS naming path and file', () => {
    const f = join(p.dir, 'load.json');
    writeFileSync(f, JSON.stringify({ exporters: { a: otlp(mutual.url, { ca: p.caCert, cert: p.clientCert, key: p.clientKey }) } }));
    const c = loadConfig(f);
    const tls = (c.exporters!.a as { tls: { ca: { reveal(): string; source: string }; key: { reveal(): string } } }).tls;
    assert.is(tls.ca.reveal(), readFileSync(p.caCert, 'utf8'));
    assert.is(tls.ca.source, p.caCert);
    const keyLine = readFileSync(p.clientKey, 'utf8').split('\n')[1]!;
    assert.not.ok(JSON.stringify(c).includes(keyLine) || inspect(c, { depth: 10 }).includes(keyLine));
    const bad: [Record<string, string>, string, RegExp][] = [
      [{ ca: join(p.dir, 'nope.crt') }, '$.exporters.a.tls.ca', /CA certificate file .*nope\.crt is unusable \(ENOENT\)/],
      [{ ca: p.caCert, cert: p.clientCert, key: p.serverKey }, '$.exporters.a.tls', /key values mismatch/],
      [{ ca: p.clientKey }, '$.exporters.a.tls.ca', /no "-----BEGIN CERTIFICATE-----" block/],
    ];
    for (const [t, path, why] of bad) {
      writeFileSync(f, JSON.stringify({ exporters: { a: otlp(mutual.url, t) } }));
      try { loadConfig(f); assert.unreachable(); } catch (e) {
        if (!isConfigError(e)) throw e;
        assert.is(e.code, 'TW_CONFIG_TLS');
        assert.is(e.problems[0]!.path, path);
        assert.match(e.message, why);
        assert.not.ok(e.message.includes(keyLine));
      }
    }
  });

  test('AC-005 mTLS from the config file; a rotated certificate Secret is used after the kubelet swap; a broken rotation is refused and the last good certificate stays', async () => {
    const conf = new KubeletVolume(join(p.dir, 'k8s', 'config'));
    const sec = new KubeletVolume(join(p.dir, 'k8s', 'tls'));
    const secret = (cert: string, key: string) => ({ 'ca.crt': readFileSync(p.caCert, 'utf8'), 'tls.crt': readFileSync(cert, 'utf8'), 'tls.key': readFileSync(key, 'utf8') });
    sec.write(secret(p.clientCert, p.clientKey));
    conf.write({ 'config.json': JSON.stringify({ batch: { scheduledDelayMs: 5 }, exporters: { a: otlp(mutual.url, { ca: join(sec.dir, 'ca.crt'), cert: join(sec.dir, 'tls.crt'), key: join(sec.dir, 'tls.key') }) } }) });
    const ev = reloadEvents();
    const logs: string[] = [];
    // pollMs 0: only watcher events on the Secret's directory can bring the rotation
    const t = tracerFromConfig({ path: join(conf.dir, 'config.json'), env: {}, logger: (m) => logs.push(m), onReload: ev.onReload, debounceMs: 20, pollMs: 0 });
    assert.equal(t.configStats().watching.sort(), [conf.dir, sec.dir].sort());
    assert.is(t.configStats().subPath, false);
    const before = mutual.requests.length;
    await send(t);
    assert.is(mutual.requests.length, before + 1, logs.join('\n'));
    assert.is(mutual.requests.at(-1)!.clientCn, 'tracewire-client');

    sec.write(secret(p.rotatedCert, p.rotatedKey));
    const e = await ev.next('certificate rotated');
    assert.ok(e.ok, e.error?.message);
    await send(t);
    assert.is(mutual.requests.at(-1)!.clientCn, 'rotated-client');

    // a half-written rotation (new certificate, old key): refused, the rotated pair stays in use
    sec.write(secret(p.clientCert, p.rotatedKey));
    const e2 = await ev.next('mismatched pair');
    assert.is(e2.ok, false);
    assert.is(e2.error!.code, 'TW_CONFIG_TLS');
    assert.match(e2.error!.message, /key values mismatch/);
    assert.is(t.configStats().fileRejected, true);
    await send(t);
    assert.is(mutual.requests.at(-1)!.clientCn, 'rotated-client');
    assert.is(mutual.requests.length, before + 3);
    const s = t.stats();
    assert.is(s.dropped.exportFailed, 0);
    assert.ok(logs.some((l) => /config reload rejected \(TW_CONFIG_TLS\)/.test(l)));
    assert.not.ok(logs.join('\n').includes(readFileSync(p.rotatedKey, 'utf8').split('\n')[1]!), 'no key material in logs');
    await t.shutdown();
  });

  test('AC-005 exportThread: the file\'s tls reaches the export thread\'s exporter (PEM text in its spec)', async () => {
    const f = join(p.dir, 'thread.json');
    writeFileSync(f, JSON.stringify({ exportThread: true, batch: { scheduledDelayMs: 5 }, exporters: { a: otlp(mutual.url, { ca: p.caCert, cert: p.clientCert, key: p.clientKey }) } }));
    const logs: string[] = [];
    const t = tracerFromConfig({ path: f, env: {}, watch: false, logger: (m) => logs.push(m) });
    assert.ok(t.thread !== null, 'the export thread runs');
    const before = mutual.requests.length;
    for (let i = 0; i < 3; i++) t.startSpan('op', { root: true }).end();
    await t.shutdown({ deadlineMs: 5000 });
    assert.ok(mutual.requests.length > before, logs.join('\n'));
    assert.ok(mutual.requests.slice(before).every((q) => q.clientCn === 'tracewire-client'));
    assert.is(t.stats().exported, 3);
  });

  test('AC-005 no exporters in the file: the OTEL_* exporter takes OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE / CLIENT_*', async () => {
    const f = join(p.dir, 'env-only.json');
    writeFileSync(f, JSON.stringify({ batch: { scheduledDelayMs: 5 } }));
    const logs: string[] = [];
    const t = tracerFromConfig({ path: f, watch: false, logger: (m) => logs.push(m), env: {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: mutual.url, OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: p.caCert, OTEL_EXPORTER_OTLP_CERTIFICATE: p.otherCaCert,
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: p.clientCert, OTEL_EXPORTER_OTLP_CLIENT_KEY: p.clientKey,
    } });
    const before = mutual.requests.length;
    await send(t);
    assert.is(mutual.requests.length, before + 1, logs.join('\n'));
    assert.is(mutual.requests.at(-1)!.clientCn, 'tracewire-client');
    await t.shutdown();
  });

  test('AC-005 no exporters in the file: the OTEL_EXPORTER_OTLP_* PEM files are watched with the config; a rotated certificate Secret rebuilds the exporter, as the file\'s tls does', async () => {
    const conf = new KubeletVolume(join(p.dir, 'k8s-env', 'config'));
    const sec = new KubeletVolume(join(p.dir, 'k8s-env', 'tls'));
    const secret = (cert: string, key: string) => ({ 'ca.crt': readFileSync(p.caCert, 'utf8'), 'tls.crt': readFileSync(cert, 'utf8'), 'tls.key': readFileSync(key, 'utf8') });
    sec.write(secret(p.clientCert, p.clientKey));
    conf.write({ 'config.json': JSON.stringify({ batch: { scheduledDelayMs: 5 } }) });
    const ev = reloadEvents();
    const logs: string[] = [];
    const env = {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: mutual.url, OTEL_EXPORTER_OTLP_CERTIFICATE: join(sec.dir, 'ca.crt'),
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: join(sec.dir, 'tls.crt'), OTEL_EXPORTER_OTLP_CLIENT_KEY: join(sec.dir, 'tls.key'),
    };
    // pollMs 0: only watcher events on the Secret's directory can bring the rotation
    const t = tracerFromConfig({ path: join(conf.dir, 'config.json'), env, logger: (m) => logs.push(m), onReload: ev.onReload, debounceMs: 20, pollMs: 0 });
    assert.equal(t.configStats().watching.sort(), [conf.dir, sec.dir].sort());
    const keyLine = (f: string): string => readFileSync(f, 'utf8').split('\n')[1]!;
    assert.not.ok(JSON.stringify(t.config).includes(keyLine(p.clientKey)) || inspect(t.config, { depth: 10 }).includes(keyLine(p.clientKey)));
    const before = mutual.requests.length;
    await send(t);
    assert.is(mutual.requests.length, before + 1, logs.join('\n'));
    assert.is(mutual.requests.at(-1)!.clientCn, 'tracewire-client');

    sec.write(secret(p.rotatedCert, p.rotatedKey));
    const e = await ev.next('certificate rotated');
    assert.ok(e.ok, e.error?.message);
    assert.equal(e.restartRequired, []);
    await send(t);
    assert.is(mutual.requests.length, before + 2, logs.join('\n'));
    assert.is(mutual.requests.at(-1)!.clientCn, 'rotated-client');
    assert.is(t.stats().dropped.exportFailed, 0);
    assert.not.ok(logs.join('\n').includes(keyLine(p.rotatedKey)), 'no key material in logs');
    await t.shutdown();
  });

  test('AC-005 exportThread without exporters in the file: a rotated OTEL_EXPORTER_OTLP_* certificate is reported as needing a restart, like the file\'s tls', async () => {
    const dir = join(p.dir, 'env-thread');
    mkdirSync(dir);
    const [crt, key] = [join(dir, 'tls.crt'), join(dir, 'tls.key')];
    writeFileSync(crt, readFileSync(p.clientCert)); writeFileSync(key, readFileSync(p.clientKey));
    const f = join(dir, 'config.json');
    writeFileSync(f, JSON.stringify({ exportThread: true }));
    const logs: string[] = [];
    const t = tracerFromConfig({ path: f, watch: false, logger: (m) => logs.push(m), env: {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: mutual.url, OTEL_EXPORTER_OTLP_CERTIFICATE: p.caCert, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: crt, OTEL_EXPORTER_OTLP_CLIENT_KEY: key,
    } });
    assert.ok(t.thread !== null, logs.join('\n'));
    writeFileSync(crt, readFileSync(p.rotatedCert)); writeFileSync(key, readFileSync(p.rotatedKey));
    const e = await t.reload();
    assert.ok(e !== null && e.ok, 'the rotation is seen');
    assert.equal(e!.restartRequired, ['exporters']);
    await t.shutdown({ deadlineMs: 1000 });
  });

  test('AC-005 an OTEL_EXPORTER_OTLP_CLIENT_KEY holding PEM text instead of a path is neither watched nor logged (the exporter reports it, as without a config file)', async () => {
    const f = join(p.dir, 'env-pem-text.json');
    writeFileSync(f, JSON.stringify({}));
    const logs: string[] = [];
    const pem = readFileSync(p.clientKey, 'utf8');
    const t = tracerFromConfig({ path: f, logger: (m) => logs.push(m), pollMs: 0, env: {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: mutual.url, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: p.clientCert, OTEL_EXPORTER_OTLP_CLIENT_KEY: pem,
    } });
    assert.equal(t.configStats().watching.sort(), [p.dir, dirname(p.clientCert)].filter((d, i, a) => a.indexOf(d) === i).sort());
    (t.startSpan('op') as Span).end();
    await t.forceFlush();
    assert.is(t.stats().dropped.exportFailed, 1);
    assert.not.ok(logs.join('\n').includes(pem.split('\n')[1]!), 'no key material in logs');
    await t.shutdown();
  });
}

test.run();
