// AC-002 / AC-003 / AC-007 coverage audit: `tracewire audit` finds where propagation breaks (orphans, split
// traces, calls whose callee never appears, services that never propagate), missing AC-003 fields and
// attributes outside the allowlist, and gates CI with --min-score / --strict exit codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { otlpLine, id16, id32, type SynthSpan } from '../cli/synth.js';
import { cli } from './helpers/cli-run.js';
import { refusedCallTrace } from './helpers/refused-call.js';
import { createTracer, fileExporter, type Span } from '../src/index.js';
import { consumeBatch, consumeMessage, publish, type Carrier } from '../adapters/queue.js';
import { addFlow, addJob, addJobs, consumeAmqp, processJob, processJetStream, processNats, publishAmqp, publishJetStream, publishNats, type AmqpMessageLike } from '../adapters/queue.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-audit-'));
const file = join(dir, 'spans.jsonl');
const T1 = id32(1, 0xa0);
const T2 = id32(2, 0xa0);
const T3 = id32(3, 0xa0);
const T4 = id32(4, 0xa0);
const s = (n: number): string => id16(n, 0xa0);

const good: SynthSpan[] = [
  { trace: T1, id: s(1), service: 'gateway', name: 'GET /a', kind: 2, start: 0, dur: 50, http: 200 },
  { trace: T1, id: s(2), parent: s(1), service: 'gateway', name: 'GET', kind: 3, start: 5, dur: 20, http: 200 },
  { trace: T1, id: s(3), parent: s(2), service: 'orders', name: 'GET /orders', kind: 2, start: 6, dur: 18, http: 200, attrs: { 'user.email': 'a@b.c' } },
];
// an uninstrumented proxy between gateway and orders: orders' parent span was never exported
const orphaned: SynthSpan[] = [
  { trace: T2, id: s(4), service: 'gateway', name: 'GET /b', kind: 2, start: 0, dur: 50, http: 200 },
  { trace: T2, id: s(5), parent: s(99), service: 'orders', name: 'GET /orders', kind: 2, start: 6, dur: 18, http: 200, attrs: { 'url.query': 'token=secret' } },
];
// legacy receives a propagated call but its two outgoing calls never show up downstream
const legacy: SynthSpan[] = [
  { trace: T3, id: s(6), service: 'gateway', name: 'GET /c', kind: 2, start: 0, dur: 50, http: 200 },
  { trace: T3, id: s(7), parent: s(6), service: 'gateway', name: 'GET', kind: 3, start: 1, dur: 40, http: 200 },
  { trace: T3, id: s(8), parent: s(7), service: 'legacy', name: 'GET /l', kind: 2, start: 2, dur: 38, http: 200 },
  { trace: T3, id: s(9), parent: s(8), service: 'legacy', name: 'GET', kind: 3, start: 3, dur: 10, http: 200, attrs: { 'server.address': 'billing' } },
  { trace: T3, id: s(10), parent: s(8), service: 'legacy', name: 'GET', kind: 3, start: 15, dur: 10, http: 200, attrs: { 'server.address': 'billing' } },
];
// AC-003 gaps: no service.name, no operation name, an HTTP server span without its status code
const gaps: SynthSpan[] = [
  { trace: T4, id: s(11), service: '', name: 'GET /d', kind: 2, start: 0, dur: 5, http: 200 },
  { trace: T4, id: s(12), parent: s(11), service: 'orders', name: '', kind: 1, start: 1, dur: 1 },
  { trace: T4, id: s(13), parent: s(11), service: 'orders', name: 'GET /e', kind: 2, start: 2, dur: 1, attrs: { 'http.request.method': 'GET' } },
];
writeFileSync(file, [good, orphaned, legacy, gaps].map((t) => otlpLine(t)).join('\n') + '\n');

test('AC-002 audit: orphans, split traces and calls whose callee never appears are found and located', async () => {
  const r = await cli(['audit', '--file', file, '--json']);
  assert.is(r.code, 0, r.err); // no gate asked for
  const a = JSON.parse(r.out);
  assert.is(a.spans, 13);
  assert.is(a.orphanSpans, 1);
  assert.equal([a.orphans[0].traceId, a.orphans[0].spanId, a.orphans[0].service], [T2, s(5), 'orders']);
  assert.match(a.orphans[0].detail, `parent ${s(99)} is not in the trace`);
  assert.is(a.splitTraces, 1);
  assert.equal(a.deadEnds.map((e: { spanId: string }) => e.spanId), [s(9), s(10)]);
  assert.equal(a.neverPropagate, ['legacy']);
  const svc = (n: string) => a.services.find((x: { service: string }) => x.service === n);
  assert.equal([svc('legacy').inboundOk, svc('legacy').inbound, svc('legacy').outboundOk, svc('legacy').outbound], [1, 1, 0, 2]);
  assert.is(Math.round(svc('legacy').score * 1000), 333);
  assert.equal(svc('legacy').noDownstream, { billing: 2 });
  assert.equal([svc('orders').inboundOk, svc('orders').inbound], [2, 3]); // T1 and T4 found their parent, T2 did not
  assert.equal([svc('gateway').outboundOk, svc('gateway').outbound, svc('gateway').rootEntries, svc('gateway').score], [2, 2, 3, 1]);
  assert.is(a.services[0].service, 'legacy', 'worst score first');
});

test('AC-003 audit: spans missing required fields are counted per field, with examples', async () => {
  const a = JSON.parse((await cli(['audit', '--file', file, '--json'])).out);
  assert.equal(a.missingFields, { 'operation name': 1, 'service.name': 1, 'http.response.status_code': 1 });
  assert.equal(a.missingExamples.map((e: { spanId: string }) => e.spanId).sort(), [s(11), s(12), s(13)]);
});

test('AC-007 audit: attribute keys outside the operational allowlist are listed; --allow extends it', async () => {
  const a = JSON.parse((await cli(['audit', '--file', file, '--json'])).out);
  assert.equal(a.disallowedAttributes, [{ key: 'user.email', spans: 1, services: ['orders'] }, { key: 'url.query', spans: 1, services: ['orders'] }].sort((x, y) => y.spans - x.spans || 0));
  const b = JSON.parse((await cli(['audit', '--file', file, '--json', '--allow', 'user.*'])).out);
  assert.equal(b.disallowedAttributes.map((d: { key: string }) => d.key), ['url.query']);
  const c = JSON.parse((await cli(['audit', '--file', file, '--json', '--allow', 'user.email,url.query'])).out);
  assert.equal(c.disallowedAttributes, []);
});

test('AC-002 audit: --min-score gates CI with the exit code; --strict also fails on AC-003 gaps and disallowed keys', async () => {
  const fail = await cli(['audit', '--file', file, '--min-score', '90']);
  assert.is(fail.code, 1);
  assert.match(fail.out, 'FAIL: legacy: propagation score 33.3% < 90%');
  assert.match(fail.out, 'FAIL: orders: propagation score 66.7% < 90%');
  const pass = await cli(['audit', '--file', file, '--min-score', '30']);
  assert.is(pass.code, 0, pass.out);
  assert.match(pass.out, 'PASS: every service scores ≥ 30%');
  const strict = await cli(['audit', '--file', file, '--min-score', '30', '--strict']);
  assert.is(strict.code, 1);
  assert.match(strict.out, 'FAIL: 3 missing AC-003 field(s)');
  assert.match(strict.out, 'FAIL: 2 attribute key(s) outside the allowlist');
  const okFile = join(dir, 'ok.jsonl');
  writeFileSync(okFile, otlpLine(good.map((x) => ({ ...x, attrs: {} }))) + '\n');
  const clean = await cli(['audit', '--file', okFile, '--min-score', '100', '--strict']);
  assert.is(clean.code, 0, clean.out);
  const bad = await cli(['audit', '--file', file, '--min-score', '101']);
  assert.is(bad.code, 2);
  assert.match(bad.err, '--min-score expects a number between 0 and 100');
});

test('AC-002 audit: spans exported twice (a retried export, two overlapping files) are counted once, as services and view count them', async () => {
  const copy = join(dir, 'copy.jsonl');
  writeFileSync(copy, otlpLine(legacy) + '\n' + otlpLine(good) + '\n'); // T1 and T3 again, from a second file
  const once = JSON.parse((await cli(['audit', '--file', file, '--json'])).out);
  const r = await cli(['audit', '--file', file, '--file', copy, '--json']);
  assert.is(r.code, 0, r.err);
  const a = JSON.parse(r.out);
  assert.equal([a.spans, a.duplicateSpans, a.traces], [13, 8, 4]);
  const { duplicateSpans: _d, ...rest } = a;
  const { duplicateSpans: _o, ...restOnce } = once;
  assert.equal(rest, restOnce, 'every other count as if each span was read once');
  const sv = JSON.parse((await cli(['services', '--file', file, '--file', copy, '--json'])).out);
  assert.is(sv.spans, a.spans);
  const t = await cli(['audit', '--file', file, '--file', copy]);
  assert.match(t.out, 'Propagation audit: 13 spans in 4 traces');
  assert.match(t.out, 'duplicate span IDs (same span exported twice?): 8');
});

test('AC-007 audit: an attribute key holding a newline or a backslash is listed as the one key it is, not split in two', async () => {
  const odd = join(dir, 'odd-keys.jsonl');
  const T9 = id32(9, 0xa0);
  writeFileSync(odd, otlpLine([{ trace: T9, id: id16(90), service: 'orders', name: 'GET /x', kind: 2, start: 0, dur: 1, http: 200, attrs: { 'user\nemail': 'x', 'a\\nb': 'y', 'http.request.method': 'GET' } }]) + '\n');
  const a = JSON.parse((await cli(['audit', '--file', odd, '--json'])).out);
  assert.equal(a.disallowedAttributes.map((d: { key: string }) => d.key).sort(), ['a\\nb', 'user\nemail']);
  rmSync(odd);
});

test('AC-002 audit: the text report names the broken hops and the scores', async () => {
  const r = await cli(['audit', '--file', file]);
  assert.match(r.out, 'Propagation audit: 13 spans in 4 traces');
  assert.match(r.out, 'orphan spans (parent not in the trace: an uninstrumented hop): 1');
  assert.match(r.out, `trace ${T2} span ${s(5)} orders "GET /orders": parent ${s(99)} is not in the trace`);
  assert.match(r.out, 'traces split in several roots: 1');
  assert.match(r.out, 'calls whose callee never appears (client/producer spans with no span downstream): 2');
  assert.match(r.out, 'services that receive calls but never propagate: legacy');
  assert.match(r.out, /legacy\s+33\.3%\s+1\/1\s+0\/2\s+0\s+billing ×2/);
  assert.match(r.out, 'user.email on 1 span(s) of orders');
  assert.match(r.out, 'audit done (no --min-score gate)');
});

test('AC-002 audit: a call that failed with no response (connection refused) is not scored as broken propagation; an answered call with nothing downstream still is', async () => {
  const f = join(dir, 'refused.jsonl');
  const { trace: T, id: r, spans } = refusedCallTrace(9, 0xa9);
  writeFileSync(f, otlpLine([
    ...spans,
    { trace: T, id: r(5), parent: r(1), service: 'gateway', name: 'GET', kind: 3, start: 31, dur: 5, http: 502, status: 2, attrs: { 'server.address': 'legacy' } },
  ]) + '\n');
  const a = await cli(['audit', '--file', f, '--json', '--min-score', '50']); // 1 of 2 scored calls: 50%, not 1 of 3
  assert.is(a.code, 0, a.out);
  const gw = JSON.parse(a.out).services.find((x: { service: string }) => x.service === 'gateway');
  assert.equal([gw.outboundOk, gw.outbound, gw.unanswered], [1, 2, 1]);
  assert.equal(gw.noDownstream, { legacy: 1 });
  const t = await cli(['audit', '--file', f]);
  assert.match(t.out, 'calls that failed with no response (connection refused, timeout; not scored): 1');
});

test('AC-002 audit: a parent-link cycle in corrupt input neither hangs nor crashes', async () => {
  const f = join(dir, 'cycle.jsonl');
  const t = id32(9, 0xa0);
  writeFileSync(f, otlpLine([
    { trace: t, id: s(20), parent: s(21), service: 'a', name: 'x', kind: 2, start: 0, dur: 1 },
    { trace: t, id: s(21), parent: s(20), service: 'b', name: 'y', kind: 2, start: 0, dur: 1 },
    { trace: t, id: s(22), parent: s(22), service: 'b', name: 'self', kind: 1, start: 0, dur: 1 },
  ]) + '\n');
  const r = await cli(['audit', '--file', f, '--json']);
  assert.is(r.code, 0, r.err);
  assert.is(JSON.parse(r.out).orphanSpans, 2); // the self-parented span, and one span to break the loop
  const v = await cli(['view', t, '--file', f, '--json']);
  assert.is(v.code, 0, v.err);
  assert.is(JSON.parse(v.out).spans.length, 3);
});

test('AC-002 audit: consumers linking to the messages\' contexts (batch consume, link mode) count as propagated, and so do their producers', async () => {
  // real tracewire spans: the messaging conventions' way for batches (one CONSUMER span, a link per message)
  const f = join(dir, 'links.jsonl');
  const orders = createTracer({ service: 'orders', exporter: fileExporter({ path: f }), env: {} });
  const worker = createTracer({ service: 'worker', exporter: fileExporter({ path: f }), env: {} });
  const carriers: Carrier[] = [];
  for (let i = 0; i < 3; i++) {
    const root = orders.startSpan('POST /orders', { kind: 2, attributes: { 'http.request.method': 'POST', 'http.response.status_code': 201 } }) as Span;
    const c: Carrier = {};
    await orders.withSpan(root, () => publish(orders, c, { system: 'rabbitmq', destination: 'orders' }, () => {}));
    root.end();
    carriers.push(c);
  }
  await consumeBatch(worker, carriers.slice(0, 2), { system: 'rabbitmq', destination: 'orders' }, () => {});
  await consumeMessage(worker, carriers[2], { system: 'rabbitmq', destination: 'orders', mode: 'link' }, () => {});
  await orders.shutdown();
  await worker.shutdown();
  const r = await cli(['audit', '--file', f, '--min-score', '100', '--json']);
  const a = JSON.parse(r.out);
  assert.is(r.code, 0, r.out);
  assert.is(a.spans, 8);
  assert.equal(a.deadEnds, []);
  assert.equal(a.neverPropagate, []);
  const svc = (n: string) => a.services.find((x: { service: string }) => x.service === n);
  assert.equal([svc('orders').outboundOk, svc('orders').outbound, svc('orders').score], [3, 3, 1]);
  assert.equal([svc('worker').inboundOk, svc('worker').inbound, svc('worker').rootEntries, svc('worker').score], [2, 2, 0, 1]);
});

test('AC-007 audit --strict: the attributes tracewire\'s own queue recipes write (RabbitMQ, BullMQ, NATS, JetStream) are operational metadata, not flagged', async () => {
  const f = join(dir, 'recipes.jsonl');
  const prod = createTracer({ service: 'shop', exporter: fileExporter({ path: f }), env: {} });
  const cons = createTracer({ service: 'worker', exporter: fileExporter({ path: f }), env: {} });
  // stub clients that hand each message straight to the consumer side
  let amqpMsg: AmqpMessageLike | null = null;
  const ch = { publish: (_x: string, rk: string, content: Buffer, o: { headers: Record<string, unknown> }) => { amqpMsg = { content, fields: { exchange: '', routingKey: rk }, properties: { headers: o.headers, messageId: 'm1' } }; return true; },
    consume: async (_q: string, cb: (m: AmqpMessageLike | null) => void) => { cb(amqpMsg); return { consumerTag: 't' }; } };
  const hdrs = () => { const m = new Map<string, string>(); return { get: (k: string) => m.get(k) ?? '', set: (k: string, v: string) => void m.set(k, v) }; };
  await prod.startActiveSpan('POST /checkout', { kind: 2, attributes: { 'http.request.method': 'POST', 'http.response.status_code': 200 } }, async (root) => {
    publishAmqp(prod, ch, '', 'amq.gen-reply', Buffer.from('x'));
    await consumeAmqp(cons, ch, 'amq.gen-reply', () => {});
    const job = await addJob(prod, { name: 'mail', add: async (name: string, _d: unknown, opts: Record<string, unknown>) => ({ id: '1', name, queueName: 'mail', opts }) }, 'welcome', {});
    await processJob(cons, async () => {})(job as never);
    await addFlow(prod, { add: async () => ({}) }, { name: 'render', queueName: 'renders' });
    const h = hdrs();
    publishNats(prod, { publish: () => {}, subscribe: () => ({}) }, 'orders.new', 'x', { headers: h });
    await processNats(cons, { subject: 'orders.new', data: new Uint8Array(), headers: h }, () => {});
    const jh = hdrs();
    await publishJetStream(prod, { publish: async () => ({ stream: 'ORDERS', seq: 7 }) }, 'orders.js', 'x', { headers: jh });
    await processJetStream(cons, { subject: 'orders.js', data: new Uint8Array(), headers: jh, seq: 7, redelivered: true, info: { stream: 'ORDERS', consumer: 'billing', deliveryCount: 2 } }, () => {});
    root.end();
  });
  await prod.shutdown();
  await cons.shutdown();
  const r = await cli(['audit', '--file', f, '--strict', '--json']);
  const a = JSON.parse(r.out);
  assert.ok(a.spans >= 10, String(a.spans));
  assert.equal(a.disallowedAttributes, []);
  assert.is(r.code, 0, r.out);
});

test('AC-002 audit and services: a batch send (BullMQ addJobs: a CLIENT send span linking each job\'s create span) and a batch receive are no broken hop', async () => {
  const f = join(dir, 'batch-send.jsonl');
  const shop = createTracer({ service: 'shop', exporter: fileExporter({ path: f }), env: {} });
  const mailer = createTracer({ service: 'mailer', exporter: fileExporter({ path: f }), env: {} });
  let jobs: Array<{ id: string; name: string; queueName: string; opts: { telemetry: { metadata: string } } }> = [];
  const queue = { name: 'mail', add: async () => ({ id: 'x' }), addBulk: async (js: Array<{ name: string; opts?: Record<string, unknown> }>) => (jobs = js.map((j, i) => ({ id: String(i), name: j.name, queueName: 'mail', opts: j.opts as { telemetry: { metadata: string } } }))) };
  const carriers: Carrier[] = [];
  await shop.startActiveSpan('POST /signup', { kind: 2, attributes: { 'http.request.method': 'POST', 'http.response.status_code': 201 } }, async (root) => {
    await addJobs(shop, queue, [{ name: 'welcome' }, { name: 'verify' }]);
    for (let i = 0; i < 2; i++) { const c: Carrier = {}; await publish(shop, c, { system: 'rabbitmq', destination: 'audit' }, () => {}); carriers.push(c); }
    root.end();
  });
  for (const j of jobs) await processJob(mailer, async () => {})(j);
  await consumeBatch(mailer, carriers, { system: 'rabbitmq', destination: 'audit', operation: 'receive' }, () => {}); // a CLIENT receive span linking both messages
  await shop.shutdown();
  await mailer.shutdown();
  const r = await cli(['audit', '--file', f, '--min-score', '100', '--json']);
  const a = JSON.parse(r.out);
  assert.equal(a.deadEnds, []);
  assert.is(r.code, 0, r.out);
  const g = JSON.parse((await cli(['services', '--file', f, '--json'])).out);
  assert.equal(g.edges.map((e: { caller: string; callee: string; via: string; calls: number }) => `${e.caller} ${e.via} ${e.callee} ${e.calls}`).sort(), ['shop link mailer 2', 'shop parent mailer 2']);
});

test('README: the audit example gates on a percentage, as --min-score reads it', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const m = /tracewire audit --min-score (\S+)/.exec(readme);
  assert.ok(m, 'README shows the audit gate');
  const r = await cli(['audit', '--file', file, '--min-score', m![1]!]);
  assert.is(r.code, 1, `the README's gate (${m![1]}) must fail services scoring 33% and 67%: ${r.out.split('\n').slice(-2).join(' ')}`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
