// AC-005: tracer.config is the config in effect. A reload applies exporters, routes and the sampler; settings read
// once at startup (service, limits, tenantAttribute, http, ...) keep their startup values there, while the change is
// still reported in restartRequired (the event, configStats()) until a restart applies it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tracerFromConfig, type ReloadEvent } from '../src/config/index.js';

const root = mkdtempSync(join(tmpdir(), 'tw-config-in-effect-'));

test('AC-005 after a reload, tracer.config shows the startup value of a restart-only setting and the reloaded value of a live one; restartRequired still names the change', async () => {
  const p = join(root, 'config.json');
  const start = { exporters: {}, service: { name: 'orders' }, sampler: { probability: 0 }, limits: { maxLinks: 1 }, http: { traceIdHeader: 'x-trace-id' } };
  writeFileSync(p, JSON.stringify(start));
  const events: ReloadEvent[] = [];
  const logs: string[] = [];
  const t = tracerFromConfig({ path: p, env: {}, watch: false, logger: (m) => logs.push(m), onReload: (e) => events.push(e) });
  writeFileSync(p, JSON.stringify({ exporters: {}, service: { name: 'renamed' }, sampler: { probability: 1 }, limits: { maxLinks: 4 }, http: { traceIdHeader: 'x-other' }, tenantAttribute: 'org.id', routes: { all: [] } }));
  const ev = await t.reload();
  assert.ok(ev?.ok);
  assert.equal([...ev!.restartRequired].sort(), ['http', 'limits', 'service', 'tenantAttribute']);
  assert.equal(t.configStats().restartRequired, ev!.restartRequired);
  assert.match(logs.join('\n'), /changes to .*service.* take effect at the next restart/);
  // what the tracer runs on
  assert.is(t.service, 'orders');
  assert.is(t.attrPolicy.maxLinks, 1);
  const c = t.config;
  assert.equal([c.service.name, c.limits, c.http.traceIdHeader, c.tenantAttribute], ['orders', { maxLinks: 1 }, 'x-trace-id', 'tenant.id']);
  assert.is(c.sampler!.probability, 1, 'the sampler is reloaded live');
  assert.is(t.startSpan('x', { root: true }).isRecording(), true);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.service));
  assert.is(ev!.config, c, 'the event carries the config in effect too');
  assert.is(events.length, 1);

  // a refused sampler switch keeps the sampler in effect, and says so
  writeFileSync(p, JSON.stringify({ ...start, sampler: { probability: 0, parentBased: false } }));
  const ev2 = await t.reload();
  assert.equal(ev2!.restartRequired, ['sampler.parentBased']);
  assert.equal([t.config.sampler!.probability, t.config.sampler!.parentBased], [1, true]);
  assert.is(t.startSpan('y', { root: true }).isRecording(), true);

  // a rejected file keeps the config in effect
  writeFileSync(p, '{"service":');
  const bad = await t.reload();
  assert.is(bad!.ok, false);
  assert.is(bad!.config, t.config);
  assert.equal([t.config.service.name, t.config.sampler!.probability], ['orders', 1]);
  await t.shutdown({ deadlineMs: 0 });
});

test.run();
