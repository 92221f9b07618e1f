// AC-005: without `exporters` in the file, the OTEL_EXPORTER_OTLP_*CERTIFICATE / CLIENT_* files are read and watched
// with the config, only when they can matter (an https:// endpoint), and a variable holding PEM text instead of a path
// never reaches the config object a user may print.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { tracerFromConfig } from '../src/config/index.js';
import type { SpanExporter } from '../src/index.js';
import type { Span } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'tw-env-tls-'));
const fakePem = (label: string, line: string): string => `-----BEGIN ${label}-----\n${line}\n-----END ${label}-----\n`;

test('AC-005 http:// OTEL_* endpoint: its CERTIFICATE file is not read or watched with the config, so rewriting it rebuilds nothing (the exporter ignores TLS on http://)', async () => {
  const conf = join(root, 'http-conf'), sec = join(root, 'http-tls');
  mkdirSync(conf); mkdirSync(sec);
  writeFileSync(join(conf, 'config.json'), '{}');
  const ca = join(sec, 'ca.crt');
  writeFileSync(ca, fakePem('CERTIFICATE', 'AAAA'));
  let built = 0;
  const stub: SpanExporter = { name: 'stub', export: async () => ({ code: 0 }) } as unknown as SpanExporter;
  const t = tracerFromConfig({
    path: join(conf, 'config.json'), pollMs: 0, watch: false, logger: () => {},
    env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces', OTEL_EXPORTER_OTLP_CERTIFICATE: ca },
    exporterFactories: { otlp: () => { built++; return stub; } },
  });
  assert.is(built, 1);
  assert.is(t.config.envTls, null, 'no PEM read for a plain http:// exporter');
  writeFileSync(ca, fakePem('CERTIFICATE', 'BBBB'));
  const ev = await t.reload();
  assert.is(ev, null, 'a rewritten CA of an http:// exporter is no config change');
  assert.is(built, 1, 'the exporter was not rebuilt');
  assert.equal(t.configStats().restartRequired, []);
  await t.shutdown();
});

test('AC-005 http:// OTEL_* endpoint: its CERTIFICATE directory is not watched', async () => {
  const conf = join(root, 'http-conf2'), sec = join(root, 'http-tls2');
  mkdirSync(conf); mkdirSync(sec);
  writeFileSync(join(conf, 'config.json'), '{}');
  const ca = join(sec, 'ca.crt');
  writeFileSync(ca, fakePem('CERTIFICATE', 'AAAA'));
  const t = tracerFromConfig({
    path: join(conf, 'config.json'), pollMs: 0, logger: () => {},
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_CERTIFICATE: ca },
  });
  assert.equal(t.configStats().watching, [conf]);
  await t.shutdown();
});

test('AC-005 an OTEL_EXPORTER_OTLP_CLIENT_KEY holding PEM text: never in JSON.stringify / inspect of tracer.config; the exporter still fails each export (failedTls), as without a config file', async () => {
  const conf = join(root, 'pem-text');
  mkdirSync(conf);
  writeFileSync(join(conf, 'config.json'), '{}');
  const logs: string[] = [];
  const t = tracerFromConfig({
    path: join(conf, 'config.json'), pollMs: 0, watch: false, logger: (m) => logs.push(m),
    env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://127.0.0.1:9/v1/traces', OTEL_EXPORTER_OTLP_CLIENT_KEY: fakePem('PRIVATE KEY', 'KEYMATERIALLINE') },
  });
  assert.not.ok(JSON.stringify(t.config).includes('KEYMATERIALLINE'), 'JSON.stringify(tracer.config)');
  assert.not.ok(inspect(t.config, { depth: 10 }).includes('KEYMATERIALLINE'), 'inspect(tracer.config)');
  (t.startSpan('op') as Span).end();
  await t.forceFlush();
  assert.is(t.stats().dropped.exportFailed, 1, logs.join('\n'));
  assert.not.ok(logs.join('\n').includes('KEYMATERIALLINE'), 'no key material in logs');
  await t.shutdown();
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
