// AC-005: the JSON Schema shipped for editors and the validator agree on every key, type, range and
// format (walked side by side), and on which example files are valid.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { validateConfig } from '../src/config/index.js';
import { rootSpec, FORMAT_PATTERNS, type Spec, type StringSpec } from '../src/config/schema-keys.js';
import { schema, deref, schemaErrors, type Schema } from './config-schema-check.js';

// Walk the validator's tables and the schema together.
function compare(spec: Spec, s0: Schema, path: string, errs: string[]): void {
  const s = deref(s0);
  const eq = (what: string, a: unknown, b: unknown): void => { if (JSON.stringify(a) !== JSON.stringify(b)) errs.push(`${path}: ${what}: validator ${JSON.stringify(a)} vs schema ${JSON.stringify(b)}`); };
  switch (spec.t) {
    case 'object': {
      eq('type', 'object', s.type);
      eq('additionalProperties', false, s.additionalProperties);
      eq('keys', Object.keys(spec.keys).sort(), Object.keys(s.properties ?? {}).sort());
      eq('required', [...(spec.required ?? [])].sort(), [...(s.required ?? [])].sort());
      for (const k of Object.keys(spec.keys)) if (s.properties?.[k]) compare(spec.keys[k]!, s.properties[k], `${path}.${k}`, errs);
      return;
    }
    case 'map':
      eq('type', 'object', s.type);
      eq('maxProperties', spec.maxKeys, s.maxProperties);
      if (!s.propertyNames) errs.push(`${path}: schema has no propertyNames`);
      else compareString(spec.key, deref(s.propertyNames), `${path}{key}`, errs, false);
      if (typeof s.additionalProperties !== 'object') errs.push(`${path}: schema additionalProperties is not a schema`);
      else compare(spec.value, s.additionalProperties, `${path}{value}`, errs);
      return;
    case 'tagged': {
      const alts: Schema[] = (s.oneOf ?? []).map(deref);
      eq('variants', Object.keys(spec.variants).sort(), alts.map((a) => deref(a.properties?.[spec.tag] ?? {}).const).sort());
      for (const a of alts) {
        const tag = deref(a.properties?.[spec.tag] ?? {}).const as string;
        const v = spec.variants[tag];
        if (!v) continue;
        const { [spec.tag]: _t, ...vk } = v.keys;
        const { [spec.tag]: _s, ...sk } = a.properties;
        eq(`${tag}: tag enum`, (v.keys[spec.tag] as StringSpec).enum, [tag]);
        compare({ ...v, keys: vk }, { ...a, properties: sk }, `${path}<${tag}>`, errs);
      }
      return;
    }
    case 'union': {
      const alts: Schema[] = s.oneOf ?? [];
      eq('alternatives', spec.of.length, alts.length);
      spec.of.forEach((alt, i) => { if (alts[i]) compare(alt, alts[i], `${path}|${i}`, errs); });
      return;
    }
    case 'array':
      eq('type', 'array', s.type);
      eq('maxItems', spec.maxItems, s.maxItems);
      eq('minItems', spec.minItems, s.minItems);
      eq('uniqueItems', spec.unique, s.uniqueItems === true);
      compare(spec.items, s.items ?? {}, `${path}[]`, errs);
      return;
    case 'integer': case 'number':
      eq('type', spec.t, s.type);
      eq('minimum', spec.min, s.minimum);
      eq('maximum', spec.max, s.maximum);
      return;
    case 'boolean':
      eq('type', 'boolean', s.type);
      eq('const', spec.const, s.const);
      return;
    case 'string':
      compareString(spec, s, path, errs, true);
  }
}

function compareString(spec: StringSpec, s: Schema, path: string, errs: string[], typed: boolean): void {
  const eq = (what: string, a: unknown, b: unknown): void => { if (JSON.stringify(a) !== JSON.stringify(b)) errs.push(`${path}: ${what}: validator ${JSON.stringify(a)} vs schema ${JSON.stringify(b)}`); };
  if (typed) eq('type', spec.nullable ? ['string', 'null'] : 'string', s.type);
  eq('enum', spec.enum, s.enum);
  eq('minLength', spec.minLength, s.minLength);
  eq('maxLength', spec.maxLength, s.maxLength);
  eq('x-format', spec.format, s['x-format']);
  eq('pattern', spec.format ? FORMAT_PATTERNS[spec.format] : undefined, s.pattern);
}

test('AC-005 schema and validator tables agree on every key, type, range, format and required key', () => {
  const errs: string[] = [];
  compare(rootSpec, schema, '$', errs);
  assert.equal(errs, []);
});

test('the comparison itself catches a drift (a key missing from the schema, a changed range)', () => {
  const errs: string[] = [];
  const drifted = { ...rootSpec, keys: { ...rootSpec.keys, extraKey: { t: 'boolean' } as Spec } };
  compare(drifted, schema, '$', errs);
  const s2 = JSON.parse(JSON.stringify(schema));
  s2.$defs.batch.properties.maxQueueSize.maximum = 5;
  const errs2: string[] = [];
  const saved = schema.$defs;
  schema.$defs = s2.$defs;
  try { compare(rootSpec, s2, '$', errs2); } finally { schema.$defs = saved; }
  assert.is(errs.length, 1);
  assert.match(errs[0]!, /\$: keys: validator .*"extraKey"/);
  assert.ok(errs2.some((e) => /maxQueueSize: maximum: validator 1000000 vs schema 5/.test(e)), errs2.join('\n'));
});

/** The complete example of the format (also shown in the docs). */
const fullExample = {
  $schema: './node_modules/tracewire/schema/tracewire-config.schema.json',
  service: { name: 'checkout', version: '1.4.2', attributes: { 'deployment.environment.name': 'prod', 'k8s.cluster.name': 'eu-1', 'service.instance.count': 3, canary: false } },
  tenantAttribute: 'tenant.id',
  sampler: { parentBased: true, probability: 0.25, tenants: { acme: 1, 'free-tier': 0.01 } },
  batch: { maxQueueSize: 4096, maxExportBatchSize: 512, scheduledDelayMs: 1000, exportTimeoutMs: 30000 },
  exporters: {
    platform: { type: 'otlp', endpoint: 'http://otel-collector.observability:4318', compression: 'gzip', timeoutMs: 10000, headers: { authorization: { valueFrom: { file: '/etc/tracewire/secrets/platform-token', prefix: 'Bearer ' } } } },
    'acme-backend': { type: 'otlp', url: 'https://otlp.acme.example/v1/traces', headers: { 'x-api-key': { valueFrom: { file: '/etc/tracewire/secrets/acme-api-key' } }, 'x-scope-orgid': 'acme' }, batch: { maxQueueSize: 8192 } },
    archive: { type: 'file', path: '/var/log/tracewire/spans.jsonl' },
    debug: { type: 'console' },
  },
  routes: { tenants: { acme: ['acme-backend'], 'internal-tests': [] }, default: [], all: ['platform'] },
  http: { trust: { networks: ['10.0.0.0/8', 'fd00::/8'], inside: 'preserve', outside: 'link' }, tenant: 'x-tenant-id', traceIdHeader: 'x-trace-id', serverTimingHeader: 'server-timing', traceResponseHeader: false, requestHeaders: ['x-request-id'] },
  attributes: { allow: ['app.*', 'tenant.id'] },
  limits: { maxAttributes: 64, maxAttributeValueLength: 2048 },
  recordErrorMessages: false,
};

test('AC-005 the full example and the k8s example config are valid for both the schema and the validator', () => {
  const k8s = JSON.parse(readFileSync(new URL('../k8s-examples/config/config.json', import.meta.url), 'utf8'));
  for (const [name, ex] of [['full', fullExample], ['k8s', k8s], ['empty', {}]] as const) {
    assert.equal(schemaErrors(ex, schema), [], name);
    assert.equal(validateConfig(ex), [], name);
  }
});

// Invalid files: both must reject. (Cross-references such as unknown exporter names in routes are
// beyond JSON Schema: the validator alone checks them, covered in config-validate.test.ts.)
const invalid: Array<[string, unknown]> = [
  ['unknown root key', { tenant: 'x' }],
  ['unknown nested key', { routes: { tenant: {} } }],
  ['string for integer', { batch: { maxQueueSize: '10' } }],
  ['fraction for integer', { limits: { maxAttributes: 1.5 } }],
  ['probability out of range', { sampler: { probability: 2 } }],
  ['unknown exporter type', { exporters: { a: { type: 'zipkin' } } }],
  ['file exporter without path', { exporters: { a: { type: 'file' } } }],
  ['relative file path', { exporters: { a: { type: 'file', path: 'x.jsonl' } } }],
  ['console with url', { exporters: { a: { type: 'console', url: 'http://x' } } }],
  ['bad exporter name', { exporters: { 'a b': { type: 'console' } } }],
  ['bad header name', { exporters: { a: { type: 'otlp', url: 'http://x/v1/traces', headers: { 'a b': 'v' } } } }],
  ['valueFrom without file', { exporters: { a: { type: 'otlp', url: 'http://x/v1/traces', headers: { h: { valueFrom: {} } } } } }],
  ['header value a number', { exporters: { a: { type: 'otlp', url: 'http://x/v1/traces', headers: { h: 5 } } } }],
  ['non-http url', { exporters: { a: { type: 'otlp', url: 'ftp://x/v1/traces' } } }],
  ['route not a list', { routes: { default: 'a' } }],
  ['duplicate route entry', { exporters: { a: { type: 'console' } }, routes: { all: ['a', 'a'] } }],
  ['trust typo', { http: { trust: 'presrve' } }],
  ['trust networks empty', { http: { trust: { networks: [] } } }],
  ['traceIdHeader true', { http: { traceIdHeader: true } }],
  ['allow not a list', { attributes: { allow: 'app.*' } }],
  ['root is a list', []],
];

test('AC-005 invalid examples are rejected by both the schema and the validator', () => {
  for (const [name, v] of invalid) {
    assert.ok(schemaErrors(v, schema).length > 0, `schema accepted: ${name}`);
    assert.ok(validateConfig(v).length > 0, `validator accepted: ${name}`);
  }
});

test.run();
