// NATS JetStream recipe (nats.js v2): publish with a PubAck, and pull consumers (`consumer.next`, `fetch`,
// `consume`) with a CONSUMER span per message. The context rides in the message headers as for core NATS.
// Takes the client objects, imports no broker library; acking (ack, nak, term, working) stays the handler's.
import type { Tracer } from '../src/tracer.js';
import type { AnySpan } from '../src/span.js';
import { storage } from '../src/context.js';
import { isNoTrace } from '../src/suppress.js';
import type { Attributes } from '../src/attributes.js';
import { consumeMessage, startPublish, UNREADABLE_CARRIER, type ConsumeOptions } from './queue.js';
import { receiveOne, type Pulled } from './queue-receive.js';
import { headersOf, readNatsCarrier, setCarrier, subjectOf, type NatsHeadersLike, type NatsMsgLike, type NatsPublishOptions } from './queue-nats.js';

/** The JsMsg fields the recipe reads (nats.js jetstream/jsmsg). */
export interface JsMsgLike extends NatsMsgLike {
  seq: number;
  redelivered: boolean;
  /** nats.js: deliveryCount and its alias redeliveryCount count deliveries, 1 for the first (jsmsg parseInfo). */
  info: { stream: string; consumer: string; deliveryCount?: number; redeliveryCount?: number; [k: string]: unknown };
}
/** `js.publish` (nats.js JetStreamClient): resolves with the stream's PubAck. */
export interface JetStreamLike {
  publish(subject: string, payload?: Uint8Array | string, options?: { headers?: NatsHeadersLike; [k: string]: unknown }): Promise<{ stream: string; seq: number; duplicate?: boolean }>;
}
/** `consumer.next` of a pull consumer (`js.consumers.get(stream, name)`). */
export interface JsConsumerLike<M extends JsMsgLike = JsMsgLike> { next(options?: Record<string, unknown>): Promise<M | null> }

const SYSTEM = 'nats';

/**
 * No `reply` or `temporary`: js.publish is a request whose reply subject is nats.js's own inbox (the PubAck), and a
 * stream's subject is a stored destination, never a temporary one.
 */
export interface JetStreamPublishOptions extends Omit<NatsPublishOptions, 'reply' | 'temporary'> {
  /** Other nats.js JetStreamPublishOptions (msgID, expect, timeout), passed through (copied); their `headers` are kept, the context added. */
  publishOptions?: Record<string, unknown>;
}

/**
 * `js.publish` under a PRODUCER span `publish <subject>` that ends at the stream's PubAck (an error, e.g. no
 * stream for the subject, is recorded and rethrown); the stored sequence becomes `messaging.message.id`.
 */
export async function publishJetStream(tracer: Tracer, js: JetStreamLike, subject: string, payload?: Uint8Array | string, options: JetStreamPublishOptions = {}): Promise<{ stream: string; seq: number; duplicate?: boolean }> {
  const o = options as JetStreamPublishOptions & { reply?: unknown; temporary?: unknown };
  if (o.reply !== undefined || o.temporary !== undefined) throw new TypeError('tracewire/queue-jetstream: publishJetStream takes no reply or temporary (js.publish replies to its own inbox with the PubAck; a stream subject is no temporary destination)');
  const h = headersOf(options, 'queue-jetstream: publishJetStream', options.publishOptions, 'publishOptions');
  const carrier: Record<string, string> = {};
  const span = startPublish(tracer, carrier, { system: SYSTEM, destination: subject });
  try {
    setCarrier(tracer, h, carrier);
    const ack = await js.publish(subject, payload, { ...options.publishOptions, headers: h });
    span.setAttribute('messaging.message.id', String(ack.seq));
    return ack;
  } catch (err) {
    span.recordError(err);
    throw err;
  } finally {
    span.end();
  }
}

export interface JetStreamConsumeOptions {
  mode?: ConsumeOptions['mode'];
  /** processJetStreamMessages: a handler's error goes here and the loop goes on. Without it the loop stops and rethrows. */
  onError?: (err: unknown, msg: JsMsgLike) => void;
  /** nextJetStream: passed to consumer.next (expires). */
  nextOptions?: Record<string, unknown>;
  /**
   * nextJetStream: also record a CLIENT `receive <subject>` span over consumer.next (messaging conventions for pull
   * consumers): a child of your polling span, linking the message's creation context; the process span runs under it
   * (`mode` then defaults to `link`). `null` (nothing came) records no span. A failed next is an error on a span named
   * `receive`. processJetStreamMessages: one such span per message, over the loop's wait for it (the iterator's
   * `next()`), a child of the span active when the loop was called; the iterator's end records none. Default false.
   */
  receiveSpan?: boolean;
}

/**
 * One JetStream message nats.js handed over (a `consume({ callback })`, a loop of your own) under a CONSUMER span
 * `process <subject>`, active while `handler` runs: its publisher's span is the parent (a link in `mode: 'link'`).
 * nats.js calls back in the context the connection was opened in (often a long-finished request), so the caller's
 * context is no parent or link of the message (js#4001). `messaging.consumer.group.name` is the JetStream consumer,
 * the stream sequence `messaging.message.id`. Returns what `handler` does, as consumeMessage: a synchronous throw
 * is thrown (recorded first), so nats.js stops the consumer with it as it does untraced; a rejection rejects.
 */
export function processJetStream<M extends JsMsgLike, R>(tracer: Tracer, msg: M, handler: (msg: M, span: AnySpan) => R, options: JetStreamConsumeOptions = {}): R {
  const ambient = storage.getStore();
  return storage.run(isNoTrace(ambient) ? ambient : undefined, processOne, tracer, msg, handler, options); // under suppressTracing it stays untraced
}

/** processJetStream in the current context: its active span is a link (the parent in link mode), as consumeMessage does. */
function processOne<M extends JsMsgLike, R>(tracer: Tracer, msg: M, handler: (msg: M, span: AnySpan) => R, options: JetStreamConsumeOptions): R {
  const p = readJs(tracer, msg);
  return consumeMessage(tracer, p.carrier, { ...p.o, mode: options.mode }, (span) => handler(msg, span));
}

/** The message's carrier and span options (no mode). */
function readJs(tracer: Tracer, msg: JsMsgLike): Pulled {
  let info: JsMsgLike['info'] | undefined;
  // nats.js's info getter (and seq, which reads it) throws for a reply subject that is not $JS.ACK: the handler still
  // gets the message, as untraced; its metadata counts as unreadable (a new trace), headers it cannot decode likewise.
  try { info = msg.info; } catch { info = undefined; }
  const attributes: Attributes = {};
  let messageId: string | undefined;
  if (info !== undefined && info !== null) {
    if (typeof info.consumer === 'string') attributes['messaging.consumer.group.name'] = info.consumer;
    if (typeof info.stream === 'string') attributes['messaging.nats.stream'] = info.stream;
    attributes['messaging.nats.redelivery_count'] = redeliveries(info);
    const seq = msg.seq;
    if (Number.isSafeInteger(seq)) messageId = String(seq); // parseInt of a malformed $JS.ACK token is NaN
  }
  const carrier = info === undefined ? UNREADABLE_CARRIER : readNatsCarrier(msg);
  return { carrier, o: { system: SYSTEM, destination: subjectOf(tracer, msg), messageId, attributes } };
}

/** Deliveries before this one: nats.js's count includes this delivery (a first delivery is 1, not a redelivery). */
function redeliveries(info: JsMsgLike['info']): number {
  const n = info.deliveryCount ?? info.redeliveryCount;
  return typeof n === 'number' && n > 1 ? n - 1 : 0;
}

/**
 * `consumer.next()` and, when a message came, its CONSUMER span as processJetStream makes it, but the caller awaited
 * the poll: its active span (a poll's own span) is a link (the parent in link mode). `null` (nothing before `expires`)
 * is returned as is, with no span.
 */
export async function nextJetStream<M extends JsMsgLike, R>(tracer: Tracer, consumer: JsConsumerLike<M>, handler: (msg: M, span: AnySpan) => R | Promise<R>, options: JetStreamConsumeOptions = {}): Promise<R | null> {
  if (options.receiveSpan === true) return receiveOne(tracer, () => consumer.next(options.nextOptions), null, (m) => readJs(tracer, m), { system: SYSTEM, destination: '' }, options.mode, handler);
  const msg = await consumer.next(options.nextOptions);
  if (msg === null) return null;
  return processOne(tracer, msg, handler, options);
}

/**
 * Every message of `consumer.fetch()` or `consumer.consume()` (any async iterable of JsMsg) through
 * processJetStream, one at a time; resolves when the iterator ends (fetch: batch done; consume: `stop()`/`close()`).
 * Each message's span starts with no ambient span, as subscribeNats/consumeAmqp/processJob do: the loop runs for
 * as long as the consumer does, in the context it was started in (a startup or request span), which is no parent
 * or link of every message (js#4001); the message's creation context is its parent (a link in `mode: 'link'`).
 */
export async function processJetStreamMessages<M extends JsMsgLike>(tracer: Tracer, messages: AsyncIterable<M>, handler: (msg: M, span: AnySpan) => unknown, options: JetStreamConsumeOptions = {}): Promise<void> {
  if (options.receiveSpan === true) return receiveEach(tracer, messages, handler, options);
  const onError = options.onError;
  for await (const msg of messages) {
    if (onError === undefined) { await processJetStream(tracer, msg, handler, options); continue; }
    try {
      await processJetStream(tracer, msg, handler, options); // a synchronous throw as a rejection: both go to onError
    } catch (err) {
      onError(err, msg);
    }
  }
}

/** The iterator `for await` reads: the async one, else a sync iterable's (an array) as async (for await's fallback). */
function iteratorOf<M>(messages: AsyncIterable<M>): AsyncIterator<M> {
  if (typeof (messages as Partial<AsyncIterable<M>>)[Symbol.asyncIterator] === 'function') return messages[Symbol.asyncIterator]();
  const sync = messages as unknown as Partial<Iterable<M>>;
  if (typeof sync[Symbol.iterator] !== 'function') throw new TypeError('tracewire/queue-jetstream: processJetStreamMessages takes an async iterable of messages (consumer.fetch(), consumer.consume())');
  return (async function* () { yield* sync as Iterable<M>; })();
}

/** The iterator's end, as receiveOne's "empty poll". */
const DONE: unique symbol = Symbol('tracewire.jetstream.done');

/**
 * processJetStreamMessages with `receiveSpan`: each `next()` of the iterator is the application's receive of one message
 * (nats.js pulls the batches behind it, unseen): a `receive <subject>` span over that wait, as nextJetStream's over
 * consumer.next, its parent the span active at the call (a poll span around a fetch(); none: a root). Errors as the
 * plain loop: the iterator's own is rethrown (a `receive` error span first), a handler's goes to onError or stops the
 * loop, the iterator closed as `for await` closes it.
 */
async function receiveEach<M extends JsMsgLike>(tracer: Tracer, messages: AsyncIterable<M>, handler: (msg: M, span: AnySpan) => unknown, options: JetStreamConsumeOptions): Promise<void> {
  const it = iteratorOf(messages);
  const onError = options.onError;
  let pullFailed = false;
  let msg: M | undefined;
  const pull = async (): Promise<M | typeof DONE> => {
    try {
      const r = await it.next();
      return r.done === true ? DONE : r.value;
    } catch (err) {
      pullFailed = true;
      throw err;
    }
  };
  const read = (m: M): Pulled => { msg = m; return readJs(tracer, m); };
  let open = true; // the iterator still to be closed when the loop stops early
  try {
    for (;;) {
      try {
        if (await receiveOne(tracer, pull, DONE, read, { system: SYSTEM, destination: '' }, options.mode, handler) === DONE) { open = false; return; }
      } catch (err) {
        if (pullFailed) { open = false; throw err; } // as for await: a failed next() is not followed by return()
        if (onError === undefined) throw err;
        onError(err, msg!);
      }
    }
  } finally {
    if (open) try { await it.return?.(); } catch { /* for await: the loop's own error wins */ }
  }
}
