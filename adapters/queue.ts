// tracewire/queue: W3C context across async hops. The producer injects its span's context into the
// message's metadata (headers, attributes, a properties map: a plain object of strings); the consumer
// extracts it. Span names and attributes follow the messaging semantic conventions; never the body.
import type { Tracer } from '../src/tracer.js';
import type { Attributes } from '../src/attributes.js';
import { NonRecordingSpan, SpanKind, type AnySpan, type SpanOptions } from '../src/span.js';
import type { SpanContext, SpanContextLike } from '../src/span-context.js';
import { extractContext as extractHeaders, injectContext as injectHeaders } from '../src/propagation.js';
import { storage } from '../src/context.js';
import { MAX_TRACEPARENT_CHARS } from '../src/traceparent.js';
import { MAX_TRACESTATE_INPUT } from '../src/tracestate.js';
import { isNoTrace } from '../src/suppress.js';
import { tracerOf } from './retry.js';
import { handBack } from './queue-result.js';
import { queueCounters } from './queue-stats.js';

export { isPromiseLike, settle } from './queue-result.js'; // internal (the recipes)

/** A message's metadata map. Values may arrive as strings, Buffers (AMQP) or string arrays. */
export type Carrier = Record<string, unknown>;

export interface PublishOptions {
  /** `messaging.system`: rabbitmq, redis, nats, kafka, aws_sqs, ... */
  system: string;
  /** `messaging.destination.name`: queue, topic, exchange or subject; '' for none (a batch to several: span named by the operation). */
  destination: string;
  /** `messaging.operation.name` (default `publish`); `create` makes a creation span for batch sends; `request` a request/reply send. */
  operation?: 'publish' | 'send' | 'create' | 'request';
  /** `messaging.message.id`, when the producer knows it up front. */
  messageId?: string;
  /** Extra operational attributes (e.g. `messaging.rabbitmq.destination.routing_key`). */
  attributes?: Attributes;
  /**
   * A temporary or generated destination (a reply inbox, a server-named queue): the span is named by the
   * operation alone (semconv: such names are no low-cardinality destination) and gets `messaging.destination.temporary`.
   */
  temporary?: boolean;
}

export interface ConsumeOptions {
  system: string;
  destination: string;
  /**
   * `parent` (default): the message's creation context is the parent; an ambient span, if any, becomes a
   * link. `link`: the ambient span (if any) is the parent and the creation context a link, as the
   * messaging conventions recommend when spans from different traces meet.
   */
  mode?: 'parent' | 'link';
  /** `process` (default, CONSUMER) or `receive`. */
  operation?: 'process' | 'receive';
  messageId?: string;
  attributes?: Attributes;
  /** As PublishOptions.temporary. */
  temporary?: boolean;
}

const OPERATION_TYPE: Record<string, string> = { publish: 'send', send: 'send', request: 'send', create: 'create', process: 'process', receive: 'receive' };

/** The messaging attributes of a span for operation `op`. Internal (queue-receive). */
export function baseAttributes(o: PublishOptions | ConsumeOptions, op: string): Attributes {
  const a: Attributes = { 'messaging.system': o.system };
  if (o.destination !== '') a['messaging.destination.name'] = o.destination; // '': a batch to several destinations (semconv: none applies to all)
  a['messaging.operation.name'] = op;
  a['messaging.operation.type'] = OPERATION_TYPE[op] ?? op;
  if (o.temporary === true) a['messaging.destination.temporary'] = true;
  if (o.messageId !== undefined) a['messaging.message.id'] = o.messageId;
  if (o.attributes !== undefined) for (const k in o.attributes) a[k] = o.attributes[k];
  return a;
}

/** Span name per the messaging conventions: `{operation} {destination}`, the operation alone for a temporary or no ('') destination. */
export function spanName(op: string, o: PublishOptions | ConsumeOptions): string {
  return o.temporary === true || o.destination === '' ? op : op + ' ' + o.destination;
}

/**
 * Write `traceparent` (+ `tracestate`) of `ctx` (default: the active span) into a message carrier; returns the carrier.
 * Never throws: a carrier that refuses the write (frozen, a setter or Proxy that throws) comes back without the
 * context, counted in carrierUnwritable of the span's tracer (else of `tracer`; with neither, queueStats()'s). A `ctx`
 * of null (a JavaScript caller's) hands it back as it was, counted in contextMissing of `tracer` (else queueStats()'s).
 */
export function injectMessageContext(carrier: Carrier, ctx: SpanContextLike | undefined = storage.getStore(), tracer?: Tracer): Carrier {
  if (ctx === undefined) return carrier;
  if (ctx === null) { // not a refusal of the carrier: counted apart from carrierUnwritable
    if (tracer !== undefined) tracer.propagationStats.contextMissing++;
    else queueCounters.contextMissing++;
    return carrier;
  }
  if (!injectHeaders(ctx, carrier)) { // a forwarded carrier's old tracestate is dropped there
    const t = tracerOf(ctx, tracer as Tracer); // the span's own tracer, else the one passed (maybe none)
    if (t !== undefined) t.propagationStats.carrierUnwritable++;
    else queueCounters.carrierUnwritable++;
  }
  return carrier;
}

/** A value as text; bytes decoded up to `max + 1` only: one past the core's bound is enough to reject it as too long. */
function text(v: unknown, max: number): string | undefined {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return undefined;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, Math.min(v.byteLength, max + 1)).toString('latin1');
  try { return String(v); } catch { return '?'; } // a number, a table...: present but no traceparent, so counted as a rejection, not as missing (a null-prototype object has no String())
}

/**
 * A header value as the core reads it: several values stay several (a repeated traceparent is a counted duplicate,
 * W3C); values are read until joined with ',' they pass `max`, as far as the core needs to reject them.
 */
function header(v: unknown, max: number): string | string[] | undefined {
  if (!Array.isArray(v)) return text(v, max);
  if (v.length <= 1) return text(v[0], max);
  const out: string[] = [];
  for (let i = 0, n = -1; i < v.length && (i < 2 || n <= max); i++) { // two at least: several values stay several
    const s = text(v[i], max) ?? '';
    out.push(s);
    n += s.length + 1;
  }
  return out;
}

/**
 * What a recipe's carrier reader returns for metadata that threw when read or is not a carrier: extraction
 * counts it in `propagation.carrierUnreadable` and the message gets a new trace. Internal (the recipes).
 */
export const UNREADABLE_CARRIER: Carrier = Object.freeze({});

/**
 * The creation context a producer put into `carrier`, or null (rejections counted on the tracer: no carrier is
 * a missing traceparent; one that throws when read, say a getter, a Proxy or a detached Buffer, is unreadable).
 */
export function extractMessageContext(carrier: Carrier | null | undefined, tracer?: Tracer): SpanContext | null {
  if (carrier === null || carrier === undefined) {
    if (tracer !== undefined) tracer.propagationStats.traceparentMissing++; // as a request without traceparent
    return null;
  }
  let headers: { traceparent: string | string[] | undefined; tracestate: string | string[] | undefined };
  try {
    if (carrier === UNREADABLE_CARRIER) throw carrier;
    let tp = carrier.traceparent;
    let ts = carrier.tracestate;
    if (tp === undefined) { tp = carrier.Traceparent ?? carrier.TRACEPARENT; ts = carrier.Tracestate ?? carrier.TRACESTATE ?? ts; }
    headers = { traceparent: header(tp, MAX_TRACEPARENT_CHARS), tracestate: header(ts, MAX_TRACESTATE_INPUT) };
  } catch {
    if (tracer !== undefined) tracer.propagationStats.carrierUnreadable++; // never into the consumer
    return null;
  }
  return tracer !== undefined ? tracer.extract(headers) : extractHeaders(headers);
}

/**
 * Returned under a no-trace context (OTel's suppressTracing through the bridge): records nothing, and its
 * all-zero IDs inject nothing, as OTel's propagator injects nothing there.
 */
export const SUPPRESSED_SPAN = new NonRecordingSpan(0, 0, 0, 0, 0, 0, 0, null);

/** Start a PRODUCER span `{operation} {destination}` and inject it into `carrier`. The caller ends it. */
export function startPublish(tracer: Tracer, carrier: Carrier, o: PublishOptions): AnySpan {
  const op = o.operation ?? 'publish';
  const active = storage.getStore();
  if (isNoTrace(active)) return SUPPRESSED_SPAN;
  const t = tracerOf(active, tracer);
  const span = t.startSpan(spanName(op, o), { kind: SpanKind.PRODUCER, attributes: baseAttributes(o, op) });
  injectHeaders(span, carrier, t.propagationStats); // a carrier that refuses it (frozen, a throwing setter or Proxy): sent without it, counted
  return span;
}

/**
 * Batch publish, per the messaging conventions: one `create <destination>` PRODUCER span per message, its context
 * injected into that message's `carrier` (the message's creation context) and ended at once. `parent` defaults to
 * the active span (a flow's child job passes its parent job's creation span). Returns it for startBatchSend's links.
 */
export function createMessage(tracer: Tracer, carrier: Carrier, o: PublishOptions, parent?: SpanContextLike): AnySpan {
  const active = storage.getStore();
  if (isNoTrace(active)) return SUPPRESSED_SPAN;
  const t = tracerOf(active, tracer);
  const span = t.startSpan(spanName('create', o), { kind: SpanKind.PRODUCER, parent, attributes: baseAttributes(o, 'create') });
  injectHeaders(span, carrier, t.propagationStats); // as in startPublish
  span.end();
  return span;
}

/**
 * The `send <destination>` span of a batch publish: CLIENT (semconv: a send whose context is not the messages'
 * creation context), `messaging.batch.message_count`, a link per message's creation span. The caller ends it.
 */
export function startBatchSend(tracer: Tracer, creations: ReadonlyArray<AnySpan>, o: PublishOptions): AnySpan {
  const active = storage.getStore();
  if (isNoTrace(active)) return SUPPRESSED_SPAN;
  const attributes = baseAttributes(o, 'send');
  attributes['messaging.batch.message_count'] = creations.length;
  return tracerOf(active, tracer).startSpan(spanName('send', o), { kind: SpanKind.CLIENT, attributes, links: creations });
}

/** Publish under a PRODUCER span: `fn(carrier)` sends the message with the carrier as its metadata. */
export async function publish<T>(tracer: Tracer, carrier: Carrier, o: PublishOptions, fn: (carrier: Carrier, span: AnySpan) => T | Promise<T>): Promise<T> {
  const span = startPublish(tracer, carrier, o);
  if (span === SUPPRESSED_SPAN) return fn(carrier, span); // the suppressed context stays active for fn
  try {
    return await storage.run(span, fn, carrier, span);
  } catch (err) {
    span.recordError(err);
    throw err;
  } finally {
    span.end();
  }
}

/** Start the CONSUMER span for one message (parent or link per `mode`). The caller ends it. */
export function startConsume(tracer: Tracer, carrier: Carrier | null | undefined, o: ConsumeOptions): AnySpan {
  const ambient = storage.getStore();
  if (isNoTrace(ambient)) return SUPPRESSED_SPAN;
  return consumeSpan(tracer, ambient, extractMessageContext(carrier, tracer), o);
}

/** consumeMessage for a message whose creation context is already extracted (null: none). Internal (queue-receive). */
export function consumeExtracted<R>(tracer: Tracer, creation: SpanContext | null, o: ConsumeOptions, fn: (span: AnySpan) => R): R {
  const ambient = storage.getStore();
  return runIn(isNoTrace(ambient) ? SUPPRESSED_SPAN : consumeSpan(tracer, ambient, creation, o), fn);
}

function consumeSpan(tracer: Tracer, ambient: SpanContextLike | undefined, creation: SpanContext | null, o: ConsumeOptions): AnySpan {
  const op = o.operation ?? 'process';
  // The given tracer, not the ambient span's: a consumer callback's ambient context is often stale (js#4001).
  const t = tracer;
  const opts: SpanOptions = { kind: op === 'receive' ? SpanKind.CLIENT : SpanKind.CONSUMER, attributes: baseAttributes(o, op) };
  if (o.mode === 'link') {
    opts.parent = ambient ?? null;
    if (creation !== null) opts.links = [creation];
  } else {
    opts.parent = creation;
    if (ambient !== undefined && creation !== null) opts.links = [ambient]; // semconv: keep the ambient context as a link
    else if (ambient !== undefined) opts.parent = ambient;
  }
  return t.startSpan(spanName(op, o), opts);
}

/**
 * `fn` under `span`, returned as the untraced `fn(span)` would be: a synchronous throw is thrown (span ended with
 * the error first), anything else handed back by handBack (a value as is, a custom thenable as that very object, a
 * native promise as one that settles as it does), the span ended when it is known. A broker library treats these
 * differently (nats.js stops a consumer on a throw, drops a promise).
 */
function runIn<R>(span: AnySpan, fn: (span: AnySpan) => R): R {
  if (span === SUPPRESSED_SPAN) return fn(span); // the suppressed context stays active for fn
  let r: R;
  try {
    r = storage.run(span, fn, span);
  } catch (err) {
    span.recordError(err);
    span.end();
    throw err;
  }
  return handBack(span, r);
}

/**
 * Process one message under a CONSUMER span (active while `fn` runs); errors are recorded and surface as they would
 * untraced: a synchronous throw is thrown, a rejection rejects the returned promise. A value comes back as is, a
 * thenable that is no native Promise as that very object (its span ends when its `then`, called by your await, settles;
 * one whose `then` nothing calls within the deadline is ended unsettled, see setThenableDeadline).
 */
export function consumeMessage<R>(tracer: Tracer, carrier: Carrier | null | undefined, o: ConsumeOptions, fn: (span: AnySpan) => R): R {
  return runIn(startConsume(tracer, carrier, o), fn);
}

/** Process a batch under one CONSUMER span (CLIENT for `receive`) with a link per message's creation context; `fn`'s result as consumeMessage returns it. */
export function consumeBatch<R>(tracer: Tracer, carriers: ReadonlyArray<Carrier | null | undefined>, o: ConsumeOptions, fn: (span: AnySpan) => R): R {
  const op = o.operation ?? 'process';
  const ambient = storage.getStore();
  if (isNoTrace(ambient)) return runIn(SUPPRESSED_SPAN, fn);
  const t = tracer;
  const links: SpanContext[] = [];
  for (const c of carriers) {
    const ctx = extractMessageContext(c, t);
    if (ctx !== null) links.push(ctx);
  }
  const attributes = baseAttributes(o, op);
  attributes['messaging.batch.message_count'] = carriers.length;
  const kind = op === 'receive' ? SpanKind.CLIENT : SpanKind.CONSUMER; // semconv: receive → CLIENT, process → CONSUMER
  const span = t.startSpan(spanName(op, o), { kind, parent: ambient ?? null, attributes, links });
  return runIn(span, fn);
}

export { queueStats, type QueueAdapterStats } from './queue-stats.js';
export { setThenableDeadline } from './queue-unsettled.js';

/** Aliases matching the names. */
export { injectMessageContext as injectContext, extractMessageContext as extractContext };

// The broker recipes (they take the client objects; no broker library is imported).
export { publishAmqp, sendToQueueAmqp, consumeAmqp, getAmqp, type AmqpChannelLike, type AmqpMessageLike, type AmqpPublishOptions, type AmqpConsumeOptions, type AmqpGetOptions } from './queue-amqp.js';
export { addJob, addJobs, addFlow, addFlows, processJob, jobCarrier, type BullQueueLike, type BullJobLike, type BullBulkJob, type BullFlowJob, type BullFlowProducerLike } from './queue-bullmq.js';
export { publishNats, processNats, subscribeNats, respondNats, requestNats, natsCarrier, type NatsConnectionLike, type NatsMsgLike, type NatsHeadersLike, type NatsPublishOptions, type NatsRequestOptions, type NatsConsumeOptions } from './queue-nats.js';
export { publishJetStream, processJetStream, nextJetStream, processJetStreamMessages, type JetStreamLike, type JsMsgLike, type JsConsumerLike, type JetStreamPublishOptions, type JetStreamConsumeOptions } from './queue-jetstream.js';
