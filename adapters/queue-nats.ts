// NATS recipe (nats.js v2): context in the message headers. Takes the connection object and the
// `headers` factory of the nats module, so it imports no broker library.
import type { Tracer } from '../src/tracer.js';
import type { AnySpan } from '../src/span.js';
import { storage } from '../src/context.js';
import { consumeMessage, startPublish, type Carrier, type ConsumeOptions } from './queue.js';

export interface NatsHeadersLike { get(k: string): string; set(k: string, v: string): void; delete?(k: string): void }
export interface NatsMsgLike { subject: string; reply?: string; data: Uint8Array; headers?: NatsHeadersLike }
export interface NatsConnectionLike {
  publish(subject: string, payload?: Uint8Array | string, options?: { headers?: NatsHeadersLike; reply?: string }): void;
  subscribe(subject: string, options?: { queue?: string; callback?: (err: Error | null, msg: NatsMsgLike) => void; [k: string]: unknown }): unknown;
  /** nats.js keeps its ConnectionOptions here: `inboxPrefix` replaces `_INBOX` in request/reply subjects. */
  options?: { inboxPrefix?: string };
}

const SYSTEM = 'nats';
/** nats.js's default inbox prefix: request/reply subjects, unique per connection or request. */
const INBOX = '_INBOX.';

export interface NatsPublishOptions {
  /** Headers to send (the context is added to them)... */
  headers?: NatsHeadersLike;
  /** ...or the nats module's `headers` factory to make them. One of the two is required. */
  createHeaders?: () => NatsHeadersLike;
  reply?: string;
  /**
   * The subject is a temporary reply inbox (span named `publish` alone). Detected for `_INBOX.` and this
   * connection's `inboxPrefix`; set it when replying to a requester whose connection uses another prefix.
   */
  temporary?: boolean;
}

/** A reply inbox: nats.js's default prefix, or the one this connection was configured with. */
function isInbox(nc: NatsConnectionLike, subject: string): boolean {
  if (subject.startsWith(INBOX)) return true;
  const p = nc.options?.inboxPrefix;
  return typeof p === 'string' && p.length > 0 && subject.length > p.length && subject.charCodeAt(p.length) === 46 && subject.startsWith(p);
}

/** `nc.publish` under a PRODUCER span `publish <subject>`, context in the message headers. */
export function publishNats(tracer: Tracer, nc: NatsConnectionLike, subject: string, payload?: Uint8Array | string, options: NatsPublishOptions = {}): void {
  const h = options.headers ?? options.createHeaders?.();
  if (h === undefined) throw new TypeError('tracewire/queue-nats: publishNats needs options.headers or options.createHeaders (the nats `headers` function)');
  const carrier: Record<string, string> = {};
  const span = startPublish(tracer, carrier, { system: SYSTEM, destination: subject, temporary: options.temporary ?? isInbox(nc, subject) });
  try {
    for (const k in carrier) h.set(k, carrier[k]!);
    // forwarded headers: their tracestate belongs to their own traceparent, not to the one just set
    if (carrier.tracestate === undefined && h.get('tracestate')) h.delete?.('tracestate');
    nc.publish(subject, payload, options.reply === undefined ? { headers: h } : { headers: h, reply: options.reply });
  } catch (err) {
    span.recordError(err);
    throw err;
  } finally {
    span.end();
  }
}

/**
 * The W3C carrier in a NATS message's headers (get() returns '' for a missing header). NATS header names are
 * case-sensitive: `Traceparent` (Go producers injecting through http.Header, which canonicalises names) is
 * read too, as extractMessageContext does for other carriers.
 */
export function natsCarrier(msg: NatsMsgLike): Carrier | null {
  const h = msg.headers;
  if (h === undefined) return null;
  let tp = h.get('traceparent');
  let ts: string;
  if (tp) ts = h.get('tracestate');
  else {
    tp = h.get('Traceparent');
    if (!tp) return null;
    ts = h.get('Tracestate') || h.get('tracestate');
  }
  return ts ? { traceparent: tp, tracestate: ts } : { traceparent: tp };
}

export interface NatsConsumeOptions {
  mode?: ConsumeOptions['mode'];
  /** Queue group. */
  queue?: string;
  /**
   * Called when the handler throws or rejects (after it is recorded on the span), and with subscribeNats's
   * subscription errors (a permissions violation, which also ends the subscription). Default: a handler's error
   * is rethrown (as untraced); a subscription error goes to the tracer's logger (never lost, never a crash).
   */
  onError?: (err: unknown, msg: NatsMsgLike) => void;
}

/** Process one message under a CONSUMER span `process <subject>`. */
export function processNats<R>(tracer: Tracer, msg: NatsMsgLike, handler: (msg: NatsMsgLike, span: AnySpan) => R | Promise<R>, options: NatsConsumeOptions = {}): Promise<R> {
  return consumeMessage(tracer, natsCarrier(msg), { system: SYSTEM, destination: msg.subject, temporary: msg.subject.startsWith(INBOX), mode: options.mode }, (span) => handler(msg, span));
}

/**
 * `nc.subscribe` with a callback that processes each message under its CONSUMER span. nats.js calls it from
 * its socket's I/O, which runs in the context the connection was opened in: no ambient span there (js#4001).
 */
export function subscribeNats(tracer: Tracer, nc: NatsConnectionLike, subject: string, handler: (msg: NatsMsgLike, span: AnySpan) => unknown, options: NatsConsumeOptions = {}): unknown {
  const onError = options.onError;
  return nc.subscribe(subject, {
    queue: options.queue,
    callback: (err, msg) => {
      if (err !== null) { // no message: the subscription failed (nats.js closes it); the handler never sees this
        if (onError !== undefined) onError(err, msg);
        else tracer.logger(`tracewire/queue-nats: the subscription to ${JSON.stringify(subject)} failed (${(err as Error)?.message ?? err}); pass options.onError to handle it`); // reported, never a crash
        return;
      }
      const p = storage.run(undefined, processNats, tracer, msg, handler, options);
      if (onError !== undefined) p.catch((e: unknown) => onError(e, msg));
    },
  });
}
