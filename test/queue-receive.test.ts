// Opt-in `receive` spans on the pull recipes (messaging conventions, pull-based consumers): a CLIENT span over the
// call that asked the broker for a message, child of the poller's span, linking the message's creation context;
// the message's process span under it, linking the creation context too. An empty poll records no span.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, SpanKind, SpanStatusCode, type Span } from '../src/index.js';
import { injectMessageContext } from '../adapters/queue.js';
import { getAmqp, type AmqpMessageLike } from '../adapters/queue-amqp.js';
import { nextJetStream, type JsMsgLike } from '../adapters/queue-jetstream.js';
import type { NatsHeadersLike } from '../adapters/queue-nats.js';
import { storage } from '../src/context.js';
import { markNoTrace } from '../src/suppress.js';
import { CaptureProcessor } from './helpers/capture.js';

function setup() {
  const cap = new CaptureProcessor();
  return { cap, tracer: createTracer({ service: 'svc', processor: cap }) };
}
type Tracer = ReturnType<typeof setup>['tracer'];
function producerSpan(tracer: Tracer): Span {
  const p = tracer.startSpan('publish orders', { kind: SpanKind.PRODUCER }) as Span;
  p.end();
  return p;
}
function amqpMsg(headers?: Record<string, unknown>): AmqpMessageLike {
  return { content: Buffer.from('x'), fields: { exchange: '', routingKey: 'orders' }, properties: { headers, messageId: 'm-1' } };
}
function channel(answers: Array<AmqpMessageLike | false | Error>) {
  return {
    publish: () => true, consume: async () => ({ consumerTag: 't' }),
    get: async () => { const a = answers.shift() ?? false; if (a instanceof Error) throw a; return a; },
  };
}
function hdrs(init: Record<string, string> = {}): NatsHeadersLike {
  const map = new Map(Object.entries(init));
  return { get: (k) => map.get(k) ?? '', set: (k, v) => void map.set(k, v), delete: (k) => void map.delete(k) };
}
function jsMsg(headers: NatsHeadersLike | undefined, seq: number): JsMsgLike {
  return { subject: 'orders.new', data: new Uint8Array(), headers, seq, redelivered: false, info: { stream: 'ORDERS', consumer: 'billing', deliveryCount: 1 } };
}

test('AC-002 getAmqp receiveSpan: a CLIENT receive span over basic.get (child of the poller, a link to the producer), the process span under it linking the producer; default unchanged', async () => {
  const { cap, tracer } = setup();
  const prod = producerSpan(tracer);
  const ch = channel([amqpMsg(injectMessageContext({}, prod)), amqpMsg(injectMessageContext({}, prod))]);
  const poll = tracer.startSpan('poll') as Span;
  let active: unknown;
  const r = await tracer.withSpan(poll, () => getAmqp(tracer, ch, 'orders', (msg, span) => { active = tracer.activeSpan() === span; return msg.properties.messageId; }, { receiveSpan: true }));
  poll.end();
  assert.is(r, 'm-1');
  assert.ok(active, 'the process span is active in the handler');
  const receive = cap.spans.find((s) => s.name === 'receive orders')!;
  const proc = cap.spans.find((s) => s.name === 'process orders')!;
  assert.is(receive.kind, SpanKind.CLIENT, 'semconv: receive is CLIENT');
  assert.is(receive.parentSpanId, poll.spanId);
  assert.is(receive.traceId, poll.traceId);
  assert.equal(receive.links.map((l) => l.spanId), [prod.spanId], 'the receive span links the message\'s creation context');
  assert.equal(receive.attributes, {
    'messaging.system': 'rabbitmq', 'messaging.destination.name': 'orders', 'messaging.operation.name': 'receive',
    'messaging.operation.type': 'receive', 'messaging.message.id': 'm-1', 'messaging.rabbitmq.destination.routing_key': 'orders',
  });
  assert.is(proc.kind, SpanKind.CONSUMER);
  assert.is(proc.parentSpanId, receive.spanId, 'process under receive');
  assert.equal(proc.links.map((l) => l.spanId), [prod.spanId], 'process links the creation context');
  assert.ok(receive.endTime <= proc.startTime, 'the receive span covers the pull only, not the handler');
  // explicit mode 'parent': the producer is the process span's parent, the receive span a link
  await tracer.withSpan(poll, () => getAmqp(tracer, ch, 'orders', () => {}, { receiveSpan: true, mode: 'parent' }));
  const proc2 = cap.spans.at(-1)!;
  const receive2 = cap.spans.at(-2)!;
  assert.is(proc2.parentSpanId, prod.spanId);
  assert.equal(proc2.links.map((l) => l.spanId), [receive2.spanId]);
  // default: no receive span, as before
  const n = cap.spans.length;
  await getAmqp(tracer, channel([amqpMsg()]), 'orders', () => {});
  assert.equal(cap.spans.slice(n).map((s) => s.name), ['process orders']);
});

test('AC-002 getAmqp receiveSpan: an empty poll records no span (none is started); a failed basic.get is an error on the receive span, rethrown', async () => {
  const { cap, tracer } = setup();
  const ch = channel([false, new Error('channel closed')]);
  let calls = 0;
  assert.is(await getAmqp(tracer, ch, 'orders', () => { calls++; }, { receiveSpan: true }), false);
  assert.is(calls, 0);
  assert.is(cap.spans.length, 0, 'an idle poll loop exports nothing');
  assert.is(tracer.stats().started, 0, 'none is started');
  await getAmqp(tracer, ch, 'orders', () => { calls++; }, { receiveSpan: true }).then(() => assert.unreachable(), (e: Error) => assert.is(e.message, 'channel closed'));
  assert.is(cap.spans.length, 1);
  assert.is(cap.spans[0]!.name, 'receive orders');
  assert.is(cap.spans[0]!.status, SpanStatusCode.ERROR);
  assert.is(calls, 0);
});

test('AC-003 getAmqp receiveSpan: a message without context is read once (one traceparentMissing, not one per span), both spans without links', async () => {
  const { cap, tracer } = setup();
  await getAmqp(tracer, channel([amqpMsg()]), 'orders', () => {}, { receiveSpan: true });
  assert.equal(cap.spans.map((s) => [s.name, s.links.length]), [['receive orders', 0], ['process orders', 0]]);
  assert.is(cap.spans[1]!.parentSpanId, cap.spans[0]!.spanId);
  assert.is(tracer.stats().propagation.traceparentMissing, 1);
});

test('AC-002 nextJetStream receiveSpan: receive <subject> over consumer.next with the JetStream attributes, process under it; null records no span', async () => {
  const { cap, tracer } = setup();
  const prod = producerSpan(tracer);
  const h = hdrs({ traceparent: `00-${prod.traceId}-${prod.spanId}-01` });
  assert.is(await nextJetStream(tracer, { next: async () => null }, () => assert.unreachable(), { receiveSpan: true }), null);
  assert.is(cap.spans.length, 1, 'only the producer');
  const poll = tracer.startSpan('poll') as Span;
  const r = await tracer.withSpan(poll, () => nextJetStream(tracer, { next: async () => jsMsg(h, 7) }, (m) => m.seq, { receiveSpan: true }));
  poll.end();
  assert.is(r, 7);
  const [receive, proc] = cap.spans.slice(1) as [Span, Span];
  assert.is(receive.name, 'receive orders.new');
  assert.is(receive.kind, SpanKind.CLIENT);
  assert.is(receive.parentSpanId, poll.spanId);
  assert.equal(receive.links.map((l) => l.spanId), [prod.spanId]);
  assert.is(receive.getAttribute('messaging.consumer.group.name'), 'billing');
  assert.is(receive.getAttribute('messaging.message.id'), '7');
  assert.is(proc.name, 'process orders.new');
  assert.is(proc.parentSpanId, receive.spanId);
  assert.equal(proc.links.map((l) => l.spanId), [prod.spanId]);
  await nextJetStream(tracer, { next: async () => { throw new Error('timeout'); } }, () => {}, { receiveSpan: true }).then(() => assert.unreachable(), (e: Error) => assert.is(e.message, 'timeout'));
  const failed = cap.spans.at(-1)!;
  assert.is(failed.name, 'receive', 'no message, no subject: named by the operation');
  assert.is(failed.status, SpanStatusCode.ERROR);
  assert.is(failed.parentSpanId, '', 'no ambient span here: a root');
});

test('AC-007 receiveSpan under a no-trace context (OTel suppressTracing) records nothing; the handler still runs', async () => {
  const { cap, tracer } = setup();
  const prod = producerSpan(tracer);
  const suppressed = markNoTrace({}) as never;
  const r = await storage.run(suppressed, () => getAmqp(tracer, channel([amqpMsg(injectMessageContext({}, prod))]), 'orders', () => 'ran', { receiveSpan: true }));
  assert.is(r, 'ran');
  const r2 = await storage.run(suppressed, () => nextJetStream(tracer, { next: async () => jsMsg(undefined, 1) }, () => 'ran', { receiveSpan: true }));
  assert.is(r2, 'ran');
  assert.is(cap.spans.length, 1, 'only the producer');
});

test.run();
