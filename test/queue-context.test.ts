// No context leaks between messages: a span active where a consume loop was started (startup, a request) is no
// parent or link of the messages it handles later (js#4001).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, type Span } from '../src/index.js';
import { injectMessageContext } from '../adapters/queue.js';
import { processNats, type NatsHeadersLike, type NatsMsgLike } from '../adapters/queue-nats.js';
import { storage } from '../src/context.js';
import { markNoTrace } from '../src/suppress.js';
import { CaptureProcessor } from './helpers/capture.js';

function setup() {
  const cap = new CaptureProcessor();
  return { cap, tracer: createTracer({ service: 'svc', processor: cap }) };
}
function hdrs(init: Record<string, string> = {}): NatsHeadersLike {
  const map = new Map(Object.entries(init));
  return { get: (k) => map.get(k) ?? '', set: (k, v) => void map.set(k, v), delete: (k) => void map.delete(k) };
}

test('AC-002 processNats in a subscription loop (for await of nc.subscribe) started inside a span: that span is no parent or link of the messages, in either mode; the handler\'s spans are the message span\'s children', async () => {
  const { cap, tracer } = setup();
  const prod = tracer.startSpan('publish orders') as Span;
  prod.end();
  const withCtx = (): NatsMsgLike => ({ subject: 'orders', data: new Uint8Array(), headers: hdrs(injectMessageContext({}, prod) as Record<string, string>) });
  const bare = (): NatsMsgLike => ({ subject: 'orders', data: new Uint8Array() });
  async function* sub() { yield withCtx(); yield bare(); yield withCtx(); yield bare(); }
  const startup = tracer.startSpan('startup') as Span;
  await tracer.withSpan(startup, async () => {
    let i = 0;
    for await (const m of sub()) {
      await processNats(tracer, m, (_msg, span) => { tracer.startSpan('db', { parent: tracer.activeSpan() }).end(); assert.is(tracer.activeSpan(), span); }, { mode: i++ < 2 ? 'parent' : 'link' });
    }
  });
  startup.end();
  const procs = cap.spans.filter((s) => s.name === 'process orders');
  assert.is(procs.length, 4);
  for (const p of procs) {
    assert.is.not(p.parentSpanId, startup.spanId, 'the loop\'s span is no parent');
    assert.ok(p.links.every((l) => l.spanId !== startup.spanId), 'nor a link');
  }
  assert.is(procs[0]!.parentSpanId, prod.spanId, 'parent mode: the producer is the parent');
  assert.is(procs[1]!.parentSpanId, '', 'no context: its own trace, not the startup\'s');
  assert.equal(procs[2]!.links.map((l) => l.spanId), [prod.spanId], 'link mode: the producer a link');
  assert.is(procs[3]!.traceId === startup.traceId, false, 'link mode without context: a new trace');
  const dbs = cap.spans.filter((s) => s.name === 'db');
  assert.equal(dbs.map((d) => d.parentSpanId), procs.map((p) => p.spanId));
  // under a no-trace context (OTel suppressTracing) it stays untraced
  const n = cap.spans.length;
  assert.is(await storage.run(markNoTrace({}) as never, () => processNats(tracer, withCtx(), () => 'ran')), 'ran');
  assert.is(cap.spans.length, n);
});

test.run();
