import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, SpanKind, SpanStatusCode, type Span } from '../src/index.js';
import { consumeBatch, consumeMessage, extractMessageContext, injectContext, injectMessageContext, publish, startConsume, startPublish, type Carrier } from '../adapters/queue.js';
import { jobCarrier, processJob, addJob } from '../adapters/queue-bullmq.js';
import { natsCarrier, processNats, publishNats, subscribeNats, type NatsMsgLike } from '../adapters/queue-nats.js';
import { consumeAmqp, publishAmqp, type AmqpMessageLike } from '../adapters/queue-amqp.js';
import { CaptureProcessor } from './helpers/capture.js';

const TID = '0af7651916cd43dd8448eb211c80319c';
const SID = 'b7ad6b7169203331';
const BODY = 'card=4111-1111-1111-1111';

function setup(service = 'svc') {
  const cap = new CaptureProcessor();
  return { cap, tracer: createTracer({ service, processor: cap }) };
}

test('AC-002 publish → consume through a plain carrier: PRODUCER then CONSUMER, same trace, producer is the parent', async () => {
  const p = setup('producer');
  const c = setup('consumer');
  const message: { headers: Carrier; body: string } = { headers: { 'x-app': 'keep' }, body: BODY };
  const root = p.tracer.startSpan('checkout') as Span;
  await p.tracer.withSpan(root, () => publish(p.tracer, message.headers, { system: 'rabbitmq', destination: 'orders', messageId: 'm-1' }, () => 'sent'));
  root.end();
  const out = await consumeMessage(c.tracer, message.headers, { system: 'rabbitmq', destination: 'orders' }, (span) => {
    assert.is(c.tracer.activeSpan(), span, 'active while the handler runs');
    return 42;
  });
  assert.is(out, 42);
  const producer = p.cap.spans.find((s) => s.kind === SpanKind.PRODUCER)!;
  const consumer = c.cap.spans[0]!;
  assert.is(producer.name, 'publish orders');
  assert.is(producer.parentSpanId, root.spanId);
  assert.equal(producer.attributes, {
    'messaging.system': 'rabbitmq', 'messaging.destination.name': 'orders', 'messaging.operation.name': 'publish',
    'messaging.operation.type': 'send', 'messaging.message.id': 'm-1',
  });
  assert.is(message.headers.traceparent, `00-${root.traceId}-${producer.spanId}-03`);
  assert.is(message.headers['x-app'], 'keep');
  assert.is(consumer.name, 'process orders');
  assert.is(consumer.kind, SpanKind.CONSUMER);
  assert.is(consumer.traceId, root.traceId);
  assert.is(consumer.parentSpanId, producer.spanId);
  assert.ok(consumer.parentIsRemote);
  assert.is(consumer.getAttribute('messaging.operation.type'), 'process');
  assert.not.ok(JSON.stringify([...p.cap.spans, ...c.cap.spans].map((s) => s.attributes)).includes('4111'), 'never the body');
});

test('AC-002 parent mode with an ambient span: creation context is the parent, the ambient one a link', async () => {
  const { cap, tracer } = setup();
  const carrier = injectMessageContext({}, tracer.extract({ traceparent: `00-${TID}-${SID}-01` })!);
  const poll = tracer.startSpan('poll') as Span;
  await tracer.withSpan(poll, () => consumeMessage(tracer, carrier, { system: 'nats', destination: 'jobs' }, () => {}));
  poll.end();
  const s = cap.spans[0]!;
  assert.is(s.traceId, TID);
  assert.is(s.parentSpanId, SID);
  assert.is(s.links.length, 1);
  assert.is(s.links[0]!.spanId, poll.spanId);
});

test('AC-002 link mode: the ambient span (or none) is the parent, the creation context a link', async () => {
  const { cap, tracer } = setup();
  const carrier = injectContext({}, tracer.extract({ traceparent: `00-${TID}-${SID}-01` })!);
  await consumeMessage(tracer, carrier, { system: 'nats', destination: 'jobs', mode: 'link' }, () => {});
  const poll = tracer.startSpan('poll') as Span;
  await tracer.withSpan(poll, () => consumeMessage(tracer, carrier, { system: 'nats', destination: 'jobs', mode: 'link' }, () => {}));
  poll.end();
  const [rootLinked, underPoll] = cap.spans as [Span, Span];
  assert.is(rootLinked.parentSpanId, '');
  assert.is.not(rootLinked.traceId, TID);
  assert.is(rootLinked.links[0]!.traceId, TID);
  assert.is(rootLinked.links[0]!.spanId, SID);
  assert.is(underPoll.parentSpanId, poll.spanId);
  assert.is(underPoll.links[0]!.spanId, SID);
});

test('AC-002 batch consume: one CONSUMER span, a link per message context, messaging.batch.message_count', async () => {
  const { cap, tracer } = setup();
  const carriers: Array<Carrier | null> = [];
  for (let i = 0; i < 3; i++) {
    const s = tracer.startSpan('produce-' + i) as Span;
    carriers.push(injectMessageContext({}, s));
    s.end();
  }
  carriers.push({}, null);
  await consumeBatch(tracer, carriers, { system: 'kafka', destination: 'events' }, () => {});
  const batch = cap.spans[3]!;
  assert.is(batch.name, 'process events');
  assert.is(batch.kind, SpanKind.CONSUMER);
  assert.is(batch.getAttribute('messaging.batch.message_count'), 5);
  assert.equal(batch.links.map((l) => l.spanId), cap.spans.slice(0, 3).map((s) => s.spanId));
  assert.is(batch.parentSpanId, '');
});

test('AC-003 handler and publish errors: recorded on the span (ERROR, error.type) and rethrown', async () => {
  const { cap, tracer } = setup();
  const carrier: Carrier = {};
  const e1 = await publish(tracer, carrier, { system: 'nats', destination: 'x', operation: 'send' }, () => { throw new TypeError('broker down'); }).catch((e) => e);
  const e2 = await consumeMessage(tracer, carrier, { system: 'nats', destination: 'x' }, async () => { throw new RangeError('bad message'); }).catch((e) => e);
  assert.instance(e1, TypeError);
  assert.instance(e2, RangeError);
  const [prod, cons] = cap.spans as [Span, Span];
  assert.is(prod.name, 'send x');
  assert.is(prod.status, SpanStatusCode.ERROR);
  assert.is(prod.getAttribute('error.type'), 'TypeError');
  assert.is(cons.getAttribute('error.type'), 'RangeError');
  assert.is(cons.parentSpanId, prod.spanId);
});

test('AC-001 carriers from brokers: Buffers and one-element arrays read; duplicates and garbage restart (counted)', () => {
  const { tracer } = setup();
  const fromBuf = extractMessageContext({ traceparent: Buffer.from(`00-${TID}-${SID}-01`), tracestate: [Buffer.from('a=1')] }, tracer);
  assert.is(fromBuf?.traceId, TID);
  assert.is(fromBuf?.traceState?.toString(), 'a=1');
  assert.is(extractMessageContext({ Traceparent: `00-${TID}-${SID}-01` })?.spanId, SID);
  assert.is(extractMessageContext({ traceparent: [`00-${TID}-${SID}-01`, `00-${TID}-${SID}-01`] }, tracer), null);
  assert.is(extractMessageContext({ traceparent: 'garbage' }, tracer), null);
  assert.is(extractMessageContext(null), null);
  assert.is(tracer.stats().propagation.traceparentLength, 1);
  assert.is(injectMessageContext({ keep: '1' }).traceparent, undefined, 'no active span: nothing injected');
});

test('AC-001 carriers from brokers: a repeated or non-text traceparent is a counted rejection, not "missing"', () => {
  const { tracer } = setup();
  const tp = `00-${TID}-${SID}-01`;
  assert.is(extractMessageContext({ traceparent: [tp, Buffer.from(tp)] }, tracer), null);
  assert.is(extractMessageContext({ traceparent: 12345 }, tracer), null);
  assert.is(extractMessageContext({ traceparent: { value: tp } }, tracer), null);
  assert.is(extractMessageContext({}, tracer), null);
  assert.is(extractMessageContext({ traceparent: Object.create(null) }, tracer), null, 'no String() of its own: rejected, not thrown');
  const p = tracer.stats().propagation;
  assert.is(p.traceparentDuplicate, 1);
  assert.is(p.traceparentMissing, 1, 'only the carrier without one');
  assert.is(p.traceparentLength + p.traceparentFormat + p.traceparentHex, 3);
  // several tracestate values are one list (W3C §3.3.1.1)
  assert.is(extractMessageContext({ traceparent: tp, tracestate: ['a=1', Buffer.from('b=2')] }, tracer)?.traceState?.toString(), 'a=1,b=2');
});

test('AC-007 a megabyte header in a carrier (AMQP/NATS byte array) is read only up to its bound: the traceparent or tracestate is a counted rejection, the rest never decoded', () => {
  const { tracer } = setup();
  const tp = `00-${TID}-${SID}-01`;
  const MB = 10 * 1024 * 1024;
  const decoded: number[] = [];
  const toString = Buffer.prototype.toString;
  Buffer.prototype.toString = function (this: Buffer, ...a: unknown[]) { const s = (toString as (...x: unknown[]) => string).apply(this, a); decoded.push(s.length); return s; };
  let padded, ows, many, repeated;
  try {
    padded = extractMessageContext({ traceparent: Buffer.concat([Buffer.from(tp), Buffer.alloc(MB, ' ')]) }, tracer); // valid, then 10 MB of OWS
    ows = extractMessageContext({ traceparent: tp, tracestate: Buffer.alloc(MB, ' ') }, tracer);
    many = extractMessageContext({ traceparent: tp, tracestate: Array.from({ length: 100000 }, () => Buffer.from('a=1')) }, tracer);
    repeated = extractMessageContext({ traceparent: Array.from({ length: 100000 }, () => Buffer.from(tp)) }, tracer);
    assert.is(extractMessageContext({ traceparent: [Buffer.alloc(MB, 'a'), tp] }, tracer), null, 'still a repeated header');
  } finally {
    Buffer.prototype.toString = toString;
  }
  assert.is(padded, null);
  assert.is(ows?.spanId, SID, 'the traceparent stays (W3C §3.3)');
  assert.is(ows?.traceState, null);
  assert.is(many?.traceState, null);
  assert.is(repeated, null);
  const p = tracer.stats().propagation;
  assert.equal([p.traceparentLength, p.tracestateTooLong, p.traceparentDuplicate], [1, 2, 2]);
  assert.ok(Math.max(...decoded) <= 16448, `longest decode ${Math.max(...decoded)} chars`);
  assert.ok(decoded.reduce((a, b) => a + b, 0) <= 4 * 16448, `decoded ${decoded.reduce((a, b) => a + b, 0)} chars in all`);
});

test('AC-007 a carrier that throws when read (getter, Proxy, detached Buffer) never throws into the consumer: a new trace, counted', async () => {
  const { cap, tracer } = setup();
  const tp = `00-${TID}-${SID}-01`;
  const detached = new Uint8Array(Buffer.from(tp));
  structuredClone(detached.buffer, { transfer: [detached.buffer] }); // a header Buffer transferred to a worker thread
  const carriers: unknown[] = [
    Object.defineProperty({}, 'traceparent', { enumerable: true, get() { throw new Error('getter'); } }),
    new Proxy({}, { get() { throw new Error('proxy'); } }),
    { traceparent: tp, get tracestate() { throw new Error('tracestate getter'); } },
    { traceparent: new Proxy([tp, tp], { get(t, k) { if (k === '0') throw new Error('element'); return Reflect.get(t, k); } }) },
    { traceparent: detached },
  ];
  for (const c of carriers) {
    assert.is(extractMessageContext(c as Carrier, tracer), null);
    assert.is(await consumeMessage(tracer, c as Carrier, { system: 'rabbitmq', destination: 'q' }, () => 'handled'), 'handled');
  }
  assert.is(await consumeBatch(tracer, carriers as Carrier[], { system: 'rabbitmq', destination: 'q' }, () => 'batch'), 'batch');
  assert.is(cap.spans.length, carriers.length + 1);
  for (const s of cap.spans) { assert.is(s.parentSpanId, ''); assert.is(s.links.length, 0); }
  const p = tracer.stats().propagation;
  assert.is(p.carrierUnreadable, carriers.length * 3, 'every read counted: extract, consume, batch');
  assert.is(p.traceparentMissing + p.traceparentLength + p.traceparentFormat + p.traceparentDuplicate, 0, 'as unreadable, nothing else');
});

test('AC-007 BullMQ: job metadata that is not ours (not JSON, not an object, over 2 KiB) is a counted drop, the job is still processed', async () => {
  const { cap, tracer } = setup();
  const run = processJob(tracer, async (job: { name: string }) => job.name);
  const metas = ['not json', '{"traceparent":', '["00-x"]', '{' + ' '.repeat(4096) + '}'];
  for (const m of metas) assert.is(await run({ id: '1', name: 'j', queueName: 'q', opts: { telemetry: { metadata: m } } }), 'j');
  await run({ id: '2', name: 'plain', queueName: 'q', opts: {} });
  assert.is(cap.spans.length, 5);
  const p = tracer.stats().propagation;
  assert.is(p.carrierUnreadable, metas.length);
  assert.is(p.traceparentMissing, 1, 'a job added untraced has no context: missing, as an HTTP request without traceparent');
});

test('AC-002 create and receive operations: kinds and names per the messaging conventions', () => {
  const { tracer } = setup();
  const carrier: Carrier = {};
  const create = startPublish(tracer, carrier, { system: 'aws_sqs', destination: 'q', operation: 'create', attributes: { 'messaging.batch.message_count': 2 } }) as Span;
  const recv = startConsume(tracer, carrier, { system: 'aws_sqs', destination: 'q', operation: 'receive' }) as Span;
  assert.is(create.kind, SpanKind.PRODUCER);
  assert.is(create.getAttribute('messaging.operation.type'), 'create');
  assert.is(create.getAttribute('messaging.batch.message_count'), 2);
  assert.is(recv.kind, SpanKind.CLIENT);
  assert.is(recv.name, 'receive q');
  assert.is(recv.parentSpanId, create.spanId);
});

test('AC-002 recipes with stub clients: AMQP headers copied, BullMQ metadata, NATS headers', async () => {
  const { cap, tracer } = setup();
  // AMQP: the caller's headers object is not mutated.
  const callerHeaders = { 'x-a': '1' };
  let sent: { headers?: Record<string, unknown> } | undefined;
  publishAmqp(tracer, { publish: (_e, _k, _c, o) => { sent = o; return true; }, consume: async () => ({ consumerTag: 't' }) }, 'ex', 'rk', Buffer.from(BODY), { headers: callerHeaders });
  assert.equal(callerHeaders, { 'x-a': '1' });
  assert.is(sent!.headers!['x-a'], '1');
  assert.match(String(sent!.headers!.traceparent), /^00-/);
  assert.is(cap.spans[0]!.name, 'publish ex');
  // BullMQ: metadata string in opts.telemetry, parsed back with bounds.
  let opts: Record<string, unknown> = {};
  const job = await addJob(tracer, { name: 'emails', add: async (_n, _d, o) => { opts = o!; return { id: '7' }; } }, 'welcome', { to: 'x' }, { attempts: 3 });
  assert.is(job.id, '7');
  assert.is(opts.attempts, 3);
  const jobLike = { id: '7', name: 'welcome', queueName: 'emails', opts: opts as { telemetry: { metadata: string } } };
  assert.match(String(jobCarrier(jobLike)!.traceparent), /^00-/);
  assert.is(jobCarrier({ ...jobLike, opts: { telemetry: { metadata: '{bad' } } }), null);
  assert.is(jobCarrier({ ...jobLike, opts: { telemetry: { metadata: '{"a":' + '1'.repeat(3000) + '}' } } }), null);
  assert.is(jobCarrier({ ...jobLike, opts: {} }), null);
  await processJob(tracer, async (_j, _t, span) => { assert.ok(span.isRecording()); })(jobLike);
  const producer = cap.spans.find((s) => s.name === 'publish emails')!;
  const consumer = cap.spans.find((s) => s.name === 'process emails')!;
  assert.is(producer.getAttribute('messaging.message.id'), '7');
  assert.is(consumer.parentSpanId, producer.spanId);
  // NATS: headers factory required, context written into the headers.
  const h = new Map<string, string>();
  const hdrs = { get: (k: string) => h.get(k) ?? '', set: (k: string, v: string) => void h.set(k, v) };
  const nc = { publish: () => {}, subscribe: () => ({}) };
  assert.throws(() => publishNats(tracer, nc, 'subj', 'x'), /createHeaders/);
  publishNats(tracer, nc, 'subj', 'x', { createHeaders: () => hdrs });
  assert.match(h.get('traceparent')!, /^00-/);
  assert.equal(natsCarrier({ subject: 's', data: new Uint8Array(), headers: hdrs }), { traceparent: h.get('traceparent') });
  assert.is(natsCarrier({ subject: 's', data: new Uint8Array() }), null);
});

test('AC-002 batch receive: a CLIENT span (semconv: receive → CLIENT, process → CONSUMER), one link per message', async () => {
  const { cap, tracer } = setup();
  const p = tracer.startSpan('produce') as Span;
  const carrier = injectMessageContext({}, p);
  p.end();
  await consumeBatch(tracer, [carrier, carrier], { system: 'aws_sqs', destination: 'q', operation: 'receive' }, () => {});
  await consumeBatch(tracer, [carrier], { system: 'aws_sqs', destination: 'q' }, () => {});
  const [, recv, proc] = cap.spans as [Span, Span, Span];
  assert.is(recv.name, 'receive q');
  assert.is(recv.kind, SpanKind.CLIENT);
  assert.is(recv.links.length, 2);
  assert.is(proc.kind, SpanKind.CONSUMER);
});

test('AC-001 republishing a forwarded carrier: the old message\'s tracestate does not ride along with the new traceparent', async () => {
  const { cap, tracer } = setup();
  const incoming: Carrier = { traceparent: `00-${TID}-${SID}-01`, tracestate: 'vendor=old-trace', 'x-app': 'keep' };
  // forwarded under a new trace (no active span): nothing of the old trace may be left
  const fwd: Carrier = { ...incoming };
  await publish(tracer, fwd, { system: 'rabbitmq', destination: 'retry' }, () => {});
  assert.is.not(String(fwd.traceparent).slice(3, 35), TID);
  assert.is(fwd.tracestate, undefined, 'stale tracestate removed');
  assert.is(fwd['x-app'], 'keep');
  const viaInject = injectMessageContext({ ...incoming }, tracer.startSpan('other', { root: true }));
  assert.is(viaInject.tracestate, undefined);
  // continuing the message's own trace keeps its tracestate (inherited by the producer span)
  const cont: Carrier = { ...incoming };
  const parent = extractMessageContext(incoming, tracer)!;
  await tracer.withSpan(parent, () => publish(tracer, cont, { system: 'rabbitmq', destination: 'next' }, () => {}));
  assert.is(cont.tracestate, 'vendor=old-trace');
  assert.is(String(cont.traceparent).slice(3, 35), TID);
  // an invalid context writes nothing and leaves the carrier as it was
  const untouched = injectMessageContext({ ...incoming }, { t0: 0, t1: 0, t2: 0, t3: 0, s0: 0, s1: 0, traceFlags: 0, traceState: null } as never);
  assert.equal(untouched, incoming);
  // NATS: forwarded headers lose their tracestate too
  const h = new Map<string, string>([['traceparent', `00-${TID}-${SID}-01`], ['tracestate', 'vendor=old-trace']]);
  const hdrs = { get: (k: string) => h.get(k) ?? '', set: (k: string, v: string) => void h.set(k, v), delete: (k: string) => void h.delete(k) };
  publishNats(tracer, { publish: () => {}, subscribe: () => ({}) }, 'subj', 'x', { headers: hdrs });
  assert.is.not(h.get('traceparent')!.slice(3, 35), TID);
  assert.not.ok(h.has('tracestate'));
  assert.is(cap.spans.length, 3);
});

test('AC-001 NATS headers written by Go producers (http.Header canonicalises to Traceparent) are read', () => {
  const h = new Map<string, string>([['Traceparent', `00-${TID}-${SID}-01`], ['Tracestate', 'a=1']]);
  const hdrs = { get: (k: string) => h.get(k) ?? '', set: (k: string, v: string) => void h.set(k, v) };
  assert.equal(natsCarrier({ subject: 's', data: new Uint8Array(), headers: hdrs }), { traceparent: `00-${TID}-${SID}-01`, tracestate: 'a=1' });
  assert.is(extractMessageContext(natsCarrier({ subject: 's', data: new Uint8Array(), headers: hdrs }))?.traceId, TID);
  // lower-case wins when both are there; neither: no carrier
  h.set('traceparent', `00-${TID}-${'1'.repeat(16)}-01`);
  assert.is(natsCarrier({ subject: 's', data: new Uint8Array(), headers: hdrs })!.traceparent, `00-${TID}-${'1'.repeat(16)}-01`);
  assert.is(natsCarrier({ subject: 's', data: new Uint8Array(), headers: { get: () => '', set: () => {} } }), null);
});

test('AC-002 broker callbacks run in the connection\'s stale context (js#4001): recipe consumer spans neither join nor link it', async () => {
  const { cap, tracer } = setup();
  // amqplib / nats.js call back from socket I/O, in the async context the connection was opened in: here a
  // request span that ended long before the messages arrive.
  const stale = tracer.startSpan('GET /first-request') as Span;
  stale.end();
  const producer = tracer.startSpan('producer', { root: true }) as Span;
  const headers = injectMessageContext({}, producer);
  producer.end();
  const amqpCbs: Array<(m: AmqpMessageLike | null) => void> = [];
  const ch = { publish: () => true, consume: async (_q: string, cb: (m: AmqpMessageLike | null) => void) => { amqpCbs.push(cb); return { consumerTag: 't' }; } };
  await consumeAmqp(tracer, ch, 'jobs', () => {}, { mode: 'link' });
  await consumeAmqp(tracer, ch, 'jobs', () => {});
  let natsCb!: (e: Error | null, m: NatsMsgLike) => void;
  subscribeNats(tracer, { publish: () => {}, subscribe: (_s, o) => { natsCb = o!.callback!; return {}; } }, 'jobs', () => {});
  const msg = (h?: Record<string, unknown>): AmqpMessageLike => ({ content: Buffer.from(BODY), fields: { exchange: '', routingKey: 'jobs' }, properties: { headers: h } });
  tracer.withSpan(stale, () => {
    amqpCbs[0]!(msg(headers)); // link mode with a creation context
    amqpCbs[1]!(msg());        // parent mode, message without context
    natsCb(null, { subject: 'jobs', data: new Uint8Array(), headers: { get: (k: string) => (headers[k] as string | undefined) ?? '', set: () => {} } });
  });
  for (let i = 0; i < 20 && cap.spans.length < 5; i++) await new Promise((r) => setTimeout(r, 1));
  const consumers = cap.spans.filter((s) => s.kind === SpanKind.CONSUMER);
  assert.is(consumers.length, 3);
  for (const c of consumers) {
    assert.is.not(c.traceId === stale.traceId && c.parentSpanId === stale.spanId, true, `${c.name}: not a child of the stale request span`);
    assert.not.ok(c.links.some((l) => l.spanId === stale.spanId), 'no link to the stale request span');
  }
  const [linkMode, noContext, nats] = consumers as [Span, Span, Span];
  assert.is(linkMode.parentSpanId, '');
  assert.is(linkMode.links[0]!.spanId, producer.spanId);
  assert.is(noContext.parentSpanId, '');
  assert.is.not(noContext.traceId, stale.traceId);
  assert.is(nats.parentSpanId, producer.spanId);
  assert.is(nats.links.length, 0);
});

test('AC-001 BullMQ: a valid tracestate full of JSON-escaped characters still fits the metadata bound', async () => {
  const { tracer } = setup();
  const ts = 'a=' + '"'.repeat(250) + ',b=' + '\\'.repeat(250); // printable ASCII: a valid W3C tracestate
  const parent = tracer.extract({ traceparent: `00-${TID}-${SID}-01`, tracestate: ts })!;
  assert.is(parent.traceState?.toString(), ts);
  let opts: Record<string, unknown> = {};
  await tracer.withSpan(parent, () => addJob(tracer, { name: 'q', add: async (_n, _d, o) => { opts = o!; return { id: '1' }; } }, 'j', {}));
  const c = jobCarrier({ name: 'j', queueName: 'q', opts: opts as { telemetry: { metadata: string } } });
  assert.ok(c, 'context not lost');
  assert.is(extractMessageContext(c, tracer)?.traceId, TID);
  assert.is(extractMessageContext(c, tracer)?.traceState?.toString(), ts);
});

test('AC-007 consumeAmqp keeps amqplib\'s error handling: a handler\'s synchronous throw reaches amqplib (channel error), a broker cancel is not swallowed', async () => {
  const logs: string[] = [];
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'svc', processor: cap, logger: (m) => logs.push(m) });
  const cbs: Array<(m: AmqpMessageLike | null) => void> = [];
  const ch = { publish: () => true, consume: async (_q: string, cb: (m: AmqpMessageLike | null) => void) => { cbs.push(cb); return { consumerTag: 't' }; } };
  const msg: AmqpMessageLike = { content: Buffer.from(BODY), fields: { exchange: '', routingKey: 'jobs' }, properties: {} };
  const seen: unknown[] = [];
  let cancels = 0;
  await consumeAmqp(tracer, ch, 'jobs', () => { throw new TypeError('bad message'); });
  await consumeAmqp(tracer, ch, 'jobs', () => { throw new RangeError('handled'); }, { onError: (e) => seen.push(e), onCancel: () => cancels++ });
  // amqplib catches a consumer's throw and closes the channel with an 'error' event: it must still get it
  assert.throws(() => cbs[0]!(msg), (e: Error) => e instanceof TypeError);
  cbs[1]!(msg);
  assert.is(seen.length, 1);
  assert.instance(seen[0], RangeError);
  assert.is(cap.spans.length, 2, 'both spans ended');
  assert.is(cap.spans[0]!.status, SpanStatusCode.ERROR);
  assert.is(cap.spans[0]!.getAttribute('error.type'), 'TypeError');
  // a rejected promise is still recorded and goes to onError
  await consumeAmqp(tracer, ch, 'jobs', async () => { throw new SyntaxError('later'); }, { onError: (e) => seen.push(e) });
  cbs[2]!(msg);
  for (let i = 0; i < 20 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 1));
  assert.instance(seen[1], SyntaxError);
  assert.is(cap.spans[2]!.getAttribute('error.type'), 'SyntaxError');
  // amqplib's null delivery (queue deleted, consumer cancelled by the broker)
  cbs[1]!(null);
  assert.is(cancels, 1);
  cbs[0]!(null);
  assert.ok(logs.some((l) => l.includes('cancelled') && l.includes('"jobs"')), 'reported when there is no onCancel');
  assert.is(cap.spans.length, 3, 'no span for a cancel');
});

test('AC-007 subscribeNats: a subscription error (permissions violation) reaches onError, and without it the logger (never a crash)', async () => {
  const logs: string[] = [];
  const tracer = createTracer({ service: 'svc', processor: new CaptureProcessor(), logger: (m) => logs.push(m) });
  const cbs: Array<(e: Error | null, m: NatsMsgLike) => void> = [];
  const nc = { publish: () => {}, subscribe: (_s: string, o?: { callback?: (e: Error | null, m: NatsMsgLike) => void }) => { cbs.push(o!.callback!); return {}; } };
  const errs: unknown[] = [];
  let handled = 0;
  subscribeNats(tracer, nc, 'secret.x', () => { handled++; }, { onError: (e) => errs.push(e) });
  subscribeNats(tracer, nc, 'secret.y', () => { handled++; });
  const denied = new Error('Permissions Violation for Subscription to "secret.x"');
  cbs[0]!(denied, {} as NatsMsgLike);
  assert.equal(errs, [denied]);
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => { unhandled.push(e); };
  process.on('unhandledRejection', onUnhandled);
  try {
    cbs[1]!(denied, {} as NatsMsgLike);
    for (let i = 0; i < 20 && unhandled.length === 0; i++) await new Promise((r) => setTimeout(r, 1));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  assert.equal(unhandled, [], 'no unhandled rejection: fatal to the host by default');
  assert.is(logs.length, 1);
  assert.match(logs[0]!, 'the subscription to "secret.y" failed (Permissions Violation');
  assert.is(handled, 0);
});

test('AC-002 BullMQ processJob: the Worker\'s stale construction context is no parent or link (js#4001); repeatable-job iterations start their own trace linked to the add', async () => {
  const { cap, tracer } = setup();
  let opts: Record<string, unknown> = {};
  const producer = tracer.startSpan('schedule', { root: true }) as Span;
  await tracer.withSpan(producer, () => addJob(tracer, { name: 'q', add: async (_n, _d, o) => { opts = o!; return { id: '1' }; } }, 'tick', {}, { repeat: { every: 1000 } }));
  producer.end();
  const add = cap.spans.find((s) => s.name === 'publish q')!;
  const telemetry = opts.telemetry as { metadata: string };
  // the Worker was made while a request was handled: BullMQ runs the processor in that (ended) context
  const stale = tracer.startSpan('GET /first-request', { root: true }) as Span;
  stale.end();
  const proc = processJob(tracer, () => 'ok');
  await tracer.withSpan(stale, () => Promise.all([
    proc({ id: '2', name: 'plain', queueName: 'q' }), // added without context
    proc({ id: '3', name: 'traced', queueName: 'q', opts: { telemetry } }),
    proc({ id: 'repeat:k:1', name: 'tick', queueName: 'q', repeatJobKey: 'k', opts: { telemetry } }),
    proc({ id: 'repeat:k:2', name: 'tick', queueName: 'q', repeatJobKey: 'k', attemptsMade: 1, opts: { telemetry } }),
  ]));
  const [plain, traced, it1, it2] = cap.spans.filter((s) => s.kind === SpanKind.CONSUMER) as [Span, Span, Span, Span];
  assert.is(plain.parentSpanId, '', 'no context: a new trace, not the stale request\'s');
  assert.is.not(plain.traceId, stale.traceId);
  assert.is(traced.parentSpanId, add.spanId);
  assert.is(traced.links.length, 0, 'no link to the stale request span');
  for (const it of [it1, it2]) {
    assert.is(it.parentSpanId, '', 'a repeat iteration is a root');
    assert.is.not(it.traceId, add.traceId);
    assert.equal(it.links.map((l) => l.spanId), [add.spanId]);
  }
  assert.is.not(it1.traceId, it2.traceId, 'one trace per iteration');
});

test('AC-003 temporary destinations (NATS reply inboxes, RabbitMQ server-named and reply-to queues): span named by the operation, not one name per request', async () => {
  const { cap, tracer } = setup();
  const hdrs = () => { const h = new Map<string, string>(); return { get: (k: string) => h.get(k) ?? '', set: (k: string, v: string) => void h.set(k, v) }; };
  const nc = { publish: () => {}, subscribe: () => ({}) };
  publishNats(tracer, nc, '_INBOX.RPFQ6XG3GB8E0TFWOZYY1C.RPFQ6XG3GB8E0TFWOZYXX0', 'pong', { createHeaders: hdrs });
  publishNats(tracer, nc, 'svc.echo', 'ping', { createHeaders: hdrs });
  await processNats(tracer, { subject: '_INBOX.ABC.DEF', data: new Uint8Array() }, () => {});
  const ch = { publish: () => true, consume: async (_q: string, cb: (m: AmqpMessageLike | null) => void) => { cb({ content: Buffer.from(BODY), fields: { exchange: '', routingKey: 'amq.gen-JzTY20BRgKO-HjmUJj0wLg' }, properties: {} }); return { consumerTag: 't' }; } };
  publishAmqp(tracer, ch, '', 'amq.rabbitmq.reply-to.g1h2AA5yZXBseUAy', Buffer.from(BODY));
  publishAmqp(tracer, ch, '', 'orders', Buffer.from(BODY));
  await consumeAmqp(tracer, ch, 'amq.gen-JzTY20BRgKO-HjmUJj0wLg', () => {});
  await startConsume(tracer, null, { system: 'aws_sqs', destination: 'q-123', temporary: true }).end();
  assert.equal(cap.spans.map((s) => s.name), ['publish', 'publish svc.echo', 'process', 'publish', 'publish orders', 'process', 'process']);
  const temp = cap.spans.filter((s) => !s.name.includes(' '));
  for (const s of temp) {
    assert.is(s.getAttribute('messaging.destination.temporary'), true, s.name);
    assert.ok(String(s.getAttribute('messaging.destination.name')).length > 0, 'the name stays an attribute');
  }
  assert.is(cap.spans[1]!.getAttribute('messaging.destination.temporary'), undefined);
});

test.run();
