// The five mistakes a newcomer most likely makes, and what tracewire tells them: each message names the
// problem and the fix, and none of them throws into a request (startSpan, span end).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTracer, memoryExporter, otlpExporter, probability, samplerFromEnv, type Sampler } from '../src/index.js';
import { tracerFromConfig } from '../src/config/index.js';

const capture = (): { logs: string[]; logger: (m: string) => void } => {
  const logs: string[] = [];
  return { logs, logger: (m) => { logs.push(m); } };
};

test('no exporter configured: spans are counted as noExporter and the first drop says how to add one', async () => {
  const { logs, logger } = capture();
  const tracer = createTracer({ service: 'orders', logger });
  tracer.startSpan('a').end();
  tracer.startSpan('b').end();
  await tracer.forceFlush();
  assert.is(tracer.stats().dropped.noExporter, 2);
  assert.is(logs.length, 1, logs.join('\n')); // once, not per span
  assert.match(logs[0]!, /no exporter/);
  assert.match(logs[0]!, /stats\(\)\.dropped\.noExporter/);
  assert.match(logs[0]!, /exporter: otlpExporter\(\)/);
});

test('AC-007 an exporter that is not one (the factory itself, a Promise, an options object) is said at once: its spans would be dropped with no word', async () => {
  const cases: [unknown, RegExp][] = [
    [otlpExporter, /a function.*otlpExporter\(\)/],
    [Promise.resolve(memoryExporter()), /a Promise.*await/],
    [{ url: 'http://collector:4318' }, /an object without export\(\)/],
  ];
  for (const [exporter, hint] of cases) {
    const { logs, logger } = capture();
    const tracer = createTracer({ service: 'orders', exporter: exporter as never, logger, env: {} });
    tracer.startSpan('a').end();
    await tracer.shutdown({ deadlineMs: 0 });
    assert.is(tracer.stats().dropped.noExporter, 1);
    assert.is(logs.length, 1, logs.join('\n'));
    assert.match(logs[0]!, /exporter #0 is not a span exporter/);
    assert.match(logs[0]!, hint);
    assert.match(logs[0]!, /stats\(\)\.dropped\.noExporter/);
  }
  // A skipped entry (a conditional one left undefined) is no mistake; a bad one next to a good one is still said.
  const { logs, logger } = capture();
  const mem = memoryExporter();
  const tracer = createTracer({ service: 'orders', exporter: [mem, undefined, { export: 'no' }] as never, logger, env: {} });
  tracer.startSpan('a').end();
  await tracer.shutdown({ deadlineMs: 1000 });
  assert.is(mem.spans.length, 1);
  assert.is(logs.length, 1, logs.join('\n'));
  assert.match(logs[0]!, /exporter #2 is not a span exporter/);
});

test('a bad OTLP url: the error shows the url as typed and an example of a good one', () => {
  for (const url of ['localhost:4318', 'htp://collector:4318/v1/traces']) {
    try {
      otlpExporter({ url, logger: () => {} });
      assert.unreachable(url);
    } catch (e) {
      const err = e as Error & { code?: string };
      assert.is(err.code, 'TW_ERR_CONFIG');
      assert.ok(err.message.includes(JSON.stringify(url)), err.message); // was "null4318" / "null/v1/traces"
      assert.ok(err.message.includes('"http://localhost:4318/v1/traces"'), err.message);
    }
  }
  // credentials in a url that is wrong anyway are still not echoed
  try { otlpExporter({ url: 'ftp://user:secret@h/x?token=t', logger: () => {} }); assert.unreachable(); } catch (e) {
    assert.not.match((e as Error).message, /secret|token=t/);
  }
});

test('an OTLP url without a path is used as-is, with a warning naming the collector path', () => {
  const { logs, logger } = capture();
  const e = otlpExporter({ url: 'http://collector:4318', logger });
  assert.is(e.url, 'http://collector:4318/');
  assert.equal(logs.filter((m) => m.includes('no path')).length, 1, logs.join('\n'));
  assert.ok(logs.some((m) => m.includes('"http://collector:4318/v1/traces"')), logs.join('\n'));
  const quiet = capture();
  otlpExporter({ url: 'http://collector:4318/v1/traces', logger: quiet.logger });
  assert.equal(quiet.logs, []);
});

test('a bad OTEL_EXPORTER_OTLP_ENDPOINT: the warning shows the value it ignores', () => {
  const { logs, logger } = capture();
  otlpExporter({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, logger });
  assert.ok(logs.some((m) => m.includes('OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318" is not an http(s) URL')), logs.join('\n'));
});

test('a config file with a typo\'d key: the log names the JSON path and the key meant, and tracing goes on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-newcomer-'));
  try {
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ service: { name: 'orders' }, batch: { maxQueSize: 10 }, exporters: { c: { type: 'console' } } }));
    const { logs, logger } = capture();
    const tracer = tracerFromConfig({ path, logger, watch: false });
    assert.ok(logs.some((m) => m.includes('TW_CONFIG_INVALID') && m.includes('$.batch.maxQueSize: unknown key; did you mean "maxQueueSize"?')), logs.join('\n'));
    tracer.startSpan('still traced').end();
    assert.is(tracer.stats().ended, 1);
    void tracer.shutdown({ deadlineMs: 0 });
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a wrong sampler value: createTracer refuses a non-sampler at startup instead of leaving every span unsampled', () => {
  for (const bad of ['always_on', 0.5, null, {}]) {
    try {
      createTracer({ sampler: bad as unknown as Sampler, logger: () => {} });
      assert.unreachable(String(bad));
    } catch (e) {
      const err = e as TypeError & { code?: string };
      assert.instance(err, TypeError);
      assert.is(err.code, 'TW_ERR_CONFIG');
      assert.match(err.message, /sampler must be a Sampler such as alwaysOn, alwaysOff, probability\(0\.1\)/);
    }
  }
  assert.throws(() => createTracer({ sampler: 'always_on' as unknown as Sampler }), /"always_on" \(a string; OTEL_TRACES_SAMPLER names go through samplerFromEnv\(\)\)/);
  assert.throws(() => probability('0.5' as unknown as number), /probability\("0\.5"\): expected a number in \[0, 1\], got a string/);
  const { logs, logger } = capture();
  samplerFromEnv({ OTEL_TRACES_SAMPLER: 'probabilty' }, logger);
  assert.match(logs[0]!, /"probabilty" is not supported \(one of always_on, always_off, traceidratio, parentbased_always_on/);
});

test('startSpan with a non-string name: no throw, String(name) is used, counted in invalidNames and said once', async () => {
  const { logs, logger } = capture();
  const exporter = memoryExporter();
  const tracer = createTracer({ service: 'orders', exporter, logger });
  tracer.startSpan(42 as unknown as string).end();
  tracer.startSpan(Object.create(null) as string).end(); // String() throws for it
  tracer.startSpan('fine').end();
  await tracer.forceFlush();
  assert.equal(exporter.spans.map((s) => s.name), ['42', 'unknown', 'fine']);
  assert.is(tracer.stats().invalidNames, 2);
  assert.is(logs.length, 1, logs.join('\n'));
  assert.match(logs[0]!, /startSpan\(name\): the name must be a string, got number; the span is named "42" \(counted in stats\(\)\.invalidNames\)/);
});

test.run();
