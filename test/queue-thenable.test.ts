// A handler that returns a thenable that is no native Promise (a Bluebird promise, a query builder that runs on
// then, a one-shot custom thenable) gets exactly that object back from the traced wrapper: its `then` is called
// as often as the application calls it (once per await), the span ends when it settles, before the application's
// callbacks run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTracer, SpanStatusCode } from '../src/index.js';
import { consumeMessage, queueStats, setThenableDeadline } from '../adapters/queue.js';
import { DEFAULT_DEADLINE_MS, watching } from '../adapters/queue-unsettled.js';
import { CaptureProcessor } from './helpers/capture.js';
import { subscribeNats, type NatsMsgLike } from '../adapters/queue-nats.js';
import { processJetStreamMessages } from '../adapters/queue-jetstream.js';
import { consumeAmqp, getAmqp, type AmqpMessageLike } from '../adapters/queue-amqp.js';
import { setup, jsMsg, WRAPPERS, OneShot } from './helpers/queue-wrappers.js';

const BOOM = new TypeError('bad message');


for (const [wrapper, wrap] of Object.entries(WRAPPERS)) {
  test(`AC-007 ${wrapper}: a handler's custom thenable comes back as that very object, then called once (by the await), laziness kept, the span ended when it settles and before the caller's callback`, async () => {
    const { cap, tracer } = setup();
    const ok = new OneShot({ value: 'done' });
    const r = wrap(tracer, () => ok);
    assert.is(r, ok, 'exactly what the handler returned');
    assert.is(ok.calls, 0, 'not subscribed behind the caller\'s back: a lazy thenable has not started');
    assert.equal(Object.keys(ok), ['outcome', 'calls', 'started'], 'no visible property added');
    assert.is(cap.spans.length, 0, 'the span is still open: nothing settled');
    let endedFirst = false;
    const v = await (r as OneShot<string>).then((x) => { endedFirst = cap.spans.length === 1; return x; });
    assert.is(v, 'done');
    assert.ok(endedFirst, 'the span ended before the caller\'s callback ran');
    assert.is(ok.calls, 1);
    assert.is(cap.spans[0]!.status, SpanStatusCode.UNSET);
    assert.is(Object.getOwnPropertyDescriptor(ok, 'then'), undefined, 'the thenable is as it was');
    // a rejecting one, awaited: rejected with the same error, the span ended with it first
    const bad = new OneShot({ error: BOOM });
    const r2 = wrap(tracer, () => bad);
    assert.is(r2, bad);
    let seen: unknown;
    try { await r2; } catch (e) { seen = e; endedFirst = cap.spans.length === 2; }
    assert.is(seen, BOOM);
    assert.ok(endedFirst);
    assert.is(bad.calls, 1, 'await called then once');
    assert.is(cap.spans[1]!.status, SpanStatusCode.ERROR);
  });
}

test('AC-007 a frozen custom thenable (nothing can be marked on it) is answered by a promise that settles as it does, its then called once', async () => {
  const { cap, tracer } = setup();
  let calls = 0;
  const ok = Object.freeze({ then(onF: (v: number) => unknown) { calls++; return Promise.resolve(7).then(onF); } });
  const r = consumeMessage(tracer, null, { system: 'nats', destination: 'q' }, () => ok);
  assert.ok(r instanceof Promise);
  assert.is(await r, 7);
  assert.is(calls, 1);
  assert.is(cap.spans.length, 1);
});

test('AC-007 the recipes whose broker library drops the handler\'s result (subscribeNats, consumeAmqp) and the pull loops end the span when a custom thenable settles, calling then once', async () => {
  const { cap, tracer } = setup();
  const made: Array<OneShot<unknown>> = [];
  const handler = (): OneShot<unknown> => { const t = new OneShot({ value: 1 }); made.push(t); return t; };
  let natsCb: ((e: Error | null, m: NatsMsgLike) => void) | undefined;
  subscribeNats(tracer, { publish: () => {}, subscribe: (_s: string, o?: { callback?: (e: Error | null, m: NatsMsgLike) => void }) => { natsCb = o!.callback; return {}; } }, 'jobs', handler);
  natsCb!(null, { subject: 'jobs', data: new Uint8Array() });
  const errors: unknown[] = [];
  subscribeNats(tracer, { publish: () => {}, subscribe: (_s: string, o?: { callback?: (e: Error | null, m: NatsMsgLike) => void }) => { natsCb = o!.callback; return {}; } }, 'jobs', handler, { onError: (e) => errors.push(e) });
  natsCb!(null, { subject: 'jobs', data: new Uint8Array() });
  let amqpCb: ((m: AmqpMessageLike | null) => void) | undefined;
  const amqpMsg: AmqpMessageLike = { content: Buffer.from('x'), fields: { exchange: '', routingKey: 'q' }, properties: {} };
  const ch = { publish: () => true, consume: async (_q: string, cb: (m: AmqpMessageLike | null) => void) => { amqpCb = cb; return { consumerTag: 't' }; }, get: async () => amqpMsg };
  await consumeAmqp(tracer, ch, 'q', handler);
  amqpCb!(amqpMsg);
  async function* two() { yield jsMsg(1); yield jsMsg(2); }
  await processJetStreamMessages(tracer, two(), handler);
  assert.is(await getAmqp(tracer, ch, 'q', handler), 1);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.is(made.length, 6);
  assert.equal(made.map((t) => t.calls), [1, 1, 1, 1, 1, 1], 'each thenable subscribed exactly once');
  assert.is(cap.spans.length, 6, 'every span ended');
  assert.equal(errors, []);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('AC-007 a custom thenable nothing ever calls then on (nats.js drops what a consume({ callback }) returns): past the deadline its span is ended (at the handler\'s return), marked tracewire.queue.unsettled, counted, reported once per tracer; then never called, the thenable put back as it was', async () => {
  const cap = new CaptureProcessor();
  const logs: string[] = [];
  const tracer = createTracer({ service: 'svc', processor: cap, logger: (m) => logs.push(m) });
  setThenableDeadline(40);
  try {
    const before = queueStats().thenablesUnsettled;
    const dropped = Object.entries(WRAPPERS).map(([name, wrap]) => {
      const t = new OneShot({ value: name });
      assert.is(wrap(tracer, () => t), t, name + ': handed back untouched');
      return t;
    });
    assert.is(cap.spans.length, 0, 'open while the deadline runs');
    await sleep(120);
    assert.is(cap.spans.length, dropped.length, 'every span ended, so exported');
    for (const s of cap.spans) {
      assert.is(s.getAttribute('tracewire.queue.unsettled'), true, s.name);
      assert.is(s.status, SpanStatusCode.UNSET, 'no error: its outcome is unknown');
      assert.ok(s.duration < 40, `ended at the handler's return, not at the deadline (${s.duration} ms)`);
    }
    assert.is(queueStats().thenablesUnsettled, before + dropped.length);
    assert.equal(dropped.map((t) => t.calls), dropped.map(() => 0), 'then never called: a lazy thenable never started behind the application\'s back');
    assert.ok(dropped.every((t) => Object.getOwnPropertyDescriptor(t, 'then') === undefined), 'the thenable is as it was');
    assert.is(logs.filter((m) => m.includes('thenablesUnsettled')).length, 1, 'reported once');
    // awaited after all, late: then runs once, the value comes through, the span is not ended twice
    assert.is(await (dropped[0] as OneShot<string>), 'consumeMessage');
    assert.is(dropped[0]!.calls, 1);
    assert.is(cap.spans.length, dropped.length);
    assert.is(tracer.stats().endedTwice, 0);
    assert.is(watching(), 0, 'nothing held');
  } finally {
    setThenableDeadline(DEFAULT_DEADLINE_MS);
  }
});

test('AC-007 a custom thenable awaited before the deadline is not marked nor counted, and leaves the watch list at once; the watch is one shared unref\'d timer, not one per message', async () => {
  const { cap, tracer } = setup();
  setThenableDeadline(30);
  const realSetTimeout = globalThis.setTimeout;
  let timers = 0;
  try {
    const before = queueStats().thenablesUnsettled;
    const timeouts = process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;
    (globalThis as { setTimeout: unknown }).setTimeout = (...a: Parameters<typeof setTimeout>) => { timers++; return realSetTimeout(...a); };
    const many = Array.from({ length: 200 }, (_, i) => consumeMessage(tracer, null, { system: 'nats', destination: 'q' }, () => new OneShot({ value: i })));
    globalThis.setTimeout = realSetTimeout;
    assert.is(timers, 1, 'one timer for 200 messages');
    assert.is(watching(), 200);
    assert.is(process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length, timeouts, 'unref\'d: it keeps no process alive');
    assert.equal(await Promise.all(many), Array.from({ length: 200 }, (_, i) => i));
    assert.is(watching(), 0, 'awaited: out of the list (span and thenable no longer held)');
    await sleep(80);
    assert.is(cap.spans.length, 200);
    assert.ok(cap.spans.every((s) => s.getAttribute('tracewire.queue.unsettled') === undefined));
    assert.is(queueStats().thenablesUnsettled, before);
  } finally {
    globalThis.setTimeout = realSetTimeout;
    setThenableDeadline(DEFAULT_DEADLINE_MS);
  }
});

test('AC-007 setThenableDeadline(Infinity) turns the deadline off (the span waits for then, as before); an invalid value is a TypeError', async () => {
  const { cap, tracer } = setup();
  setThenableDeadline(Infinity);
  try {
    const t = new OneShot({ value: 1 });
    consumeMessage(tracer, null, { system: 'nats', destination: 'q' }, () => t);
    assert.is(watching(), 1, 'waiting, held weakly until a finite deadline is set (queue-thenable-deadline)');
    await sleep(40);
    assert.is(cap.spans.length, 0, 'still open');
    assert.is(await t, 1);
    assert.is(cap.spans.length, 1);
    assert.is(watching(), 0, 'then called: no longer held');
    for (const bad of [0, -1, 1.5, NaN, 2 ** 31, '100' as unknown as number]) assert.throws(() => setThenableDeadline(bad), TypeError);
  } finally {
    setThenableDeadline(DEFAULT_DEADLINE_MS);
  }
});

/** A custom thenable an application keeps and hands back again and again (a shared "ready" thenable, a cached query). */
class Shared {
  calls = 0;
  then(onF?: (v: string) => unknown, onR?: (e: unknown) => unknown): Promise<unknown> { this.calls++; return Promise.resolve('ready').then(onF, onR); }
}

test('AC-007 one custom thenable handed back for several messages and never awaited: past the deadline each span is ended unsettled and counted once, and the thenable is put back as it was (no then of ours left on it, holding spans)', async () => {
  const { cap, tracer } = setup();
  setThenableDeadline(30);
  try {
    const before = queueStats().thenablesUnsettled;
    const t = new Shared();
    for (let i = 0; i < 3; i++) assert.is(consumeMessage(tracer, null, { system: 'nats', destination: 'q' }, () => t), t);
    assert.is(watching(), 3);
    await sleep(100);
    assert.is(cap.spans.length, 3);
    assert.ok(cap.spans.every((s) => s.getAttribute('tracewire.queue.unsettled') === true));
    assert.is(queueStats().thenablesUnsettled, before + 3);
    assert.is(Object.getOwnPropertyDescriptor(t, 'then'), undefined, 'the thenable is as it was');
    assert.is(watching(), 0);
    assert.is(await t, 'ready');
    assert.is(t.calls, 1);
    assert.is(cap.spans.length, 3);
    assert.is(tracer.stats().endedTwice, 0);
  } finally {
    setThenableDeadline(DEFAULT_DEADLINE_MS);
  }
});

test('AC-007 one custom thenable handed back for 20000 messages, then awaited: no RangeError into the host, its then called once, every span ended when it settles, the thenable as it was', async () => {
  const { cap, tracer } = setup();
  const t = new Shared();
  for (let i = 0; i < 20000; i++) consumeMessage(tracer, null, { system: 'nats', destination: 'q' }, () => t);
  assert.is(await t, 'ready');
  assert.is(t.calls, 1);
  assert.is(cap.spans.length, 20000);
  assert.is(watching(), 0, 'none left waiting');
  assert.is(Object.getOwnPropertyDescriptor(t, 'then'), undefined);
  // handed back again afterwards: observed afresh
  const r = consumeMessage(tracer, null, { system: 'nats', destination: 'q' }, () => t);
  assert.is(r, t);
  assert.is(await t, 'ready');
  assert.is(t.calls, 2);
  assert.is(cap.spans.length, 20001);
});

test('AC-007 a thenable handed back while the deadline sweep runs (a span processor that consumes a message from onEnd) leaves one deadline timer, not two', async () => {
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  const live = new Set<unknown>();
  (globalThis as { setTimeout: unknown }).setTimeout = (fn: () => void, ms?: number) => { const h: unknown = realSetTimeout(() => { live.delete(h); fn(); }, ms); live.add(h); return h; };
  (globalThis as { clearTimeout: unknown }).clearTimeout = (h: Parameters<typeof clearTimeout>[0]) => { live.delete(h); realClearTimeout(h); };
  const cap = new CaptureProcessor();
  let again = true;
  const tracer = createTracer({ service: 'svc', logger: () => {}, processor: { onEnd(s) { cap.onEnd(s); if (again) { again = false; consumeMessage(tracer, null, { system: 'nats', destination: 'q' }, () => new Shared()); } }, forceFlush: async () => {}, shutdown: async () => {}, stats: () => cap.stats() } });
  try {
    assert.is(watching(), 0, 'nothing left waiting by the tests before');
    setThenableDeadline(30);
    live.clear(); // the timers of what ran before
    consumeMessage(tracer, null, { system: 'nats', destination: 'q' }, () => new Shared());
    assert.is(live.size, 1);
    await sleep(45); // the first is swept; the processor hands back a second one from its onEnd
    assert.is(cap.spans.length, 1);
    assert.is(watching(), 1);
    assert.is(live.size, 1, 'one timer for the one waiting thenable');
    await sleep(60);
    assert.is(cap.spans.length, 2);
    assert.is(live.size, 0);
  } finally {
    globalThis.setTimeout = realSetTimeout;
    globalThis.clearTimeout = realClearTimeout;
    setThenableDeadline(DEFAULT_DEADLINE_MS);
  }
});

test.run();
