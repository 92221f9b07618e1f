// Cross-tenant leak through the attribute value length limit: a tenant value longer than maxValueLength is cut on
// the span, and the cut can equal another tenant's key (`acme-shadow` cut to 4 units is `acme`; `acme😀…` cut to 5 is
// `acme` too, since a cut never splits a surrogate pair). Such a value must never match a tenant route or a tenant
// sampling rate, whichever path put it on the span (start attributes, setAttribute, a child's inherited tenant, the
// queue adapter, the OpenTelemetry bridge): it takes the default route, counted. The validator refuses the tenant
// keys a cut can produce (TW_CONFIG_INVALID), so a config-built tracer never has one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as api from '@opentelemetry/api';
import { RoutingProcessor, tracerFromConfig, validateConfig, isConfigError, type RoutePlan } from '../src/config/index.js';
import { samplerFromSettings } from '../src/config/sampling.js';
import { createTracer, type Span, type Tracer } from '../src/index.js';
import { AttributePolicy } from '../src/attributes.js';
import { memoryExporter, type MemoryExporter } from '../src/exporters-local.js';
import { startPublish } from '../adapters/queue.js';
import { registerOpenTelemetry } from '../adapters/otel.js';

const EMOJI = '\u{1F600}'; // two UTF-16 code units

/** A tracer with value length limit `max` whose spans route by tenant.id: `acme` to the acme exporter, the rest to platform. */
function routed(max: number, tenants: string[] = ['acme']) {
  const ex: Record<string, MemoryExporter> = { acme: memoryExporter(), platform: memoryExporter() };
  const logs: string[] = [];
  const routing = new RoutingProcessor({ logger: (m) => logs.push(m), env: {} });
  const dest = (name: string) => ({ name, exporterKey: name, createExporter: () => ex[name]!, batch: { scheduledDelayMs: 1 } });
  const plan: RoutePlan = { tenantAttribute: 'tenant.id', tenants: Object.fromEntries(tenants.map((t) => [t, ['acme']])), default: ['platform'], all: [] };
  routing.apply([dest('acme'), dest('platform')], plan);
  const tracer = createTracer({ service: 's', env: {}, processor: routing, attributes: { maxValueLength: max }, inheritAttributes: ['tenant.id'], logger: () => {} });
  const where = async (): Promise<string[]> => {
    await tracer.forceFlush();
    const out = [...ex.acme!.spans.map((s) => `acme:${s.name}`), ...ex.platform!.spans.map((s) => `platform:${s.name}`)].sort();
    ex.acme!.spans.length = 0; ex.platform!.spans.length = 0;
    return out;
  };
  return { tracer, routing, where, logs, cut: () => (routing.stats().routing as Record<string, number>).tenantCut };
}

test('AC-005 a tenant value cut by maxValueLength to a configured tenant key (same length) never reaches that tenant\'s route, whatever path set it', async () => {
  const { tracer, where, cut, logs } = routed(4);
  const start = tracer.startSpan('start-attrs', { attributes: { 'tenant.id': 'acme-shadow' } }) as Span;
  assert.is(start.getAttribute('tenant.id'), 'acme', 'the span holds the cut value');
  start.end();
  const set = tracer.startSpan('set-attr') as Span;
  set.setAttribute('tenant.id', 'acme-shadow');
  set.end();
  // a child inherits the parent's (cut) value: not cut again, yet it is the same ambiguous value
  const parent = tracer.startSpan('parent', { attributes: { 'tenant.id': 'acme-shadow' } }) as Span;
  const child = tracer.startSpan('child', { parent }) as Span;
  assert.is(child.getAttribute('tenant.id'), 'acme');
  child.end(); parent.end();
  startPublish(tracer, {}, { system: 'rabbitmq', destination: 'orders', attributes: { 'tenant.id': 'acme-shadow' } }).end();
  const reg = registerOpenTelemetry(tracer, { api });
  try {
    const os = api.trace.getTracer('lib').startSpan('bridge');
    os.setAttribute('tenant.id', 'acme-shadow');
    os.end();
  } finally { reg(); }
  assert.equal(await where(), ['platform:bridge', 'platform:child', 'platform:parent', 'platform:publish orders', 'platform:set-attr', 'platform:start-attrs']);
  assert.is(cut(), 6, 'each counted in stats().routing.tenantCut');
  assert.is(logs.filter((m) => m.includes('tenantCut')).length, 1, 'said once');
  assert.not.ok(logs.join('\n').includes('acme-shadow'), 'the tenant value is not logged');
  await tracer.shutdown({ deadlineMs: 0 });
});

test('AC-005 a cut one unit short (it would split a surrogate pair) cannot match a tenant key one under the limit', async () => {
  const { tracer, where, cut } = routed(5);
  const s = tracer.startSpan('emoji', { attributes: { 'tenant.id': `acme${EMOJI}x` } }) as Span;
  assert.is(s.getAttribute('tenant.id'), 'acme', 'cut to 4 units, before the surrogate pair');
  s.end();
  assert.equal(await where(), ['platform:emoji']);
  assert.is(cut(), 1);
  await tracer.shutdown({ deadlineMs: 0 });
});

test('AC-005 tenants under the limit still route: a tenant two units under it, and a cut value that equals no key', async () => {
  const { tracer, where, cut } = routed(6);
  (tracer.startSpan('exact', { attributes: { 'tenant.id': 'acme' } }) as Span).end();
  (tracer.startSpan('number', { attributes: { 'tenant.id': 'acme-shadow' } }) as Span).end(); // cut to acme-s: no such tenant
  assert.equal(await where(), ['acme:exact', 'platform:number']);
  assert.is(cut(), 0, 'only a cut value that matched a tenant is counted');
  await tracer.shutdown({ deadlineMs: 0 });
});

test('AC-005 per-tenant sampling: a cut tenant value samples at the default rate, as it routes, not at the rate of the tenant it was cut to', () => {
  for (const [max, value] of [[4, 'acme-shadow'], [5, `acme${EMOJI}x`]] as const) {
    const policy = new AttributePolicy({ maxValueLength: max });
    const sampler = samplerFromSettings({ parentBased: false, probability: 0, tenants: { acme: 1 } }, 'tenant.id', policy);
    const t: Tracer = createTracer({ service: 's', env: {}, sampler, attributes: { maxValueLength: max }, logger: () => {} });
    assert.is(t.startSpan('op', { attributes: { 'tenant.id': value } }).isRecording(), false, `${JSON.stringify(value)} with maxValueLength ${max}`);
    assert.is(t.startSpan('op', { attributes: { 'tenant.id': 'globex' } }).isRecording(), false);
  }
  const policy = new AttributePolicy({ maxValueLength: 6 });
  const t = createTracer({ service: 's', env: {}, sampler: samplerFromSettings({ parentBased: false, probability: 0, tenants: { acme: 1 } }, 'tenant.id', policy), attributes: { maxValueLength: 6 }, logger: () => {} });
  assert.is(t.startSpan('op', { attributes: { 'tenant.id': 'acme' } }).isRecording(), true, 'a tenant two units under the limit keeps its rate');
});

test('AC-005 the validator refuses (TW_CONFIG_INVALID) a tenant key a longer value can be cut to: the limit\'s length or one under it', () => {
  const exporters = { a: { type: 'console' }, b: { type: 'console' } };
  for (const [key, max] of [['acme', 4], ['acme', 5]] as const) {
    for (const c of [{ exporters, routes: { tenants: { [key]: ['b'] }, default: ['a'] }, limits: { maxAttributeValueLength: max } }, { sampler: { tenants: { [key]: 0.5 } }, limits: { maxAttributeValueLength: max } }]) {
      const ps = validateConfig(c);
      assert.is(ps.length, 1, JSON.stringify(c));
      assert.match(ps[0]!.path, /^\$\.(routes|sampler)\.tenants\.acme$/);
      assert.match(ps[0]!.message, new RegExp(`^is 4 chars, (the length of|1 under) limits\\.maxAttributeValueLength \\(${max}\\): a longer ${'tenant\\.id'} `));
    }
  }
  assert.equal(validateConfig({ exporters, routes: { tenants: { acme: ['b'] }, default: ['a'] }, limits: { maxAttributeValueLength: 6 } }), []);
  // through tracerFromConfig (strict): refused at load, with the stable code
  const dir = mkdtempSync(join(tmpdir(), 'tw-tenant-cut-'));
  const p = join(dir, 'config.json');
  writeFileSync(p, JSON.stringify({ exporters, routes: { tenants: { acme: ['b'] }, default: ['a'] }, limits: { maxAttributeValueLength: 4 } }));
  try { tracerFromConfig({ path: p, env: {}, watch: false, strict: true, logger: () => {} }); assert.unreachable('accepted'); } catch (e) {
    if (!isConfigError(e)) throw e;
    assert.is(e.code, 'TW_CONFIG_INVALID');
    assert.is(e.problems[0]!.path, '$.routes.tenants.acme');
  }
});

test('AC-005 the validator\'s refusal says why this tenant is refused: at the limit, a longer value is cut to it; one under, only a longer value whose next character takes 2 units (an emoji) is cut to it; either way this tenant\'s own spans match no route or rate', () => {
  const exporters = { a: { type: 'console' }, b: { type: 'console' } };
  const msg = (max: number): string => validateConfig({ exporters, routes: { tenants: { acme: ['b'] }, default: ['a'] }, limits: { maxAttributeValueLength: max } })[0]!.message;
  const at = msg(4);
  assert.match(at, /^is 4 chars, the length of limits\.maxAttributeValueLength \(4\): a longer tenant\.id is cut to 4 UTF-16 code units on spans/);
  const under = msg(5);
  assert.match(under, /^is 4 chars, 1 under limits\.maxAttributeValueLength \(5\): a longer tenant\.id whose next character takes 2 UTF-16 code units \(an emoji\) is cut before it, to 4 units, on spans/);
  assert.not.match(under, /cut to 5/, 'a value cut to 5 units never equals a 4-unit tenant: not the reason');
  for (const m of [at, under]) {
    assert.match(m, /this tenant's own spans included/, m);
    assert.match(m, /the limit to 6 or more$/, m);
  }
});

test.run();
