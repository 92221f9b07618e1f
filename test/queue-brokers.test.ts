// The queue recipes against the real brokers on 127.0.0.1 (RabbitMQ 5672, Redis 6379, NATS 4222).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createTracer, SpanKind, type Span } from '../src/index.js';
import { consumeAmqp, getAmqp, publishAmqp, type AmqpChannelLike, type AmqpMessageLike } from '../adapters/queue-amqp.js';
import { addFlow, addFlows, addJob, addJobs, processJob, type BullFlowProducerLike } from '../adapters/queue-bullmq.js';
import { processNats, publishNats, requestNats, subscribeNats, type NatsConnectionLike, type NatsMsgLike } from '../adapters/queue-nats.js';
import { nextJetStream, processJetStream, processJetStreamMessages, publishJetStream, type JetStreamLike, type JsConsumerLike, type JsMsgLike } from '../adapters/queue-jetstream.js';
import { CaptureProcessor } from './helpers/capture.js';
import { reachable } from './helpers/net.js';

const REQUIRE = process.env.TRACEWIRE_REQUIRE_SERVICES === '1';
const SECRET_BODY = 'ssn=123-45-6789';
const require = createRequire(import.meta.url);

/** true = go on; false = skipped (printed). With TRACEWIRE_REQUIRE_SERVICES=1 a missing broker fails. */
async function need(name: string, port: number): Promise<boolean> {
  if (await reachable(port)) return true;
  if (REQUIRE) throw new Error(`${name} on 127.0.0.1:${port} is required (TRACEWIRE_REQUIRE_SERVICES=1) but does not answer`);
  console.log(`SKIP: ${name} not reachable on 127.0.0.1:${port}`);
  return false;
}
function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => { t = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms); })]).finally(() => clearTimeout(t));
}
function pair() {
  const pc = new CaptureProcessor();
  const cc = new CaptureProcessor();
  return { pc, cc, producer: createTracer({ service: 'producer', processor: pc }), consumer: createTracer({ service: 'consumer', processor: cc }) };
}
function assertHop(pc: CaptureProcessor, cc: CaptureProcessor, root: Span, system: string, destination: string) {
  const prod = pc.spans.find((s) => s.kind === SpanKind.PRODUCER)!;
  const cons = cc.spans.find((s) => s.kind === SpanKind.CONSUMER)!;
  assert.ok(prod, 'producer span');
  assert.ok(cons, 'consumer span');
  assert.is(prod.parentSpanId, root.spanId);
  assert.is(cons.traceId, root.traceId, 'one trace across the queue');
  assert.is(cons.parentSpanId, prod.spanId, 'consumer is the child of the producer');
  assert.is(prod.getAttribute('messaging.system'), system);
  assert.is(cons.getAttribute('messaging.destination.name'), destination);
  assert.is(cons.name, `process ${destination}`);
  const dump = JSON.stringify([...pc.spans, ...cc.spans].map((s) => [s.name, s.attributes]));
  assert.not.ok(dump.includes('123-45-6789'), 'never the message body');
}

test('AC-002 RabbitMQ (amqplib): context in the message headers, consumer under the producer', async () => {
  // Needs RabbitMQ on 127.0.0.1:5672 (guest/guest).
  if (!(await need('RabbitMQ', 5672))) return;
  const amqp = require('amqplib') as { connect(url: string): Promise<{ createChannel(): Promise<AmqpChannelLike & { assertQueue(q: string, o: object): Promise<unknown>; deleteQueue(q: string): Promise<unknown>; ack(m: AmqpMessageLike): void; close(): Promise<void> }>; close(): Promise<void> }> };
  const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  const ch = await conn.createChannel();
  const queue = 'tracewire-test-' + randomUUID();
  try {
    await ch.assertQueue(queue, { exclusive: true, autoDelete: true });
    const { pc, cc, producer, consumer } = pair();
    let got!: (m: AmqpMessageLike) => void;
    const received = new Promise<AmqpMessageLike>((r) => (got = r));
    await consumeAmqp(consumer, ch, queue, (msg, span) => {
      assert.is(consumer.activeSpan(), span);
      ch.ack(msg);
      got(msg);
    });
    const root = producer.startSpan('place-order') as Span;
    producer.withSpan(root, () => publishAmqp(producer, ch, '', queue, Buffer.from(SECRET_BODY), { headers: { 'x-app': '1' }, messageId: 'm-42' }));
    root.end();
    const msg = await deadline(received, 5000, 'amqp message');
    for (let i = 0; i < 50 && cc.spans.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.is(msg.content.toString(), SECRET_BODY);
    assert.is(msg.properties.headers!['x-app'], '1');
    assertHop(pc, cc, root, 'rabbitmq', queue);
    assert.is(cc.spans[0]!.getAttribute('messaging.message.id'), 'm-42');
  } finally {
    await ch.deleteQueue(queue).catch(() => {});
    await ch.close().catch(() => {});
    await conn.close().catch(() => {});
  }
});

test('AC-003 RabbitMQ confirm channel: a publish the broker nacks (reject-publish overflow) is an error on its PRODUCER span; the confirm callback still runs', async () => {
  if (!(await need('RabbitMQ', 5672))) return;
  type ConfirmChannel = AmqpChannelLike & { assertQueue(q: string, o: object): Promise<unknown>; waitForConfirms(): Promise<void>; close(): Promise<void> };
  const amqp = require('amqplib') as { connect(url: string): Promise<{ createConfirmChannel(): Promise<ConfirmChannel>; close(): Promise<void> }> };
  const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  const ch = await conn.createConfirmChannel();
  const queue = 'tracewire-test-' + randomUUID();
  try {
    await ch.assertQueue(queue, { exclusive: true, autoDelete: true, arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
    const { pc, producer } = pair();
    const answers: string[] = [];
    publishAmqp(producer, ch, '', queue, Buffer.from('first'), {}, (err) => answers.push(err ? 'nack' : 'ack'));
    publishAmqp(producer, ch, '', queue, Buffer.from('second'), {}, (err) => answers.push(err ? 'nack' : 'ack'));
    await deadline(ch.waitForConfirms().catch(() => {}), 5000, 'confirms');
    assert.equal(answers, ['ack', 'nack']);
    assert.is(pc.spans.length, 2);
    assert.is(producer.stats().endedTwice, 0);
    assert.is(pc.spans[0]!.status, 0, 'acked: no error');
    assert.is(pc.spans[1]!.status, 2, 'nacked: the message was not accepted');
    assert.ok(pc.spans[1]!.getAttribute('error.type'));
  } finally {
    await ch.close().catch(() => {});
    await conn.close().catch(() => {});
  }
});

test('AC-002 Redis (bullmq): context in the job options, worker span under the producer, job data untouched', async () => {
  // Needs Redis on 127.0.0.1:6379.
  if (!(await need('Redis', 6379))) return;
  const { Queue, Worker } = await import('bullmq');
  const name = 'tracewire-test-' + randomUUID();
  const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  const { pc, cc, producer, consumer } = pair();
  let got!: (d: unknown) => void;
  const processed = new Promise<unknown>((r) => (got = r));
  const worker = new Worker(name, processJob(consumer, async (job, _token, span) => {
    assert.is(consumer.activeSpan(), span);
    got(job.data);
    return 'done';
  }), { connection });
  try {
    const root = producer.startSpan('signup') as Span;
    const job = await producer.withSpan(root, () => addJob(producer, queue, 'welcome', { body: SECRET_BODY }));
    root.end();
    const data = await deadline(processed, 10000, 'bullmq job');
    for (let i = 0; i < 50 && cc.spans.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(data, { body: SECRET_BODY }, 'job data is the caller\'s, nothing added');
    assertHop(pc, cc, root, 'bullmq', name);
    assert.is(pc.spans.find((s) => s.kind === SpanKind.PRODUCER)!.getAttribute('messaging.message.id'), String(job.id));
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
});

test('AC-002 Redis (bullmq): a sandboxed (file) processor\'s span is the child of the producer (its job options arrive encoded: telemetry.metadata as tm)', async () => {
  if (!(await need('Redis', 6379))) return;
  const { Queue, Worker, QueueEvents } = await import('bullmq');
  const name = 'tracewire-test-' + randomUUID();
  const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  const worker = new Worker(name, fileURLToPath(new URL('./helpers/bullmq-sandboxed-processor.ts', import.meta.url)), { connection });
  const { pc, producer } = pair();
  try {
    await events.waitUntilReady();
    const job = await addJob(producer, queue, 'welcome', { body: SECRET_BODY });
    const seen = await deadline(job.waitUntilFinished(events, 20000), 21000, 'sandboxed job') as { traceId: string; parentSpanId: string };
    const prod = pc.spans.find((s) => s.kind === SpanKind.PRODUCER)!;
    assert.is(seen.traceId, prod.traceId, 'one trace across the queue');
    assert.is(seen.parentSpanId, prod.spanId, 'the sandboxed consumer is the child of the producer');
  } finally {
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
});

test('AC-002 NATS: context in the message headers, subscriber span under the publisher', async () => {
  // Needs NATS on 127.0.0.1:4222.
  if (!(await need('NATS', 4222))) return;
  const { connect, headers } = await import('nats');
  const nc = await connect({ servers: '127.0.0.1:4222' });
  try {
    const subject = 'tracewire.test.' + randomUUID();
    const { pc, cc, producer, consumer } = pair();
    let got!: (s: string) => void;
    const received = new Promise<string>((r) => (got = r));
    subscribeNats(consumer, nc as unknown as NatsConnectionLike, subject, (msg, span) => {
      assert.is(consumer.activeSpan(), span);
      got(new TextDecoder().decode(msg.data));
    });
    await nc.flush();
    const root = producer.startSpan('notify') as Span;
    producer.withSpan(root, () => publishNats(producer, nc as unknown as NatsConnectionLike, subject, SECRET_BODY, { createHeaders: headers }));
    root.end();
    assert.is(await deadline(received, 5000, 'nats message'), SECRET_BODY);
    for (let i = 0; i < 50 && cc.spans.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assertHop(pc, cc, root, 'nats', subject);
  } finally {
    await nc.close();
  }
});

test('AC-003 NATS with a custom inboxPrefix: a reply published to the requester\'s inbox is a temporary destination (one span name, not one per request)', async () => {
  if (!(await need('NATS', 4222))) return;
  const { connect, headers } = await import('nats');
  const nc = await connect({ servers: '127.0.0.1:4222', inboxPrefix: 'app.inbox' });
  try {
    const subject = 'tracewire.test.' + randomUUID();
    const { cc, consumer } = pair(); // the reply's PRODUCER span is made by the tracer of the active CONSUMER span
    const conn = nc as unknown as NatsConnectionLike;
    subscribeNats(consumer, conn, subject, (msg) => publishNats(consumer, conn, msg.reply!, msg.data, { createHeaders: headers }));
    await nc.flush();
    for (let i = 0; i < 2; i++) await deadline(nc.request(subject, 'ping', { timeout: 2000 }), 3000, 'nats reply');
    publishNats(consumer, conn, 'other.app.inbox.XYZ', 'x', { createHeaders: headers }); // the prefix must start the subject
    publishNats(consumer, conn, 'replies.' + randomUUID(), 'x', { createHeaders: headers, temporary: true }); // another requester's prefix
    const prod = () => cc.spans.filter((s) => s.kind === SpanKind.PRODUCER);
    for (let i = 0; i < 50 && prod().length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(prod().map((s) => s.name), ['publish', 'publish', 'publish other.app.inbox.XYZ', 'publish']);
    assert.is(prod()[0]!.getAttribute('messaging.destination.temporary'), true);
    assert.match(String(prod()[0]!.getAttribute('messaging.destination.name')), /^app\.inbox\./);
  } finally {
    await nc.close();
  }
});

test('AC-002 RabbitMQ: a connection opened inside a request span does not make that span the parent or a link of every message (js#4001)', async () => {
  if (!(await need('RabbitMQ', 5672))) return;
  const amqp = require('amqplib') as { connect(url: string): Promise<{ createChannel(): Promise<AmqpChannelLike & { assertQueue(q: string, o: object): Promise<unknown>; ack(m: AmqpMessageLike): void; close(): Promise<void> }>; close(): Promise<void> }> };
  const { pc, cc, producer, consumer } = pair();
  // the worker connects lazily while it handles its first request: amqplib's socket I/O keeps that context
  const first = consumer.startSpan('GET /first-request') as Span;
  const conn = await consumer.withSpan(first, () => amqp.connect('amqp://guest:guest@127.0.0.1:5672'));
  const ch = await consumer.withSpan(first, () => conn.createChannel());
  first.end();
  const queue = 'tracewire-test-' + randomUUID();
  try {
    await ch.assertQueue(queue, { exclusive: true, autoDelete: true });
    let n = 0;
    let done!: () => void;
    const both = new Promise<void>((r) => (done = r));
    await consumeAmqp(consumer, ch, queue, (msg) => { ch.ack(msg); if (++n === 2) done(); }, { mode: 'link' });
    const root = producer.startSpan('place-order') as Span;
    producer.withSpan(root, () => { publishAmqp(producer, ch, '', queue, Buffer.from(SECRET_BODY)); });
    root.end();
    ch.publish('', queue, Buffer.from(SECRET_BODY)); // a message without context
    await deadline(both, 5000, 'amqp messages');
    for (let i = 0; i < 50 && cc.spans.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    const consumers = cc.spans.filter((s) => s.kind === SpanKind.CONSUMER);
    assert.is(consumers.length, 2);
    for (const c of consumers) {
      assert.is(c.parentSpanId, '', 'link mode, no live ambient span: a root');
      assert.is.not(c.traceId, first.traceId, 'not in the stale request\'s trace');
      assert.not.ok(c.links.some((l) => l.spanId === first.spanId));
    }
    assert.is(consumers.find((c) => c.links.length === 1)!.links[0]!.spanId, pc.spans.find((s) => s.kind === SpanKind.PRODUCER)!.spanId);
  } finally {
    await ch.close().catch(() => {});
    await conn.close().catch(() => {});
  }
});

test('AC-002 Redis (bullmq) addJobs (addBulk): each worker span is the child of its own job\'s create span; one send span links them', async () => {
  if (!(await need('Redis', 6379))) return;
  const { Queue, Worker } = await import('bullmq');
  const name = 'tracewire-test-' + randomUUID();
  const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  const { pc, cc, producer, consumer } = pair();
  let n = 0;
  let done!: () => void;
  const both = new Promise<void>((r) => (done = r));
  const worker = new Worker(name, processJob(consumer, async () => { if (++n === 2) done(); }), { connection });
  try {
    const root = producer.startSpan('import') as Span;
    const jobs = await producer.withSpan(root, () => addJobs(producer, queue, [{ name: 'a', data: { body: SECRET_BODY } }, { name: 'b', data: { n: 2 } }]));
    root.end();
    assert.is(jobs.length, 2);
    await deadline(both, 10000, 'bullmq bulk jobs');
    for (let i = 0; i < 50 && cc.spans.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const creates = pc.spans.filter((s) => s.name === 'create ' + name);
    const send = pc.spans.find((s) => s.name === 'send ' + name)!;
    assert.is(creates.length, 2);
    assert.equal(send.links.map((l) => l.spanId), creates.map((c) => c.spanId));
    const byName = (j: string) => cc.spans.find((s) => s.getAttribute('messaging.bullmq.job.name') === j)!;
    assert.is(byName('a').parentSpanId, creates.find((c) => c.getAttribute('messaging.bullmq.job.name') === 'a')!.spanId);
    assert.is(byName('b').parentSpanId, creates.find((c) => c.getAttribute('messaging.bullmq.job.name') === 'b')!.spanId);
    assert.ok(cc.spans.every((s) => s.traceId === root.traceId));
    assert.not.ok(JSON.stringify([...pc.spans, ...cc.spans].map((s) => s.attributes)).includes('123-45-6789'));
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
});

test('AC-002 Redis (bullmq) addFlow (FlowProducer): the child job\'s worker span and the parent job\'s are each under their job\'s create span, one trace', async () => {
  if (!(await need('Redis', 6379))) return;
  const { FlowProducer, Queue, Worker } = await import('bullmq');
  const parentQ = 'tracewire-test-' + randomUUID();
  const childQ = 'tracewire-test-' + randomUUID();
  const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };
  const flows = new FlowProducer({ connection });
  const { pc, cc, producer, consumer } = pair();
  let parentDone!: (v: unknown) => void;
  const finished = new Promise((r) => (parentDone = r));
  const childWorker = new Worker(childQ, processJob(consumer, async () => 'part'), { connection });
  const parentWorker = new Worker(parentQ, processJob(consumer, async (job) => { parentDone((job as unknown as { getChildrenValues(): Promise<unknown> }).getChildrenValues()); return 'whole'; }), { connection });
  try {
    const root = producer.startSpan('POST /render') as Span;
    await producer.withSpan(root, () => addFlow(producer, flows as unknown as BullFlowProducerLike, { name: 'render', queueName: parentQ, children: [{ name: 'step', queueName: childQ, data: { body: SECRET_BODY } }] }));
    root.end();
    assert.equal(Object.values(await deadline(finished, 15000, 'bullmq flow') as object), ['part']);
    for (let i = 0; i < 50 && cc.spans.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const create = (q: string) => pc.spans.find((s) => s.name === 'create ' + q)!;
    const work = (q: string) => cc.spans.find((s) => s.name === 'process ' + q)!;
    assert.is(create(parentQ).parentSpanId, root.spanId);
    assert.is(create(childQ).parentSpanId, create(parentQ).spanId);
    assert.is(work(childQ).parentSpanId, create(childQ).spanId);
    assert.is(work(parentQ).parentSpanId, create(parentQ).spanId);
    assert.ok([...pc.spans, ...cc.spans].every((s) => s.traceId === root.traceId), 'one trace for the flow');
    assert.is(pc.spans.find((s) => s.kind === SpanKind.CLIENT)!.links.length, 2);
  } finally {
    await childWorker.close();
    await parentWorker.close();
    await flows.close();
    for (const q of [parentQ, childQ]) { const queue = new Queue(q, { connection }); await queue.obliterate({ force: true }).catch(() => {}); await queue.close(); }
  }
});

test('AC-002 Redis (bullmq) addFlows (FlowProducer.addBulk): every worker span of two flows is under its own job\'s create span, one send span links all jobs', async () => {
  if (!(await need('Redis', 6379))) return;
  const { FlowProducer, Queue, Worker } = await import('bullmq');
  const parentQ = 'tracewire-test-' + randomUUID();
  const childQ = 'tracewire-test-' + randomUUID();
  const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };
  const flows = new FlowProducer({ connection });
  const { pc, cc, producer, consumer } = pair();
  let parents = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const childWorker = new Worker(childQ, processJob(consumer, async () => 'part'), { connection });
  const parentWorker = new Worker(parentQ, processJob(consumer, async () => { if (++parents === 2) done(); return 'whole'; }), { connection });
  try {
    const root = producer.startSpan('POST /renders') as Span;
    const nodes = await producer.withSpan(root, () => addFlows(producer, flows as unknown as BullFlowProducerLike, [1, 2].map((i) => ({ name: 'render-' + i, queueName: parentQ, children: [{ name: 'step-' + i, queueName: childQ, data: { body: SECRET_BODY } }] }))));
    root.end();
    assert.is(nodes.length, 2);
    await deadline(finished, 15000, 'bullmq flows');
    for (let i = 0; i < 50 && cc.spans.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    const create = (job: string) => pc.spans.find((s) => s.kind === SpanKind.PRODUCER && s.getAttribute('messaging.bullmq.job.name') === job)!;
    const work = (job: string) => cc.spans.find((s) => s.getAttribute('messaging.bullmq.job.name') === job)!;
    for (const i of [1, 2]) {
      assert.is(create('render-' + i).parentSpanId, root.spanId);
      assert.is(create('step-' + i).parentSpanId, create('render-' + i).spanId);
      assert.is(work('render-' + i).parentSpanId, create('render-' + i).spanId);
      assert.is(work('step-' + i).parentSpanId, create('step-' + i).spanId);
    }
    const sends = pc.spans.filter((s) => s.kind === SpanKind.CLIENT);
    assert.is(sends.length, 1);
    assert.is(sends[0]!.name, 'send ' + parentQ);
    assert.is(sends[0]!.links.length, 4);
    assert.ok([...pc.spans, ...cc.spans].every((s) => s.traceId === root.traceId), 'one trace for the call');
    assert.not.ok(JSON.stringify([...pc.spans, ...cc.spans].map((s) => s.attributes)).includes('123-45-6789'));
  } finally {
    await childWorker.close();
    await parentWorker.close();
    await flows.close();
    for (const q of [parentQ, childQ]) { const queue = new Queue(q, { connection }); await queue.obliterate({ force: true }).catch(() => {}); await queue.close(); }
  }
});

test('AC-002 RabbitMQ getAmqp (basic.get): empty queue is false (no span), a fetched message\'s CONSUMER span is under its producer', async () => {
  if (!(await need('RabbitMQ', 5672))) return;
  const amqp = require('amqplib') as { connect(url: string): Promise<{ createChannel(): Promise<AmqpChannelLike & { assertQueue(q: string, o: object): Promise<unknown>; ack(m: AmqpMessageLike): void; close(): Promise<void> }>; close(): Promise<void> }> };
  const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  const ch = await conn.createChannel();
  const queue = 'tracewire-test-' + randomUUID();
  try {
    await ch.assertQueue(queue, { exclusive: true, autoDelete: true });
    const { pc, cc, producer, consumer } = pair();
    assert.is(await getAmqp(consumer, ch, queue, () => assert.unreachable()), false);
    assert.is(cc.spans.length, 0);
    const root = producer.startSpan('place-order') as Span;
    producer.withSpan(root, () => publishAmqp(producer, ch, '', queue, Buffer.from(SECRET_BODY), { messageId: 'm-7' }));
    root.end();
    let got: string | false = false;
    for (let i = 0; i < 100 && got === false; i++) {
      got = await getAmqp(consumer, ch, queue, (msg, span) => { assert.is(consumer.activeSpan(), span); ch.ack(msg); return msg.content.toString(); });
      if (got === false) await new Promise((r) => setTimeout(r, 20));
    }
    assert.is(got, SECRET_BODY);
    assert.is(cc.spans.length, 1, 'the empty polls made no spans');
    assertHop(pc, cc, root, 'rabbitmq', queue);
    assert.is(cc.spans[0]!.getAttribute('messaging.message.id'), 'm-7');
  } finally {
    await ch.close().catch(() => {});
    await conn.close().catch(() => {});
  }
});

test('AC-002 NATS request/reply: the responder\'s span is under the request span, msg.respond carries its context, the requester links it', async () => {
  if (!(await need('NATS', 4222))) return;
  const { connect, headers } = await import('nats');
  const nc = await connect({ servers: '127.0.0.1:4222' });
  try {
    const subject = 'tracewire.test.' + randomUUID();
    const { pc, cc, producer, consumer } = pair();
    const conn = nc as unknown as NatsConnectionLike;
    subscribeNats(consumer, conn, subject, (msg) => { msg.respond!('pong:' + new TextDecoder().decode(msg.data)); }, { createHeaders: headers });
    await nc.flush();
    const root = producer.startSpan('GET /quote') as Span;
    const reply = await producer.withSpan(root, () => deadline(requestNats(producer, conn, subject, 'ping', { createHeaders: headers, timeout: 2000 }), 3000, 'nats reply'));
    root.end();
    assert.is(new TextDecoder().decode(reply.data), 'pong:ping');
    for (let i = 0; i < 50 && cc.spans.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const req = pc.spans.find((s) => s.kind === SpanKind.PRODUCER)!;
    const proc = cc.spans.find((s) => s.kind === SpanKind.CONSUMER)!;
    const rep = cc.spans.find((s) => s.kind === SpanKind.PRODUCER)!;
    assert.is(req.name, 'request ' + subject);
    assert.is(req.parentSpanId, root.spanId);
    assert.is(proc.parentSpanId, req.spanId);
    assert.is(rep.parentSpanId, proc.spanId);
    assert.is(rep.name, 'publish', 'the reply inbox is temporary');
    assert.equal(req.links.map((l) => l.spanId), [rep.spanId]);
    await requestNats(producer, conn, 'tracewire.none.' + randomUUID(), 'x', { createHeaders: headers, timeout: 1000 }).then(() => assert.unreachable(), () => {});
    assert.is(pc.spans.at(-1)!.status, 2, 'no responders: an error on the request span');
  } finally {
    await nc.close();
  }
});

test('AC-002 NATS JetStream pull consumer: fetch() and next() messages get CONSUMER spans under their publisher (not the loop\'s span), acks untouched', async () => {
  if (!(await need('NATS', 4222))) return;
  const { connect, headers, AckPolicy } = await import('nats');
  const nc = await connect({ servers: '127.0.0.1:4222' });
  const stream = 'TW_' + randomUUID().replace(/-/g, '');
  const subject = 'tracewire.js.' + randomUUID();
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.streams.add({ name: stream, subjects: [subject] });
    await jsm.consumers.add(stream, { durable_name: 'worker', ack_policy: AckPolicy.Explicit });
    const js = nc.jetstream();
    const { pc, cc, producer, consumer } = pair();
    const root = producer.startSpan('place-order') as Span;
    for (const body of [SECRET_BODY, 'two', 'three']) await producer.withSpan(root, () => publishJetStream(producer, js as unknown as JetStreamLike, subject, body, { createHeaders: headers }));
    root.end();
    const c = await js.consumers.get(stream, 'worker');
    const acks: number[] = [];
    const batch = await c.fetch({ max_messages: 2, expires: 2000 });
    const startup = consumer.startSpan('startup') as Span; // the loop started inside a span: no parent or link of the messages (js#4001)
    await consumer.withSpan(startup, () => deadline(processJetStreamMessages(consumer, batch as unknown as AsyncIterable<JsMsgLike & { ack(): void }>, (m, span) => { assert.is(consumer.activeSpan(), span); m.ack(); acks.push(m.seq); }), 5000, 'jetstream fetch'));
    startup.end();
    assert.is(await nextJetStream(consumer, c as unknown as JsConsumerLike<JsMsgLike & { nak(): void }>, (m) => { m.nak(); return m.seq; }, { nextOptions: { expires: 2000 } }), 3);
    assert.equal(acks, [1, 2]);
    assert.is((await jsm.consumers.info(stream, 'worker')).num_ack_pending, 1, 'the nak\'d message is still pending redelivery: acks untouched');
    // the nak'd message again: its second delivery, one redelivery
    assert.is(await nextJetStream(consumer, c as unknown as JsConsumerLike<JsMsgLike & { ack(): void }>, (m) => { m.ack(); return m.seq; }, { nextOptions: { expires: 2000 } }), 3);
    const pubs = pc.spans.filter((s) => s.kind === SpanKind.PRODUCER);
    const procs = cc.spans.filter((s) => s.kind === SpanKind.CONSUMER);
    assert.is(procs.length, 4);
    assert.ok(procs.every((p) => p.links.length === 0), 'the loop\'s startup span is no link');
    for (let i = 0; i < 3; i++) {
      assert.is(procs[i]!.parentSpanId, pubs[i]!.spanId);
      assert.is(procs[i]!.traceId, root.traceId);
      assert.is(procs[i]!.getAttribute('messaging.consumer.group.name'), 'worker');
      assert.is(procs[i]!.getAttribute('messaging.message.id'), String(i + 1));
      assert.is(procs[i]!.getAttribute('messaging.nats.redelivery_count'), 0, 'a first delivery is no redelivery');
    }
    assert.is(procs[3]!.getAttribute('messaging.message.id'), '3');
    assert.is(procs[3]!.getAttribute('messaging.nats.redelivery_count'), 1);
    assert.not.ok(JSON.stringify([...pc.spans, ...cc.spans].map((s) => s.attributes)).includes('123-45-6789'));
  } finally {
    await jsm.streams.delete(stream).catch(() => {});
    await nc.close();
  }
});

test('AC-002 NATS JetStream consume({ callback }) with processJetStream on a connection opened inside a request span: that span is no parent or link of the messages (js#4001)', async () => {
  if (!(await need('NATS', 4222))) return;
  const { connect, headers, AckPolicy } = await import('nats');
  const { pc, cc, producer, consumer } = pair();
  const boot = consumer.startSpan('GET /boot') as Span;
  const nc = await consumer.withSpan(boot, () => connect({ servers: '127.0.0.1:4222' }));
  boot.end();
  const stream = 'TW_' + randomUUID().replace(/-/g, '');
  const subject = 'tracewire.js.' + randomUUID();
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.streams.add({ name: stream, subjects: [subject] });
    await jsm.consumers.add(stream, { durable_name: 'worker', ack_policy: AckPolicy.Explicit });
    const js = nc.jetstream();
    for (let i = 0; i < 2; i++) await publishJetStream(producer, js as unknown as JetStreamLike, subject, 'x', { createHeaders: headers });
    const c = await js.consumers.get(stream, 'worker');
    let calls = 0;
    let n = 0;
    let done!: () => void;
    const both = new Promise<void>((r) => (done = r));
    const work: Span[] = [];
    const messages = await c.consume({
      max_messages: 2,
      callback: (m) => {
        processJetStream(consumer, m as unknown as JsMsgLike & { ack(): void }, (msg) => { const w = consumer.startSpan('work') as Span; w.end(); work.push(w); msg.ack(); }, { mode: calls++ === 0 ? 'parent' : 'link' });
        if (++n === 2) done(); // a sync handler: its span ended when processJetStream returned
      },
    });
    await deadline(both, 5000, 'jetstream consume callback');
    await messages.close();
    const pubs = pc.spans.filter((s) => s.kind === SpanKind.PRODUCER);
    const [p, l] = cc.spans.filter((s) => s.kind === SpanKind.CONSUMER) as [Span, Span];
    assert.is(p.parentSpanId, pubs[0]!.spanId);
    assert.is(p.links.length, 0, 'the connection\'s request span is no link');
    assert.is(l.parentSpanId, '', 'link mode: nor the parent');
    assert.equal(l.links.map((x) => x.spanId), [pubs[1]!.spanId]);
    assert.equal(work.map((w) => w.parentSpanId), [p.spanId, l.spanId], 'the handler runs in the message\'s span');
    assert.ok(cc.spans.filter((s) => s !== boot).every((s) => s.traceId !== boot.traceId), 'nothing joins the boot trace');
  } finally {
    await jsm.streams.delete(stream).catch(() => {});
    await nc.close();
  }
});

test('AC-007 NATS JetStream consume({ callback }) with processJetStream: a handler\'s synchronous throw stops the consumer as it does untraced (closed() resolves with it), its span ended with the error, no unhandled rejection', async () => {
  if (!(await need('NATS', 4222))) return;
  const { connect, AckPolicy } = await import('nats');
  const nc = await connect({ servers: '127.0.0.1:4222' });
  const stream = 'TW_' + randomUUID().replace(/-/g, '');
  const subject = 'tracewire.js.' + randomUUID();
  const jsm = await nc.jetstreamManager();
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => { unhandled.push(e); };
  process.on('unhandledRejection', onUnhandled);
  try {
    await jsm.streams.add({ name: stream, subjects: [subject] });
    const js = nc.jetstream();
    for (let i = 0; i < 3; i++) await js.publish(subject, 'x');
    const { cc, consumer } = pair();
    /** Consume until the callback's first throw; what nats.js reports and how many messages the handler saw. */
    async function run(name: string, callback: (m: JsMsgLike & { ack(): void }) => unknown, handled: () => number): Promise<[unknown, number]> {
      await jsm.consumers.add(stream, { durable_name: name, ack_policy: AckPolicy.Explicit });
      const c = await js.consumers.get(stream, name);
      const messages = await c.consume({ max_messages: 3, callback: callback as never });
      const stoppedWith = await deadline(messages.closed(), 5000, 'jetstream consumer stopped by the throw');
      return [stoppedWith, handled()];
    }
    const boom = (m: JsMsgLike & { ack(): void }): void => { m.ack(); if (m.seq === 2) throw new RangeError('bad message ' + m.seq); };
    let plainN = 0;
    let tracedN = 0;
    const plain = await run('plain', (m) => { plainN++; boom(m); }, () => plainN);
    const traced = await run('traced', (m) => processJetStream(consumer, m, (msg) => { tracedN++; boom(msg); }), () => tracedN);
    assert.is((plain[0] as Error).message, 'bad message 2', 'untraced: nats.js catches the throw and stops the consumer with it');
    assert.equal([(traced[0] as Error).message, traced[1]], ['bad message 2', plain[1]], 'traced: the same');
    await new Promise((r) => setImmediate(r));
    assert.equal(unhandled, [], 'no unhandled rejection (fatal to a Node process by default)');
    assert.equal(cc.spans.map((s) => [s.name, s.status]), [['process ' + subject, 0], ['process ' + subject, 2]]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await jsm.streams.delete(stream).catch(() => {});
    await nc.close();
  }
});

test('AC-002 receiveSpan on the real brokers: RabbitMQ getAmqp, JetStream nextJetStream and processJetStreamMessages over a fetch() record a CLIENT receive span under the poller, linking the producer, the process span under it; an empty poll records none', async () => {
  const rabbit = await need('RabbitMQ', 5672);
  const nats = await need('NATS', 4222);
  if (rabbit) {
    const amqp = require('amqplib') as { connect(url: string): Promise<{ createChannel(): Promise<AmqpChannelLike & { assertQueue(q: string, o: object): Promise<unknown>; ack(m: AmqpMessageLike): void; close(): Promise<void> }>; close(): Promise<void> }> };
    const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
    const ch = await conn.createChannel();
    const queue = 'tracewire-test-' + randomUUID();
    try {
      await ch.assertQueue(queue, { exclusive: true, autoDelete: true });
      const { pc, cc, producer, consumer } = pair();
      assert.is(await getAmqp(consumer, ch, queue, () => assert.unreachable(), { receiveSpan: true }), false);
      assert.is(cc.spans.length, 0, 'an empty poll records no span');
      producer.withSpan(producer.startSpan('place-order'), () => publishAmqp(producer, ch, '', queue, Buffer.from(SECRET_BODY)));
      const poll = consumer.startSpan('poll') as Span;
      let got: string | false = false;
      for (let i = 0; i < 100 && got === false; i++) {
        got = await consumer.withSpan(poll, () => getAmqp(consumer, ch, queue, (msg) => { ch.ack(msg); return msg.content.toString(); }, { receiveSpan: true }));
        if (got === false) await new Promise((r) => setTimeout(r, 20));
      }
      poll.end();
      assert.is(got, SECRET_BODY);
      const prod = pc.spans.find((s) => s.kind === SpanKind.PRODUCER)!;
      const receive = cc.spans.find((s) => s.name === 'receive ' + queue)!;
      const proc = cc.spans.find((s) => s.name === 'process ' + queue)!;
      assert.is(cc.spans.length, 3, 'receive, process, poll: the empty polls made none');
      assert.is(receive.kind, SpanKind.CLIENT);
      assert.is(receive.parentSpanId, poll.spanId);
      assert.equal(receive.links.map((l) => l.spanId), [prod.spanId]);
      assert.is(proc.parentSpanId, receive.spanId);
      assert.equal(proc.links.map((l) => l.spanId), [prod.spanId]);
    } finally {
      await ch.close().catch(() => {});
      await conn.close().catch(() => {});
    }
  }
  if (nats) {
    const { connect, headers, AckPolicy } = await import('nats');
    const nc = await connect({ servers: '127.0.0.1:4222' });
    const stream = 'TW_' + randomUUID().replace(/-/g, '');
    const subject = 'tracewire.js.' + randomUUID();
    const jsm = await nc.jetstreamManager();
    try {
      await jsm.streams.add({ name: stream, subjects: [subject] });
      await jsm.consumers.add(stream, { durable_name: 'worker', ack_policy: AckPolicy.Explicit });
      const js = nc.jetstream();
      const { pc, cc, producer, consumer } = pair();
      const c = (await js.consumers.get(stream, 'worker')) as unknown as JsConsumerLike<JsMsgLike & { ack(): void }>;
      assert.is(await nextJetStream(consumer, c, () => assert.unreachable(), { receiveSpan: true, nextOptions: { expires: 1000 } }), null);
      assert.is(cc.spans.length, 0, 'nothing came: no span');
      await publishJetStream(producer, js as unknown as JetStreamLike, subject, SECRET_BODY, { createHeaders: headers });
      const poll = consumer.startSpan('poll') as Span;
      assert.is(await consumer.withSpan(poll, () => nextJetStream(consumer, c, (m) => { m.ack(); return m.seq; }, { receiveSpan: true, nextOptions: { expires: 2000 } })), 1);
      poll.end();
      const prod = pc.spans.find((s) => s.kind === SpanKind.PRODUCER)!;
      const [receive, proc] = cc.spans as [Span, Span];
      assert.is(receive.name, 'receive ' + subject);
      assert.is(receive.kind, SpanKind.CLIENT);
      assert.is(receive.parentSpanId, poll.spanId);
      assert.equal(receive.links.map((l) => l.spanId), [prod.spanId]);
      assert.is(receive.getAttribute('messaging.consumer.group.name'), 'worker');
      assert.is(proc.name, 'process ' + subject);
      assert.is(proc.parentSpanId, receive.spanId);
      assert.equal(proc.links.map((l) => l.spanId), [prod.spanId]);
      // processJetStreamMessages over a real fetch(): one receive span per message, under the poll span, its process span under it
      for (const body of ['two', 'three']) await publishJetStream(producer, js as unknown as JetStreamLike, subject, body, { createHeaders: headers });
      const prods = pc.spans.filter((s) => s.kind === SpanKind.PRODUCER).slice(1);
      const n = cc.spans.length;
      const poll2 = consumer.startSpan('poll') as Span;
      const acked: number[] = [];
      await consumer.withSpan(poll2, async () => deadline(processJetStreamMessages(consumer, await (c as unknown as { fetch(o: object): Promise<unknown> }).fetch({ max_messages: 2, expires: 2000 }) as AsyncIterable<JsMsgLike & { ack(): void }>, (m) => { m.ack(); acked.push(m.seq); }, { receiveSpan: true }), 5000, 'jetstream fetch with receive spans'));
      poll2.end();
      assert.equal(acked, [2, 3]);
      const batch = cc.spans.slice(n, -1);
      assert.equal(batch.map((s) => s.name), ['receive ' + subject, 'process ' + subject, 'receive ' + subject, 'process ' + subject], 'the fetch\'s end records no span');
      for (let i = 0; i < 2; i++) {
        assert.is(batch[2 * i]!.kind, SpanKind.CLIENT);
        assert.is(batch[2 * i]!.parentSpanId, poll2.spanId);
        assert.equal(batch[2 * i]!.links.map((l) => l.spanId), [prods[i]!.spanId]);
        assert.is(batch[2 * i]!.getAttribute('messaging.message.id'), String(i + 2));
        assert.is(batch[2 * i + 1]!.parentSpanId, batch[2 * i]!.spanId);
        assert.equal(batch[2 * i + 1]!.links.map((l) => l.spanId), [prods[i]!.spanId]);
      }
    } finally {
      await jsm.streams.delete(stream).catch(() => {});
      await nc.close();
    }
  }
});

test('AC-002 NATS processNats in a for await (const m of nc.subscribe(...)) loop started inside a span: that span is no parent or link of the messages (js#4001), each under its publisher', async () => {
  if (!(await need('NATS', 4222))) return;
  const { connect, headers } = await import('nats');
  const nc = await connect({ servers: '127.0.0.1:4222' });
  try {
    const subject = 'tracewire.test.' + randomUUID();
    const { pc, cc, producer, consumer } = pair();
    const sub = nc.subscribe(subject, { max: 2 });
    const startup = consumer.startSpan('startup') as Span;
    const loop = consumer.withSpan(startup, async () => {
      let i = 0;
      for await (const m of sub) processNats(consumer, m as unknown as NatsMsgLike, () => {}, { mode: i++ === 0 ? 'parent' : 'link' });
    });
    startup.end();
    await nc.flush();
    const root = producer.startSpan('notify') as Span;
    for (let i = 0; i < 2; i++) producer.withSpan(root, () => publishNats(producer, nc as unknown as NatsConnectionLike, subject, 'x', { createHeaders: headers }));
    root.end();
    await deadline(loop, 5000, 'nats subscription loop');
    const pubs = pc.spans.filter((s) => s.kind === SpanKind.PRODUCER);
    const procs = cc.spans.filter((s) => s.kind === SpanKind.CONSUMER);
    assert.is(procs.length, 2);
    assert.is(procs[0]!.parentSpanId, pubs[0]!.spanId, 'parent mode: under its publisher');
    assert.equal(procs[0]!.links.length, 0, 'the loop\'s span is no link');
    assert.is.not(procs[1]!.parentSpanId, startup.spanId, 'link mode: the loop\'s span is no parent');
    assert.equal(procs[1]!.links.map((l) => l.spanId), [pubs[1]!.spanId]);
  } finally {
    await nc.close();
  }
});

test.run();
