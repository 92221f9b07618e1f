// Tracing never throws into the host nor stops a message: metadata the context cannot be written into (a frozen
// carrier, NATS headers whose set throws) is sent without it, counted; a handler result whose `then` getter throws
// is handed back as the untraced call would, its span ended.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, parseTraceparent, SpanKind, type Span } from '../src/index.js';
import { consumeMessage, createMessage, injectContext, injectMessageContext, publish, queueStats, startPublish } from '../adapters/queue.js';
import { natsCarrier, publishNats, requestNats, type NatsHeadersLike, type NatsMsgLike } from '../adapters/queue-nats.js';
import { jobCarrier, processJob } from '../adapters/queue-bullmq.js';
import { publishJetStream } from '../adapters/queue-jetstream.js';
import { CaptureProcessor } from './helpers/capture.js';

function setup() {
  const cap = new CaptureProcessor();
  return { cap, tracer: createTracer({ service: 'svc', processor: cap }) };
}

test('AC-007 publish/startPublish/createMessage into a frozen carrier: the message is still sent (fn runs), its span ended, no throw; the unwritten context counted', async () => {
  const { cap, tracer } = setup();
  const frozen = Object.freeze({ 'x-app': '1' });
  const sent: unknown[] = [];
  const r = await publish(tracer, frozen, { system: 'rabbitmq', destination: 'orders' }, (carrier) => { sent.push(carrier); return 'ok'; });
  assert.is(r, 'ok');
  assert.equal(sent, [frozen], 'the application\'s message went out, as untraced');
  const s = startPublish(tracer, Object.freeze({}), { system: 'rabbitmq', destination: 'orders' });
  s.end();
  const c = createMessage(tracer, Object.freeze({}), { system: 'rabbitmq', destination: 'orders' });
  assert.ok(c.ended);
  assert.equal(cap.spans.map((x) => [x.name, x.kind]), [['publish orders', SpanKind.PRODUCER], ['publish orders', SpanKind.PRODUCER], ['create orders', SpanKind.PRODUCER]]);
  assert.ok(cap.spans.every((x) => x.ended));
  assert.is(tracer.stats().propagation.carrierUnwritable, 3);
});

/** NATS headers that refuse writes (a read-only wrapper, a headers object of another client version). */
function readOnlyHeaders(): NatsHeadersLike {
  return { get: () => '', set: () => { throw new Error('headers are read-only'); } };
}

test('AC-007 publishNats/requestNats/publishJetStream with headers whose set throws: the message is still published, without the context, counted', async () => {
  const { cap, tracer } = setup();
  const published: string[] = [];
  const nc = {
    publish: (subject: string) => { published.push(subject); },
    subscribe: () => ({}),
    request: async (subject: string): Promise<NatsMsgLike> => { published.push(subject); return { subject: '_INBOX.x', data: new Uint8Array() }; },
  };
  publishNats(tracer, nc, 'orders', 'x', { headers: readOnlyHeaders() });
  await requestNats(tracer, nc, 'quote', 'x', { headers: readOnlyHeaders() });
  await publishJetStream(tracer, { publish: async (subject: string) => { published.push(subject); return { stream: 'S', seq: 1 }; } }, 'orders.new', 'x', { headers: readOnlyHeaders() });
  assert.equal(published, ['orders', 'quote', 'orders.new'], 'every message went out, as untraced');
  assert.is(cap.spans.length, 3);
  assert.ok(cap.spans.every((s) => s.status === 0), 'no error recorded: the send succeeded');
  assert.is(tracer.stats().propagation.carrierUnwritable, 3);
});

test('AC-007 consumeMessage: a handler result whose then getter throws comes back as is (no throw into the consumer), its span ended', () => {
  const { cap, tracer } = setup();
  const odd = {};
  Object.defineProperty(odd, 'then', { get() { throw new Error('then: not readable'); } });
  const r = consumeMessage(tracer, null, { system: 'nats', destination: 'q' }, () => odd);
  assert.is(r, odd, 'as the untraced handler returns it');
  assert.is(cap.spans.length, 1);
  assert.is(cap.spans[0]!.status, 0);
});

test('AC-007 injectMessageContext (an explicit call, no tracer to count on) into a carrier that refuses the write: no throw, the carrier handed back without the context, counted on the span\'s tracer, the passed tracer, or else queueStats()', () => {
  const { tracer } = setup();
  const span = tracer.startSpan('work') as Span;
  const frozen = Object.freeze({ 'x-app': '1' });
  assert.is(injectMessageContext(frozen, span), frozen, 'handed back, as the untraced send would use it');
  assert.equal(frozen, { 'x-app': '1' });
  assert.is(tracer.withSpan(span, () => injectContext(Object.freeze({}))).traceparent, undefined, 'the alias, the active span by default');
  const refusing = new Proxy({} as Record<string, unknown>, { set() { throw new Error('read-only headers'); } });
  assert.is(injectMessageContext(refusing, span), refusing);
  assert.is(tracer.stats().propagation.carrierUnwritable, 3, 'the span\'s own tracer');
  // a bare context (parsed, extracted): no span, so no tracer of its own
  const remote = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')!;
  const before = queueStats().carrierUnwritable;
  assert.not.throws(() => injectMessageContext(Object.freeze({}), remote));
  assert.not.throws(() => injectMessageContext(null as never, remote), 'a JavaScript caller\'s null');
  assert.is(queueStats().carrierUnwritable, before + 2, 'counted where the adapter can: its own stats');
  assert.not.throws(() => injectMessageContext(Object.freeze({}), remote, tracer));
  assert.is(tracer.stats().propagation.carrierUnwritable, 4, 'a tracer passed counts it');
  assert.is(queueStats().carrierUnwritable, before + 2);
  // a writable carrier still gets the context
  assert.is(injectMessageContext({}, remote).traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  span.end();
});

test('AC-007 tracer.inject into a frozen carrier: no throw, counted in stats().propagation.carrierUnwritable', () => {
  const { tracer } = setup();
  const span = tracer.startSpan('work');
  const frozen = Object.freeze({});
  assert.not.throws(() => tracer.inject(frozen, span));
  assert.is(tracer.stats().propagation.carrierUnwritable, 1);
  span.end();
});

test('AC-007 natsCarrier and jobCarrier on metadata that throws when read: null (no context), never a throw, counted in queueStats().carrierUnreadable; processJob still runs such a job', async () => {
  const { cap, tracer } = setup();
  const before = queueStats().carrierUnreadable;
  const msg = { subject: 'orders', data: new Uint8Array(), get headers(): NatsHeadersLike { throw new Error('invalid header key'); } };
  assert.is(natsCarrier(msg), null);
  const badGet = { subject: 'orders', data: new Uint8Array(), headers: { get: () => { throw new Error('cannot decode'); }, set: () => {} } };
  assert.is(natsCarrier(badGet), null);
  const job = { name: 'mail', queueName: 'q', get opts(): never { throw new Error('opts: not readable'); } };
  assert.is(jobCarrier(job), null);
  assert.is(jobCarrier({ name: 'mail', queueName: 'q', opts: { telemetry: { metadata: 'not json' } } }), null, 'metadata not ours');
  assert.is(queueStats().carrierUnreadable, before + 4);
  assert.is(await processJob(tracer, () => 'sent')(job), 'sent', 'the job runs as untraced');
  assert.is(cap.spans.length, 1, 'in a new trace');
  assert.is(tracer.stats().propagation.carrierUnreadable, 1, 'the recipe counts it on its tracer');
  assert.is(queueStats().carrierUnreadable, before + 4, 'not twice');
});

test.run();
