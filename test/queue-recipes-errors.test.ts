// A traced handler's errors surface as the untraced handler's would: a synchronous throw is thrown synchronously
// (its span ended with error status first), a returned promise settles the same way, a value comes back as is.
// Fake clients call back as nats.js v2.29 does (jetstream/consumer.js _push, protocol.js processMsg).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SpanStatusCode, type Span } from '../src/index.js';
import { subscribeNats, type NatsMsgLike } from '../adapters/queue-nats.js';
import { processJetStream, processJetStreamMessages, type JsMsgLike } from '../adapters/queue-jetstream.js';
import { CaptureProcessor } from './helpers/capture.js';
import { setup, jsMsg, WRAPPERS } from './helpers/queue-wrappers.js';

const BOOM = new TypeError('bad message');
/** The four shapes a handler can have: what the untraced call returns is what the traced one must. */
const HANDLERS: Record<string, () => unknown> = {
  'sync throw': () => { throw BOOM; },
  'sync value': () => 'done',
  'resolved promise': async () => 'done',
  'rejected promise': async () => { throw BOOM; },
};

interface Outcome { sync: 'throw' | 'value' | 'promise'; settled?: 'fulfilled' | 'rejected'; result: unknown; endedFirst: boolean }
/** How `call` surfaced its result; endedFirst: the message's span had ended (error status for an error) when the caller saw it. */
async function outcome(cap: CaptureProcessor, call: () => unknown, traced: boolean): Promise<Outcome> {
  const n = cap.spans.length;
  const ended = (error: boolean): boolean => !traced || (cap.spans.length === n + 1 && (cap.spans[n]!.status === SpanStatusCode.ERROR) === error);
  let r: unknown;
  try { r = call(); } catch (e) { return { sync: 'throw', result: e, endedFirst: ended(true) }; }
  if (!(r instanceof Promise)) return { sync: 'value', result: r, endedFirst: ended(false) };
  try {
    const v: unknown = await r;
    return { sync: 'promise', settled: 'fulfilled', result: v, endedFirst: ended(false) };
  } catch (e) {
    return { sync: 'promise', settled: 'rejected', result: e, endedFirst: ended(true) };
  }
}


for (const [wrapper, wrap] of Object.entries(WRAPPERS)) {
  test(`AC-007 ${wrapper}: a sync throw is thrown synchronously, a sync value returned as is, a promise settles as the handler's, the span ended first`, async () => {
    const { cap, tracer } = setup();
    for (const [shape, h] of Object.entries(HANDLERS)) {
      const untraced = await outcome(cap, h, false);
      const traced = await outcome(cap, () => wrap(tracer, h), true);
      assert.equal(traced, untraced, `${wrapper}, ${shape}`);
    }
  });
}

/** Rejections nobody handled while `fn` ran (and a few turns after): each would end a Node process by default. */
async function unhandledDuring(fn: () => void): Promise<unknown[]> {
  const seen: unknown[] = [];
  const on = (e: unknown): void => { seen.push(e); };
  process.on('unhandledRejection', on);
  try {
    fn();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  } finally {
    process.off('unhandledRejection', on);
  }
  return seen;
}

/** nats.js's consume({ callback }): a callback's synchronous throw stops the consumer (closed() resolves with it); its return value is dropped. */
function natsConsume(messages: JsMsgLike[], callback: (m: JsMsgLike) => unknown): { stoppedWith: unknown; delivered: number } {
  const state = { stoppedWith: undefined as unknown, delivered: 0 };
  for (const m of messages) {
    try { callback(m); state.delivered++; } catch (err) { state.stoppedWith = err; break; }
  }
  return state;
}

test('AC-007 JetStream consume({ callback }) with processJetStream: a handler\'s synchronous throw stops the consumer as untraced (no unhandled rejection), a rejection stays as unhandled as untraced', async () => {
  const { cap, tracer } = setup();
  const handler = (m: JsMsgLike): unknown => { if (m.seq === 2) throw BOOM; return undefined; };
  const msgs = [jsMsg(1), jsMsg(2), jsMsg(3)];
  let plain!: ReturnType<typeof natsConsume>;
  let traced!: ReturnType<typeof natsConsume>;
  assert.equal(await unhandledDuring(() => { plain = natsConsume(msgs, (m) => handler(m)); }), []);
  assert.equal(await unhandledDuring(() => { traced = natsConsume(msgs, (m) => processJetStream(tracer, m, handler)); }), [], 'no unhandled rejection');
  assert.equal(traced, plain);
  assert.is(traced.stoppedWith, BOOM, 'nats.js got the throw and stopped the consumer');
  assert.equal(cap.spans.map((s) => s.status), [SpanStatusCode.UNSET, SpanStatusCode.ERROR], 'the failed message\'s span ended with its error');
  // an async handler's rejection: nats.js drops the callback's promise, untraced and traced alike
  const rejecting = async (): Promise<void> => { throw BOOM; };
  assert.equal(await unhandledDuring(() => natsConsume([jsMsg(4)], () => rejecting())), [BOOM]);
  assert.equal(await unhandledDuring(() => natsConsume([jsMsg(4)], (m) => processJetStream(tracer, m, rejecting))), [BOOM]);
});

test('AC-007 subscribeNats: a handler\'s synchronous throw reaches nats.js as untraced (span ended first), with onError it goes there; a rejection without onError stays unhandled as untraced', async () => {
  const { cap, tracer } = setup();
  const cbs: Array<(e: Error | null, m: NatsMsgLike) => void> = [];
  const nc = { publish: () => {}, subscribe: (_s: string, o?: { callback?: (e: Error | null, m: NatsMsgLike) => void }) => { cbs.push(o!.callback!); return {}; } };
  const msg = (): NatsMsgLike => ({ subject: 'jobs', data: new Uint8Array() });
  const seen: unknown[] = [];
  subscribeNats(tracer, nc, 'jobs', () => { throw BOOM; });
  subscribeNats(tracer, nc, 'jobs', () => { throw BOOM; }, { onError: (e) => seen.push(e) });
  subscribeNats(tracer, nc, 'jobs', async () => { throw BOOM; });
  subscribeNats(tracer, nc, 'jobs', async () => { throw BOOM; }, { onError: (e) => seen.push(e) });
  subscribeNats(tracer, nc, 'jobs', () => 'ok', { onError: (e) => seen.push(e) });
  // nats.js's processMsg calls the callback with no try: the throw ends its reader, as the untraced handler's would
  let ended: Span | undefined;
  assert.equal(await unhandledDuring(() => {
    assert.throws(() => cbs[0]!(null, msg()), (e: unknown) => e === BOOM);
    ended = cap.spans[0];
  }), [], 'no unhandled rejection besides');
  assert.is(ended?.status, SpanStatusCode.ERROR, 'the span ended with the error before nats.js got it');
  assert.equal(await unhandledDuring(() => cbs[1]!(null, msg())), []);
  assert.equal(seen, [BOOM]);
  assert.equal(await unhandledDuring(() => cbs[2]!(null, msg())), [BOOM], 'as untraced: nats.js drops the callback\'s promise');
  assert.equal(await unhandledDuring(() => cbs[3]!(null, msg())), []);
  assert.equal(seen, [BOOM, BOOM]);
  cbs[4]!(null, msg());
  assert.equal(seen, [BOOM, BOOM]);
  assert.equal(cap.spans.map((s) => s.status), [2, 2, 2, 2, 0]);
});

test('AC-007 processJetStreamMessages with onError: a synchronous throw and a rejection both go to onError and the loop goes on; a sync handler\'s value is no promise to catch', async () => {
  const { cap, tracer } = setup();
  async function* four() { for (let i = 1; i <= 4; i++) yield jsMsg(i); }
  const seen: Array<[number, unknown]> = [];
  await processJetStreamMessages(tracer, four(), (m) => {
    if (m.seq === 2) throw BOOM;
    if (m.seq === 3) return Promise.reject(BOOM);
    return m.seq;
  }, { onError: (e, m) => seen.push([m.seq, e]) });
  assert.equal(seen, [[2, BOOM], [3, BOOM]]);
  assert.equal(cap.spans.map((s) => s.status), [0, 2, 2, 0]);
});

test.run();
