// NATS recipe (nats.js v2): context in the message headers. Takes the connection object and the
// `headers` factory of the nats module, so it imports no broker library.
import type { Tracer } from '../src/tracer.js';
import type { AnySpan } from '../src/span.js';
import { storage } from '../src/context.js';
import { isNoTrace } from '../src/suppress.js';
import { dropped } from './queue-result.js';
import { queueCounters } from './queue-stats.js';
import { consumeMessage, extractMessageContext, startPublish, UNREADABLE_CARRIER, type Carrier, type ConsumeOptions } from './queue.js';

export interface NatsHeadersLike { get(k: string): string; set(k: string, v: string): void; delete?(k: string): void }
export interface NatsMsgLike {
  subject: string; reply?: string; data: Uint8Array; headers?: NatsHeadersLike;
  /** nats.js Msg.respond: publish to `reply`; false when the message has none. */
  respond?(payload?: Uint8Array | string, options?: { headers?: NatsHeadersLike; reply?: string }): boolean;
}
export interface NatsConnectionLike {
  publish(subject: string, payload?: Uint8Array | string, options?: { headers?: NatsHeadersLike; reply?: string }): void;
  subscribe(subject: string, options?: { queue?: string; callback?: (err: Error | null, msg: NatsMsgLike) => void; [k: string]: unknown }): unknown;
  request?(subject: string, payload?: Uint8Array | string, options?: { timeout?: number; headers?: NatsHeadersLike; [k: string]: unknown }): Promise<NatsMsgLike>;
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
  const h = headersOf(options, 'queue-nats: publishNats');
  const carrier: Record<string, string> = {};
  const span = startPublish(tracer, carrier, { system: SYSTEM, destination: subject, temporary: options.temporary ?? isInbox(nc, subject) });
  try {
    setCarrier(tracer, h, carrier);
    nc.publish(subject, payload, options.reply === undefined ? { headers: h } : { headers: h, reply: options.reply });
  } catch (err) {
    span.recordError(err);
    throw err;
  } finally {
    span.end();
  }
}

/** The message's headers: options.headers, the ones among the passed-through nats.js options, or new ones. Internal (queue-jetstream). */
export function headersOf(options: NatsPublishOptions, fn: string, passed?: Record<string, unknown>, field = 'requestOptions'): NatsHeadersLike {
  const ph = passed?.headers as NatsHeadersLike | undefined | null;
  // two different header objects: one would be lost
  if (ph !== undefined && ph !== null && options.headers !== undefined && ph !== options.headers) throw new TypeError(`tracewire/${fn} got options.headers and options.${field}.headers; pass the headers once`);
  const h = options.headers ?? ph ?? options.createHeaders?.();
  if (h === undefined || h === null) throw new TypeError(`tracewire/${fn} needs options.headers or options.createHeaders (the nats \`headers\` function)`);
  return h;
}

/**
 * The context into the message headers, never into the host: headers that refuse it (set throws: read-only, a key
 * or value another client version rejects) are sent without it, counted in carrierUnwritable. Internal (queue-jetstream).
 */
export function setCarrier(tracer: Tracer, h: NatsHeadersLike, carrier: Record<string, string>): void {
  try {
    for (const k in carrier) h.set(k, carrier[k]!);
    // forwarded headers: their tracestate belongs to their own traceparent, not to the one just set
    if (carrier.tracestate === undefined && h.get('tracestate')) h.delete?.('tracestate');
  } catch {
    tracer.propagationStats.carrierUnwritable++;
  }
}

/**
 * `msg.respond` under a PRODUCER span `publish` (the reply subject is a temporary inbox), its context in the
 * reply's headers, so the requester can link the responder's work. False (and no span) without a reply subject.
 */
export function respondNats(tracer: Tracer, msg: NatsMsgLike, payload?: Uint8Array | string, options: NatsPublishOptions = {}): boolean {
  const respond = msg.respond;
  if (typeof respond !== 'function') throw new TypeError('tracewire/queue-nats: respondNats needs a nats.js Msg (with respond())');
  return respondWith(tracer, msg, untraced(respond), payload, options);
}

type Respond = NonNullable<NatsMsgLike['respond']>;
/** On processNats's traced respond: nats.js's own, so a second wrap or respondNats makes one reply span, not two nested. */
const ORIGINAL = Symbol('tracewire.natsRespond');

function untraced(respond: Respond): Respond {
  return (respond as Respond & { [ORIGINAL]?: Respond })[ORIGINAL] ?? respond;
}

function respondWith(tracer: Tracer, msg: NatsMsgLike, respond: NonNullable<NatsMsgLike['respond']>, payload: Uint8Array | string | undefined, options: NatsPublishOptions): boolean {
  if (typeof msg.reply !== 'string' || msg.reply.length === 0) return respond.call(msg, payload, options.headers === undefined ? undefined : { headers: options.headers });
  const h = headersOf(options, 'queue-nats: respondNats');
  const carrier: Record<string, string> = {};
  const span = startPublish(tracer, carrier, { system: SYSTEM, destination: msg.reply, temporary: options.temporary ?? true });
  try {
    setCarrier(tracer, h, carrier);
    return respond.call(msg, payload, options.reply === undefined ? { headers: h } : { headers: h, reply: options.reply });
  } catch (err) {
    span.recordError(err);
    throw err;
  } finally {
    span.end();
  }
}

export interface NatsRequestOptions extends NatsPublishOptions {
  /** nats.js request timeout in ms (its default: 1000). */
  timeout?: number;
  /**
   * Other nats.js RequestOptions (noMux, reply), passed through (copied, your object untouched). Its `headers`
   * are used as `options.headers` are: kept, the context added to them.
   */
  requestOptions?: Record<string, unknown>;
}

/**
 * `nc.request` under a PRODUCER span `request <subject>` (its context is the request message's creation
 * context, so the responder's CONSUMER span is its child). The span lasts until the reply (or the timeout,
 * no-responders error: recorded, rethrown) and links the reply's context (respondNats's span) when it has one.
 */
export async function requestNats(tracer: Tracer, nc: NatsConnectionLike, subject: string, payload?: Uint8Array | string, options: NatsRequestOptions = {}): Promise<NatsMsgLike> {
  if (typeof nc.request !== 'function') throw new TypeError('tracewire/queue-nats: requestNats needs a connection with request()');
  const h = headersOf(options, 'queue-nats: requestNats', options.requestOptions);
  const carrier: Record<string, string> = {};
  const span = startPublish(tracer, carrier, { system: SYSTEM, destination: subject, operation: 'request', temporary: options.temporary ?? isInbox(nc, subject) });
  try {
    setCarrier(tracer, h, carrier);
    const o: Record<string, unknown> = { ...options.requestOptions, headers: h };
    if (options.timeout !== undefined) o.timeout = options.timeout;
    const reply = await nc.request(subject, payload, o);
    const ctx = extractMessageContext(readNatsCarrier(reply), tracer);
    if (ctx !== null) span.addLink(ctx);
    return reply;
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
 * read too, as extractMessageContext does for other carriers. Headers that throw when read (a key nats.js cannot
 * decode): null, counted in queueStats().carrierUnreadable, never a throw.
 */
export function natsCarrier(msg: NatsMsgLike): Carrier | null {
  try { return headersCarrier(msg); } catch { queueCounters.carrierUnreadable++; return null; }
}

function headersCarrier(msg: NatsMsgLike): Carrier | null {
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

/**
 * natsCarrier, or UNREADABLE_CARRIER (counted when extracted) when nats.js's headers getter throws (a key it cannot
 * decode, from another client): the message is handled as it would be untraced, in a new trace. Internal (queue-jetstream).
 */
export function readNatsCarrier(msg: NatsMsgLike): Carrier | null {
  try { return headersCarrier(msg); } catch { return UNREADABLE_CARRIER; }
}

export interface NatsConsumeOptions {
  mode?: ConsumeOptions['mode'];
  /** Queue group. */
  queue?: string;
  /**
   * Called when the handler throws or rejects (after it is recorded on the span), and with subscribeNats's
   * subscription errors (a permissions violation, which also ends the subscription). Default: a handler's error
   * surfaces as untraced (a synchronous throw to nats.js, a rejection unhandled); a subscription error goes to the
   * tracer's logger (never lost, never a crash).
   */
  onError?: (err: unknown, msg: NatsMsgLike) => void;
  /**
   * The nats module's `headers` factory: with it, the handler's `msg.respond(...)` goes through respondNats
   * (the reply carries the responder's context); headers passed to respond are kept and get the context added.
   */
  createHeaders?: () => NatsHeadersLike;
}

/**
 * Process one message nats.js handed over (your own `for await (const m of nc.subscribe(...))` loop or callback) under a
 * CONSUMER span `process <subject>`, started with no ambient span as subscribeNats does: the loop runs in the context it
 * was started in (a startup or request span) and a callback in the connection's, neither of which is a parent or link
 * of the message (js#4001); a no-trace context (OTel suppressTracing) is kept. Returns what `handler` does, as
 * consumeMessage: a synchronous throw is thrown (recorded first), a rejection rejects, a value comes back as is.
 */
export function processNats<R>(tracer: Tracer, msg: NatsMsgLike, handler: (msg: NatsMsgLike, span: AnySpan) => R, options: NatsConsumeOptions = {}): R {
  const ambient = storage.getStore();
  return storage.run(isNoTrace(ambient) ? ambient : undefined, processOne, tracer, msg, handler, options);
}

function processOne<R>(tracer: Tracer, msg: NatsMsgLike, handler: (msg: NatsMsgLike, span: AnySpan) => R, options: NatsConsumeOptions): R {
  return consumeMessage(tracer, readNatsCarrier(msg), natsConsumeOptions(tracer, msg, options), (span) => handler(msg, span));
}

/**
 * The CONSUMER span's options; the handler's respond traced first when asked. Never throws: a subject that cannot be
 * read (a getter that throws, not a string) leaves the span without a destination, counted in carrierUnreadable.
 */
function natsConsumeOptions(tracer: Tracer, msg: NatsMsgLike, options: NatsConsumeOptions): ConsumeOptions {
  if (options.createHeaders !== undefined) traceRespond(tracer, msg, options.createHeaders);
  const subject = subjectOf(tracer, msg);
  return { system: SYSTEM, destination: subject, temporary: subject.startsWith(INBOX), mode: options.mode };
}

/**
 * The message's subject, or '' (the span named by the operation, no destination attribute) when it cannot be read
 * (a getter that throws, not a string), counted in carrierUnreadable. Internal (queue-jetstream).
 */
export function subjectOf(tracer: Tracer, msg: NatsMsgLike): string {
  let subject: unknown;
  try { subject = msg.subject; } catch { subject = undefined; }
  if (typeof subject === 'string') return subject;
  tracer.propagationStats.carrierUnreadable++;
  return '';
}

/**
 * Shadow the message's respond (its prototype method) with one that injects the responder's context. A message
 * where that cannot be done (frozen, a respond getter or setter that throws) keeps nats.js's respond: its reply
 * goes out without the context, counted in carrierUnwritable.
 */
function traceRespond(tracer: Tracer, msg: NatsMsgLike, createHeaders: () => NatsHeadersLike): void {
  try {
    const own = msg.respond;
    if (typeof own !== 'function') return;
    const respond = untraced(own);
    const traced: Respond = (payload, o) => respondWith(tracer, msg, respond, payload, { headers: o?.headers, createHeaders, reply: o?.reply });
    (traced as Respond & { [ORIGINAL]?: Respond })[ORIGINAL] = respond;
    msg.respond = traced;
    if (msg.respond !== traced) throw msg; // a setter that ignored it
  } catch {
    tracer.propagationStats.carrierUnwritable++;
  }
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
      storage.run(undefined, deliver, tracer, msg, handler, options);
    },
  });
}

/**
 * One message of subscribeNats. Without onError the handler's error surfaces as untraced: nats.js's processMsg
 * has no try, so a synchronous throw ends its reader (it logs "reader closed"); a rejection stays unhandled.
 */
function deliver(tracer: Tracer, msg: NatsMsgLike, handler: (msg: NatsMsgLike, span: AnySpan) => unknown, options: NatsConsumeOptions): void {
  const onError = options.onError;
  const o = natsConsumeOptions(tracer, msg, options); // a message tracing cannot read still reaches the handler
  const carrier = readNatsCarrier(msg);
  if (onError === undefined) { dropped(consumeMessage(tracer, carrier, o, (span) => handler(msg, span)), undefined); return; }
  let r: unknown;
  try {
    r = consumeMessage(tracer, carrier, o, (span) => handler(msg, span));
  } catch (e) {
    onError(e, msg);
    return;
  }
  dropped(r, (e: unknown) => onError(e, msg));
}
