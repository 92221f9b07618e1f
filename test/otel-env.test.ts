// OTEL_* conformance with the SDK environment variable spec (configuration/sdk-environment-variables.md,
// protocol/exporter.md): what the readers make of values other tests leave out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { otlpFromEnv, bspFromEnv, MAX_TIMER_MS } from '../src/otlp-env.js';
import { resolveOtlpOptions } from '../src/otlp-options.js';
import { BatchSpanProcessor } from '../src/batcher.js';
import { memoryExporter } from '../src/memory-exporter.js';
import { createTracer } from '../src/tracer.js';
import { tracerFromConfig } from '../src/config/build.js';
import { alwaysOn, samplerFromEnv } from '../src/sampler.js';
import { envExporters } from '../src/config/exporters.js';

test('Timeout variables: 0 means no limit (spec "Timeout": indefinite, or the largest 32-bit duration), without a warning', () => {
  const warn: string[] = [];
  const w = (m: string) => warn.push(m);
  assert.equal(otlpFromEnv({ OTEL_EXPORTER_OTLP_TIMEOUT: '0' }, w), { timeoutMs: MAX_TIMER_MS });
  assert.equal(otlpFromEnv({ OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: ' 0 ', OTEL_EXPORTER_OTLP_TIMEOUT: '500' }, w), { timeoutMs: MAX_TIMER_MS });
  assert.equal(bspFromEnv({ OTEL_BSP_EXPORT_TIMEOUT: '0' }, w), { exportTimeoutMillis: MAX_TIMER_MS });
  assert.is(resolveOtlpOptions({ env: { OTEL_EXPORTER_OTLP_TIMEOUT: '0' }, logger: w }).timeoutMs, MAX_TIMER_MS);
  assert.is(new BatchSpanProcessor(memoryExporter(), { env: { OTEL_BSP_EXPORT_TIMEOUT: '0' }, logger: w }).exportTimeoutMillis, MAX_TIMER_MS);
  assert.equal(warn, []);
  // a negative one is still invalid: warned, the default used
  assert.equal(otlpFromEnv({ OTEL_EXPORTER_OTLP_TIMEOUT: '-1' }, w), {});
  assert.equal(bspFromEnv({ OTEL_BSP_EXPORT_TIMEOUT: '-1' }, w), {});
  assert.is(warn.length, 2);
});

test('OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL other than http/json: the warning names the variable that was set', () => {
  const warn: string[] = [];
  otlpFromEnv({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }, (m) => warn.push(m));
  otlpFromEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }, (m) => warn.push(m));
  otlpFromEnv({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'HTTP/JSON', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, (m) => warn.push(m));
  assert.is(warn.length, 2, warn.join('\n'));
  assert.ok(warn[0]!.startsWith('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="grpc"'), warn[0]);
  assert.ok(warn[1]!.startsWith('OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf"'), warn[1]);
});

test('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT (or attributes.maxCount) above 16383 is capped to it with a warning, not silently', async () => {
  const logs: string[] = [];
  const t = tracerFromConfig({ path: '/nonexistent/tracewire.json', watch: false, logger: (m) => logs.push(m), env: { OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '20000', OTEL_TRACES_EXPORTER: 'none' } });
  assert.is(t.attrPolicy.maxCount, 16383);
  assert.ok(logs.some((l) => l.startsWith('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT="20000" is above 16383')), logs.join('\n'));
  assert.is(logs.filter((l) => l.includes('16383')).length, 1, 'said once');
  await t.shutdown();
  const warn: string[] = [];
  assert.is(createTracer({ attributes: { maxCount: 16383 }, env: {}, logger: (m) => warn.push(m) }).attrPolicy.maxCount, 16383);
  assert.equal(warn, []);
  assert.is(createTracer({ attributes: { maxCount: 16384 }, env: {}, logger: (m) => warn.push(m) }).attrPolicy.maxCount, 16383);
  assert.is(warn.length, 1);
});

test('createTracer names, in one warning, the OTEL_* variables set that it ignores; not those it reads, nor other signals\' or instrumentations\'', () => {
  const warn: string[] = [];
  createTracer({ logger: (m) => warn.push(m), env: {
    OTEL_SDK_DISABLED: 'false', OTEL_PROPAGATORS: 'b3', OTEL_TRACES_SAMPLER: 'always_off', OTEL_SPAN_LINK_COUNT_LIMIT: '5', OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: '9',
    OTEL_SERVICE_NAME: 'svc', OTEL_BSP_MAX_QUEUE_SIZE: '10', OTEL_METRICS_EXPORTER: 'none', OTEL_SEMCONV_STABILITY_OPT_IN: 'http', OTEL_LOG_LEVEL: ' ',
  } });
  assert.is(warn.length, 1, warn.join('\n'));
  const w = warn[0]!;
  for (const n of ['OTEL_PROPAGATORS (W3C tracecontext only)', 'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', 'OTEL_TRACES_SAMPLER', 'OTEL_SPAN_LINK_COUNT_LIMIT']) assert.ok(w.includes(n), n);
  for (const n of ['OTEL_SERVICE_NAME', 'OTEL_BSP_', 'OTEL_METRICS_', 'OTEL_SEMCONV_', 'OTEL_LOG_LEVEL', 'OTEL_SDK_DISABLED']) assert.not.ok(w.includes(n), n);
  assert.ok(w.indexOf('OTEL_TRACES_SAMPLER') > w.indexOf('not createTracer'), w);
  assert.ok(w.indexOf('OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT') > w.indexOf('not createTracer'), 'read by tracerFromConfig: ' + w);
  // what asks for tracewire's behaviour anyway, a variable whose option is given, an empty one: nothing said
  createTracer({ logger: (m) => warn.push(m), sampler: alwaysOn, attributes: { maxLinks: 3 }, env: { OTEL_SDK_DISABLED: 'FALSE', OTEL_PROPAGATORS: ' tracecontext ', OTEL_TRACES_SAMPLER: 'always_off', OTEL_SPAN_LINK_COUNT_LIMIT: '5', OTEL_LOG_LEVEL: '' } });
  assert.is(warn.length, 1, warn.join('\n'));
  // a logger that throws does not fail the tracer
  createTracer({ logger: () => { throw new Error('logger'); }, env: { OTEL_PROPAGATORS: 'b3' } });
});

test('tracerFromConfig names the OTEL_* variables no tracewire API reads, once, and not those it reads itself', async () => {
  const logs: string[] = [];
  const t = tracerFromConfig({ path: '/nonexistent/tracewire.json', watch: false, logger: (m) => logs.push(m),
    env: { OTEL_TRACES_EXPORTER: 'none', OTEL_TRACES_SAMPLER: 'always_off', OTEL_SPAN_LINK_COUNT_LIMIT: '5', OTEL_PROPAGATORS: 'tracecontext,baggage', OTEL_CONFIG_FILE: '/etc/otel.yaml' } });
  const said = logs.filter((l) => l.includes('does not read'));
  assert.equal(said, ['OTEL_* variables tracewire does not read, ignored: OTEL_PROPAGATORS (W3C tracecontext only), OTEL_CONFIG_FILE (the config file is TRACEWIRE_CONFIG) (README: Environment variables)']);
  assert.not.ok(logs.some((l) => l.includes('not createTracer')), logs.join('\n'));
  await t.shutdown();
});

test('an env option holding numbers or null (a JS test double of process.env) is read as process.env would store it, never thrown', async () => {
  const env = { OTEL_SERVICE_NAME: 42, OTEL_RESOURCE_ATTRIBUTES: null, OTEL_BSP_SCHEDULE_DELAY: 100, OTEL_TRACES_SAMPLER: 7, OTEL_TRACES_SAMPLER_ARG: 0.5, OTEL_TRACES_EXPORTER: false, TRACEWIRE_CONFIG: 0 } as unknown as NodeJS.ProcessEnv;
  const warn: string[] = [];
  const t = createTracer({ env, exporter: memoryExporter(), logger: (m) => warn.push(m) });
  assert.is(t.resource['service.name'], '42');
  assert.is((t.processor as BatchSpanProcessor).scheduledDelayMillis, 100);
  await t.shutdown();
  samplerFromEnv(env, (m) => warn.push(m));
  assert.ok(warn.some((m) => m.startsWith('OTEL_TRACES_SAMPLER="7" is not supported')), warn.join('\n'));
  const c = tracerFromConfig({ env, watch: false, logger: (m) => warn.push(m) });
  assert.ok(warn.some((m) => m.startsWith('OTEL_TRACES_EXPORTER: "false" is not supported')), warn.join('\n'));
  await c.shutdown();
});

test('OTEL_TRACES_EXPORTER: `none` alone turns export off; in a list with exporters it is no exporter of its own, ignored with a warning (enum rule: an unrecognised value is warned about and ignored)', async () => {
  const warn: string[] = [];
  const w = (m: string) => warn.push(m);
  assert.equal(Object.keys(envExporters({ OTEL_TRACES_EXPORTER: 'none' }, w)), []);
  assert.equal(Object.keys(envExporters({ OTEL_TRACES_EXPORTER: ' NONE , none' }, w)), []);
  assert.equal(warn, [], 'none alone (or repeated) is what it says: no warning');
  assert.equal(Object.keys(envExporters({ OTEL_TRACES_EXPORTER: 'otlp,none' }, w)), ['otlp']);
  assert.equal(Object.keys(envExporters({ OTEL_TRACES_EXPORTER: 'none, console ,otlp' }, w)), ['console', 'otlp']);
  assert.is(warn.length, 2, warn.join('\n'));
  assert.match(warn[0]!, /^OTEL_TRACES_EXPORTER="otlp,none": "none" is listed with exporters; it adds none and is ignored \(otlp exports\)/);
  // the same through tracerFromConfig: the OTLP destination is built, said once
  const logs: string[] = [];
  const t = tracerFromConfig({ path: '/nonexistent/tracewire.json', watch: false, logger: (m) => logs.push(m), env: { OTEL_TRACES_EXPORTER: 'otlp,none' } });
  assert.equal(t.routing!.describe().default, ['otlp']);
  assert.is(logs.filter((l) => l.includes('"none" is listed')).length, 1, logs.join('\n'));
  await t.shutdown({ deadlineMs: 0 });
});

test.run();
