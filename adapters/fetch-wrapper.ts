// The explicit fetch wrapper, tracedFetch: one CLIENT span per fetch call (a redirect chain is one span), its
// traceparent set on the request headers; the values in flight let the channel (traceFetch) stay out.
import type { Tracer } from '../src/tracer.js';
import { SpanKind, SpanStatusCode, type AnySpan } from '../src/span.js';
import { formatTraceparent } from '../src/traceparent.js';
import { storage } from '../src/context.js';
import { isNoTrace } from '../src/suppress.js';
import { nameOfMethod, normalizeMethod } from './http-attrs.js';
import { defaultPort, urlFull } from './http-url.js';
import { isName } from './http-headers.js';
import { httpStats, reportInternal } from './http-stats.js';
import { resendCountOf, tracerOf } from './retry.js';

const TRACEPARENT = 'traceparent';
const TRACESTATE = 'tracestate';
/** traceparent values tracedFetch has put on requests still in flight: the channel leaves those alone. */
const wrapperValues = new Set<string>();

/** Does the request carry a traceparent the explicit wrapper set (flat header array, undici >= 6)? */
export function fromWrapper(headers: string | unknown[] | undefined): boolean {
  if (!Array.isArray(headers) || wrapperValues.size === 0) return false;
  for (let i = 0; i < headers.length; i += 2) if (isName(headers[i], TRACEPARENT)) return wrapperValues.has(String(headers[i + 1]));
  return false;
}

type FetchFn = typeof globalThis.fetch;
/** RequestInit's members (Fetch §5.4) and undici's `dispatcher`: what fetch reads from an init, inherited or own. */
const INIT_KEYS = ['method', 'body', 'referrer', 'referrerPolicy', 'mode', 'credentials', 'cache', 'redirect', 'integrity', 'keepalive', 'signal', 'window', 'duplex', 'priority', 'dispatcher'];

/**
 * `init` with our headers. Fetch reads an init's members through the prototype chain, so a Request given as init
 * (the `fetch(url, request)` proxy idiom) or a class instance carries its method, body and signal as getters: a
 * spread keeps only own properties, and the request would go out as a bodiless GET.
 */
function withHeaders(init: RequestInit | undefined, headers: Headers): RequestInit {
  const out: Record<string, unknown> = { ...init, headers };
  if (init != null) {
    const proto: unknown = Object.getPrototypeOf(init);
    if (proto !== Object.prototype && proto !== null) {
      for (const k of INIT_KEYS) if (!(k in out)) { const v = (init as Record<string, unknown>)[k]; if (v !== undefined) out[k] = v; }
    }
  }
  return out as RequestInit;
}
/**
 * A Request of the global fetch, or of the implementation passed as fetchImpl (undici from npm, a polyfill: not
 * an instance of the global class): an object with a string `url`. A URL object is a URL.
 */
function isRequestLike(input: unknown): boolean {
  if (typeof Request !== 'undefined' && input instanceof Request) return true;
  return input !== null && typeof input === 'object' && !(input instanceof URL) && typeof (input as { url?: unknown }).url === 'string';
}

/** The methods fetch upper-cases; any other goes on the wire as given (Fetch §2.2.1, method normalize). */
const FETCH_NORMALIZED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

/**
 * Explicit wrapper: a CLIENT span per fetch call (a redirect chain is one span here), traceparent set on
 * the request headers. With traceFetch installed too, the channel sees the header and stays out.
 */
export function tracedFetch(tracer: Tracer, fetchImpl: FetchFn = globalThis.fetch): FetchFn {
  return async function fetchTraced(input: Parameters<FetchFn>[0], init?: Parameters<FetchFn>[1]): Promise<Response> {
    let span: AnySpan | undefined;
    let tp = '';
    let args: [Parameters<FetchFn>[0], Parameters<FetchFn>[1]] = [input, init];
    try {
      const active = storage.getStore();
      const isReq = !isNoTrace(active) && isRequestLike(input);
      const url = isNoTrace(active) ? null : new URL(isReq ? (input as Request).url : String(input));
      // Only http(s) goes on the wire: a data: or blob: URL is no CLIENT call, and its path is the payload (AC-007).
      if (url !== null && (url.protocol === 'http:' || url.protocol === 'https:')) {
        const raw = init?.method ?? (isReq ? (input as Request).method : undefined) ?? 'GET';
        const upper = raw.toUpperCase();
        const method = normalizeMethod(FETCH_NORMALIZED.has(upper) ? upper : raw); // the method fetch sends (Fetch §2.2.1 normalize)
        const scheme = url.protocol.slice(0, -1);
        const port = url.port ? Number(url.port) : defaultPort(scheme);
        const host = url.hostname.charCodeAt(0) === 91 ? url.hostname.slice(1, -1) : url.hostname;
        const resend = resendCountOf(active);
        span = tracerOf(active, tracer).startSpan(nameOfMethod(method), {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': method, 'http.request.method_original': method === '_OTHER' ? raw : undefined, 'server.address': host, 'server.port': port,
            'url.full': urlFull(scheme, host, port, url.pathname), 'http.request.resend_count': resend > 0 ? resend : undefined,
          },
        });
        // a disabled tracer with no trace to pass on: the request goes as written
        if ((span.t0 | span.t1 | span.t2 | span.t3) === 0) span = undefined;
        else {
          const headers = new Headers(init?.headers ?? (isReq ? (input as Request).headers : undefined));
          tp = formatTraceparent(span);
          if (headers.has(TRACEPARENT)) httpStats.traceHeadersReplaced++; // the caller's own goes, as in traceFetch
          headers.set(TRACEPARENT, tp);
          const ts = span.traceState;
          if (ts !== null && ts.size > 0) headers.set(TRACESTATE, ts.toString());
          else headers.delete(TRACESTATE);
          args = [input, withHeaders(init, headers)];
        }
      }
    } catch (err) {
      reportInternal(tracer.logger, 'tracewire/fetch wrapper', err);
      span = undefined;
      args = [input, init];
    }
    if (span === undefined) return fetchImpl(input, init);
    wrapperValues.add(tp); // unique per span: the channel (traceFetch) sees it is ours, redirect hops included
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
      wrapperValues.delete(tp);
      span.end();
    }
  };
}
