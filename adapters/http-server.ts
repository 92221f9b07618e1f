// node:http / node:https (and node:http2 compat API) ingress entry points: withTracing wraps a `(req, res)` handler, traceServer patches a
// server's emit ('request', Expect: events, and the answers Node gives itself: clientError, dropRequest, an
// unmet Expect) and hears http.server.request.start (missing Host). Options live in http-server-config, the
// per-request path in http-request(-context).
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Http2SecureServer, Http2Server, Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import type { Tracer } from '../src/tracer.js';
import { cannedResponse, kSpan, type Req, type Res } from './http-response.js';
import { clientErrorStatus, clientErrorType } from './http-attrs.js';
import { httpStats, reportInternal } from './http-stats.js';
import { ServerConfig, type RequestHandler, type ServerTracingOptions } from './http-server-config.js';
import { callHandler, handlerFailed, startRequest } from './http-request.js';
import { enterRequest, leaveStale } from './http-request-context.js';
export { setRoute, getRequestSpan } from './http-response.js';
export { ServerConfig, type ServerTracingOptions, type TrustPolicy, type RequestHandler } from './http-server-config.js';
export { startRequest } from './http-request.js';

const kOrigEmit = Symbol.for('tracewire.http.origEmit');

/** A node:http2 compatibility-API handler, for `http2.createServer` / `http2.createSecureServer`. */
export type Http2RequestHandler = (req: Http2ServerRequest, res: Http2ServerResponse) => unknown;
/** The servers traceServer patches: node:http, node:https and node:http2 (its compatibility API's 'request' events). */
type AnyServer = Server | Http2Server | Http2SecureServer;

/**
 * Wrap a `(req, res)` handler for `http.createServer` / `https.createServer`, or an HTTP/2 compatibility-API one
 * for `http2.createServer` / `http2.createSecureServer`. The span is active while the handler runs and in its
 * request-body listeners.
 */
export function withTracing(tracer: Tracer, handler: RequestHandler, options?: ServerTracingOptions): RequestHandler;
export function withTracing(tracer: Tracer, handler: Http2RequestHandler, options?: ServerTracingOptions): Http2RequestHandler;
export function withTracing<S extends AnyServer>(tracer: Tracer, server: S, options?: ServerTracingOptions): S;
export function withTracing(tracer: Tracer, target: RequestHandler | Http2RequestHandler | AnyServer, options?: ServerTracingOptions): RequestHandler | Http2RequestHandler | AnyServer {
  if (typeof target !== 'function') return traceServer(tracer, target, options);
  const cfg = new ServerConfig(tracer, options);
  return function tracedHandler(this: unknown, req: IncomingMessage, res: ServerResponse): unknown {
    const span = startRequest(cfg, req as Req, res as Res);
    if (span === undefined) { leaveStale(req as Req); return (target as RequestHandler).call(this, req, res); }
    enterRequest(req as Req, span);
    return callHandler(cfg, span, target as RequestHandler, this, req as Req, res as Res);
  };
}

/**
 * Trace every request of an existing `http.Server` / `https.Server`, or an `http2` server's compatibility-API
 * requests (its 'request' listeners run in the span). Returns the server.
 */
export function traceServer<S extends AnyServer>(tracer: Tracer, server: S, options?: ServerTracingOptions): S {
  const s = server as unknown as Patched;
  if (s[kOrigEmit] !== undefined) untraceServer(server);
  const cfg = new ServerConfig(tracer, options);
  const own = Object.prototype.hasOwnProperty.call(s, 'emit');
  const orig = s.emit as (...a: unknown[]) => boolean;
  s[kOrigEmit] = own ? (orig as Server['emit']) : null;
  s[kConfig] = cfg;
  if (server.listening) hear(s);
  // With no 'checkExpectation' listener Node answers an Expect other than 100-continue 417 itself, with no
  // event (parserOnIncoming): ours makes it emit one, and the same 417 is given here, to a traced request.
  server.on('checkExpectation', expectListener);
  s.emit = function tracedEmit(this: Server, event: string | symbol, req: Req, res: Res): boolean {
    // checkContinue / checkExpectation replace 'request' for `Expect:` requests when the server listens for them.
    if (event !== 'request' && event !== 'checkContinue' && event !== 'checkExpectation') {
      if (event === 'clientError') return onClientError(cfg, this, orig, req as unknown as Error, res as unknown as Socket);
      if (event === 'dropRequest') onDropRequest(cfg, req);
      // Heard from 'listening' or its first connection (one handed over with emit('connection') too) to its 'close'.
      else if (event === 'connection' || event === 'listening') { if ((this as unknown as Patched)[kHeard] !== true) hear(this as unknown as Patched); }
      else if (event === 'close') unhear(this as unknown as Patched);
      return orig.apply(this, arguments as unknown as unknown[]);
    }
    const span = startRequest(cfg, req, res);
    if (event === 'checkExpectation' && !hostExpects(this)) return expectationFailed(res);
    if (span === undefined) { leaveStale(req); return orig.call(this, event, req, res); }
    enterRequest(req, span);
    try {
      return orig.call(this, event, req, res);
    } catch (err) {
      // Listeners' return values are dropped by emit, so only synchronous throws are seen here.
      if (handlerFailed(cfg, span, res, err)) return true;
      throw err;
    }
  } as Server['emit'];
  return server;
}

/**
 * Node's 'clientError' (lib/_http_server.js socketOnError; also its requestTimeout/headersTimeout check). Without
 * a listener Node writes a canned 400/408/413/431 on the raw socket and destroys it. When a traced request is in
 * flight (requestTimeout while its body is still coming, a malformed chunked body, a malformed pipelined request
 * behind it) that answer would bypass the response and its trace headers: we write the same bytes plus the trace
 * headers instead, and the span gets the status and `error.type`. No request in flight: counted, left to Node.
 */
function onClientError(cfg: ServerConfig, server: Server, orig: (...a: unknown[]) => boolean, err: Error, socket: Socket): boolean {
  const res = (socket as unknown as { _httpMessage?: Res | null } | null)?._httpMessage;
  const span = res?.req?.[kSpan];
  if (span === undefined) {
    // A parse error or timeout of a request that never became one (not a reset of an idle connection).
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code.startsWith('HPE_'))) httpStats.clientErrors++;
    return orig.call(server, 'clientError', err, socket);
  }
  const type = clientErrorType(err) ?? 'aborted';
  if (orig.call(server, 'clientError', err, socket)) { // the host's listener answers (or not): only the span learns why
    if (span.getAttribute('error.type') === undefined) span.setAttribute('error.type', type);
    return true;
  }
  let head: string | null = null;
  const status = clientErrorStatus((err as { code?: string })?.code ?? null);
  try {
    // Node's condition for answering: a writable socket and nothing of the in-flight response sent yet.
    if (socket.writable && !(res as unknown as { _headerSent?: boolean })._headerSent) head = cannedResponse(cfg, span, status);
  } catch (e) {
    reportInternal(cfg.tracer.logger, 'tracewire/http clientError', e);
    return false; // Node answers as it would without tracing
  }
  if (head !== null) {
    socket.write(head, 'latin1');
    res!.statusCode = status; // finish() reads it if the handler had called writeHead (headers not flushed yet)
    span.setAttribute('http.response.status_code', status);
  }
  if (span.getAttribute('error.type') === undefined) span.setAttribute('error.type', type);
  socket.destroy(err);
  return true;
}

const REQUEST_START = 'http.server.request.start';
const kConfig = Symbol('tracewire.http.config'); // this copy's servers only: another copy hears its own
const kHeard = Symbol('tracewire.http.heard');
/**
 * Traced servers that may get requests (listening, or given a connection) and have not closed: the channel is
 * heard while there is one. Counted on the server, not held here: a server closed (or untraced) is forgotten at
 * its 'close', and none is referenced, so a discarded one is collected. A server only ever handed connections
 * and dropped without close() keeps the count up (the listener stays, the server does not).
 */
let heardServers = 0;
/**
 * The response of the request last published on a server with maxRequestsPerSocket, for dropRequest (which
 * passes none). One slot for the process, emptied when a heard server closes: a closed server's last
 * response (its request, socket and the server itself) is not kept.
 */
let published: Res | null = null;

function hear(s: Patched): void {
  if (s[kHeard] === true) return;
  s[kHeard] = true;
  if (heardServers++ === 0) diagnostics.subscribe(REQUEST_START, onRequestStart);
}

function unhear(s: Patched): void {
  if (s[kHeard] !== true) return;
  s[kHeard] = false; // not deleted: a server listening again keeps its shape
  published = null;
  if (--heardServers === 0) diagnostics.unsubscribe(REQUEST_START, onRequestStart);
}

/**
 * Published by lib/_http_server.js parserOnIncoming (Node 20 and 24) for each request, after the upgrade check
 * and before Node's own checks, in this order: Host (an HTTP/1.1 request without one: 400 with no event, RFC
 * 9112 §3.2), maxRequestsPerSocket (dropRequest, then 503), Expect. Node keeps answering them itself, in its
 * order: a request it will refuse for want of Host is traced here (its 400 gets the trace headers).
 */
function onRequestStart(message: unknown): void {
  const m = message as { request: Req; response: Res; server: Server & Patched } | null;
  const cfg = m?.server?.[kConfig];
  if (cfg === undefined) return; // not a traced server
  try {
    const { request: req, server } = m!;
    if (req.httpVersionMajor !== 1 || req.httpVersionMinor !== 1) return;
    if (server.requireHostHeader && req.headers.host === undefined) startRequest(cfg, req, m!.response);
    // Node emits dropRequest in this same synchronous call, no other request in between: one slot is enough.
    else if ((server.maxRequestsPerSocket ?? 0) > 0) published = m!.response;
  } catch (err) {
    // diagnostics_channel rethrows a subscriber's throw as an uncaught exception of the host
    reportInternal(cfg.tracer.logger, 'tracewire/http request start', err);
  }
}

/**
 * Past `server.maxRequestsPerSocket` Node answers 503 itself, with no 'request' event (lib/_http_server.js
 * parserOnIncoming): the request is traced like any, its 503 (queued behind another when pipelined) gets the
 * trace headers. Not traced (ignored, or the adapter failed): counted.
 */
function onDropRequest(cfg: ServerConfig, req: Req): void {
  const res = published;
  published = null;
  if (res === null || res.req !== req || startRequest(cfg, req, res) === undefined) httpStats.clientErrors++;
}

/** Our 'checkExpectation' listener: only there so that Node emits the event; tracedEmit answers. */
function expectListener(): void {}

/** Has the host a 'checkExpectation' listener of its own (it then decides the answer)? Expect requests only. */
function hostExpects(server: Server): boolean {
  for (const l of server.rawListeners('checkExpectation')) if (l !== expectListener) return true;
  return false;
}

/** Node's own answer to an Expect it has no listener for (lib/_http_server.js), the handler not called. */
function expectationFailed(res: Res): boolean {
  res.writeHead(417);
  res.end();
  return true;
}

type Patched = { emit: Server['emit']; requireHostHeader?: boolean; maxRequestsPerSocket?: number | null; [kOrigEmit]?: Server['emit'] | null; [kConfig]?: ServerConfig; [kHeard]?: boolean };

/** Undo traceServer: the server's emit is exactly what it was. */
export function untraceServer(server: AnyServer): void {
  const s = server as unknown as Patched;
  const orig = s[kOrigEmit];
  if (orig === undefined) return;
  if (orig === null) delete (s as Partial<Patched>).emit;
  else s.emit = orig;
  delete s[kOrigEmit];
  server.removeListener('checkExpectation', expectListener);
  if (s[kConfig] === undefined) return; // patched by another copy of tracewire
  delete s[kConfig];
  unhear(s);
}
