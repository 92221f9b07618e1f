// Response side of the ingress adapter: the trace headers (set at request start, re-applied in
// writeHead if the handler replaced Server-Timing), and the end of the SERVER span when the response
// closes (status, route, error.type). Listeners are shared per ServerConfig, never made per request.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { Socket } from 'node:net';
import { SpanStatusCode, type AnySpan } from '../src/span.js';
import type { ServerConfig } from './http-server-config.js';
import { clientErrorType, nameOfMethod, normalizeMethod } from './http-attrs.js';
import { isName } from './http-headers.js';
import { reportInternal } from './http-stats.js';
import { serverTimingValue, TRACE_ID_AT, TRACEPARENT_AT } from './http-server-timing.js';

export const kSpan = Symbol.for('tracewire.http.span');
export const kRoute = Symbol.for('tracewire.http.route');
export type Req = IncomingMessage & { [kSpan]?: AnySpan; [kRoute]?: string };
export type Res = ServerResponse & { req: Req };

export function setResponseHeaders(cfg: ServerConfig, req: Req, res: Res, span: AnySpan): void {
  req[kSpan] = span;
  if (cfg.anyHeader) {
    // The headers go in when the head is written (every path, implicit ones included, calls res.writeHead).
    // Not setHeader here: that forces Node's progressive-header path, 1.45 vs 0.84 µs (bench/http/header-cost.ts).
    res.writeHead = cfg.writeHead as ServerResponse['writeHead'];
    // Node's alias (DEP0063, documentation-only) is the prototype's writeHead itself: it would skip ours.
    (res as { writeHeader?: unknown }).writeHeader = cfg.writeHead;
  }
}

/** HTTP/1: the span ends when the response closes (finish). */
export function endAtClose(cfg: ServerConfig, req: Req, res: Res, span: AnySpan): void {
  // Closed already: a handler called late (after an outer listener's await) by which time the client had left.
  // No 'close' is coming; the span ends once the handler's synchronous part has named it.
  if (res.closed === true) process.nextTick(finishLate, cfg, res);
  else {
    res.on('close', cfg.onClose);
    if (res.socket === null && span.isRecording()) trackQueued(cfg, req.socket as QSocket | null, res);
  }
}

const kQueued = Symbol('tracewire.http.queued');
/** Pipelined responses of recording spans still waiting for the socket, as flat [cfg, res, ...] pairs from `head`. */
class Queued {
  items: unknown[] = [];
  head = 0;
}
type QSocket = Socket & { [kQueued]?: Queued | undefined };

/**
 * A pipelined response queued behind another (no socket yet) never emits 'close' on Node 20 when the
 * connection dies (lib/_http_server.js socketOnClose aborts the queued requests, not their responses; Node 24
 * also destroys them): its span ends on the socket's close instead. Only pipelined requests pay for this.
 * A response leaves the list when Node gives it the socket (it then emits its own 'close'): a burst of
 * pipelined requests is not kept in memory for the idle life of the keep-alive connection.
 */
function trackQueued(cfg: ServerConfig, socket: QSocket | null, res: Res): void {
  if (socket === null || typeof socket.once !== 'function') return;
  let q = socket[kQueued];
  if (q === undefined) { q = socket[kQueued] = new Queued(); socket.once('close', closeQueued); }
  q.items.push(cfg, res);
  res.once('socket', dequeued);
}

/** Node assigned the socket to a queued response (ServerResponse.assignSocket, in pipeline order): forget it. */
function dequeued(this: Res, socket: QSocket): void {
  const q = socket?.[kQueued];
  if (q === undefined) return;
  const items = q.items;
  for (let i = q.head + 1; i < items.length; i += 2) if (items[i] === this) { items[i - 1] = items[i] = null; break; }
  while (q.head < items.length && items[q.head + 1] === null) q.head += 2;
  if (q.head >= items.length) { items.length = 0; q.head = 0; }
}

function closeQueued(this: QSocket): void {
  const q = this[kQueued];
  this[kQueued] = undefined;
  if (q !== undefined) for (let i = q.head; i < q.items.length; i += 2) if (q.items[i + 1] !== null) finish(q.items[i] as ServerConfig, q.items[i + 1] as Res);
}

/** Append our entry to an existing Server-Timing value (a list header, RFC 9110 §5.3). */
function mergeTiming(cur: unknown, entry: string): string | string[] {
  if (Array.isArray(cur)) return cur.includes(entry) ? cur.map(String) : [...cur.map(String), entry];
  const s = String(cur);
  if (s.length === 0) return entry;
  return s.includes(entry) ? s : s + ', ' + entry;
}

/** Our three headers; null = off or already given by the handler. */
class Ours {
  timing: string | null = null;
  traceId: string | null = null;
  traceResponse: string | null = null;
}
const ours = new Ours(); // synchronous use only

function fillOurs(cfg: ServerConfig, timing: string): void {
  ours.timing = cfg.timingHeader !== null ? timing : null;
  ours.traceId = cfg.traceIdHeader !== null ? timing.slice(TRACE_ID_AT, TRACE_ID_AT + 32) : null;
  ours.traceResponse = cfg.traceResponseHeader !== null ? timing.slice(TRACEPARENT_AT) : null;
}

/** Copy one handler header into `out`, merging Server-Timing; a handler's own trace-ID header wins over ours. */
function pushHeader(cfg: ServerConfig, out: unknown[], k: unknown, v: unknown): void {
  if (ours.timing !== null && isName(k, cfg.timingHeader!)) { v = mergeTiming(v, ours.timing); ours.timing = null; }
  else if (ours.traceId !== null && isName(k, cfg.traceIdHeader!)) ours.traceId = null;
  else if (ours.traceResponse !== null && isName(k, cfg.traceResponseHeader!)) ours.traceResponse = null;
  out.push(k, v);
}

/** Handler headers (object, flat or nested array, or none) plus ours, as one flat array: Node's cheapest form. */
function flatHeaders(cfg: ServerConfig, h: unknown): unknown[] {
  const out: unknown[] = [];
  if (Array.isArray(h)) {
    if (h.length % 2 === 1 && !Array.isArray(h[0])) return h; // malformed: Node throws ERR_INVALID_ARG_VALUE, as without tracing
    if (h.length > 0 && Array.isArray(h[0])) for (const e of h as unknown[][]) pushHeader(cfg, out, e[0], e[1]);
    else for (let i = 0; i + 1 < h.length; i += 2) pushHeader(cfg, out, h[i], h[i + 1]);
  } else if (h !== null && typeof h === 'object') {
    for (const k in h as Record<string, unknown>) if (Object.prototype.hasOwnProperty.call(h, k)) pushHeader(cfg, out, k, (h as Record<string, unknown>)[k]);
  }
  if (ours.timing !== null) out.push(cfg.timingHeader, ours.timing);
  if (ours.traceId !== null) out.push(cfg.traceIdHeader, ours.traceId);
  if (ours.traceResponse !== null) out.push(cfg.traceResponseHeader, ours.traceResponse);
  return out;
}

/** The handler used setHeader (Node's progressive path): set ours the same way, merging Server-Timing. */
function setOurs(cfg: ServerConfig, res: Res, h: unknown): unknown {
  if (ours.timing !== null) {
    const name = cfg.timingHeader!;
    let inArgs = false;
    if (Array.isArray(h) && h.length > 0 && Array.isArray(h[0])) {
      // [name, value] pairs: the HTTP/2 compat writeHead takes them with progressive headers too (and drops
      // a setHeader'd name the pairs give), HTTP/1 only without
      for (let i = 0; i < h.length; i++) {
        const e = h[i] as unknown[];
        if (Array.isArray(e) && isName(e[0], name)) { const c = h.slice(); c[i] = [e[0], mergeTiming(e[1], ours.timing)]; h = c; inArgs = true; break; }
      }
    } else if (Array.isArray(h)) {
      for (let i = 0; i < h.length; i += 2) if (isName(h[i], name)) { const c = h.slice(); c[i + 1] = mergeTiming(c[i + 1], ours.timing); h = c; inArgs = true; break; }
    } else if (h !== null && typeof h === 'object') {
      for (const k in h as Record<string, unknown>) {
        // Copy: the handler's object may be a shared constant.
        if (isName(k, name)) { const c = { ...(h as Record<string, unknown>) }; c[k] = mergeTiming(c[k], ours.timing); h = c; inArgs = true; break; }
      }
    }
    if (!inArgs) { const cur = res.getHeader(name); res.setHeader(name, cur === undefined ? ours.timing : mergeTiming(cur, ours.timing)); }
  }
  if (ours.traceId !== null && !res.hasHeader(cfg.traceIdHeader!)) res.setHeader(cfg.traceIdHeader!, ours.traceId);
  if (ours.traceResponse !== null && !res.hasHeader(cfg.traceResponseHeader!)) res.setHeader(cfg.traceResponseHeader!, ours.traceResponse);
  return h;
}

/** writeHead(status, [reason], [headers]) with the trace headers added; Server-Timing merged with the handler's. */
export function tracedWriteHead(cfg: ServerConfig, res: Res, statusCode: number, reason: unknown, headers: unknown): ServerResponse {
  const span = res.req?.[kSpan];
  if (span !== undefined && !res.headersSent) {
    try {
      fillOurs(cfg, serverTimingValue(span)); // flat `trace;desc=<traceparent>`: the other values are slices of it
      // Node's overloads: writeHead(status, reason?, headers?), where a non-string reason is the headers
      // unless headers are given too (`obj ??= reason`): writeHead(200, undefined, h) sends h.
      const withReason = typeof reason === 'string';
      const h = withReason || headers != null ? headers : reason;
      let out: unknown;
      if (res.getHeaderNames().length === 0) {
        const flat = flatHeaders(cfg, h);
        // No progressive headers: these never reach res.getHeaders(), so the allowlist reads them here.
        if (cfg.resHeaders.names.length > 0 && span.isRecording()) cfg.resHeaders.recordFlat(span, flat);
        out = flat;
      } else out = setOurs(cfg, res, h);
      headers = out;
      if (!withReason) reason = undefined;
    } catch (err) {
      reportInternal(cfg.tracer.logger, 'tracewire/http writeHead', err);
    }
  }
  // The prototype's writeHead (what `res.writeHead` was before our own property); undefined extra arguments are what Node's own overloads see.
  return ((Object.getPrototypeOf(res) as ServerResponse).writeHead as (this: Res, ...a: unknown[]) => ServerResponse).call(res, statusCode, reason, headers);
}

/**
 * The answer Node writes itself on a client error with a request in flight (lib/_http_server.js socketOnError,
 * the same bytes in Node 20 and 24: `HTTP/1.1 <status> <reason>`, `Connection: close`), plus the trace headers.
 */
export function cannedResponse(cfg: ServerConfig, span: AnySpan, status: number): string {
  fillOurs(cfg, serverTimingValue(span));
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n`;
  // the names are HTTP tokens (checked once in ServerConfig), the values hex and fixed punctuation
  if (ours.timing !== null) head += cfg.timingHeader + ': ' + ours.timing + '\r\n';
  if (ours.traceId !== null) head += cfg.traceIdHeader + ': ' + ours.traceId + '\r\n';
  if (ours.traceResponse !== null) head += cfg.traceResponseHeader + ': ' + ours.traceResponse + '\r\n';
  return head + '\r\n';
}

/** Response closed (finished or aborted): status, route, end. */
export function finish(cfg: ServerConfig, res: Res): void {
  const req = res.req;
  const span = req?.[kSpan];
  if (span === undefined || span.ended) return; // ended already: a queued response closed by its socket (trackQueued), or by the app
  try {
    if (span.isRecording()) {
      recordResponse(cfg, span, req, res);
      // The client went away before the response completed: not a server failure, but not a response either.
      // Or Node ended the connection itself after the request event (requestTimeout while the body was still
      // coming, a malformed chunked body): the socket's error says which (read only on this path).
      if (!res.writableFinished && span.getAttribute('error.type') === undefined) {
        span.setAttribute('error.type', clientErrorType((req.socket as unknown as { errored?: unknown } | null)?.errored) ?? 'aborted');
      }
    }
  } catch (err) {
    reportInternal(cfg.tracer.logger, 'tracewire/http finish', err);
  }
  span.end();
}

/**
 * A request gone before its handler ran (HTTP/1 response closed, HTTP/2 stream reset: a handler called late, after
 * an outer listener's await), ended after the handler's synchronous part: its route, `aborted`, no status (a head
 * written then reached no client).
 */
export function finishLate(cfg: ServerConfig, res: Res): void {
  const req = res.req;
  const span = req?.[kSpan];
  if (span === undefined || span.ended) return; // ended at a 'close' still to come when the handler ran (HTTP/2)
  try {
    if (span.isRecording()) {
      recordRoute(cfg, span, req, res);
      if (span.getAttribute('error.type') === undefined) span.setAttribute('error.type', 'aborted');
    }
  } catch (err) {
    reportInternal(cfg.tracer.logger, 'tracewire/http finish', err);
  }
  span.end();
}

/** Route and status of a closing HTTP/1 response: what happened before any cut. */
function recordResponse(cfg: ServerConfig, span: AnySpan, req: Req, res: Res): void {
  recordRoute(cfg, span, req, res);
  if (res.headersSent) {
    recordStatus(span, res.statusCode);
    if (cfg.resHeaders.names.length > 0) cfg.resHeaders.record(span, res.getHeaders());
  }
}

export function recordRoute(cfg: ServerConfig, span: AnySpan, req: Req, res: Res): void {
  const route = req[kRoute] ?? (cfg.routeOf !== null ? cfg.routeOf!(req, res) : undefined);
  if (typeof route === 'string' && route.length > 0) applyRoute(span, req, route);
}

/** The status sent. Semconv: 5xx is an error on a server span, 4xx is the client's. */
export function recordStatus(span: AnySpan, code: number): void {
  span.setAttribute('http.response.status_code', code);
  if (code >= 500) {
    if (span.getAttribute('error.type') === undefined) span.setAttribute('error.type', String(code)); // a recorded exception type wins
    span.setStatus(SpanStatusCode.ERROR);
  }
}

function applyRoute(span: AnySpan, req: IncomingMessage, route: string): void {
  span.setAttribute('http.route', route);
  span.updateName(nameOfMethod(normalizeMethod(req.method)) + ' ' + route);
}

/** For routers: the matched route template (`/orders/:id`), never the raw path. Names the span `{method} {route}`. */
export function setRoute(req: IncomingMessage | Http2ServerRequest, route: string): void {
  if (typeof route !== 'string' || route.length === 0) return;
  const r = req as unknown as Req;
  r[kRoute] = route;
  const span = r[kSpan];
  if (span !== undefined && span.isRecording()) applyRoute(span, r, route);
}

/** The SERVER span of a request (to add attributes), if it is traced. */
export function getRequestSpan(req: IncomingMessage | Http2ServerRequest): AnySpan | undefined {
  return (req as unknown as Req)[kSpan];
}
