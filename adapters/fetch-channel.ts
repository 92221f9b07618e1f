// Global fetch (undici) traced through its diagnostics channels, without replacing fetch: a CLIENT span
// per request undici puts on the wire (a redirect hop is its own request, in the chain's trace with
// resend_count: fetch-redirect), traceparent added with request.addHeader. A request the explicit wrapper
// already traced gets no second span; a traceparent or tracestate the caller set itself (e.g. forwarded
// from an incoming request) is replaced by the CLIENT span's, as the node:http client does. `url.full`
// drops the query string entirely.
// Node 20's bundled undici (6.x) publishes request:create, request:bodySent, request:headers,
// request:trailers and request:error; the span ends at headers (a body never read must not hold it open).
import diagnostics from 'node:diagnostics_channel';
import type { Tracer } from '../src/tracer.js';
import { SpanKind, SpanStatusCode, type AnySpan, type SpanOptions } from '../src/span.js';
import type { SpanContextLike } from '../src/span-context.js';
import { formatTraceparent } from '../src/traceparent.js';
import { hasTrace, storage } from '../src/context.js';
import { isNoTrace } from '../src/suppress.js';
import { clientStartAttrs, fillClientAttrs, nameOfMethod } from './http-attrs.js';
import { defaultPort } from './http-url.js';
import { isName } from './http-headers.js';
import { httpStats, reportInternal } from './http-stats.js';
import { hostOf, hostPortOf } from './http-host.js';
import { fromWrapper } from './fetch-wrapper.js';
import { resendCountOf, tracerOf } from './retry.js';
import { anyArmed, armHop, isRedirect, takeHop, type Hop } from './fetch-redirect.js';

export interface FetchTracingOptions {
  /** Trace only fetches made while a span is active (default false). */
  requireParent?: boolean;
  /** Origins never traced (exact `scheme://host[:port]`), e.g. a collector. */
  ignoreOrigins?: readonly string[];
}

/** The parts of undici's Request the channels hand us (undici 5: headers string; 6+: flat array). */
interface UndiciRequest {
  origin?: unknown;
  method?: string;
  path?: string;
  headers?: string | unknown[];
  upgrade?: unknown;
  addHeader?: (name: string, value: string) => unknown;
  onUpgrade?: (statusCode: unknown, headers: unknown, socket: unknown) => unknown;
}
const kSpan = Symbol.for('tracewire.fetch.span');
/** Marks a request seen by request:create, traced or not, so a second create event is ignored. */
const SKIPPED = 0;
/** kStore: the async store a traced request was created under; kHop: the redirect hop it is (only hops have one). */
const kStore = Symbol.for('tracewire.fetch.store'); // Symbol.for, as kSpan: two copies of the adapter read one request alike
const kHop = Symbol.for('tracewire.fetch.hop');
type Marked = UndiciRequest & {
  [kSpan]?: AnySpan | typeof SKIPPED; [kStore]?: SpanContextLike | undefined; [kHop]?: Hop;
  [kOnUpgrade]?: (statusCode: unknown, headers: unknown, socket: unknown) => unknown;
};

class FetchConfig {
  readonly tracer: Tracer;
  readonly requireParent: boolean;
  readonly ignoreOrigins: Set<string> | null;
  readonly attrs = clientStartAttrs();
  readonly opts: SpanOptions;
  /** A redirect hop's options: its parent set per hop (the chain's first span when the chain has no parent). */
  readonly hopOpts: SpanOptions;
  constructor(tracer: Tracer, o: FetchTracingOptions = {}) {
    this.tracer = tracer;
    this.requireParent = o.requireParent === true;
    this.ignoreOrigins = o.ignoreOrigins && o.ignoreOrigins.length > 0 ? new Set(o.ignoreOrigins) : null;
    this.opts = { kind: SpanKind.CLIENT, attributes: this.attrs };
    this.hopOpts = { kind: SpanKind.CLIENT, attributes: this.attrs, parent: undefined };
  }
}

const TRACEPARENT = 'traceparent';
const TRACESTATE = 'tracestate';

/** Does the outgoing request already carry a traceparent? */
export function hasTraceparent(headers: string | unknown[] | undefined): boolean {
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (isName(headers[i], TRACEPARENT)) return true;
    return false;
  }
  return typeof headers === 'string' && headers.toLowerCase().includes('traceparent:');
}


/** Remove the caller's traceparent / tracestate entries from a flat header array, in place. */
function dropTraceHeaders(headers: unknown[]): void {
  let w = 0;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (isName(headers[i], TRACEPARENT) || isName(headers[i], TRACESTATE)) continue;
    if (w !== i) { headers[w] = headers[i]; headers[w + 1] = headers[i + 1]; }
    w += 2;
  }
  if (w !== headers.length) headers.length = w;
}

/**
 * `scheme://host[:port]` of undici's request.origin: a string as the caller gave it (undici keeps it, say
 * `http://h:3000/`) up to its path, or a URL object's origin (Agent and Client take one too).
 */
function originOf(o: unknown): string {
  if (typeof o !== 'string') return o instanceof URL ? o.origin : String(o ?? '');
  const sep = o.indexOf('://');
  let e = sep < 0 ? 0 : sep + 3;
  for (let c = 0; e < o.length && (c = o.charCodeAt(e)) !== 47 && c !== 63 && c !== 35; e++); // '/', '?', '#' (RFC 3986 §3.2)
  return e === o.length ? o : o.slice(0, e);
}

function onCreate(cfg: FetchConfig, request: Marked): void {
  if (request[kSpan] !== undefined) { httpStats.duplicateCreate++; return; }
  request[kSpan] = SKIPPED;
  const active = storage.getStore();
  if (isNoTrace(active)) { httpStats.noTraceSkipped++; return; }
  if (cfg.requireParent && !hasTrace(active)) return; // an OTel context holding only baggage is no parent
  const origin = originOf(request.origin);
  if (cfg.ignoreOrigins !== null && cfg.ignoreOrigins.has(origin)) return; // untraced: the caller's headers go out as written
  const headers = request.headers;
  const had = hasTraceparent(headers);
  // The wrapper's own request (one span per fetch), or a header we cannot rewrite (undici 5's string form).
  if (had && (fromWrapper(headers) || !Array.isArray(headers))) { httpStats.alreadyPropagated++; return; }
  const sep = origin.indexOf('://');
  const scheme = sep > 0 ? origin.slice(0, sep) : 'http';
  const at = origin.lastIndexOf('@');
  const authority = at > sep ? origin.slice(at + 1) : sep > 0 ? origin.slice(sep + 3) : origin; // never user info (AC-007)
  const host = hostOf(authority) ?? authority;
  const p = hostPortOf(authority);
  const port = p > 0 ? p : defaultPort(scheme);
  const path = request.path ?? '/';
  const hop = anyArmed() ? takeHop(origin, path, active) : undefined;
  const method = fillClientAttrs(cfg.attrs, request.method, scheme, host, port, path, hop === undefined ? resendCountOf(active) : hop.resend + 1);
  let span: AnySpan;
  if (hop === undefined) span = tracerOf(active, cfg.tracer).startSpan(nameOfMethod(method), cfg.opts);
  else {
    cfg.hopOpts.parent = hop.root ?? undefined; // undefined: the active context, the first hop's parent
    span = tracerOf(hop.root ?? active, cfg.tracer).startSpan(nameOfMethod(method), cfg.hopOpts);
    cfg.hopOpts.parent = undefined; // no span kept alive by the options
    request[kHop] = hop;
  }
  if ((span.t0 | span.t1 | span.t2 | span.t3) === 0) return; // a disabled tracer with no trace to pass on: the caller's headers go as written
  if (had) httpStats.traceHeadersReplaced++;
  // The caller's own traceparent / tracestate go: the callee's parent is this CLIENT span, never a stale one.
  if (Array.isArray(headers)) dropTraceHeaders(headers);
  request[kSpan] = span;
  request[kStore] = active;
  inFlight++;
  if (typeof request.addHeader === 'function') {
    request.addHeader(TRACEPARENT, formatTraceparent(span));
    const ts = span.traceState;
    if (ts !== null && ts.size > 0) request.addHeader(TRACESTATE, ts.toString());
  } else httpStats.injectSkipped++;
  // An upgrade (a WebSocket handshake) or a CONNECT (a proxy tunnel) is answered through onUpgrade, which publishes
  // nothing: without this its span never ended. Only such requests get the own method (one shared function).
  if ((request.upgrade || request.method === 'CONNECT') && typeof request.onUpgrade === 'function') {
    request[kOnUpgrade] = request.onUpgrade; // undici's, or another subscriber's own: still called
    request.onUpgrade = upgraded;
  }
}

const kOnUpgrade = Symbol('tracewire.fetch.onUpgrade');
/** The request's onUpgrade (Request.prototype's in undici 6 and 7) with the span ended first, as request:headers would. */
function upgraded(this: Marked, statusCode: unknown, headers: unknown, socket: unknown): unknown {
  try { onHeaders(this, statusCode); } catch (err) { reportInternal(logger, 'tracewire/fetch', err); }
  return this[kOnUpgrade]!.call(this, statusCode, headers, socket);
}

function spanOf(request: Marked | undefined): AnySpan | undefined {
  const s = request?.[kSpan];
  return s === undefined || s === SKIPPED ? undefined : s;
}

function onHeaders(request: Marked, statusCode: unknown, headers?: unknown): void {
  const span = spanOf(request);
  if (span === undefined) return;
  // An informational response (103 Early Hints) is published too: the final response's headers follow (RFC 9110 §15.2).
  if (typeof statusCode === 'number' && statusCode < 200 && statusCode !== 101) return;
  request[kSpan] = SKIPPED;
  if (isRedirect(statusCode)) armHop(originOf(request.origin), request.path ?? '/', headers, span, request[kStore], request[kHop]);
  if (typeof statusCode === 'number') {
    span.setAttribute('http.response.status_code', statusCode);
    if (statusCode >= 400) { span.setAttribute('error.type', String(statusCode)); span.setStatus(SpanStatusCode.ERROR); }
  }
  span.end(); // at response headers: a body the caller never reads must not keep the span open
  settled();
}

function onError(request: Marked, error: unknown): void {
  const span = spanOf(request);
  if (span === undefined) return;
  request[kSpan] = SKIPPED;
  // A deliberate abort is not an error of the request (semconv); a network failure is.
  if ((error as { name?: unknown })?.name === 'AbortError') span.setAttribute('error.type', 'aborted');
  else span.recordError(error);
  span.end();
  settled();
}

let installed: { undo: () => void } | null = null;
/** CLIENT spans started by the channel and not yet ended: undo() keeps the end subscribers until they are. */
let inFlight = 0;
let logger: (msg: string) => void = (m) => console.warn('[tracewire] ' + m);
let endsSubscribed = false;

function onHeadersMessage(m: unknown): void {
  try { const x = m as { request: Marked; response?: { statusCode?: unknown; headers?: unknown } }; onHeaders(x.request, x.response?.statusCode, x.response?.headers); } catch (err) { reportInternal(logger, 'tracewire/fetch', err); }
}
function onErrorMessage(m: unknown): void {
  try { const x = m as { request: Marked; error?: unknown }; onError(x.request, x.error); } catch (err) { reportInternal(logger, 'tracewire/fetch', err); }
}

function subscribeEnds(): void {
  if (endsSubscribed) return;
  endsSubscribed = true;
  diagnostics.subscribe('undici:request:headers', onHeadersMessage);
  diagnostics.subscribe('undici:request:error', onErrorMessage);
}

/** A span ended: once nothing is installed and nothing is in flight, the channels are left entirely. */
function settled(): void {
  if (--inFlight <= 0) {
    inFlight = 0;
    if (installed === null && endsSubscribed) {
      endsSubscribed = false;
      diagnostics.unsubscribe('undici:request:headers', onHeadersMessage);
      diagnostics.unsubscribe('undici:request:error', onErrorMessage);
    }
  }
}

/**
 * Trace global fetch (and undici) via diagnostics_channel. Spans come from the tracer of the active span
 * when there is one, else from `tracer`. Installing again replaces the previous installation. Returns undo.
 */
export function traceFetch(tracer: Tracer, options?: FetchTracingOptions): () => void {
  if (installed !== null) installed.undo();
  const cfg = new FetchConfig(tracer, options);
  logger = tracer.logger;
  // One closure per installation (it holds the config); subscribers must be fast and must not throw (undici docs).
  // The end subscribers are shared: a span in flight when undo() runs still ends.
  const create = (m: unknown): void => {
    try { onCreate(cfg, (m as { request: Marked }).request); } catch (err) { reportInternal(tracer.logger, 'tracewire/fetch', err); }
  };
  subscribeEnds();
  diagnostics.subscribe('undici:request:create', create);
  const mine = {
    undo(): void {
      if (installed !== mine) return;
      installed = null;
      diagnostics.unsubscribe('undici:request:create', create);
      inFlight++; // settled() below decides whether the end subscribers can go now
      settled();
    },
  };
  installed = mine;
  return mine.undo;
}
