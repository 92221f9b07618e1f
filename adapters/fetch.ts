// Global fetch (undici) traced through its diagnostics channels, without replacing fetch: a CLIENT span
// per request undici puts on the wire (a redirect hop is its own request), traceparent added with
// request.addHeader. Requests that already carry a traceparent (the explicit wrapper's, or the
// caller's own) get no second span and no second header. `url.full` drops the query string entirely.
// Node 20's bundled undici (6.x) publishes request:create, request:bodySent, request:headers,
// request:trailers and request:error; the span ends at headers (a body never read must not hold it open).
import diagnostics from 'node:diagnostics_channel';
import type { Tracer } from '../src/tracer.js';
import { SpanKind, SpanStatusCode, type AnySpan, type SpanOptions } from '../src/span.js';
import { formatTraceparent } from '../src/traceparent.js';
import { storage } from '../src/context.js';
import { isNoTrace } from '../src/suppress.js';
import { defaultPort, hostOf, StartAttrs, fillClientAttrs, httpStats, nameOfMethod, normalizeMethod, reportInternal, urlFull } from './http-attrs.js';
import { resendCountOf, tracerOf } from './retry.js';

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
  addHeader?: (name: string, value: string) => unknown;
}
const kSpan = Symbol.for('tracewire.fetch.span');
/** Marks a request seen by request:create, traced or not, so a second create event is ignored. */
const SKIPPED = 0;
type Marked = UndiciRequest & { [kSpan]?: AnySpan | typeof SKIPPED };


class FetchConfig {
  readonly tracer: Tracer;
  readonly requireParent: boolean;
  readonly ignoreOrigins: Set<string> | null;
  readonly attrs = new StartAttrs();
  readonly opts: SpanOptions;
  constructor(tracer: Tracer, o: FetchTracingOptions = {}) {
    this.tracer = tracer;
    this.requireParent = o.requireParent === true;
    this.ignoreOrigins = o.ignoreOrigins && o.ignoreOrigins.length > 0 ? new Set(o.ignoreOrigins) : null;
    this.opts = { kind: SpanKind.CLIENT, attributes: this.attrs };
  }
}

const TRACEPARENT = 'traceparent';

/** Does the outgoing request already carry a traceparent? */
export function hasTraceparent(headers: string | unknown[] | undefined): boolean {
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) {
      const k = headers[i];
      if (typeof k === 'string' && k.length === 11 && (k === TRACEPARENT || k.toLowerCase() === TRACEPARENT)) return true;
    }
    return false;
  }
  return typeof headers === 'string' && headers.toLowerCase().includes('traceparent:');
}

function onCreate(cfg: FetchConfig, request: Marked): void {
  if (request[kSpan] !== undefined) { httpStats.duplicateCreate++; return; }
  request[kSpan] = SKIPPED;
  const active = storage.getStore();
  if (isNoTrace(active)) { httpStats.noTraceSkipped++; return; }
  if (active === undefined && cfg.requireParent) return;
  if (hasTraceparent(request.headers)) { httpStats.alreadyPropagated++; return; }
  const origin = typeof request.origin === 'string' ? request.origin : String(request.origin ?? '');
  if (cfg.ignoreOrigins !== null && cfg.ignoreOrigins.has(origin)) return;
  const sep = origin.indexOf('://');
  const scheme = sep > 0 ? origin.slice(0, sep) : 'http';
  const authority = sep > 0 ? origin.slice(sep + 3) : origin;
  const host = hostOf(authority) ?? authority;
  const p = authority.lastIndexOf(':');
  const port = p > 0 && authority.charCodeAt(authority.length - 1) !== 93 ? Number(authority.slice(p + 1)) || defaultPort(scheme) : defaultPort(scheme);
  const method = fillClientAttrs(cfg.attrs, request.method, scheme, host, port, request.path ?? '/', resendCountOf(active));
  const span = tracerOf(active, cfg.tracer).startSpan(nameOfMethod(method), cfg.opts);
  request[kSpan] = span;
  if (typeof request.addHeader === 'function') {
    request.addHeader(TRACEPARENT, formatTraceparent(span));
    const ts = span.traceState;
    if (ts !== null && ts.size > 0) request.addHeader('tracestate', ts.toString());
  } else httpStats.injectSkipped++;
}

function spanOf(request: Marked | undefined): AnySpan | undefined {
  const s = request?.[kSpan];
  return s === undefined || s === SKIPPED ? undefined : s;
}

function onHeaders(request: Marked, statusCode: unknown): void {
  const span = spanOf(request);
  if (span === undefined) return;
  request[kSpan] = SKIPPED;
  if (typeof statusCode === 'number') {
    span.setAttribute('http.response.status_code', statusCode);
    if (statusCode >= 400) { span.setAttribute('error.type', String(statusCode)); span.setStatus(SpanStatusCode.ERROR); }
  }
  span.end(); // at response headers: a body the caller never reads must not keep the span open
}

function onError(request: Marked, error: unknown): void {
  const span = spanOf(request);
  if (span === undefined) return;
  request[kSpan] = SKIPPED;
  // A deliberate abort is not an error of the request (semconv); a network failure is.
  if ((error as { name?: unknown })?.name === 'AbortError') span.setAttribute('error.type', 'aborted');
  else span.recordError(error);
  span.end();
}

let installed: { undo: () => void } | null = null;

/**
 * Trace global fetch (and undici) via diagnostics_channel. Spans come from the tracer of the active span
 * when there is one, else from `tracer`. Installing again replaces the previous installation. Returns undo.
 */
export function traceFetch(tracer: Tracer, options?: FetchTracingOptions): () => void {
  if (installed !== null) installed.undo();
  const cfg = new FetchConfig(tracer, options);
  // One closure per channel per installation; subscribers must be fast and must not throw (undici docs).
  const create = (m: unknown): void => {
    try { onCreate(cfg, (m as { request: Marked }).request); } catch (err) { reportInternal(tracer.logger, 'tracewire/fetch', err); }
  };
  const headers = (m: unknown): void => {
    try { const x = m as { request: Marked; response?: { statusCode?: unknown } }; onHeaders(x.request, x.response?.statusCode); } catch (err) { reportInternal(tracer.logger, 'tracewire/fetch', err); }
  };
  const error = (m: unknown): void => {
    try { const x = m as { request: Marked; error?: unknown }; onError(x.request, x.error); } catch (err) { reportInternal(tracer.logger, 'tracewire/fetch', err); }
  };
  diagnostics.subscribe('undici:request:create', create);
  diagnostics.subscribe('undici:request:headers', headers);
  diagnostics.subscribe('undici:request:error', error);
  const mine = {
    undo(): void {
      if (installed !== mine) return;
      installed = null;
      diagnostics.unsubscribe('undici:request:create', create);
      diagnostics.unsubscribe('undici:request:headers', headers);
      diagnostics.unsubscribe('undici:request:error', error);
    },
  };
  installed = mine;
  return mine.undo;
}

type FetchFn = typeof globalThis.fetch;

/**
 * Explicit wrapper: a CLIENT span per fetch call (a redirect chain is one span here), traceparent set on
 * the request headers. With traceFetch installed too, the channel sees the header and stays out.
 */
export function tracedFetch(tracer: Tracer, fetchImpl: FetchFn = globalThis.fetch): FetchFn {
  return async function fetchTraced(input: Parameters<FetchFn>[0], init?: Parameters<FetchFn>[1]): Promise<Response> {
    let span: AnySpan | undefined;
    let args: [Parameters<FetchFn>[0], Parameters<FetchFn>[1]] = [input, init];
    try {
      const active = storage.getStore();
      if (!isNoTrace(active)) {
        const isReq = typeof Request !== 'undefined' && input instanceof Request;
        const url = new URL(isReq ? (input as Request).url : String(input));
        const method = normalizeMethod((init?.method ?? (isReq ? (input as Request).method : 'GET')).toUpperCase());
        const scheme = url.protocol.slice(0, -1);
        const port = url.port ? Number(url.port) : defaultPort(scheme);
        const host = url.hostname.charCodeAt(0) === 91 ? url.hostname.slice(1, -1) : url.hostname;
        const resend = resendCountOf(active);
        span = tracerOf(active, tracer).startSpan(nameOfMethod(method), {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': method, 'server.address': host, 'server.port': port,
            'url.full': urlFull(scheme, host, port, url.pathname), 'http.request.resend_count': resend > 0 ? resend : undefined,
          },
        });
        const headers = new Headers(init?.headers ?? (isReq ? (input as Request).headers : undefined));
        headers.set(TRACEPARENT, formatTraceparent(span));
        const ts = span.traceState;
        if (ts !== null && ts.size > 0) headers.set('tracestate', ts.toString());
        else headers.delete('tracestate');
        args = [input, { ...init, headers }];
      }
    } catch (err) {
      reportInternal(tracer.logger, 'tracewire/fetch wrapper', err);
      span = undefined;
      args = [input, init];
    }
    if (span === undefined) return fetchImpl(input, init);
    try {
      const res = await fetchImpl(args[0], args[1]);
      span.setAttribute('http.response.status_code', res.status);
      if (res.status >= 400) { span.setAttribute('error.type', String(res.status)); span.setStatus(SpanStatusCode.ERROR); }
      return res;
    } catch (err) {
      if ((err as { name?: unknown })?.name === 'AbortError') span.setAttribute('error.type', 'aborted');
      else span.recordError((err as { cause?: unknown })?.cause ?? err);
      throw err;
    } finally {
      span.end();
    }
  };
}
