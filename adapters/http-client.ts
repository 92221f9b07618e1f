// Outgoing node:http / node:https requests: a CLIENT span per request on the wire, traceparent and
// tracestate injected, never for requests branded no-trace (the exporter's own), ended at the request's close
// with its status or error. Installed on http.request/get and https.request/get by http-client-patch.
// `url.full` is `scheme://host[:port]/path`: user info is never recorded and the query string is dropped
// entirely (not only the semconv's signature keys: any query value can be a token).
import type { ClientRequest, IncomingMessage } from 'node:http';
import { errorMonitor } from 'node:events';
import type { Tracer } from '../src/tracer.js';
import { SpanKind, SpanStatusCode, type AnySpan, type SpanOptions } from '../src/span.js';
import { hasTrace, storage } from '../src/context.js';
import { isNoTrace } from '../src/suppress.js';
import { clientStartAttrs, fillClientAttrs, fillSocketAttrs, nameOfMethod, socketName } from './http-attrs.js';
import { defaultPort } from './http-url.js';
import { HeaderAllowlist } from './http-headers.js';
import { httpStats, reportInternal } from './http-stats.js';
import { serverTimingValue, TRACEPARENT_AT } from './http-server-timing.js';
import { hostPortOf } from './http-host.js';
import { resendCountOf, tracerOf } from './retry.js';

export interface ClientTracingOptions {
  /** Trace only requests made while a span is active (default false: a request with no parent starts a trace). */
  requireParent?: boolean;
  /** Request headers to record as `http.request.header.<name>` (credentials refused). */
  requestHeaders?: readonly string[];
  /** Response headers to record as `http.response.header.<name>`. */
  responseHeaders?: readonly string[];
  /** Hosts never traced (exact `server.address` match: a socket path for `socketPath` requests), e.g. a collector reached without the no-trace brand. */
  ignoreHosts?: readonly string[];
}

const kSpan = Symbol.for('tracewire.httpClient.span');
export type Req = ClientRequest & { [kSpan]?: AnySpan; res?: IncomingMessage | null; host?: string; protocol?: string; socketPath?: unknown };

export class ClientConfig {
  readonly tracer: Tracer;
  readonly requireParent: boolean;
  readonly reqHeaders: HeaderAllowlist;
  readonly resHeaders: HeaderAllowlist;
  readonly ignoreHosts: Set<string> | null;
  readonly attrs = clientStartAttrs();
  readonly opts: SpanOptions;
  readonly onClose: (this: Req) => void;
  readonly onError: (this: Req, err: unknown) => void;
  /** Own `_implicitHeader` of traced requests (one per config): re-injects if the caller replaced our headers. */
  readonly implicitHeader: (this: Req) => void;
  constructor(tracer: Tracer, o: ClientTracingOptions = {}) {
    this.tracer = tracer;
    const warn = (m: string): void => tracer.logger(m);
    this.requireParent = o.requireParent === true;
    this.reqHeaders = new HeaderAllowlist(o.requestHeaders, 'http.request.header.', warn);
    this.resHeaders = new HeaderAllowlist(o.responseHeaders, 'http.response.header.', warn);
    this.ignoreHosts = o.ignoreHosts && o.ignoreHosts.length > 0 ? new Set(o.ignoreHosts) : null;
    this.opts = { kind: SpanKind.CLIENT, attributes: this.attrs };
    const cfg = this;
    this.onClose = function onClose(this: Req): void { finish(cfg, this); };
    this.onError = function onError(this: Req, err: unknown): void { failed(this, err); };
    this.implicitHeader = function _implicitHeader(this: Req): void { renderHead(cfg, this); };
  }
}

/**
 * Start the CLIENT span of a request just created, inject the context. `port` is the port connected to when
 * the caller knows it (from http.request's arguments); without it, the Host header's port or the scheme's.
 */
export function traceRequest(cfg: ClientConfig, req: Req, port = -1): void {
  try {
    if (req[kSpan] !== undefined) return;
    if (isNoTrace(req)) { httpStats.noTraceSkipped++; return; }
    const active = storage.getStore();
    if (isNoTrace(active)) { httpStats.noTraceSkipped++; return; } // OTel suppressTracing (an exporter's own request), through the bridge
    if (cfg.requireParent && !hasTrace(active)) return; // an OTel context holding only baggage is no parent
    const host = req.host ?? 'localhost';
    const sp = req.socketPath, local = typeof sp === 'string' && sp.length > 0; // Node connects there; `host` only makes the Host header
    if (cfg.ignoreHosts !== null && cfg.ignoreHosts.has(local ? socketName(sp) : host)) return;
    const scheme = req.protocol === 'https:' ? 'https' : 'http';
    if (port <= 0) {
      const hostHeader = req.getHeader('host');
      port = typeof hostHeader === 'string' ? hostPortOf(hostHeader) : -1;
      if (port <= 0) port = defaultPort(scheme);
    }
    const method = fillClientAttrs(cfg.attrs, req.method, scheme, host, port, req.path, resendCountOf(active));
    if (local) fillSocketAttrs(cfg.attrs, sp);
    const span = tracerOf(active, cfg.tracer).startSpan(nameOfMethod(method), cfg.opts);
    if ((span.t0 | span.t1 | span.t2 | span.t3) === 0) return; // a disabled tracer with no trace to pass on: the caller's headers go as written
    req[kSpan] = span;
    if (req.headersSent) {
      // An Expect header or raw-array headers: Node rendered the head in the constructor.
      if (!injectRendered(req, span, serverTimingValue(span).slice(TRACEPARENT_AT))) httpStats.injectSkipped++;
    } else {
      inject(req, span, serverTimingValue(span).slice(TRACEPARENT_AT)); // flat string: see serverTimingValue
      (req as unknown as { _implicitHeader: () => void })._implicitHeader = cfg.implicitHeader;
    }
    if (cfg.reqHeaders.names.length > 0 && span.isRecording()) cfg.reqHeaders.record(span, req.getHeaders());
    req.on(errorMonitor, cfg.onError); // errorMonitor: observe errors without handling them for the caller
    req.on('close', cfg.onClose);
  } catch (err) {
    reportInternal(cfg.tracer.logger, 'tracewire/http client', err);
  }
}

/** setHeader replaces: never two traceparent headers, whatever the caller set. */
function inject(req: Req, span: AnySpan, traceparent: string): void {
  req.setHeader('traceparent', traceparent);
  const ts = span.traceState;
  if (ts !== null && ts.size > 0) req.setHeader('tracestate', ts.toString());
  else if (req.hasHeader('tracestate')) req.removeHeader('tracestate');
}

type Rendered = { _header?: unknown; _headerSent?: boolean; outputData?: { data: unknown }[]; outputSize?: number };

/**
 * The head the constructor rendered (lib/_http_client.js: an `Expect` header renders and queues it at once,
 * raw-array headers render it) is still in the request, not on the wire: no socket is assigned before the next
 * tick. Our lines replace any traceparent / tracestate in it (the same `_header` / `outputData` in Node 20 and 24).
 */
function injectRendered(req: Req, span: AnySpan, traceparent: string): boolean {
  const r = req as unknown as Rendered;
  const head = r._header;
  if (req.socket != null || typeof head !== 'string' || !head.endsWith('\r\n\r\n')) return false;
  const out = r.outputData;
  const queued = Array.isArray(out) && out.length === 1 && out[0]!.data === head; // the Expect case: the head alone
  if (r._headerSent === true && !queued) return false;
  const lines = head.slice(0, -4).split('\r\n');
  let next = lines[0]!;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!, c = l.indexOf(':');
    const name = c < 0 ? '' : l.slice(0, c).trim().toLowerCase();
    if (name !== 'traceparent' && name !== 'tracestate') next += '\r\n' + l;
  }
  next += '\r\ntraceparent: ' + traceparent;
  const ts = span.traceState;
  if (ts !== null && ts.size > 0) next += '\r\ntracestate: ' + ts.toString();
  next += '\r\n\r\n';
  r._header = next;
  if (queued) { out![0]!.data = next; r.outputSize = (r.outputSize ?? 0) + next.length - head.length; }
  return true;
}

/**
 * The head is rendered on the first write/end/flushHeaders (ClientRequest.prototype._implicitHeader, Node 20
 * and 24): a traceparent / tracestate the caller set after http.request() returned (a proxy copying its
 * incoming headers) would name a stale parent, so the CLIENT span's go back in first.
 */
function renderHead(cfg: ClientConfig, req: Req): void {
  const span = req[kSpan];
  if (span !== undefined && !req.headersSent) {
    try {
      const tp = serverTimingValue(span).slice(TRACEPARENT_AT);
      const ts = span.traceState;
      if (req.getHeader('traceparent') !== tp || req.getHeader('tracestate') !== (ts !== null && ts.size > 0 ? ts.toString() : undefined)) inject(req, span, tp);
    } catch (err) {
      reportInternal(cfg.tracer.logger, 'tracewire/http client', err);
    }
  }
  (Object.getPrototypeOf(req) as { _implicitHeader: (this: Req) => void })._implicitHeader.call(req);
}

function failed(req: Req, err: unknown): void {
  const span = req[kSpan];
  if (span === undefined || !span.isRecording()) return;
  // The caller's own abort (its AbortSignal) is not a failure of the request, as in the fetch adapter; finish() ends it.
  if ((err as { name?: unknown } | null)?.name === 'AbortError' || ownHangUp(req, err)) span.setAttribute('error.type', 'aborted');
  else span.recordError(err);
}

/**
 * The caller's req.destroy() with no reason before a response: Node makes up ConnResetException('socket hang up')
 * (lib/_http_client.js, Node 20 and 24). A server's hang-up (FIN) says the same but leaves the socket ended by the
 * peer, as in bodyCut; a reset carries its own `read ECONNRESET`; a request still queued in the agent has no socket.
 */
function ownHangUp(req: Req, err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return req.destroyed && e?.code === 'ECONNRESET' && e.message === 'socket hang up' && req.socket?.readableEnded !== true;
}

function finish(cfg: ClientConfig, req: Req): void {
  const span = req[kSpan];
  if (span === undefined) return;
  if (span.isRecording()) {
    try {
      const res = req.res;
      if (res !== null && res !== undefined && typeof res.statusCode === 'number') {
        const code = res.statusCode;
        span.setAttribute('http.response.status_code', code);
        // Semconv: on a client span 4xx and 5xx are errors; error.type is the status code.
        if (code >= 400) { span.setAttribute('error.type', String(code)); span.setStatus(SpanStatusCode.ERROR); }
        if (cfg.resHeaders.names.length > 0) cfg.resHeaders.record(span, res.headers);
        if (res.complete === false && span.getAttribute('error.type') === undefined) bodyCut(span, req);
      } else if (span.getAttribute('error.type') === undefined) span.setAttribute('error.type', 'aborted');
    } catch (err) {
      reportInternal(cfg.tracer.logger, 'tracewire/http client finish', err);
    }
  }
  span.end();
}

/**
 * The body stopped short (res.complete false at 'close'; Node 20 and 24 alike). Only a server cut leaves the
 * socket ended by the peer (its FIN read: socket.readableEnded); the caller's req.destroy(), res.destroy()
 * or AbortSignal destroys the socket before any 'end'. A reset (RST) already reached failed() as ECONNRESET.
 */
function bodyCut(span: AnySpan, req: Req): void {
  if (req.socket?.readableEnded !== true) { span.setAttribute('error.type', 'aborted'); return; } // the caller's own abort
  // Node destroys the response with ConnResetException('aborted'), code ECONNRESET: the code the caller sees (semconv error.type)
  span.setAttribute('error.type', 'ECONNRESET');
  span.setStatus(SpanStatusCode.ERROR);
}
