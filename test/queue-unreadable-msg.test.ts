// Tracing never changes what the application sees: a message the recipes cannot fully read (a subject getter
// that throws, a frozen message whose respond cannot be traced) still reaches the handler; the span records what
// could be read and the failure is counted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, type Span } from '../src/index.js';
import { processNats, subscribeNats, type NatsHeadersLike, type NatsMsgLike } from '../adapters/queue-nats.js';
import { processJetStream, processJetStreamMessages, type JsMsgLike } from '../adapters/queue-jetstream.js';
import { CaptureProcessor } from './helpers/capture.js';

const TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function setup() {
  const cap = new CaptureProcessor();
  const logs: string[] = [];
  return { cap, logs, tracer: createTracer({ service: 'svc', processor: cap, logger: (m) => logs.push(m) }) };
}
function hdrs(init: Record<string, string> = {}): NatsHeadersLike {
  const map = new Map(Object.entries(init));
  return { get: (k) => map.get(k) ?? '', set: (k, v) => void map.set(k, v), delete: (k) => void map.delete(k) };
}
/** A fake connection that keeps the subscription callback. */
function fakeConnection() {
  const cbs: Array<(err: Error | null, msg: NatsMsgLike) => void> = [];
  return { cbs, nc: { publish: () => {}, subscribe: (_s: string, o?: { callback?: (err: Error | null, msg: NatsMsgLike) => void }) => { cbs.push(o!.callback!); return {}; } } };
}
function badSubject(headers?: NatsHeadersLike): NatsMsgLike {
  const m = { data: new Uint8Array(), headers } as NatsMsgLike;
  Object.defineProperty(m, 'subject', { get() { throw new Error('subject: no such field'); } });
  return m;
}

test('AC-007 subscribeNats/processNats: a message whose subject getter throws still reaches the handler; its span reads the headers it can (the producer stays the parent), the failure counted', () => {
  const { cap, logs, tracer } = setup();
  const { cbs, nc } = fakeConnection();
  const handled: NatsMsgLike[] = [];
  const errors: unknown[] = [];
  subscribeNats(tracer, nc, 'orders', (m) => { handled.push(m); });
  subscribeNats(tracer, nc, 'orders', (m) => { handled.push(m); }, { onError: (e) => errors.push(e) });
  const a = badSubject(hdrs({ traceparent: TP }));
  const b = badSubject(hdrs({ traceparent: TP }));
  cbs[0]!(null, a);
  cbs[1]!(null, b);
  assert.equal(handled, [a, b], 'the handler gets every message, as it would untraced');
  assert.equal(errors, [], 'a message tracing cannot read is no error of the application');
  assert.is(processNats(tracer, badSubject(), () => 'done'), 'done', 'processNats returns the handler\'s value, not a throw');
  assert.is(cap.spans.length, 3);
  for (const s of cap.spans as Span[]) {
    assert.is(s.name, 'process', 'no destination could be read: the span is named by the operation');
    assert.is(s.getAttribute('messaging.destination.name'), undefined);
    assert.is(s.getAttribute('messaging.system'), 'nats');
  }
  assert.is(cap.spans[0]!.parentSpanId, 'b7ad6b7169203331', 'the headers were readable: the producer is still the parent');
  assert.is(tracer.stats().propagation.carrierUnreadable, 3, 'each unreadable subject counted');
  assert.equal(logs, []);
});

test('AC-007 subscribeNats/processNats with createHeaders: a frozen message (respond cannot be traced) still reaches the handler, its respond nats.js\'s own, the untraced reply counted', () => {
  const { cap, logs, tracer } = setup();
  const { cbs, nc } = fakeConnection();
  const replies: Array<string | undefined> = [];
  const frozen = Object.freeze({ subject: 'svc.quote', reply: '_INBOX.a.1', data: new Uint8Array(), respond: (_p?: unknown, o?: { headers?: NatsHeadersLike }) => { replies.push(o?.headers?.get('traceparent')); return true; } });
  const handled: NatsMsgLike[] = [];
  subscribeNats(tracer, nc, 'svc.quote', (m) => { handled.push(m); m.respond!('pong'); }, { createHeaders: () => hdrs() });
  cbs[0]!(null, frozen);
  assert.equal(handled, [frozen]);
  assert.is(processNats(tracer, frozen, (m) => m.respond!('pong'), { createHeaders: () => hdrs() }), true);
  assert.equal(replies, [undefined, undefined], 'both replies sent, without a context');
  assert.equal(cap.spans.map((s) => s.name), ['process svc.quote', 'process svc.quote']);
  assert.is(tracer.stats().propagation.carrierUnwritable, 2);
  assert.equal(logs, []);
});

test('AC-007 processJetStream/processJetStreamMessages: a JetStream message whose subject getter throws still reaches the handler (and can be acked), its span named `process`, the failure counted', async () => {
  const { cap, tracer } = setup();
  const acks: number[] = [];
  const msg = (seq: number): JsMsgLike & { ack(): void } => {
    const m = { data: new Uint8Array(), headers: hdrs({ traceparent: TP }), seq, redelivered: false, info: { stream: 'ORDERS', consumer: 'billing', deliveryCount: 1 }, ack: () => acks.push(seq) };
    Object.defineProperty(m, 'subject', { get() { throw new Error('subject: no such field'); } });
    return m as unknown as JsMsgLike & { ack(): void };
  };
  assert.is(processJetStream(tracer, msg(1), (m) => { m.ack(); return 'done'; }), 'done');
  const errors: unknown[] = [];
  async function* two() { yield msg(2); yield msg(3); }
  await processJetStreamMessages(tracer, two(), (m) => { m.ack(); }, { onError: (e) => errors.push(e) });
  assert.equal(acks, [1, 2, 3], 'every message handled and acked, as untraced');
  assert.equal(errors, []);
  assert.equal(cap.spans.map((s) => s.name), ['process', 'process', 'process']);
  assert.is(cap.spans[0]!.parentSpanId, 'b7ad6b7169203331', 'the headers still read');
  assert.is(cap.spans[0]!.getAttribute('messaging.consumer.group.name'), 'billing');
  assert.is(tracer.stats().propagation.carrierUnreadable, 3);
});

test.run();
