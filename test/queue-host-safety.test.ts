// Tracing never throws into the host nor stops a message: metadata the context cannot be written into (a frozen
// carrier, NATS headers whose set throws) is sent without it, counted; a handler result whose `then` getter throws
// is handed back as the untraced call would, its span ended.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, SpanKind } from '../src/index.js';
import { consumeMessage, createMessage, publish, startPublish } from '../adapters/queue.js';
import { publishNats, requestNats, type NatsHeadersLike, type NatsMsgLike } from '../adapters/queue-nats.js';
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

test.run();
