// Batch-publish, pull and request/reply recipes with fake clients: BullMQ addBulk and flows, amqplib
// basic.get, NATS request/respond, JetStream pull consumers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, SpanKind, type Span } from '../src/index.js';
import { injectMessageContext } from '../adapters/queue.js';
import { addFlow, addFlows, addJobs, jobCarrier, processJob, type BullBulkJob, type BullFlowJob } from '../adapters/queue-bullmq.js';
import { getAmqp, type AmqpMessageLike } from '../adapters/queue-amqp.js';
import { processNats, requestNats, respondNats, subscribeNats, type NatsHeadersLike, type NatsMsgLike } from '../adapters/queue-nats.js';
import { nextJetStream, processJetStream, processJetStreamMessages, publishJetStream, type JsMsgLike } from '../adapters/queue-jetstream.js';
import { storage } from '../src/context.js';
import { markNoTrace } from '../src/suppress.js';
import { CaptureProcessor } from './helpers/capture.js';

function setup(service = 'svc') {
  const cap = new CaptureProcessor();
  return { cap, tracer: createTracer({ service, processor: cap }) };
}
function hdrs(): NatsHeadersLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, get: (k) => map.get(k) ?? '', set: (k, v) => void map.set(k, v), delete: (k) => void map.delete(k) };
}

test('AC-002 BullMQ addJobs (addBulk): a create PRODUCER span per job carried by that job, one CLIENT send span linking them all', async () => {
  const { cap, tracer } = setup();
  let sent: BullBulkJob[] = [];
  const queue = { name: 'mail', add: async () => ({ id: 'x' }), addBulk: async (jobs: BullBulkJob[]) => { sent = jobs; return jobs.map((_, i) => ({ id: String(i + 1) })); } };
  const callerJobs: BullBulkJob[] = [{ name: 'a', data: { n: 1 }, opts: { attempts: 2 } }, { name: 'b', data: { n: 2 }, opts: { jobId: 'fixed' } }];
  const root = tracer.startSpan('signup') as Span;
  const out = await tracer.withSpan(root, () => addJobs(tracer, queue, callerJobs));
  root.end();
  assert.equal(out.map((j) => j.id), ['1', '2']);
  assert.equal(callerJobs[0]!.opts, { attempts: 2 }, 'the caller\'s options are not mutated');
  assert.is(sent[0]!.opts!.attempts, 2);
  const creates = cap.spans.filter((s) => s.name === 'create mail');
  const send = cap.spans.find((s) => s.name === 'send mail')!;
  assert.is(creates.length, 2);
  for (const c of creates) { assert.is(c.kind, SpanKind.PRODUCER); assert.is(c.parentSpanId, root.spanId); assert.is(c.getAttribute('messaging.operation.type'), 'create'); }
  assert.is(creates[1]!.getAttribute('messaging.message.id'), 'fixed');
  assert.is(send.kind, SpanKind.CLIENT);
  assert.is(send.parentSpanId, root.spanId);
  assert.is(send.getAttribute('messaging.batch.message_count'), 2);
  assert.equal(send.links.map((l) => l.spanId), creates.map((c) => c.spanId));
  // each job carries its own create span; the worker's span is its child
  for (let i = 0; i < 2; i++) {
    const job = { id: String(i + 1), name: sent[i]!.name, queueName: 'mail', opts: sent[i]!.opts as { telemetry: { metadata: string } } };
    assert.is(jobCarrier(job)!.traceparent, `00-${root.traceId}-${creates[i]!.spanId}-03`);
    await processJob(tracer, async () => {})(job);
  }
  const workers = cap.spans.filter((s) => s.name === 'process mail');
  assert.equal(workers.map((w) => w.parentSpanId), creates.map((c) => c.spanId));
});

test('AC-003 BullMQ addJobs: a failing addBulk is an error on the send span and rethrown; a Queue without addBulk is a clear TypeError', async () => {
  const { cap, tracer } = setup();
  const queue = { name: 'mail', add: async () => ({}), addBulk: async () => { throw new Error('READONLY'); } };
  await addJobs(tracer, queue, [{ name: 'a' }, { name: 'b' }]).then(() => assert.unreachable(), (e: Error) => assert.is(e.message, 'READONLY'));
  const send = cap.spans.find((s) => s.name === 'send mail')!;
  assert.is(send.status, 2);
  await addJobs(tracer, { name: 'q', add: async () => ({}) }, []).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /addBulk/));
});

test('AC-002 BullMQ a batch of one job (addJobs of one, a childless addFlow, addFlows of one) is one PRODUCER publish span, as addJob makes: no create + send pair', async () => {
  const { cap, tracer } = setup();
  let bulk: BullBulkJob[] = [];
  let flow!: BullFlowJob;
  let flows: BullFlowJob[] = [];
  const queue = { name: 'mail', add: async () => ({ id: 'x' }), addBulk: async (j: BullBulkJob[]) => { bulk = j; return [{ id: '7' }]; } };
  const fp = { add: async (f: BullFlowJob) => { flow = f; return { job: { id: 'r1' } }; }, addBulk: async (f: BullFlowJob[]) => { flows = f; return [{ job: { id: 't9' } }]; } };
  const root = tracer.startSpan('signup') as Span;
  await tracer.withSpan(root, async () => {
    assert.equal(await addJobs(tracer, queue, [{ name: 'welcome', opts: { attempts: 2 } }]), [{ id: '7' }]);
    await addFlow(tracer, fp, { name: 'render', queueName: 'renders', children: [] });
    await addFlows(tracer, fp, [{ name: 'thumb', queueName: 'images', opts: { jobId: 't1' } }]);
  });
  root.end();
  const spans = cap.spans.filter((s) => s !== root);
  assert.equal(spans.map((s) => [s.name, s.kind]), [['publish mail', SpanKind.PRODUCER], ['publish renders', SpanKind.PRODUCER], ['publish images', SpanKind.PRODUCER]]);
  for (const s of spans) {
    assert.is(s.parentSpanId, root.spanId);
    assert.is(s.links.length, 0);
    assert.is(s.getAttribute('messaging.operation.name'), 'publish');
    assert.is(s.getAttribute('messaging.batch.message_count'), undefined, 'semconv: not on a span of one message');
  }
  assert.equal(spans.map((s) => s.getAttribute('messaging.message.id')), ['7', 'r1', 't9'], 'the ID BullMQ gave, as addJob');
  assert.equal(spans.map((s) => s.getAttribute('messaging.bullmq.job.name')), ['welcome', 'render', 'thumb']);
  const carrierOf = (j: { name: string; opts?: Record<string, unknown> }) => jobCarrier({ name: j.name, queueName: 'q', opts: j.opts as { telemetry: { metadata: string } } })!.traceparent;
  assert.equal([carrierOf(bulk[0]!), carrierOf(flow), carrierOf(flows[0]!)], spans.map((s) => `00-${root.traceId}-${s.spanId}-03`), 'each job carries its publish span');
  assert.is(bulk[0]!.opts!.attempts, 2);
  const failing = { name: 'mail', add: async () => ({}), addBulk: async () => { throw new Error('READONLY'); } };
  await addJobs(tracer, failing, [{ name: 'a' }]).then(() => assert.unreachable(), (e: Error) => assert.is(e.message, 'READONLY'));
  assert.is(cap.spans.at(-1)!.name, 'publish mail');
  assert.is(cap.spans.at(-1)!.status, 2);
});

test('AC-003 BullMQ addJobs with more jobs than the link limit: every job still carries its context, the extra links are counted drops', async () => {
  const { cap, tracer } = setup();
  let sent: BullBulkJob[] = [];
  const jobs = Array.from({ length: 130 }, (_, i) => ({ name: 'j' + i }));
  await addJobs(tracer, { name: 'q', add: async () => ({}), addBulk: async (j: BullBulkJob[]) => { sent = j; return []; } }, jobs);
  assert.is(cap.spans.find((s) => s.name === 'send q')!.links.length, 128);
  assert.is(tracer.stats().linksDropped, 2);
  assert.ok(sent.every((j) => /^00-/.test(String(jobCarrier({ name: j.name, queueName: 'q', opts: j.opts as { telemetry: { metadata: string } } })!.traceparent))));
});

test('AC-002 BullMQ addFlow (FlowProducer.add): every job carries its own context, children under their parent job\'s create span, one trace', async () => {
  const { cap, tracer } = setup();
  let sent!: BullFlowJob;
  const producer = { add: async (f: BullFlowJob) => { sent = f; return { job: { id: 'r' } }; } };
  const flow: BullFlowJob = {
    name: 'render', queueName: 'renders', data: { v: 1 },
    children: [{ name: 'audio', queueName: 'steps', children: [{ name: 'fetch', queueName: 'io' }] }, { name: 'video', queueName: 'steps', opts: { jobId: 'v1' } }],
  };
  const root = tracer.startSpan('POST /render') as Span;
  await tracer.withSpan(root, () => addFlow(tracer, producer, flow));
  root.end();
  assert.is(flow.opts, undefined, 'the caller\'s tree is not mutated');
  assert.is(flow.children![0]!.opts, undefined);
  const byJob = (n: string) => cap.spans.find((s) => s.kind === SpanKind.PRODUCER && s.getAttribute('messaging.bullmq.job.name') === n)!;
  const carrierOf = (node: BullFlowJob) => jobCarrier({ name: node.name, queueName: node.queueName, opts: node.opts as { telemetry: { metadata: string } } })!;
  assert.is(byJob('render').parentSpanId, root.spanId);
  assert.is(byJob('audio').parentSpanId, byJob('render').spanId);
  assert.is(byJob('fetch').parentSpanId, byJob('audio').spanId);
  assert.is(byJob('video').parentSpanId, byJob('render').spanId);
  assert.is(byJob('video').getAttribute('messaging.message.id'), 'v1');
  assert.is(byJob('fetch').name, 'create io');
  assert.is(carrierOf(sent.children![0]!.children![0]!).traceparent, `00-${root.traceId}-${byJob('fetch').spanId}-03`);
  assert.is(carrierOf(sent).traceparent, `00-${root.traceId}-${byJob('render').spanId}-03`);
  const send = cap.spans.find((s) => s.kind === SpanKind.CLIENT)!;
  assert.is(send.name, 'send renders');
  assert.is(send.getAttribute('messaging.batch.message_count'), 4);
  assert.is(send.links.length, 4);
  assert.ok(cap.spans.every((s) => s.traceId === root.traceId), 'one trace for the whole flow');
});

test('AC-002 BullMQ addFlows (FlowProducer.addBulk): each flow\'s jobs under their own create spans, one CLIENT send span per call linking every job', async () => {
  const { cap, tracer } = setup();
  let sent: BullFlowJob[] = [];
  const producer = { add: async () => ({}), addBulk: async (f: BullFlowJob[]) => { sent = f; return f.map((_, i) => ({ job: { id: 'f' + i } })); } };
  const flows: BullFlowJob[] = [
    { name: 'render', queueName: 'renders', children: [{ name: 'audio', queueName: 'steps' }] },
    { name: 'thumb', queueName: 'images', opts: { jobId: 't1' } },
  ];
  const root = tracer.startSpan('POST /batch') as Span;
  const out = await tracer.withSpan(root, () => addFlows(tracer, producer, flows));
  root.end();
  assert.equal(out, [{ job: { id: 'f0' } }, { job: { id: 'f1' } }]);
  assert.is(flows[0]!.opts, undefined, 'the caller\'s trees are not mutated');
  assert.equal(flows[1]!.opts, { jobId: 't1' });
  const byJob = (n: string) => cap.spans.find((s) => s.kind === SpanKind.PRODUCER && s.getAttribute('messaging.bullmq.job.name') === n)!;
  const carrierOf = (node: BullFlowJob) => jobCarrier({ name: node.name, queueName: node.queueName, opts: node.opts as { telemetry: { metadata: string } } })!;
  assert.is(byJob('render').parentSpanId, root.spanId);
  assert.is(byJob('thumb').parentSpanId, root.spanId);
  assert.is(byJob('audio').parentSpanId, byJob('render').spanId);
  assert.is(byJob('thumb').getAttribute('messaging.message.id'), 't1');
  assert.is(carrierOf(sent[0]!.children![0]!).traceparent, `00-${root.traceId}-${byJob('audio').spanId}-03`);
  assert.is(carrierOf(sent[1]!).traceparent, `00-${root.traceId}-${byJob('thumb').spanId}-03`);
  const sends = cap.spans.filter((s) => s.kind === SpanKind.CLIENT);
  assert.is(sends.length, 1, 'one send span per call');
  assert.is(sends[0]!.name, 'send', 'two root queues: no single destination');
  assert.is(sends[0]!.getAttribute('messaging.destination.name'), undefined);
  assert.is(sends[0]!.getAttribute('messaging.batch.message_count'), 3);
  assert.equal(sends[0]!.links.map((l) => l.spanId), ['render', 'audio', 'thumb'].map((n) => byJob(n).spanId));
  // flows starting in one queue: `send <queue>` with its destination; an addBulk error is an error on it, rethrown
  const failing = { add: async () => ({}), addBulk: async () => { throw new Error('EXECABORT'); } };
  await addFlows(tracer, failing, [{ name: 'a', queueName: 'q' }, { name: 'b', queueName: 'q' }]).then(() => assert.unreachable(), (e: Error) => assert.is(e.message, 'EXECABORT'));
  const send = cap.spans.at(-1)!;
  assert.is(send.name, 'send q');
  assert.is(send.getAttribute('messaging.destination.name'), 'q');
  assert.is(send.status, 2);
  await addFlows(tracer, { add: async () => ({}) }, []).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /addBulk/));
});

test('AC-002 amqplib getAmqp (basic.get): an empty queue is false with no span and no handler call; a message gets a CONSUMER span under its producer, the poller\'s span a link', async () => {
  const { cap, tracer } = setup();
  const queue: Array<AmqpMessageLike | false> = [false];
  const ch = { publish: () => true, consume: async () => ({ consumerTag: 't' }), get: async () => queue.shift() ?? false };
  let calls = 0;
  assert.is(await getAmqp(tracer, ch, 'orders', () => { calls++; }), false);
  assert.is(calls, 0);
  assert.is(cap.spans.length, 0);
  const prod = tracer.startSpan('publish orders', { kind: SpanKind.PRODUCER }) as Span;
  queue.push({ content: Buffer.from('x'), fields: { exchange: '', routingKey: 'orders' }, properties: { headers: injectMessageContext({}, prod), messageId: 'm-1' } });
  prod.end();
  const poll = tracer.startSpan('poll') as Span;
  const r = await tracer.withSpan(poll, () => getAmqp(tracer, ch, 'orders', (msg, span) => { assert.is(tracer.activeSpan(), span); return msg.properties.messageId; }));
  poll.end();
  assert.is(r, 'm-1');
  const c = cap.spans.find((s) => s.kind === SpanKind.CONSUMER)!;
  assert.is(c.name, 'process orders');
  assert.is(c.parentSpanId, prod.spanId);
  assert.equal(c.links.map((l) => l.spanId), [poll.spanId]);
  assert.is(c.getAttribute('messaging.message.id'), 'm-1');
  // a handler error: recorded, rethrown to the caller
  queue.push({ content: Buffer.from('x'), fields: { exchange: '', routingKey: 'orders' }, properties: {} });
  await getAmqp(tracer, ch, 'orders', () => { throw new Error('bad'); }).then(() => assert.unreachable(), (e: Error) => assert.is(e.message, 'bad'));
  assert.is(cap.spans.at(-1)!.status, 2);
});

/** A fake connection: request() hands the message to processNats (as a subscription would) and returns the reply. */
function fakeNats(responder: ReturnType<typeof setup>['tracer'], createHeaders?: () => NatsHeadersLike) {
  return {
    publish: () => {}, subscribe: () => ({}),
    request: async (subject: string, data: unknown, o?: { headers?: NatsHeadersLike }) => {
      let reply: NatsMsgLike | undefined;
      const msg: NatsMsgLike = { subject, reply: '_INBOX.abc.1', data: new Uint8Array(), headers: o?.headers, respond: (p, ro) => { reply = { subject: '_INBOX.abc.1', data: new Uint8Array(), headers: ro?.headers }; return true; } };
      await processNats(responder, msg, (m) => { m.respond!('pong'); }, { createHeaders });
      if (reply === undefined) throw new Error('TIMEOUT');
      return reply;
    },
  };
}

test('AC-002 NATS request/reply: the request is a PRODUCER span the responder\'s CONSUMER span is under; msg.respond carries the responder\'s context, linked by the requester', async () => {
  const a = setup('requester');
  const b = setup('responder');
  const nc = fakeNats(b.tracer, hdrs);
  const root = a.tracer.startSpan('GET /quote') as Span;
  await a.tracer.withSpan(root, () => requestNats(a.tracer, nc, 'svc.quote', 'q', { createHeaders: hdrs, timeout: 500 }));
  root.end();
  const req = a.cap.spans.find((s) => s.kind === SpanKind.PRODUCER)!;
  const proc = b.cap.spans.find((s) => s.kind === SpanKind.CONSUMER)!;
  const rep = b.cap.spans.find((s) => s.kind === SpanKind.PRODUCER)!;
  assert.is(req.name, 'request svc.quote');
  assert.is(req.getAttribute('messaging.operation.type'), 'send');
  assert.is(req.parentSpanId, root.spanId);
  assert.is(proc.parentSpanId, req.spanId);
  assert.is(rep.name, 'publish', 'reply inbox: a temporary destination');
  assert.is(rep.parentSpanId, proc.spanId);
  assert.equal(req.links.map((l) => l.spanId), [rep.spanId], 'the requester links the reply\'s context');
  // without the headers factory msg.respond is nats.js's own: no reply span, nothing to link
  const c = setup('requester');
  const d = setup('responder');
  await requestNats(c.tracer, fakeNats(d.tracer), 'svc.quote', 'q', { createHeaders: hdrs });
  assert.is(c.cap.spans[0]!.links.length, 0);
  assert.is(d.cap.spans.filter((s) => s.kind === SpanKind.PRODUCER).length, 0);
});

test('AC-002 NATS traced msg.respond keeps the responder\'s own headers and reply option, adding the context to them', async () => {
  const { cap, tracer } = setup();
  let sent: { headers?: NatsHeadersLike; reply?: string } | undefined;
  const msg: NatsMsgLike = { subject: 'svc', reply: '_INBOX.z.9', data: new Uint8Array(), respond: (_p, o) => { sent = o; return true; } };
  const own = hdrs();
  own.set('x-app', '1');
  await processNats(tracer, msg, (m) => m.respond!('pong', { headers: own, reply: 'back.here' }), { createHeaders: hdrs });
  assert.is(sent!.headers, own);
  assert.is(own.get('x-app'), '1');
  assert.is(own.get('traceparent'), `00-${cap.spans[0]!.traceId}-${cap.spans[0]!.spanId}-03`, 'the reply span\'s context');
  assert.is(sent!.reply, 'back.here');
  assert.equal(cap.spans.map((s) => s.name), ['publish', 'process svc']);
});

test('AC-002 NATS one reply is one reply span: respondNats inside a processNats(createHeaders) handler, or a message processed twice, does not wrap respond twice', async () => {
  const { cap, tracer } = setup();
  const sent: Array<string | undefined> = [];
  const msg: NatsMsgLike = { subject: 'svc', reply: '_INBOX.z.9', data: new Uint8Array(), respond: (_p, o) => { sent.push(o?.headers?.get('traceparent')); return true; } };
  await processNats(tracer, msg, (m) => respondNats(tracer, m, 'pong', { createHeaders: hdrs }), { createHeaders: hdrs });
  await processNats(tracer, msg, (m) => { m.respond!('again'); }, { createHeaders: hdrs }); // e.g. a retry of the same message
  const replies = cap.spans.filter((s) => s.kind === SpanKind.PRODUCER);
  assert.is(replies.length, 2, 'one reply span per respond');
  assert.is(sent.length, 2);
  for (let i = 0; i < 2; i++) assert.is(sent[i], `00-${replies[i]!.traceId}-${replies[i]!.spanId}-03`, 'the reply carries its own span\'s context');
  assert.is(replies[1]!.parentSpanId, cap.spans.filter((s) => s.kind === SpanKind.CONSUMER)[1]!.spanId, 'under the second processing');
});

test('AC-002 NATS requestNats keeps the caller\'s requestOptions.headers, adding the context to them; the requestOptions object is not changed', async () => {
  const { cap, tracer } = setup();
  let sent: Record<string, unknown> | undefined;
  const nc = { publish: () => {}, subscribe: () => ({}), request: async (_s: string, _d: unknown, o?: Record<string, unknown>) => { sent = o; return { subject: '_INBOX.a.1', data: new Uint8Array() }; } };
  const own = hdrs();
  own.set('x-tenant', 't1');
  const requestOptions = { headers: own, noMux: true };
  await requestNats(tracer, nc, 'svc.quote', 'q', { createHeaders: hdrs, requestOptions, timeout: 300 });
  const req = cap.spans[0]!;
  assert.is(sent!.headers, own, 'the caller\'s headers are the ones sent');
  assert.is(own.get('x-tenant'), 't1');
  assert.is(own.get('traceparent'), `00-${req.traceId}-${req.spanId}-03`);
  assert.is(sent!.noMux, true);
  assert.is(sent!.timeout, 300);
  assert.equal(Object.keys(requestOptions), ['headers', 'noMux'], 'the caller\'s requestOptions object is not changed');
  // no createHeaders needed when requestOptions carries headers; two different header objects are a clear error
  await requestNats(tracer, nc, 'svc.quote', 'q', { requestOptions: { headers: hdrs() } });
  await requestNats(tracer, nc, 'svc.quote', 'q', { headers: hdrs(), requestOptions: { headers: hdrs() } }).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /headers once/));
});

test('AC-003 NATS request errors (timeout, no responders) are errors on the request span and rethrown; respondNats without a reply subject sends no span', async () => {
  const { cap, tracer } = setup();
  const nc = { publish: () => {}, subscribe: () => ({}), request: async () => { throw Object.assign(new Error('503'), { code: '503' }); } };
  await requestNats(tracer, nc, 'svc.none', 'q', { createHeaders: hdrs }).then(() => assert.unreachable(), (e: Error) => assert.is(e.message, '503'));
  assert.is(cap.spans[0]!.status, 2);
  assert.is(respondNats(tracer, { subject: 's', data: new Uint8Array(), respond: () => false }, 'x', { createHeaders: hdrs }), false);
  assert.is(cap.spans.length, 1);
  assert.throws(() => respondNats(tracer, { subject: 's', reply: '_INBOX.a', data: new Uint8Array(), respond: () => true }, 'x'), /createHeaders/);
});

function jsMsg(headers: NatsHeadersLike | undefined, seq: number, acks: string[]): JsMsgLike & { ack(): void; nak(): void } {
  return { subject: 'orders.new', data: new Uint8Array(), headers, seq, redelivered: false, info: { stream: 'ORDERS', consumer: 'billing', deliveryCount: 1, redeliveryCount: 1 }, ack: () => acks.push('ack ' + seq), nak: () => acks.push('nak ' + seq) };
}

test('AC-002 JetStream pull consumers: a CONSUMER span per fetched/consumed message under its publisher, acks left to the handler; next() null is no span', async () => {
  const { cap, tracer } = setup();
  const pubHeaders = hdrs();
  const js = { publish: async () => ({ stream: 'ORDERS', seq: 1 }) };
  const ack = await publishJetStream(tracer, js, 'orders.new', 'x', { headers: pubHeaders });
  assert.is(ack.seq, 1);
  const pub = cap.spans[0]!;
  assert.is(pub.getAttribute('messaging.message.id'), '1');
  const acks: string[] = [];
  async function* fetched() { yield jsMsg(pubHeaders, 1, acks); yield jsMsg(undefined, 2, acks); }
  await processJetStreamMessages(tracer, fetched(), (m, span) => { assert.is(tracer.activeSpan(), span); if (m.seq === 1) m.ack(); else m.nak(); });
  assert.equal(acks, ['ack 1', 'nak 2'], 'ack/nak exactly as the handler did');
  const [c1, c2] = cap.spans.filter((s) => s.kind === SpanKind.CONSUMER) as [Span, Span];
  assert.is(c1.name, 'process orders.new');
  assert.is(c1.parentSpanId, pub.spanId);
  assert.is(c1.getAttribute('messaging.consumer.group.name'), 'billing');
  assert.is(c1.getAttribute('messaging.message.id'), '1');
  assert.is(c1.getAttribute('messaging.nats.redelivery_count'), 0, 'nats.js counts the first delivery as 1: no redelivery');
  assert.is(c2.parentSpanId, '', 'no context: its own trace');
  const n = cap.spans.length;
  assert.is(await nextJetStream(tracer, { next: async () => null }, () => assert.unreachable()), null);
  assert.is(cap.spans.length, n);
  assert.is(await nextJetStream(tracer, { next: async () => jsMsg(pubHeaders, 3, acks) }, (m) => m.seq), 3);
  assert.is(cap.spans.at(-1)!.parentSpanId, pub.spanId);
});

test('AC-003 JetStream publish: reply/temporary (meaningless for js.publish) are a type error and a clear TypeError, not silently ignored; publishOptions.headers are kept', async () => {
  const { cap, tracer } = setup();
  let sent: Record<string, unknown> | undefined;
  const js = { publish: async (_s: string, _d: unknown, o?: Record<string, unknown>) => { sent = o; return { stream: 'ORDERS', seq: 4 }; } };
  // @ts-expect-error js.publish has no reply subject of the caller's
  await publishJetStream(tracer, js, 'orders.new', 'x', { createHeaders: hdrs, reply: 'my.inbox' }).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /no reply or temporary/));
  // @ts-expect-error a stream subject is no temporary destination
  await publishJetStream(tracer, js, 'orders.new', 'x', { createHeaders: hdrs, temporary: true }).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /no reply or temporary/));
  assert.is(cap.spans.length, 0);
  assert.is(sent, undefined, 'nothing published');
  const own = hdrs();
  own.set('Nats-Msg-Id', 'order-9');
  const publishOptions = { headers: own, expect: { streamName: 'ORDERS' } };
  await publishJetStream(tracer, js, 'orders.new', 'x', { createHeaders: hdrs, publishOptions });
  assert.is(sent!.headers, own);
  assert.is(own.get('Nats-Msg-Id'), 'order-9');
  assert.is(own.get('traceparent'), `00-${cap.spans[0]!.traceId}-${cap.spans[0]!.spanId}-03`);
  assert.equal(sent!.expect, { streamName: 'ORDERS' });
  assert.equal(Object.keys(publishOptions), ['headers', 'expect'], 'the caller\'s publishOptions object is not changed');
});

test('AC-002 JetStream processJetStreamMessages started inside a span (startup, request) does not make it the parent or a link of every message (js#4001), in either mode', async () => {
  const { cap, tracer } = setup();
  const acks: string[] = [];
  const pubHeaders = hdrs();
  const pub = tracer.startSpan('publish orders.new', { kind: SpanKind.PRODUCER }) as Span;
  pubHeaders.set('traceparent', injectMessageContext({}, pub).traceparent as string);
  pub.end();
  async function* two() { yield jsMsg(pubHeaders, 1, acks); yield jsMsg(undefined, 2, acks); }
  const startup = tracer.startSpan('startup') as Span;
  await tracer.withSpan(startup, () => processJetStreamMessages(tracer, two(), (m, span) => { assert.is(tracer.activeSpan(), span); m.ack(); }));
  await tracer.withSpan(startup, () => processJetStreamMessages(tracer, two(), () => {}, { mode: 'link' }));
  startup.end();
  const [p1, p2, l1, l2] = cap.spans.filter((s) => s.kind === SpanKind.CONSUMER) as Span[];
  assert.is(p1!.parentSpanId, pub.spanId);
  assert.is(p1!.links.length, 0, 'the loop\'s span is no link');
  assert.is(p2!.parentSpanId, '', 'no context: a new trace, not a child of the loop\'s span');
  assert.is(p2!.links.length, 0);
  assert.is(l1!.parentSpanId, '', 'link mode: no parent (the loop\'s span is not it)');
  assert.equal(l1!.links.map((l) => l.spanId), [pub.spanId]);
  assert.is(l2!.parentSpanId, '');
  assert.ok([p1, p2, l1, l2].every((s) => s!.traceId !== startup.traceId), 'none in the startup trace');
  // one message polled by hand (nextJetStream) still links the poller's span
  const poll = tracer.startSpan('poll') as Span;
  await tracer.withSpan(poll, () => nextJetStream(tracer, { next: async () => jsMsg(pubHeaders, 3, acks) }, () => {}));
  poll.end();
  assert.equal(cap.spans.filter((s) => s.kind === SpanKind.CONSUMER).at(-1)!.links.map((l) => l.spanId), [poll.spanId]);
});

test('AC-002 JetStream processJetStream in a consume({ callback }): the callback\'s stale context (the connection\'s) is no parent or link, in either mode; the handler\'s spans are children of the CONSUMER span', async () => {
  const { cap, tracer } = setup();
  const acks: string[] = [];
  const pubHeaders = hdrs();
  const pub = tracer.startSpan('publish orders.new', { kind: SpanKind.PRODUCER }) as Span;
  pubHeaders.set('traceparent', injectMessageContext({}, pub).traceparent as string);
  pub.end();
  // nats.js calls a consume callback from its socket's I/O, in the context the connection was opened in
  const conn = tracer.startSpan('GET /boot') as Span;
  const work: Span[] = [];
  const handler = (m: JsMsgLike & { ack(): void }) => { const w = tracer.startSpan('work') as Span; w.end(); work.push(w); m.ack(); };
  await tracer.withSpan(conn, () => Promise.all([processJetStream(tracer, jsMsg(pubHeaders, 1, acks), handler), processJetStream(tracer, jsMsg(pubHeaders, 2, acks), handler, { mode: 'link' })]));
  conn.end();
  const [p, l] = cap.spans.filter((s) => s.kind === SpanKind.CONSUMER) as [Span, Span];
  assert.is(p.parentSpanId, pub.spanId);
  assert.equal(p.links.map((x) => x.spanId), [], 'the connection\'s span is no link');
  assert.is(l.parentSpanId, '', 'link mode: not the connection\'s span either');
  assert.equal(l.links.map((x) => x.spanId), [pub.spanId]);
  assert.equal(work.map((w) => w.parentSpanId), [p.spanId, l.spanId]);
  assert.equal(acks, ['ack 1', 'ack 2']);
  // under a no-trace context (OTel suppressTracing) it stays untraced
  const n = cap.spans.length;
  await storage.run(markNoTrace({}) as never, () => processJetStream(tracer, jsMsg(pubHeaders, 3, acks), (m) => { m.ack(); }));
  assert.is(cap.spans.length, n);
  assert.equal(acks, ['ack 1', 'ack 2', 'ack 3']);
});

test('AC-003 JetStream: a handler error is recorded; with onError the loop goes on, without it the loop stops and rethrows', async () => {
  const { cap, tracer } = setup();
  const acks: string[] = [];
  async function* three() { for (let i = 1; i <= 3; i++) yield jsMsg(undefined, i, acks); }
  const seen: number[] = [];
  await processJetStreamMessages(tracer, three(), (m) => { if (m.seq === 2) throw new Error('bad ' + m.seq); m.ack(); }, { onError: (e, m) => seen.push(m.seq) });
  assert.equal(seen, [2]);
  assert.equal(acks, ['ack 1', 'ack 3']);
  assert.equal(cap.spans.map((s) => s.status), [0, 2, 0]);
  await processJetStreamMessages(tracer, three(), (m) => { if (m.seq === 2) throw new Error('stop'); }).then(() => assert.unreachable(), (e: Error) => assert.is(e.message, 'stop'));
  assert.is(cap.spans.length, 5, 'the third message was not taken');
});

test('AC-007 NATS: a message whose headers getter throws (nats.js cannot decode a key from another client) is still handled, in a new trace, the unreadable carrier counted', async () => {
  const logs: string[] = [];
  const cap = new CaptureProcessor();
  const tracer = createTracer({ service: 'svc', processor: cap, logger: (m) => logs.push(m) });
  let cb: ((err: unknown, msg: NatsMsgLike) => void) | undefined;
  const nc = { publish: () => {}, subscribe: (_s: string, o: { callback: (err: unknown, msg: NatsMsgLike) => void }) => { cb = o.callback; return {}; } };
  const bad = { subject: 'orders', data: new Uint8Array() } as NatsMsgLike;
  Object.defineProperty(bad, 'headers', { get() { throw new Error("' ' is not a valid character for a header key"); } });
  const seen: unknown[] = [];
  const handled: NatsMsgLike[] = [];
  subscribeNats(tracer, nc as never, 'orders', (m) => { handled.push(m); }, { onError: (e) => seen.push(e) });
  cb!(null, bad);
  await new Promise((r) => setImmediate(r));
  assert.equal(handled, [bad], 'the handler gets the message, as it would untraced');
  assert.is(seen.length, 0);
  assert.is(await processNats(tracer, bad, () => 'done'), 'done', 'processNats does not throw into the consumer either');
  assert.is(cap.spans.length, 2);
  for (const s of cap.spans) { assert.is(s.parentSpanId, ''); assert.is(s.name, 'process orders'); }
  assert.is(tracer.stats().propagation.carrierUnreadable, 2);
  assert.equal(logs, []);
});

test('AC-007 JetStream: a consume loop started under a no-trace context (OTel suppressTracing) records nothing, as before it cleared the loop\'s context', async () => {
  const { cap, tracer } = setup();
  const acks: string[] = [];
  async function* two() { yield jsMsg(undefined, 1, acks); yield jsMsg(undefined, 2, acks); }
  await storage.run(markNoTrace({}) as never, () => processJetStreamMessages(tracer, two(), (m) => { m.ack(); }));
  assert.equal(acks, ['ack 1', 'ack 2'], 'the messages are processed');
  assert.is(cap.spans.length, 0, 'and not traced');
});

test('AC-007 JetStream: a message whose info nats.js cannot parse (reply subject not $JS.ACK) is still handled, as untraced, in a new trace with the unreadable info counted', async () => {
  const { cap, tracer } = setup();
  const acks: string[] = [];
  const pubHeaders = hdrs();
  pubHeaders.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  const notJs = (seq: number) => {
    const m = jsMsg(pubHeaders, seq, acks);
    // as nats.js's JsMsgImpl: info parses the reply subject; seq and redelivered read info
    Object.defineProperty(m, 'info', { get() { throw new Error('not js message'); } });
    Object.defineProperty(m, 'seq', { get() { return (this as JsMsgLike).info.streamSequence; } });
    Object.defineProperty(m, 'redelivered', { get() { return (this as JsMsgLike).info.deliveryCount! > 1; } });
    return m;
  };
  async function* three() { yield jsMsg(undefined, 1, acks); yield notJs(2); yield jsMsg(undefined, 3, acks); }
  const seen: unknown[] = [];
  await processJetStreamMessages(tracer, three(), (m) => { m.ack(); }, { onError: (e) => seen.push(e) });
  assert.equal(seen, [], 'no error: the handler ran');
  assert.equal(acks, ['ack 1', 'ack 2', 'ack 3'], 'acked by the handler, as untraced (no redelivery loop)');
  assert.is(await processJetStream(tracer, notJs(4), () => 'done'), 'done', 'processJetStream alone too');
  const procs = cap.spans;
  assert.is(procs.length, 4);
  for (const s of [procs[1]!, procs[3]!]) {
    assert.is(s.name, 'process orders.new');
    assert.is(s.parentSpanId, '', 'a new trace');
    assert.is(s.getAttribute('messaging.message.id'), undefined);
    assert.is(s.getAttribute('messaging.consumer.group.name'), undefined, 'no made-up consumer');
    assert.is(s.getAttribute('messaging.nats.stream'), undefined);
  }
  assert.is(tracer.stats().propagation.carrierUnreadable, 2);
});

test('AC-007 JetStream: a message whose headers getter throws (nats.js decode: a key with a space from another client) is handled and acked in a new trace, the unreadable carrier counted', async () => {
  const { cap, tracer } = setup();
  const acks: string[] = [];
  const bad = jsMsg(undefined, 2, acks);
  Object.defineProperty(bad, 'headers', { get() { throw new Error("' ' is not a valid character for a header key"); } });
  async function* three() { yield jsMsg(undefined, 1, acks); yield bad; yield jsMsg(undefined, 3, acks); }
  const seen: [number, string][] = [];
  await processJetStreamMessages(tracer, three(), (m) => { m.ack(); }, { onError: (e, m) => seen.push([m.seq, (e as Error).message]) });
  assert.equal(seen, []);
  assert.equal(acks, ['ack 1', 'ack 2', 'ack 3'], 'tracing does not make the message a poison message that is never acked');
  assert.is(cap.spans.length, 3);
  assert.is(cap.spans[1]!.parentSpanId, '');
  assert.is(cap.spans[1]!.getAttribute('messaging.message.id'), '2');
  assert.is(tracer.stats().propagation.carrierUnreadable, 1);
});

test('AC-007 under a no-trace context (OTel suppressTracing through the bridge) the batch and request recipes record nothing and inject no context', async () => {
  const { cap, tracer } = setup();
  let bulk: BullBulkJob[] = [];
  let flow!: BullFlowJob;
  let flows: BullFlowJob[] = [];
  const reqHeaders = hdrs();
  await storage.run(markNoTrace({}) as never, async () => {
    await addJobs(tracer, { name: 'q', add: async () => ({}), addBulk: async (j: BullBulkJob[]) => { bulk = j; return []; } }, [{ name: 'a' }]);
    await addFlow(tracer, { add: async (f: BullFlowJob) => { flow = f; } }, { name: 'p', queueName: 'q', children: [{ name: 'c', queueName: 'q' }] });
    await addFlows(tracer, { add: async () => {}, addBulk: async (f: BullFlowJob[]) => { flows = f; return []; } }, [{ name: 'p', queueName: 'q' }]);
    await requestNats(tracer, { publish: () => {}, subscribe: () => ({}), request: async () => ({ subject: 'r', data: new Uint8Array() }) }, 's', 'x', { headers: reqHeaders });
  });
  assert.is(cap.spans.length, 0);
  assert.is(jobCarrier({ name: 'a', queueName: 'q', opts: bulk[0]!.opts as { telemetry: { metadata: string } } })!.traceparent, undefined);
  assert.is(jobCarrier({ name: 'c', queueName: 'q', opts: flow.children![0]!.opts as { telemetry: { metadata: string } } })!.traceparent, undefined);
  assert.is(jobCarrier({ name: 'p', queueName: 'q', opts: flows[0]!.opts as { telemetry: { metadata: string } } })!.traceparent, undefined);
  assert.is(reqHeaders.map.size, 0);
});

test.run();
