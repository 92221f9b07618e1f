// RabbitMQ recipe for amqplib: context in the message properties' `headers` table. Takes the channel
// object, imports no broker library.
import type { Tracer } from '../src/tracer.js';
import type { AnySpan } from '../src/span.js';
import { storage } from '../src/context.js';
import { consumeMessage, isPromiseLike, settle, startConsume, startPublish, type ConsumeOptions } from './queue.js';
import { receiveOne } from './queue-receive.js';

export interface AmqpPublishOptions { headers?: Record<string, unknown>; messageId?: string; [option: string]: unknown }
export interface AmqpMessageLike {
  content: Buffer;
  fields: { exchange: string; routingKey: string; [k: string]: unknown };
  properties: { headers?: Record<string, unknown>; messageId?: string; [k: string]: unknown };
}
/** The amqplib (promise API) channel methods the recipe uses. */
export interface AmqpChannelLike {
  publish(exchange: string, routingKey: string, content: Buffer, options?: AmqpPublishOptions, confirm?: AmqpConfirmCallback): boolean;
  /** Present on a ConfirmChannel (createConfirmChannel): the broker acks or nacks every publish. */
  waitForConfirms?: () => Promise<void>;
  consume(queue: string, onMessage: (msg: AmqpMessageLike | null) => void, options?: Record<string, unknown>): Promise<{ consumerTag: string }>;
  /** basic.get: one message, or `false` when the queue is empty. */
  get?(queue: string, options?: Record<string, unknown>): Promise<AmqpMessageLike | false>;
}

/** A ConfirmChannel's per-message callback: an error when the broker nacked the message (or the channel closed first). */
export type AmqpConfirmCallback = (err: unknown, ok?: unknown) => void;

const SYSTEM = 'rabbitmq';

/** Server-named queues (`amq.gen-…`) and direct reply-to (`amq.rabbitmq.reply-to…`): one name per client or call. */
function isTemporary(name: string): boolean {
  return name.startsWith('amq.gen-') || name.startsWith('amq.rabbitmq.reply-to');
}

/**
 * `channel.publish` under a PRODUCER span `publish <exchange>` (the queue name for the default exchange),
 * with traceparent/tracestate added to a copy of `options.headers`. On a ConfirmChannel the span ends at the
 * broker's ack and a nack (e.g. `x-overflow: reject-publish`) is recorded on it; `confirm`, amqplib's
 * per-message callback, is called after.
 */
export function publishAmqp(tracer: Tracer, channel: AmqpChannelLike, exchange: string, routingKey: string, content: Buffer, options: AmqpPublishOptions = {}, confirm?: AmqpConfirmCallback): boolean {
  const headers: Record<string, unknown> = { ...options.headers };
  const destination = exchange === '' ? routingKey : exchange;
  const span = startPublish(tracer, headers, {
    system: SYSTEM,
    destination,
    temporary: isTemporary(destination),
    messageId: options.messageId,
    attributes: { 'messaging.rabbitmq.destination.routing_key': routingKey },
  });
  // A confirm channel calls back once per publish (ack, nack, or the channel closing): only there the span waits for it.
  const confirmed = typeof channel.waitForConfirms === 'function' && span.isRecording();
  try {
    return confirmed
      ? channel.publish(exchange, routingKey, content, { ...options, headers }, (err: unknown, ok?: unknown) => onConfirm(span, confirm, err, ok))
      : confirm === undefined ? channel.publish(exchange, routingKey, content, { ...options, headers }) : channel.publish(exchange, routingKey, content, { ...options, headers }, confirm);
  } catch (err) {
    span.recordError(err);
    if (confirmed) span.end(); // amqplib may still call back (channel closed): onConfirm sees it ended
    throw err;
  } finally {
    if (!confirmed) span.end();
  }
}

function onConfirm(span: AnySpan, confirm: AmqpConfirmCallback | undefined, err: unknown, ok: unknown): void {
  if (!span.ended) { // the publish may have thrown and ended it already
    if (err !== null && err !== undefined) span.recordError(err);
    span.end();
  }
  if (confirm !== undefined) confirm(err, ok);
}

/** `channel.sendToQueue` equivalent: publish to the default exchange. */
export function sendToQueueAmqp(tracer: Tracer, channel: AmqpChannelLike, queue: string, content: Buffer, options?: AmqpPublishOptions): boolean {
  return publishAmqp(tracer, channel, '', queue, content, options);
}

export interface AmqpConsumeOptions {
  mode?: ConsumeOptions['mode'];
  /** Passed to channel.consume (noAck, consumerTag, ...). */
  consumeOptions?: Record<string, unknown>;
  /**
   * Called when the handler throws or rejects (after it is recorded on the span). Default: rethrow, as
   * untraced: a synchronous throw reaches amqplib (which closes the channel with an 'error' event), a
   * rejection stays unhandled.
   */
  onError?: (err: unknown, msg: AmqpMessageLike) => void;
  /**
   * amqplib's `null` delivery: the broker cancelled the consumer (queue deleted, node lost). Without it the
   * cancellation is reported through the tracer's logger (the handler only ever receives messages).
   */
  onCancel?: () => void;
}

/**
 * `channel.consume` with a CONSUMER span `process <queue>` per message, active while the handler runs. amqplib
 * delivers from its socket's I/O, which runs in the context the connection was opened in (often a request that
 * ended long ago): that is no ambient span of the message (js#4001), so none is active when its span starts.
 */
export function consumeAmqp(tracer: Tracer, channel: AmqpChannelLike, queue: string, handler: (msg: AmqpMessageLike, span: AnySpan) => unknown, options: AmqpConsumeOptions = {}): Promise<{ consumerTag: string }> {
  return channel.consume(queue, (msg) => {
    if (msg === null) { cancelled(tracer, queue, options); return; }
    storage.run(undefined, consumeOne, tracer, queue, handler, options, msg);
  }, options.consumeOptions);
}

function cancelled(tracer: Tracer, queue: string, options: AmqpConsumeOptions): void {
  if (options.onCancel !== undefined) options.onCancel();
  else tracer.logger(`tracewire/queue-amqp: the broker cancelled the consumer of queue ${JSON.stringify(queue)}; pass options.onCancel to handle it`);
}

/** The CONSUMER span's options for a message from `queue`, pushed (consumeAmqp) or pulled (getAmqp). */
function consumeOptions(queue: string, options: { mode?: AmqpConsumeOptions['mode'] }, msg: AmqpMessageLike) {
  return {
    system: SYSTEM,
    destination: queue,
    temporary: isTemporary(queue),
    mode: options.mode,
    messageId: typeof msg.properties.messageId === 'string' ? msg.properties.messageId : undefined,
    attributes: { 'messaging.rabbitmq.destination.routing_key': msg.fields.routingKey },
  };
}

function consumeOne(tracer: Tracer, queue: string, handler: (msg: AmqpMessageLike, span: AnySpan) => unknown, options: AmqpConsumeOptions, msg: AmqpMessageLike): void {
  const span = startConsume(tracer, msg.properties.headers, consumeOptions(queue, options, msg));
  let r: unknown;
  try {
    r = storage.run(span, handler, msg, span);
  } catch (err) {
    span.recordError(err);
    span.end();
    if (options.onError === undefined) throw err; // to amqplib, as without tracing: the channel closes with 'error'
    options.onError(err, msg);
    return;
  }
  if (!isPromiseLike(r)) { span.end(); return; }
  const p = settle(span, r);
  const onError = options.onError;
  if (onError !== undefined) p.catch((err: unknown) => onError(err, msg));
}

export interface AmqpGetOptions {
  /** Default `parent`; with receiveSpan, `link` (the process span under the receive span, linking the creation context). */
  mode?: ConsumeOptions['mode'];
  /** Passed to channel.get (noAck). */
  getOptions?: Record<string, unknown>;
  /**
   * Also record a CLIENT `receive <queue>` span over the basic.get (messaging conventions for pull consumers): a child
   * of your polling span, linking the message's creation context; the process span runs under it. An empty queue
   * records no span. Default false.
   */
  receiveSpan?: boolean;
}

/**
 * `channel.get` (basic.get, a pull) then `handler` under the message's CONSUMER span `process <queue>`, as
 * consumeAmqp makes it (creation context the parent, or a link with `mode: 'link'`). The caller awaited the get,
 * so its active span is a real ambient span: a link in parent mode, the parent in link mode. An empty queue
 * (`false`) resolves to `false` with no span and no handler call (an idle poll loop exports nothing).
 * Handler errors are recorded and rethrown to the caller; acking stays the handler's.
 */
export async function getAmqp<R>(tracer: Tracer, channel: AmqpChannelLike, queue: string, handler: (msg: AmqpMessageLike, span: AnySpan) => R | Promise<R>, options: AmqpGetOptions = {}): Promise<R | false> {
  if (typeof channel.get !== 'function') throw new TypeError('tracewire/queue-amqp: getAmqp needs a channel with get()');
  if (options.receiveSpan === true) {
    return receiveOne(tracer, () => channel.get!(queue, options.getOptions), false as const, (msg) => ({ carrier: msg.properties.headers, o: consumeOptions(queue, {}, msg) }),
      { system: SYSTEM, destination: queue, temporary: isTemporary(queue) }, options.mode, handler);
  }
  const msg = await channel.get(queue, options.getOptions);
  if (msg === false) return false;
  return consumeMessage(tracer, msg.properties.headers, consumeOptions(queue, options, msg), (span) => handler(msg, span));
}
