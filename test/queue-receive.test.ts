// Opt-in `receive` spans on the pull recipes (messaging conventions, pull-based consumers): a CLIENT span over the
// call that asked the broker for a message, child of the poller's span, linking the message's creation context;
// the message's process span under it, linking the creation context too. An empty poll records no span.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, SpanKind, SpanStatusCode, type Span } from '../src/index.js';
import { injectMessageContext } from '../adapters/queue.js';
import { getAmqp, type AmqpMessageLike } from '../adapters/queue-amqp.js';
import { nextJetStream, processJetStreamMessages, type JsMsgLike } from '../adapters/queue-jetstream.js';
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

/** An async iterator of JetStream messages as nats.js's fetch()/consume() hands them over: each after `waitMs`, then `end` (done or a throw). */
function jsIterator(msgs: JsMsgLike[], waitMs: number, end: 'done' | Error = 'done') {
  const it = {
    returned: 0,
    nexts: 0,
    [Symbol.asyncIterator]() { return it; },
    async next(): Promise<IteratorResult<JsMsgLike>> {
      it.nexts++;
      await new Promise((r) => setTimeout(r, waitMs));
      const m = msgs.shift();
      if (m !== undefined) return { done: false, value: m };
      if (end instanceof Error) throw end;
      return { done: true, value: undefined };
    },
    async return(): Promise<IteratorResult<JsMsgLike>> { it.returned++; return { done: true, value: undefined }; },
  };
  return it;
}

test('AC-002 processJetStreamMessages receiveSpan: one CLIENT receive span per message over the wait for it (child of the span active at the call, linking the message\'s creation context), its process span under it; the end of the iterator records none', async () => {
  const { cap, tracer } = setup();
  const prod = producerSpan(tracer);
  const h = () => hdrs({ traceparent: `00-${prod.traceId}-${prod.spanId}-01` });
  const it = jsIterator([jsMsg(h(), 1), jsMsg(h(), 2)], 25);
  const poll = tracer.startSpan('poll') as Span;
  const seen: Array<[number, boolean]> = [];
  await tracer.withSpan(poll, () => processJetStreamMessages(tracer, it, (m, span) => { seen.push([m.seq, tracer.activeSpan() === span]); }, { receiveSpan: true }));
  poll.end();
  assert.equal(seen, [[1, true], [2, true]]);
  assert.is(it.nexts, 3, 'the iterator read to its end');
  const spans = cap.spans.slice(1, -1); // between the producer and the poll span
  assert.equal(spans.map((s) => s.name), ['receive orders.new', 'process orders.new', 'receive orders.new', 'process orders.new'], 'the end of the iterator (done) records no receive span');
  for (let i = 0; i < 2; i++) {
    const receive = spans[2 * i]!;
    const proc = spans[2 * i + 1]!;
    assert.is(receive.kind, SpanKind.CLIENT, 'semconv: receive is CLIENT');
    assert.is(receive.parentSpanId, poll.spanId, 'a child of the span active at the call');
    assert.equal(receive.links.map((l) => l.spanId), [prod.spanId]);
    assert.is(receive.getAttribute('messaging.operation.type'), 'receive');
    assert.is(receive.getAttribute('messaging.message.id'), String(i + 1));
    assert.is(receive.getAttribute('messaging.consumer.group.name'), 'billing');
    assert.ok(receive.duration >= 15, `the receive span covers the wait for the message (${receive.duration} ms)`);
    assert.ok(receive.endTime <= proc.startTime, 'not the handling');
    assert.is(proc.kind, SpanKind.CONSUMER);
    assert.is(proc.parentSpanId, receive.spanId, 'process under receive (mode defaults to link)');
    assert.equal(proc.links.map((l) => l.spanId), [prod.spanId]);
  }
  // mode 'parent': the producer stays the process span's parent, the receive span a link
  const n = cap.spans.length;
  await processJetStreamMessages(tracer, jsIterator([jsMsg(h(), 3)], 0), () => {}, { receiveSpan: true, mode: 'parent' });
  const [receive3, proc3] = cap.spans.slice(n) as [Span, Span];
  assert.is(receive3.parentSpanId, '', 'no span active at the call: a root');
  assert.is(proc3.parentSpanId, prod.spanId);
  assert.equal(proc3.links.map((l) => l.spanId), [receive3.spanId]);
  // default: no receive span
  const m = cap.spans.length;
  await processJetStreamMessages(tracer, jsIterator([jsMsg(h(), 4)], 0), () => {});
  assert.equal(cap.spans.slice(m).map((s) => s.name), ['process orders.new']);
});

test('AC-007 processJetStreamMessages receiveSpan: an iterator that fails is an error on a receive span, rethrown; a handler error goes to onError and the loop goes on, without onError it stops the loop (the iterator closed, as for await does) and is rethrown', async () => {
  const { cap, tracer } = setup();
  const it = jsIterator([jsMsg(undefined, 1)], 0, new Error('heartbeats missed'));
  const handled: number[] = [];
  await processJetStreamMessages(tracer, it, (m) => { handled.push(m.seq); }, { receiveSpan: true }).then(() => assert.unreachable(), (e: Error) => assert.is(e.message, 'heartbeats missed'));
  assert.equal(handled, [1]);
  const failed = cap.spans.at(-1)!;
  assert.is(failed.name, 'receive', 'no message, no subject: named by the operation');
  assert.is(failed.kind, SpanKind.CLIENT);
  assert.is(failed.status, SpanStatusCode.ERROR);
  assert.is(it.returned, 0, 'a failed iterator is not closed (as for await)');
  const BOOM = new Error('bad message');
  const errors: Array<[unknown, number]> = [];
  const it2 = jsIterator([jsMsg(undefined, 1), jsMsg(undefined, 2)], 0);
  await processJetStreamMessages(tracer, it2, (m) => { if (m.seq === 1) throw BOOM; handled.push(m.seq); }, { receiveSpan: true, onError: (e, m) => errors.push([e, m.seq]) });
  assert.equal(errors, [[BOOM, 1]]);
  assert.equal(handled, [1, 2], 'the loop went on');
  assert.is(it2.returned, 0);
  const it3 = jsIterator([jsMsg(undefined, 1), jsMsg(undefined, 2)], 0);
  await processJetStreamMessages(tracer, it3, async () => { throw BOOM; }, { receiveSpan: true }).then(() => assert.unreachable(), (e) => assert.is(e, BOOM));
  assert.is(it3.returned, 1, 'the loop stopped: the iterator closed (nats.js stops the consumer)');
  assert.is(it3.nexts, 1);
  const [receive, proc] = cap.spans.slice(-2) as [Span, Span];
  assert.equal([receive.name, receive.status, proc.name, proc.status], ['receive orders.new', SpanStatusCode.UNSET, 'process orders.new', SpanStatusCode.ERROR]);
});

test('AC-007 processJetStreamMessages receiveSpan takes what the loop without it takes: a sync iterable of messages (an array) is read as for await reads it, not a TypeError', async () => {
  const { cap, tracer } = setup();
  const prod = producerSpan(tracer);
  const h = () => hdrs({ traceparent: `00-${prod.traceId}-${prod.spanId}-01` });
  const seen: number[] = [];
  await processJetStreamMessages(tracer, [jsMsg(h(), 1), jsMsg(h(), 2)] as unknown as AsyncIterable<JsMsgLike>, (m) => { seen.push(m.seq); });
  const n = cap.spans.length;
  await processJetStreamMessages(tracer, [jsMsg(h(), 3), jsMsg(h(), 4)] as unknown as AsyncIterable<JsMsgLike>, (m) => { seen.push(m.seq); }, { receiveSpan: true });
  assert.equal(seen, [1, 2, 3, 4]);
  assert.equal(cap.spans.slice(n).map((s) => s.name), ['receive orders.new', 'process orders.new', 'receive orders.new', 'process orders.new']);
  // stopped early by a handler error: the sync iterator is closed, as for await closes it
  let closed = 0;
  const gen = (function* () { try { yield jsMsg(h(), 5); yield jsMsg(h(), 6); } finally { closed++; } })();
  const BOOM = new Error('bad message');
  await processJetStreamMessages(tracer, gen as unknown as AsyncIterable<JsMsgLike>, () => { throw BOOM; }, { receiveSpan: true }).then(() => assert.unreachable(), (e) => assert.is(e, BOOM));
  assert.is(closed, 1);
});

test('AC-007 receiveSpan under a no-trace context (OTel suppressTracing) records nothing; the handler still runs', async () => {
  const { cap, tracer } = setup();
  const prod = producerSpan(tracer);
  const suppressed = markNoTrace({}) as never;
  const r = await storage.run(suppressed, () => getAmqp(tracer, channel([amqpMsg(injectMessageContext({}, prod))]), 'orders', () => 'ran', { receiveSpan: true }));
  assert.is(r, 'ran');
  const r2 = await storage.run(suppressed, () => nextJetStream(tracer, { next: async () => jsMsg(undefined, 1) }, () => 'ran', { receiveSpan: true }));
  assert.is(r2, 'ran');
  const ran: number[] = [];
  await storage.run(suppressed, () => processJetStreamMessages(tracer, jsIterator([jsMsg(undefined, 1)], 0), (m) => { ran.push(m.seq); }, { receiveSpan: true }));
  assert.equal(ran, [1]);
  assert.is(cap.spans.length, 1, 'only the producer');
});

test.run();
