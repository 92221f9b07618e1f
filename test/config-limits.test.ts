// AC-005: the config file's `limits` match the tracer's span limits (OTel SpanLimits): attribute, link and event
// counts of 0 keep none and count each drop; precedence code > file > OTEL_SPAN_*_LIMIT; read once at startup.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tracerFromConfig, validateConfig, type ConfigOptions } from '../src/config/index.js';
import { createTracer, parseTraceparent, type Span } from '../src/index.js';
import { memoryExporter, type MemoryExporter } from '../src/exporters-local.js';
import { schema, schemaErrors } from './config-schema-check.js';

const root = mkdtempSync(join(tmpdir(), 'tw-config-limits-'));
let n = 0;
function file(content: unknown): string {
  const dir = join(root, String(n++));
  mkdirSync(dir);
  const p = join(dir, 'config.json');
  writeFileSync(p, JSON.stringify(content));
  return p;
}
const quiet = { watch: false, logger: () => {} } satisfies ConfigOptions;
const REMOTE = parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')!;

test('AC-005 limits: maxAttributes 0, maxLinks and maxEvents are valid for both the schema and the validator', () => {
  for (const ok of [{ limits: { maxAttributes: 0 } }, { limits: { maxLinks: 0, maxEvents: 0 } }, { limits: { maxAttributes: 10_000, maxLinks: 10_000, maxEvents: 10_000 } }]) {
    assert.equal(schemaErrors(ok, schema), [], JSON.stringify(ok));
    assert.equal(validateConfig(ok), [], JSON.stringify(ok));
  }
  for (const bad of [{ limits: { maxLinks: -1 } }, { limits: { maxEvents: 1.5 } }, { limits: { maxEvents: '3' } }, { limits: { maxAttributeValueLength: 0 } }, { limits: { maxLink: 3 } }]) {
    assert.ok(schemaErrors(bad, schema).length > 0, `schema accepted ${JSON.stringify(bad)}`);
    assert.ok(validateConfig(bad).length > 0, `validator accepted ${JSON.stringify(bad)}`);
  }
  const [p] = validateConfig({ limits: { maxLinks: -1 } });
  assert.is(p!.path, '$.limits.maxLinks');
});

test('AC-005 limits from the file apply to spans: 0 keeps no attributes or links, extra events are dropped, all counted', async () => {
  const t = tracerFromConfig({ ...quiet, path: file({ exporters: {}, limits: { maxAttributes: 0, maxLinks: 0, maxEvents: 1 } }), env: {} });
  assert.equal([t.attrPolicy.maxCount, t.attrPolicy.maxLinks, t.attrPolicy.maxEvents], [0, 0, 1]);
  const s = t.startSpan('op', { attributes: { a: 1 } }) as Span;
  s.setAttribute('b', 'x');
  s.addLink(REMOTE);
  s.addEvent('e1');
  s.addEvent('e2');
  s.end();
  const st = t.stats();
  assert.equal([st.attributes.dropped, st.linksDropped, st.eventsDropped], [2, 1, 1]);
  await t.shutdown({ deadlineMs: 0 });
});

test('AC-005 limits precedence: code > file > OTEL_SPAN_LINK_COUNT_LIMIT / OTEL_SPAN_EVENT_COUNT_LIMIT > 128', async () => {
  const env = { OTEL_SPAN_LINK_COUNT_LIMIT: '5', OTEL_SPAN_EVENT_COUNT_LIMIT: '6', OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '7' };
  const p = file({ exporters: {}, limits: { maxAttributes: 0, maxLinks: 2, maxEvents: 3 } });
  const fromFile = tracerFromConfig({ ...quiet, path: p, env });
  const fromCode = tracerFromConfig({ ...quiet, path: p, env, attributes: { maxCount: 1, maxLinks: 0, maxEvents: 0 } });
  const fromEnv = tracerFromConfig({ ...quiet, path: file({ exporters: {} }), env });
  const defaults = tracerFromConfig({ ...quiet, path: file({ exporters: {} }), env: {} });
  const lim = (t: typeof fromFile) => [t.attrPolicy.maxCount, t.attrPolicy.maxLinks, t.attrPolicy.maxEvents];
  assert.equal(lim(fromFile), [0, 2, 3]);
  assert.equal(lim(fromCode), [1, 0, 0]);
  assert.equal(lim(fromEnv), [7, 5, 6]);
  assert.equal(lim(defaults), [128, 128, 128]);
  for (const t of [fromFile, fromCode, fromEnv, defaults]) await t.shutdown({ deadlineMs: 0 });
});

test('AC-005 limits: event and link attribute counts, precedence code > file > OTEL_EVENT/LINK_ATTRIBUTE_COUNT_LIMIT > OTEL_ATTRIBUTE_COUNT_LIMIT > 128', async () => {
  for (const ok of [{ limits: { maxEventAttributes: 0, maxLinkAttributes: 10_000 } }]) {
    assert.equal(schemaErrors(ok, schema), [], JSON.stringify(ok));
    assert.equal(validateConfig(ok), [], JSON.stringify(ok));
  }
  for (const bad of [{ limits: { maxEventAttributes: -1 } }, { limits: { maxLinkAttributes: 2.5 } }]) {
    assert.ok(schemaErrors(bad, schema).length > 0, `schema accepted ${JSON.stringify(bad)}`);
    assert.ok(validateConfig(bad).length > 0, `validator accepted ${JSON.stringify(bad)}`);
  }
  const env = { OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: '5', OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '6', OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '7' };
  const p = file({ exporters: {}, limits: { maxEventAttributes: 2, maxLinkAttributes: 3 } });
  const logs: string[] = [];
  const fromFile = tracerFromConfig({ ...quiet, path: p, env });
  const fromCode = tracerFromConfig({ ...quiet, path: p, env, attributes: { maxEventAttributes: 0, maxLinkAttributes: 1 } });
  const fromEnv = tracerFromConfig({ ...quiet, path: file({ exporters: {} }), env, logger: (m) => logs.push(m) });
  const general = tracerFromConfig({ ...quiet, path: file({ exporters: {} }), env: { OTEL_ATTRIBUTE_COUNT_LIMIT: '9', OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '7' } });
  const defaults = tracerFromConfig({ ...quiet, path: file({ exporters: {}, limits: { maxAttributes: 1 } }), env: {} });
  const lim = (t: typeof fromFile) => [t.attrPolicy.maxEventAttributes, t.attrPolicy.maxLinkAttributes];
  assert.equal(lim(fromFile), [2, 3]);
  assert.equal(lim(fromCode), [0, 1]);
  assert.equal(lim(fromEnv), [5, 6]);
  assert.equal(lim(general), [9, 9], 'the general OTEL_ATTRIBUTE_COUNT_LIMIT when the model-specific one is not set (common spec, Attribute Limits)');
  assert.equal(lim(defaults), [128, 128], 'not the span limit');
  assert.not.ok(logs.some((l) => l.includes('EVENT_ATTRIBUTE') || l.includes('LINK_ATTRIBUTE')), logs.join('\n'));
  const s = fromEnv.startSpan('op') as Span;
  s.addEvent('e', { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 });
  assert.equal([s.events[0]!.nAttr, s.events[0]!.dropped, fromEnv.stats().attributes.dropped], [5, 1, 1]);
  for (const t of [fromFile, fromCode, fromEnv, general, defaults]) await t.shutdown({ deadlineMs: 0 });
});

test('AC-005 limits are read once at startup, like every other limit: a reload that changes maxLinks or maxEvents is listed in restartRequired', async () => {
  const p = file({ exporters: {}, limits: { maxLinks: 1 } });
  const t = tracerFromConfig({ ...quiet, path: p, env: {} });
  writeFileSync(p, JSON.stringify({ exporters: {}, limits: { maxLinks: 4, maxEvents: 0 } }));
  const ev = await t.reload();
  assert.ok(ev !== null && ev.ok);
  assert.equal(ev!.restartRequired, ['limits']);
  assert.equal([t.attrPolicy.maxLinks, t.attrPolicy.maxEvents], [1, 128]);
  assert.equal(t.config.limits, { maxLinks: 1 }); // the values in effect, as at startup (the change is in restartRequired)
  await t.shutdown({ deadlineMs: 0 });
});

const EMOJI = '\u{1F600}'; // one character (code point), two UTF-16 code units

test('AC-005 string lengths (minLength / maxLength) count characters, as the JSON Schema does: 256 emoji are a valid tenant for both, 257 for neither', () => {
  const tenant = (k: string) => ({ sampler: { tenants: { [k]: 0.5 } } });
  for (const ok of [tenant(EMOJI.repeat(256)), tenant('a'.repeat(256)), { service: { name: EMOJI.repeat(255) } }, { service: { attributes: { k: EMOJI.repeat(4096) } } }]) {
    assert.equal(schemaErrors(ok, schema), [], 'schema');
    assert.equal(validateConfig(ok), [], 'validator');
  }
  for (const bad of [tenant(EMOJI.repeat(257)), tenant('a'.repeat(257)), { service: { name: EMOJI.repeat(256) } }]) {
    assert.ok(schemaErrors(bad, schema).length > 0, 'schema');
    assert.ok(validateConfig(bad).length > 0, 'validator');
  }
  assert.match(validateConfig({ service: { name: EMOJI.repeat(256) } })[0]!.message, /expected at most 255 characters, got 256$/);
});

test('AC-005 a tenant is checked against limits.maxAttributeValueLength in what the tracer cuts, UTF-16 code units: accepted exactly when a span keeps it whole and no longer value is cut to it', () => {
  const tenants = ['acme', EMOJI.repeat(3), `a${EMOJI}b`, `${EMOJI}ab`, 'abcdefgh'];
  for (let max = 1; max <= 9; max++) {
    const t = createTracer({ service: 's', attributes: { maxValueLength: max }, logger: () => {} });
    const held = (v: string): unknown => (t.startSpan('op', { attributes: { 'tenant.id': v } }) as Span).getAttribute('tenant.id');
    for (const tenant of tenants) {
      const accepted = validateConfig({ routes: { tenants: { [tenant]: [] } }, limits: { maxAttributeValueLength: max } }).length === 0;
      const kept = held(tenant) === tenant;
      // another tenant's longer value held as this one: cut at the limit, or one unit before it ahead of a surrogate pair
      const collides = [tenant + 'z'.repeat(max + 1), tenant + EMOJI + 'z'.repeat(max + 1)].some((v) => held(v) === tenant);
      assert.is(accepted, kept && !collides, `${JSON.stringify(tenant)} with maxAttributeValueLength ${max}: validator ${accepted ? 'accepts' : 'rejects'}, span ${kept ? 'keeps' : 'cuts'} it${collides ? ', a longer value is cut to it' : ''}`);
    }
  }
  // the message says which unit, when it is not the number of characters a reader counts
  assert.match(validateConfig({ routes: { tenants: { [EMOJI.repeat(3)]: [] } }, limits: { maxAttributeValueLength: 5 } })[0]!.message, /^is 6 UTF-16 code units long \(3 characters\), over limits\.maxAttributeValueLength \(5\), which counts UTF-16 code units/);
  assert.match(validateConfig({ routes: { tenants: { abcdefgh: [] } }, limits: { maxAttributeValueLength: 5 } })[0]!.message, /^is 8 chars, over limits\.maxAttributeValueLength \(5\)/);
});

// Tenant reachability (cross-checks.ts) against the limits the tracer applies: code > file > OTEL_* at startup, and on a
// reload the startup values (limits, http and tenantAttribute are read once), never a new file's own.
const GLOBEX = 'globex-corporation'; // 18 chars
/** Two file exporters served by memory exporters: `acme` and `globex` routed by tenant, the rest to `shared`. */
function routed(extra: Record<string, unknown>, tenants: string[] = ['acme']) {
  return { exporters: { acme: { type: 'file', path: '/tmp/acme' }, shared: { type: 'console' } }, routes: { tenants: Object.fromEntries(tenants.map((t) => [t, ['acme']])), default: ['shared'] }, ...extra };
}
function memory() {
  const ex: Record<string, MemoryExporter> = { acme: memoryExporter(), shared: memoryExporter() };
  return { ex, exporterFactories: { file: () => ex.acme!, console: () => ex.shared! } };
}

test('AC-005 reload: a tenant over the value length limit in force is rejected even when the new file raises the limit (limits apply at the next restart)', async () => {
  const p = file(routed({ limits: { maxAttributeValueLength: 8 } }));
  const t = tracerFromConfig({ ...quiet, path: p, env: {}, ...memory() });
  writeFileSync(p, JSON.stringify(routed({ limits: { maxAttributeValueLength: 100 } }, ['acme', GLOBEX])));
  const ev = await t.reload();
  assert.is(ev?.ok, false, 'accepted a tenant spans cannot carry: it is cut to 8 chars');
  assert.is(ev!.error!.code, 'TW_CONFIG_INVALID');
  assert.match(ev!.error!.message, `$.routes.tenants["${GLOBEX}"]: is 18 chars, over limits.maxAttributeValueLength (8; in force since startup`);
  assert.equal(Object.keys(t.config.routes.tenants), ['acme'], 'the last good config stays');
  await t.shutdown({ deadlineMs: 0 });
});

test('AC-005 reload: a tenant within the value length limit in force is accepted even when the new file lowers the limit, and routes', async () => {
  const p = file(routed({ limits: { maxAttributeValueLength: 30 } }));
  const m = memory();
  const t = tracerFromConfig({ ...quiet, path: p, env: {}, ...m, batch: { scheduledDelayMs: 1 } });
  writeFileSync(p, JSON.stringify(routed({ limits: { maxAttributeValueLength: 10 } }, ['acme', GLOBEX])));
  const ev = await t.reload();
  assert.is(ev?.ok, true, String(ev?.error?.message));
  assert.equal(ev!.restartRequired, ['limits']);
  (t.startSpan('op', { attributes: { 'tenant.id': GLOBEX } }) as Span).end();
  await t.forceFlush();
  assert.equal([m.ex.acme!.spans.length, m.ex.shared!.spans.length], [1, 0], 'the tenant kept whole (30 in force) and routed');
  await t.shutdown({ deadlineMs: 0 });
});

test('AC-005 reload: maxAttributes 0 and http.tenantMaxLength in force since startup decide, not the new file\'s values', async () => {
  const p = file(routed({ limits: { maxAttributes: 0 } }, []));
  const t = tracerFromConfig({ ...quiet, path: p, env: {}, ...memory() });
  writeFileSync(p, JSON.stringify(routed({ limits: { maxAttributes: 5 } })));
  const ev = await t.reload();
  assert.is(ev?.ok, false, 'no span carries a tenant with 0 attributes kept');
  assert.match(ev!.error!.message, /\$\.routes\.tenants: the attribute count limit in force since startup is 0 \(limits\.maxAttributes\): it keeps no attribute, so no span carries tenant\.id/);
  await t.shutdown({ deadlineMs: 0 });

  const p2 = file(routed({ http: { tenant: 'x-tenant-id', tenantMaxLength: 8 } }));
  const t2 = tracerFromConfig({ ...quiet, path: p2, env: {}, ...memory() });
  writeFileSync(p2, JSON.stringify(routed({ http: { tenant: 'x-tenant-id', tenantMaxLength: 64 } }, ['acme', GLOBEX])));
  const ev2 = await t2.reload();
  assert.is(ev2?.ok, false, 'the http adapter keeps rejecting headers over 8 chars until a restart');
  assert.match(ev2!.error!.message, `is 18 chars, over http.tenantMaxLength (8; in force since startup`);
  await t2.shutdown({ deadlineMs: 0 });
});

test('AC-005 startup: the value length limit in force is the application\'s or OTEL_*\'s when they decide it, not only the file\'s', async () => {
  // code over file: attributes.maxValueLength 100 keeps an 18-char tenant whole, whatever the file says
  const t = tracerFromConfig({ ...quiet, path: file(routed({ limits: { maxAttributeValueLength: 10 } }, [GLOBEX])), env: {}, attributes: { maxValueLength: 100 }, ...memory() });
  assert.is(t.configStats().lastError, null, String(t.configStats().lastErrorMessage));
  await t.shutdown({ deadlineMs: 0 });
  // OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT when the file sets no limit: 10 cuts it
  const logs: string[] = [];
  const t2 = tracerFromConfig({ ...quiet, path: file(routed({}, [GLOBEX])), env: { OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '10' }, logger: (m) => logs.push(m), ...memory() });
  assert.is(t2.configStats().lastError, 'TW_CONFIG_INVALID');
  assert.match(logs.join('\n'), `is 18 chars, over OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT (10)`);
  await t2.shutdown({ deadlineMs: 0 });
});

test('AC-005 per-tenant sampling and tenant routing read the same tenant value: one cut by maxAttributeValueLength is no tenant for either', async () => {
  // 'acme-shadow' is cut to 'acme-s' on the span: not acme for routes, so not for rates either (a limit of 4 or 5, which
  // would cut it to 'acme', is refused by the validator: config-tenant-cut.test.ts)
  for (const [rates, want] of [[{ probability: 1, tenants: { acme: 0 } }, [0, 1]], [{ probability: 0, tenants: { acme: 1 } }, [1, 0]]] as const) {
    const m = memory();
    const t = tracerFromConfig({ ...quiet, path: file(routed({ limits: { maxAttributeValueLength: 6 }, sampler: { parentBased: false, ...rates } })), env: {}, ...m, batch: { scheduledDelayMs: 1 } });
    assert.is(t.configStats().lastError, null, String(t.configStats().lastErrorMessage));
    (t.startSpan('op', { attributes: { 'tenant.id': 'acme' } }) as Span).end();
    (t.startSpan('op', { attributes: { 'tenant.id': 'acme-shadow' } }) as Span).end();
    await t.forceFlush();
    assert.equal([m.ex.acme!.spans.length, m.ex.shared!.spans.length], want, JSON.stringify(rates));
    await t.shutdown({ deadlineMs: 0 });
  }
});

test('AC-005 per-tenant sampling and tenant routing read the same tenant value: one dropped by maxAttributes is no tenant for either', async () => {
  const m = memory();
  const t = tracerFromConfig({ ...quiet, path: file(routed({ limits: { maxAttributes: 2 }, sampler: { parentBased: false, probability: 1, tenants: { acme: 0 } } })), env: {}, ...m, batch: { scheduledDelayMs: 1 } });
  // the HTTP adapter's order: the tenant comes after the request's own attributes
  const s = t.startSpan('op', { attributes: { 'http.request.method': 'GET', 'url.path': '/', 'tenant.id': 'acme' } }) as Span;
  assert.is(s.getAttribute('tenant.id'), undefined, 'over the count limit: not on the span');
  s.end();
  await t.forceFlush();
  assert.equal([m.ex.acme!.spans.length, m.ex.shared!.spans.length], [0, 1], 'sampled at the default rate, as it routes: the default route');
  await t.shutdown({ deadlineMs: 0 });
});

test.run();
